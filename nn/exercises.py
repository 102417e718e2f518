"""The course's exercises and their checkers: right, wrong and why, or not answered yet.

Each ``check_*`` function takes a learner's answer, runs it on numbers whose
right result is known another way (central finite differences, chainrule's
own engine, a reference loop written here) and returns a :class:`Verdict`:

* **Right** — with the numbers that were compared;
* **Wrong** — with the numbers that disagree and, when the answer's numbers
  are those of a common slip, that slip by name and how to fix it;
* **Not answered yet** — the answer still raises ``NotImplementedError``,
  as the stubs the notebooks ship with do.

A checker never raises: an answer that fails is reported as wrong, with its
exception, so that "Run All" always reaches the end of a notebook.

:data:`EXERCISES` lists every exercise with the slips its checker diagnoses
(teachers: the notebooks' introductions list them too). :func:`reveal`
prints an exercise's reference solution, kept apart in :mod:`nn.solutions`;
nothing shows a solution unless it is called.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass

from autograd import Value

RIGHT, WRONG, NOT_ANSWERED = "Right", "Wrong", "Not answered yet"
STEP = 1e-6  # central differences: error ~ h² + ε/h, smallest near h = 1e-5..1e-6
TOLERANCE = 1e-6  # |answer - reference| <= TOLERANCE * (1 + |reference|)


@dataclass(frozen=True)
class Slip:
    """A common mistake a checker recognises: its ``name`` and the ``fix`` it suggests."""

    name: str
    fix: str


@dataclass(frozen=True)
class Verdict:
    """The result of one check: ``status`` (Right, Wrong or Not answered yet),
    a ``message`` with the numbers, and the ``slip`` recognised, if any."""

    status: str
    message: str
    slip: Slip | None = None

    @property
    def passed(self) -> bool:
        return self.status == RIGHT

    def __str__(self) -> str:
        return f"{self.status}. {self.message}"

    __repr__ = __str__  # a checking cell shows the verdict as its last line


@dataclass(frozen=True)
class Exercise:
    """One exercise: where it is, its checker, and the slips the checker names."""

    name: str
    notebook: str
    check: Callable[..., Verdict]
    slips: tuple[Slip, ...]


def _right(message: str) -> Verdict:
    return Verdict(RIGHT, message)


def _wrong(message: str, slip: Slip | None = None) -> Verdict:
    if slip is None:
        return Verdict(WRONG, message)
    return Verdict(WRONG, f"{message}\nLikely slip: {slip.name}. {slip.fix}", slip)


def _failed(error: Exception, what: str) -> Verdict:
    """The verdict on an answer that raised: a stub's NotImplementedError is no answer yet."""
    if isinstance(error, NotImplementedError):
        said = f" ({error})" if str(error) else ""
        return Verdict(NOT_ANSWERED, f"{what} raises NotImplementedError{said}: replace the "
                                     f"`raise` line with your answer, run that cell, then "
                                     f"this one.")
    return Verdict(WRONG, f"{what} raised {type(error).__name__}: {error}")


def _close(answer: float, reference: float) -> bool:
    return abs(answer - reference) <= TOLERANCE * (1.0 + abs(reference))


def _all_close(answers, references) -> bool:
    return len(answers) == len(references) and all(map(_close, answers, references))


def _number(x) -> float:
    """A float from an answer: a number, or a Value's ``data``."""
    if x is None:
        raise TypeError("got None where a number was expected: is a `return` missing?")
    if isinstance(x, Value):
        return x.data
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    if hasattr(x, "data"):
        return _number(x.data)  # a learner's own Value class
    raise TypeError(f"got {type(x).__name__} {x!r} where a number was expected")


def _listed(numbers) -> str:
    """``[0.46, -0.92, 2]``: numbers to 6 significant digits, not 0.45999999999999996."""
    return "[" + ", ".join(f"{x:g}" for x in numbers) + "]"


def central_difference(f, x: float, step: float = STEP) -> float:
    """(f(x + h) - f(x - h)) / 2h: the slope of ``f`` at ``x``, to about 1e-10."""
    return (f(x + step) - f(x - step)) / (2.0 * step)


# --- a derivative by hand ------------------------------------------------------------


def f(x: float) -> float:
    """The function of the ``derivative`` exercise: x² sin x + e^(-x)."""
    return x ** 2 * math.sin(x) + math.exp(-x)


DERIVATIVE_POINTS = (-2.0, -0.5, 0.0, 1.0, 3.0)
PRODUCT_OF_DERIVATIVES = Slip(
    "the product rule as a product of derivatives",
    "(uv)' is u'v + uv', not u'v': here (x² sin x)' = 2x sin x + x² cos x.")
PRODUCT_RULE_HALF = Slip(
    "one term of the product rule missing",
    "(uv)' = u'v + uv' has two terms: here 2x sin x AND x² cos x.")
CHAIN_RULE_SIGN = Slip(
    "the inner derivative of e^(-x) forgotten",
    "By the chain rule (e^(-x))' = e^(-x) · (-x)' = -e^(-x).")
SINE_SIGN = Slip(
    "the derivative of sin taken as -cos",
    "(sin x)' = cos x; it is (cos x)' that is -sin x.")
DERIVATIVE_SLIPS = {
    PRODUCT_OF_DERIVATIVES: [lambda x: 2 * x * math.cos(x) - math.exp(-x)],
    PRODUCT_RULE_HALF: [lambda x: 2 * x * math.sin(x) - math.exp(-x),
                        lambda x: x ** 2 * math.cos(x) - math.exp(-x)],
    CHAIN_RULE_SIGN: [lambda x: 2 * x * math.sin(x) + x ** 2 * math.cos(x) + math.exp(-x)],
    SINE_SIGN: [lambda x: 2 * x * math.sin(x) - x ** 2 * math.cos(x) - math.exp(-x)],
}


def check_derivative(derivative) -> Verdict:
    """``derivative(x)``, the learner's f'(x) for :func:`f`, against central
    differences of ``f`` at :data:`DERIVATIVE_POINTS`."""
    try:
        answers = [_number(derivative(x)) for x in DERIVATIVE_POINTS]
    except Exception as error:  # noqa: BLE001 - any failure of the answer is reported
        return _failed(error, "derivative_of_f(x)")
    numeric = [central_difference(f, x) for x in DERIVATIVE_POINTS]
    table = "\n".join(f"  x = {x:6.2f}   yours {a: .8f}   finite differences {n: .8f}"
                      for x, a, n in zip(DERIVATIVE_POINTS, answers, numeric))
    worst = max(range(len(answers)), key=lambda k: abs(answers[k] - numeric[k]))
    mismatch = abs(answers[worst] - numeric[worst])
    if _all_close(answers, numeric):
        return _right(f"At {len(answers)} points your derivative matches central differences; "
                      f"the worst mismatch is {mismatch:.1e} (at x = "
                      f"{DERIVATIVE_POINTS[worst]}).\n{table}")
    wrong = sum(not _close(a, n) for a, n in zip(answers, numeric))
    slip = next((slip for slip, formulas in DERIVATIVE_SLIPS.items()
                 if any(_all_close(answers, [g(x) for x in DERIVATIVE_POINTS])
                        for g in formulas)), None)
    return _wrong(f"Your derivative is off at {wrong} of {len(answers)} points; the worst is "
                  f"x = {DERIVATIVE_POINTS[worst]}: yours {answers[worst]:.8f}, finite "
                  f"differences {numeric[worst]:.8f} (off by {mismatch:.2e}).\n{table}", slip)


# --- your own Value: +, * and backward() ----------------------------------------------


FORWARD = Slip("wrong forward arithmetic",
               "a + b must hold a.data + b.data, and a * b must hold a.data * b.data.")
NO_SEED = Slip("the gradients stay 0",
               "backward() starts from the output's own gradient, de/de = 1 (self.grad = 1.0), "
               "and passes local derivative × gradient to every parent.")
ADD_PARTIALS = Slip("wrong local derivatives of +",
                    "∂(a + b)/∂a = 1 and ∂(a + b)/∂b = 1: + passes its gradient on unchanged.")
SWAPPED_PARTIALS = Slip(
    "the partials of * swapped",
    "∂(ab)/∂a = b and ∂(ab)/∂b = a: each input's local derivative is the OTHER input.")
MUL_PARTIALS = Slip("wrong local derivatives of *", "∂(ab)/∂a = b and ∂(ab)/∂b = a.")
OVERWRITE = Slip(
    "= instead of +=",
    "A node used twice gets a gradient from each use: parent.grad += local * node.grad.")
ORDER = Slip(
    "a node passed its gradient on before it was complete",
    "Visit the nodes in reverse topological order (every user of a node before the node), "
    "each node once.")


def _differentiate(value_class, build, numbers):
    """``(e.data, [de/dleaf])`` for ``e = build(*leaves)`` made of ``value_class`` leaves."""
    leaves = [value_class(x) for x in numbers]
    out = build(*leaves)
    out.backward()
    return _number(out.data), [_number(leaf.grad) for leaf in leaves]


def _ordering_graph(a, b, c):
    d = a * b  # used twice, once directly and once two levels further up
    return (d * c) * c + d


# (expression, its leaves' names and numbers, builder, the slip a wrong gradient means)
PROBES = (
    ("e = a + b", dict(a=2.0, b=-3.0), lambda a, b: a + b, ADD_PARTIALS),
    ("e = a * b", dict(a=2.0, b=-3.0), lambda a, b: a * b, MUL_PARTIALS),
    ("e = a + a", dict(a=3.0), lambda a: a + a, OVERWRITE),
    ("d = a * b, e = (d * c) * c + d", dict(a=2.0, b=-3.0, c=0.5), _ordering_graph, ORDER),
    ("e = (a*b + c)*a + b*b", dict(a=2.0, b=-3.0, c=10.0),
     lambda a, b, c: (a * b + c) * a + b * b, ORDER),
)


def _gradient_slip(probe_slip: Slip, numbers, got) -> Slip:
    if probe_slip is not ORDER and not any(got):  # on one operation: nothing flowed at all
        return NO_SEED
    if probe_slip is MUL_PARTIALS and _all_close(got, numbers):
        return SWAPPED_PARTIALS
    return probe_slip


def check_value_class(value_class) -> Verdict:
    """A learner's scalar class (``data``, ``grad``, ``+``, ``*``, ``backward()``)
    against chainrule's :class:`autograd.Value` on five graphs, smallest first,
    so that the first disagreement names the mistake."""
    for expression, leaves, build, slip in PROBES:
        numbers = list(leaves.values())
        where = f"{expression} at " + ", ".join(f"{n} = {x:g}" for n, x in leaves.items())
        try:
            data, got = _differentiate(value_class, build, numbers)
        except Exception as error:  # noqa: BLE001 - any failure of the answer is reported
            return _failed(error, f"building {where} and calling e.backward()")
        reference, expected = _differentiate(Value, build, numbers)
        if not _close(data, reference):
            return _wrong(f"For {where}: your e.data is {data}, chainrule's is {reference}.",
                          FORWARD)
        if not _all_close(got, expected):
            yours = ", ".join(f"de/d{n} = {g:g}" for n, g in zip(leaves, got))
            right = ", ".join(f"{g:g}" for g in expected)
            return _wrong(f"For {where}: yours {yours}; chainrule's {right}.",
                          _gradient_slip(slip, numbers, got))
    gradients = ", ".join(f"de/d{n} = {g:g}" for n, g in zip(leaves, got))
    return _right(f"For {where}: e = {data:g} and {gradients}, as chainrule's, and so do "
                  f"{len(PROBES) - 1} smaller graphs (+, *, a node used twice, the order of "
                  f"backward).")


# --- the update rule ----------------------------------------------------------------


ASCENT = Slip("gradient ascent", "Descend: p.data -= lr * p.grad (the gradient points uphill).")
NOTHING_MOVED = Slip(
    "nothing moved",
    "Change p.data itself: a new local variable, or a change of p.grad, moves no parameter.")
NO_LEARNING_RATE = Slip("the learning rate left out",
                        "The step is lr × grad: p.data -= lr * p.grad.")
DIVIDED_BY_LEARNING_RATE = Slip("divided by the learning rate",
                                "Multiply: p.data -= lr * p.grad.")
UPDATE_START, UPDATE_GRADIENTS, UPDATE_LR = (0.5, -1.0, 2.0), (0.2, -0.4, 0.0), 0.1
UPDATE_SLIPS = {
    ASCENT: lambda x, g, lr: x + lr * g,
    NOTHING_MOVED: lambda x, g, lr: x,
    NO_LEARNING_RATE: lambda x, g, lr: x - g,
    DIVIDED_BY_LEARNING_RATE: lambda x, g, lr: x - g / lr,
}


def check_update_rule(update) -> Verdict:
    """``update(parameters, lr)``: one step of gradient descent, ``p.data -= lr * p.grad``."""
    parameters = [Value(x) for x in UPDATE_START]
    for parameter, gradient in zip(parameters, UPDATE_GRADIENTS):
        parameter.grad = gradient
    try:
        update(parameters, UPDATE_LR)
        got = [_number(p.data) for p in parameters]
    except Exception as error:  # noqa: BLE001 - any failure of the answer is reported
        return _failed(error, "update(parameters, lr)")

    def after(rule):
        return [rule(x, g, UPDATE_LR) for x, g in zip(UPDATE_START, UPDATE_GRADIENTS)]

    expected = after(lambda x, g, lr: x - lr * g)
    setting = (f"From data {_listed(UPDATE_START)} with grad {_listed(UPDATE_GRADIENTS)} and "
               f"lr = {UPDATE_LR}")
    if _all_close(got, expected):
        return _right(f"{setting} your step gives {_listed(got)}: each moved by -lr × grad.")
    slip = next((slip for slip, rule in UPDATE_SLIPS.items() if _all_close(got, after(rule))),
                None)
    return _wrong(f"{setting} your step gives {_listed(got)}, expected {_listed(expected)}.",
                  slip)


# --- a training loop -----------------------------------------------------------------


NO_ZERO_GRAD = Slip(
    "the gradients never reset",
    "backward() ADDS into .grad: call model.zero_grad() before each backward().")
NEVER_MOVED = Slip(
    "the parameters never moved",
    "The loss never changes: call zero_grad() before backward(), not between backward() and "
    "the update, and let the update change p.data.")
SUMMED = Slip("summed instead of averaged",
              "The loss is the MEAN over the examples: losses.hinge(predictions, y) averages; "
              "a sum makes the loss and every gradient len(X) times too big.")
RECORDED_AFTER = Slip("the loss recorded after the update",
                      "Record loss.data of the loss you called backward() on.")
LOOP_STEPS, LOOP_LR = 15, 0.1


def _moons():
    from nn import data

    X, labels = data.make_moons(20, noise=0.1, seed=0)
    return X, [2 * label - 1 for label in labels]  # hinge wants -1 / +1


def fresh_model():
    """The network the ``training loop`` exercise starts from: MLP(2, [4, 1], seed=0)."""
    from nn import MLP

    return MLP(2, [4, 1], seed=0)


def _reference_losses(zero_grad=True, descend=True, after=False):
    """A correct loop, or with the flags one of the usual mistakes, for comparison."""
    from nn import losses

    X, y = _moons()
    model = fresh_model()
    recorded = []
    for _ in range(LOOP_STEPS):
        if zero_grad:
            model.zero_grad()
        loss = losses.hinge([model(x) for x in X], y)
        loss.backward()
        for parameter in model.parameters():
            parameter.data += (-LOOP_LR if descend else LOOP_LR) * parameter.grad
        if after:
            loss = losses.hinge([model(x) for x in X], y)
        recorded.append(loss.data)
    return recorded


def check_training_loop(train) -> Verdict:
    """``train(model, X, y, steps, lr)`` returns each step's mean hinge loss (before
    its update); compared with a reference loop from the same initial weights."""
    X, y = _moons()
    try:
        got = [_number(loss) for loss in train(fresh_model(), X, y, LOOP_STEPS, LOOP_LR)]
    except Exception as error:  # noqa: BLE001 - any failure of the answer is reported
        return _failed(error, f"train(model, X, y, steps={LOOP_STEPS}, lr={LOOP_LR})")
    expected = _reference_losses()
    setting = (f"On {len(X)} moons points, MLP(2, [4, 1], seed=0), {LOOP_STEPS} steps of "
               f"lr = {LOOP_LR}")
    if len(got) != LOOP_STEPS:
        return _wrong(f"{setting}: your loop returned {len(got)} losses; one per step "
                      f"({LOOP_STEPS}) was expected.")
    if _all_close(got, expected):
        return _right(f"{setting}: your losses are the reference loop's, from {got[0]:.4f} "
                      f"down to {got[-1]:.4f}.")
    first = next(k for k, (a, b) in enumerate(zip(got, expected)) if not _close(a, b))
    if _close(got[0], len(X) * expected[0]):
        slip = SUMMED
    elif _all_close(got, [got[0]] * LOOP_STEPS):
        slip = NEVER_MOVED
    else:
        variants = {NO_ZERO_GRAD: dict(zero_grad=False), ASCENT: dict(descend=False),
                    RECORDED_AFTER: dict(after=True)}
        slip = next((slip for slip, flags in variants.items()
                     if _all_close(got, _reference_losses(**flags))), None)
    return _wrong(f"{setting}: your loss at step {first + 1} is {got[first]:.6f}, a correct "
                  f"loop's is {expected[first]:.6f} (last step: yours {got[-1]:.6f}, correct "
                  f"{expected[-1]:.6f}).", slip)


# --- the registry ---------------------------------------------------------------------


EXERCISES = {exercise.name: exercise for exercise in (
    Exercise("derivative", "08_exercises", check_derivative,
             (PRODUCT_OF_DERIVATIVES, PRODUCT_RULE_HALF, CHAIN_RULE_SIGN, SINE_SIGN)),
    Exercise("value class", "08_exercises", check_value_class,
             (FORWARD, NO_SEED, ADD_PARTIALS, SWAPPED_PARTIALS, MUL_PARTIALS, OVERWRITE, ORDER)),
    Exercise("update rule", "08_exercises", check_update_rule,
             (ASCENT, NOTHING_MOVED, NO_LEARNING_RATE, DIVIDED_BY_LEARNING_RATE)),
    Exercise("training loop", "08_exercises", check_training_loop,
             (NO_ZERO_GRAD, NEVER_MOVED, SUMMED, ASCENT, RECORDED_AFTER)),
)}


def reveal(name: str) -> None:
    """Print the reference solution of the exercise ``name`` (a key of :data:`EXERCISES`)."""
    from . import solutions

    if name not in EXERCISES:
        raise ValueError(f"no exercise is named {name!r}; the exercises are "
                         f"{', '.join(map(repr, EXERCISES))}")
    print(inspect.getsource(solutions.SOLUTIONS[name]))
