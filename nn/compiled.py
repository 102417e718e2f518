"""The training step compiled: fit(..., compile=True).

:class:`CompiledLossAndGradients` stands in for
:func:`nn.training.loss_and_gradients`: for a batch it returns the same
``(loss value, predictions)`` and adds the same gradients to every
``p.grad``, by replaying code :func:`autograd.compile` traced once.
"""

from __future__ import annotations

from autograd import compile

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
        # Each trace replays its examples in one map() call; the losses and
        # predictions go back to their places in the batch.
        positions_of = {}
        for position, target in enumerate(targets):
            positions_of.setdefault(None if self.target_is_input else target, []).append(position)
        losses, predictions = [0.0] * len(targets), [None] * len(targets)
        for label, positions in positions_of.items():
            rows = [[*inputs[i], targets[i]] if label is None else inputs[i] for i in positions]
            replayed = self._trace_for(label).map(rows, gradient=1.0 / len(targets))
            for position, (example_loss, prediction) in zip(positions, replayed):
                losses[position], predictions[position] = example_loss, prediction
        objective = sum(losses) / len(targets)
        if self.penalty is not None:
            objective += self.penalty()
        return objective, predictions

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
