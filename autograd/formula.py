"""A formula in Python syntax, turned safely into a graph of Values.

``parse_formula(source, variables) -> Value``

``source`` is parsed with :mod:`ast` and never evaluated by Python: the
tree is walked node by node, and only these are accepted

* numbers (as floats: ``9 ** 9 ** 9`` overflows at once in the ``pow`` row
  instead of computing a 370-million-digit integer);
* the names in ``variables`` (a mapping from name to Value);
* ``+ - * / **`` and unary ``-``, applied with the Value operators, which
  pick the row of :mod:`autograd.ops` (``x ** 2`` is ``pow``, ``x ** y`` is
  ``power``);
* calls, by name and with as many arguments as the row takes, of the
  table's functions (``ops.FUNCTIONS``: ``tanh(x)``, ``exp(x)``,
  ``abs(x)``, ...): a new row is a new function here with no edit.

Anything else (attribute access, subscripts, lambdas, keyword arguments,
comparisons, strings, ...) is a ``ValueError`` that names the construct, and
so is a formula longer than ``MAX_LENGTH`` characters or of more than
``MAX_SYNTAX_NODES`` syntax nodes. Arithmetic the table refuses (``log(-1)``,
``1 / 0``, an overflow) raises the table's own exception. The walk is
iterative, so a long formula cannot exhaust Python's recursion limit.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping

from . import ops
from .value import Value, constant

MAX_LENGTH = 10_000
MAX_SYNTAX_NODES = 5_000

FUNCTIONS = {row.name: row for row in ops.FUNCTIONS}

# NOTE: operators are Python syntax, not rows: each maps to the Value
# operator, which applies the row (tests check every binary row is reachable).
BINARY_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                    ast.Div: operator.truediv, ast.Pow: operator.pow}
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
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as error:
        raise ValueError(f"not a valid expression: {error.msg}") from None
    except RecursionError:
        raise ValueError("the expression is nested too deeply for Python's parser") from None
    syntax_nodes = list(ast.walk(tree.body))
    if len(syntax_nodes) > MAX_SYNTAX_NODES:
        raise ValueError(f"the expression has {len(syntax_nodes)} parts; "
                         f"at most {MAX_SYNTAX_NODES} are accepted")
    for node in syntax_nodes:
        _check(node, variables)
    result = _evaluate(tree.body, variables)
    return result if isinstance(result, Value) else constant(result)


def _check(node, variables):
    """Refuse, naming it, anything that is not on the whitelist."""
    if isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            raise ValueError(f"not allowed in an expression: {node.value!r} (only numbers are)")
        try:
            float(node.value)
        except OverflowError:
            raise ValueError("a number in the expression is larger than the largest "
                             "float (about 1.8e308)") from None
    elif isinstance(node, ast.Name):
        if node.id not in variables and node.id not in FUNCTIONS:
            raise ValueError(f"unknown name {node.id!r}: give it a value, "
                             f"as in {node.id}=1.5")
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in BINARY_OPERATORS:
            raise ValueError(f"the operator {type(node.op).__name__} is not allowed; "
                             "use + - * / **")
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in UNARY_OPERATORS:
            raise ValueError(f"the unary operator {type(node.op).__name__} is not allowed; "
                             "only - is")
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            called = (node.func.id if isinstance(node.func, ast.Name)
                      else _REFUSED.get(type(node.func), "an expression"))
            raise ValueError(f"only the functions {', '.join(FUNCTIONS)} may be called, "
                             f"not {called}")
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
    # raises its own clear error (div() by zero, pow() overflows, ...).
    return function(constant(operands[0]), *operands[1:]).data
