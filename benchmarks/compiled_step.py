"""micrograd's demo training step on every engine, side by side in one process.

The recipe, starting weights and steps are those of :mod:`_demo`
(micrograd's ``demo.ipynb``). Engines, all from the same initial weights:

* ``micrograd``: micrograd's own ``nn.MLP`` (``pip install micrograd``);
* ``eager``: chainrule's ``nn.MLP``, the step eager ``nn.fit`` takes;
* ``compiled``: the step ``nn.fit(..., compile=True)`` takes: the
  per-example loss compiled once per label, replayed for each point with
  ``gradient=1/n``, plus the compiled L2 term;
* ``compiled batch``: ``autograd.compile`` of the whole-batch loss (one
  trace of all 100 points);
* ``hand-written``: the same step written by hand with loops over floats,
  doing all its arithmetic as compiled code must;
* ``hand, skips 0s``: the same, skipping the work a flat ReLU or hinge makes
  zero: the fastest pure Python we know for this step, the limit.

Reports steps/s, the ratios, compile times (the first step's time beyond a
usual step's: tracing and compiling) and how far each engine's losses are
from eager's, for 2-16-16-1 and 2-64-64-1. Run:
``python benchmarks/compiled_step.py`` (``--quick``: 2-16-16-1, a few steps).
"""

from __future__ import annotations

import statistics
import sys
import time

from _demo import (
    L2,
    SCHEDULE,
    chainrule_step,
    demo_step,
    micrograd_copy,
    micrograd_step,
    model,
    moons,
)

from autograd import compile
from nn import losses
from nn.losses import l2_penalty, mean_loss


class Micrograd:
    name = "micrograd"

    def __init__(self, hidden, X, y):
        self.twin, self.X, self.y = micrograd_copy(model(hidden)[0]), X, y

    def step(self, k):
        return micrograd_step(self.twin, self.X, self.y, k)


class Eager:
    name = "eager"
    engine = "eager"

    def __init__(self, hidden, X, y):
        self.network, self.optimizer = model(hidden)
        self.X, self.y = X, y
        self.training_step = demo_step(self.network, self.optimizer, X, y, self.engine)

    def step(self, k):
        return chainrule_step(self.training_step, k)


class Compiled(Eager):
    name = "compiled"
    engine = "python"


class CompiledBatch(Eager):
    """The whole batch's loss compiled as one function of all 200 coordinates.

    An alternative shape measured beside chainrule's step (one trace per
    example): ``compile`` traces the batch's objective once and this class
    runs zero_grad, that replay and SGD's update itself."""

    name = "compiled batch"

    def __init__(self, hidden, X, y):
        super().__init__(hidden, X, y)
        network, parameters, labels = self.network, self.network.parameters(), self.y

        def batch_loss(*coordinates):
            points = [coordinates[i:i + 2] for i in range(0, len(coordinates), 2)]
            return (mean_loss(losses.hinge, [network(point) for point in points], labels)
                    + l2_penalty(parameters, L2))
        self.batch_step = compile(batch_loss, parameters)
        self.coordinates = [x for point in self.X for x in point]

    def step(self, k):
        self.optimizer.lr = SCHEDULE(k)
        self.optimizer.zero_grad()
        loss = self.batch_step(*self.coordinates)
        self.optimizer.step()
        return loss


class HandWritten:
    """The same step by hand: loops over lists of floats, forward and backward.

    It does the arithmetic of the step and no more; like compiled code it
    skips none of it where a ReLU or the hinge is flat (a zero gradient).
    """

    name = "hand-written"
    skips_zeros = False

    def __init__(self, hidden, X, y):
        self.layers = [([[w.data for w in neuron.w] for neuron in layer.neurons],
                        [neuron.b.data for neuron in layer.neurons])
                       for layer in model(hidden)[0].layers]
        self.points, self.labels = X, y

    def step(self, k):
        layers, count = self.layers, len(self.points)
        grads = [([[0.0] * len(ws) for ws in weights], [0.0] * len(biases))
                 for weights, biases in layers]
        last = len(layers) - 1
        total = 0.0
        for point, y in zip(self.points, self.labels):
            activations = [point]
            for index, (weights, biases) in enumerate(layers):
                x = activations[-1]
                sums = []
                for ws, b in zip(weights, biases):
                    for w, xi in zip(ws, x):
                        b += w * xi
                    sums.append(b)
                activations.append(sums if index == last else
                                   [s if s > 0.0 else 0.0 for s in sums])
            margin = 1.0 - y * activations[-1][0]
            flat = margin <= 0.0
            if flat and self.skips_zeros:
                continue
            total += 0.0 if flat else margin
            deltas = [0.0 if flat else -y / count]
            for index in range(last, -1, -1):
                (weights, _), (weight_grads, bias_grads) = layers[index], grads[index]
                x, out = activations[index], activations[index + 1]
                below = [0.0] * len(x)
                for j, (ws, delta) in enumerate(zip(weights, deltas)):
                    if index != last and out[j] <= 0.0:  # a flat ReLU
                        if self.skips_zeros:
                            continue
                        delta = 0.0
                    bias_grads[j] += delta
                    row = weight_grads[j]
                    for i, xi in enumerate(x):
                        row[i] += xi * delta
                        below[i] += ws[i] * delta
                deltas = below
        l2 = 0.0
        rate = SCHEDULE(k)
        for (weights, biases), (weight_grads, bias_grads) in zip(layers, grads):
            for ws, row in zip(weights, weight_grads):
                for i, w in enumerate(ws):
                    l2 += w * w
                    ws[i] = w - rate * (row[i] + 2.0 * L2 * w)
            for j, b in enumerate(biases):
                l2 += b * b
                biases[j] = b - rate * (bias_grads[j] + 2.0 * L2 * b)
        return total / count + L2 * l2


class HandWrittenSkipping(HandWritten):
    """The hand-written step that skips the work a flat ReLU or hinge makes
    zero, as a person would: the fastest pure Python for this step."""

    name = "hand, skips 0s"
    skips_zeros = True


ENGINES = (Micrograd, Eager, Compiled, CompiledBatch, HandWritten, HandWrittenSkipping)


def run(hidden, micrograd_steps, steps, engines=ENGINES):
    X, y = moons()
    engines = [engine(hidden, X, y) for engine in engines]
    # Each engine takes a first step to warm up (the compiled ones trace and
    # compile in it). micrograd then runs alone, as in its demo: other
    # engines' steps in between would change when its garbage collector
    # runs, which is most of its time. The others take turns step by step,
    # so a busy machine slows them alike.
    curves, first_seconds = {}, {}
    for engine in engines:
        start = time.perf_counter()
        curves[engine.name] = [engine.step(0)]
        first_seconds[engine.name] = time.perf_counter() - start
    times = {engine.name: [] for engine in engines}
    turns = [[engines[0]]] * micrograd_steps + [engines[1:]] * steps
    for turn in turns:
        for engine in turn:
            start = time.perf_counter()
            curves[engine.name].append(engine.step(len(curves[engine.name])))
            times[engine.name].append(time.perf_counter() - start)
    seconds = {name: statistics.median(measured) for name, measured in times.items()}
    compile_seconds = {engine.name: first_seconds[engine.name] - seconds[engine.name]
                       for engine in engines if engine.name.startswith("compiled")}

    reference = curves["eager"]
    limit = min(seconds["hand-written"], seconds["hand, skips 0s"])
    sizes = [2, *hidden, 1]
    print(f"MLP {'-'.join(map(str, sizes))}, {len(X)} points "
          f"({sum(a * b + b for a, b in zip(sizes, sizes[1:]))} parameters); "
          f"median of {steps} steps ({micrograd_steps} for micrograd) after one to warm up")
    print(f"{'engine':<15} {'steps/s':>9} {'x micrograd':>12} {'x eager':>8} "
          f"{'of limit':>9} {'compile s':>10} {'loss diff':>10}")
    for engine in engines:
        name = engine.name
        difference = max(abs(a - b) / abs(b) for a, b in zip(curves[name], reference))
        compile_time = f"{compile_seconds[name]:.3f}" if name in compile_seconds else ""
        print(f"{name:<15} {1 / seconds[name]:>9.3g} "
              f"{seconds['micrograd'] / seconds[name]:>12.1f} "
              f"{seconds['eager'] / seconds[name]:>8.1f} "
              f"{limit / seconds[name]:>9.2f} "
              f"{compile_time:>10} {difference:>10.1e}")
    print("(of limit: the speed over the faster hand-written step's; loss diff: "
          "the largest relative difference from eager's losses)")
    print()


def main(quick=False):
    if quick:
        run([16, 16], micrograd_steps=1, steps=3)
        return
    run([16, 16], micrograd_steps=5, steps=20)
    # NOTE: no whole-batch trace of 2-64-64-1: its function of 3 million
    # lines takes about a minute and 3 GB to compile.
    run([64, 64], micrograd_steps=2, steps=5,
        engines=[engine for engine in ENGINES if engine is not CompiledBatch])


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
