"""Every row of the op table, checked against math and finite differences.

Parametrized over ``autograd.ops.PRIMITIVES``: a new row is covered here with
no new test — it needs only a reference function in ``REFERENCE`` (the value
as the ``math`` module computes it), and the test says so if it is missing.
"""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck, ops

REFERENCE = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": math.pow,
    "power": math.pow,
    "neg": lambda a: -a,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "tanh": lambda x: (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1),
    "sigmoid": lambda x: 1 / (1 + math.exp(-x)),
    "softplus": lambda x: math.log(1 + math.exp(x)),
    "sin": math.sin,
    "cos": math.cos,
    "relu": lambda x: max(x, 0.0),
    "abs": lambda x: x if x >= 0 else -x,
    "tan": math.tan,
    "sinh": lambda x: (math.exp(x) - math.exp(-x)) / 2,
    "cosh": lambda x: (math.exp(x) + math.exp(-x)) / 2,
    "atan": math.atan,
    "asinh": lambda x: math.log(x + math.sqrt(x * x + 1)),
    "expm1": lambda x: math.exp(x) - 1,
    "exp2": lambda x: 2.0 ** x,
    "sign": lambda x: math.copysign(1.0, x) if x else 0.0,
    "step": lambda x: 1.0 if x > 0 else 0.0,
}

# Points stay away from 0, where relu, abs, sign and step have their kinks
# and where log and sqrt have their poles.
magnitudes = st.floats(min_value=0.05, max_value=3.0)
signs = st.sampled_from([1.0, -1.0])
points = st.builds(lambda m, s: m * s, magnitudes, signs)
# A row's constant inputs (pow's exponent): integers and fractions.
constants = st.one_of(st.integers(-3, 4).map(float), st.floats(-2.5, 2.5))


def apply_row(row, args):
    """row(*args) with the constant positions passed as plain numbers."""
    held = row.constant_inputs

    def f(*variables):
        values = iter(variables)
        return row(*(args[i] if i in held else next(values) for i in range(row.arity)))
    variables = [args[i] for i in range(row.arity) if i not in held]
    return f, variables


def arguments(row, data):
    args = [data.draw(points) for _ in range(row.arity)]
    for position in row.constant_inputs:
        args[position] = data.draw(constants)
    try:
        row.partials(row.forward(*args), *args)
    except (ValueError, ZeroDivisionError, OverflowError):
        # outside the row's domain, or at its edge where a partial is
        # infinite (asin at 1): tested in test_errors.py
        assume(False)
    return args


def test_every_row_has_a_reference():
    missing = [row.name for row in ops.PRIMITIVES if row.name not in REFERENCE]
    assert not missing, f"add a reference function for {missing} to REFERENCE"


@pytest.mark.parametrize("row", ops.PRIMITIVES, ids=lambda row: row.name)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_value_matches_math(row, data):
    args = arguments(row, data)
    expected = REFERENCE[row.name](*args)
    on_floats = row(*args)
    f, variables = apply_row(row, args)
    on_values = f(*[Value(x) for x in variables])
    assert on_floats == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert on_values.data == on_floats
    assert on_values.op == row.name


@pytest.mark.parametrize("row", ops.PRIMITIVES, ids=lambda row: row.name)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_derivatives_match_finite_differences(row, data):
    """Reverse mode, forward mode and second derivatives against central
    differences (gradcheck compares all three)."""
    args = arguments(row, data)
    f, variables = apply_row(row, args)
    assert gradcheck(f, variables, order=2, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("row", ops.FUNCTIONS, ids=lambda row: row.name)
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_rows_called_by_name_are_methods_functions_and_formula_functions(row, data):
    """Any arity: ``x.row(*others)``, ``autograd.row(...)`` and ``row(...)`` in a formula."""
    import autograd
    from autograd.formula import parse_formula

    args = arguments(row, data)
    expected = row.forward(*args)
    first, *others = [Value(a) for a in args]
    assert getattr(first, row.name)(*others).data == expected
    assert getattr(autograd, row.name) is row
    assert getattr(autograd, row.name)(*args) == expected
    names = [f"x{position}" for position in range(row.arity)]
    formula = parse_formula(f"{row.name}({', '.join(names)})",
                            {name: Value(a) for name, a in zip(names, args)})
    assert formula.data == expected and formula.op == row.name
