"""Bad input: the errors Python's math module raises, naming op and operand."""

import pytest

import autograd
from autograd import Value


@pytest.mark.parametrize("expression, error, message", [
    (lambda: Value(0.0).log(), ValueError, r"log\(\) needs a positive input, got 0.0"),
    (lambda: Value(-1.0).log(), ValueError, r"log\(\) needs a positive input, got -1.0"),
    (lambda: autograd.log(-1), ValueError, r"log\(\) needs a positive input, got -1.0"),
    (lambda: Value(-1.0).sqrt(), ValueError, r"sqrt\(\) needs a non-negative input, got -1.0"),
    (lambda: Value(-8.0) ** 0.5, ValueError, r"pow\(\) of a negative base .* -8.0 \*\* 0.5"),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, r"pow\(\) of zero .* 0.0 \*\* -1.0"),
    (lambda: Value(-2.0) ** Value(2.0), ValueError,
     r"power\(\) \(x \*\* y with a Value exponent\) needs a base >= 0, got -2.0 \*\* 2.0"),
    (lambda: Value(0.0) ** Value(-1.0), ZeroDivisionError,
     r"power\(\) of zero to a negative power: 0.0 \*\* -1.0"),
    (lambda: Value(1.0) / 0, ZeroDivisionError, r"div\(\) by zero: 1.0 / 0.0"),
    (lambda: 1.0 / Value(0.0), ZeroDivisionError, r"div\(\) by zero"),
    (lambda: Value(1.0) // 0, ZeroDivisionError, r"floordiv\(\) by zero: 1.0 // 0.0"),
    (lambda: 1.0 % Value(0.0), ZeroDivisionError, r"mod\(\) by zero: 1.0 % 0.0"),
    (lambda: Value(2.0).asin(), ValueError, r"asin\(\) needs an input in \[-1, 1\], got 2.0"),
    (lambda: autograd.asin(2), ValueError, r"asin\(\) needs an input in \[-1, 1\], got 2.0"),
    (lambda: Value(-1.5).acos(), ValueError, r"acos\(\) needs an input in \[-1, 1\], got -1.5"),
    (lambda: Value(0.5).acosh(), ValueError, r"acosh\(\) needs an input >= 1, got 0.5"),
    (lambda: Value(1.0).atanh(), ValueError, r"atanh\(\) needs an input in \(-1, 1\), got 1.0"),
    (lambda: Value(-1.0).log1p(), ValueError, r"log1p\(\) needs an input > -1, got -1.0"),
    (lambda: Value(0.0).log2(), ValueError, r"log2\(\) needs a positive input, got 0.0"),
    (lambda: Value(-3.0).log10(), ValueError, r"log10\(\) needs a positive input, got -3.0"),
    (lambda: Value(1.0).xlogy(0.0), ValueError,
     r"xlogy\(\) needs y > 0 where x != 0, got xlogy\(1.0, 0.0\)"),
    (lambda: Value(float("inf")).sin(), ValueError, r"sin\(\) needs a finite input, got inf"),
])
def test_domain_errors_name_the_op_and_operand(expression, error, message):
    with pytest.raises(error, match=message):
        expression()


def test_failed_op_leaves_its_inputs_untouched():
    x = Value(-1.0)
    with pytest.raises(ValueError):
        x.log()
    assert (x.data, x.grad, x.parents) == (-1.0, 0.0, ())


def test_undefined_derivative_in_backward_names_the_op():
    x = Value(0.0)
    y = x.sqrt()  # sqrt(0) = 0 is defined; its slope 1 / (2 sqrt(0)) is not
    with pytest.raises(ZeroDivisionError, match=r"derivative of sqrt\(\) is undefined at \(0.0\)"):
        y.backward()


@pytest.mark.parametrize("gradient", ["a", None, [1.0], True])
def test_backward_gradient_must_be_a_number(gradient):
    with pytest.raises(TypeError, match="backward\\(\\) gradient must be an int or float"):
        Value(1.0).backward(gradient)


def test_function_with_wrong_argument_count():
    with pytest.raises(TypeError, match=r"exp\(\) takes 1 argument\(s\), got 2"):
        autograd.exp(1.0, 2.0)


def test_function_with_a_non_number():
    with pytest.raises(TypeError, match=r"tanh\(\) input must be an int or float, got str"):
        autograd.tanh("x")
