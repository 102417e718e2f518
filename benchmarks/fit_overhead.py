"""What ``fit`` adds to a step: micrograd's demo recipe on one engine, as a
bare ``nn.Step`` loop and as ``nn.fit``, side by side in one process.

The recipe is :mod:`_demo`'s (100 moons, 2-16-16-1, hinge + 1e-4 L2, SGD,
full batch). ``direct`` calls the step alone (the schedule's rate, then
``step()``); ``fit`` trains the same number of steps through ``nn.fit``
(batch order, schedule, accuracy, history). A step's time is measured
without the setup both pay once (tracing, the native build or its cache,
fit's dry run): ``direct`` times its loop alone, ``fit`` the difference
between a run of ``--steps`` epochs and a run of one. The figure is the
median over interleaved repeats, and fit's ratio to the direct step.
Run: ``python benchmarks/fit_overhead.py [--engine c] [--steps 2000]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _demo import L2, SCHEDULE, chainrule_step, demo_step, model, moons

from nn import fit, losses


def direct(engine, steps, X, y):
    network, optimizer = model()
    training_step = demo_step(network, optimizer, X, y, engine)
    chainrule_step(training_step, 0)  # compiles (or reads the cache) outside the clock
    start = time.perf_counter()
    for k in range(steps):
        chainrule_step(training_step, k)
    return (time.perf_counter() - start) / steps


def through_fit(engine, steps, X, y):
    def run(epochs):
        network, optimizer = model()
        start = time.perf_counter()
        fit(network, X, y, losses.hinge, optimizer, epochs=epochs, l2=L2, engine=engine,
            lr_schedule=SCHEDULE, progress=False, seed=0)
        return time.perf_counter() - start

    run(1)  # the compile, as the direct step's warm-up
    return (run(steps) - run(1)) / (steps - 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="c", choices=("eager", "python", "c"))
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    X, y = moons()
    runs = {"direct": [], "fit": []}
    for _ in range(options.repeats):  # interleaved, so load falls on both alike
        runs["direct"].append(direct(options.engine, options.steps, X, y))
        runs["fit"].append(through_fit(options.engine, options.steps, X, y))
    seconds = {name: statistics.median(times) for name, times in runs.items()}
    print(f"demo step 2-16-16-1, engine {options.engine}, {options.steps} steps x "
          f"{options.repeats} runs (median)")
    for name, per_step in seconds.items():
        print(f"{name:<8} {per_step * 1e6:8.1f} µs/step  {1 / per_step:10,.0f} steps/s")
    print(f"fit / direct: {seconds['fit'] / seconds['direct']:.2f}x")


if __name__ == "__main__":
    main()
