"""micrograd's demo recipe, for the benchmarks that time its step.

The recipe (micrograd's ``demo.ipynb``): 100 moons with noise 0.1, labels
-1/+1, an MLP 2-16-16-1 with relu (the last layer linear), the hinge loss
``relu(1 - y · score)`` averaged over the points plus ``1e-4 · Σ p²``, and
SGD whose learning rate falls linearly from 1.0 to 0.1 over 100 steps. One
step is a forward pass over the 100 points, a backward pass and an update.

Every engine starts from the same weights: chainrule's ``nn.MLP(seed=1337)``,
copied into micrograd's MLP (the two list parameters in the same order). A
chainrule step is an ``nn.Step``, the step ``nn.fit`` takes, on any engine;
a micrograd step is its demo's.
"""

from __future__ import annotations

import sys
import time

from nn import MLP, Step, data, losses, optim
from nn.schedules import LinearDecay

POINTS = 100
L2 = 1e-4
SEED = 1337
SCHEDULE = LinearDecay(1.0, 0.1, 100)  # micrograd's 1.0 - 0.9 * k / 100, to the last bit


def moons():
    """The demo's points and their labels -1/+1."""
    X, y = data.make_moons(POINTS, noise=0.1, seed=SEED)
    return X, [2 * label - 1 for label in y]


def model(hidden=(16, 16)):
    """chainrule's MLP 2-hidden-1 with the demo's initial weights, and its SGD."""
    network = MLP(2, [*hidden, 1], seed=SEED)
    return network, optim.SGD(network.parameters(), lr=SCHEDULE(0))


def demo_step(network, optimizer, X, y, engine="eager"):
    """The demo recipe's :class:`nn.Step` on ``engine`` (eager, python or c)."""
    return Step(network, losses.hinge, optimizer, X, y, l2=L2, engine=engine)


def chainrule_step(step, k):
    """Step ``k`` as nn.fit takes it: the schedule's rate, then the Step; its objective."""
    step.optimizer.lr = SCHEDULE(k)
    return step().objective


def micrograd_copy(network):
    """micrograd's MLP of ``network``'s shape holding its weights."""
    from micrograd.nn import MLP as MicrogradMLP

    # NOTE: micrograd's topological sort is recursive, and the L2 sum of
    # 2-64-64-1 is a chain of 4,417 additions.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))
    twin = MicrogradMLP(network.nin, network.nouts)
    for mine, theirs in zip(network.parameters(), twin.parameters(), strict=True):
        theirs.data = mine.data
    return twin


def micrograd_step(twin, X, y, step):
    """One step of micrograd's demo: hinge loss + L2, backward, p -= lr * grad."""
    from micrograd.engine import Value as MicrogradValue

    scores = [twin([MicrogradValue(a), MicrogradValue(b)]) for a, b in X]
    margins = [(1 + -label * score).relu() for label, score in zip(y, scores)]
    penalty = L2 * sum(p * p for p in twin.parameters())
    loss = sum(margins) * (1.0 / len(margins)) + penalty
    twin.zero_grad()
    loss.backward()
    rate = SCHEDULE(step)
    for p in twin.parameters():
        p.data -= rate * p.grad
    return loss.data


def micrograd_evaluation(twin, X, y):
    """(mean hinge loss, accuracy) of micrograd's model, as chainrule's evaluate() reports."""
    from micrograd.engine import Value as MicrogradValue

    scores = [twin([MicrogradValue(a), MicrogradValue(b)]).data for a, b in X]
    loss = sum(max(0.0, 1 - label * score) for label, score in zip(y, scores)) / len(y)
    right = sum((score > 0) == (label > 0) for label, score in zip(y, scores))
    return loss, right / len(y)


def timed(function, *args):
    """``(function(*args), seconds it took)``."""
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def numpy_forward(weights, biases, X):
    """Every layer's output of a relu MLP (the last layer linear) on the
    rows ``X``, in numpy: ``[X, h1, ..., out]``."""
    import numpy

    activations = [X]
    for index, (w, b) in enumerate(zip(weights, biases)):
        s = activations[-1] @ w.T + b
        activations.append(s if index == len(weights) - 1 else numpy.maximum(s, 0.0))
    return activations


def numpy_backward_and_update(weights, biases, activations, delta, rate):
    """Backpropagate ``delta`` (d loss / d output, one row per example)
    through the MLP of :func:`numpy_forward` and take an SGD step of
    ``rate`` with the demo's L2 term, in place."""
    for index in range(len(weights) - 1, -1, -1):
        w, b, below = weights[index], biases[index], activations[index]
        grad_w, grad_b = delta.T @ below + 2 * L2 * w, delta.sum(0) + 2 * L2 * b
        if index:
            delta = (delta @ w) * (below > 0.0)
        w -= rate * grad_w
        b -= rate * grad_b

