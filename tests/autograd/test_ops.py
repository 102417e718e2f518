"""Every row of the op table, checked against math and finite differences.

Parametrized over ``autograd.ops.PRIMITIVES``: a new row is covered here with
no new test — it needs only an entry in ``REFERENCE`` (the value as the
``math`` module computes it, written another way, and the row's domain),
and the test says so if it is missing.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck, ops

# Points stay away from 0, where relu, abs, sign and step have their kinks
# and where log and sqrt have their poles: the default domain of an input.
magnitudes = st.floats(min_value=0.05, max_value=3.0)
signs = st.sampled_from([1.0, -1.0])
points = st.builds(lambda m, s: m * s, magnitudes, signs)
positive = magnitudes
# inside (-1, 1), away from the poles at ±1 (and from 0, where the
# references' own rounding would be larger than the rows')
unit = st.builds(lambda m, s: m * s, st.floats(0.05, 0.95), signs)
# A row's constant inputs (pow's exponent): integers and fractions.
constants = st.one_of(st.integers(-3, 4).map(float), st.floats(-2.5, 2.5))


def away_from_jumps(a, b):
    """a / b at least 0.1 from an integer, where // and % jump."""
    quotient = a / b
    return abs(quotient - round(quotient)) >= 0.1


@dataclass(frozen=True)
class Reference:
    """A row's value as the math module computes it, and its domain: a
    strategy per input (``points`` unless said) and a condition joining
    them (``allowed``). The generic tests here and the compile and native
    tests draw their operands from it."""

    value: Callable
    inputs: tuple = ()
    allowed: Callable = staticmethod(lambda *args: True)

    def operands(self, arity, held=None):
        """Arguments in the domain; ``held`` fixes positions (pow's exponent)."""
        held = held or {}
        strategies = [st.just(held[i]) if i in held
                      else self.inputs[i] if i < len(self.inputs) else points
                      for i in range(arity)]
        return st.tuples(*strategies).filter(lambda args: self.allowed(*args))


R = Reference
REFERENCE = {
    "add": R(lambda a, b: a + b),
    "sub": R(lambda a, b: a - b),
    "mul": R(lambda a, b: a * b),
    "div": R(lambda a, b: a / b),
    "pow": R(math.pow, (points, constants),
             allowed=lambda base, exponent: base > 0 or exponent.is_integer()),
    "power": R(math.pow, (positive, points)),
    "neg": R(lambda a: -a),
    "floordiv": R(lambda a, b: float(math.floor(a / b)), allowed=away_from_jumps),
    "mod": R(lambda a, b: a - b * math.floor(a / b), allowed=away_from_jumps),
    "exp": R(math.exp),
    "log": R(math.log, (positive,)),
    "sqrt": R(math.sqrt, (positive,)),
    "tanh": R(lambda x: (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)),
    "sigmoid": R(lambda x: 1 / (1 + math.exp(-x))),
    "softplus": R(lambda x: math.log(1 + math.exp(x))),
    "sin": R(math.sin),
    "cos": R(math.cos),
    "relu": R(lambda x: max(x, 0.0)),
    "abs": R(lambda x: x if x >= 0 else -x),
    "tan": R(math.tan),
    "sinh": R(lambda x: (math.exp(x) - math.exp(-x)) / 2),
    "cosh": R(lambda x: (math.exp(x) + math.exp(-x)) / 2),
    "atan": R(math.atan),
    "asinh": R(lambda x: math.log(x + math.sqrt(x * x + 1))),
    "expm1": R(lambda x: math.exp(x) - 1),
    "exp2": R(lambda x: 2.0 ** x),
    "sign": R(lambda x: math.copysign(1.0, x) if x else 0.0),
    "step": R(lambda x: 1.0 if x > 0 else 0.0),
    "floor": R(lambda x: float(math.floor(x)),
               allowed=lambda x: abs(x - round(x)) >= 0.05),
    "asin": R(lambda x: math.atan(x / math.sqrt(1 - x * x)), (unit,)),
    "acos": R(lambda x: math.pi / 2 - math.atan(x / math.sqrt(1 - x * x)), (unit,)),
    "acosh": R(lambda x: math.log(x + math.sqrt(x * x - 1)), (st.floats(1.05, 4.0),)),
    "atanh": R(lambda x: 0.5 * math.log((1 + x) / (1 - x)), (unit,)),
    "log1p": R(lambda x: math.log(1 + x), (st.one_of(st.floats(-0.95, -0.05), magnitudes),)),
    "log2": R(lambda x: math.log(x) / math.log(2), (positive,)),
    "log10": R(lambda x: math.log(x) / math.log(10), (positive,)),
    "atan2": R(lambda y, x: math.atan(y / x) + (0.0 if x > 0 else math.copysign(math.pi, y))),
    "hypot": R(lambda x, y: math.sqrt(x * x + y * y)),
    "xlogy": R(lambda x, y: x * math.log(y), (points, positive)),
    "maximum": R(lambda a, b: a if a > b else b, allowed=lambda a, b: abs(a - b) >= 0.01),
    "minimum": R(lambda a, b: a if a < b else b, allowed=lambda a, b: abs(a - b) >= 0.01),
}


def apply_row(row, args):
    """row(*args) with the constant positions passed as plain numbers."""
    held = row.constant_inputs

    def f(*variables):
        values = iter(variables)
        return row(*(args[i] if i in held else next(values) for i in range(row.arity)))
    variables = [args[i] for i in range(row.arity) if i not in held]
    return f, variables


def arguments(row, data):
    args = list(data.draw(REFERENCE[row.name].operands(row.arity)))
    try:
        row.partials(row.forward(*args), *args)
    except (ValueError, ZeroDivisionError):
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
    expected = REFERENCE[row.name].value(*args)
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
