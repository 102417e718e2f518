"""Optimizers: closed-form updates, torch.optim to 1e-12 over 50 steps,
a generic test over OPTIMIZERS, state dicts and bad hyperparameters."""

import json
import math
import random

import pytest

from autograd import Value
from nn.optim import OPTIMIZERS, SGD, Adagrad, Adam, AdamW, NAdam, Optimizer, RMSprop


def run(optimizer_class, gradients, start=1.0, **hyperparameters):
    """Feed a sequence of gradients to one parameter; return its values after each step."""
    parameter = Value(start)
    optimizer = optimizer_class([parameter], **hyperparameters)
    values = []
    for gradient in gradients:
        parameter.grad = gradient
        optimizer.step()
        values.append(parameter.data)
    return values


# --- closed forms, with a constant gradient g ---------------------------------------

G = 0.5


def test_sgd_is_w_minus_lr_times_gradient():
    assert run(SGD, [G, G, G], lr=0.1) == pytest.approx([0.95, 0.9, 0.85], abs=1e-15)


def test_sgd_momentum_dampening_nesterov_weight_decay_by_hand():
    # momentum: buffers g, 1.9g, 2.71g; steps are lr times the buffer
    assert run(SGD, [G] * 3, lr=0.1, momentum=0.9) == pytest.approx(
        [1 - 0.1 * G, 1 - 0.1 * G * 2.9, 1 - 0.1 * G * 5.61], abs=1e-15)
    # dampening 0.5 (not applied on the first step): buffers g, 1.4g, 1.76g
    assert run(SGD, [G] * 3, lr=0.1, momentum=0.9, dampening=0.5) == pytest.approx(
        [1 - 0.1 * G, 1 - 0.1 * G * 2.4, 1 - 0.1 * G * 4.16], abs=1e-15)
    # nesterov: steps use g + 0.9 * buffer: 1.9g, 2.71g, 3.439g
    assert run(SGD, [G] * 3, lr=0.1, momentum=0.9, nesterov=True) == pytest.approx(
        [1 - 0.1 * G * 1.9, 1 - 0.1 * G * 4.61, 1 - 0.1 * G * 8.049], abs=1e-15)
    # weight decay 0.1 adds 0.1 * w to the gradient: w1 = 1 - 0.1 (g + 0.1)
    first = 1 - 0.1 * (G + 0.1)
    assert run(SGD, [G] * 2, lr=0.1, weight_decay=0.1) == pytest.approx(
        [first, first - 0.1 * (G + 0.1 * first)], abs=1e-15)


def test_adam_first_steps_move_by_lr_for_a_constant_gradient():
    # with a constant g the bias-corrected moments are exactly g and g²,
    # so every step is lr * g / (|g| + eps)
    step = 0.01 * G / (G + 1e-8)
    assert run(Adam, [G] * 3, lr=0.01) == pytest.approx(
        [1 - step, 1 - 2 * step, 1 - 3 * step], abs=1e-13)
    assert run(Adam, [-G] * 2, lr=0.01) == pytest.approx([1 + step, 1 + 2 * step], abs=1e-13)


def test_adamw_decays_the_weight_before_the_adam_step():
    step = 0.01 * G / (G + 1e-8)
    first = 1 * (1 - 0.01 * 0.5) - step
    assert run(AdamW, [G] * 2, lr=0.01, weight_decay=0.5) == pytest.approx(
        [first, first * (1 - 0.01 * 0.5) - step], abs=1e-13)


def test_rmsprop_by_hand():
    alpha = 0.99
    # s_t = (1 - alpha^t) g², so step t is lr * g / (sqrt(1 - alpha^t) |g| + eps)
    expected, value = [], 1.0
    for t in (1, 2, 3):
        value -= 0.01 * G / (math.sqrt(1 - alpha ** t) * G + 1e-8)
        expected.append(value)
    assert run(RMSprop, [G] * 3) == pytest.approx(expected, abs=1e-13)
    # centered: s - m² = (1 - alpha^t) alpha^t g²
    expected, value = [], 1.0
    for t in (1, 2):
        value -= 0.01 * G / (math.sqrt((1 - alpha ** t) * alpha ** t) * G + 1e-8)
        expected.append(value)
    assert run(RMSprop, [G] * 2, centered=True) == pytest.approx(expected, abs=1e-12)


# --- torch.optim, where installed ------------------------------------------------

TORCH_CASES = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.05, momentum=0.9)),
    (SGD, dict(lr=0.05, momentum=0.8, dampening=0.3)),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (SGD, dict(lr=0.1, weight_decay=0.01)),
    (SGD, dict(lr=0.05, momentum=0.9, weight_decay=0.05, nesterov=True)),
    (RMSprop, dict()),
    (RMSprop, dict(lr=0.005, centered=True)),
    (RMSprop, dict(lr=0.005, momentum=0.9)),
    (RMSprop, dict(lr=0.005, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)),
    (Adam, dict()),
    (Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    (AdamW, dict()),
    (AdamW, dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.3)),
    (SGD, dict(lr=0.05, momentum=0.9, weight_decay=0.05, maximize=True)),
    (RMSprop, dict(lr=0.005, momentum=0.5, centered=True, maximize=True)),
    (Adam, dict(lr=0.05, amsgrad=True)),
    (Adam, dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    (AdamW, dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    (Adagrad, dict()),
    (Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5,
                   maximize=True)),
    (NAdam, dict()),
    (NAdam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, momentum_decay=0.01)),
    (NAdam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
]


@pytest.mark.parametrize("optimizer_class, hyperparameters", TORCH_CASES,
                         ids=lambda case: case.__name__ if isinstance(case, type) else str(case))
def test_same_values_as_torch_after_50_steps(optimizer_class, hyperparameters):
    torch = pytest.importorskip("torch")
    rng = random.Random(0)
    starts = [rng.uniform(-2, 2) for _ in range(4)]
    gradient_steps = [[rng.gauss(0, 1) for _ in starts] for _ in range(50)]

    # NOTE: torch keeps scalar state (NAdam's mu_product) in the default
    # dtype, float32 unless told: float64 compares the algorithms, not dtypes.
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        _compare_with_torch(torch, optimizer_class, hyperparameters, starts, gradient_steps)
    finally:
        torch.set_default_dtype(default_dtype)


def _compare_with_torch(torch, optimizer_class, hyperparameters, starts, gradient_steps):
    ours = [Value(x) for x in starts]
    optimizer = optimizer_class(ours, **hyperparameters)
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in starts]
    reference = getattr(torch.optim, optimizer_class.__name__)(
        theirs, foreach=False, **hyperparameters)
    for gradients in gradient_steps:
        for our, their, gradient in zip(ours, theirs, gradients):
            our.grad = gradient
            their.grad = torch.tensor(gradient, dtype=torch.float64)
        optimizer.step()
        reference.step()
    for our, their in zip(ours, theirs):
        assert abs(our.data - their.item()) <= 1e-12
    assert abs(ours[0].data - starts[0]) > 1e-3  # they really moved


def test_same_defaults_as_torch():
    torch = pytest.importorskip("torch")
    for ours in OPTIMIZERS:
        theirs = getattr(torch.optim, ours.__name__)
        reference = theirs([torch.zeros(1, requires_grad=True)], lr=0.5).defaults
        mine = ours([Value(0.0)], lr=0.5)
        for name in ours.hyperparameters:
            expected = reference[name]
            assert (tuple(expected) if name == "betas" else expected) == getattr(mine, name), name


# --- every optimizer in the registry -----------------------------------------------


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS, ids=lambda c: c.__name__)
def test_every_optimizer_descends_a_convex_quadratic(optimizer_class):
    centre = [1.5, -2.0, 0.5]
    parameters = [Value(0.0) for _ in centre]
    # Adagrad's steps shrink as 1/√t: at 0.05 it covers about 0.05 · 2√300 = 1.7 in 300 steps
    optimizer = optimizer_class(parameters, lr=0.5 if optimizer_class is Adagrad else 0.05)

    def loss():
        return sum((p - c) ** 2 for p, c in zip(parameters, centre))

    start = loss().data
    for _ in range(300):
        optimizer.zero_grad()
        value = loss()
        value.backward()
        optimizer.step()
    assert loss().data < 0.01 * start


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS, ids=lambda c: c.__name__)
def test_state_dict_survives_json_and_continues_identically(optimizer_class):
    rng = random.Random(1)
    gradients = [[rng.gauss(0, 1) for _ in range(3)] for _ in range(10)]
    first = [Value(0.5), Value(-0.5), Value(1.0)]
    optimizer = optimizer_class(first, lr=0.05)

    def steps(optimizer, parameters, sequence):
        for step in sequence:
            for parameter, gradient in zip(parameters, step):
                parameter.grad = gradient
            optimizer.step()

    steps(optimizer, first, gradients[:5])
    saved = json.loads(json.dumps(optimizer.state_dict()))
    second = [Value(p.data) for p in first]
    restored = optimizer_class(second, lr=1.0)
    restored.load_state_dict(saved)
    assert restored.lr == 0.05
    steps(optimizer, first, gradients[5:])
    steps(restored, second, gradients[5:])
    assert [p.data for p in second] == [p.data for p in first]


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS, ids=lambda c: c.__name__)
def test_zero_grad_and_repr(optimizer_class):
    parameters = [Value(1.0), Value(2.0)]
    for parameter in parameters:
        parameter.grad = 3.0
    optimizer = optimizer_class(parameters, lr=0.1)
    optimizer.zero_grad()
    assert [p.grad for p in parameters] == [0.0, 0.0]
    assert repr(optimizer).startswith(f"{optimizer_class.__name__}(2 parameters, lr=0.1")


@pytest.mark.parametrize("make, name", [
    (lambda p: SGD(p, lr=-0.1), "lr"),
    (lambda p: SGD(p, lr=math.nan), "lr"),
    (lambda p: SGD(p, lr="0.1"), "lr"),
    (lambda p: SGD(p, lr=0.1, momentum=-0.5), "momentum"),
    (lambda p: SGD(p, lr=0.1, dampening=1.5), "dampening"),
    (lambda p: SGD(p, lr=0.1, weight_decay=-1), "weight_decay"),
    (lambda p: SGD(p, lr=0.1, nesterov=True), "nesterov"),
    (lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "nesterov"),
    (lambda p: RMSprop(p, alpha=1.5), "alpha"),
    (lambda p: RMSprop(p, eps=-1e-8), "eps"),
    (lambda p: RMSprop(p, momentum=-0.1), "momentum"),
    (lambda p: Adam(p, lr=-0.001), "lr"),
    (lambda p: Adam(p, betas=(1.0, 0.999)), r"betas\[0\]"),
    (lambda p: Adam(p, betas=(0.9, -0.1)), r"betas\[1\]"),
    (lambda p: Adam(p, betas=(0.9,)), "betas"),
    (lambda p: AdamW(p, weight_decay=-0.01), "weight_decay"),
])
def test_invalid_hyperparameters_name_themselves(make, name):
    with pytest.raises(ValueError, match=name):
        make([Value(1.0)])


def test_bad_parameter_lists():
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 is float"):
        SGD([Value(1.0), 2.0], lr=0.1)
    shared = Value(1.0)
    with pytest.raises(ValueError, match="same parameter twice"):
        Adam([shared, shared])


@pytest.mark.parametrize("spoil", [
    lambda s: {**s, "extra": 1},
    lambda s: {**s, "param_groups": [{**s["param_groups"][0], "lr": -1.0}]},
    lambda s: {**s, "param_groups": [{"lr": 0.1, "params": [0, 1]}]},
    lambda s: {**s, "state": s["state"][:1]},
    lambda s: {**s, "state": [{"momentum_buffer": math.nan}, {}]},
    lambda s: {**s, "state": ["oops", {}]},
    lambda s: [s],
])
def test_bad_optimizer_state_is_rejected_and_changes_nothing(spoil):
    parameters = [Value(1.0), Value(2.0)]
    optimizer = SGD(parameters, lr=0.1, momentum=0.9)
    for parameter in parameters:
        parameter.grad = 1.0
    optimizer.step()
    before = optimizer.state_dict()
    with pytest.raises(ValueError):
        optimizer.load_state_dict(spoil(optimizer.state_dict()))
    assert optimizer.state_dict() == before


def test_base_class_has_no_update_rule():
    parameter = Value(1.0)
    parameter.grad = 1.0
    with pytest.raises(NotImplementedError):
        Optimizer([parameter]).step()


@pytest.mark.parametrize("make, entry, problem", [
    (lambda ps: SGD(ps, lr=0.1, momentum=0.9), {"bogus": 1.0}, "keys among"),
    (lambda ps: Adam(ps), {"step": -1.0, "exp_avg": 0.0, "exp_avg_sq": 0.0}, "whole number"),
    (lambda ps: Adam(ps), {"step": 1.5, "exp_avg": 0.0, "exp_avg_sq": 0.0}, "whole number"),
])
def test_load_state_dict_refuses_bad_parameter_state(make, entry, problem):
    parameter = Value(1.0)
    optimizer = make([parameter])
    parameter.grad = 0.5
    optimizer.step()
    before = optimizer.state_dict()
    bad = {"param_groups": before["param_groups"], "state": [entry]}
    with pytest.raises(ValueError, match=problem):
        optimizer.load_state_dict(bad)
    assert optimizer.state_dict() == before


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov="false"),
    lambda ps: RMSprop(ps, centered=1),
])
def test_flags_must_be_booleans(make):
    with pytest.raises(ValueError, match="must be True or False"):
        make([Value(1.0)])
