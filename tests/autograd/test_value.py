"""The Value node: construction, attributes, operators, comparisons."""

import math
from fractions import Fraction

import pytest

from autograd import Value


@pytest.mark.parametrize("data", [2, 2.5, -0.0, Fraction(1, 4)])
def test_data_is_stored_as_float(data):
    v = Value(data)
    assert type(v.data) is float
    assert v.data == float(data)
    assert v.grad == 0.0


@pytest.mark.parametrize("bad, name", [
    ("1.0", "str"), (None, "NoneType"), (1j, "complex"), (True, "bool"), ([1.0], "list"),
])
def test_non_numbers_are_refused_naming_the_type(bad, name):
    with pytest.raises(TypeError, match=name):
        Value(bad)


def test_public_attributes():
    x = Value(3.0, label="x")
    y = x * 2
    assert (x.label, x.op, x.parents) == ("x", "", ())
    assert y.op == "mul"
    assert y.parents[0] is x and y.parents[1].data == 2.0
    x.data, x.grad = 4.0, 0.5  # optimizers and zero_grad assign these
    assert (x.data, x.grad) == (4.0, 0.5)
    with pytest.raises(AttributeError):
        y.op = "add"
    with pytest.raises(AttributeError):
        y.parents = ()
    assert x.item() == 4.0  # PyTorch's spelling of x.data


def test_repr_shows_label_data_and_grad():
    assert repr(Value(2.0, label="w")) == "Value(label='w', data=2.0, grad=0.0)"
    assert repr(Value(-1.5)) == "Value(data=-1.5, grad=0.0)"


@pytest.mark.parametrize("expression, expected", [
    (lambda x: x + 2, 5.0), (lambda x: 2 + x, 5.0),
    (lambda x: x - 2, 1.0), (lambda x: 2 - x, -1.0),
    (lambda x: x * 2, 6.0), (lambda x: 2 * x, 6.0),
    (lambda x: x / 2, 1.5), (lambda x: 6 / x, 2.0),
    (lambda x: x ** 2, 9.0), (lambda x: 2 ** x, 8.0),
    (lambda x: x ** Value(2.0), 9.0), (lambda x: -x, -3.0), (lambda x: abs(-x), 3.0),
])
def test_operators_with_numbers_on_either_side(expression, expected):
    assert expression(Value(3.0)).data == expected


def test_unsupported_operand_is_a_type_error():
    with pytest.raises(TypeError):
        Value(1.0) + "a"
    with pytest.raises(TypeError):
        [1] * Value(2.0)


def test_comparisons_use_data_and_record_nothing():
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a
    assert a < 1.5 and 2.5 > b and not a > 1.0 and a >= 1.0
    assert a.parents == () and b.parents == ()


def test_equality_and_hash_are_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2
    assert {a: "first", b: "second"}[b] == "second"


def test_detach_is_a_leaf_with_the_same_data():
    x = Value(2.0, label="x")
    y = (x * x).detach()
    assert (y.data, y.op, y.parents) == (4.0, "", ())
    (y * 3).backward()
    assert x.grad == 0.0 and y.grad == 3.0


def test_nan_propagates_as_floats_do():
    x = Value(math.nan)
    for y in (x.log(), x.sqrt(), x.exp(), x * 2, x.relu(), x ** 2, x.tanh(), abs(x)):
        assert math.isnan(y.data)
