"""One training step: the only place in chainrule where a step is written.

>>> from nn import MLP, Step, data, losses, optim
>>> X, y = data.make_moons(100, noise=0.1, seed=0)
>>> model = MLP(2, [16, 16, 1], seed=0)
>>> step = Step(model, losses.hinge, optim.SGD(model.parameters(), lr=0.1),
...             X, [2 * label - 1 for label in y], l2=1e-4)
>>> result = step()              # every row, in order: batch gradient descent
>>> result = step([3, 0, 7])     # rows 3, 0 and 7: a mini-batch
>>> step.steps, result.size
(2, 3)

A step, on the rows it is given:

1. ``optimizer.zero_grad()``;
2. **backpropagation**: the forward pass over the rows, the objective
   ``mean(loss(model(x), target)) + l2 · Σ p²`` and ``backward()``, so every
   ``p.grad`` holds d(objective)/dp;
3. **gradient descent**: ``optimizer.step()`` at ``optimizer.lr`` (set it
   before the step to follow a schedule).

:func:`nn.fit`, the playground, ``chainrule train`` and the benchmarks all
train through this class; :func:`nn.data.batch_order` gives the rows of each
epoch's batches.

The contract:

* **Atomic.** A step updates the parameters and the optimizer's state, or
  raises :class:`TrainingStopped` and leaves both as they were: when the
  loss cannot be computed, is not finite, or the update would make a
  parameter non-finite.
* **What it returns.** A :class:`StepResult`: the objective, the data loss
  (the mean loss alone) and how many rows were predicted right (``None``
  without a ``predict`` rule), all measured on the forward pass the gradient
  comes from, before the update.
* **What it records.** ``steps``, the number of updates made.
* **The data.** ``X`` and ``y`` are checked once, when the step is built
  (a NaN is named by its row and column); a native engine copies them into
  native memory then, so a step passes only the numbers of its rows.
* **The engine** (``engine=``, one of :data:`ENGINES`) computes step 2, and
  with native code all three: ``"eager"`` builds and backpropagates the
  graph (the real thing, slowest); ``"python"`` replays each example's loss
  traced once by :func:`autograd.compile` as straight-line Python;
  ``"c"`` replays it as native code and, where the optimizer declares a
  native update, takes the whole step in C; ``"auto"`` is ``"c"`` where a
  C compiler is found, else ``"python"``. All give the same losses and
  gradients up to rounding. ``Step.engine`` says which one runs. While a
  native step holds the parameters, :meth:`sync` writes them back to the
  model (:func:`nn.fit` does when training ends or stops), and
  :meth:`reload` reads them in again after they were changed by hand.
"""

from __future__ import annotations

import gc
import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

from autograd import data_of, enable_grad
from autograd.extend import NativeUnavailable, has_compiler, is_number

from ._arguments import checked_number
from .compiled import CompiledLossAndGradients, NativeTracedStep
from .data import checked_rows
from .losses import l2_penalty, mean_loss
from .native import NativeMLPStep
from .optim import Optimizer

#: The engines a step can run on, from the CLI's ``--engine`` down.
ENGINES = ("eager", "python", "c", "auto")

# The spellings of ``fit(compile=...)`` and ``chainrule train --compile``,
# kept for one release.
_COMPILE_SPELLINGS = {False: "eager", None: "eager", True: "python", "python": "python",
                      "c": "c"}

# Whole steps in native code, tried in order: each says why it cannot take a
# model, loss and optimizer (or None when it can), is made for a Step by its
# made_for(step), and names the engine a step it refuses is replayed on. The
# MLP's loops first (nn.native), then the traces (nn.compiled).
NATIVE_STEPS = [NativeMLPStep, NativeTracedStep]


def checked_engine(engine=None, compile=None, caller: str = "fit()") -> str:
    """The engine named by ``engine=`` (one of :data:`ENGINES`) or by the
    older ``compile=`` spelling (``False``, ``True``, ``"c"``; a
    ``DeprecationWarning``); ``"auto"`` resolved to ``"c"`` or ``"python"``."""
    if compile is not None:
        if engine is not None:
            raise ValueError(f"{caller} takes engine= or compile=, not both: use engine=")
        if compile not in _COMPILE_SPELLINGS or isinstance(compile, int) and compile not in (
                True, False):
            raise ValueError(f"{caller} compile must be False, True or 'c', got {compile!r}; "
                             f"it is now spelled engine='eager' | 'python' | 'c' | 'auto'")
        engine = _COMPILE_SPELLINGS[compile]
        warnings.warn(f"{caller} compile={compile!r} is now engine={engine!r}",
                      DeprecationWarning, stacklevel=3)
    engine = "eager" if engine is None else engine
    if engine not in ENGINES:
        raise ValueError(f"{caller} engine must be one of {', '.join(map(repr, ENGINES))}, "
                         f"got {engine!r}")
    if engine == "auto":
        return "c" if has_compiler() else "python"
    return engine


@dataclass(frozen=True)
class StepResult:
    """What one step measured, before its update: the ``objective`` it
    minimised (data loss + L2 penalty), the ``data_loss`` (the rows' mean
    loss), how many rows were ``correct`` (None without a predict rule) and
    how many rows it took (``size``)."""

    objective: float
    data_loss: float
    correct: int | None
    size: int


class TrainingStopped(FloatingPointError):
    """A step refused: the loss could not be computed or is not finite, or
    the update would make a parameter non-finite. ``step`` is the step's
    number (1 for the first); the model and the optimizer are as they were
    before it."""

    def __init__(self, where: str, step: int, problem: str):
        super().__init__(f"training stopped at {where}: {problem}; the model keeps its last "
                         f"finite parameters. Try a smaller learning rate.")
        self.step = step


class Step:
    """One training step of ``model`` on rows of ``(X, y)``: see the module's docstring.

    ``loss(prediction, target)`` is a per-example loss (``nn.losses.hinge``);
    ``l2`` adds ``l2 · Σ p²`` over the model's parameters; ``predict`` turns
    a prediction into a label for accuracy (default: the loss's own rule).
    Call it with the rows of a batch (indices into ``X``; None for all, in
    order) for a :class:`StepResult`.
    """

    def __init__(self, model, loss, optimizer, X, y, *, l2: float = 0.0,
                 engine: str = "eager", predict=None):
        self.X = checked_rows(as_list("X", X))
        self.y = checked_labels(as_list("y", y), len(self.X))
        check_training_pieces(model, loss, optimizer)
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.l2 = checked_number("l2", l2)
        self.predict = predict if predict is not None else getattr(loss, "predict", None)
        self.all_rows = range(len(self.X))
        self.parameters = model.parameters()
        self.steps = 0
        self.engine = checked_engine(engine, caller="Step()")
        self.native = None
        if self.engine == "eager":
            self.backpropagate = EagerLossAndGradients(model, loss, self.l2)
        else:
            self.backpropagate = CompiledLossAndGradients(model, loss, self.l2, self.engine)
            if self.engine == "c":
                self.native = self._native_step()
                if self.native is None and not has_compiler():
                    self.engine = "python"  # compile(backend="c") has said why, once

    def _native_step(self):
        for native_step in NATIVE_STEPS:
            if native_step.unsupported(self.model, self.loss, self.optimizer,
                                       self.predict) is None:
                try:
                    native = native_step.made_for(self)
                except NativeUnavailable as reason:  # the compiler refused its source
                    warnings.warn(f"{native_step.__name__} does not run here ({reason}); "
                                  f"the step takes the next engine", RuntimeWarning,
                                  stacklevel=3)
                    continue
                if native.replays_on == "eager":
                    self.backpropagate = EagerLossAndGradients(self.model, self.loss, self.l2)
                return native
        return None

    def __call__(self, rows=None, *, epoch: int | None = None) -> StepResult:
        """One update on ``rows`` (indices into ``X``; None: every row in
        order). ``epoch``, if given, is named with the step in a refusal
        (``training stopped at epoch 3, step 12: ...``)."""
        if rows is not None and rows == self.all_rows:
            rows = None
        size = len(self.y) if rows is None else len(rows)
        if self.native is not None:
            measured = self.native(rows)
            if measured is not None:
                self.steps += 1
                return StepResult(*measured, size)
            # NOTE: native code met a value Python refuses, or a non-finite
            # one: the step is replayed on the Python path, which raises the
            # table's own error or computes what eager code computes.
            self.native.sync()
            try:
                return self._python_step(rows, size, epoch)
            finally:
                self.native.reload()
        return self._python_step(rows, size, epoch)

    def sync(self):
        """Write a native step's parameters and optimizer state back to the
        model and the optimizer (nothing to do on the other engines)."""
        if self.native is not None:
            self.native.sync()

    def reload(self):
        """Read the model's parameters and the optimizer's state into a
        native step's memory, after changing them by hand (nothing to do on
        the other engines, which read them at every step)."""
        if self.native is not None:
            self.native.reload()

    def _python_step(self, rows, size, epoch) -> StepResult:
        if rows is None:
            inputs, targets = self.X, self.y
        else:
            X, y = self.X, self.y
            inputs, targets = [X[i] for i in rows], [y[i] for i in rows]
        optimizer, parameters = self.optimizer, self.parameters
        optimizer.zero_grad()
        try:
            with enable_grad():
                objective, data_loss, predictions = self.backpropagate(inputs, targets)
        except ArithmeticError as error:
            raise self._stopped(epoch, f"the loss could not be computed ({error})") from error
        if not math.isfinite(objective):
            raise self._stopped(epoch, non_finite_loss(objective))
        # NOTE: the optimizer's state (momentum buffers, Adam's step count)
        # moves with an update, so a refused update puts it back too. Its
        # entries are floats, replaced rather than changed in place: copying
        # each dict is enough.
        before = [p.data for p in parameters]
        state_before = {parameter: dict(state) for parameter, state in optimizer.state.items()}
        optimizer.step()
        if not all(math.isfinite(p.data) for p in parameters):
            for parameter, value in zip(parameters, before):
                parameter.data = value
            optimizer.state = state_before
            raise self._stopped(epoch, f"the update made a parameter non-finite (loss "
                                       f"{objective})")
        self.steps += 1
        predict = self.predict
        correct = (None if predict is None else
                   sum(predict(p) == t for p, t in zip(predictions, targets)))
        return StepResult(objective, data_loss, correct, size)

    def _stopped(self, epoch, problem) -> TrainingStopped:
        step = self.steps + 1
        where = f"step {step}" if epoch is None else f"epoch {epoch}, step {step}"
        return TrainingStopped(where, step, problem)


def non_finite_loss(loss_value) -> str:
    """What a non-finite loss means: an overflow to ±inf (results too large
    for a float are inf, docs/how-it-works/ops.md#overflow) or NaN."""
    if math.isinf(loss_value):
        return (f"the loss overflowed to {loss_value} (a value beyond the largest float, "
                f"about 1.8e308)")
    return f"the loss is {loss_value} (not a number: inf - inf, 0 * inf or a NaN input)"


@contextmanager
def cyclic_collector_paused():
    """Python's cyclic garbage collector off while one step's graph lives."""
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


class EagerLossAndGradients:
    """Backpropagation on the real graph, for a batch:
    ``(objective, data loss, predictions)``, plain numbers.

    Builds ``mean(loss(model(x), target)) + l2 · Σ p²`` and, if its value is
    finite, calls ``backward()`` so every parameter's ``grad`` holds
    d(objective)/dp (start from cleared gradients: zero_grad first). The
    predictions come back as floats (a list of floats per example for
    several outputs), so the graph is freed on return.
    """

    def __init__(self, model, loss, l2: float = 0.0):
        self.model, self.loss, self.l2 = model, loss, l2

    def __call__(self, inputs, targets):
        model = self.model
        with cyclic_collector_paused():
            predictions = [model(x) for x in inputs]
            data_loss = mean_loss(self.loss, predictions, targets)
            objective = data_loss
            if self.l2:
                objective = data_loss + l2_penalty(model.parameters(), self.l2)
            if math.isfinite(objective.data):
                objective.backward()
            result = (objective.data, data_of(data_loss),
                      [_numbers(prediction) for prediction in predictions])
            # NOTE: the graph is freed here, while the collector is still
            # paused; alive when it resumes, it would be walked once more.
            del predictions, data_loss, objective
            return result


def _numbers(prediction):
    if isinstance(prediction, list):
        return [data_of(output) for output in prediction]
    return data_of(prediction)


def as_list(name, data):
    """``data`` as a list (numpy arrays and tensors through ``tolist()``)."""
    if hasattr(data, "tolist"):
        data = data.tolist()
    if data is None or isinstance(data, (str, bytes, dict)) or not hasattr(data, "__iter__"):
        raise TypeError(
            f"{name} must be a list (or an array) of "
            f"{'rows of numbers' if name == 'X' else 'labels'}, got {type(data).__name__}")
    return list(data)


def checked_labels(y, rows: int) -> list:
    """``y`` if it has one finite label per row (a NaN or infinity named by its row)."""
    if len(y) != rows:
        raise ValueError(f"X has {rows} rows but y has {len(y)} labels")
    if not y:
        raise ValueError("no data: X and y are empty")
    for index, label in enumerate(y):
        if is_number(label) and not math.isfinite(label):
            raise ValueError(f"y[{index}] is {label}: labels must be finite; drop that row")
    return y


def check_training_pieces(model, loss, optimizer):
    """A callable loss, and an optimizer of this model's parameters."""
    if not callable(loss):
        raise TypeError(
            f"the loss must be a function loss(prediction, target), e.g. "
            f"nn.losses.hinge, got {type(loss).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"the optimizer must be an nn.optim optimizer, e.g. "
            f"optim.SGD(model.parameters(), lr=0.1), got {type(optimizer).__name__}")
    parameters = set(model.parameters())
    if not any(parameter in parameters for parameter in optimizer.params):
        raise ValueError(
            f"the optimizer holds none of this model's parameters (built on another "
            f"model, or before its layers were replaced?): build it with "
            f"{type(optimizer).__name__}(model.parameters(), ...)")

