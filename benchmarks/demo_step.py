"""The demo step: micrograd's demo recipe, chainrule against micrograd.

The recipe (micrograd's demo notebook): 100 moons with noise 0.1, an MLP
2-16-16-1 with relu, hinge loss plus 1e-4 L2, SGD whose learning rate falls
linearly from 1.0 (``1.0 - 0.9 * k / 100`` at step k), 100 full-batch steps.
One step is a forward pass over the 100 points, one backward pass and one
update of the 337 parameters.

Both engines run the identical recipe in one process: the same points, the
same labels, the same initial weights (chainrule's, copied into micrograd's
MLP) and the same learning rates. Their steps alternate, so both see the
same machine load. chainrule's step is exactly what ``nn.fit`` does;
micrograd's is its demo's, its garbage left to its collector as usual.

First, before micrograd has made any garbage (its cycles would burden
whichever step the collector happens to run in), chainrule's step is timed
as ``nn.fit`` runs it and with Python's cyclic collector left running,
steps interleaved, to show what pausing the collector is worth.

Prints steps per second (one over the median step time, which a busy
machine disturbs least), the ratio, each engine's final training loss and
accuracy, and the collector comparison.

Run: ``pip install micrograd && python benchmarks/demo_step.py [--steps N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from unittest import mock

from nn import MLP, data, evaluate, losses, optim, training
from nn.schedules import LinearDecay

POINTS = 100
L2 = 1e-4
SEED = 1337


def recipe():
    """The data (labels -1/+1) and chainrule's model with its optimizer and schedule."""
    X, y = data.make_moons(POINTS, noise=0.1, seed=SEED)
    signs = [2 * label - 1 for label in y]
    model = MLP(2, [16, 16, 1], seed=SEED)
    return X, signs, model, optim.SGD(model.parameters(), lr=1.0), LinearDecay(1.0, 0.1, 100)


def chainrule_step(model, optimizer, schedule, X, y, step):
    """One step as nn.fit takes it: zero_grad, backpropagation, gradient descent."""
    optimizer.lr = schedule(step)
    optimizer.zero_grad()
    loss, _ = training.loss_and_gradients(model, X, y, losses.hinge, l2=L2)
    optimizer.step()
    return loss


def micrograd_copy(model):
    """micrograd's MLP(2, [16, 16, 1]) holding ``model``'s weights (same order)."""
    from micrograd.nn import MLP as MicrogradMLP

    twin = MicrogradMLP(2, [16, 16, 1])
    for mine, theirs in zip(model.parameters(), twin.parameters(), strict=True):
        theirs.data = mine.data
    return twin


def micrograd_step(model, X, y, step):
    """One step of micrograd's demo: hinge loss + L2, backward, p -= lr * grad."""
    from micrograd.engine import Value as MicrogradValue

    scores = [model([MicrogradValue(a), MicrogradValue(b)]) for a, b in X]
    margins = [(1 + -label * score).relu() for label, score in zip(y, scores)]
    penalty = L2 * sum(p * p for p in model.parameters())
    loss = sum(margins) * (1.0 / len(margins)) + penalty
    model.zero_grad()
    loss.backward()
    rate = 1.0 - 0.9 * step / 100
    for p in model.parameters():
        p.data -= rate * p.grad
    return loss.data


def micrograd_evaluation(model, X, y):
    """(mean hinge loss, accuracy) of a micrograd model, as chainrule's evaluate() reports."""
    from micrograd.engine import Value as MicrogradValue

    scores = [model([MicrogradValue(a), MicrogradValue(b)]).data for a, b in X]
    loss = sum(max(0.0, 1 - label * score) for label, score in zip(y, scores)) / len(y)
    right = sum((score > 0) == (label > 0) for label, score in zip(y, scores))
    return loss, right / len(y)


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def collector_effect(steps):
    """Median step seconds of chainrule as nn.fit runs it, and with the cyclic
    collector left on, steps interleaved, before micrograd has made any garbage."""
    X, y, model, optimizer, schedule = recipe()
    _, _, other_model, other_optimizer, other_schedule = recipe()
    paused, left_on = [], []
    for step in range(steps):
        paused.append(timed(chainrule_step, model, optimizer, schedule, X, y, step)[1])
        with mock.patch.object(training, "_cyclic_collector_paused", contextlib.nullcontext):
            left_on.append(timed(chainrule_step, other_model, other_optimizer,
                                 other_schedule, X, y, step)[1])
    return statistics.median(paused), statistics.median(left_on)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="steps to time (default: 100)")
    parser.add_argument("--collector-steps", type=int, default=20,
                        help="steps of the collector comparison (default: 20)")
    options = parser.parse_args()
    paused, left_on = collector_effect(options.collector_steps)

    X, y, model, optimizer, schedule = recipe()
    twin = micrograd_copy(model)
    our_times, their_times = [], []
    for step in range(options.steps):
        their_loss, seconds = timed(micrograd_step, twin, X, y, step)
        their_times.append(seconds)
        our_loss, seconds = timed(chainrule_step, model, optimizer, schedule, X, y, step)
        our_times.append(seconds)
        if step == 0:
            print(f"step 1 loss: chainrule {our_loss!r}, micrograd {their_loss!r}")

    ours, theirs = statistics.median(our_times), statistics.median(their_times)
    our_loss, our_accuracy = evaluate(model, X, y, losses.hinge)
    their_loss, their_accuracy = micrograd_evaluation(twin, X, y)
    print(f"{options.steps} steps of micrograd's demo; steps/s = 1 / median step time")
    print(f"{'engine':<34} {'steps/s':>8} {'final loss':>11} {'accuracy':>9}")
    print(f"{'micrograd 0.1.0':<34} {1 / theirs:>8.2f} {their_loss:>11.6f} "
          f"{their_accuracy:>9.0%}")
    print(f"{'chainrule (eager, as nn.fit runs)':<34} {1 / ours:>8.2f} "
          f"{our_loss:>11.6f} {our_accuracy:>9.0%}")
    print(f"ratio: chainrule takes {theirs / ours:.1f}x micrograd's steps per second")
    print(f"pausing the cyclic collector during the step (as nn.fit does) makes chainrule's "
          f"step {left_on / paused:.2f}x faster ({options.collector_steps} steps each, "
          f"{1 / paused:.2f} against {1 / left_on:.2f} steps/s)")


if __name__ == "__main__":
    main()
