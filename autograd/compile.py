"""``compile``: trace a scalar function once, then replay its forward and
backward pass as straight-line Python over floats.

>>> from autograd import Value, compile
>>> w, b = Value(0.5), Value(0.1)
>>> step = compile(lambda x: (w * x + b).tanh(), [w, b])
>>> loss = step(2.0)      # a float; w.grad, b.grad += d loss / dw, d loss / db
>>> print(step.source)
def compiled(rows, gradient):
    p0 = param0.data
    p1 = param1.data
    dp0 = param0.grad
    dp1 = param1.grad
    losses = []
    for (x0,) in rows:
        # forward
        v0 = p0 * x0
        v1 = v0 + p1
        v2 = tanh(v1)
        # backward
        dv1 = (1.0 - v2 * v2) * gradient
        dp0 += x0 * dv1
        dp1 += dv1
        losses.append(v2)
    param0.grad = dp0
    param1.grad = dp1
    return losses

The contract: for ``step = compile(f, params)``, ``step(*inputs,
gradient=g)`` has the effect of ``loss = f(*inputs); loss.backward(g)`` and
returns ``loss.data``; ``step.map(rows, gradient=g)`` does that for each row
of inputs in turn and returns the losses. With ``has_aux=True``, ``f``
returns ``(loss, aux)`` and each call ``(loss.data, aux)``: aux's Values
(the model's output, say) are computed in the forward pass and returned as
floats, and only the loss is differentiated. Parameters' ``grad`` accumulate,
as leaves do in ``backward()``, so optimizers work unchanged; each call
reads the parameters' current ``data``. The emitted code does the same float
operations in the same order as ``Value.backward``, so losses and gradients
are bit-for-bit the eager ones (up to the sign of a zero gradient).

How: the first call runs ``f`` on Values (the *trace*) and prints the graph
it recorded as one Python function, one line per node, which later calls
run instead. Nothing here knows any op. A node prints with its row's
``code`` template; its backward lines are its row's ``partials`` evaluated
on :class:`Expression` — a float known only as source text, whose
arithmetic returns source text — so adding a row to :mod:`autograd.ops`
needs no change here. Only nodes the loss (or aux) depends on are printed, and
gradients only for nodes on a path to a parameter.

Limits. The trace is a recording of one run, as in ``jax.jit``:

* Python control flow on data in ``f`` (``if x.data > 0:``) is frozen at
  the trace. Ops of the table stay exact (``relu``, ``abs``): their branch
  is inside the emitted line.
* A trace is reused for every call with the same *number* of inputs; a new
  number traces again.
* A Value ``f`` uses that is neither a parameter nor an input is a constant:
  its ``data`` at the trace is printed as a number, and it gets no gradient.
* A call inside ``no_grad()`` is refused: computing gradients is its job.
* Where a derivative is undefined (``sqrt`` at 0) the backward line raises
  Python's own error; eager ``backward()`` names the op.

In the package ``autograd.compile`` is this function, which hides the
module of the same name: import from it with ``from autograd.compile import
...``.
"""

from __future__ import annotations

import ast
import builtins
import functools
import itertools
import keyword
import linecache
import math
import weakref
from collections.abc import Callable, Iterable

from . import ops
from .value import Value, _as_float, _as_values, constant, is_grad_enabled, topological_order

# --- printing float expressions as Python -------------------------------------

# Python's precedence levels that float expressions meet, loosest first.
_LOWEST, _SUM, _PRODUCT, _UNARY, _POWER, _ATOM = range(6)
_BINARY = {ast.Add: _SUM, ast.Sub: _SUM, ast.Mult: _PRODUCT, ast.Div: _PRODUCT,
           ast.Pow: _POWER}


@functools.cache
def _layout(template: str, arity: int) -> tuple:
    """How ``template`` prints: its own precedence, and for each operand the
    loosest precedence it may have there without parentheses.

    Python's own parser reads the template (once), so any template prints
    right; an operand anywhere but directly under the template's top
    operator or call is parenthesised unless it is a name or a number.
    """
    slots = [f"_{position}" for position in range(arity)]
    top = ast.parse(template.format(*slots), mode="eval").body
    allowed = {}
    if isinstance(top, ast.BinOp) and type(top.op) in _BINARY:
        precedence = _BINARY[type(top.op)]
        # NOTE: ** groups right to left and takes a unary minus on its right
        # (x ** -2.0); the other operators group left to right.
        left, right = (_ATOM, _UNARY) if precedence == _POWER else (precedence, precedence + 1)
        allowed = {id(top.left): left, id(top.right): right}
    elif isinstance(top, ast.UnaryOp) and isinstance(top.op, (ast.USub, ast.UAdd)):
        precedence, allowed = _UNARY, {id(top.operand): _UNARY}
    elif isinstance(top, ast.Call):
        precedence, allowed = _ATOM, {id(argument): _LOWEST for argument in top.args}
    else:
        precedence = _LOWEST
    needed = [_LOWEST] * arity
    for node in ast.walk(top):
        if isinstance(node, ast.Name) and node.id in slots:
            position = slots.index(node.id)
            needed[position] = max(needed[position], allowed.get(id(node), _ATOM))
    return precedence, tuple(needed)


def _print(template: str, operands) -> Expression:
    """``template`` filled with ``operands``, parenthesised where needed."""
    precedence, needed = _layout(template, len(operands))
    texts = [operand.text if operand.precedence >= loosest else f"({operand.text})"
             for operand, loosest in zip(map(_expression, operands), needed)]
    return Expression(template.format(*texts), precedence)


def _expression(x) -> Expression:
    """``x`` itself, or the Expression of a number (its ``repr``)."""
    if isinstance(x, Expression):
        return x
    number = float(x)
    text = repr(number)  # "inf" and "nan" are names in the emitted code's globals
    return Expression(text, _UNARY if text.startswith("-") else _ATOM, number)


def _operator(template, reflected=False):
    if reflected:
        return lambda self, other: _print(template, (other, self))
    return lambda self, other: _print(template, (self, other))


class Expression:
    """A float known only as Python source text, such as ``v3`` or ``-dv7``.

    Python's arithmetic on it, and a row of the table applied to it (through
    :func:`autograd.value.apply`), return the Expression of the result: so a
    row's ``partials`` evaluated on Expressions print themselves as code.
    ``float()`` works only on a constant (``pow``'s exponent); a partial
    whose formula depends on the value of an input cannot be printed.
    """

    __slots__ = ("text", "precedence", "number")

    def __init__(self, text: str, precedence: int = _ATOM, number: float | None = None):
        self.text = text
        self.precedence = precedence
        self.number = number

    def __repr__(self):
        return f"Expression({self.text!r})"

    def __float__(self):
        if self.number is None:
            raise TypeError(
                f"float() of {self.text}, a value known only when the compiled code "
                f"runs: a partial may call float() on constants only")
        return self.number

    def apply_primitive(self, row, *operands):
        return _print(row.code, operands)

    __add__, __radd__ = _operator("{0} + {1}"), _operator("{0} + {1}", reflected=True)
    __sub__, __rsub__ = _operator("{0} - {1}"), _operator("{0} - {1}", reflected=True)
    __mul__, __rmul__ = _operator("{0} * {1}"), _operator("{0} * {1}", reflected=True)
    __truediv__, __rtruediv__ = _operator("{0} / {1}"), _operator("{0} / {1}", reflected=True)
    __pow__, __rpow__ = _operator("{0} ** {1}"), _operator("{0} ** {1}", reflected=True)

    def __neg__(self):
        return _print("-{0}", (self,))


# --- from a traced graph to the source of one function ---------------------------


def _is_zero(partial) -> bool:
    return not isinstance(partial, Expression) and partial == 0.0


def _contribution(partial, gradient: Expression) -> Expression:
    """``partial · gradient``, the term the eager pass adds to a parent's grad."""
    # NOTE: 1.0 · g and -1.0 · g are exactly g and -g, so they print without
    # the product.
    if not isinstance(partial, Expression) and partial in (1.0, -1.0):
        return gradient if partial == 1.0 else -gradient
    return partial * gradient


def _names(order: list, param_number: dict, inputs: list) -> dict:
    """Each node's value as an Expression: ``x{i}`` for the inputs, ``p{i}``
    for ``params[i]``, a number for a constant, ``v0, v1, ...`` otherwise."""
    input_number = {node: number for number, node in enumerate(inputs)}
    interior = itertools.count()
    value_of = {}
    for node in order:
        if node in param_number:
            value_of[node] = Expression(f"p{param_number[node]}")
        elif node in input_number:
            value_of[node] = Expression(f"x{input_number[node]}")
        elif not node.parents:
            value_of[node] = _expression(node.data)
        else:
            value_of[node] = Expression(f"v{next(interior)}")
    return value_of


def _backward(order: list, value_of: dict, params: set) -> tuple:
    """The backward pass over ``order``, the topological order of the loss
    (its last node).

    Returns its lines and, for each parameter reached, the terms of its
    gradient: ``partial · gradient`` of each node that uses it, in the order
    eager ``backward()`` adds them.
    """
    # A node's gradient matters if it flows on to a parameter through
    # partials that are not a literal 0.
    # NOTE: skipping a 0 partial (sign, step) differs from eager only for an
    # infinite or NaN gradient (eager adds 0 · inf = NaN) and in the sign of
    # a zero gradient.
    partials_of, reaches_a_param = {}, set(params)
    for node in order:
        if any(parent in reaches_a_param for parent in node.parents):
            partials_of[node] = node._op.partials(
                value_of[node], *(value_of[parent] for parent in node.parents))
            if any(parent in reaches_a_param and not _is_zero(partial)
                   for parent, partial in zip(node.parents, partials_of[node])):
                reaches_a_param.add(node)
    output = order[-1]
    # A node's list of terms is complete when reverse topological order reaches it.
    terms = {output: [Expression("gradient")]} if output in reaches_a_param else {}
    lines = []
    for node in reversed(order):
        if not node.parents or node not in terms:
            continue
        first, *rest = terms.pop(node)
        if not rest and first.precedence == _ATOM:
            # NOTE: a gradient that is another node's, unchanged (the inputs
            # of +), shares that node's variable instead of copying it.
            gradient = first
        else:
            # NOTE: eager starts at 0.0 and adds the first term: the same
            # but for the sign of a zero.
            gradient = Expression(f"d{value_of[node].text}")
            lines.append(f"{gradient.text} = {first.text}")
            lines += [f"{gradient.text} += {term.text}" for term in rest]
        for parent, partial in zip(node.parents, partials_of[node]):
            if parent in reaches_a_param and not _is_zero(partial):
                terms.setdefault(parent, []).append(_contribution(partial, gradient))
    return lines, terms


def _with_aux(loss_order: list, aux: list) -> list:
    """``loss_order`` followed by the nodes only the ``aux`` Values need:
    still each node after its parents."""
    order, known = list(loss_order), set(loss_order)
    for value in aux:
        if isinstance(value, Value) and value not in known:
            extra = [node for node in topological_order(value) if node not in known]
            order += extra
            known.update(extra)
    return order


def _emit(name: str, output: Value, aux, inputs: list, params: tuple) -> tuple:
    """The Python function replaying ``output``'s graph for each row of
    inputs, as source text, and the globals it reads.

    It reads each parameter ``params[i]`` into ``p{i}`` and its gradient
    into ``dp{i}``; runs forward then backward for each row, adding to the
    ``dp``; stores them back; and returns the loss of each row, or with
    ``aux`` (None: none; a Value or number; or a list of them) the pair
    ``(loss, aux)``, aux's Values as floats.
    """
    loss_order = topological_order(output)
    aux_values = [] if aux is None else aux if isinstance(aux, list) else [aux]
    order = _with_aux(loss_order, aux_values)
    param_number = {}
    for number, param in enumerate(params):
        param_number.setdefault(param, number)
    value_of = _names(order, param_number, inputs)
    forward = [f"{value_of[node].text} = "
               f"{_print(node._op.code, [value_of[parent] for parent in node.parents]).text}"
               for node in order if node.parents]
    backward, terms = _backward(loss_order, value_of, set(param_number))
    result = value_of[output].text
    if aux is not None:
        texts = [(value_of[value] if isinstance(value, Value) else _expression(value)).text
                 for value in aux_values]
        aux_text = f"[{', '.join(texts)}]" if isinstance(aux, list) else texts[0]
        result = f"({result}, {aux_text})"
    read = sorted(param_number[node] for node in order if node in param_number)
    summed = [number for param, number in param_number.items() if param in terms]
    backward += [f"dp{number} += {term.text}"
                 for param, number in param_number.items() for term in terms.get(param, ())]
    inputs_of_a_row = ", ".join(f"x{number}" for number in range(len(inputs)))
    lines = [
        f"def {name}(rows, gradient):",
        *(f"    p{number} = param{number}.data" for number in read),
        *(f"    dp{number} = param{number}.grad" for number in summed),
        "    losses = []",
        f"    for ({inputs_of_a_row}{',' if len(inputs) == 1 else ''}) in rows:",
        "        # forward",
        *(f"        {line}" for line in forward),
        "        # backward",
        *(f"        {line}" for line in backward),
        f"        losses.append({result})",
        *(f"    param{number}.grad = dp{number}" for number in summed),
        "    return losses",
    ]
    # A row's name stands for its forward function: the rows of the table,
    # and any row outside it that the graph uses.
    table = [*ops.PRIMITIVES, *(node._op for node in order if node.parents)]
    namespace = {"inf": math.inf, "nan": math.nan,
                 **{row.name: row.forward for row in table},
                 **{f"param{number}": param for param, number in param_number.items()}}
    return "\n".join(lines), namespace


# --- the compiled function ---------------------------------------------------------

_serial_numbers = itertools.count(1)


def _require_grad(action):
    if not is_grad_enabled():
        raise RuntimeError(
            f"cannot {action} inside no_grad(): a compiled function exists to compute "
            f"gradients; call the original function to evaluate without them")


def _loss_and_aux(result) -> tuple:
    """``(loss, aux)`` from what a ``has_aux`` function returned; aux a Value
    or number, or a list of them (a tuple becomes a list)."""
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(
            f"with has_aux=True the compiled function must return (loss, aux), "
            f"got {type(result).__name__}")
    loss, aux = result
    values = aux if isinstance(aux, (list, tuple)) else [aux]
    for position, value in enumerate(values):
        if not isinstance(value, Value):
            _as_float(value, f"aux output {position}")
    return loss, list(aux) if isinstance(aux, (list, tuple)) else aux


class CompiledFunction:
    """A function compiled by :func:`compile`; call it with plain numbers.

    ``source`` is the Python the latest trace emitted (None before the
    first); tracebacks show its lines under the file name
    ``<chainrule-compiled NAME #N>``.
    """

    def __init__(self, f: Callable, params: tuple, has_aux: bool = False):
        self.f = f
        self.params = params
        self.has_aux = has_aux
        self.source = None
        self._replays = {}  # number of inputs -> the emitted function

    def __repr__(self):
        return f"<compiled {getattr(self.f, '__qualname__', self.f)!r}, {len(self.params)} params>"

    def __call__(self, *inputs, gradient=1.0):
        """``loss = f(*inputs); loss.backward(gradient)``; returns ``loss.data``
        (with ``has_aux``: ``(loss.data, aux)``, aux's Values as floats)."""
        return self.map([inputs], gradient)[0]

    def map(self, rows: Iterable, gradient=1.0) -> list:
        """The call for each row of inputs, in order: a list of losses (of
        ``(loss, aux)`` pairs with ``has_aux``).

        The same as ``[self(*row, gradient=gradient) for row in rows]``,
        bit for bit, and faster: parameters are read, and gradients stored,
        once for all rows (so a row that raises stores none). ``gradient=1 /
        len(rows)`` accumulates the gradient of the mean loss.
        """
        _require_grad("run a compiled function")
        rows = [[_as_float(x, "a compiled function's input") for x in row] for row in rows]
        if not rows:
            return []
        count = len(rows[0])
        if any(len(row) != count for row in rows):
            raise ValueError("map() needs rows of the same length")
        if count not in self._replays:
            self.trace(*rows[0])
        return self._replays[count](rows, _as_float(gradient, "gradient"))

    def trace(self, *inputs) -> str:
        """Trace ``f`` at ``inputs`` now and return the emitted source.

        A call traces by itself when it meets a new number of inputs; this
        is for tracing ahead of time, or again after ``f`` changed.
        """
        _require_grad("trace")
        nodes = [Value(_as_float(x, f"trace input {i}")) for i, x in enumerate(inputs)]
        output, aux = self.f(*nodes), None
        if self.has_aux:
            output, aux = _loss_and_aux(output)
        if not isinstance(output, Value):
            output = constant(_as_float(output, "the compiled function's result"))
        name = getattr(self.f, "__name__", "")
        # NOTE: only an identifier reaches the source: no user text can be code.
        if not name.isidentifier() or keyword.iskeyword(name):
            name = "compiled"
        source, namespace = _emit(name, output, aux, nodes, self.params)
        filename = f"<chainrule-compiled {name} #{next(_serial_numbers)}>"
        scope = {}
        # NOTE: builtins.compile, since this module's `compile` is ours. The
        # function lands in `scope`, so its name never hides a global.
        exec(builtins.compile(source, filename, "exec"), namespace, scope)
        replay = scope[name]
        # Tracebacks read the lines through linecache (no mtime: never stale),
        # until the function is gone.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        weakref.finalize(replay, linecache.cache.pop, filename, None)
        self._replays[len(inputs)] = replay
        self.source = source
        return source


def compile(f: Callable, params: Iterable[Value], has_aux: bool = False) -> CompiledFunction:
    """Compile ``f``, a scalar function of scalar inputs built from ``params``.

    The result, called with numbers as ``step(*inputs, gradient=1.0)``,
    returns the loss as a float and adds ``gradient · ∂loss/∂p`` to each
    ``p.grad`` — exactly ``loss = f(*inputs); loss.backward(gradient)`` —
    by replaying code traced at the first call. ``step.map(rows)`` does it
    for each row of inputs; with ``gradient=1 / len(rows)`` the gradients
    are those of the mean loss::

        step = compile(lambda x, y: hinge(model([x]), y), model.parameters())
        model.zero_grad()
        losses = step.map(batch, gradient=1 / len(batch))  # rows (x, y)
        optimizer.step()

    With ``has_aux=True`` (JAX's name), ``f`` returns ``(loss, aux)``: aux a
    Value or number, or a list of them, that rides along without a
    gradient — a model's output, say, to measure accuracy. Each call then
    returns ``(loss, aux)`` with aux's Values as floats.

    See the module docstring for what a trace can and cannot capture.
    """
    params = tuple(_as_values(params, "compile() params"))
    for position, param in enumerate(params):
        if param.parents:
            raise ValueError(
                f"compile() params must be leaves (Values no op made), but the "
                f"one at position {position} was made by {param.op}()")
    return CompiledFunction(f, params, has_aux)
