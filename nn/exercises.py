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
import random
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


# --- build your own engine (notebook 09) -------------------------------------------------
#
# The learner's class follows the skeleton notebook 09 gives:
# Value(data, parents=(), partials=()), with .data, .grad, .parents and .partials
# (∂self/∂parent, one number per parent).


PARENTS = Slip("the parents not recorded",
               "the new Value must remember the Values it came from: parents=(self, other), "
               "in that order, with the partials in the same order.")
TANH_OF_INPUT = Slip("1 - x² instead of 1 - tanh²(x)",
                     "d tanh(x)/dx = 1 - tanh(x)², written with the OUTPUT t: 1 - t * t.")
TANH_SIGN = Slip("the sign of tanh's derivative flipped",
                 "d tanh(x)/dx = 1 - t² is positive: tanh only ever rises.")
TANH_SQUARE = Slip("the square forgotten", "d tanh(x)/dx = 1 - t², t squared.")
DUPLICATES = Slip("a node listed more than once",
                  "a node reached along two paths must be listed once: keep a set of the "
                  "nodes already visited.")
ROOT_FIRST = Slip("the root listed first",
                  "list a node AFTER its parents: visit the parents, then append the node.")
MISSING = Slip("nodes missing", "visit every parent of every node, down to the leaves.")


def _node_parts(node):
    return _number(node.data), tuple(node.parents), tuple(_number(p) for p in node.partials)


def _check_new_node(build, value_class, numbers, forward, partials, where, slips):
    """A new node from ``build(*leaves)``: its data, its parents (the leaves) and partials."""
    try:
        leaves = [value_class(x) for x in numbers]
        data, parents, got = _node_parts(build(*leaves))
    except Exception as error:  # noqa: BLE001 - any failure of the answer is reported
        return None, _failed(error, where)
    expected = partials(forward, *numbers)
    if not _close(data, forward):
        return None, _wrong(f"For {where}: your data is {data:g}, it should be {forward:g}.",
                            FORWARD)
    if len(parents) != len(leaves) or any(p is not leaf for p, leaf in zip(parents, leaves)):
        return None, _wrong(f"For {where}: your parents are {parents!r}, they should be the "
                            f"input{'s' if len(leaves) > 1 else ''} {tuple(leaves)!r}.", PARENTS)
    if _all_close(got, expected):
        return f"For {where}: data {data:g}, partials {_listed(got)}.", None
    slip = next((slip for slip, rule in slips.items()
                 if _all_close(got, rule(forward, *numbers))), None)
    return None, _wrong(f"For {where}: your partials are {_listed(got)}, they should be "
                        f"{_listed(expected)}.", slip)


def check_mul(value_class) -> Verdict:
    """``a * b`` of the learner's class: data ``a.data * b.data``, parents ``(a, b)``,
    partials ``(b.data, a.data)``."""
    said, verdict = _check_new_node(
        lambda a, b: a * b, value_class, (2.0, -3.0), -6.0, lambda out, a, b: (b, a),
        "c = a * b at a = 2, b = -3", {SWAPPED_PARTIALS: lambda out, a, b: (a, b)})
    return verdict or _right(said)


def check_tanh(value_class) -> Verdict:
    """``x.tanh()`` of the learner's class: data ``tanh(x)``, parents ``(x,)``,
    partial ``1 - tanh(x)²``."""
    x = 0.7
    said, verdict = _check_new_node(
        lambda a: a.tanh(), value_class, (x,), math.tanh(x), lambda t, a: (1 - t * t,),
        f"t = x.tanh() at x = {x}",
        {TANH_OF_INPUT: lambda t, a: (1 - a * a,), TANH_SIGN: lambda t, a: (t * t - 1,),
         TANH_SQUARE: lambda t, a: (1 - t,)})
    return verdict or _right(said)


@dataclass(eq=False)
class _Node:
    """A node of the graph ``check_topological_order`` hands over: ``name`` and ``parents``."""

    name: str
    parents: tuple = ()
    data: float = 0.0
    grad: float = 0.0


def check_topological_order(topological_order) -> Verdict:
    """``topological_order(root)``: every node of the graph once, each after its parents.

    The graph: ``d = a * b``, ``e = d * c``, ``f = e + d`` — ``d`` is reached
    along two paths. Its nodes have the skeleton's ``parents`` (and ``data``,
    ``grad``), which is all a topological order reads."""
    a, b, c = _Node("a"), _Node("b"), _Node("c")
    d = _Node("d", (a, b))
    e = _Node("e", (d, c))
    f = _Node("f", (e, d))
    try:
        order = list(topological_order(f))
    except Exception as error:  # noqa: BLE001 - any failure of the answer is reported
        return _failed(error, "topological_order(f)")
    names = {id(node): node.name for node in (a, b, c, d, e, f)}
    listed = [names.get(id(node), "?") for node in order]
    where = (f"For d = a * b, e = d * c, f = e + d your order is {' '.join(listed)}")
    if "?" in listed:
        return _wrong(f"{where}: '?' stands for {order[listed.index('?')]!r}, which is not a "
                      f"node of the graph: list the nodes themselves.")
    if len(set(listed)) < len(listed):
        return _wrong(f"{where}: {max(listed, key=listed.count)} appears "
                      f"{max(map(listed.count, listed))} times.", DUPLICATES)
    if not set(names.values()) <= set(listed):
        return _wrong(f"{where}: {', '.join(sorted(set(names.values()) - set(listed)))} "
                      f"missing.", MISSING)
    position = {name: k for k, name in enumerate(listed)}
    edges = [("a", "d"), ("b", "d"), ("d", "e"), ("c", "e"), ("e", "f"), ("d", "f")]
    late = [(parent, child) for parent, child in edges if position[parent] > position[child]]
    if late:
        slip = ROOT_FIRST if listed[0] == "f" else None
        return _wrong(f"{where}: {late[0][0]} comes after {late[0][1]}, which uses it.", slip)
    return _right(f"{where}: every node once, each after the nodes it uses.")


def _random_graph(seed: int):
    """A recipe: three leaves, then twelve nodes, each +, * or tanh of earlier nodes
    (reused at random, so some are shared); the last node is the output."""
    rng = random.Random(seed)
    leaves = [round(rng.uniform(-1.5, 1.5), 2) for _ in range(3)]
    steps = []
    for _ in range(12):
        count = 3 + len(steps)
        op = rng.choice(["+", "*", "tanh"])
        steps.append((op, rng.randrange(count), rng.randrange(count)))
    return leaves, steps


def _replay(value_class, leaves, steps):
    nodes = [value_class(x) for x in leaves]
    for op, i, j in steps:
        nodes.append(nodes[i].tanh() if op == "tanh" else
                     nodes[i] + nodes[j] if op == "+" else nodes[i] * nodes[j])
    nodes[-1].backward()
    return [_number(nodes[-1].data)] + [_number(leaf.grad or 0.0) for leaf in nodes[:3]]


def _recipe_text(leaves, steps) -> str:
    lines = [f"v{k} = {x}" for k, x in enumerate(leaves)]
    lines += [f"v{k} = " + (f"tanh(v{i})" if op == "tanh" else f"v{i} {op} v{j}")
              for k, (op, i, j) in enumerate(steps, start=len(leaves))]
    return "; ".join(lines)


def check_engine(value_class, graphs: int = 50) -> Verdict:
    """The learner's whole engine against chainrule's on ``graphs`` random graphs of
    +, * and tanh: the output and the gradient of every leaf, to 1e-9 relative."""
    worst = 0.0
    for seed in range(graphs):
        leaves, steps = _random_graph(seed)
        try:
            got = _replay(value_class, leaves, steps)
        except NotImplementedError as error:
            return _failed(error, f"your engine on random graph {seed}")
        except Exception as error:  # noqa: BLE001 - any failure of the answer is reported
            return _failed(error, f"random graph {seed} ({_recipe_text(leaves, steps)})")
        expected = _replay(Value, leaves, steps)
        differences = [abs(g - e) / max(1.0, abs(e)) for g, e in zip(got, expected)]
        if max(differences) > 1e-9:
            return _wrong(f"On random graph {seed}, {_recipe_text(leaves, steps)}, output "
                          f"v{len(leaves) + len(steps) - 1}: yours (output, dv0, dv1, dv2) = "
                          f"{_listed(got)}, chainrule's {_listed(expected)}.")
        worst = max(worst, *differences)
    return _right(f"On {graphs} random graphs of +, * and tanh (12 operations each, "
                  f"shared nodes included) your engine computes chainrule's outputs and "
                  f"gradients; the largest relative difference is {worst:.1e}.")


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
    Exercise("mul", "09_build_your_own_engine", check_mul,
             (FORWARD, PARENTS, SWAPPED_PARTIALS)),
    Exercise("tanh", "09_build_your_own_engine", check_tanh,
             (FORWARD, PARENTS, TANH_OF_INPUT, TANH_SIGN, TANH_SQUARE)),
    Exercise("topological order", "09_build_your_own_engine", check_topological_order,
             (DUPLICATES, MISSING, ROOT_FIRST)),
    Exercise("backward", "09_build_your_own_engine", check_value_class,
             (NO_SEED, OVERWRITE, ORDER)),
)}


def reveal(name: str) -> None:
    """Print the reference solution of the exercise ``name`` (a key of :data:`EXERCISES`)."""
    from . import solutions

    if name not in EXERCISES:
        raise ValueError(f"no exercise is named {name!r}; the exercises are "
                         f"{', '.join(map(repr, EXERCISES))}")
    print(inspect.getsource(solutions.SOLUTIONS[name]))
