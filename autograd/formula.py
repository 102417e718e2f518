"""A formula in Python syntax, turned safely into a graph of Values.

``parse_formula(source, variables) -> Value``

``source`` is parsed with :mod:`ast` and never evaluated by Python: the
tree is walked node by node, and only these are accepted

* numbers (as floats: ``9 ** 9 ** 9`` is inf at once in the ``pow`` row,
  as float arithmetic overflows, instead of a 370-million-digit integer),
  finite ones: ``1e400`` and a 400-digit integer are refused alike;
* the names in ``variables`` (a mapping from name to Value);
* the operators of the table's rows (``+ - * / ** % //``, by their ``syntax``)
  and unary ``-``, applied with the Value operators, which pick the row of
  :mod:`autograd.ops` (``x ** 2`` is ``pow``, ``x ** y`` is ``power``);
* calls, by name and with as many arguments as the row takes, of the
  table's functions (``ops.FUNCTIONS``: ``tanh(x)``, ``exp(x)``,
  ``abs(x)``, ...): a new row is a new function here with no edit.

Anything else (attribute access, subscripts, lambdas, keyword arguments,
comparisons, strings, ...) is a ``ValueError`` that names the construct, and
so is a formula longer than ``MAX_LENGTH`` characters or of more than
``MAX_SYNTAX_NODES`` syntax nodes. Where a learner slipped, the message
says so in a formula's words: ``x ^ 2`` (use ``**``), ``tahn(x)`` and
``ln(x)`` (did you mean tanh / log?), ``2x`` and ``w x`` (a product needs
``*``), ``e ** x`` (write ``exp(x)``). Arithmetic the table refuses (``log(-1)``,
``1 / 0``) raises the table's own exception; a result too large for a
float is ±inf (docs/how-it-works/ops.md#overflow). The walk is
iterative, so a long formula cannot exhaust Python's recursion limit.
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import re
from collections.abc import Mapping

from . import ops
from .spelling import did_you_mean
from .value import Value, constant

MAX_LENGTH = 10_000
MAX_SYNTAX_NODES = 5_000

FUNCTIONS = {row.name: row for row in ops.FUNCTIONS}

# NOTE: operators are Python syntax, not rows: each maps to the Value
# operator, which applies the row. The ones allowed are those of the table's
# rows (their ``syntax``), so a new operator row is allowed here with no edit.
PYTHON_OPERATORS = {ast.Add: ("+", operator.add), ast.Sub: ("-", operator.sub),
                    ast.Mult: ("*", operator.mul), ast.Div: ("/", operator.truediv),
                    ast.Pow: ("**", operator.pow), ast.Mod: ("%", operator.mod),
                    ast.FloorDiv: ("//", operator.floordiv), ast.MatMult: ("@", None),
                    ast.BitXor: ("^", None), ast.BitAnd: ("&", None), ast.BitOr: ("|", None),
                    ast.LShift: ("<<", None), ast.RShift: (">>", None)}
_BINARY_SYNTAX = {row.syntax for row in ops.PRIMITIVES if row.arity == 2 and row.syntax}
BINARY_OPERATORS = {node: function for node, (symbol, function) in PYTHON_OPERATORS.items()
                    if symbol in _BINARY_SYNTAX}
UNARY_OPERATORS = {ast.USub: operator.neg}

_REFUSED = {
    ast.Attribute: "attribute access (a.b)", ast.Subscript: "subscripts (a[b])",
    ast.Lambda: "lambda", ast.Compare: "comparisons", ast.BoolOp: "and/or",
    ast.IfExp: "conditional expressions", ast.NamedExpr: "assignments (:=)",
    ast.Starred: "starred arguments", ast.Tuple: "tuples", ast.List: "lists",
    ast.Dict: "dicts", ast.Set: "sets", ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions", ast.JoinedStr: "f-strings",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "slices",
}


def parse_formula(source: str, variables: Mapping[str, Value]) -> Value:
    """The graph of the formula ``source`` over ``variables`` (see the module)."""
    if len(source) > MAX_LENGTH:
        raise ValueError(f"the expression has {len(source)} characters; "
                         f"at most {MAX_LENGTH} are accepted")
    source = source.strip()
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise ValueError(f"not a valid expression: {_explain(source, error)}") from None
    except RecursionError:
        raise ValueError("the expression is nested too deeply for Python's parser") from None
    syntax_nodes = list(ast.walk(tree.body))
    if len(syntax_nodes) > MAX_SYNTAX_NODES:
        raise ValueError(f"the expression has {len(syntax_nodes)} parts; "
                         f"at most {MAX_SYNTAX_NODES} are accepted")
    for node in syntax_nodes:
        _check(node, variables, source)
    result = _evaluate(tree.body, variables)
    return result if isinstance(result, Value) else constant(result)


def _explain(source, error):
    """Python's complaint, in the words of a formula where we can tell."""
    # NOTE: Python reads "2x" as a broken number and "w x" as a missing
    # comma; in a formula both are a missing *.
    for juxtaposed in _JUXTAPOSED.finditer(source):
        left = juxtaposed.group(1) or juxtaposed.group(3)
        right = juxtaposed.group(2) or juxtaposed.group(4)
        if not keyword.iskeyword(left) and not keyword.iskeyword(right):
            return (f"{juxtaposed.group(0)!r} puts two things side by side; a product "
                    f"needs *, as in {left}*{right}")
    return error.msg


_JUXTAPOSED = re.compile(r"(?<![\w.])(\d+\.?\d*)([A-Za-z_]\w*)|([\w.]+)[ \t]+([A-Za-z_]\w*)")


def _check(node, variables, source):
    """Refuse, naming it, anything that is not on the whitelist."""
    if isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            raise ValueError(f"not allowed in an expression: {node.value!r} (only numbers are)")
        written = ast.get_source_segment(source, node) or repr(node.value)
        try:
            finite = math.isfinite(float(node.value))
        except OverflowError:
            finite = False
        if not finite:
            shown = written if len(written) <= 24 else f"{written[:12]}...({len(written)} digits)"
            raise ValueError(f"the number {shown} in the expression is larger than the largest "
                             "float (about 1.8e308)")
    elif isinstance(node, ast.Name):
        if node.id not in variables and node.id not in FUNCTIONS:
            hint = did_you_mean(node.id, [*variables, *FUNCTIONS])
            if node.id == "e":
                hint = " for e ** x (Euler's number to a power) write exp(x)"
            raise ValueError(f"unknown name {node.id!r}: give it a value, as in "
                             f"{node.id}=1.5{';' + hint if hint else ''}")
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in BINARY_OPERATORS:
            symbol = PYTHON_OPERATORS.get(type(node.op), (type(node.op).__name__,))[0]
            allowed = " ".join(PYTHON_OPERATORS[operation][0] for operation in BINARY_OPERATORS)
            power = ("; for a power use **, as in x ** 2 (^ is exclusive or in Python)"
                     if symbol == "^" else "")
            raise ValueError(f"the operator {symbol} is not allowed; use {allowed}{power}")
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in UNARY_OPERATORS:
            raise ValueError(f"the unary operator {type(node.op).__name__} is not allowed; "
                             "only - is")
    elif isinstance(node, ast.Call):
        if isinstance(node.func, ast.Constant) or (isinstance(node.func, ast.Name)
                                                   and node.func.id in variables):
            written = ast.get_source_segment(source, node)
            factor = ast.get_source_segment(source, node.func)
            raise ValueError(f"{written!r} is not a call of a function; a product needs *, "
                             f"as in {factor}*({written[len(factor):].strip()[1:-1]})")
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            called = (node.func.id if isinstance(node.func, ast.Name)
                      else _REFUSED.get(type(node.func), "an expression"))
            hint = did_you_mean(called, FUNCTIONS) if isinstance(node.func, ast.Name) else ""
            raise ValueError(f"only the functions {', '.join(FUNCTIONS)} may be called, "
                             f"not {called}{';' if hint else ''}{hint}")
        arity = FUNCTIONS[node.func.id].arity
        if len(node.args) != arity or node.keywords:
            arguments = "one argument" if arity == 1 else f"{arity} arguments"
            raise ValueError(f"{node.func.id}() takes exactly {arguments}, "
                             "and no keyword arguments")
    elif not isinstance(node, (ast.operator, ast.unaryop, ast.Load)):
        construct = _REFUSED.get(type(node), type(node).__name__)
        raise ValueError(f"not allowed in an expression: {construct}")


def _operands(node):
    if isinstance(node, ast.BinOp):
        return (node.left, node.right)
    if isinstance(node, ast.UnaryOp):
        return (node.operand,)
    if isinstance(node, ast.Call):
        return tuple(node.args)
    return ()


def _evaluate(root, variables):
    """Post-order walk with an explicit stack: operands first, then their node."""
    results = {}
    stack = [(root, False)]
    while stack:
        node, operands_done = stack.pop()
        operands = _operands(node)
        if not operands_done and operands:
            stack.append((node, True))
            stack.extend((operand, False) for operand in operands)
            continue
        values = [results.pop(operand) for operand in operands]
        results[node] = _apply(node, values, variables)
    return results[root]


def _apply(node, operands, variables):
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id not in variables:
            raise ValueError(f"{node.id} is a function: call it, as in {node.id}(x)")
        return variables[node.id]
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](*operands)
    function = (BINARY_OPERATORS[type(node.op)] if isinstance(node, ast.BinOp)
                else UNARY_OPERATORS[type(node.op)])
    if any(isinstance(operand, Value) for operand in operands):
        return function(*operands)
    # NOTE: numbers alone go through a constant, so the row computes them and
    # raises its own clear error (div() by zero, log() needs a positive input, ...).
    return function(constant(operands[0]), *operands[1:]).data
