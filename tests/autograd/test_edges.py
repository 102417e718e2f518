"""Derivatives at the edges of domains: the documented choices, by hand."""

import builtins
import math

import pytest

import autograd
from autograd import Value, grad, ops
from tests.groups import require


@pytest.mark.parametrize("zero", [0.0, -0.0])
@pytest.mark.parametrize("name", ["relu", "abs", "sign", "step"])
def test_kinks_take_the_subgradient_zero(name, zero):
    x = Value(zero)
    getattr(x, name)().backward()
    assert x.grad == 0.0


@pytest.mark.parametrize("exponent, slope", [(0, 0.0), (1, 1.0), (2, 0.0), (3, 0.0)])
def test_integer_powers_at_zero(exponent, slope):
    x = Value(0.0)
    (x ** exponent).backward()
    assert x.grad == slope


def test_second_derivative_of_x_at_zero():
    assert grad(grad(lambda x: x ** 1))(0.0) == 0.0
    assert grad(grad(lambda x: x ** 2))(0.0) == 2.0


def test_infinite_slopes_raise_naming_the_op():
    with pytest.raises(ZeroDivisionError, match=r"derivative of pow\(\) is undefined"):
        (Value(0.0) ** 0.5).backward()


def test_softplus_is_stable_far_from_zero():
    big, small = Value(800.0), Value(-800.0)
    assert big.softplus().data == 800.0 and small.softplus().data == 0.0
    big.softplus().backward()
    small.softplus().backward()
    assert big.grad == 1.0 and small.grad == 0.0


def test_pow_holds_its_exponent_constant():
    assert ops.pow.constant_inputs == (1,)
    with pytest.raises(TypeError, match=r"pow\(\) holds its input 1 constant"):
        ops.pow(Value(2.0), Value(3.0))
    y = Value(3.0)
    (Value(2.0) ** y).backward()  # ** with a Value exponent differentiates it
    assert y.grad == pytest.approx(8.0 * 0.6931471805599453, rel=1e-15)


def test_star_import_hides_no_builtin():
    exported = set(autograd.__all__)
    assert not exported & set(dir(builtins)), exported & set(dir(builtins))
    assert autograd.abs is ops.abs  # still importable by name


# --- maximum and minimum: a tie splits the gradient -------------------------


@pytest.mark.parametrize("name, a, b, expected", [
    ("maximum", 3.0, 2.0, (1.0, 0.0)),
    ("maximum", 2.0, 3.0, (0.0, 1.0)),
    ("maximum", 2.0, 2.0, (0.5, 0.5)),  # the tie: half each, as torch and JAX
    ("minimum", 3.0, 2.0, (0.0, 1.0)),
    ("minimum", 2.0, 3.0, (1.0, 0.0)),
    ("minimum", 2.0, 2.0, (0.5, 0.5)),
])
def test_maximum_and_minimum_split_a_tie(name, a, b, expected):
    x, y = Value(a), Value(b)
    out = getattr(ops, name)(x, y)
    assert out.data == (max if name == "maximum" else min)(a, b)
    out.backward()
    assert (x.grad, y.grad) == expected
    assert grad(grad(lambda u: getattr(ops, name)(u, b)))(a) == 0.0


def test_maximum_of_a_value_with_itself_has_slope_one():
    x = Value(1.5)
    ops.maximum(x, x).backward()
    assert x.grad == 1.0  # 0.5 + 0.5


def test_maximum_and_minimum_follow_ieee_at_zeros_and_nan():
    def bits(z):
        return (z, math.copysign(1.0, z))
    assert bits(ops.maximum(-0.0, 0.0)) == bits(ops.maximum(0.0, -0.0)) == (0.0, 1.0)
    assert bits(ops.minimum(-0.0, 0.0)) == bits(ops.minimum(0.0, -0.0)) == (0.0, -1.0)
    assert bits(ops.maximum(-0.0, -0.0)) == (0.0, -1.0)
    assert bits(ops.minimum(0.0, 0.0)) == (0.0, 1.0)
    for row in (ops.maximum, ops.minimum):
        assert math.isnan(row(math.nan, 1.0)) and math.isnan(row(1.0, math.nan))


# --- // and %: Python's float operators; the jumps take the right-hand piece


@pytest.mark.parametrize("a, b", [(7.0, 3.0), (-7.0, 3.0), (7.0, -3.0), (-7.0, -3.0),
                                  (1.0, 0.1), (-0.0, 2.0), (0.0, -2.0), (5e-324, -1.0),
                                  (1e308, 1e-308), (-1.0, math.inf), (1.0, math.inf),
                                  (math.inf, 2.0), (2.5, math.nan)])
def test_floordiv_and_mod_are_pythons_float_operators(a, b):
    def same(u, v):
        return repr(u) == repr(v)  # bit for bit: the sign of a zero, NaN
    assert same((Value(a) // b).data, a // b) and same((a // Value(b)).data, a // b)
    assert same((Value(a) % b).data, a % b) and same((a % Value(b)).data, a % b)


@pytest.mark.parametrize("a, b, quotient", [
    (6.0, 3.0, 2.0),    # a jump: 6 % 3 = 0; just right of it, 6.0001 % 3 = 6.0001 - 2 · 3
    (-6.0, 3.0, -2.0),
    (6.0, -3.0, -2.0),  # a / b = -2: the piece where 6 // -3 is -2
    (1.0, 0.1, 9.0),    # 0.1 is above 1/10 in binary: 1 = 9 · 0.1 + 0.0999...
    (7.5, 2.0, 3.0),    # no jump: 7.5 = 3 · 2 + 1.5
])
def test_mod_partials_are_one_and_minus_the_floor_quotient(a, b, quotient):
    x, y = Value(a), Value(b)
    out = x % y
    out.backward()
    assert (x.grad, y.grad) == (1.0, -quotient)
    x.grad = y.grad = 0.0
    (x // y).backward()
    assert (x.grad, y.grad) == (0.0, 0.0)


def test_mod_at_a_jump_is_the_right_hand_piece_by_finite_differences():
    # 6 % 3 sits on a jump; on its right-hand piece in a / b (a / b >= 2,
    # where 6 // 3 = 2) a % b = a - 2b: slopes 1 in a and -2 in b
    h = 1e-6
    assert ((6.0 + h) % 3.0 - 6.0 % 3.0) / h == pytest.approx(1.0, abs=1e-6)
    assert (6.0 % (3.0 - h) - 6.0 % 3.0) / -h == pytest.approx(-2.0, abs=1e-6)
    x, y = Value(6.0), Value(3.0)
    (x % y).backward()
    assert (x.grad, y.grad) == (1.0, -2.0)


@pytest.mark.parametrize("name, x, exact", [
    ("asin", -0.999999, lambda d: 1 / (1 - d * d).sqrt()),
    ("acos", 0.999999, lambda d: -1 / (1 - d * d).sqrt()),
    ("acosh", 1.000001, lambda d: 1 / (d * d - 1).sqrt()),
    ("atanh", 0.999999, lambda d: 1 / (1 - d * d)),
])
def test_inverse_functions_slopes_near_their_poles_are_correctly_rounded(name, x, exact):
    # (1 - x)(1 + x) keeps the digits 1 - x * x loses (torch's form is off by
    # ~1e-11 here); the exact slope at the double x, to 50 digits
    from decimal import Decimal, localcontext
    with localcontext() as context:
        context.prec = 50
        expected = float(exact(Decimal(x)))
    v = Value(x)
    getattr(v, name)().backward()
    assert v.grad == pytest.approx(expected, rel=4e-16)


def test_floor_is_a_float_with_slope_zero():
    x = Value(-2.5)
    out = x.floor()
    out.backward()
    assert (out.data, type(out.data), x.grad) == (-3.0, float, 0.0)
    assert math.copysign(1.0, ops.floor(-0.0)) == -1.0  # as C's floor
    assert ops.floor(math.inf) == math.inf and math.isnan(ops.floor(math.nan))
    assert ops.floor(2.0 ** 60 + 512.0) == 2.0 ** 60 + 512.0


# --- 0.0 ** y and xlogy ----------------------------------------------------------


@pytest.mark.parametrize("exponent, d_base", [(2.0, 0.0), (1.0, 1.0), (3.5, 0.0)])
def test_zero_to_a_value_power(exponent, d_base):
    # 0 ** y = 0 for y > 0; d/dx = y · 0 ** (y - 1): 0 for y > 1, 1 for y = 1;
    # d/dy = 0 ** y · log 0 taken as its limit 0 (xlogy(0, 0) = 0)
    x, y = Value(0.0), Value(exponent)
    out = x ** y
    out.backward()
    assert (out.data, x.grad, y.grad) == (0.0, d_base, 0.0)


def test_zero_to_a_power_below_one_has_an_infinite_slope_and_raises():
    x, y = Value(0.0), Value(0.5)
    out = x ** y
    assert out.data == 0.0
    with pytest.raises(ZeroDivisionError, match=r"derivative of power\(\) is undefined at "
                                                r"\(0.0, 0.5\): power\(\) of zero"):
        out.backward()


def test_zero_to_a_value_power_second_derivative():
    # d²/dx² x ** 2 = 2, at 0 too
    assert grad(grad(lambda x: x ** Value(2.0)))(0.0) == 2.0


def test_xlogy_is_zero_where_x_is():
    assert ops.xlogy(0.0, 0.0) == 0.0 and ops.xlogy(0.0, -1.0) == 0.0
    assert math.isnan(ops.xlogy(0.0, math.nan))
    assert ops.xlogy(2.0, math.e) == 2.0
    x, y = Value(3.0), Value(2.0)
    ops.xlogy(x, y).backward()
    assert (x.grad, y.grad) == (math.log(2.0), 1.5)  # (log y, x / y)


# --- against torch ------------------------------------------------------------------


def torch_gradients(function, *args):
    torch = require("torch")
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    out = function(torch, *tensors)
    out.backward()
    return out.item(), [t.grad.item() for t in tensors]


def chainrule_gradients(function, *args):
    values = [Value(a) for a in args]
    out = function(values)
    out.backward()
    return out.data, [v.grad for v in values]


@pytest.mark.parametrize("ours, theirs, args", [
    (lambda v: v[0].asin(), lambda t, x: t.asin(x), (0.7,)),
    (lambda v: v[0].acos(), lambda t, x: t.acos(x), (-0.3,)),
    (lambda v: v[0].acosh(), lambda t, x: t.acosh(x), (1.5,)),
    (lambda v: v[0].atanh(), lambda t, x: t.atanh(x), (0.9999,)),
    (lambda v: v[0].log1p(), lambda t, x: t.log1p(x), (-0.5,)),
    (lambda v: v[0].log2(), lambda t, x: t.log2(x), (3.0,)),
    (lambda v: v[0].log10(), lambda t, x: t.log10(x), (0.02,)),
    (lambda v: v[0].hypot(v[1]), lambda t, x, y: t.hypot(x, y), (3.0, -4.0)),
    (lambda v: v[0].atan2(v[1]), lambda t, y, x: t.atan2(y, x), (1.0, -2.0)),
    (lambda v: v[0].xlogy(v[1]), lambda t, x, y: t.xlogy(x, y), (2.5, 0.3)),
    (lambda v: v[0].maximum(v[1]), lambda t, a, b: t.maximum(a, b), (2.0, 2.0)),
    (lambda v: v[0].minimum(v[1]), lambda t, a, b: t.minimum(a, b), (-1.0, -1.0)),
    (lambda v: v[0].maximum(v[1]), lambda t, a, b: t.maximum(a, b), (-1.0, 2.0)),
    (lambda v: v[0] % v[1], lambda t, a, b: t.remainder(a, b), (1.0, 0.1)),
    (lambda v: v[0] % v[1], lambda t, a, b: t.remainder(a, b), (-7.5, 2.0)),
    (lambda v: v[0] % v[1], lambda t, a, b: t.remainder(a, b), (7.5, -2.0)),
    (lambda v: v[0] % v[1], lambda t, a, b: t.remainder(a, b), (6.0, 3.0)),  # a jump
    (lambda v: v[0] ** v[1], lambda t, a, b: a ** b, (0.0, 2.0)),
    (lambda v: v[0] ** v[1], lambda t, a, b: a ** b, (0.0, 1.0)),
], ids=lambda item: "" if callable(item) else repr(item))
def test_values_and_gradients_agree_with_torch_in_float64(ours, theirs, args):
    value, gradients = chainrule_gradients(ours, *args)
    expected_value, expected_gradients = torch_gradients(theirs, *args)
    assert value == pytest.approx(expected_value, rel=1e-14, abs=1e-300)
    assert gradients == pytest.approx(expected_gradients, rel=1e-12, abs=1e-300)


def test_floordiv_and_mod_values_agree_with_torch_on_many_operands():
    torch = require("torch")
    import random
    rng = random.Random(5)
    pairs = [(rng.uniform(-50, 50), rng.choice([-1, 1]) * 10 ** rng.uniform(-3, 2))
             for _ in range(2000)]
    a = torch.tensor([p[0] for p in pairs], dtype=torch.float64)
    b = torch.tensor([p[1] for p in pairs], dtype=torch.float64)
    assert [ops.mod(x, y) for x, y in pairs] == torch.remainder(a, b).tolist()
    assert [ops.floordiv(x, y) for x, y in pairs] == torch.div(a, b, rounding_mode="floor").tolist()
