"""The C backend: a traced graph printed as C, compiled once, called by ctypes.

``compile(f, params, backend="c")`` replays a trace as native code instead
of Python. The C comes from the same places as the Python: the forward
line of a node from its row, the backward lines from its row's ``partials``
evaluated on :class:`CSource` (a float known only as C text). Nothing here
knows an op.

How a row prints in C (:func:`c_template`):

* its ``c_code`` template, if it has one (``"({0} <= 0.0 ? 0.0 : {0})"`` for
  relu), which may call C functions the row defines in its ``c_support``
  (the emitted source starts with the ``c_support`` of every row it uses);
  otherwise
* its Python ``code`` template translated: ``+ - * /`` and unary minus stay,
  ``**`` becomes ``pow``, and a name called in it must be a row with a C
  form of its own or a C99 ``libm`` function of the same name (``tanh``,
  ``atan2``, ``log1p``...), which is then called. A row that fits neither
  has no C form: its graph runs on the Python backend, and
  ``CompiledFunction.backend_note`` says why.

Contract of the compiled function (:func:`emit_c`), in C::

    int NAME(int64_t count, const double *rows, double gradient,
             const double *param, double *grad, double *out);

For each of ``count`` rows of inputs it runs the forward pass and adds
``gradient · ∂loss/∂param[i]`` to ``grad[i]``, in exactly the Python
backend's order of float operations (so the sums are its sums, bit for
bit), and writes the loss, then any aux values, to ``out``. It returns 0, or
1 when a value that Python would have refused may have been met.

Domain errors. Python's ``math`` functions and the table's guarded rows
raise (``log() needs a positive input``); C's return NaN or ±inf. So every
node whose Python ``code`` calls a function is checked (``v - v`` is 0
exactly when ``v`` is finite), and so is every final gradient (a division
by zero in a partial shows up there as inf or NaN). When a check fails
the call stores nothing and is replayed on the Python backend, which
raises the table's own named error at the node that failed, or — for an
infinity that Python also computes without an error — returns exactly
what eager code returns.

The toolchain (:func:`find_compiler`): ``$CC`` if set (split like a shell
command), else ``cc``, ``gcc`` or ``clang`` on ``PATH``, else the C
compiler of the ``ziglang`` package (the ``native`` extra). Flags:
``-shared -fPIC -ffp-contract=off`` and no ``-march``, so no fused
multiply-add changes a rounding, and the optimisation level by the size of
the code (:func:`layout`). Libraries are cached by a hash of
their source, flags and compiler in ``$XDG_CACHE_HOME/chainrule/native``
(``~/.cache/...`` by default; ``CHAINRULE_NATIVE_CACHE`` overrides the
folder), so a second run pays no compile.

The cache loads only what this user built (:func:`build`): the folder is
created mode 0700 and used only if it is a real folder of this user's
that no one else may write to; a library is loaded only if it is a
regular file of this user's (no link is followed) whose bytes have the
SHA-256 digest stored beside it, atomically, when it was built. Any
problem — a folder of someone else's, a link, an unwritable or full disk,
a truncated, corrupt or foreign library, a missing function — means one
RuntimeWarning naming the path and the reason, and a fresh build in a
private temporary folder; when even that fails, the Python backend.

FFI: :mod:`ctypes`, from the standard library. The runtime depends on
nothing outside it, the interface is six pointers and numbers per call, and
cffi's advantage (parsing C declarations, faster calls) would matter only
for many small calls, while one call here runs a whole batch.
"""

from __future__ import annotations

import array
import ast
import atexit
import ctypes
import functools
import hashlib
import itertools
import math
import operator
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from contextvars import ContextVar

from .. import ops
from ..files import NotRegularFile, read_regular
from ..value import Value
from .emit import backward_statements, traced_graph, value_names
from .source import Source

# C99's <math.h> functions of doubles returning a double, by name: a row of
# the same name without a C form of its own is assumed to compute what its
# libm namesake does (Python's math module calls the same functions).
LIBM = frozenset("""
    acos asin atan atan2 cos sin tan acosh asinh atanh cosh sinh tanh
    exp exp2 expm1 log log10 log1p log2 logb cbrt fabs hypot pow sqrt
    erf erfc lgamma tgamma ceil floor nearbyint rint round trunc
    fmod remainder copysign nextafter fdim fmax fmin
""".split())

FLAGS = ("-shared", "-fPIC", "-ffp-contract=off", "-fno-math-errno")
# NOTE: these passes (dead stores, points-to, dominators) cost gcc half its
# time on the pieces of a wide row and gain nothing measurable there or on
# small rows (docs/how-it-works/native.md); clang refuses the options.
GCC_FLAGS = ("-fno-tree-dse", "-fno-dse", "-fno-tree-pta", "-fno-tree-dominator-opts")


class NativeUnavailable(Exception):
    """The graph cannot run natively; the message says why (shown in repr)."""


# --- C text -------------------------------------------------------------------


def _c_number(x: float) -> str:
    if math.isnan(x):
        return "NAN"
    if math.isinf(x):
        return "INFINITY" if x > 0 else "(-INFINITY)"
    # NOTE: repr is the shortest decimal that reads back as x, and C compilers
    # read decimal literals correctly rounded: the same double.
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


class CSource(Source):
    """A float known only as C text: arithmetic and rows on it print C.

    Every compound result is parenthesised, so no C precedence rule is
    needed; names and numbers stay bare.
    """

    __slots__ = ()

    @classmethod
    def constant(cls, number: float) -> CSource:
        text = _c_number(number)
        return cls(text, number=float(number))

    def apply_primitive(self, row, *operands):
        return _fill_c(c_template(row), operands)

    def __add__(self, other):
        return _binary("+", self, other)

    def __radd__(self, other):
        return _binary("+", other, self)

    def __sub__(self, other):
        return _binary("-", self, other)

    def __rsub__(self, other):
        return _binary("-", other, self)

    def __mul__(self, other):
        return _binary("*", self, other)

    def __rmul__(self, other):
        return _binary("*", other, self)

    def __truediv__(self, other):
        return _binary("/", self, other)

    def __rtruediv__(self, other):
        return _binary("/", other, self)

    def __pow__(self, other):
        return _fill_c("pow({0}, {1})", (self, other))

    def __rpow__(self, other):
        return _fill_c("pow({0}, {1})", (other, self))

    def __neg__(self):
        return _fill_c("-{0}", (self,))


_COMPOUND = 0  # the precedence of any parenthesised C text: a Source's _LOWEST


def _as_c(x) -> CSource:
    if isinstance(x, CSource):
        return x
    if isinstance(x, Source):  # a name made by the shared emitter
        return CSource(x.text, number=x.number) if x.is_atom else CSource(f"({x.text})")
    return CSource.constant(float(x))


def _binary(operator: str, left, right) -> CSource:
    return _fill_c(f"{{0}} {operator} {{1}}", (left, right))


def _fill_c(template: str, operands) -> CSource:
    """``template`` filled with operands' C texts, each compound one in parentheses."""
    texts = [source.text if source.is_atom else f"({source.text})"
             for source in map(_as_c, operands)]
    text = template.format(*texts)
    atomic = _is_call(text) or (text.startswith("(") and _closing(text) == len(text) - 1)
    return CSource(text) if atomic else CSource(text, _COMPOUND)


def _is_call(text: str) -> bool:
    name, _, rest = text.partition("(")
    return name.isidentifier() and rest != "" and _closing(text, len(name)) == len(text) - 1


def _closing(text: str, start: int = 0) -> int:
    """The position of the parenthesis closing the one at ``start``."""
    depth = 0
    for position in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[position], 0)
        if depth == 0:
            return position
    return -1


# --- a row's C form -------------------------------------------------------------


# The rows whose C an emission has printed so far (see _printing_rows), in
# the order first met; None outside an emission.
_rows_printed: ContextVar = ContextVar("chainrule_rows_printed", default=None)


def c_template(row) -> str:
    """The C template of ``row`` (``{0}``, ``{1}`` its inputs), or NativeUnavailable."""
    explicit = getattr(row, "c_code", None)
    template, nested = (explicit, ()) if explicit is not None else \
        _derived_template(row.code, row.arity)
    printed = _rows_printed.get()
    if printed is not None:
        printed.update(dict.fromkeys((row, *nested)))
    return template


@contextmanager
def _printing_rows():
    """Collect, in a dict used as an ordered set, every row whose C template
    is taken inside the block: the forward lines' and the partials'."""
    printed = {}
    token = _rows_printed.set(printed)
    try:
        yield printed
    finally:
        _rows_printed.reset(token)


def _support(rows) -> str:
    """The ``c_support`` definitions of ``rows``, each text once."""
    texts = dict.fromkeys(getattr(row, "c_support", None) for row in rows)
    return "".join(f"{text.rstrip()}\n\n" for text in texts if text)


@functools.cache
def _derived_template(code: str, arity: int) -> tuple:
    """``code`` in C, and the rows with a ``c_code`` of their own it calls."""
    slots = [f"_{position}" for position in range(arity)]
    rows = {row.name: row for row in ops.PRIMITIVES}
    nested = []

    def translate(node) -> CSource:
        if isinstance(node, ast.Name) and node.id in slots:
            return CSource("{" + str(slots.index(node.id)) + "}")
        if isinstance(node, ast.Name) and node.id in ("inf", "nan"):
            return CSource.constant(float(node.id))
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return CSource.constant(float(node.value))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -translate(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](translate(node.left), translate(node.right))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            arguments = [translate(argument) for argument in node.args]
            name = node.func.id
            row = rows.get(name)
            if row is not None and getattr(row, "c_code", None) is not None:
                nested.append(row)
                return _fill_c(row.c_code, arguments)
            if name in LIBM:
                slots_of_call = ", ".join(f"{{{i}}}" for i in range(len(arguments)))
                return _fill_c(f"{name}({slots_of_call})", arguments)
            raise NativeUnavailable(
                f"the code {code!r} calls {name}(), which is neither a row with a C form "
                f"nor a C99 libm function: give that row a c_code template")
        raise NativeUnavailable(f"the code {code!r} has no C translation "
                                f"(only + - * / **, unary -, numbers and calls are translated)")

    template = translate(ast.parse(code.format(*slots), mode="eval").body)
    # NOTE: slots were written as {0}, {1} inside the texts; they stay as such.
    return template.text, tuple(nested)


_OPERATORS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
              ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
              ast.Pow: lambda a, b: a ** b}


def _checked(row) -> bool:
    """Whether the row's Python forward is a function that may raise: its
    code calls one (``div(a, b)``, ``log(x)``), unlike ``a + b``."""
    return any(isinstance(node, ast.Call) for node in
               ast.walk(ast.parse(row.code.format(*["_"] * row.arity), mode="eval")))


# --- emitting a function --------------------------------------------------------


def emit_c(c_name: str, output: Value, aux, inputs: list, params: tuple) -> tuple:
    """The C function replaying ``output``'s graph for rows of inputs.

    Returns ``(source, aux_count, stored, level)``: the C text of the
    function (the contract is in the module docstring; a long row is split
    into pieces, see :func:`layout`), after the ``c_support`` definitions
    of the rows it prints; how many aux values follow the loss in each row
    of ``out``; the parameter positions whose gradient it stores; and the
    optimisation level to compile it with. Raises NativeUnavailable for a
    row with no C form.
    """
    with _printing_rows() as printed:
        source, aux_count, stored, level = _emit_function(c_name, output, aux, inputs, params)
    return _support(printed) + source, aux_count, stored, level


def _statements(output: Value, aux, inputs: list, params: tuple) -> tuple:
    """The C statements of one row of ``output``'s graph: ``(forward and
    backward lines, each parameter's gradient lines, parameter numbers
    stored, parameter numbers read, the results: output then aux)``.
    Inputs are read from ``x0, x1, ...``, parameters from ``p0, p1, ...``,
    and ``gradient`` seeds the backward pass."""
    loss_order, aux_values, order, param_number = traced_graph(output, aux, params)
    value_of = {node: _as_c(text) for node, text in
                value_names(order, param_number, inputs, source=CSource).items()}
    lines = []
    for node in order:
        if node.parents:
            name = value_of[node].text
            expression = _fill_c(c_template(node.primitive), [value_of[p] for p in node.parents])
            lines.append(f"const double {name} = {expression.text};")
            if _checked(node.primitive):
                lines.append(f"check += {name} - {name};")
    backward_lines, terms = backward_statements(loss_order, value_of, set(param_number),
                                                source=CSource)
    for line in backward_lines:
        target, operator, expression = line.split(" ", 2)
        declaration = "double " if operator == "=" else ""
        lines.append(f"{declaration}{target} {operator} {expression};")
    stored = [number for param, number in param_number.items() if param in terms]
    gradients = [f"dp{number} += {term.text};"
                 for param, number in param_number.items() for term in terms.get(param, ())]
    results = [value_of[output]] + [value_of[v] if isinstance(v, Value) else _as_c(v)
                                    for v in aux_values]
    read = sorted({param_number[node] for node in order if node in param_number})
    return lines, gradients, stored, read, results, value_of


_COMPARISONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
                "!=": operator.ne}


def emit_c_gradient(c_name: str, output: Value, inputs: list, params: list,
                    decisions=()) -> str:
    """``output``'s graph as a C function of one example, with the
    ``c_support`` of the rows it prints in front::

        static inline double NAME(const double *x, const double *p,
                                  double gradient, double *dp, double *checked)

    It reads input ``i`` (a leaf of ``inputs``) from ``x[i]`` and parameter
    ``i`` (a leaf of ``params``) from ``p[i]``, returns the output's value,
    stores ``gradient · ∂output/∂params[i]`` in ``dp[i]`` (0.0 where the
    graph does not reach it) and adds to ``*checked`` a number that is not 0
    when a value Python would have refused was met (as :func:`emit_c`).
    The forward lines are the rows' own C, the backward lines their
    ``partials`` printed in C: a model's loss, traced on leaves for its
    predictions, prints itself this way inside a native training step.

    ``decisions`` are the trace's frozen decisions, as
    :func:`autograd.value.tracing` records them: each is asked again, and
    a different answer counts as a refused value (``*checked`` not 0).
    NativeUnavailable for a decision on a value outside the graph.
    """
    with _printing_rows() as printed:
        lines, gradients, stored, read, results, value_of = _statements(
            output, None, inputs, params)
    for value, symbol, number in decisions:
        if value not in value_of:
            raise NativeUnavailable(
                f"the trace decided on a value ({value.data!r} {symbol} {number!r}) that "
                f"its output does not depend on: it cannot be checked in C")
        answer = int(_COMPARISONS[symbol](value.data, number))
        lines.append(f"check += ({value_of[value].text} {symbol} {_c_number(number)}) "
                     f"== {answer} ? 0.0 : NAN;")
    body = [
        *(f"const double x{i} = x[{i}];" for i in range(len(inputs))),
        *(f"const double p{number} = p[{number}];" for number in read),
        *(f"double dp{number} = 0.0;" for number in stored),
        "double check = 0.0;",
        *lines, *gradients,
        *(f"dp[{number}] = dp{number};" for number in stored),
        *(f"dp[{number}] = 0.0;" for number in range(len(params)) if number not in stored),
        "*checked += check;",
        f"return {results[0].text};",
    ]
    return _support(printed) + "\n".join([
        f"static inline double {c_name}(const double *x, const double *p,",
        "                                double gradient, double *dp, double *checked)",
        "{", *(f"    {line}" for line in body), "}", ""])


def c_row_functions(row, c_name: str) -> str:
    """``row`` as C functions, with the ``c_support`` they call in front:
    ``double NAME(double x0, ...)`` computes its forward value, and
    ``double NAME_partial0(double out, double x0, ...)`` (one per input)
    its local partial derivative, printed from the row's ``partials``
    evaluated on C text. NativeUnavailable for a row with no C form."""
    inputs = [CSource(f"x{i}") for i in range(row.arity)]
    with _printing_rows() as printed:
        forward = _fill_c(c_template(row), inputs)
        partials = [_as_c(partial) for partial in row.partials(CSource("out"), *inputs)]
    arguments = ", ".join(f"double x{i}" for i in range(row.arity))
    functions = [f"static inline double {c_name}({arguments})\n"
                 f"{{\n    return {forward.text};\n}}\n"]
    functions += [f"static inline double {c_name}_partial{i}(double out, {arguments})\n"
                  f"{{\n    (void)out;\n    return {partial.text};\n}}\n"
                  for i, partial in enumerate(partials)]
    return _support(printed) + "\n".join(functions)


def _emit_function(c_name: str, output: Value, aux, inputs: list, params: tuple) -> tuple:
    lines, gradients, stored, read, results, _ = _statements(output, aux, inputs, params)
    width = len(results)
    body = [*(f"const double x{i} = rows[{len(inputs)} * row + {i}];" for i in range(len(inputs))),
            *lines, *gradients]
    outputs = [f"out[{width} * row + {i}] = {result.text};" for i, result in enumerate(results)]
    level, in_pieces = layout(len(body))
    if in_pieces:
        return _in_pieces(c_name, body, outputs, stored), width - 1, stored, level
    lines = [
        f"int {c_name}(int64_t count, const double *rows, double gradient,",
        "        const double *param, double *grad, double *out)",
        "{",
        *(f"    const double p{number} = param[{number}];" for number in read),
        *(f"    double dp{number} = grad[{number}];" for number in stored),
        "    double check = 0.0;",
        "    for (int64_t row = 0; row < count; ++row) {",
        *(f"        {line}" for line in body + outputs),
        "    }",
        *(f"    check += dp{number} - dp{number};" for number in stored),
        *(f"    grad[{number}] = dp{number};" for number in stored),
        "    return check == 0.0 ? 0 : 1;",
        "}",
    ]
    return "\n".join(lines), width - 1, stored, level


# A row's statements beyond this many are split into functions of this size
# (see _in_pieces).
PIECE = 1000

_NAME = re.compile(r"\b(?:d?v|x|d?p)\d+\b")


def _in_pieces(c_name: str, body: list, outputs: list, stored: list) -> str:
    """The same function with a row's statements split into pieces of
    ``PIECE`` statements, each a function of its own.

    NOTE: a C compiler's time grows faster than the length of one
    straight-line function, so a wide network's row, split, compiles
    optimised in about linear time. A value that one piece computes and a
    later one reads passes through ``s``; a piece reads the parameters from
    ``param`` and adds to the gradients in ``dp`` (the caller's copy of
    ``grad``, stored only when every check passed), in the same order as
    the one-function form.
    """
    pieces = [body[start:start + PIECE] for start in range(0, len(body), PIECE)]
    declared = [{line.split(" = ")[0].split()[-1] for line in piece
                 if line.startswith(("const double ", "double "))} for piece in pieces]
    # a gradient may be declared in one piece and added to in the next
    defined = [names | {line.split()[0] for line in piece if line.split()[1] == "+="
                        and not line.startswith("dp")} for piece, names in zip(pieces, declared)]
    used = [set(_NAME.findall(" ".join(piece))) for piece in pieces] + [
        set(_NAME.findall(" ".join(outputs)))]
    slot = {}
    for number, names in enumerate(defined):
        for name in sorted(names):
            if any(name in later for later in used[number + 1:]):
                slot[name] = len(slot)

    def piece_function(number, lines):
        mine, needed = defined[number], used[number]
        local = lambda line: re.sub(r"\bdp(\d+) \+=", r"dp[\1] +=", line)  # noqa: E731
        return [
            f"static __attribute__((noinline)) void {c_name}_{number}(",
            "        int64_t row, const double *rows, double gradient,",
            "        const double *restrict param, double *restrict dp, double *restrict s,",
            "        double *restrict checked)",
            "{",
            "    double check = 0.0;",
            *(f"    const double {name} = param[{name[1:]}];" for name in sorted(needed)
              if name[0] == "p"),
            *(f"    double {name} = s[{slot[name]}];" for name in sorted(needed - declared[number])
              if name in slot),
            *(f"    {local(line)}" for line in lines),
            *(f"    s[{slot[name]}] = {name};" for name in sorted(mine) if name in slot),
            "    *checked += check;",
            "}",
        ]

    def stored_value(match):
        name = match.group()
        return f"param[{name[1:]}]" if name[0] == "p" else f"s[{slot[name]}]"

    functions = [line for number, piece in enumerate(pieces)
                 for line in piece_function(number, piece)]
    return "\n".join([
        "#include <stdlib.h>",
        *functions,
        f"int {c_name}(int64_t count, const double *rows, double gradient,",
        "        const double *param, double *grad, double *out)",
        "{",
        f"    double *s = malloc(sizeof(double) * {max(1, len(slot))});",
        f"    double *dp = malloc(sizeof(double) * {max(1, max(stored, default=0) + 1)});",
        "    if (s == NULL || dp == NULL) {",
        "        free(s);",
        "        free(dp);",
        "        return 1;",
        "    }",
        *(f"    dp[{number}] = grad[{number}];" for number in stored),
        "    double check = 0.0;",
        "    for (int64_t row = 0; row < count; ++row) {",
        *(f"        {c_name}_{number}(row, rows, gradient, param, dp, s, &check);"
          for number in range(len(pieces))),
        *(f"        {_NAME.sub(stored_value, line)}" for line in outputs),
        "    }",
        *(f"    check += dp[{number}] - dp[{number}];" for number in stored),
        "    if (check == 0.0) {",
        *(f"        grad[{number}] = dp[{number}];" for number in stored),
        "    }",
        "    free(s);",
        "    free(dp);",
        "    return check == 0.0 ? 0 : 1;",
        "}",
    ])


PRELUDE = "#include <math.h>\n#include <stdint.h>\n"


# --- the toolchain ----------------------------------------------------------------


def find_compiler() -> list:
    """The C compiler command, as a list; NativeUnavailable naming what was tried."""
    configured = os.environ.get("CC")
    if configured:
        command = shlex.split(configured)
        if not command or shutil.which(command[0]) is None:
            raise NativeUnavailable(
                f"CC={configured!r} names no program on PATH: set CC to a C compiler, "
                f"or unset it to use cc")
        return command
    for name in ("cc", "gcc", "clang"):
        path = shutil.which(name)
        if path:
            return [path]
    try:
        import ziglang  # noqa: F401  (the `native` extra)
    except ImportError:
        raise NativeUnavailable(
            "no C compiler found (tried $CC, cc, gcc, clang and the ziglang package): "
            "install one, or pip install 'chainrule[native]'") from None
    return [sys.executable, "-m", "ziglang", "cc"]


def layout(statements: int) -> tuple:
    """``(optimisation level, in pieces?)`` for a row of ``statements``
    statements: a compiler's time grows faster than the length of one
    straight-line function, so a long row is optimised less, or split."""
    # NOTE: measured with gcc 12 on the per-example step of MLPs 2-w-w-1
    # (docs/how-it-works/native.md): w=16 (1,322 statements) one function at -O2
    # compiles in 0.6 s; w=64 (17,546) at -O2 takes minutes, in pieces at
    # -O1 6.3 s and runs twice as fast as one function at -O0 (1.4 s);
    # w=128 (67,850) in pieces would take ~25 s, so it stays at -O0,
    # whose time grows linearly.
    if statements <= 3_000:
        return "-O2", False
    if statements <= 30_000:
        return "-O1", True
    return "-O0", False


def cache_folder() -> str:
    override = os.environ.get("CHAINRULE_NATIVE_CACHE")
    if override:
        return override
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "chainrule", "native")


@functools.cache
def _compiler_identity(command: tuple) -> str:
    """The compiler's ``--version`` text, so a new compiler misses the cache."""
    try:
        result = subprocess.run([*command, "--version"], capture_output=True, text=True,
                                timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise NativeUnavailable(f"the C compiler {command[0]!r} does not run: {error}") from None
    return result.stdout


@functools.cache
def _processor_identity() -> str:
    """This machine's processor (model and feature flags), for a library
    built with ``-march=native``, which runs only where it was built."""
    try:
        with open("/proc/cpuinfo") as file:
            lines = [line for line in file if line.startswith(("model name", "flags"))]
        return "".join(dict.fromkeys(lines))
    except OSError:
        import platform

        return f"{platform.machine()} {platform.processor()}"


class CacheProblem(Exception):
    """The cache cannot be used: ``path`` and ``reason`` say why."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


# The problems warned about so far, so each is told once per process.
_warned: set = set()


def warn_cache_problem(problem: CacheProblem, action: str):
    """One RuntimeWarning per path and reason: what is wrong and what is done instead."""
    if (problem.path, problem.reason) in _warned:
        return
    _warned.add((problem.path, problem.reason))
    warnings.warn(f"chainrule's native cache {problem.path} {problem.reason}: {action}",
                  RuntimeWarning, stacklevel=2)


def _foreign(info: os.stat_result) -> str:
    """Why a file or folder with ``info`` is not this user's alone ("" if it is)."""
    if not hasattr(os, "getuid"):  # Windows: permissions are ACLs, per-user folders
        return ""
    if info.st_uid != os.getuid():
        return f"belongs to user id {info.st_uid}, not to this user ({os.getuid()})"
    if info.st_mode & 0o022:
        return f"is writable by other users (mode {stat.S_IMODE(info.st_mode):o})"
    return ""


def private_folder(folder: str) -> str:
    """``folder``, created mode 0700 if absent; CacheProblem if it is not
    a real folder of this user's that no one else may write to (as pip
    refuses a cache folder it does not own)."""
    try:
        os.makedirs(os.path.dirname(os.path.abspath(folder)), exist_ok=True)
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        info = os.lstat(folder)
    except OSError as error:
        reason = _blocking(folder) or error.strerror or str(error)
        raise CacheProblem(folder, f"cannot be created ({reason})") from None
    if stat.S_ISLNK(info.st_mode):
        raise CacheProblem(folder, "is a symbolic link (links are not followed)")
    if not stat.S_ISDIR(info.st_mode):
        raise CacheProblem(folder, "is not a folder")
    reason = _foreign(info)
    if reason:
        raise CacheProblem(folder, reason)
    return folder


def _blocking(folder: str) -> str:
    """The nearest existing ancestor of ``folder`` if it is not a folder ("" otherwise)."""
    path = os.path.abspath(folder)
    while not os.path.lexists(path) and os.path.dirname(path) != path:
        path = os.path.dirname(path)
    return "" if os.path.isdir(path) else f"{path} is not a folder"


DIGEST = ".sha256"  # the digest of a library's bytes, in a file beside it


def _read_private(path: str, limit: int) -> bytes:
    """The bytes of ``path``, a regular file of this user's that no one
    else may write to, at most ``limit`` bytes long, read without
    following a link; CacheProblem otherwise."""
    try:
        data, status = read_regular(path, limit, follow_links=False)
    except NotRegularFile as error:
        links = " (links are not followed)" if error.kind == "a symbolic link" else ""
        raise CacheProblem(path, f"is {error.kind}{links}") from None
    except OSError as error:
        raise CacheProblem(path, f"cannot be read ({error.strerror or error})") from None
    reason = f"is larger than {limit:,} bytes" if len(data) > limit else _foreign(status)
    if reason:
        raise CacheProblem(path, reason)
    return data


def _verified(library: str) -> bool:
    """Whether ``library`` is in the cache and verified: this user's regular
    file (no link) whose bytes have the digest stored beside it at its
    build. False if it or its digest is absent; CacheProblem if it fails."""
    if not os.path.lexists(library) or not os.path.lexists(library + DIGEST):
        return False
    expected = _read_private(library + DIGEST, 64).decode("ascii", "replace")
    actual = hashlib.sha256(_read_private(library, LIBRARY_LIMIT)).hexdigest()
    if actual != expected:
        raise CacheProblem(library, "does not match the digest stored beside it at its "
                                    "build (truncated or changed since)")
    return True


LIBRARY_LIMIT = 1 << 30  # a library read for its digest: far above any built here

_scratch_folder = None  # this process's private temporary folder (see _temporary_folder)


def _temporary_folder() -> str:
    global _scratch_folder
    if _scratch_folder is None:
        try:
            _scratch_folder = tempfile.mkdtemp(prefix="chainrule-native-")  # mode 0700
        except OSError as error:
            raise NativeUnavailable(f"no private temporary folder to build in "
                                    f"({error.strerror or error})") from None
        atexit.register(shutil.rmtree, _scratch_folder, True)
    return _scratch_folder


def build(source: str, level: str, cache: bool = True) -> tuple:
    """The shared library of ``source``: ``(path, seconds compiling)``, 0.0 from the cache.

    A cached library is used only if it is verified (see :func:`_verified`)
    in a private folder (:func:`private_folder`). A library that fails is
    built again; a folder that cannot be used (or ``cache=False``) means a
    build in this process's private temporary folder, removed at exit.
    Each problem is one RuntimeWarning naming the path and the reason.

    ``level`` is the optimisation level (``"-O2"``), or several flags
    separated by spaces, given after the common ones (so they override
    them). With ``-march=native`` the cache key holds the processor too.
    """
    command = find_compiler()
    identity = _compiler_identity(tuple(command))
    gcc = "Free Software Foundation" in identity
    flags = (*FLAGS, *(GCC_FLAGS if gcc else ()), *level.split())
    machine = _processor_identity() if "-march=native" in flags else ""
    key = hashlib.sha256("\0".join([source, *flags, *command, identity, machine]).encode()
                         ).hexdigest()
    suffix = ".dll" if sys.platform == "win32" else ".so"
    name = f"{key[:32]}{suffix}"
    if cache:
        try:
            library = os.path.join(private_folder(cache_folder()), name)
            try:
                if _verified(library):
                    return library, 0.0
            except CacheProblem as problem:
                warn_cache_problem(problem, "not loaded; it is built again")
            return library, _compile_into(os.path.dirname(library), name, command, flags,
                                          source)
        except CacheProblem as problem:
            warn_cache_problem(problem, "built in a private temporary folder instead")
    folder = _temporary_folder()
    try:
        return os.path.join(folder, name), _compile_into(folder, name, command, flags, source)
    except CacheProblem as problem:
        raise NativeUnavailable(f"cannot build in {problem.path}: {problem.reason}") from None


def _compile_into(folder: str, name: str, command: list, flags: tuple, source: str) -> float:
    """Compile ``source`` to ``folder/name`` and store its digest beside it:
    the seconds it took; CacheProblem if the folder refuses a file."""
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            c_file = os.path.join(scratch, "step.c")
            with open(c_file, "w") as file:
                file.write(source)
            built = os.path.join(scratch, "step.so")
            try:
                result = subprocess.run([*command, *flags, c_file, "-o", built, "-lm"],
                                        capture_output=True, text=True)
            except OSError as error:
                raise NativeUnavailable(f"the C compiler {command[0]!r} does not run: "
                                        f"{error}") from None
            if result.returncode != 0:
                raise NativeUnavailable(
                    f"the C compiler {' '.join(command)} failed: {result.stderr.strip()[:2000]}")
            with open(built, "rb") as file:
                digest = hashlib.sha256(file.read()).hexdigest()
            with open(os.path.join(scratch, "digest"), "w") as file:
                file.write(digest)
            # NOTE: each replaced atomically, library first: a process never
            # loads a half-written library, nor one without its digest.
            library = os.path.join(folder, name)
            os.replace(built, library)
            os.replace(os.path.join(scratch, "digest"), library + DIGEST)
    except OSError as error:
        raise CacheProblem(folder, f"refuses a new file ({error.strerror or error})") from None
    return time.perf_counter() - started


_DOUBLE_P = ctypes.POINTER(ctypes.c_double)
SIGNATURE = [ctypes.c_int64, _DOUBLE_P, ctypes.c_double, _DOUBLE_P, _DOUBLE_P, _DOUBLE_P]


def load(path: str, names) -> dict:
    """The functions ``names`` of the library at ``path``, ready to call;
    CacheProblem if it does not load or lacks one."""
    try:
        library = ctypes.CDLL(path)
        functions = {name: getattr(library, name) for name in names}
    except (OSError, AttributeError) as error:
        raise CacheProblem(path, f"does not load ({error})") from None
    for function in functions.values():
        function.argtypes, function.restype = SIGNATURE, ctypes.c_int
    return functions


def build_and_load(source: str, level: str, names) -> tuple:
    """``(functions, seconds compiling)``: :func:`build`, then :func:`load`;
    a cached library that does not load is built again in a private
    temporary folder, with a warning."""
    path, seconds = build(source, level)
    try:
        return load(path, names), seconds
    except CacheProblem as problem:
        warn_cache_problem(problem, "built in a private temporary folder instead")
    path, seconds = build(source, level, cache=False)
    try:
        return load(path, names), seconds
    except CacheProblem as problem:
        raise NativeUnavailable(f"the library {problem.path} {problem.reason}") from None


def doubles(values) -> ctypes.Array:
    """A C array of doubles holding ``values`` (an iterable of numbers)."""
    # NOTE: through array.array, which converts in C: several times faster
    # than ctypes' own constructor. The C array keeps the array alive.
    buffer = array.array("d", values) or array.array("d", [0.0])
    return (ctypes.c_double * len(buffer)).from_buffer(buffer)


class NativeReplay:
    """One trace compiled to C: called like the Python replay, ``(rows, gradient)``.

    ``python_replay`` runs instead whenever the native call reports a value
    Python would have refused (see the module docstring), so errors are the
    table's own.
    """

    def __init__(self, output, aux, inputs, params, python_replay):
        self.c_source, self.aux_count, self.stored, self.level = emit_c(
            "chainrule_map", output, aux, inputs, params)
        self.source = PRELUDE + self.c_source + "\n"
        self.statements = self.c_source.count(";")
        functions, self.compile_seconds = build_and_load(self.source, self.level,
                                                         ["chainrule_map"])
        self.function = functions["chainrule_map"]
        self.params = params
        self.aux_shape = aux  # None, a list, or one value
        self.input_count = len(inputs)
        self.python_replay = python_replay

    def __call__(self, rows, gradient):
        params, count, width = self.params, len(rows), 1 + self.aux_count
        flat = doubles(itertools.chain.from_iterable(rows))
        grads = doubles(p.grad for p in params)
        out = (ctypes.c_double * (count * width))()
        if self.function(count, flat, gradient, doubles(p.data for p in params), grads, out):
            return self.python_replay(rows, gradient)
        for number in self.stored:
            params[number].grad = grads[number]
        results = out[:]
        if self.aux_shape is None:
            return results
        rows_out = [results[width * i:width * (i + 1)] for i in range(count)]
        if isinstance(self.aux_shape, list):
            return [(row[0], row[1:]) for row in rows_out]
        return [(row[0], row[1]) for row in rows_out]
