"""Derivatives at the edges of domains: the documented choices, by hand."""

import builtins

import pytest

import autograd
from autograd import Value, grad, ops


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
