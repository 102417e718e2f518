"""One playground run: a model training step by step, and what the page shows of it.

A :class:`Session` is one browser tab's run. It holds the data, the model,
the optimizer and the order of the batches, all made from the
:class:`~nn.playground.settings.Settings` and their seed, so a reset (or
the same settings in another tab) replays the run exactly. It takes the
steps ``nn.fit`` takes, in ``fit``'s order:

* the batches of each epoch are :func:`nn.data.batch_order`'s, drawn from
  one generator seeded by the seed, as ``fit`` draws them;
* each update is a :class:`nn.Step` (zero_grad, the loss and its
  gradients, ``optimizer.step()``); a loss or an update that is not finite
  stops the run with the step's message and keeps the last finite model;
* the learning rate is the schedule's (``chainrule train``'s decay) until
  the page sets it by hand.

So with settings ``chainrule train`` can express, the model after E epochs
is the one ``chainrule train ... --epochs E --engine python`` trains.

While the session plays, each :meth:`~Session.play_slice` takes the steps
of one frame interval (at most ``steps_per_second``) and publishes a
:meth:`~Session.frame` (as does each single step): the decision boundary on
a grid, the loss curves, every parameter with its gradient and optimizer
state. Page actions arrive as :meth:`~Session.act` calls, checked here.

One session, two transports. :class:`Session` has no thread and no I/O:
the same class runs in both modes of the page. The local server
(:mod:`~nn.playground.server`) wraps it in a :class:`ThreadedSession`, whose
thread plays the slices and whose :meth:`~ThreadedSession.wait_for_frame`
feeds a page's event stream; the static page runs it in Pyodide in a Web
Worker (``static/worker.js``), which has no threads and calls
:meth:`~Session.play_slice` from a timer.

The engine. Steps run on the step engine ``ENGINE`` (``"python"``: each
example's loss traced once by ``autograd.compile`` and replayed), and the
boundary grid on the model's forward pass compiled for the same backend;
``ENGINE = "c"`` runs both as native code.
"""

from __future__ import annotations

import collections
import itertools
import json
import math
import random
import sys
import threading
import time
from dataclasses import replace

from autograd import Value, backward_captions, backward_steps, compile, data_of, topological_order

from ..data import INPUT_FEATURES, batch_order, with_features
from ..losses import l2_penalty, softmax
from ..modules import MLP
from ..schedules import LinearDecay
from ..serialization import dumps
from ..step import Step
from .settings import (
    YOUR_PLANE,
    Settings,
    build_problem,
    make_optimizer,
    parse_settings,
    points_from_csv,
    python_script,
    shown,
    train_command,
)

ENGINE = "python"

FRAME_SECONDS = 0.2       # a frame at most this often while playing
NEURON_SIDE = 14          # each neuron's picture: 14 x 14 points of the boundary's grid
# The boundary's grid: every point of it, every third row and column the neurons'
# (40 x 40), as long as its forward passes cost at most what 2-16-16-1's do there
# (points x parameters); a larger network's is coarser, 27 x 27 then 14 x 14.
PICTURE_BUDGET = 40 * 40 * 337
PICTURE_SHARE = 0.25      # while playing, the pictures take at most this share of the time
MAX_CURVE_POINTS = 400    # curves are thinned to at most this many points
MAX_DRAWN_VALUES = 400    # a point's graph is drawn up to this many values
MAX_CHECKED_PARAMETERS = 600  # a point's gradients checked by finite differences, all up to this
FINITE_STEP = 1e-5        # the central difference's relative step
RATE_WINDOW_SECONDS = 2.0
MAX_EDITED_PARAMETER = 100.0  # a parameter set by hand stays within ± this
BREATH_SECONDS = 0.002    # the play thread lets go of the session at least this long a slice


def json_text(value) -> str:
    """``value`` as JSON, every non-finite float spelled out ("NaN"), which JSON cannot hold."""
    return json.dumps(_jsonable(value))


def _jsonable(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value).replace("inf", "Infinity").replace("nan", "NaN")
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value


def runtime() -> str:
    """Which Python runs the session, and what that leaves out, in the page's words."""
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.platform == "emscripten":
        return (f"Python {version} compiled to WebAssembly (Pyodide) in this browser; "
                f"native C steps (engine c) need chainrule installed on a computer with a "
                f"C compiler")
    return f"Python {version} on this computer (chainrule playground's local server)"


class Session:
    """One tab's run: no thread, no I/O (see the module for who drives it)."""

    def __init__(self, settings: Settings):
        self._frame_number = 0
        self._frame = None
        self._frame_seconds = 0.0  # how long the latest frame of play took to make
        self._graphs = {}
        self._graph_ids = itertools.count(1)
        self._configure(settings)

    # --- building a run -------------------------------------------------------------

    def _configure(self, settings: Settings):
        """(Re)start the run from ``settings``: step 0, fresh weights from the seed."""
        problem = build_problem(settings)  # first: if it fails, nothing has changed
        self.settings, self.problem = settings, problem
        self.model = MLP(len(settings.features), [*settings.hidden, problem.outputs],
                         activation=settings.activation, seed=settings.seed)
        self.parameters = self.model.parameters()
        self.names = [name for name, _ in self.model.named_parameters()]
        self.optimizer = make_optimizer(settings, self.parameters)
        # NOTE: no step without training points (your own data set, cleared):
        # the model is drawn, and play and step say what to do.
        self.training_step = Step(self.model, problem.loss, self.optimizer,
                                  problem.train_inputs, problem.train_targets,
                                  l2=settings.l2, engine=ENGINE) if problem.train_inputs else None
        # NOTE: one compiled forward pass gives every neuron's output (the network
        # view's pictures); the model's output is its last layer's.
        layers = self.model.layers

        def every_neuron(*features):
            outputs, inputs = [], list(features)
            for layer in layers:
                inputs = layer.forward(inputs)
                outputs += inputs
            return 0.0, outputs

        self.forward = compile(every_neuron, self.parameters, has_aux=True,
                               backend="c" if self._engine() == "c" else "python")
        steps_per_epoch = math.ceil(len(problem.train_inputs)
                                    / (settings.batch_size or len(problem.train_inputs)))
        self.schedule = (LinearDecay(settings.lr, settings.lr / 10,
                                     settings.epochs * steps_per_epoch)
                         if settings.lr_schedule == "decay" else None)
        self._shuffler = random.Random(settings.seed)
        self._epoch_rows = collections.deque()
        self.epoch = 0
        self.steps = 0
        self.examples_seen = 0
        self.last_batch_objective = None
        self.lr_changed_at = None
        self.edited = []  # (step, name) of each parameter set by hand
        self.running = False
        self.error = None
        self.curves = []
        self._progress = collections.deque()  # (time, steps) while playing
        self._latest_pictures = None
        self._pictures_at = self._pictures_seconds = 0.0
        self._graphs.clear()
        self.bounds = _bounds(problem.train_points + problem.test_points,
                              YOUR_PLANE if settings.dataset == "yours" else None)
        self._measure()

    # --- actions (the page's buttons) ---------------------------------------------

    def act(self, action: str, body: dict):
        """Carry out a page's ``{"action": ...}`` with its ``body``: the answer (a dict or
        None). Anything the page may not ask is a ValueError saying what it may."""
        if not isinstance(action, str) or action not in ACTIONS:
            raise ValueError(f"unknown action {shown(action)}; the actions are "
                             f"{', '.join([*ACTIONS, 'close'])}")
        return ACTIONS[action](self, body)

    def _sync(self):
        if self.training_step is not None:
            self.training_step.sync()

    def _engine(self):
        """The engine the steps run on."""
        return ENGINE if self.training_step is None else self.training_step.engine

    def _needs_points(self):
        if self.training_step is None:
            raise ValueError("there are no training points: click the plane to add some "
                             "(shift-click for the other class), or upload a CSV file")

    def play(self):
        self._needs_points()
        if self.error is None and not self.running:
            self.running = True
            self._progress = collections.deque([(time.monotonic(), self.steps)])

    def pause(self):
        self.running = False
        self._measure()
        self._publish()

    def step(self):
        """One update (pausing first), then a frame."""
        self._needs_points()
        self.running = False
        self._take_step()
        self._measure()
        self._publish()

    def reset(self, settings: Settings | None = None):
        self._configure(settings or self.settings)
        self._publish()

    def set_lr(self, lr: float):
        """Set the learning rate by hand, from the next update on (the schedule stops)."""
        self.schedule = None
        self.optimizer.lr = lr
        self.lr_changed_at = self.steps
        self._publish()

    def set_parameter(self, name, value):
        """Set one parameter by hand (the network view's weight editor), while paused."""
        if self.running:
            raise ValueError("pause the training first: a parameter is edited while paused")
        if name not in self.names:
            raise ValueError(f"there is no parameter {shown(name)}; the network's are "
                             f"{self.names[0]} to {self.names[-1]}")
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not abs(value) <= MAX_EDITED_PARAMETER):
            raise ValueError(f"{name} must be a number from {-MAX_EDITED_PARAMETER} to "
                             f"{MAX_EDITED_PARAMETER}, got {shown(value)}")
        self._sync()
        self.parameters[self.names.index(name)].data = float(value)
        if self.training_step is not None and self.training_step.native is not None:
            self.training_step.native.reload()  # the edited value, into native memory
        self.edited.append((self.steps, name))
        self._measure()
        self._publish()

    def export(self) -> dict:
        """The model now, as the JSON ``nn.load`` reads; the run as a ``chainrule train``
        command and as a Python script."""
        self._sync()
        return {"model": dumps(self.model), "script": python_script(self.settings),
                **train_command(self.settings, self.lr_changed_at, self.edited)}

    def set_speed(self, steps_per_second: int):
        self.settings = replace(self.settings, steps_per_second=steps_per_second)

    def play_slice(self) -> float:
        """While playing: the updates of one frame interval (as many as
        ``steps_per_second`` allows, fewer if they take longer), then a frame. Returns
        the seconds left of the interval, which the caller waits before the next slice.

        NOTE: the interval is at least as long as the latest frame took to make, so
        a large network, whose frame takes longer than FRAME_SECONDS, still spends
        half its time or more on updates."""
        if not self.running:
            return 0.0
        interval = max(FRAME_SECONDS, 1.0 / self.settings.steps_per_second, self._frame_seconds)
        started = time.monotonic()
        for _ in range(max(1, round(self.settings.steps_per_second * interval))):
            if not self.running:
                break
            self._take_step()
            if time.monotonic() - started > interval:
                break
        framing = time.monotonic()
        self._measure()
        self._publish()
        self._frame_seconds = time.monotonic() - framing
        return max(0.0, interval - (time.monotonic() - started))

    # --- training -------------------------------------------------------------------

    def _next_rows(self):
        if not self._epoch_rows:
            # NOTE: the same generator and calls as fit's, so the same order.
            self._epoch_rows.extend(batch_order(len(self.problem.train_inputs),
                                                self.settings.batch_size, seed=self._shuffler))
            self.epoch += 1
        return self._epoch_rows.popleft()

    def _take_step(self):
        """One update, as fit takes it; a failure stops the run and is shown."""
        if self.error is not None:
            return
        if self.schedule is not None:
            self.optimizer.lr = self.schedule(self.steps)
        rows = self._next_rows()
        try:
            measured = self.training_step(rows, epoch=self.epoch)
        except (FloatingPointError, ValueError) as error:
            self.error = str(error)
            self.running = False
            return
        self.steps += 1
        self.examples_seen += measured.size
        self.last_batch_objective = measured.objective

    # --- what the page shows ----------------------------------------------------------

    def _neurons(self, inputs):
        """Every neuron's output for each of ``inputs``, layer after layer."""
        return [aux for _, aux in self.forward.map(inputs)] if inputs else []

    def _outputs(self, inputs):
        """The model's output for each of ``inputs``: a number, or a list for several."""
        count = self.problem.outputs
        return [neurons[-1] if count == 1 else neurons[-count:]
                for neurons in self._neurons(inputs)]

    def _evaluate(self, inputs, targets, labels):
        """``(data loss, objective, accuracy)`` on a set, or Nones for an empty one.

        Accuracy compares the class the boundary shows with the label, so
        it means the same for every loss (mse too); a regression task has
        none (None)."""
        if not inputs:
            return None, None, None
        outputs = self._outputs(inputs)
        data_loss = data_of(self.problem.loss(outputs, targets))
        penalty = l2_penalty([p.data for p in self.parameters], self.settings.l2)
        if self.problem.regression:
            return data_loss, data_loss + penalty, None
        correct = sum(_class_and_certainty(output)[0] == label
                      for output, label in zip(outputs, labels))
        return data_loss, data_loss + penalty, correct / len(inputs)

    def _measure(self):
        """Add a point to the curves: the losses on the whole train and test sets."""
        self._sync()  # a native step's parameters, to the model
        problem = self.problem
        try:
            train, test = (self._evaluate(inputs, targets, labels) for inputs, targets, labels in (
                (problem.train_inputs, problem.train_targets, problem.train_labels),
                (problem.test_inputs, problem.test_targets, problem.test_labels)))
        except ArithmeticError:  # outputs so large that the loss overflows: no point
            return
        point = {"steps": self.steps, "examples": self.examples_seen, "lr": self.optimizer.lr,
                 "train_loss": train[0], "train_objective": train[1], "train_accuracy": train[2],
                 "test_loss": test[0], "test_objective": test[1], "test_accuracy": test[2]}
        if self.curves and self.curves[-1]["steps"] == self.steps:
            self.curves[-1] = point
        else:
            self.curves.append(point)
        if len(self.curves) > MAX_CURVE_POINTS:
            # NOTE: every other point goes, the first and latest stay: the
            # curve keeps its whole span at half the resolution.
            self.curves = self.curves[:-1:2] + self.curves[-1:]

    def _rate(self):
        """Updates per second over the last few seconds of play, frames included
        (0 when paused): what the page really gets."""
        now = time.monotonic()
        progress = self._progress
        progress.append((now, self.steps))
        while len(progress) > 2 and now - progress[1][0] > RATE_WINDOW_SECONDS:
            progress.popleft()
        (start, first), (end, last) = progress[0], progress[-1]
        if not self.running or end <= start:
            return 0.0
        return (last - first) / (end - start)

    def _grid(self):
        """``(size, stride)``: the boundary's grid is size x size points, the neurons'
        pictures every stride-th row and column of it (see PICTURE_BUDGET)."""
        for stride in (3, 2):
            size = (NEURON_SIDE - 1) * stride + 1
            if size * size * len(self.parameters) <= PICTURE_BUDGET:
                return size, stride
        return NEURON_SIDE, 1

    def _pictures(self):
        """The boundary and the neurons' pictures (:meth:`_boundary`), made again while
        playing only once the latest took at most PICTURE_SHARE of the time since; so a
        large network's steps go on while its pictures wait (the server's and Pyodide's)."""
        now = time.monotonic()
        if (self.running and self._latest_pictures is not None
                and now - self._pictures_at < self._pictures_seconds / PICTURE_SHARE):
            return self._latest_pictures
        self._latest_pictures = self._boundary()
        self._pictures_at = now
        self._pictures_seconds = time.monotonic() - now
        return self._latest_pictures

    def _boundary(self):
        """The model on a grid over the data (:meth:`_grid`), row by row from the top.

        ``boundary``: per point the predicted class and how sure the model is
        (0 to 1), or for a regression task the predicted ``values``.
        ``neurons``: on every stride-th row and column of the grid, each input
        feature's value (``inputs``) and each neuron's output (layer after layer),
        the network view's pictures. The features of each grid point are computed
        from its (x, y), as the data's are."""
        (left, right), (bottom, top) = self.bounds
        grid, stride = self._grid()
        points = [[left + (right - left) * column / (grid - 1),
                   top - (top - bottom) * row / (grid - 1)]
                  for row in range(grid) for column in range(grid)]
        features = with_features(points, self.settings.features)
        every = self._neurons(features)
        count = self.problem.outputs
        if self.problem.regression:
            boundary = {"size": grid, "values": [_short(neurons[-1]) for neurons in every]}
        else:
            classes, certainty = [], []
            for neurons in every:
                label, sure = _class_and_certainty(neurons[-1] if count == 1
                                                   else neurons[-count:])
                classes.append(label)
                certainty.append(round(sure, 3))
            boundary = {"size": grid, "classes": classes, "certainty": certainty}
        boundary["at_step"] = self.steps
        cells = [row * grid + column for row in range(0, grid, stride)
                 for column in range(0, grid, stride)]
        neurons = [[_short(every[cell][neuron]) for cell in cells]
                   for neuron in range(len(every[0]))]
        inputs = [[_short(features[cell][feature]) for cell in cells]
                  for feature in range(len(self.settings.features))]
        return boundary, {"size": NEURON_SIDE, "outputs": neurons, "inputs": inputs}

    def _publish(self):
        """Make the frame the page sees next, and wake the event streams."""
        problem = self.problem
        state = self.optimizer.state
        boundary, neurons = self._pictures()
        self._frame = {
            "settings": self.settings.to_json(),
            "running": self.running,
            "error": self.error,
            "steps": self.steps,
            "epoch": self.epoch,
            "examples_seen": self.examples_seen,
            "train_size": len(problem.train_inputs),
            "lr": self.optimizer.lr,
            "batch_objective": self.last_batch_objective,
            "steps_per_second": round(self._rate(), 1),
            "engine": self._engine(),
            "runtime": runtime(),
            "bounds": self.bounds,
            "boundary": boundary,
            "neurons": neurons,
            "layers": [len(self.settings.features), *(layer.nout for layer in self.model.layers)],
            "inputs": [INPUT_FEATURES[name][0] for name in self.settings.features],
            "regression": problem.regression,
            "points": {"train": _points(problem.train_points, problem.train_labels),
                       "test": _points(problem.test_points, problem.test_labels)},
            "curves": self.curves,
            "parameters": [[name, p.data, p.grad, state[p]]
                           for name, p in zip(self.names, self.parameters)],
            "export": train_command(self.settings, self.lr_changed_at, self.edited),
        }
        self._frame_number += 1

    def frame(self):
        """The latest frame and its number, publishing one if none exists yet."""
        if self._frame is None:
            self._publish()
        return self._frame_number, self._frame

    # --- a point's computation graph ---------------------------------------------------

    def inspect(self, which: str, index: int, collapse: bool = True) -> dict:
        """The graph of one example's loss on a copy of the model as it is now, and
        its backward pass step by step (drawn by :meth:`step_svg`, each neuron one box
        unless ``collapse`` is false), with each parameter's gradient of this loss
        beside its central finite difference."""
        if which not in ("train", "test") or isinstance(index, bool) or not isinstance(index, int):
            raise ValueError('inspect needs "set" ("train" or "test") and a point "index"')
        if not isinstance(collapse, bool):
            raise ValueError(f"collapse must be true or false, got {shown(collapse)}")
        inputs, targets = ((self.problem.train_inputs, self.problem.train_targets)
                           if which == "train" else
                           (self.problem.test_inputs, self.problem.test_targets))
        if not 0 <= index < len(inputs):
            raise ValueError(f"there is no {which} point {index}: the {which} set has "
                             f"{len(inputs)} points (0 to {len(inputs) - 1})")
        self._sync()
        copy = MLP(**self.model.architecture())
        copy.load_state_dict(self.model.state_dict())
        steps_done = self.steps
        for name, parameter in copy.named_parameters():
            parameter.label = name
        values = [Value(number, label=INPUT_FEATURES[name][0])
                  for name, number in zip(self.settings.features, inputs[index])]
        # NOTE: layer by layer, so that each neuron's output carries the neuron's
        # name and its sum w·x + b the name's ".z": the chain rule's captions say
        # ∂L/∂layer₀.neuron₁, as the collapsed drawing titles its box.
        for number, layer in enumerate(copy.layers):
            values = layer.forward(values)
            for position, output in enumerate(values):
                output.label = f"layer{number}.neuron{position}"
                if layer.activation is not None:
                    output.parents[0].label = f"{output.label}.z"
        prediction = values[0] if len(values) == 1 else values
        loss = self.problem.loss(prediction, targets[index])
        loss.label = f"{self.problem.loss.__name__} loss"
        values = len(topological_order(loss))
        graph_id = str(next(self._graph_ids))
        if values <= MAX_DRAWN_VALUES:
            steps = backward_steps(loss, params=copy, max_nodes=MAX_DRAWN_VALUES,
                                   collapse="neurons" if collapse else None)
            captions = [steps.caption(position) for position in range(len(steps))]
        else:  # too large to draw: the steps as text
            steps, captions = None, backward_captions(loss)
        loss.backward()
        self._graphs = {graph_id: steps} if steps else {}  # only the latest is kept
        return {
            "graph": graph_id, "set": which, "index": index, "at_step": steps_done,
            "inputs": inputs[index], "target": targets[index],
            "prediction": _floats(prediction), "loss": loss.data,
            "values": values, "drawable": values <= MAX_DRAWN_VALUES,
            "captions": captions, "collapsed": collapse,
            "limit": MAX_DRAWN_VALUES,
            "gradients": self._gradients_and_differences(copy, inputs[index], targets[index]),
        }

    def _gradients_and_differences(self, model, inputs, target):
        """``[name, gradient, central difference]`` for each of ``model``'s parameters
        (gradients from backward, already taken), the difference on the loss of this one
        example: (L(p + h) - L(p - h)) / 2h, h = FINITE_STEP · max(1, |p|). A network of
        more than MAX_CHECKED_PARAMETERS parameters has its first layer's checked."""
        named = model.named_parameters()
        checked = named if len(named) <= MAX_CHECKED_PARAMETERS else [
            (name, parameter) for name, parameter in named if name.startswith("layer0.")]
        loss = self.problem.loss

        def loss_at():
            return data_of(loss(model(inputs), target))

        rows = []
        for name, parameter in checked:
            value, step = parameter.data, FINITE_STEP * max(1.0, abs(parameter.data))
            parameter.data = value + step
            above = loss_at()
            parameter.data = value - step
            below = loss_at()
            parameter.data = value
            rows.append([name, parameter.grad, (above - below) / (2 * step)])
        return rows

    def step_svg(self, graph_id: str, index: int) -> str:
        """Step ``index`` of a graph from :meth:`inspect`, as SVG (the draw extra renders it)."""
        steps = self._graphs.get(graph_id)
        if steps is None:
            raise KeyError(f"graph {graph_id} is gone: click the point again")
        if not 0 <= index < len(steps):
            raise ValueError(f"graph {graph_id} has {len(steps)} steps (0 to {len(steps) - 1}), "
                             f"not {index}")
        return steps.svg(index)


def _with_setting(session, key, value):
    """``session``'s settings with ``key`` set to ``value``, checked as settings are."""
    return parse_settings({**session.settings.to_json(), key: value})


ACTIONS = {
    "play": lambda session, body: session.play(),
    "pause": lambda session, body: session.pause(),
    "step": lambda session, body: session.step(),
    "reset": lambda session, body: session.reset(),
    "configure": lambda session, body: session.reset(parse_settings(body.get("settings", {}))),
    "lr": lambda session, body: session.set_lr(_with_setting(session, "lr", body.get("lr")).lr),
    "speed": lambda session, body: session.set_speed(
        _with_setting(session, "steps_per_second", body.get("steps_per_second"))
        .steps_per_second),
    "inspect": lambda session, body: session.inspect(body.get("set"), body.get("index"),
                                                     body.get("collapse", True)),
    "export": lambda session, body: session.export(),
    "csv": lambda session, body: session.reset(parse_settings({
        **session.settings.to_json(), "dataset": "yours",
        "points": points_from_csv(body.get("text"))})),
    "parameter": lambda session, body: session.set_parameter(body.get("name"), body.get("value")),
}


class ThreadedSession(Session):
    """A :class:`Session` for the local server: a thread plays it, any thread may call it,
    and :meth:`wait_for_frame` waits for its next frame."""

    def __init__(self, settings: Settings):
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self.closed = False
        self.last_seen = time.monotonic()
        with self._lock:
            super().__init__(settings)
        self._thread = threading.Thread(target=self._play_loop, daemon=True,
                                        name="chainrule playground session")
        self._thread.start()

    def act(self, action: str, body: dict):
        with self._changed:
            answer = super().act(action, body)
            self._changed.notify_all()  # a play, a pause, a new speed: the loop looks again
            return answer

    def close(self):
        with self._changed:
            self.closed = True
            self.running = False
            self._changed.notify_all()

    def _publish(self):
        super()._publish()
        self._changed.notify_all()

    def frame(self):
        with self._changed:
            return super().frame()

    def wait_for_frame(self, after: int, timeout: float):
        """A frame newer than number ``after`` (or the latest, after ``timeout``)."""
        with self._changed:
            self.last_seen = time.monotonic()
            self._changed.wait_for(lambda: self._frame_number > after or self.closed, timeout)
            return self.frame()

    def _play_loop(self):
        while True:
            with self._changed:
                while not (self.running or self.closed):
                    self._changed.wait()
                if self.closed:
                    return
                remaining = self.play_slice()
                # NOTE: a wait, however short, after every slice: it lets the page's
                # actions and event streams take the lock even when the updates fill
                # the whole interval. A pause or a close ends it early.
                self._changed.wait(max(remaining, BREATH_SECONDS))


def _floats(prediction):
    return [data_of(v) for v in prediction] if isinstance(prediction, list) else data_of(prediction)


def _short(number: float) -> float:
    """``number`` to 3 significant digits: what a neuron's picture needs, in less JSON."""
    return float(f"{number:.3g}") if math.isfinite(number) else number


def _points(inputs, labels):
    """``[x, y, label]`` of each point: its class, or a regression task's target."""
    return [[round(x, 4), round(y, 4), label if isinstance(label, int) else _short(label)]
            for (x, y), label in zip(inputs, labels)]


def _bounds(inputs, plane=None):
    """The box the boundary is drawn over: the data and a tenth more on each side, and
    at least ``plane`` (low, high) on both axes if it is given."""
    spans = []
    for column in zip(*inputs) if inputs else ((), ()):
        low = min(column, default=plane[0] if plane else 0.0)
        high = max(column, default=plane[1] if plane else 0.0)
        margin = 0.1 * (high - low or 1.0)
        low, high = low - margin, high + margin
        if plane:
            low, high = min(low, plane[0]), max(high, plane[1])
        spans.append((low, high))
    return spans


def _class_and_certainty(output):
    """One output: its sign, sure as tanh(|score|); several: softmax's choice, sure
    from 0 (all classes equally likely) to 1."""
    if not isinstance(output, list):
        return (1 if output > 0 else 0), math.tanh(abs(output))
    shares = softmax(output)
    best = max(range(len(shares)), key=shares.__getitem__)
    chance = 1 / len(shares)
    return best, (shares[best] - chance) / (1 - chance)
