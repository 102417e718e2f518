"""Learning-rate schedules: closed forms and argument checks."""

import math

import pytest

from nn.schedules import Constant, CosineDecay, LinearDecay, StepDecay


def test_linear_decay_is_micrograds_demo_schedule():
    schedule = LinearDecay(1.0, 0.1, 100)
    for step in range(100):
        assert schedule(step) == 1.0 - 0.9 * step / 100  # to the last bit
    assert schedule(100) == pytest.approx(0.1) and schedule(1000) == pytest.approx(0.1)


def test_step_decay_is_torch_step_lr():
    schedule = StepDecay(0.5, step_size=3, gamma=0.1)
    assert [schedule(k) for k in range(7)] == pytest.approx(
        [0.5, 0.5, 0.5, 0.05, 0.05, 0.05, 0.005], abs=1e-15)


def test_cosine_decay_from_start_to_end():
    schedule = CosineDecay(1.0, 0.2, 10)
    assert schedule(0) == 1.0
    assert schedule(5) == pytest.approx(0.6, abs=1e-15)
    assert schedule(10) == pytest.approx(0.2, abs=1e-15) and schedule(50) == schedule(10)
    assert schedule(2) == pytest.approx(0.2 + 0.8 * (1 + math.cos(math.pi * 0.2)) / 2)


def test_constant():
    assert {Constant(0.3)(k) for k in range(5)} == {0.3}


@pytest.mark.parametrize("make, message", [
    (lambda: Constant(-0.1), "lr"),
    (lambda: LinearDecay(1.0, -0.1, 100), "end"),
    (lambda: LinearDecay(1.0, 0.1, 0), "total_steps"),
    (lambda: LinearDecay(math.inf, 0.1, 10), "start"),
    (lambda: StepDecay(0.1, 2.5), "step_size"),
    (lambda: StepDecay(0.1, 3, gamma=-1.0), "gamma"),
    (lambda: CosineDecay(1.0, 0.0, True), "total_steps"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_step_decay_refuses_a_growing_rate():
    # before: gamma=10 overflowed at step 3100 with "int too large to convert to float"
    with pytest.raises(ValueError, match=r"gamma must be a finite number in \(0, 1\], got 10"):
        StepDecay(0.1, 100, gamma=10)
