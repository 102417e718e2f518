"""The demo step: micrograd's demo recipe, chainrule's eager engine against micrograd.

The recipe and the starting weights are those of :mod:`_demo`. Both engines
run it in one process, one after the other, each from a collected heap:
chainrule's step exactly as ``nn.fit`` takes it (eager), then micrograd's as
its demo does, its garbage left to its collector as usual. (Alternating
their steps would make chainrule's run among micrograd's uncollected cycles,
which measures micrograd's garbage more than chainrule: 6 against 10
steps/s on the same machine.)

First, before micrograd has made any garbage (its cycles would burden
whichever step the collector happens to run in), chainrule's step is timed
as ``nn.fit`` runs it and with Python's cyclic collector left running,
steps interleaved, to show what pausing the collector is worth.

Prints steps per second (one over the median step time, which a busy
machine disturbs least), the ratio, each engine's final training loss and
accuracy, and the collector comparison. ``compiled_step.py`` compares every
engine, compiled ones included.

Run: ``pip install micrograd && python benchmarks/demo_step.py [--steps N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import statistics
from unittest import mock

from _demo import (
    chainrule_step,
    demo_step,
    micrograd_copy,
    micrograd_evaluation,
    micrograd_step,
    model,
    moons,
    timed,
)

import nn.step
from nn import evaluate, losses


def collector_effect(X, y, steps):
    """Median step seconds of chainrule as nn.fit runs it, and with the cyclic
    collector left on, steps interleaved, before micrograd has made any garbage."""
    paused_step, left_on_step = (demo_step(*model(), X, y) for _ in range(2))
    paused, left_on = [], []
    for step in range(steps):
        paused.append(timed(chainrule_step, paused_step, step)[1])
        with mock.patch.object(nn.step, "cyclic_collector_paused", contextlib.nullcontext):
            left_on.append(timed(chainrule_step, left_on_step, step)[1])
    return statistics.median(paused), statistics.median(left_on)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="steps to time (default: 100)")
    parser.add_argument("--collector-steps", type=int, default=20,
                        help="steps of the collector comparison (default: 20)")
    options = parser.parse_args()
    X, y = moons()
    paused, left_on = collector_effect(X, y, options.collector_steps)

    network, optimizer = model()
    training_step, twin = demo_step(network, optimizer, X, y), micrograd_copy(network)
    gc.collect()
    ours = [timed(chainrule_step, training_step, step) for step in range(options.steps)]
    gc.collect()
    theirs = [timed(micrograd_step, twin, X, y, step) for step in range(options.steps)]
    print(f"step 1 loss: chainrule {ours[0][0]!r}, micrograd {theirs[0][0]!r}")
    our_times, their_times = [seconds for _, seconds in ours], [seconds for _, seconds in theirs]

    ours, theirs = statistics.median(our_times), statistics.median(their_times)
    our_loss, our_accuracy = evaluate(network, X, y, losses.hinge)
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
