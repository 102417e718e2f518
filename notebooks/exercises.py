"""Checkers for the exercises of ``07_exercises.ipynb``: right or wrong, and why.

Each ``check_*`` function takes the learner's answer, tries it on numbers
whose right result is known independently of the answer (central finite
differences, chainrule's own engine, a reference loop written here), and
returns a :class:`Verdict`: ``passed`` and a message that says what was
compared and, when it is wrong, the numbers that disagree and the likely
mistake. A checker never raises because an answer is wrong; an answer that
raises is reported as wrong, with its exception.

The checkers use only the public APIs: ``autograd.Value`` and ``nn``'s
``MLP``, ``losses`` and ``data`` (``tests/test_exercises.py`` shows that they
reject wrong answers with the right message).
"""

from __future__ import annotations

from dataclasses import dataclass

from autograd import Value

STEP = 1e-6  # central differences: error ~ h² + ε/h, smallest near h = 1e-5..1e-6
TOLERANCE = 1e-6  # |answer - reference| <= TOLERANCE * (1 + |reference|)


@dataclass(frozen=True)
class Verdict:
    """The result of one check: ``passed``, and a message saying why."""

    passed: bool
    message: str

    def __str__(self) -> str:
        return ("Right. " if self.passed else "Wrong. ") + self.message

    __repr__ = __str__  # a checking cell shows the verdict as its last line


def _close(answer: float, reference: float) -> bool:
    return abs(answer - reference) <= TOLERANCE * (1.0 + abs(reference))


def _number(x) -> float:
    """A float from a number or a Value (its ``data``: float(Value) is refused)."""
    return x.data if isinstance(x, Value) else float(x)


def _raised(error: Exception, what: str) -> Verdict:
    return Verdict(False, f"{what} raised {type(error).__name__}: {error}")


def central_difference(f, x: float, step: float = STEP) -> float:
    """(f(x + h) - f(x - h)) / 2h: the slope of ``f`` at ``x``, to about 1e-10."""
    return (f(x + step) - f(x - step)) / (2.0 * step)


def check_derivative(derivative, f, points) -> Verdict:
    """``derivative(x)`` against central differences of ``f`` at each point."""
    rows = []
    for x in points:
        try:
            answer = _number(derivative(x))
        except Exception as error:  # noqa: BLE001 - any failure of the answer is reported
            return _raised(error, f"your derivative at x = {x}")
        rows.append((x, answer, central_difference(f, x)))
    worst = max(rows, key=lambda row: abs(row[1] - row[2]))
    x, answer, numeric = worst
    table = "\n".join(f"  x = {x:7.3f}   yours {a: .8f}   finite differences {n: .8f}"
                      for x, a, n in rows)
    if all(_close(answer, numeric) for _, answer, numeric in rows):
        return Verdict(True, f"At {len(rows)} points your derivative matches central "
                             f"differences; the worst mismatch is {abs(answer - numeric):.1e} "
                             f"(at x = {x}).\n{table}")
    wrong = sum(not _close(a, n) for _, a, n in rows)
    return Verdict(False, f"Your derivative is off at {wrong} of {len(rows)} points; the worst "
                          f"is x = {x}: yours {answer:.8f}, finite differences {numeric:.8f} "
                          f"(off by {abs(answer - numeric):.2e}).\n{table}")


def _expression(make):
    """One expression that uses a leaf twice, built from leaves ``make(number)``.

    ``e = (a * b + c) * a + b * b``: ``a`` and ``b`` reach ``e`` along two
    paths each, so a backward pass that overwrites a gradient (``=``) instead
    of adding to it (``+=``) gets them wrong.
    """
    a, b, c = make(2.0), make(-3.0), make(10.0)
    d = a * b + c
    e = d * a + b * b
    return (a, b, c), d, e


def check_value_class(value_class) -> Verdict:
    """A learner's scalar class with ``data``, ``grad``, ``+``, ``*`` and
    ``backward()`` against chainrule's :class:`autograd.Value` on one expression."""
    (a, b, c), d, e = _expression(Value)
    e.backward()
    expected = {"a": a.grad, "b": b.grad, "c": c.grad}
    try:
        leaves, _, out = _expression(value_class)
        out.backward()
        got = dict(zip("abc", (leaf.grad for leaf in leaves)))
        data = out.data
    except Exception as error:  # noqa: BLE001 - any failure of the answer is reported
        return _raised(error, "building e = (a*b + c)*a + b*b and calling e.backward()")
    where = "e = (a*b + c)*a + b*b at a = 2, b = -3, c = 10"
    if not _close(data, e.data):
        return Verdict(False, f"For {where}, your e.data is {data}, but e = {e.data}: "
                              f"check the forward arithmetic of + and *.")
    wrong = [name for name in "abc" if not _close(got[name], expected[name])]
    if not wrong:
        return Verdict(True, f"For {where}: e = {data}, and your gradients de/da = {got['a']}, "
                             f"de/db = {got['b']}, de/dc = {got['c']} are chainrule's.")
    details = ", ".join(f"d e/d{name} is {got[name]}, should be {expected[name]}"
                        for name in wrong)
    hint = ("a and b are each used twice: a node used more than once must ADD the gradient of "
            "each use (+=), and a node's gradient is complete only when every node that uses "
            "it has been visited (reverse topological order)")
    return Verdict(False, f"For {where}: {details}. Hint: {hint}.")


def check_update_rule(update) -> Verdict:
    """``update(parameters, lr)``: one step of gradient descent, ``p.data -= lr * p.grad``."""
    start, gradients, lr = [0.5, -1.0, 2.0], [0.2, -0.4, 0.0], 0.1
    parameters = [Value(x) for x in start]
    for parameter, gradient in zip(parameters, gradients):
        parameter.grad = gradient
    try:
        update(parameters, lr)
    except Exception as error:  # noqa: BLE001 - any failure of the answer is reported
        return _raised(error, "update(parameters, lr)")
    expected = [x - lr * g for x, g in zip(start, gradients)]
    got = [p.data for p in parameters]
    setting = f"From data {start} with grad {gradients} and lr = {lr}"
    if all(_close(a, b) for a, b in zip(got, expected)):
        return Verdict(True, f"{setting} your step gives {got}: each moved by -lr × grad.")
    ascent = [x + lr * g for x, g in zip(start, gradients)]
    if all(_close(a, b) for a, b in zip(got, ascent)):
        hint = "that is gradient ASCENT (+ lr × grad): descend with p.data -= lr * p.grad"
    elif all(_close(a, b) for a, b in zip(got, start)):
        hint = "nothing moved: change p.data (a new local variable changes nothing)"
    else:
        hint = "each parameter should move by exactly -lr × its own grad"
    return Verdict(False, f"{setting} your step gives {got}, expected {expected}: {hint}.")


def _moons():
    from nn import data

    X, labels = data.make_moons(20, noise=0.1, seed=0)
    return X, [2 * label - 1 for label in labels]  # hinge wants -1 / +1


def _fresh_model():
    from nn import MLP

    return MLP(2, [4, 1], seed=0)


def _reference_losses(steps: int, lr: float, zero_grad=True, descend=True, after=False):
    """A correct loop (and, with the flags, the usual mistakes), for comparison."""
    from nn import losses

    X, y = _moons()
    model = _fresh_model()
    recorded = []
    for _ in range(steps):
        if zero_grad:
            model.zero_grad()
        loss = losses.hinge([model(x) for x in X], y)
        loss.backward()
        for parameter in model.parameters():
            parameter.data += (-lr if descend else lr) * parameter.grad
        if after:
            loss = losses.hinge([model(x) for x in X], y)
        recorded.append(loss.data)
    return recorded


def check_training_loop(train, steps: int = 15, lr: float = 0.1) -> Verdict:
    """``train(model, X, y, steps, lr)`` returns each step's mean hinge loss (before
    its update); compared with a reference loop from the same initial weights."""
    X, y = _moons()
    try:
        got = [_number(loss) for loss in train(_fresh_model(), X, y, steps, lr)]
    except Exception as error:  # noqa: BLE001 - any failure of the answer is reported
        return _raised(error, f"train(model, X, y, steps={steps}, lr={lr})")
    expected = _reference_losses(steps, lr)
    setting = f"On 20 moons points, MLP(2, [4, 1], seed=0), {steps} steps of lr = {lr}"
    if len(got) != steps:
        return Verdict(False, f"{setting}: your loop returned {len(got)} losses, one per step "
                              f"({steps}) was expected.")
    if all(_close(a, b) for a, b in zip(got, expected)):
        return Verdict(True, f"{setting}: your losses are the reference loop's, from "
                             f"{got[0]:.4f} down to {got[-1]:.4f}.")
    mistakes = {
        "the gradients are never reset: backward() ADDS into .grad, so call "
        "model.zero_grad() before each backward()": dict(zero_grad=False),
        "the loss goes up: that is gradient ascent, use p.data -= lr * p.grad":
            dict(descend=False),
        "you recorded the loss after the update: record loss.data of the loss you "
        "called backward() on": dict(after=True),
    }
    hint = next((hint for hint, mistake in mistakes.items()
                 if all(_close(a, b)
                        for a, b in zip(got, _reference_losses(steps, lr, **mistake)))),
                "each step is: zero_grad, forward over all 20 points, mean hinge loss, "
                "backward, update every parameter, record the loss")
    first = next(k for k, (a, b) in enumerate(zip(got, expected)) if not _close(a, b))
    return Verdict(False, f"{setting}: your loss at step {first + 1} is {got[first]:.6f}, "
                          f"a correct loop's is {expected[first]:.6f} (last step: yours "
                          f"{got[-1]:.6f}, correct {expected[-1]:.6f}). Likely: {hint}.")

