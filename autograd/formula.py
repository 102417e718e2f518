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
so is a formula longer than ``MAX_LENGTH`` characters, of more than
``MAX_SYNTAX_NODES`` syntax nodes, or too deep for Python's parser (which
gives up near a thousand levels: the message says what is deep, ``9999
signs in a row`` or ``a chain of 3332 operators``). So any text within the
length limit becomes a Value or a ``ValueError``.

Names are read as Python reads them: its parser folds every identifier to
NFKC (``𝑥``, ``ｘ`` and ``x`` are one name, ``ﬁ`` is ``fi``), and so are the
names of ``variables``. Two variables that fold to one name are refused,
and a message names the variable as the formula wrote it. Where a learner slipped, the message
says so in a formula's words: ``x ^ 2`` (use ``**``), ``tahn(x)`` and
``ln(x)`` (did you mean tanh / log?), ``2x`` and ``w x`` (a product needs
``*``), ``e ** x`` (write ``exp(x)``). Arithmetic the table refuses (``log(-1)``,
``1 / 0``) raises the table's own exception; a result too large for a
float is ±inf (docs/how-it-works/ops.md#overflow). The walk is
iterative, so a long formula cannot exhaust Python's recursion limit.
"""

from __future__ import annotations

import ast
import io
import keyword
import math
import operator
import re
import tokenize
import unicodedata
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
    variables = _folded(variables)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise ValueError(f"not a valid expression: {_explain(source, error)}") from None
    except (RecursionError, MemoryError):
        # NOTE: CPython's parser raises MemoryError past its stack of about
        # 6,000 rules, and RecursionError building a tree of about 3,000
        # levels: a limit of depth, not of memory.
        raise ValueError(f"the expression is too deep for Python's parser: {_deepest(source)}. "
                         f"Write it in smaller pieces (a long sum as sums of parts, "
                         f"(a + b + ...) + (c + d + ...))") from None
    syntax_nodes = list(ast.walk(tree.body))
    if len(syntax_nodes) > MAX_SYNTAX_NODES:
        raise ValueError(f"the expression has {len(syntax_nodes)} parts; "
                         f"at most {MAX_SYNTAX_NODES} are accepted")
    for node in syntax_nodes:
        _check(node, variables, source)
    result = _evaluate(tree.body, variables)
    return result if isinstance(result, Value) else constant(result)


def _folded(variables: Mapping[str, Value]) -> dict:
    """``variables`` by their names as Python's parser reads them (NFKC);
    ValueError for two that fold to one name."""
    folded, written = {}, {}
    for name, value in variables.items():
        key = unicodedata.normalize("NFKC", name)
        if key in folded:
            raise ValueError(f"{written[key]!r} and {name!r} are one name to Python (both read "
                             f"as {key!r}): give it one value")
        folded[key], written[key] = value, name
    return folded


def _deepest(source: str) -> str:
    """What nests deepest in ``source``, in a formula's words, read from its
    tokens (a scan, so any text of any depth is measured)."""
    depth = deepest_parentheses = signs = most_signs = chain = longest_chain = 0
    side_by_side = most_side_by_side = powers = 0
    previous = None
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        tokens = []
    for token in tokens:
        text = token.string
        operand_before = previous is not None and (previous.type in (tokenize.NAME,
                                                                     tokenize.NUMBER)
                                                   or previous.string == ")")
        if text == "(":
            depth += 1
            deepest_parentheses = max(deepest_parentheses, depth)
        elif text == ")":
            depth -= 1
        if text in ("-", "+", "~") and not operand_before:
            signs += 1
            most_signs = max(most_signs, signs)
        elif token.type in (tokenize.OP, tokenize.NAME, tokenize.NUMBER):
            signs = 0
        if token.type == tokenize.OP and text not in "()" and operand_before:
            chain += 1
            longest_chain = max(longest_chain, chain)
            powers += text == "**"
        if token.type in (tokenize.NAME, tokenize.NUMBER):
            side_by_side = side_by_side + 1 if operand_before else 1
            most_side_by_side = max(most_side_by_side, side_by_side)
        if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.ENDMARKER):
            previous = token
    measures = [(most_signs, f"{most_signs} signs in a row"),
                (powers, f"{powers} powers in a row (** groups from the right)"),
                (longest_chain, f"a chain of {longest_chain} operators"),
                (deepest_parentheses, f"parentheses {deepest_parentheses} deep"),
                (most_side_by_side, f"{most_side_by_side} names and numbers side by side "
                                    f"with no operator between them")]
    return max(measures, key=lambda measure: measure[0])[1]  # the first of equals


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
            written = ast.get_source_segment(source, node) or node.id
            raise ValueError(f"unknown name {written!r}: give it a value, as in "
                             f"{written}=1.5{';' + hint if hint else ''}")
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
