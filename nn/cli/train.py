"""``chainrule train``: train an MLP and report its loss and accuracy.

The defaults are micrograd's demo (100 moons, MLP 2-16-16-1 relu, hinge loss
+ 1e-4 L2, SGD with the learning rate decaying linearly from 1.0 to 0.1,
100 full-batch steps); options choose the data set, network, optimizer,
batch size (the three kinds of gradient descent) and engine, and where the
plots and the trained model go.

What it prints, so that the numbers agree: the progress bar shows each
batch's data loss (``hinge=``) and objective (``objective=``: hinge + L2,
what gradient descent minimises), both measured before that batch's
update; at the end it prints both again for the whole training set after
the last update, with the training accuracy, and with ``--test-share`` the
loss and accuracy on the examples held out of training. A run whose loss
grew tenfold is reported as diverged (exit status 1); a network that ends
giving one output for every example (dead ReLUs) gets a warning that says
why and what to change.

The default learning rate follows the batch size: ``default · √(batch size
/ examples)``, so 1.0 for the full batch of micrograd's demo and 0.1 for
stochastic descent on its 100 points (see ``default_learning_rate``).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
from pathlib import Path

from autograd.extend import check_writable, install_hint

from .. import data, losses
from ..diagnosis import diagnose
from ..modules import ACTIVATIONS, HIDDEN_ACTIVATIONS, MLP
from ..recipes import (
    DEFAULT_SEED,
    L2_STRENGTH,
    OPTIMIZER_CHOICES,
    TASKS,
    default_learning_rate,
    full_batch_rate,
)
from ..schedules import LinearDecay
from ..serialization import save
from ..step import ENGINES, checked_engine
from ..training import TrainingInterrupted, evaluate, fit, significant
from . import INTERRUPTED

# NOTE: the eager engine's costs, measured in processor time by
# benchmarks/train_estimate.py (fit on 100 moons, 2-8-1 to 2-64-64-1, batches of
# 1 to 100, 2-core Linux machine): an epoch passes every example forward and
# backward once (per multiply-add and example, plus per example for its inputs
# and loss), and each update touches every parameter (zero_grad, the L2
# penalty's graph, the optimizer) plus the step's bookkeeping. Runs estimated
# past SLOW_RUN_SECONDS get a warning, not a refusal.
EAGER_SECONDS_PER_MULTIPLY_ADD = 1.4e-6
EAGER_SECONDS_PER_EXAMPLE = 15e-6
EAGER_SECONDS_PER_PARAMETER_UPDATE = 1.7e-6
EAGER_SECONDS_PER_UPDATE = 30e-6
SLOW_RUN_SECONDS = 600
PLOTS_FOLDER = Path("plots")  # relative to where chainrule runs; .gitignore covers it


def _plural(count, noun):
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _hidden_sizes(text):
    """``"16,16"`` -> [16, 16]; ``""`` -> [] (no hidden layer)."""
    if not text.strip():
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected layer sizes separated by commas, like 16,16; got {text!r}") from None
    if not all(1 <= size <= 1024 for size in sizes):
        raise argparse.ArgumentTypeError(f"each layer size must be from 1 to 1024, got {text!r}")
    return sizes


def _checked(convert, valid, expected):
    """An argparse ``type``: ``convert`` the text, then insist on ``valid``."""
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not valid(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value
    return parse


_positive_int = _checked(int, lambda number: number >= 1, "a whole number >= 1")
_share = _checked(float, lambda number: 0.0 < number < 1.0, "a fraction between 0 and 1, like 0.2")


def _features(text: str) -> tuple:
    """``"x,y,x2"`` -> ("x", "y", "x2"), checked by ``data.checked_features``."""
    try:
        return data.checked_features([part.strip() for part in text.split(",")
                                      if part.strip()])
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _hidden_activation(text: str) -> str:
    """An argparse ``type``: one of HIDDEN_ACTIVATIONS, or an error naming them."""
    if text not in HIDDEN_ACTIVATIONS:
        what = ("a function of the op table, but not one for hidden layers" if text in ACTIVATIONS
                else "not an activation")
        raise argparse.ArgumentTypeError(
            f"{text!r} is {what}: hidden layers take {', '.join(HIDDEN_ACTIVATIONS)} (each "
            f"defined for every input, with a slope that lets gradients through)")
    return text
_learning_rate = _checked(float, lambda number: math.isfinite(number) and number > 0,
                          "a number > 0")


def add_subcommand(subcommands) -> argparse.ArgumentParser:
    """Register ``train`` on ``subcommands`` (from ``parser.add_subparsers()``)."""
    parser = subcommands.add_parser(
        "train", help="train an MLP (default: micrograd's moons demo)",
        description="Train an MLP and report its loss and accuracy. The defaults are "
                    "micrograd's demo: 100 moons, MLP 2-16-16-1 relu, hinge loss + 1e-4 L2, "
                    "SGD with the learning rate decaying linearly from 1.0 to 0.1, "
                    "100 full-batch steps. The rate always decays from --lr to --lr/10.")
    parser.add_argument("--dataset", choices=list(TASKS), default="moons",
                        help="moons and circles: hinge loss, 1 output; blobs and iris: "
                             "cross-entropy, 3 outputs; surface: regression (a real-valued "
                             "target, sin(x)·cos(y) plus noise), mse, 1 output "
                             "(default: moons)")
    parser.add_argument("--features", type=_features, default=None, metavar="NAMES",
                        help="the network's inputs, computed from each point (x, y), "
                             "separated by commas: " + ", ".join(data.INPUT_FEATURES)
                             + " (x2 is x², xy is x·y); for the data sets of the plane, "
                             "not iris (default: x,y)")
    parser.add_argument("--hidden", type=_hidden_sizes, default="16,16", metavar="SIZES",
                        help="hidden layer sizes separated by commas, \"\" for none "
                             "(default: 16,16)")
    parser.add_argument("--activation", type=_hidden_activation, default="relu",
                        metavar="{" + ",".join(HIDDEN_ACTIVATIONS) + "}",
                        help="activation of the hidden layers (default: relu)")
    parser.add_argument("--optimizer", choices=list(OPTIMIZER_CHOICES), default="sgd",
                        help="momentum is SGD with momentum 0.9 (default: sgd)")
    parser.add_argument("--lr", type=_learning_rate, default=None,
                        help="starting learning rate (default: for the full batch 1.0 for sgd, "
                             "0.1 for momentum, 0.01 for rmsprop, 0.05 for adam, sgd's and "
                             "momentum's times 0.05 on surface; times "
                             "sqrt(batch size / examples) for smaller batches, so sgd "
                             "uses 0.1 with --batch-size 1 on 100 examples)")
    parser.add_argument("--batch-size", type=_positive_int, default=None, metavar="N",
                        help="examples per update: 1 is stochastic gradient descent, "
                             "a few is mini-batch (default: all, batch gradient descent)")
    parser.add_argument("--epochs", type=_positive_int, default=100, metavar="N",
                        help="passes over the data (default: 100)")
    parser.add_argument("--test-share", type=_share, default=None, metavar="SHARE",
                        help="hold this fraction of the examples out of training, drawn from "
                             "--seed, and report the loss and accuracy on them too "
                             "(default: none, every example trains)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"seeds the data, the initial weights and the shuffling "
                             f"(default: {DEFAULT_SEED})")
    parser.add_argument("--out", type=Path, default=PLOTS_FOLDER, metavar="DIR",
                        help=f"folder for the PNG plots, which need matplotlib, made if "
                             f"missing (default: {PLOTS_FOLDER}/ in the current folder)")
    parser.add_argument("--save", type=_file_path, default=None, metavar="MODEL.json",
                        help="write the trained model to this JSON file")
    parser.add_argument("--engine", choices=ENGINES, default=None,
                        help="eager builds and backpropagates the real graph; python traces "
                             "each example's loss once with autograd.compile and replays it "
                             "as straight-line Python; c replays it as native code built by "
                             "the C compiler; auto is c where a C compiler is found, else "
                             "python. The same training, tens or thousands of times faster "
                             "(default: eager)")
    parser.add_argument("--compile", nargs="?", const="python", choices=("python", "c"),
                        default=None, help=argparse.SUPPRESS)
    parser.set_defaults(run=run)
    return parser


ENGINE_NAMES = {"eager": "eager", "python": "compiled Python", "c": "native (C)"}


def _file_path(text: str) -> Path:
    # NOTE: Path("") is Path("."), the current folder: refused while the text is still empty.
    if not text:
        raise argparse.ArgumentTypeError("the path is empty; give a file name, e.g. model.json")
    return Path(text)


def run(args: argparse.Namespace) -> int:
    """Carry out ``chainrule train``; returns the exit status.

    Ctrl-C at any moment prints one line, what was trained and saved, and
    returns 130; the model of the last whole step is saved first with
    ``--save`` (a file is written whole or not at all)."""
    made = {}  # "model", "steps" once trained (or interrupted in training), "saved"
    try:
        return _train(args, made)
    except KeyboardInterrupt as interrupt:
        if isinstance(interrupt, TrainingInterrupted):
            made["steps"] = interrupt.history.steps
        print(f"chainrule train: {_interrupted(args, made)}", file=sys.stderr)
        return INTERRUPTED


def _interrupted(args, made) -> str:
    """What an interrupted run says: how far it got and where the model is."""
    if "steps" not in made:
        return "interrupted before training; nothing saved"
    done = f"interrupted after {_plural(made['steps'], 'whole step')}"
    if args.save is None:
        return f"{done}; the model is not saved (--save MODEL.json keeps it)"
    if "saved" not in made:
        try:
            save(made["model"], args.save)
        except OSError as error:
            return f"{done}; the model could not be saved: {error}"
    return f"{done}; the model is saved to {args.save}"


def _train(args, made) -> int:
    if args.save is not None:
        try:  # before training, so a bad path costs no training
            check_writable(args.save)
        except OSError as error:
            print(f"chainrule train: error: --save: {error.strerror}", file=sys.stderr)
            return 2
    if args.compile is not None:
        print(f"chainrule train: warning: --compile {args.compile} is now --engine "
              f"{args.compile}", file=sys.stderr)
    try:
        engine = checked_engine(args.engine or args.compile or "eager", caller="chainrule train")
    except ValueError as error:
        print(f"chainrule train: error: {error}", file=sys.stderr)
        return 2
    task = TASKS[args.dataset]
    X, y = task.load(args.seed)
    if args.features is not None and len(X[0]) != 2:
        print(f"chainrule train: error: --features: {args.dataset} has {len(X[0])} "
              f"inputs, not a point (x, y) of the plane; features are for moons, "
              f"circles, blobs and surface", file=sys.stderr)
        return 2
    X_test = y_test = None
    if args.test_share is not None:
        try:
            X, X_test, y, y_test = data.train_test_split(X, y, args.test_share, seed=args.seed)
        except ValueError as error:
            print(f"chainrule train: error: --test-share: {error}", file=sys.stderr)
            return 2
    points = X  # the examples' places, where the boundary's plot draws them
    if args.features is not None:
        X = data.with_features(X, args.features)
        X_test = None if X_test is None else data.with_features(X_test, args.features)
    model = MLP(len(X[0]), [*args.hidden, task.outputs], activation=args.activation,
                seed=args.seed)
    make_optimizer = OPTIMIZER_CHOICES[args.optimizer][0]
    batch_size = min(args.batch_size or len(X), len(X))
    lr = args.lr if args.lr is not None else default_learning_rate(
        full_batch_rate(task, args.optimizer), batch_size, len(X))
    optimizer = make_optimizer(model.parameters(), lr)
    total_steps = args.epochs * math.ceil(len(X) / batch_size)
    examples = (f"{len(X)} examples" if X_test is None else
                f"{len(X)} training examples, {len(X_test)} held out for testing")
    print(f"{args.dataset}: {examples}; {model}; {task.loss.__name__} loss + "
          f"{L2_STRENGTH:g} L2; {args.optimizer} lr {lr:.3g} -> {lr / 10:.3g}; "
          f"{_plural(batch_size, 'example')} per update, {_plural(total_steps, 'update')}; "
          f"{ENGINE_NAMES[engine]} engine")
    warn_if_slow(model, len(X), args.epochs, batch_size, engine)
    objective_before = evaluate(model, X, y, task.loss)[0] + _penalty(model)
    made["model"] = model
    try:
        history = fit(model, X, y, task.loss, optimizer, args.epochs, args.batch_size,
                      lr_schedule=LinearDecay(lr, lr / 10, total_steps), seed=args.seed,
                      l2=L2_STRENGTH, engine=engine)
    except FloatingPointError as error:
        print(f"chainrule train: error: {error}", file=sys.stderr)
        return 1
    made["steps"] = history.steps
    loss, accuracy = evaluate(model, X, y, task.loss)
    penalty = _penalty(model)
    name = task.loss.__name__
    print(f"after training: {name} loss {significant(loss)}{_accuracy('training', accuracy)} "
          f"on the {len(X)} training examples")
    if X_test is not None:
        test_loss, test_accuracy = evaluate(model, X_test, y_test, task.loss)
        print(f"held out: {name} loss {significant(test_loss)}"
              f"{_accuracy('test', test_accuracy)} on the {len(X_test)} examples it never "
              f"trained on")
    print(f"objective minimised ({history.objective_name}): {significant(loss + penalty)} "
          f"= {name} {significant(loss)} + L2 {significant(penalty)}; the bar shows both "
          f"for each batch, before its update")
    problem = diagnose(model, X, objective_before, loss + penalty, name="objective")
    if problem is not None and problem.startswith("training diverged"):
        print(f"chainrule train: error: {problem}: try --lr {lr / 10:.3g}", file=sys.stderr)
        return 1
    if problem is not None:
        advice = (f"try --lr {lr / 10:.3g}" if batch_size == len(X) else
                  f"try --lr {lr / 10:.3g}, or a larger --batch-size")
        print(f"chainrule train: warning: {problem}: {advice}", file=sys.stderr)
    # NOTE: the model first: a plot that cannot be written must not cost the
    # trained model.
    if args.save is not None:
        if _save(model, args.save):
            return 1
        made["saved"] = args.save
    try:
        _write_plots(args, model, points, y, task, history)
    except OSError as error:
        print(f"chainrule train: error: cannot write the plots to {args.out}: {error}",
              file=sys.stderr)
        return 1
    return 0


def _accuracy(which, accuracy) -> str:
    """", training accuracy 97.0%", or nothing for a regression task (no classes)."""
    return "" if accuracy is None else f", {which} accuracy {accuracy:.1%}"


def _multiply_adds(model) -> int:
    """Multiply-adds of one forward pass of one example."""
    sizes = [model.nin, *(len(layer.neurons) for layer in model.layers)]
    return sum(fan_in * fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))


def estimated_seconds(model, examples: int, epochs: int, batch_size: int) -> float:
    """What ``fit`` takes on the eager engine, from the measured costs above: every
    epoch passes each example forward and backward once and makes
    ``ceil(examples / batch_size)`` updates of every parameter."""
    updates = epochs * math.ceil(examples / batch_size)
    parameters = len(model.parameters())
    return (epochs * examples * (EAGER_SECONDS_PER_MULTIPLY_ADD * _multiply_adds(model)
                                 + EAGER_SECONDS_PER_EXAMPLE)
            + updates * (EAGER_SECONDS_PER_PARAMETER_UPDATE * parameters
                         + EAGER_SECONDS_PER_UPDATE))


def warn_if_slow(model, examples, epochs, batch_size, engine):
    """Warn before a run the eager engine would take hours over, with the estimate."""
    seconds = estimated_seconds(model, examples, epochs, batch_size)
    if seconds > SLOW_RUN_SECONDS and engine == "eager":
        print(f"chainrule train: warning: this network makes {_multiply_adds(model):,} "
              f"multiply-adds per example: {epochs} epochs over {examples} examples take "
              f"about {_duration(seconds)} on the eager engine; try smaller --hidden "
              f"layers or --engine auto; Ctrl-C stops with the model so far", file=sys.stderr)


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def _save(model, path) -> int:
    """Save the model: 0, or 1 after printing why it could not be saved."""
    try:
        save(model, path)
    except OSError as error:
        print(f"chainrule train: error: cannot save the model: {error}", file=sys.stderr)
        return 1
    print(f"saved the model to {path}")
    return 0


def _penalty(model):
    return losses.l2_penalty([p.data for p in model.parameters()], L2_STRENGTH)


def _write_plots(args, model, points, y, task, history):
    """The loss curves, and for two-input data the decision boundary over the plane
    of ``points`` (the model's features computed from each point of it)."""
    if importlib.util.find_spec("matplotlib") is None:
        print(f"matplotlib is not installed: no plots ({install_hint('demo')})")
        return
    from ..plots import plot_decision_boundary, plot_history

    args.out.mkdir(parents=True, exist_ok=True)
    written = [args.out / f"{args.dataset}_loss.png"]
    plot_history(history, written[-1], title=f"{args.dataset}: training")
    if args.features is not None:
        features, network = args.features, model

        def model(point):
            return network(data.with_features([point], features)[0])

    if len(points[0]) == 2 and task.loss.predict:  # a regression task has no classes
        written.append(args.out / f"{args.dataset}_decision_boundary.png")
        plot_decision_boundary(model, points, y, task.loss.predict, written[-1],
                               title=f"{args.dataset}: decision boundary")
    print("wrote " + ", ".join(map(str, written)))
