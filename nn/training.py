"""The training loop: backpropagation, then gradient descent, once per batch.

One step of :func:`nn.fit`, for each batch of each epoch:

1. ``optimizer.zero_grad()``: ``backward()`` adds into the parameters'
   ``grad``, so last step's gradients are cleared first;
2. :func:`loss_and_gradients`: the forward pass over the batch, the mean
   loss (plus any L2 penalty), then ``loss.backward()`` —
   **backpropagation** fills every ``p.grad`` with d(loss)/dp;
3. ``optimizer.step()`` — **gradient descent** moves every parameter
   against its gradient (SGD: ``p := p - lr * p.grad``).

So the three kinds of gradient descent differ only by ``batch_size``
(see :mod:`nn.data`): 1 is stochastic, ``None`` is batch, in between is
mini-batch.

Step 2 is the one piece an engine swaps: ``fit(..., compile=True)`` runs
:class:`nn.compiled.CompiledLossAndGradients` instead — the same loss
values, predictions and gradients (to rounding: only the order in which one
parameter's gradient terms are summed differs) from code traced once by
:func:`autograd.compile`. Either way the step records its graph even
inside ``no_grad()``: training is what ``fit`` is for.

Guarantees: arguments are checked before the first update (the data row
by row: a NaN is named by its row and column); a loss that is not finite
(or an update that would make a parameter non-finite) stops training with
``FloatingPointError`` naming the step, and the model keeps the last
parameters that were finite. Ctrl-C stops it with
:class:`TrainingInterrupted` (a ``KeyboardInterrupt``), the model as of
the last whole step: ``optimizer.step()`` is all or nothing.
"""

from __future__ import annotations

import functools
import gc
import math
from contextlib import contextmanager
from dataclasses import dataclass, field

from autograd import Value, data_of, enable_grad, no_grad
from autograd.value import is_number

from ._arguments import checked_int, checked_number, generator
from .compiled import CompiledLossAndGradients, NativeSGDStep
from .data import batches, checked_rows
from .losses import l2_penalty, mean_loss
from .optim import Optimizer


@dataclass
class History:
    """What happened while training, ready to plot, e.g.
    ``plt.plot(history.examples_seen, history.step_objective)``.

    Two losses are recorded, because they differ and both matter:

    * the **objective**, what gradient descent minimises: the batch's mean
      loss plus the L2 penalty ``l2 * Σ p²`` (micrograd's demo: hinge + 1e-4 L2);
    * the **data loss**, the batch's mean loss alone (no penalty): how wrong
      the predictions are.

    Both are measured on the step's batch *before* its update (the forward
    pass that the gradient comes from), so the last step's values are not the
    model's after training: :func:`evaluate` gives those.

    Per step (one update each): ``step_objective``, ``step_data_loss``,
    ``step_accuracy`` (fraction of the batch classified correctly, or None
    without a ``predict`` rule), ``step_lr`` and ``examples_seen`` (examples
    used so far, this step's included). Per epoch: ``epoch_objective`` and
    ``epoch_data_loss`` (the steps' values averaged by batch size),
    ``epoch_accuracy`` (over all the epoch's examples) and ``epoch_end_step``
    (how many updates were made when it ended). ``loss_name`` and ``l2`` say
    what the objective was (``"hinge"``, ``0.0001``), for labels.
    ``step_loss`` and ``epoch_loss`` are other names for the objectives.
    """

    loss_name: str = "loss"
    l2: float = 0.0
    step_objective: list = field(default_factory=list)
    step_data_loss: list = field(default_factory=list)
    step_accuracy: list = field(default_factory=list)
    step_lr: list = field(default_factory=list)
    examples_seen: list = field(default_factory=list)
    epoch_objective: list = field(default_factory=list)
    epoch_data_loss: list = field(default_factory=list)
    epoch_accuracy: list = field(default_factory=list)
    epoch_end_step: list = field(default_factory=list)
    # running totals of the epoch in progress
    _objective_sum: float = field(default=0.0, repr=False, compare=False)
    _data_loss_sum: float = field(default=0.0, repr=False, compare=False)
    _correct: int = field(default=0, repr=False, compare=False)
    _examples: int = field(default=0, repr=False, compare=False)

    @property
    def steps(self) -> int:
        """How many updates were made."""
        return len(self.step_objective)

    @property
    def step_loss(self) -> list:
        """Another name for ``step_objective``: the objective at each step."""
        return self.step_objective

    @property
    def epoch_loss(self) -> list:
        """Another name for ``epoch_objective``: the objective of each epoch."""
        return self.epoch_objective

    @property
    def objective_name(self) -> str:
        """What the objective is, for a label: ``"hinge + 0.0001·Σp²"``, or the loss's name."""
        return f"{self.loss_name} + {self.l2:g}·Σp²" if self.l2 else self.loss_name

    def record_step(self, objective: float, data_loss: float, correct: int | None, size: int,
                    lr) -> None:
        """One update: its objective and data loss, how many of its ``size``
        examples were right, its learning rate."""
        self.step_objective.append(objective)
        self.step_data_loss.append(data_loss)
        self.step_accuracy.append(None if correct is None else correct / size)
        self.step_lr.append(lr)
        self.examples_seen.append(size + (self.examples_seen[-1] if self.examples_seen else 0))
        self._objective_sum += objective * size
        self._data_loss_sum += data_loss * size
        self._correct += correct or 0
        self._examples += size

    def record_epoch(self, measured_accuracy: bool) -> None:
        """Close an epoch: average the steps recorded since the last one."""
        self.epoch_objective.append(self._objective_sum / self._examples)
        self.epoch_data_loss.append(self._data_loss_sum / self._examples)
        self.epoch_accuracy.append(self._correct / self._examples if measured_accuracy else None)
        self.epoch_end_step.append(self.steps)
        self._objective_sum, self._data_loss_sum, self._correct, self._examples = 0.0, 0.0, 0, 0

    def progress(self, epoch: int, epochs: int) -> dict:
        """The latest step as a progress bar shows it: epoch, data loss,
        objective (when it differs: with L2) and accuracy."""
        shown = {"epoch": f"{epoch}/{epochs}", self.loss_name: significant(self.step_data_loss[-1])}
        if self.l2:
            shown["objective"] = significant(self.step_objective[-1])
        accuracy = self.step_accuracy[-1]
        shown["accuracy"] = "-" if accuracy is None else f"{accuracy:.0%}"
        return shown


def significant(x: float, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits: 0.0002193, 1.235e+04, 3e-12 (never 0.0000)."""
    return f"{x:.{digits}g}"


@contextmanager
def _cyclic_collector_paused():
    # NOTE: autograd graphs hold no reference cycles, so reference counting
    # frees each one the moment its loss is dropped. Left running, Python's
    # cyclic collector would re-walk the live graph (tens of thousands of
    # nodes) many times per step for nothing: measured, a quarter to a half of
    # the time of micrograd's demo step. It is paused for the whole process,
    # only while one step's graph is built and backpropagated.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def loss_and_gradients(model, inputs, targets, loss, l2: float = 0.0):
    """Backpropagation for one batch: ``(loss value, predictions)``, plain numbers.

    Builds the graph of ``mean(loss(model(x), target)) + l2 * Σ p²`` and,
    if its value is finite, calls ``backward()`` so every parameter's
    ``grad`` holds d(loss)/dp (parameters must start at 0: zero_grad first).
    The predictions come back as floats (a list of floats per example for
    several outputs), so the graph is freed on return. This is the one
    function a faster engine would replace.
    """
    with _cyclic_collector_paused():
        predictions = [model(x) for x in inputs]
        objective = mean_loss(loss, predictions, targets)
        if l2:
            objective = objective + l2_penalty(model.parameters(), l2)
        if math.isfinite(objective.data):
            objective.backward()
        result = objective.data, [_numbers(prediction) for prediction in predictions]
        # NOTE: the graph is freed here, while the collector is still paused;
        # alive when it resumes, it would be walked once more for nothing.
        del predictions, objective
        return result


def _numbers(prediction):
    if isinstance(prediction, list):
        return [data_of(output) for output in prediction]
    return data_of(prediction)


def _parameter_data(parameters, native_step):
    """The parameters' numbers now: the native step's buffer while it holds them."""
    return [p.data for p in parameters] if native_step is None else native_step.data[:]


def _count_correct(predict, predictions, targets):
    return sum(predict(prediction) == target for prediction, target in zip(predictions, targets))


def fit(model, X, y, loss, optimizer, epochs: int, batch_size: int | None = None,
        lr_schedule=None, progress: bool = True, seed=None, *, l2: float = 0.0,
        predict=None, compile: bool | str = False) -> History:
    """Train ``model`` on ``(X, y)``: one update per batch, ``epochs`` times over the data.

    ``loss(prediction, target)`` is a per-example loss (e.g.
    ``nn.losses.hinge``); a batch's loss is its mean, plus
    ``l2 * Σ p²`` over the model's parameters when ``l2 > 0`` (micrograd's
    demo: ``l2=1e-4``). ``batch_size`` picks the kind of gradient descent
    (1 stochastic, ``None`` batch, between: mini-batch); rows are shuffled
    each epoch from ``seed``. ``lr_schedule(step)``, if given, sets
    ``optimizer.lr`` before each update (see :mod:`nn.schedules`).

    Accuracy is the fraction of examples with ``predict(prediction) ==
    target``; ``predict`` defaults to the loss's own rule (``loss.predict``:
    sign for hinge, > 0.5 for binary cross-entropy, argmax for
    cross-entropy). Without one (mse) accuracy is recorded as None.

    ``compile=True`` computes each batch's loss and gradients with
    :class:`nn.compiled.CompiledLossAndGradients`: the per-example loss is traced once
    (once per label) and replayed as straight-line Python, many times
    faster than eager, with the same loss curve to rounding and the same
    accuracy; its docstring says what a trace can and cannot follow.
    ``compile="c"`` replays the traces as native code (``autograd.compile``'s
    C backend): the same again, faster still.

    ``progress`` shows a tqdm bar when tqdm is installed: epoch, the last
    batch's data loss (named after the loss, ``hinge=``), its objective with
    the L2 penalty (``objective=``, when ``l2 > 0``) and its accuracy.
    Training records its graph even inside ``no_grad()``. Returns a :class:`History`.
    """
    checked_int("epochs", epochs)
    l2 = checked_number("l2", l2)
    X, y = checked_rows(_as_list("X", X)), _as_list("y", y)
    _check_labels(y)
    _check_training_pieces(model, loss, optimizer)
    predict = predict if predict is not None else getattr(loss, "predict", None)
    rng = generator(seed)
    epoch_batches = batches(X, y, batch_size, seed=rng)  # checks X, y and batch_size
    _dry_run(model, X, y, loss, predict)
    # NOTE: the parameter `compile` hides autograd's compile in this function,
    # which only passes the choice on.
    if compile not in (False, True, "c"):
        raise ValueError(f"fit() compile must be False, True or 'c', got {compile!r}")
    if compile:
        backpropagate = CompiledLossAndGradients(model, loss, l2,
                                                 "c" if compile == "c" else "python")
    else:
        backpropagate = functools.partial(loss_and_gradients, model, loss=loss, l2=l2)
    # NOTE: with plain SGD the C backend takes the whole step natively, the
    # parameters in a flat buffer until training ends.
    parameters = model.parameters()
    native_step = (NativeSGDStep(backpropagate, optimizer)
                   if compile == "c" and NativeSGDStep.handles(optimizer, parameters) else None)
    history = History(loss_name=_name_of(loss), l2=l2)
    bar = _progress_bar(epochs * len(epoch_batches), progress)
    try:
        for epoch in range(1, epochs + 1):
            if epoch > 1:
                epoch_batches = batches(X, y, batch_size, seed=rng)
            for inputs, targets in epoch_batches:
                if lr_schedule is not None:
                    optimizer.lr = checked_number(
                        f"lr_schedule({history.steps})",
                        lr_schedule(history.steps))
                where = f"epoch {epoch}, step {history.steps + 1}"
                # NOTE: the penalty of the parameters the step starts from:
                # the objective's own, so objective - penalty is the data
                # loss (to the rounding of one subtraction; exact without L2).
                penalty = l2_penalty(_parameter_data(parameters, native_step), l2) if l2 else 0.0
                if native_step is None:
                    objective, predictions = _step(backpropagate, parameters, inputs, targets,
                                                   optimizer, where)
                else:
                    with enable_grad():
                        objective, predictions = native_step(inputs, targets, where)
                correct = _count_correct(predict, predictions, targets) if predict else None
                history.record_step(objective, objective - penalty, correct, len(targets),
                                    getattr(optimizer, "lr", None))
                if bar is not None:
                    bar.set_postfix(history.progress(epoch, epochs), refresh=False)
                    bar.update()
            history.record_epoch(measured_accuracy=predict is not None)
    except KeyboardInterrupt as interrupt:
        raise TrainingInterrupted(history) from interrupt
    finally:
        if native_step is not None:
            native_step.store()
        if bar is not None:
            bar.close()
    return history


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`nn.fit`: ``history`` holds the steps made, and the
    model their parameters (a step cut short is undone)."""

    def __init__(self, history: History):
        super().__init__(f"training interrupted after {history.steps} whole steps; the model "
                         f"keeps the parameters of the last one")
        self.history = history


def _as_list(name, data):
    """``data`` as a list (numpy arrays and tensors through ``tolist()``)."""
    if hasattr(data, "tolist"):
        data = data.tolist()
    if data is None or isinstance(data, (str, bytes, dict)) or not hasattr(data, "__iter__"):
        raise TypeError(
            f"fit() {name} must be a list (or an array) of "
            f"{'rows of numbers' if name == 'X' else 'labels'}, got {type(data).__name__}")
    return list(data)


def _check_labels(y):
    """A NaN or infinity among the labels, named by its row."""
    for index, label in enumerate(y):
        if is_number(label) and not math.isfinite(label):
            raise ValueError(f"y[{index}] is {label}: labels must be finite; drop that row")


def _check_training_pieces(model, loss, optimizer):
    """A callable loss, and an optimizer of this model's parameters."""
    if not callable(loss):
        raise TypeError(
            f"fit() loss must be a function loss(prediction, target), e.g. "
            f"nn.losses.hinge, got {type(loss).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"fit() optimizer must be an nn.optim optimizer, e.g. "
            f"optim.SGD(model.parameters(), lr=0.1), got {type(optimizer).__name__}")
    parameters = set(model.parameters())
    if not any(parameter in parameters for parameter in optimizer.params):
        raise ValueError(
            f"the optimizer holds none of this model's parameters (built on another "
            f"model, or before its layers were replaced?): build it with "
            f"{type(optimizer).__name__}(model.parameters(), ...)")


def _dry_run(model, X, y, loss, predict):
    """Every row through the model and the loss before any update: a bad
    row, label or loss raises here, naming it."""
    with no_grad():
        first = loss(model(X[0]), y[0])
    if not isinstance(first, Value):
        raise TypeError(
            f"the loss returned {type(first).__name__}, not a Value: build it from the "
            f"prediction with Value operations (not math functions, .data or float())")
    try:
        evaluate(model, X, y, loss)
    except ArithmeticError as error:
        raise FloatingPointError(
            f"training cannot start: the loss could not be computed ({error}); check the "
            f"data and the loss") from error
    if predict is not None:
        with no_grad():
            predict(model(X[0]))


def _name_of(loss):
    """The loss's name for labels: ``hinge``; ``loss`` for a lambda."""
    name = getattr(loss, "__name__", "")
    return name if name.isidentifier() else "loss"


def _step(backpropagate, parameters, inputs, targets, optimizer, where):
    """zero_grad, backpropagation, gradient descent; or FloatingPointError, model untouched."""
    optimizer.zero_grad()
    try:
        with enable_grad():
            loss_value, predictions = backpropagate(inputs, targets)
    except ArithmeticError as error:
        raise _stopped(where, f"the loss could not be computed ({error})") from error
    if not math.isfinite(loss_value):
        raise _stopped(where, non_finite_loss(loss_value))
    # NOTE: the optimizer's state (momentum buffers, Adam's step count) moves
    # with an update, so a failed update puts it back too. Its entries are
    # floats, replaced rather than changed in place: copying each dict is enough.
    before = [p.data for p in parameters]
    state_before = {parameter: dict(state) for parameter, state in optimizer.state.items()}
    optimizer.step()
    if not all(math.isfinite(p.data) for p in parameters):
        for parameter, value in zip(parameters, before):
            parameter.data = value
        optimizer.state = state_before
        raise _stopped(where, f"the update made a parameter non-finite (loss {loss_value})")
    return loss_value, predictions


def non_finite_loss(loss_value) -> str:
    """What a non-finite loss means, for ``_stopped``: an overflow to
    ±inf (results too large for a float are inf: docs/how-it-works/ops.md#overflow) or NaN."""
    if math.isinf(loss_value):
        return (f"the loss overflowed to {loss_value} (a value beyond the largest float, "
                f"about 1.8e308)")
    return f"the loss is {loss_value} (not a number: inf - inf, 0 * inf or a NaN input)"


def _stopped(where, problem):
    return FloatingPointError(
        f"training stopped at {where}: {problem}; the model keeps its last finite "
        f"parameters. Try a smaller learning rate.")


def _progress_bar(total, enabled):
    """A tqdm bar (tqdm.auto: a widget in notebooks), or None when off or not installed."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="step", dynamic_ncols=True)


def evaluate(model, X, y, loss, predict=None):
    """``(mean loss, accuracy)`` of ``model`` on ``(X, y)``, without recording a graph.

    ``predict`` as in :func:`fit`; accuracy is None without one.
    """
    predict = predict if predict is not None else getattr(loss, "predict", None)
    with no_grad():
        predictions = [model(x) for x in X]
        mean = data_of(mean_loss(loss, predictions, y))
    return mean, (_count_correct(predict, predictions, y) / len(y) if predict else None)
