"""autograd.formula: formulas become graphs through the op table, and
nothing else gets through."""

import ast
import math
import re
import time

import pytest

from autograd import Value, ops
from autograd.formula import (
    BINARY_OPERATORS,
    FUNCTIONS,
    MAX_LENGTH,
    MAX_SYNTAX_NODES,
    PYTHON_OPERATORS,
    UNARY_OPERATORS,
    parse_formula,
)

from .. import hostile


def variables(**values):
    return {name: Value(value, label=name) for name, value in values.items()}


def test_builds_the_graph_the_same_formula_in_python_builds():
    given = variables(x=1.0, w=-2.0, b=0.5)
    out = parse_formula("tanh(w*x + b) * x - 3 / (x ** 2 + exp(-b))", given)
    out.backward()
    x, w, b = Value(1.0), Value(-2.0), Value(0.5)
    expected = (w * x + b).tanh() * x - 3 / (x ** 2 + (-b).exp())
    expected.backward()
    assert out.data == expected.data
    assert [given[name].grad for name in "xwb"] == [x.grad, w.grad, b.grad]


def test_the_functions_are_the_rows_called_by_name():
    """tests/autograd/test_ops.py calls each one in a formula, with its arity."""
    assert FUNCTIONS == {row.name: row for row in ops.FUNCTIONS}


def test_a_function_called_with_the_wrong_number_of_arguments_is_refused():
    with pytest.raises(ValueError, match=r"tanh\(\) takes exactly one argument"):
        parse_formula("tanh(x, x)", variables(x=0.25))


def test_every_binary_and_unary_row_is_reachable_by_its_operator():
    """A new operator row in the table fails here until the parser knows it."""
    for row in ops.PRIMITIVES:
        if row in ops.FUNCTIONS:
            continue
        written = f"a {row.syntax} b" if row.arity == 2 else f"{row.syntax}a"
        syntax = ast.parse(written, mode="eval").body
        table = BINARY_OPERATORS if isinstance(syntax, ast.BinOp) else UNARY_OPERATORS
        assert type(syntax.op) in table, row.name


def test_pow_with_a_number_exponent_and_power_with_a_variable_one():
    given = variables(x=2.0, y=3.0)
    assert parse_formula("x ** 2", given).op == "pow"
    assert parse_formula("x ** y", given).op == "power"
    assert parse_formula("2 ** x", given).op == "power"
    assert parse_formula("x ** (1 + 1)", given).op == "pow"  # numbers fold to a number


def test_numbers_alone_fold_to_a_constant():
    out = parse_formula("2 * 3 + 1", {})
    assert out.data == 7.0 and out.parents == ()


HOSTILE = {
    "__import__('os')": "may be called, not __import__",
    "__import__('os').system('true')": "attribute access",
    "x.__class__": "attribute access",
    "x.__class__.__bases__[0].__subclasses__()": "attribute access",
    "(lambda: 1)()": "not lambda",
    "(-x)(1)": "not an expression",
    "lambda: 1": "lambda",
    "exec('1')": "not exec",
    "eval": "unknown name 'eval'",
    "x[0]": "subscripts",
    "[x for x in (1,)]": "comprehensions",
    "'text'": "only numbers",
    "True": "only numbers",
    "1j": "only numbers",
    "x if x else 1": "conditional",
    "(y := 1)": ":=",
    "x @ 2": "the operator @ is not allowed",
    "x << 2": "the operator << is not allowed",
    "x < 1": "comparisons",
    "not x": "Not",
    "tanh(x, x)": "exactly one argument",
    "tanh(x=1)": "exactly one argument",
    "tanh": "is a function",
    "y": "unknown name 'y'",
    "x; import os": "not a valid expression",
    "1" * 400: "larger than the largest float",
    "-" * 5000 + "x": "too deep for Python's parser: 5000 signs in a row",
    "(" * 300 + "x" + ")" * 300: "not a valid expression",
    "x + " * 5000 + "x": f"at most {MAX_LENGTH}",
    "x+" * 4000 + "x": "too deep for Python's parser: a chain of 4000 operators",
}


@pytest.mark.parametrize("source", HOSTILE, ids=lambda source: source[:40])
def test_hostile_and_unsupported_input_is_refused_naming_the_construct(source):
    with pytest.raises(ValueError) as refused:
        parse_formula(source, variables(x=1.0))
    assert HOSTILE[source] in str(refused.value)


def test_huge_exponents_overflow_to_inf_at_once():
    """docs/how-it-works/ops.md#overflow: too large for a float is inf, as float arithmetic
    gives it; 9 ** 9 ** 9 is computed on floats, never as a huge integer."""
    started = time.perf_counter()
    assert parse_formula("9 ** 9 ** 9", {}).data == math.inf
    assert parse_formula("x ** 9 ** 9 ** 9", variables(x=2.0)).data == math.inf
    assert parse_formula("(-x) ** 9 ** 9", variables(x=2.0)).data == -math.inf  # 9 ** 9 is odd
    assert time.perf_counter() - started < 1.0


def test_percent_floor_division_and_two_argument_functions_are_rows():
    # by hand: 7.5 = 2 · 3 + 1.5, so 7.5 // 3 = 2 and 7.5 % 3 = 1.5, with
    # ∂(x % y)/∂x = 1, ∂(x % y)/∂y = -(x // y) = -2; x // y has slope 0
    x, y = Value(7.5), Value(3.0)
    out = parse_formula("x % y + 10 * (x // y)", {"x": x, "y": y})
    assert out.data == 1.5 + 20.0
    out.backward()
    assert (x.grad, y.grad) == (1.0, -2.0)
    # -7.5 % 3 is 1.5 (the divisor's sign), -7.5 // 3 is -3
    assert parse_formula("x % 3", variables(x=-7.5)).data == 1.5
    assert parse_formula("x // 3", variables(x=-7.5)).data == -3.0
    # atan2(y, x) is the angle of (x, y): at (1, 1) π/4, with
    # ∂/∂y = x / (x² + y²) = 1/2 and ∂/∂x = -y / (x² + y²) = -1/2
    y, x = Value(1.0), Value(1.0)
    angle = parse_formula("atan2(y, x)", {"y": y, "x": x})
    assert angle.data == math.pi / 4 and angle.op == "atan2"
    angle.backward()
    assert (y.grad, x.grad) == (0.5, -0.5)
    with pytest.raises(ZeroDivisionError, match=r"mod\(\) by zero: 1.0 % 0.0"):
        parse_formula("1 % 0", {})


def test_the_table_reports_arithmetic_it_refuses():
    with pytest.raises(ZeroDivisionError, match=r"div\(\) by zero"):
        parse_formula("1 / 0", {})
    with pytest.raises(ValueError, match=r"log\(\) needs a positive input"):
        parse_formula("log(x)", variables(x=-1.0))


def test_the_number_of_parts_is_limited():
    source = "+".join(["1"] * (MAX_SYNTAX_NODES // 2 + 1))
    assert len(source) < MAX_LENGTH
    with pytest.raises(ValueError, match=f"at most {MAX_SYNTAX_NODES}"):
        parse_formula(source, {})


def test_a_long_flat_formula_is_evaluated_without_recursion():
    out = parse_formula("+".join(["x"] * 900), variables(x=1.0))
    out.backward()
    assert math.isclose(out.data, 900.0)


@pytest.mark.parametrize("source, message", [
    ("x ^ 2", "the operator ^ is not allowed; use + - * / ** % //; for a power use **, "
              "as in x ** 2"),
    ("tahn(x)", "not tahn; did you mean tanh?"),
    ("Tanh(x)", "not Tanh; did you mean tanh?"),
    ("ln(x)", "not ln; did you mean log?"),
    ("e ** x", "unknown name 'e': give it a value, as in e=1.5; for e ** x (Euler's number "
               "to a power) write exp(x)"),
    ("2x + 1", "'2x' puts two things side by side; a product needs *, as in 2*x"),
    ("tanh(w x)", "'w x' puts two things side by side; a product needs *, as in w*x"),
    ("2(x + 1)", "'2(x + 1)' is not a call of a function; a product needs *, as in 2*(x + 1)"),
    ("w(x)", "'w(x)' is not a call of a function; a product needs *, as in w*(x)"),
    ("tanh(W * x)", "unknown name 'W': give it a value, as in W=1.5; did you mean w?"),
    ("1e400 * x", "the number 1e400 in the expression is larger than the largest float"),
    ("x + 1" + "0" * 400, "the number 100000000000...(401 digits) in the expression"),
])
def test_learner_slips_are_explained_in_the_formula_s_own_words(source, message):
    with pytest.raises(ValueError) as refused:
        parse_formula(source, variables(x=1.0, w=2.0))
    assert message in str(refused.value)


def test_operators_allowed_are_those_of_the_table_rows():
    symbols = {row.syntax for row in ops.PRIMITIVES if row.arity == 2 and row.syntax}
    assert {PYTHON_OPERATORS[node][0] for node in BINARY_OPERATORS} == symbols


@pytest.mark.parametrize("source, message", hostile.DEEP_FORMULAS,
                         ids=[f"{source[:12]}...{len(source)}" for source, _ in
                              hostile.DEEP_FORMULAS])
def test_any_text_within_the_length_limit_is_a_value_or_a_clear_error(source, message):
    assert len(source) <= MAX_LENGTH
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_formula(source, variables(x=1.0, a=1.0))


def test_the_deepest_formulas_python_reads_are_evaluated():
    # just under the parser's limits: these are values, not errors
    assert parse_formula("-" * 500 + "x", variables(x=2.0)).data == 2.0
    assert parse_formula("+".join(["x"] * 1200), variables(x=1.0)).data == 1200.0


@pytest.mark.parametrize("source, given, expected", hostile.FOLDED_NAMES)
def test_names_are_folded_as_pythons_parser_folds_them(source, given, expected):
    values = {name: Value(number, label=name) for name, number in given.items()}
    if isinstance(expected, str):
        with pytest.raises(ValueError, match=re.escape(expected)):
            parse_formula(source, values)
        return
    out = parse_formula(source, values)
    out.backward()
    assert out.data == expected
    (variable,) = values.values() if len(values) == 1 else [values["fi"]]
    assert variable.grad == (2.0 if "*2" in source else 1.0)  # the one variable it used
