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
on :class:`~autograd.compiler.source.Source` — a float known only as
source text, whose arithmetic returns source text — so adding a row to :mod:`autograd.ops`
needs no change here. Only nodes the loss (or aux) depends on are printed, and
gradients only for nodes on a path to a parameter.

Limits. The trace is a recording of one run, as in ``jax.jit``:

* Python control flow on data in ``f`` (``if x.data > 0:``) is frozen at
  the trace. Ops of the table stay exact (``relu``, ``abs``): their branch
  is inside the emitted line. Comparing traced Values (``x < y``, and so
  ``max(a, b)``) warns with :class:`~autograd.value.TraceWarning`.
* Calls from several threads take turns (a replay adds to the parameters'
  ``grad``, as ``backward()`` does, under the same lock).
* A trace is reused for every call with the same *number* of inputs; a new
  number traces again.
* A Value ``f`` uses that is neither a parameter nor an input is a constant:
  its ``data`` at the trace is printed as a number, and it gets no gradient.
* A call inside ``no_grad()`` is refused: computing gradients is its job.
* Where a derivative is undefined (``sqrt`` at 0) the backward line raises
  Python's own error; eager ``backward()`` names the op.

The pieces: :mod:`autograd.compiler.source` (a float as source text),
:mod:`autograd.compiler.emit` (a traced graph as a Python function) and this
module (the trace, and the compiled function that replays it).
"""

from __future__ import annotations

import builtins
import itertools
import linecache
import warnings
import weakref
from collections.abc import Callable, Iterable

from ..value import Value, as_float, as_values, constant, graph_lock, is_grad_enabled, tracing
from . import native
from .emit import emit, function_name

BACKENDS = ("python", "c", "auto")

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
            as_float(value, f"aux output {position}")
    return loss, list(aux) if isinstance(aux, (list, tuple)) else aux


class CompiledFunction:
    """A function compiled by :func:`compile`; call it with plain numbers.

    ``source`` is the Python the latest trace emitted (None before the
    first); tracebacks show its lines under the file name
    ``<chainrule-compiled NAME #N>``. With ``backend="c"`` or ``"auto"``,
    ``backend`` says which backend runs the latest trace (``"c"`` or
    ``"python"``), ``backend_note`` how it was built or why the C backend
    could not run it, and ``c_source`` is its C (None on Python).
    """

    def __init__(self, f: Callable, params: tuple, has_aux: bool = False,
                 backend: str = "python"):
        self.f = f
        self.params = params
        self.has_aux = has_aux
        self.requested_backend = backend
        self.backend = "python" if backend == "python" else None
        self.backend_note = ""
        self.source = None
        self.c_source = None
        self._replays = {}  # number of inputs -> the emitted function

    def __repr__(self):
        running = self.backend or "not traced yet"
        note = f" ({self.backend_note})" if self.backend_note else ""
        return (f"<compiled {getattr(self.f, '__qualname__', self.f)!r}, "
                f"{len(self.params)} params, backend {running}{note}>")

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
        rows = [[as_float(x, "a compiled function's input") for x in row] for row in rows]
        if not rows:
            return []
        count = len(rows[0])
        if any(len(row) != count for row in rows):
            raise ValueError("map() needs rows of the same length")
        gradient = as_float(gradient, "gradient")
        # NOTE: a replay reads the parameters' grads, adds to them and stores
        # them back; two threads at once would lose one's sums. They take
        # turns, as backward() calls do.
        with graph_lock:
            if count not in self._replays:
                self.trace(*rows[0])
            return self._replays[count](rows, gradient)

    def native(self, *inputs):
        """The C replay of the trace for ``len(inputs)`` inputs (tracing at
        ``inputs`` if there is none yet), or None if that trace runs on Python.

        For callers that keep parameters in flat buffers and call its C
        function directly (``fit(compile="c")`` with SGD): see
        :class:`autograd.compiler.native.NativeReplay`.
        """
        if len(inputs) not in self._replays:
            self.trace(*inputs)
        replay = self._replays[len(inputs)]
        return replay if isinstance(replay, native.NativeReplay) else None

    def trace(self, *inputs) -> str:
        """Trace ``f`` at ``inputs`` now and return the emitted source.

        A call traces by itself when it meets a new number of inputs; this
        is for tracing ahead of time, or again after ``f`` changed.
        """
        _require_grad("trace")
        nodes = [Value(as_float(x, f"trace input {i}")) for i, x in enumerate(inputs)]
        with tracing():  # comparisons of Values warn: they would be frozen
            output, aux = self.f(*nodes), None
        if self.has_aux:
            output, aux = _loss_and_aux(output)
        if not isinstance(output, Value):
            output = constant(as_float(output, "the compiled function's result"))
        name = function_name(self.f)
        source, namespace = emit(name, output, aux, nodes, self.params)
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
        self.source = source
        self._replays[len(inputs)] = replay if self.requested_backend == "python" else \
            self._native(output, aux, nodes, replay)
        return source

    def _native(self, output, aux, nodes, python_replay):
        """The trace compiled to C, or ``python_replay`` and the reason in ``backend_note``."""
        try:
            replay = native.NativeReplay(output, aux, nodes, self.params, python_replay)
        except native.NativeUnavailable as reason:
            self.backend, self.c_source = "python", None
            self.backend_note = f"C backend unavailable: {reason}"
            if self.requested_backend == "c":
                warnings.warn(f"compile(backend='c') runs on Python: {reason}", RuntimeWarning,
                              stacklevel=4)
            return python_replay
        compiled = (f"compiled in {replay.compile_seconds:.2f} s" if replay.compile_seconds
                    else "from the cache")
        self.backend, self.c_source = "c", replay.source
        self.backend_note = f"{replay.level}, {replay.statements} statements, {compiled}"
        return replay


def compile(f: Callable, params: Iterable[Value], has_aux: bool = False,
            backend: str = "python") -> CompiledFunction:
    """Compile ``f``, a scalar function of scalar inputs built from ``params``.

    The result, called with numbers as ``step(*inputs, gradient=1.0)``,
    returns the loss as a float and adds ``gradient · ∂loss/∂p`` to each
    ``p.grad`` — exactly ``loss = f(*inputs); loss.backward(gradient)`` —
    by replaying code traced at the first call. ``step.map(rows)`` does it
    for each row of inputs; with ``gradient=1 / len(rows)`` the gradients
    are those of the mean loss::

        step = compile(lambda x, y: (model([x]) - y) ** 2, model.parameters())
        model.zero_grad()
        losses = step.map(batch, gradient=1 / len(batch))  # rows (x, y)
        optimizer.step()

    (``y`` is traced as a Value like ``x``, so it must be used as a number
    only: a loss that checks or branches on a label, such as ``hinge``,
    gets one trace per label, ``compile(lambda x: hinge(model([x]), 1), ...)``,
    as ``fit(compile=True)`` does.)

    With ``has_aux=True`` (JAX's name), ``f`` returns ``(loss, aux)``: aux a
    Value or number, or a list of them, that rides along without a
    gradient — a model's output, say, to measure accuracy. Each call then
    returns ``(loss, aux)`` with aux's Values as floats.

    ``backend="c"`` runs each trace as C, compiled by the system's C
    compiler (:mod:`autograd.compiler.native`): the same losses and
    gradients, bit for bit, many times faster. Where it cannot (no
    compiler, a row with no C form) the trace runs on Python, with a
    ``RuntimeWarning`` and the reason in ``repr``; ``backend="auto"``
    does the same silently.

    See the module docstring for what a trace can and cannot capture.
    """
    if backend not in BACKENDS:
        raise ValueError(f"compile() backend must be one of {', '.join(map(repr, BACKENDS))}, "
                         f"got {backend!r}")
    params = tuple(as_values(params, "compile() params"))
    for position, param in enumerate(params):
        if param.parents:
            raise ValueError(
                f"compile() params must be leaves (Values no op made), but the "
                f"one at position {position} was made by {param.op}()")
    return CompiledFunction(f, params, has_aux, backend)
