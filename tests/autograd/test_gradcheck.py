"""gradcheck itself must catch wrong derivatives, and say where."""

import math

import pytest

from autograd import GradcheckError, Value, data_of, gradcheck
from autograd.ops import Primitive


def test_passes_on_correct_derivatives():
    assert gradcheck(lambda x, y: (x * y).sin() + x / y, [0.3, 1.9], order=2)


def wrong_row(partials):
    """A deliberately broken primitive: sin with the given partials."""
    return Primitive("bad_sin", "bad_sin", 1, math.sin, partials, "bad_sin({0})")


def test_catches_a_wrong_first_derivative_with_a_table():
    bad = wrong_row(lambda out, x: (out,))  # claims d/dx sin = sin
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x, y: bad(x) * y, [0.5, 2.0])
    message = str(caught.value)
    assert "d/dx0 (reverse)" in message and "d/dx0 (forward)" in message
    assert "d/dx1" not in message  # y's derivative, sin(x), is right
    row = next(line for line in message.splitlines() if "(reverse)" in line).split()
    analytic, numeric, difference = map(float, row[-3:])
    assert analytic == pytest.approx(math.sin(0.5) * 2.0, rel=1e-6)
    assert numeric == pytest.approx(math.cos(0.5) * 2.0, rel=1e-6)
    assert difference == pytest.approx(analytic - numeric, rel=1e-2)


def test_order_two_catches_a_wrong_second_derivative():
    # cos(x) as a float constant: right slope, but its own slope is lost (0)
    bad = wrong_row(lambda out, x: (math.cos(data_of(x)),))
    assert gradcheck(lambda x: bad(x), [0.5])  # first order is right
    with pytest.raises(GradcheckError, match=r"d2/dx0dx0"):
        gradcheck(lambda x: bad(x), [0.5], order=2)


def test_accepts_values_as_inputs():
    assert gradcheck(lambda x: x.exp(), [Value(0.25)])


def test_bad_order():
    with pytest.raises(ValueError, match="order must be 1 or 2, got 3"):
        gradcheck(lambda x: x, [1.0], order=3)


@pytest.mark.parametrize("eps", [0, -1e-6, math.nan])
def test_gradcheck_refuses_a_step_that_is_not_positive(eps):
    with pytest.raises(ValueError, match="eps must be a small number > 0"):
        gradcheck(lambda x: x * x, [1.0], eps=eps)
