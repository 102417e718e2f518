"""The training step compiled: fit(..., compile=True).

:class:`CompiledLossAndGradients` stands in for
:func:`nn.training.loss_and_gradients`: for a batch it returns the same
``(loss value, predictions)`` and adds the same gradients to every
``p.grad``, by replaying code :func:`autograd.compile` traced once.
"""

from __future__ import annotations

import array
import ctypes
import math
import struct
import warnings

from autograd import compile
from autograd.compiler import native
from autograd.value import TraceWarning

from . import optim, training
from .losses import Loss, l2_penalty


class CompiledLossAndGradients:
    """:func:`nn.training.loss_and_gradients` for one model, loss and ``l2``, compiled:
    call it with ``(inputs, targets)`` for the same ``(loss value,
    predictions)`` and the same gradients added to every ``p.grad``.

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
        self.backend = backend
        self.model = model
        self.loss = loss
        self.parameters = model.parameters()
        self.target_is_input = isinstance(loss, Loss) and not loss.target_is_label
        self.traces = {}  # the label, or None for a real target -> its compiled loss
        parameters = self.parameters
        self.penalty = (compile(lambda: l2_penalty(parameters, l2), parameters, backend=backend)
                        if l2 else None)

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
            compiled = self._trace_for(label)
            if compiled.source is None and isinstance(self.loss, Loss):
                # NOTE: nn's losses compare predictions only to keep floats in
                # range (the docstring above): known frozen decisions, no warning.
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", TraceWarning)
                    compiled.trace(*rows[0])
            replayed = compiled.map(rows, gradient=1.0 / len(targets))
            for position, (example_loss, prediction) in zip(positions, replayed):
                losses[position], predictions[position] = example_loss, prediction
        objective = sum(losses) / len(targets)
        if self.penalty is not None:
            objective += self.penalty()
        return objective, predictions

    def positions_by_trace(self, targets) -> dict:
        """Each trace's label (None: a real target) -> the positions of its examples."""
        positions_of = {}
        for position, target in enumerate(targets):
            positions_of.setdefault(None if self.target_is_input else target, []).append(position)
        return positions_of

    def _trace_for(self, label):
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


# The whole step in C: the batch's rows gathered by trace, each trace's
# function on its rows, the L2 term, and SGD's update into a second buffer
# (so a step whose result is refused changes nothing). The traces are
# reached through pointers to their own libraries' functions, so this
# source never changes and is compiled once.
_STEP_SOURCE = native.PRELUDE + """
#include <string.h>

typedef int (*trace_function)(int64_t count, const double *rows, double gradient,
                              const double *param, double *grad, double *out);

struct step {
    int64_t count, inputs, width, traces, params;
    const double *rows;          /* count x inputs, in batch order */
    const int64_t *trace;        /* each row's trace */
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
int chainrule_sgd_step(struct step *s)
{
    memset(s->grad, 0, sizeof(double) * s->params);
    memset(s->seen, 0, sizeof(int64_t) * s->traces);
    /* the traces in the order the batch first shows them, as Python groups them */
    for (int64_t first = 0; first < s->count; ++first) {
        const int64_t t = s->trace[first];
        if (s->seen[t])
            continue;
        s->seen[t] = 1;
        int64_t n = 0;
        for (int64_t row = first; row < s->count; ++row)
            if (s->trace[row] == t) {
                memcpy(s->gathered + n * s->inputs, s->rows + row * s->inputs,
                       sizeof(double) * s->inputs);
                s->positions[n++] = row;
            }
        if (s->call[t](n, s->gathered, s->gradient, s->param, s->grad, s->results))
            return 1;
        for (int64_t i = 0; i < n; ++i)
            memcpy(s->out + s->positions[i] * s->width, s->results + i * s->width,
                   sizeof(double) * s->width);
    }
    if (s->penalty && s->penalty(1, s->gathered, 1.0, s->param, s->grad, s->penalty_out))
        return 1;
    double check = 0.0;
    for (int64_t i = 0; i < s->params; ++i) {
        s->updated[i] = s->param[i] - s->lr * s->grad[i];
        check += s->updated[i] - s->updated[i];
    }
    return check == 0.0 ? 0 : 2;
}
"""


_P, _I = ctypes.c_void_p, ctypes.c_int64


class _Step(ctypes.Structure):
    """``struct step`` of the C source above, field for field."""

    _fields_ = [*((name, _I) for name in ("count", "inputs", "width", "traces", "params")),
                ("rows", _P), ("trace", _P), ("call", _P), ("penalty", _P),
                ("gradient", ctypes.c_double), ("lr", ctypes.c_double),
                *((name, _P) for name in ("param", "grad", "updated", "out", "penalty_out",
                                          "gathered", "results", "positions", "seen"))]


def _address(buffer: array.array) -> int:
    return buffer.buffer_info()[0]


class NativeSGDStep:
    """A whole training step in native code: ``fit(compile="c")`` with plain SGD.

    The parameters live in a flat C buffer between steps. A step is one C
    call: it zeroes the gradients, runs each trace's C function on the rows
    of its label (in the order :class:`CompiledLossAndGradients` runs them),
    the L2 term and the SGD update, and returns ``(loss value,
    predictions)`` — no Value is read or written. :meth:`store` writes the
    buffer back to the model's parameters (fit does, when training ends or
    stops). The losses, gradients and updates are
    :class:`CompiledLossAndGradients`' and ``SGD.step``'s, bit for bit.

    A C call that meets a value Python would refuse (see
    :mod:`autograd.compiler.native`) makes that step run on the Python
    path instead, which raises the table's own error or computes what eager
    code computes. Plain SGD only (:meth:`handles`): other optimizers keep
    state in Python and take the per-step path. A parameter without a
    gradient (see :mod:`nn.optim`) moves by -lr · 0 here: not at all, as SGD skips it.
    """

    def __init__(self, compiled: CompiledLossAndGradients, optimizer):
        self.compiled, self.optimizer = compiled, optimizer
        self.parameters = compiled.parameters
        self.data = array.array("d", (p.data for p in self.parameters))
        self.updated = array.array("d", self.data)
        self.grad = array.array("d", bytes(8 * len(self.data)))
        path, _ = native.build(_STEP_SOURCE, "-O2")
        self.function = ctypes.CDLL(path).chainrule_sgd_step
        self.function.argtypes, self.function.restype = [ctypes.POINTER(_Step)], ctypes.c_int
        self.step = _Step(params=len(self.data), grad=_address(self.grad))
        self.step_pointer = ctypes.pointer(self.step)
        self.trace_of = {}  # a label (None: a real target) -> its trace's number
        self.calls = array.array("q")  # each trace's C function, by number
        self.penalty_out = array.array("d", [0.0])
        self.step.penalty_out = _address(self.penalty_out)
        self.capacity = -1  # rows the buffers hold (see _allocate)

    @staticmethod
    def handles(optimizer, parameters) -> bool:
        """Plain SGD of exactly ``parameters`` with one set of options (one
        parameter group, or groups alike), and a C compiler to build the update with."""
        if type(optimizer) is not optim.SGD:
            return False
        # NOTE: the C update moves every parameter by -lr · grad, one lr for
        # all: no momentum, weight decay or maximize, no group apart, and no
        # parameter of the model outside the optimizer (which must stay put).
        options = [{name: group[name] for name in optim.SGD.hyperparameters}
                   for group in optimizer.param_groups]
        first = options[0]
        if (any(other != first for other in options) or first["momentum"]
                or first["weight_decay"] or first["maximize"]
                or set(optimizer.params) != set(parameters)):
            return False
        try:
            native.find_compiler()
        except native.NativeUnavailable:
            return False
        return True

    def store(self):
        """Write the buffer's parameters to the model's Values."""
        for parameter, value in zip(self.parameters, self.data):
            parameter.data = value

    def __call__(self, inputs, targets, where):
        """One step at ``optimizer.lr``: ``(loss value, predictions)``; or
        FloatingPointError (via fit's rules), the buffer as it was."""
        count, step = len(targets), self.step
        numbers = []  # the numbers of every row (a real target last), in batch order
        extend = numbers.extend
        if self.compiled.target_is_input:
            for row, target in zip(inputs, targets):
                extend(row)
                numbers.append(target)
        else:
            for row in inputs:
                extend(row)
        try:
            self._pack(numbers, targets)
        except KeyError:  # a label without a trace yet
            if not self._add_traces(numbers, targets):
                return self._python_step(inputs, targets, where)
            self._pack(numbers, targets)
        step.count, step.gradient, step.lr = count, 1.0 / count, self.optimizer.lr
        step.param, step.updated = _address(self.data), _address(self.updated)
        status = self.function(self.step_pointer)
        if status == 1:
            return self._python_step(inputs, targets, where)
        width, out = step.width, self.out
        objective = sum(out[0:width * count:width]) / count
        if self.compiled.penalty is not None:
            objective += self.penalty_out[0]
        if not math.isfinite(objective):
            raise training._stopped(where, training.non_finite_loss(objective))
        if status:
            raise training._stopped(
                where, f"the update made a parameter non-finite (loss {objective})")
        self.data, self.updated = self.updated, self.data
        if self.several_outputs:
            predictions = [out[width * i + 1:width * (i + 1)].tolist() for i in range(count)]
        else:
            predictions = out[1:width * count:width].tolist()
        return objective, predictions

    def _pack(self, numbers, targets):
        """The rows and their traces' numbers into the C buffers; KeyError
        for a label with no trace yet."""
        count, step = len(targets), self.step
        if not self.calls:
            raise KeyError(targets[0])
        if count > self.capacity or len(numbers) != count * step.inputs:
            self._allocate(count, len(numbers) // count)
        if not self.compiled.target_is_input:
            struct.pack_into(f"{count}q", self.traces, 0,
                             *map(self.trace_of.__getitem__, targets))
        struct.pack_into(f"{len(numbers)}d", self.rows, 0, *numbers)

    def _add_traces(self, numbers, targets) -> bool:
        """Compile the traces of labels not seen before; False if one has no native form."""
        width = len(numbers) // len(targets)
        for position, target in enumerate(targets):
            label = None if self.compiled.target_is_input else target
            if label in self.trace_of:
                continue
            replay = self.compiled._trace_for(label).native(
                *numbers[width * position:width * (position + 1)])
            if replay is None:
                return False
            self.step.width = 1 + replay.aux_count
            self.several_outputs = isinstance(replay.aux_shape, list)
            self.trace_of[label] = len(self.calls)
            self.calls.append(ctypes.cast(replay.function, ctypes.c_void_p).value)
        if self.compiled.penalty is not None and not self.step.penalty:
            replay = self.compiled.penalty.native()
            if replay is None:
                return False
            self.step.penalty = ctypes.cast(replay.function, ctypes.c_void_p).value
        self.seen = array.array("q", bytes(8 * len(self.calls)))
        self.step.traces, self.step.call = len(self.calls), _address(self.calls)
        self.step.seen = _address(self.seen)
        self.capacity = -1  # the out buffers' width may be new
        return True

    def _allocate(self, count, inputs):
        """Buffers for ``count`` rows of ``inputs`` numbers each."""
        step = self.step
        self.capacity, step.inputs = count, inputs
        self.rows = array.array("d", bytes(8 * max(1, count * inputs)))
        self.gathered = array.array("d", self.rows)
        self.traces = array.array("q", bytes(8 * count))
        self.positions = array.array("q", self.traces)
        self.out = array.array("d", bytes(8 * count * step.width))
        self.results = array.array("d", self.out)
        step.rows, step.trace = _address(self.rows), _address(self.traces)
        step.gathered, step.positions = _address(self.gathered), _address(self.positions)
        step.out, step.results = _address(self.out), _address(self.results)

    def _python_step(self, inputs, targets, where):
        """This step on the Python path, from the buffer's parameters."""
        self.store()
        try:
            result = training._step(self.compiled, self.parameters, inputs, targets,
                                    self.optimizer, where)
        finally:
            for position, parameter in enumerate(self.parameters):
                self.data[position] = parameter.data
        return result
