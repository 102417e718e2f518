"""The training step compiled: ``Step(..., engine="python" | "c")``.

:class:`CompiledLossAndGradients` stands in for
:class:`nn.step.EagerLossAndGradients`: for a batch it returns the same
``(objective, data loss, predictions)`` and adds the same gradients to
every ``p.grad``, by replaying code :func:`autograd.compile` traced once.
:class:`NativeTracedStep` takes a whole step in one C call.
"""

from __future__ import annotations

import array
import ctypes
import math
import struct
import warnings

from autograd import compile
from autograd.extend import PRELUDE, TraceWarning, build_and_load, has_compiler

from .losses import Loss, l2_penalty


class CompiledLossAndGradients:
    """:class:`~nn.step.EagerLossAndGradients` for one model, loss and ``l2``,
    compiled: call it with ``(inputs, targets)`` for the same ``(objective,
    data loss, predictions)`` and the same gradients added to every ``p.grad``.

    The loss of one example, ``loss(model(x), target)``, is traced once by
    :func:`autograd.compile` with the model's output as ``aux`` (so
    accuracy costs nothing more), then replayed for every example of every
    batch with ``gradient=1 / len(batch)``, which is what the mean gives
    each example in eager ``backward()``. The L2 term is compiled once on
    its own. A batch's loss is summed in batch order, as eager sums it.

    Targets. A trace is frozen: Python that looks at a traced value runs
    once. So a *label* (``loss.target_is_label``: binary, sign or class
    targets, or a loss function that is not a :class:`~nn.losses.Loss`) is
    a constant of its trace, and each
    distinct label gets a trace of its own: a loss may index or branch on
    it (cross_entropy's ``logits[target]``, binary_cross_entropy's ``label
    == 1``). A *real* target (``loss.target == "real"``: mse) can take any
    value, so it is one more input of a single trace instead, passed to
    ``loss.unchecked``, which must use it as a number only (mse does).

    Python decisions on the *prediction's* value are frozen too. nn's
    losses make them only to keep floats in range — cross_entropy's shift
    by the largest logit and binary_cross_entropy's clamp at a likelihood
    of e^-100 (bce_with_logits uses the softplus row: no branch) — so the
    replayed loss equals eager's up to rounding while the logits stay
    within a few hundred of the traced example's; beyond that exp()
    overflows, or (only binary_cross_entropy) the clamp no longer applies.

    ``backend`` is :func:`autograd.compile`'s: ``"python"``, or ``"c"``
    for native code (same losses and gradients; Python where no C compiler
    is found, with a warning).
    """

    def __init__(self, model, loss, l2: float = 0.0, backend: str = "python"):
        self.backend, self.l2 = backend, l2
        self.model = model
        self.loss = loss
        self.parameters = model.parameters()
        self.target_is_input = isinstance(loss, Loss) and not loss.target_is_label
        self.traces = {}  # the label, or None for a real target -> its compiled loss
        self._penalty = None

    @property
    def penalty(self):
        """The L2 term ``l2 * Σ p²`` compiled, or None without L2; compiled
        on first use (a native step that needs no replay never pays for it)."""
        if self.l2 and self._penalty is None:
            parameters = self.parameters
            self._penalty = compile(lambda: l2_penalty(parameters, self.l2), parameters,
                                    backend=self.backend)
        return self._penalty

    def __call__(self, inputs, targets):
        current = self.model.parameters()
        if len(current) != len(self.parameters) or any(
                new is not old for new, old in zip(current, self.parameters)):
            raise RuntimeError(
                "the model's parameters changed since its step was compiled (a layer "
                "replaced?): the compiled step, like an optimizer built before, still "
                "holds the old ones. Build the optimizer again and train anew (fit "
                "compiles afresh)")
        # Each trace replays its examples in one map() call; the losses and
        # predictions go back to their places in the batch.
        positions_of = self.positions_by_trace(targets)
        losses, predictions = [0.0] * len(targets), [None] * len(targets)
        for label, positions in positions_of.items():
            rows = [[*inputs[i], targets[i]] if label is None else inputs[i] for i in positions]
            compiled = self.trace_for(label)
            if compiled.source is None and isinstance(self.loss, Loss):
                # NOTE: nn's losses compare predictions only to keep floats in
                # range (the docstring above): known frozen decisions, no warning.
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", TraceWarning)
                    compiled.trace(*rows[0])
            replayed = compiled.map(rows, gradient=1.0 / len(targets))
            for position, (example_loss, prediction) in zip(positions, replayed):
                losses[position], predictions[position] = example_loss, prediction
        data_loss = sum(losses) / len(targets)
        objective = data_loss + self.penalty() if self.penalty is not None else data_loss
        return objective, data_loss, predictions

    def positions_by_trace(self, targets) -> dict:
        """Each trace's label (None: a real target) -> the positions of its examples."""
        positions_of = {}
        for position, target in enumerate(targets):
            positions_of.setdefault(None if self.target_is_input else target, []).append(position)
        return positions_of

    def trace_for(self, label):
        """The compiled loss of an example with ``label`` (None: the target is its last input)."""
        if label not in self.traces:
            model, loss = self.model, self.loss
            if label is None:
                # NOTE: unchecked, since the target check (fit's dry run
                # already made it) wants a number, not the traced Value.
                def example_loss(*inputs_and_target):
                    *inputs, target = inputs_and_target
                    prediction = model(inputs)
                    return loss.unchecked(prediction, target), prediction
            else:
                def example_loss(*inputs):
                    prediction = model(inputs)
                    return loss(prediction, label), prediction
            self.traces[label] = compile(example_loss, self.parameters, has_aux=True,
                                         backend=self.backend)
        return self.traces[label]


# The whole step in C: the batch's rows gathered by trace from the data set,
# each trace's function on its rows, the L2 term, and the optimizer's update
# (its native_update statement) into a second buffer, so a step whose result
# is refused changes nothing. The traces are reached through pointers to
# their own libraries' functions, so this source changes only with the update.
_STEP_SOURCE = PRELUDE + """
#include <string.h>

typedef int (*trace_function)(int64_t count, const double *rows, double gradient,
                              const double *param, double *grad, double *out);

struct step {
    int64_t count, inputs, width, traces, params;
    const double *data;          /* every row of the data set, inputs numbers each */
    const int64_t *data_trace;   /* each data row's trace */
    const double *data_target;   /* each data row's label, or NULL: no accuracy here */
    int64_t correct;             /* out: the rows whose predicted label is theirs */
    const int64_t *order;        /* this step's rows: count indices into data */
    trace_function const *call;  /* each trace's function */
    trace_function penalty;      /* the L2 term, or NULL */
    double gradient, lr;
    const double *param;
    double *grad, *updated;
    double *out;                 /* count x width, in batch order */
    double *penalty_out;
    double *gathered, *results;  /* scratch: count x inputs, count x width */
    int64_t *positions;          /* scratch: count */
    int64_t *seen;               /* scratch: traces */
};

/* 0: done; 1: a trace or the L2 term asked for Python; 2: the update is not finite. */
int chainrule_step(struct step *s)
{
    const int64_t outputs = s->width - 1;
    s->correct = 0;
    memset(s->grad, 0, sizeof(double) * s->params);
    memset(s->seen, 0, sizeof(int64_t) * s->traces);
    /* the traces in the order the batch first shows them, as Python groups them */
    for (int64_t first = 0; first < s->count; ++first) {
        const int64_t t = s->data_trace[s->order[first]];
        if (s->seen[t])
            continue;
        s->seen[t] = 1;
        int64_t n = 0;
        for (int64_t position = first; position < s->count; ++position) {
            const int64_t row = s->order[position];
            if (s->data_trace[row] == t) {
                memcpy(s->gathered + n * s->inputs, s->data + row * s->inputs,
                       sizeof(double) * s->inputs);
                s->positions[n++] = position;
            }
        }
        if (s->call[t](n, s->gathered, s->gradient, s->param, s->grad, s->results))
            return 1;
        for (int64_t i = 0; i < n; ++i) {
            const double *out = s->results + i * s->width + 1;
            memcpy(s->out + s->positions[i] * s->width, out - 1, sizeof(double) * s->width);
            if (s->data_target) {
                double label;
                PREDICT
                s->correct += label == s->data_target[s->order[s->positions[i]]];
            }
        }
    }
    if (s->penalty && s->penalty(1, s->gathered, 1.0, s->param, s->grad, s->penalty_out))
        return 1;
    const double *param = s->param, *grad = s->grad, lr = s->lr;
    double *updated = s->updated, check = 0.0;
    for (int64_t i = 0; i < s->params; ++i) {
        UPDATE
        check += updated[i] - updated[i];
    }
    return check == 0.0 ? 0 : 2;
}
"""


_P, _I = ctypes.c_void_p, ctypes.c_int64


class _Step(ctypes.Structure):
    """``struct step`` of the C source above, field for field."""

    _fields_ = [*((name, _I) for name in ("count", "inputs", "width", "traces", "params")),
                ("data", _P), ("data_trace", _P), ("data_target", _P), ("correct", _I),
                ("order", _P), ("call", _P), ("penalty", _P),
                ("gradient", ctypes.c_double), ("lr", ctypes.c_double),
                *((name, _P) for name in ("param", "grad", "updated", "out", "penalty_out",
                                          "gathered", "results", "positions", "seen"))]


def _address(buffer: array.array) -> int:
    return buffer.buffer_info()[0]


class NativeTracedStep:
    """A whole training step in one C call, from the per-example traces:
    ``Step(..., engine="c")`` with an optimizer that has a native update.

    The data set is copied into a C buffer once, and the parameters live in
    a flat C buffer between steps; a step passes only its rows' indices. The
    C call zeroes the gradients, runs each trace's function on the rows of
    its label (in the order :class:`CompiledLossAndGradients` runs them),
    the L2 term and the optimizer's update (``optimizer.native_update``), and
    no Value is read or written. :meth:`sync` writes the parameters back to
    the model. The losses, gradients and updates are
    :class:`CompiledLossAndGradients`' and the optimizer's, bit for bit.

    A step that meets a value Python would refuse (see
    :mod:`autograd.compiler.native`) or a non-finite one returns None,
    the buffers as they were: :class:`nn.step.Step` replays it on the
    Python path, which raises the table's own error or computes what eager
    code computes.
    """

    @staticmethod
    def unsupported(model, loss, optimizer, predict) -> str | None:
        """Why this step cannot train ``model`` with ``optimizer``, or None."""
        if optimizer.native_update(model.parameters()) is None:
            return f"{type(optimizer).__name__} with these options has no native update"
        if not has_compiler():
            return "no C compiler"
        return None

    replays_on = "c"  # a refused step: on the traces, natively or in Python

    @classmethod
    def made_for(cls, step):
        """The native step of ``step`` (an :class:`nn.Step`), on its traces."""
        return cls(step.backpropagate, step.optimizer, step.X, step.y, predict=step.predict)

    def __init__(self, compiled: CompiledLossAndGradients, optimizer, X, y, *, predict=None):
        self.compiled, self.optimizer, self.predict = compiled, optimizer, predict
        self.parameters = compiled.parameters
        self.y = y
        self.data = array.array("d", (p.data for p in self.parameters))
        self.updated = array.array("d", self.data)
        self.grad = array.array("d", bytes(8 * len(self.data)))
        # NOTE: accuracy is counted in C when the predict rule says itself in
        # C and every label is a number; otherwise in Python from the outputs.
        predict_c = getattr(predict, "c_statement", None)
        if predict_c is not None and not all(
                isinstance(label, (int, float)) and not isinstance(label, bool) for label in y):
            predict_c = None
        self.counted_in_c = predict_c is not None
        source = (_STEP_SOURCE.replace("UPDATE", optimizer.native_update(self.parameters))
                  .replace("PREDICT", predict_c or "label = 0.0;"))
        functions, _ = build_and_load(source, "-O2", ["chainrule_step"])
        self.function = functions["chainrule_step"]
        self.function.argtypes, self.function.restype = [ctypes.POINTER(_Step)], ctypes.c_int
        self.step = _Step(params=len(self.data), grad=_address(self.grad))
        self.step_pointer = ctypes.pointer(self.step)
        # every row's numbers (a real target last), once
        real_target = compiled.target_is_input
        rows = [[*row, target] if real_target else row for row, target in zip(X, y)]
        self.rows = array.array("d", (number for row in rows for number in row))
        self.step.data, self.step.inputs = _address(self.rows), len(rows[0])
        self.targets = array.array("d", y if self.counted_in_c else [])
        if self.counted_in_c:
            self.step.data_target = _address(self.targets)
        self.calls, self.penalty_out = array.array("q"), array.array("d", [0.0])
        self.step.penalty_out = _address(self.penalty_out)
        self.ready = self._build_traces(rows, y)
        self.capacity, self.order_is_all = -1, False

    def _build_traces(self, rows, y) -> bool:
        """Each label's trace in C (from its first row), and each row's trace
        number; False if one has no native form (the Python path runs then)."""
        trace_of = {}  # a label (None: a real target) -> its trace's number
        for row, target in zip(rows, y):
            label = None if self.compiled.target_is_input else target
            if label in trace_of:
                continue
            replay = self.compiled.trace_for(label).native(*row)
            if replay is None:
                return False
            self.step.width = 1 + replay.aux_count
            self.several_outputs = isinstance(replay.aux_shape, list)
            trace_of[label] = len(self.calls)
            self.calls.append(ctypes.cast(replay.function, ctypes.c_void_p).value)
        if self.compiled.penalty is not None:
            replay = self.compiled.penalty.native()
            if replay is None:
                return False
            self.step.penalty = ctypes.cast(replay.function, ctypes.c_void_p).value
        self.data_trace = array.array(
            "q", (trace_of[None if self.compiled.target_is_input else target] for target in y))
        self.seen = array.array("q", bytes(8 * len(self.calls)))
        step = self.step
        step.data_trace, step.traces = _address(self.data_trace), len(self.calls)
        step.call, step.seen = _address(self.calls), _address(self.seen)
        return True

    def __call__(self, rows):
        """One step on ``rows`` (None: all, in order) at ``optimizer.lr``:
        ``(objective, data loss, correct)``, or None for the Python path."""
        if not self.ready:
            return None
        count = len(self.y) if rows is None else len(rows)
        self._order(rows, count)
        step = self.step
        step.count, step.gradient, step.lr = count, 1.0 / count, self.optimizer.lr
        step.param, step.updated = _address(self.data), _address(self.updated)
        if self.function(self.step_pointer):
            return None
        width, out = step.width, self.out
        data_loss = sum(out[0:width * count:width]) / count
        objective = data_loss + self.penalty_out[0] if self.compiled.penalty else data_loss
        if not math.isfinite(objective):
            return None
        self.data, self.updated = self.updated, self.data
        return objective, data_loss, self._correct(rows, count)

    def _order(self, rows, count):
        """This step's row indices into the C buffer (every row, once, when
        ``rows`` is None)."""
        if count > self.capacity:
            self._allocate(count)
        if rows is None:
            if not self.order_is_all:
                struct.pack_into(f"{count}q", self.order, 0, *range(count))
                self.order_is_all = True
        else:
            struct.pack_into(f"{count}q", self.order, 0, *rows)
            self.order_is_all = False

    def _correct(self, rows, count):
        predict = self.predict
        if predict is None:
            return None
        if self.counted_in_c:
            return self.step.correct
        width, out = self.step.width, self.out
        targets = self.y if rows is None else [self.y[i] for i in rows]
        if self.several_outputs:
            predictions = [out[width * i + 1:width * (i + 1)].tolist() for i in range(count)]
        else:
            predictions = out[1:width * count:width]
        return sum(predict(p) == t for p, t in zip(predictions, targets))

    def _allocate(self, count):
        """Buffers for ``count`` rows."""
        step, inputs = self.step, self.step.inputs
        self.capacity = count
        self.gathered = array.array("d", bytes(8 * max(1, count * inputs)))
        self.order = array.array("q", bytes(8 * count))
        self.positions = array.array("q", self.order)
        self.out = array.array("d", bytes(8 * count * step.width))
        self.results = array.array("d", self.out)
        step.order, step.gathered = _address(self.order), _address(self.gathered)
        step.positions = _address(self.positions)
        step.out, step.results = _address(self.out), _address(self.results)
        self.order_is_all = False

    def sync(self):
        """Write the buffers' parameters and last gradients to the model's Values."""
        for parameter, value, grad in zip(self.parameters, self.data, self.grad):
            parameter.data, parameter.grad = value, grad

    def reload(self):
        """Read the model's Values into the buffer (after a step on the Python path)."""
        for position, parameter in enumerate(self.parameters):
            self.data[position] = parameter.data
