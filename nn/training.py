"""The training loop: one :class:`nn.Step` per batch, ``epochs`` times over the data.

:func:`fit` draws each epoch's batches (:func:`nn.data.batch_order`), sets
the learning rate from the schedule, takes a :class:`~nn.step.Step` per
batch and records what it measured in a :class:`History`. The three kinds
of gradient descent differ only by ``batch_size`` (see :mod:`nn.data`): 1
is stochastic, ``None`` is batch, in between is mini-batch. The step itself
(zero_grad, backpropagation, the update, and the engine that computes them)
is written once, in :mod:`nn.step`.

Guarantees: arguments are checked before the first update (the data row
by row: a NaN is named by its row and column; every label by the loss's
``check``: a 2 for hinge is named); a loss that is not finite
(or an update that would make a parameter non-finite) stops training with
:class:`~nn.step.TrainingStopped` (a ``FloatingPointError``) naming the
step, and the model keeps the last parameters that were finite. Ctrl-C
stops it with :class:`TrainingInterrupted` (a ``KeyboardInterrupt``), the
model as of the last whole step: a step is all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autograd import Value, data_of, no_grad

from ._arguments import checked_int, checked_number, generator
from .data import batch_order
from .losses import mean_loss
from .step import EagerLossAndGradients, Step, StepResult, checked_engine


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

    def record_step(self, measured: StepResult, lr) -> None:
        """One update: what its step measured, and its learning rate."""
        objective, data_loss, correct, size = (measured.objective, measured.data_loss,
                                               measured.correct, measured.size)
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


def loss_and_gradients(model, inputs, targets, loss, l2: float = 0.0):
    """Backpropagation for one batch: ``(objective, predictions)``, plain numbers.

    Builds the graph of ``mean(loss(model(x), target)) + l2 * Σ p²`` and,
    if its value is finite, calls ``backward()`` so every parameter's
    ``grad`` holds d(objective)/dp (parameters must start at 0: zero_grad
    first). The predictions come back as floats, so the graph is freed on
    return. :class:`nn.Step` takes whole steps with it (its eager engine).
    """
    objective, _, predictions = EagerLossAndGradients(model, loss, l2)(inputs, targets)
    return objective, predictions


def fit(model, X, y, loss, optimizer, epochs: int, batch_size: int | None = None,
        lr_schedule=None, progress: bool = True, seed=None, *, l2: float = 0.0,
        predict=None, engine: str | None = None, shuffle: bool | None = None,
        compile=None) -> History:
    """Train ``model`` on ``(X, y)``: one :class:`~nn.step.Step` per batch,
    ``epochs`` times over the data.

    ``loss(prediction, target)`` is a per-example loss (e.g.
    ``nn.losses.hinge``); a batch's loss is its mean, plus
    ``l2 * Σ p²`` over the model's parameters when ``l2 > 0`` (micrograd's
    demo: ``l2=1e-4``). ``batch_size`` picks the kind of gradient descent
    (1 stochastic, ``None`` batch, between: mini-batch). The rows of
    mini-batches are shuffled each epoch from ``seed``; a full batch is
    taken in order (``shuffle=True`` shuffles it too, ``False`` never).
    ``lr_schedule(step)``, if given, sets ``optimizer.lr`` before each update
    (see :mod:`nn.schedules`).

    Accuracy is the fraction of examples with ``predict(prediction) ==
    target``; ``predict`` defaults to the loss's own rule (``loss.predict``:
    sign for hinge, > 0.5 for binary cross-entropy, argmax for
    cross-entropy). Without one (mse) accuracy is recorded as None.

    ``engine`` is the step's (:data:`nn.step.ENGINES`): ``"eager"`` (the
    default: the real graph, built and backpropagated), ``"python"`` (each
    example's loss traced once and replayed as straight-line Python, many
    times faster, the same curve to rounding), ``"c"`` (the traces as native
    code, and the whole step in C where the optimizer has a native update),
    ``"auto"`` (``"c"`` where a C compiler is found, else ``"python"``).
    ``compile=False | True | "c"`` is the older spelling of
    ``engine="eager" | "python" | "c"``.

    ``progress`` shows a tqdm bar when tqdm is installed: epoch, the last
    batch's data loss (named after the loss, ``hinge=``), its objective with
    the L2 penalty (``objective=``, when ``l2 > 0``) and its accuracy.
    Training records its graph even inside ``no_grad()``. Returns a :class:`History`.
    """
    checked_int("epochs", epochs)
    engine = checked_engine(engine, compile)
    step = Step(model, loss, optimizer, X, y, l2=l2, engine=engine, predict=predict)
    X, y = step.X, step.y
    rng = generator(seed)
    batch_order(len(X), batch_size, shuffle=False)  # checks batch_size before anything runs
    _dry_run(model, X, y, loss, step.predict)
    history = History(loss_name=_name_of(loss), l2=step.l2)
    steps_per_epoch = -(-len(X) // (batch_size or len(X)))
    bar = _progress_bar(epochs * steps_per_epoch, progress)
    epoch_rows = batch_order(len(X), batch_size, shuffle, rng)
    shuffled = not isinstance(epoch_rows[0], range)  # else the same order every epoch
    try:
        for epoch in range(1, epochs + 1):
            if epoch > 1 and shuffled:
                epoch_rows = batch_order(len(X), batch_size, shuffle, rng)
            for rows in epoch_rows:
                if lr_schedule is not None:
                    optimizer.lr = checked_number(
                        f"lr_schedule({history.steps})",
                        lr_schedule(history.steps))
                measured = step(rows, epoch=epoch)
                history.record_step(measured, optimizer.lr)
                if bar is not None:
                    bar.set_postfix(history.progress(epoch, epochs), refresh=False)
                    bar.update()
            history.record_epoch(measured_accuracy=step.predict is not None)
    except KeyboardInterrupt as interrupt:
        raise TrainingInterrupted(history) from interrupt
    finally:
        step.sync()
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


def _dry_run(model, X, y, loss, predict):
    """The first row through the model, the loss and ``predict``, and every
    label through the loss's check, before any update: a bad row, label or
    loss raises here, naming it. (A loss without a ``check``, a plain
    function, is run on every row: there is no other way to try its labels.)"""
    with no_grad():
        prediction = model(X[0])
        first = loss(prediction, y[0])
    if not isinstance(first, Value):
        raise TypeError(
            f"the loss returned {type(first).__name__}, not a Value: build it from the "
            f"prediction with Value operations (not math functions, .data or float())")
    check = getattr(loss, "check", None)
    if check is not None:
        for target in y:
            check(prediction, target)
    else:
        try:
            evaluate(model, X, y, loss)
        except ArithmeticError as error:
            raise FloatingPointError(
                f"training cannot start: the loss could not be computed ({error}); check "
                f"the data and the loss") from error
    if predict is not None:
        with no_grad():
            predict(prediction)


def _name_of(loss):
    """The loss's name for labels: ``hinge``; ``loss`` for a lambda."""
    name = getattr(loss, "__name__", "")
    return name if name.isidentifier() else "loss"


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
    correct = sum(predict(p) == t for p, t in zip(predictions, y)) if predict else 0
    return mean, (correct / len(y) if predict else None)
