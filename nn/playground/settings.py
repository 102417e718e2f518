"""What a playground run is made of, checked: the settings a page sends.

:func:`parse_settings` turns the JSON object a page posts into
:class:`Settings`, refusing anything else with a ``ValueError`` that names
the setting, the rule and what was received. Every size a page can ask for
is bounded by ``LIMITS`` (network width and depth, data size, steps per
second), so no request can make the server build a network or a data set
it cannot hold. Nothing a page sends is evaluated: settings are numbers,
booleans and names looked up in fixed tables.

:func:`build_problem` makes the data of a run from its settings, and
:func:`train_command` the ``chainrule train`` command line that repeats it,
with the list of settings that command cannot express.
"""

from __future__ import annotations

import inspect
import math
import random
import shlex
from dataclasses import asdict, dataclass, field, replace
from numbers import Real

from autograd import Value

from .. import data, losses, optim, recipes
from ..modules import ACTIVATIONS, HIDDEN_ACTIVATIONS

# Bounds on everything a page can ask for.
LIMITS = {
    "hidden_layers": 4,      # hidden layers
    "width": 32,             # neurons per hidden layer
    "examples": 500,         # training + test examples
    "steps_per_second": 2000,
    "sessions": 8,           # live sessions (browser tabs) at once
    "body_bytes": 16_384,    # the largest request body
    "lr": 10.0,
    "epochs": 10_000,        # of a decaying learning-rate schedule
}

# yours: only the points you add; surface: a regression task (a real-valued target)
DATASETS = ("moons", "circles", "blobs", "iris", "yours", "surface")
REGRESSION_DATASETS = ("surface",)
# What each data set's noise setting is: the generators' own argument.
DEFAULT_NOISE = {"moons": 0.1, "circles": 0.05, "blobs": 1.0, "iris": 0.0, "yours": 0.0,
                 "surface": 0.05}
POINT_RANGE = 10.0        # your own points' coordinates lie within ± this
YOUR_PLANE = (-2.0, 2.0)  # the plane drawn for the yours data set (wider if a point is outside)
MAX_CSV_CHARACTERS = 12_000
MAX_NOISE = 2.0
BLOB_CENTERS = 3
# The losses for two classes and for more: a loss names its kind of target.
BINARY_LOSSES = {"hinge": losses.hinge, "bce_with_logits": losses.bce_with_logits,
                 "mse": losses.mse}
CLASS_LOSSES = {"cross_entropy": losses.cross_entropy}
# A real-valued target: mse only (the classification losses need class labels).
REGRESSION_LOSSES = {"mse": losses.mse}
OPTIMIZERS = {cls.__name__: cls for cls in optim.OPTIMIZERS}
LR_SCHEDULES = ("constant", "decay")
DEFAULT_SEED = recipes.DEFAULT_SEED


def optimizer_options(cls) -> dict:
    """An optimizer's hyperparameters but the learning rate, with their
    defaults, read from its constructor: ``{"momentum": 0.0, ...}``."""
    signature = inspect.signature(cls)
    return {name: signature.parameters[name].default for name in cls.hyperparameters
            if name != "lr"}


@dataclass(frozen=True)
class Settings:
    """One run: data, network, loss, optimizer, schedule and seed.

    ``batch_size`` None is full batch; ``lr_schedule`` ``"decay"`` is
    ``chainrule train``'s, linear from ``lr`` to ``lr / 10`` over ``epochs``
    passes, then ``lr / 10``; ``"constant"`` keeps ``lr``.
    ``optimizer_options`` holds every hyperparameter of the optimizer but
    ``lr``. ``features`` are the network's inputs, names of
    :data:`nn.data.INPUT_FEATURES` in its order, computed from each point (x, y).
    """

    dataset: str = "moons"
    examples: int = 100
    noise: float = DEFAULT_NOISE["moons"]
    test_fraction: float = 0.2
    iris_features: tuple = (2, 3)  # petal length and width: the separable pair
    features: tuple = data.PLANE_FEATURES  # the network's inputs: data.INPUT_FEATURES' names
    hidden: tuple = (8, 8)
    activation: str = "relu"
    loss: str = "hinge"
    optimizer: str = "SGD"
    optimizer_options: dict = field(default_factory=lambda: optimizer_options(optim.SGD))
    lr: float = 0.1
    lr_schedule: str = "constant"
    epochs: int = 100
    batch_size: int | None = 10
    l2: float = recipes.L2_STRENGTH
    seed: int = DEFAULT_SEED
    steps_per_second: int = 50
    points: tuple = ()  # your own (x, y, class) points, added to the training set

    @property
    def classes(self) -> int:
        return class_count(self.dataset)

    @property
    def regression(self) -> bool:
        return self.dataset in REGRESSION_DATASETS

    def to_json(self) -> dict:
        """The settings as JSON values, which :func:`parse_settings` reads back."""
        return {**asdict(self), "iris_features": list(self.iris_features),
                "features": list(self.features),
                "hidden": list(self.hidden), "points": [list(point) for point in self.points],
                "optimizer_options": {key: list(value) if isinstance(value, tuple) else value
                                      for key, value in self.optimizer_options.items()}}


def class_count(dataset: str) -> int:
    """The data set's classes; 0 for a regression task (a real-valued target)."""
    if dataset in REGRESSION_DATASETS:
        return 0
    return {"blobs": BLOB_CENTERS, "iris": len(data.IRIS_CLASSES)}.get(dataset, 2)


def loss_choices(dataset: str) -> dict:
    """The losses offered for a data set: binary ones for two classes, mse alone for
    a real-valued target."""
    classes = class_count(dataset)
    return REGRESSION_LOSSES if classes == 0 else BINARY_LOSSES if classes == 2 else CLASS_LOSSES


# --- checking what a page sent ------------------------------------------------------


def choices() -> dict:
    """What the page offers, read from the tables it comes from."""
    return {
        "datasets": {name: {"classes": class_count(name), "noise": DEFAULT_NOISE[name],
                            "regression": name in REGRESSION_DATASETS,
                            "losses": list(loss_choices(name))}
                     for name in DATASETS},
        "features": {name: label for name, (label, _) in data.INPUT_FEATURES.items()},
        "activations": [name for name in HIDDEN_ACTIVATIONS if name in ACTIVATIONS],
        "optimizers": {name: Settings(optimizer=name, optimizer_options=optimizer_options(cls))
                       .to_json()["optimizer_options"] for name, cls in OPTIMIZERS.items()},
        "lr_schedules": list(LR_SCHEDULES),
        "limits": LIMITS,
        "defaults": Settings().to_json(),
    }


def shown(value, limit: int = 60) -> str:
    """``value`` as a message shows it: its repr, cut to ``limit`` characters
    (a 400-digit number or a long list stays readable)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10 ** limit:
        return f"a number of about {len(str(abs(value)))} digits"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit - 3]}..."


def listed(names, limit: int = 60) -> str:
    """Names joined by commas, cut to ``limit`` characters."""
    text = ", ".join(names)
    return text if len(text) <= limit else f"{text[:limit - 3]}..."


def _number(name, value, low, high, integer=False):
    kind = "a whole number" if integer else "a number"
    # NOTE: int and float compare exactly, so a 400-digit int needs no
    # float() (which would overflow) to be found out of range.
    if isinstance(value, bool) or not isinstance(value, Real) or (
            isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"{name} must be {kind} from {low} to {high}, got {shown(value)}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low} to {high}, got {shown(value)}")
    if integer and value != int(value):
        raise ValueError(f"{name} must be {kind} from {low} to {high}, got {shown(value)}")
    return int(value) if integer else float(value)


def _choice(name, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}; "
                         f"got {shown(value)}")
    return value


def _options(name, given, defaults):
    """An optimizer's options: the known names only, each of its default's type."""
    if not isinstance(given, dict):
        raise ValueError(f"optimizer_options must be an object, got {shown(given)}")
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ValueError(f"{name} has no option {listed(unknown)}; "
                         f"its options are {', '.join(defaults)}")
    options = dict(defaults)
    for key, value in given.items():
        default = defaults[key]
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{name} option {key} must be true or false, "
                                 f"got {shown(value)}")
        elif isinstance(default, tuple):
            if not isinstance(value, list) or len(value) != len(default):
                raise ValueError(
                    f"{name} option {key} must be a list of {len(default)} numbers, "
                    f"got {shown(value)}")
            value = tuple(_number(f"{name} option {key}", item, 0.0, 1.0) for item in value)
        else:
            value = _number(f"{name} option {key}", value, 0.0, 1e6)
        options[key] = value
    return options


def parse_settings(given) -> Settings:
    """``Settings`` from a page's JSON object; unknown or bad entries raise ``ValueError``.

    Entries left out keep their defaults (a data set's own noise, the
    optimizer's own options). The optimizer's options are checked by
    building the optimizer once, so its own rules (Nesterov needs momentum)
    apply.
    """
    if not isinstance(given, dict):
        raise ValueError(f"settings must be a JSON object, got {type(given).__name__}")
    known = {name for name in Settings.__dataclass_fields__}
    unknown = sorted(set(given) - known)
    if unknown:
        raise ValueError(f"unknown setting {listed(unknown)}; the settings are "
                         f"{', '.join(sorted(known))}")
    dataset = _choice("dataset", given.get("dataset", "moons"), DATASETS)
    hidden = given.get("hidden", list(Settings.hidden))
    if not isinstance(hidden, list) or len(hidden) > LIMITS["hidden_layers"]:
        raise ValueError(f"hidden must be a list of at most {LIMITS['hidden_layers']} layer "
                         f"sizes, got {shown(hidden)}")
    hidden = tuple(_number("each hidden layer size", size, 1, LIMITS["width"], integer=True)
                   for size in hidden)
    features = given.get("iris_features", list(Settings.iris_features))
    if (not isinstance(features, list) or len(features) != 2
            or not all(type(feature) is int and 0 <= feature < len(data.IRIS_FEATURES)
                       for feature in features)
            or features[0] == features[1]):
        raise ValueError(f"iris_features must be two different whole feature numbers from 0 "
                         f"to {len(data.IRIS_FEATURES) - 1}, got {shown(features)}")
    inputs = data.checked_features(given.get("features", list(Settings.features)))
    optimizer = _choice("optimizer", given.get("optimizer", "SGD"), list(OPTIMIZERS))
    options = _options(optimizer, given.get("optimizer_options", {}),
                       optimizer_options(OPTIMIZERS[optimizer]))
    batch_size = given.get("batch_size", Settings.batch_size)
    if batch_size is not None:
        batch_size = _number("batch_size", batch_size, 1, LIMITS["examples"], integer=True)
    settings = Settings(
        dataset=dataset,
        examples=_number("examples", given.get("examples", 100), 10, LIMITS["examples"],
                         integer=True),
        noise=_number("noise", given.get("noise", DEFAULT_NOISE[dataset]), 0.0, MAX_NOISE),
        test_fraction=_number("test_fraction", given.get("test_fraction", 0.2), 0.0, 0.5),
        iris_features=tuple(features),
        features=inputs,
        hidden=hidden,
        activation=_choice("activation", given.get("activation", "relu"), HIDDEN_ACTIVATIONS),
        loss="",
        optimizer=optimizer,
        optimizer_options=options,
        lr=_number("lr", given.get("lr", Settings.lr), 1e-6, LIMITS["lr"]),
        lr_schedule=_choice("lr_schedule", given.get("lr_schedule", "constant"), LR_SCHEDULES),
        epochs=_number("epochs", given.get("epochs", 100), 1, LIMITS["epochs"], integer=True),
        batch_size=batch_size,
        l2=_number("l2", given.get("l2", Settings.l2), 0.0, 1.0),
        seed=_number("seed", given.get("seed", DEFAULT_SEED), 0, 2**31 - 1, integer=True),
        steps_per_second=_number("steps_per_second", given.get("steps_per_second", 50), 1,
                                 LIMITS["steps_per_second"], integer=True),
    )
    settings = replace(settings, points=_points(given.get("points", []), settings.classes))
    choices = loss_choices(dataset)
    loss = given.get("loss", next(iter(choices)))
    if settings.regression and loss not in choices:
        raise ValueError(f"{dataset} is a regression task (a real-valued target): its loss "
                         f"is {' or '.join(choices)} (the classification losses need class "
                         f"labels); got {shown(loss)}")
    settings = replace(settings, loss=_choice(f"loss for {settings.classes} classes", loss,
                                              list(choices)))
    make_optimizer(settings, [Value(0.0)])  # its own checks, e.g. Nesterov's
    return settings


def _point(name, point, classes):
    if not isinstance(point, list) or len(point) != 3:
        raise ValueError(f"{name} must be [x, y, class], got {shown(point)}")
    x, y = (_number(f"{name}'s {axis}", value, -POINT_RANGE, POINT_RANGE)
            for axis, value in zip("xy", point))
    return x, y, _number(f"{name}'s class", point[2], 0, classes - 1, integer=True)


def _points(given, classes):
    """Your own points: at most ``LIMITS["examples"]`` ``[x, y, class]``."""
    if not isinstance(given, list) or len(given) > LIMITS["examples"]:
        raise ValueError(f"points must be a list of at most {LIMITS['examples']} [x, y, class] "
                         f"points, got {shown(given)}")
    if given and classes == 0:
        raise ValueError("your own points have a class; the regression task makes its own "
                         "real-valued targets: add points on a classification data set")
    return tuple(_point(f"point {position}", point, classes)
                 for position, point in enumerate(given))


def points_from_csv(text, classes: int = 2) -> list:
    """``[[x, y, class], ...]`` from CSV text: one point a line, ``x,y,class`` (a first line
    that is not numbers is a header). Anything else raises ValueError naming the line."""
    if not isinstance(text, str):
        raise ValueError(f"a CSV file is text, got {type(text).__name__}")
    if len(text) > MAX_CSV_CHARACTERS:
        raise ValueError(f"the file has {len(text)} characters; a CSV of your points has at "
                         f"most {MAX_CSV_CHARACTERS}")
    points = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = [field.strip() for field in line.split(",")]
        if len(fields) != 3:
            raise ValueError(f"line {number} has {len(fields)} fields; each line is x,y,class, "
                             f"got {shown(line, 40)}")
        try:
            numbers = [float(field) for field in fields]
        except ValueError:
            if number == 1:
                continue  # a header
            raise ValueError(f"line {number}: x, y and class must be numbers, got "
                             f"{shown(line, 40)}") from None
        points.append(list(_point(f"line {number}", numbers, classes)))
        if len(points) > LIMITS["examples"]:
            raise ValueError(f"the file has more than {LIMITS['examples']} points")
    if not points:
        raise ValueError("the file has no points: each line is x,y,class")
    return points


def make_optimizer(settings: Settings, parameters):
    return OPTIMIZERS[settings.optimizer](parameters, lr=settings.lr,
                                          **settings.optimizer_options)


# --- the data of a run --------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A run's data, split, with targets in the form its loss takes.

    The inputs are each example's features (``settings.features``); the
    points are the examples' places (x, y) on the plane the page draws."""

    train_inputs: list
    train_targets: list
    test_inputs: list
    test_targets: list
    train_labels: list  # class indices (a regression task's: the targets), for colouring points
    test_labels: list
    loss: losses.Loss
    outputs: int
    train_points: list
    test_points: list
    regression: bool = False


def _raw_data(settings):
    """``(X, labels)``: every example of the data set, labels 0 … k-1, shuffled."""
    n, noise, seed = settings.examples, settings.noise, settings.seed
    if settings.dataset == "moons":
        return data.make_moons(n, noise=noise, seed=seed)
    if settings.dataset == "circles":
        return data.make_circles(n, noise=noise, seed=seed)
    if settings.dataset == "blobs":
        X, y = data.make_blobs(n, centers=BLOB_CENTERS, seed=seed, std=noise)
        return data.standardize(X), y
    if settings.dataset == "yours":
        return [], []
    if settings.dataset == "surface":
        return data.make_surface(n, noise=noise, seed=seed)
    X, y = data.load_iris()
    first, second = settings.iris_features
    X = data.standardize([[row[first], row[second]] for row in X])
    order = list(range(len(X)))
    random.Random(seed).shuffle(order)  # the file is sorted by species
    return [X[i] for i in order], [y[i] for i in order]


def target_of(loss: losses.Loss, label, regression=False):
    """A class index as the loss's target: ±1 for hinge and mse, 0/1 for bce; a
    regression task's target is its own."""
    if regression:
        return label
    return 2 * label - 1 if loss.target in ("sign", "real") else label


def build_problem(settings: Settings) -> Problem:
    """The data of a run: the data set made from the seed, then split.

    The generators shuffle their rows, so the first ``1 - test_fraction``
    of them train and the rest test. With ``test_fraction`` 0 and 100
    examples, the training set is exactly ``chainrule train``'s.
    """
    X, labels = _raw_data(settings)
    split = len(X) - round(len(X) * settings.test_fraction)
    loss = loss_choices(settings.dataset)[settings.loss]
    targets = [target_of(loss, label, settings.regression) for label in labels]
    yours = [[x, y] for x, y, _ in settings.points]
    your_labels = [label for _, _, label in settings.points]
    train, test = X[:split] + yours, X[split:]
    return Problem(data.with_features(train, settings.features),
                   targets[:split] + [target_of(loss, label) for label in your_labels],
                   data.with_features(test, settings.features), targets[split:],
                   labels[:split] + your_labels, labels[split:], loss,
                   settings.classes if settings.classes > 2 else 1, train, test,
                   settings.regression)


# --- the chainrule train command that repeats a run -----------------------------------


def _train_optimizer(settings):
    """``chainrule train``'s --optimizer for these settings, or None."""
    presets = {"sgd": ("SGD", {}), "momentum": ("SGD", {"momentum": 0.9}),
               "rmsprop": ("RMSprop", {}), "adam": ("Adam", {})}
    for name, (cls, changes) in presets.items():
        if (settings.optimizer == cls and settings.optimizer_options
                == {**optimizer_options(OPTIMIZERS[cls]), **changes}):
            return name
    return None


def train_command(settings: Settings, lr_changed_at: int | None = None,
                  edited=()) -> dict:
    """``{"command": ..., "missing": [...]}``: the ``chainrule train`` command
    line nearest to this run, and each thing of the run it cannot express
    (an empty list: the command repeats the run exactly, compiled engine
    and all, over ``settings.epochs`` epochs). ``edited``: the ``(step, name)``
    of each parameter set by hand."""
    missing = []
    dataset = "moons" if settings.dataset == "yours" else settings.dataset
    arguments = ["chainrule", "train", "--dataset", dataset]
    task = recipes.TASKS[dataset]
    if settings.points:
        missing.append(f"your {len(settings.points)} points: chainrule train makes its data set")
    if settings.dataset == "yours":
        missing.append("only your points: chainrule train makes one of its data sets")
    elif settings.dataset == "iris":
        missing.append("Iris projected to two features: chainrule train uses all four")
    elif settings.examples != 100:
        missing.append(f"{settings.examples} examples: chainrule train makes 100")
    if settings.dataset not in ("iris", "yours") and (
            settings.noise != DEFAULT_NOISE[settings.dataset]):
        missing.append(f"noise {settings.noise:g}: chainrule train uses "
                       f"{DEFAULT_NOISE[settings.dataset]:g}")
    if settings.test_fraction:
        missing.append("the test split: chainrule train trains on every example")
    if loss_choices(settings.dataset)[settings.loss] is not task.loss:
        missing.append(f"the {settings.loss} loss: chainrule train uses "
                       f"{task.loss.__name__} on {dataset}")
    arguments += ["--hidden", ",".join(map(str, settings.hidden)),
                  "--activation", settings.activation]
    if settings.features != data.PLANE_FEATURES:
        if settings.dataset == "iris":
            missing.append(f"the inputs {', '.join(settings.features)}: chainrule train "
                           f"takes Iris's four measurements")
        else:
            arguments += ["--features", ",".join(settings.features)]
    optimizer = _train_optimizer(settings)
    if optimizer is None:
        missing.append(f"{settings.optimizer} with these options: chainrule train offers "
                       f"sgd, momentum (SGD, 0.9), rmsprop and adam with their defaults")
        optimizer = "sgd"
    arguments += ["--optimizer", optimizer, "--lr", f"{settings.lr!r}"]
    if settings.lr_schedule == "constant":
        missing.append("a constant learning rate: chainrule train decays it from --lr to "
                       "--lr/10 over --epochs")
    if lr_changed_at is not None:
        missing.append(f"the learning rate changed by hand at step {lr_changed_at}")
    missing += [f"{name} set by hand at step {step}" for step, name in edited]
    if settings.l2 != recipes.L2_STRENGTH:
        missing.append(f"L2 {settings.l2:g}: chainrule train uses {recipes.L2_STRENGTH:g}")
    if settings.batch_size is not None:
        arguments += ["--batch-size", str(settings.batch_size)]
    arguments += ["--epochs", str(settings.epochs), "--seed", str(settings.seed),
                  "--engine", "python"]
    return {"command": shlex.join(arguments), "missing": missing}


# --- a Python script that repeats a run -------------------------------------------------


def _data_lines(settings):
    """The script's lines that make ``X`` and ``labels`` as :func:`_raw_data` does."""
    n, noise, seed = settings.examples, settings.noise, settings.seed
    if settings.dataset in ("moons", "circles"):
        return [f"X, labels = data.make_{settings.dataset}({n}, noise={noise!r}, seed={seed})"]
    if settings.dataset == "blobs":
        return [f"X, labels = data.make_blobs({n}, centers={BLOB_CENTERS}, seed={seed}, "
                f"std={noise!r})",
                "X = data.standardize(X)"]
    if settings.dataset == "yours":
        return ["X, labels = [], []  # only your points"]
    if settings.dataset == "surface":
        return [f"X, labels = data.make_surface({n}, noise={noise!r}, seed={seed})  "
                f"# labels: real values"]
    first, second = settings.iris_features
    return ["X, labels = data.load_iris()",
            f"X = data.standardize([[row[{first}], row[{second}]] for row in X])",
            "order = list(range(len(X)))",
            f"random.Random({seed}).shuffle(order)  # the file is sorted by species",
            "X, labels = [X[i] for i in order], [labels[i] for i in order]"]


def python_script(settings: Settings) -> str:
    """A short Python script that trains the run's model as the playground does, for
    ``settings.epochs`` epochs (the same model, bit for bit, but for a learning rate
    set by hand during the run), and saves it as ``model.json``."""
    loss = loss_choices(settings.dataset)[settings.loss]
    targets = ("labels  # the real-valued targets themselves" if settings.regression else
               "[2 * label - 1 for label in labels]  # ±1 for the loss"
               if loss.target in ("sign", "real") else "labels")
    defaults = optimizer_options(OPTIMIZERS[settings.optimizer])
    options = "".join(f", {key}={value!r}" for key, value in settings.optimizer_options.items()
                      if value != defaults[key])
    schedule = "None"
    sizes = [*settings.hidden, settings.classes if settings.classes > 2 else 1]
    inputs = len(settings.features)
    lines = [f'"""The playground\'s run: {settings.dataset}, MLP '
             f'{"-".join(map(str, [inputs, *sizes]))} {settings.activation}, {settings.loss}, '
             f'{settings.optimizer}."""']
    imports = ["import random"] if settings.dataset == "iris" else []
    imports.append("from nn import MLP, data, fit, losses, optim, save")
    if settings.lr_schedule == "decay":
        imports.append("from nn.schedules import LinearDecay")
    lines += ["", *imports, "", *_data_lines(settings)]
    lines.append(f"train = len(X) - round(len(X) * {settings.test_fraction!r})  "
                 f"# the rest is the test set")
    if settings.points:
        lines += [f"points = {[list(point) for point in settings.points]!r}  # your own",
                  "X, labels = X[:train] + [[x, y] for x, y, _ in points], "
                  "labels[:train] + [label for _, _, label in points]"]
    else:
        lines.append("X, labels = X[:train], labels[:train]")
    if settings.features != data.PLANE_FEATURES:
        lines.append(f"X = data.with_features(X, {list(settings.features)!r})  "
                     f"# the network's inputs")
    lines += [f"targets = {targets}",
              f"model = MLP({inputs}, {sizes}, "
              f"activation={settings.activation!r}, seed={settings.seed})",
              f"optimizer = optim.{settings.optimizer}(model.parameters(), lr={settings.lr!r}"
              f"{options})"]
    if settings.lr_schedule == "decay":
        batch = settings.batch_size
        steps = f"-(-len(X) // {batch})" if batch else "1"
        lines.append(f"schedule = LinearDecay({settings.lr!r}, {settings.lr / 10!r}, "
                     f"{settings.epochs} * {steps})  # steps per epoch")
        schedule = "schedule"
    lines += [f"fit(model, X, targets, losses.{settings.loss}, optimizer, "
              f"epochs={settings.epochs}, batch_size={settings.batch_size!r},",
              f"    lr_schedule={schedule}, seed={settings.seed}, l2={settings.l2!r}, "
              f"engine=\"python\")",
              'save(model, "model.json")', ""]
    return "\n".join(lines)
