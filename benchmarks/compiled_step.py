"""micrograd's demo training step, side by side in one process.

The step of micrograd's ``demo.ipynb``: 100 moons points, an MLP 2-16-16-1
(ReLU), the SVM hinge loss ``relu(1 - y · score)`` averaged over the points
plus ``1e-4 · Σ p²``, then SGD with learning rate ``1.0 - 0.9 k / 100``.

Engines, all from the same initial weights:

* ``micrograd``: micrograd's own ``nn.MLP`` (``pip install micrograd``);
* ``eager``: chainrule Values, ``loss.backward()``;
* ``compiled``: ``autograd.compile`` of the per-example loss, replayed for
  each point with ``gradient=1/n``, plus the compiled L2 term;
* ``compiled batch``: ``autograd.compile`` of the whole-batch loss (one
  trace of all 100 points);
* ``hand-written``: the same step written by hand with loops over floats,
  doing all its arithmetic as compiled code must;
* ``hand, skips 0s``: the same, skipping the work a flat ReLU or hinge makes
  zero: the fastest pure Python we know for this step, the limit.

Reports steps/s, the ratios, compile times and how far each engine's losses
are from eager's, for 2-16-16-1 and 2-64-64-1. Run:
``python benchmarks/compiled_step.py`` (``--quick``: 2-16-16-1, a few steps).
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time

from autograd import Value, compile

POINTS = 100
ALPHA = 1e-4
SEED = 1337


def moons(count=POINTS, noise=0.1, seed=SEED):
    """scikit-learn's ``make_moons``, labels ±1: two interleaved half circles."""
    rng = random.Random(seed)
    outer, inner = count // 2, count - count // 2
    points = [(math.cos(math.pi * i / (outer - 1)), math.sin(math.pi * i / (outer - 1)))
              for i in range(outer)]
    points += [(1.0 - math.cos(math.pi * i / (inner - 1)),
                0.5 - math.sin(math.pi * i / (inner - 1))) for i in range(inner)]
    points = [(a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)) for a, b in points]
    labels = [-1.0] * outer + [1.0] * inner
    return points, labels


def initial_weights(sizes, seed=SEED):
    """Per layer, per neuron: (weights uniform in [-1, 1], bias 0), as micrograd."""
    rng = random.Random(seed)
    return [[([rng.uniform(-1.0, 1.0) for _ in range(fan_in)], 0.0) for _ in range(fan_out)]
            for fan_in, fan_out in zip(sizes, sizes[1:])]


def learning_rate(k):
    return 1.0 - 0.9 * k / 100


class MLP:
    """micrograd's MLP on chainrule Values: neurons ``relu(b + Σ wᵢ·xᵢ)``,
    the last layer linear."""

    def __init__(self, weights):
        self.layers = [[([Value(w) for w in ws], Value(b)) for ws, b in layer]
                       for layer in weights]

    def __call__(self, x):
        for index, layer in enumerate(self.layers):
            sums = [sum((w * xi for w, xi in zip(ws, x)), b) for ws, b in layer]
            x = sums if index == len(self.layers) - 1 else [s.relu() for s in sums]
        return x[0]

    def parameters(self):
        return [p for layer in self.layers for ws, b in layer for p in [*ws, b]]


def hinge(y, score):
    return (1 + -y * score).relu()


def demo_loss(model, value_type, points, labels):
    """The demo's loss, for micrograd's Value and chainrule's alike."""
    scores = [model([value_type(a), value_type(b)]) for a, b in points]
    losses = [hinge(y, score) for y, score in zip(labels, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    return data_loss + ALPHA * sum(p * p for p in model.parameters())


def sgd(params, k):
    rate = learning_rate(k)
    for p in params:
        p.data -= rate * p.grad


class Micrograd:
    name = "micrograd"

    def __init__(self, weights, points, labels):
        from micrograd.engine import Value as MicrogradValue
        from micrograd.nn import MLP as MicrogradMLP

        # NOTE: micrograd's topological sort is recursive, and the L2 sum of
        # 2-64-64-1 is a chain of 4,417 additions.
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))
        self.value_type, self.points, self.labels = MicrogradValue, points, labels
        sizes = [len(weights[0][0][0])] + [len(layer) for layer in weights]
        self.model = MicrogradMLP(sizes[0], sizes[1:])
        flat = [x for layer in weights for ws, b in layer for x in [*ws, b]]
        for p, x in zip(self.model.parameters(), flat):
            p.data = x

    def step(self, k):
        loss = demo_loss(self.model, self.value_type, self.points, self.labels)
        self.model.zero_grad()
        loss.backward()
        sgd(self.model.parameters(), k)
        return loss.data


class Eager:
    name = "eager"

    def __init__(self, weights, points, labels):
        self.model, self.points, self.labels = MLP(weights), points, labels
        self.params = self.model.parameters()

    def zero_grad(self):
        for p in self.params:
            p.grad = 0.0

    def step(self, k):
        loss = demo_loss(self.model, Value, self.points, self.labels)
        self.zero_grad()
        loss.backward()
        sgd(self.params, k)
        return loss.data


class Compiled(Eager):
    """The per-example loss compiled once and replayed for every point (one
    ``map`` call) with ``gradient=1/n``, the gradient eager backward gives
    each point's loss in the mean; plus the L2 term compiled on its own."""

    name = "compiled"

    def __init__(self, weights, points, labels):
        super().__init__(weights, points, labels)
        self.example = compile(lambda x1, x2, y: hinge(y, self.model([x1, x2])), self.params)
        self.l2 = compile(lambda: ALPHA * sum(p * p for p in self.params), self.params)
        self.rows = [(x1, x2, y) for (x1, x2), y in zip(points, labels)]

    def trace(self):
        self.example.trace(*self.points[0], self.labels[0])
        self.l2.trace()

    def step(self, k):
        self.zero_grad()
        mean = 1.0 / len(self.points)
        losses = self.example.map(self.rows, gradient=mean)
        loss = sum(losses) * mean + self.l2()
        sgd(self.params, k)
        return loss


class CompiledBatch(Eager):
    """The whole batch's loss compiled as one function of all 300 numbers."""

    name = "compiled batch"

    def __init__(self, weights, points, labels):
        super().__init__(weights, points, labels)
        self.inputs = [x for (x1, x2), y in zip(points, labels) for x in (x1, x2, y)]

        def batch_loss(*inputs):
            triples = [inputs[i:i + 3] for i in range(0, len(inputs), 3)]
            return demo_loss(self.model, lambda x: x, [(x1, x2) for x1, x2, _ in triples],
                             [y for _, _, y in triples])
        self.batch = compile(batch_loss, self.params)

    def trace(self):
        self.batch.trace(*self.inputs)

    def step(self, k):
        self.zero_grad()
        loss = self.batch(*self.inputs)
        sgd(self.params, k)
        return loss


class HandWritten:
    """The same step by hand: loops over lists of floats, forward and backward.

    It does the arithmetic of the step and no more; like compiled code it
    skips none of it where a ReLU or the hinge is flat (a zero gradient).
    """

    name = "hand-written"
    skips_zeros = False

    def __init__(self, weights, points, labels):
        self.layers = [([list(ws) for ws, _ in layer], [b for _, b in layer]) for layer in weights]
        self.points, self.labels = points, labels

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
        rate = learning_rate(k)
        for (weights, biases), (weight_grads, bias_grads) in zip(layers, grads):
            for ws, row in zip(weights, weight_grads):
                for i, w in enumerate(ws):
                    l2 += w * w
                    ws[i] = w - rate * (row[i] + 2.0 * ALPHA * w)
            for j, b in enumerate(biases):
                l2 += b * b
                biases[j] = b - rate * (bias_grads[j] + 2.0 * ALPHA * b)
        return total / count + ALPHA * l2


class HandWrittenSkipping(HandWritten):
    """The hand-written step that skips the work a flat ReLU or hinge makes
    zero, as a person would: the fastest pure Python for this step."""

    name = "hand, skips 0s"
    skips_zeros = True


ENGINES = (Micrograd, Eager, Compiled, CompiledBatch, HandWritten, HandWrittenSkipping)


def run(sizes, micrograd_steps, steps, engines=ENGINES):
    points, labels = moons()
    weights = initial_weights(sizes)
    engines = [engine(weights, points, labels) for engine in engines]
    compile_seconds = {}
    for engine in engines:
        if hasattr(engine, "trace"):
            start = time.perf_counter()
            engine.trace()
            compile_seconds[engine.name] = time.perf_counter() - start
    # Each engine takes a first step to warm up. micrograd then runs alone, as
    # in its demo: other engines' steps in between would change when its
    # garbage collector runs, which is most of its time. The others take
    # turns step by step, so a busy machine slows them alike.
    losses = {engine.name: [engine.step(0)] for engine in engines}
    times = {engine.name: [] for engine in engines}
    turns = [[engines[0]]] * micrograd_steps + [engines[1:]] * steps
    for turn in turns:
        for engine in turn:
            start = time.perf_counter()
            losses[engine.name].append(engine.step(len(losses[engine.name])))
            times[engine.name].append(time.perf_counter() - start)
    seconds = {name: statistics.median(measured) for name, measured in times.items()}

    reference = losses["eager"]
    limit = min(seconds["hand-written"], seconds["hand, skips 0s"])
    print(f"MLP {'-'.join(map(str, sizes))}, {POINTS} points "
          f"({sum(a * b + b for a, b in zip(sizes, sizes[1:]))} parameters); "
          f"median of {steps} steps ({micrograd_steps} for micrograd) after one to warm up")
    print(f"{'engine':<15} {'steps/s':>9} {'x micrograd':>12} {'x eager':>8} "
          f"{'of limit':>9} {'compile s':>10} {'loss diff':>10}")
    for engine in engines:
        name = engine.name
        curve = losses[name]
        difference = max(abs(a - b) / abs(b) for a, b in zip(curve, reference))
        compiled = f"{compile_seconds[name]:.3f}" if name in compile_seconds else ""
        print(f"{name:<15} {1 / seconds[name]:>9.2f} "
              f"{seconds['micrograd'] / seconds[name]:>12.1f} "
              f"{seconds['eager'] / seconds[name]:>8.1f} "
              f"{limit / seconds[name]:>9.2f} "
              f"{compiled:>10} {difference:>10.1e}")
    print("(of limit: the speed over the faster hand-written step's; loss diff: "
          "the largest relative difference from eager's losses)")
    print()


def main(quick=False):
    if quick:
        run([2, 16, 16, 1], micrograd_steps=1, steps=3)
        return
    run([2, 16, 16, 1], micrograd_steps=5, steps=20)
    # NOTE: no whole-batch trace of 2-64-64-1: its function of 3 million
    # lines takes about a minute and 3 GB to compile.
    run([2, 64, 64, 1], micrograd_steps=2, steps=5,
        engines=[engine for engine in ENGINES if engine is not CompiledBatch])


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
