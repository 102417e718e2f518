"""The training step compiled: fit(..., compile=True).

:class:`CompiledLossAndGradients` stands in for
:func:`nn.training.loss_and_gradients`: for a batch it returns the same
``(loss value, predictions)`` and adds the same gradients to every
``p.grad``, by replaying code :func:`autograd.compile` traced once.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import warnings

from autograd import compile
from autograd.compiler import native
from autograd.value import TraceWarning

from . import optim, training
from .losses import Loss, l2_penalty


class CompiledLossAndGradients:
    """:func:`loss_and_gradients` for one model, loss and ``l2``, compiled:
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


# The SGD update in C, in the same float operations as nn.optim.SGD's
# `value - lr * grad`, into a second buffer, so a non-finite result changes nothing.
_SGD_SOURCE = native.PRELUDE + """
int chainrule_sgd(int64_t count, const double *unused, double lr,
        const double *param, double *grad, double *out)
{
    double check = 0.0;
    for (int64_t i = 0; i < count; ++i) {
        out[i] = param[i] - lr * grad[i];
        check += out[i] - out[i];
    }
    return check == 0.0 ? 0 : 1;
}
"""


class NativeSGDStep:
    """A whole training step in native code: ``fit(compile="c")`` with plain SGD.

    The parameters live in a flat C buffer between steps; a step zeroes the
    gradient buffer, calls each trace's C function on its rows (one call
    per label, and one for the L2 term) and then the SGD update, and
    returns ``(loss value, predictions)`` — no Value is read or written.
    :meth:`store` writes the buffer back to the model's parameters (fit
    does, when training ends or stops). The losses, gradients and updates
    are :class:`CompiledLossAndGradients`' and ``SGD.step``'s, bit for bit.

    A C call that meets a value Python would refuse (see
    :mod:`autograd.compiler.native`) makes that step run on the Python
    path instead, which raises the table's own error or computes what eager
    code computes. Plain SGD only (:meth:`handles`): other optimizers keep
    state in Python and take the per-step path.
    """

    def __init__(self, compiled: CompiledLossAndGradients, optimizer):
        self.compiled, self.optimizer = compiled, optimizer
        self.parameters = compiled.parameters
        self.data = native.doubles(p.data for p in self.parameters)
        self.updated = native.doubles(p.data for p in self.parameters)
        self.grad = native.doubles(0.0 for _ in self.parameters)
        path, _ = native.build(_SGD_SOURCE, "-O2")
        self.sgd = native.load(path, ["chainrule_sgd"])["chainrule_sgd"]

    @staticmethod
    def handles(optimizer) -> bool:
        """Plain SGD, and a C compiler to build the update with."""
        if not (type(optimizer) is optim.SGD and not optimizer.momentum
                and not optimizer.weight_decay):
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
        compiled, count = self.compiled, len(targets)
        positions_of = compiled.positions_by_trace(targets)
        ctypes.memset(self.grad, 0, ctypes.sizeof(self.grad))
        losses, predictions = [0.0] * count, [None] * count
        for label, positions in positions_of.items():
            rows = ([[*inputs[i], targets[i]] for i in positions] if label is None
                    else [inputs[i] for i in positions])
            replay = compiled._trace_for(label).native(*rows[0])
            out = replay and self._run(replay, rows, 1.0 / count)
            if out is None:
                return self._python_step(inputs, targets, where)
            width, several = 1 + replay.aux_count, isinstance(replay.aux_shape, list)
            out = out[:]
            for slot, position in enumerate(positions):
                losses[position] = out[width * slot]
                predictions[position] = (out[width * slot + 1:width * (slot + 1)] if several
                                         else out[width * slot + 1])
        objective = sum(losses) / count
        if compiled.penalty is not None:
            replay = compiled.penalty.native()
            out = replay and self._run(replay, [[]], 1.0)
            if out is None:
                return self._python_step(inputs, targets, where)
            objective += out[0]
        if not math.isfinite(objective):
            raise training._stopped(where, training.non_finite_loss(objective))
        if self.sgd(len(self.parameters), self.grad, self.optimizer.lr, self.data,
                    self.grad, self.updated):
            raise training._stopped(
                where, f"the update made a parameter non-finite (loss {objective})")
        self.data, self.updated = self.updated, self.data
        return objective, predictions

    def _run(self, replay, rows, gradient):
        """The trace's C function on ``rows``: its out buffer, or None if it asked for Python."""
        out = (ctypes.c_double * (len(rows) * (1 + replay.aux_count)))()
        flat = native.doubles(itertools.chain.from_iterable(rows))
        if replay.function(len(rows), flat, gradient, self.data, self.grad, out):
            return None
        return out

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
