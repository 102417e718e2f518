"""micrograd's demo step natively (``engine="c"``) against PyTorch, numpy,
micrograd and chainrule eager, side by side in one process.

The recipe, weights and steps are those of :mod:`_demo`. Engines:

* ``native``: ``nn.Step(..., engine="c")`` with plain SGD: for this MLP
  and loss, the MLP kernels of ``nn.native`` (loops from the model's
  structure; ``benchmarks/native_kernels.py`` measures them at every width
  and with Adam);
* ``native, per step``: an SGD declared without a native update, so the
  step runs on the traces (the per-example loss traced once per label,
  printed as C, compiled by ``cc``), called per step through Values
  (parameters copied in and out, nn.optim's update in Python), as
  ``Step(engine="c")`` runs a model or loss the kernels do not take;
* ``torch, 1 thread`` / ``torch``: PyTorch CPU on batched float64 tensors
  (``torch.set_num_threads(1)``, then its default), the same step;
* ``numpy``: the step written by hand on batched float64 arrays;
* ``micrograd``, ``eager``: as in ``compiled_step.py``.

Then the same step (native and torch only) for MLPs 2-w-w-1 with w = 32, 64
and 128, and the compile times of the native step, cold (an empty cache)
and cached. Run: ``python benchmarks/native_step.py`` (needs torch,
numpy and micrograd; ``--quick``: 2-16-16-1 only, few steps).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

from _demo import (
    L2,
    SCHEDULE,
    chainrule_step,
    demo_step,
    model,
    moons,
    numpy_backward_and_update,
    numpy_forward,
)
from compiled_step import Micrograd

from autograd import compile
from nn import losses, optim


def weights_and_biases(network):
    return ([[[w.data for w in neuron.w] for neuron in layer.neurons] for layer in network.layers],
            [[neuron.b.data for neuron in layer.neurons] for layer in network.layers])


class Chainrule:
    """``nn.Step`` of the demo recipe on ``engine``; ``per_parameter_update``
    uses an SGD whose native update is off, so nn.optim updates in Python."""

    def __init__(self, name, hidden, X, y, engine, per_parameter_update=False):
        self.name = name
        self.network, self.optimizer = model(hidden)
        if per_parameter_update:
            self.optimizer = PythonSGD(self.network.parameters(), lr=SCHEDULE(0))
        self.training_step = demo_step(self.network, self.optimizer, X, y, engine)

    def step(self, k):
        return chainrule_step(self.training_step, k)


class PythonSGD(optim.SGD):
    """SGD whose update always runs in Python (as any optimizer without a native form)."""

    native = False  # no C form of its update: neither native step takes it


class Torch:
    """Batched tensors: three matrix products forward, autograd backward."""

    def __init__(self, hidden, X, y, threads):
        import torch

        self.torch, self.threads = torch, threads
        self.name = "torch" if threads is None else f"torch, {threads} thread"
        weights, biases = weights_and_biases(model(hidden)[0])
        tensor = lambda values: torch.tensor(values, dtype=torch.float64)  # noqa: E731
        self.weights = [tensor(w).requires_grad_() for w in weights]
        self.biases = [tensor(b).requires_grad_() for b in biases]
        self.params = [p for pair in zip(self.weights, self.biases) for p in pair]
        self.X, self.y = tensor(X), tensor(y)

    def step(self, k):
        h = self.X
        for index, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ w.T + b
            if index < len(self.weights) - 1:
                h = h.relu()
        loss = (1 - self.y * h[:, 0]).relu().mean() + L2 * sum((p * p).sum() for p in self.params)
        for p in self.params:
            p.grad = None
        loss.backward()
        with self.torch.no_grad():
            for p in self.params:
                p -= SCHEDULE(k) * p.grad
        return loss.item()


class Numpy:
    """The step by hand on batched arrays: forward, backward, update."""

    name = "numpy"

    def __init__(self, hidden, X, y):
        import numpy

        self.np = numpy
        weights, biases = weights_and_biases(model(hidden)[0])
        self.weights = [numpy.array(w) for w in weights]
        self.biases = [numpy.array(b) for b in biases]
        self.X, self.y = numpy.array(X), numpy.array(y)

    def step(self, k):
        np, count = self.np, len(self.y)
        activations = numpy_forward(self.weights, self.biases, self.X)
        margins = 1.0 - self.y * activations[-1][:, 0]
        penalty = sum((p * p).sum() for p in [*self.weights, *self.biases])
        loss = np.maximum(margins, 0.0).mean() + L2 * penalty
        delta = (np.where(margins > 0.0, -self.y, 0.0) / count)[:, None]
        numpy_backward_and_update(self.weights, self.biases, activations, delta, SCHEDULE(k))
        return float(loss)


def engines_for(hidden, X, y, full):
    engines = [Chainrule("native", hidden, X, y, "c"),
               Chainrule("native, per step", hidden, X, y, "c", per_parameter_update=True),
               Torch(hidden, X, y, 1),
               Torch(hidden, X, y, None)]
    if full:
        engines += [Numpy(hidden, X, y), Chainrule("eager", hidden, X, y, "eager"),
                    Micrograd(hidden, X, y)]
    return engines


def run(hidden, steps, full=True):
    X, y = moons()
    engines = engines_for(hidden, X, y, full)
    default_threads = engines[2].torch.get_num_threads()
    print(f"MLP 2-{'-'.join(map(str, hidden))}-1, {len(X)} points; median step time")
    print(f"{'engine':<16} {'steps/s':>10} {'x torch 1t':>11} {'x micrograd':>12} "
          f"{'first loss':>20}")
    results = {}
    for engine in engines:
        if isinstance(engine, Torch):
            engine.torch.set_num_threads(engine.threads or default_threads)
        first = engine.step(0)  # warm-up; native compiles (or reads its cache) here
        # NOTE: the slow engines take fewer steps: the median of a few is enough.
        slow = isinstance(engine, Micrograd) or engine.name == "eager"
        count = min(steps, 20 if engine.name == "eager" else 3) if slow else steps
        times = []
        for k in range(1, count + 1):
            start = time.perf_counter()
            engine.step(k % 100)
            times.append(time.perf_counter() - start)
        results[engine.name] = (statistics.median(times), first)
    torch_seconds = results["torch, 1 thread"][0]
    for name, (seconds, first) in results.items():
        ratio = f"{results['micrograd'][0] / seconds:>12.0f}" if "micrograd" in results else ""
        print(f"{name:<16} {1 / seconds:>10.1f} {torch_seconds / seconds:>11.2f} {ratio:>12} "
              f"{first!r:>20}")
    print()


def compile_times(widths):
    """Seconds to trace and compile the native per-example step, cold and cached."""
    print("native compile of the per-example step, MLP 2-w-w-1 (trace + emit + cc)")
    print(f"{'w':>4} {'statements':>11} {'level':>6} {'cold s':>8} {'cached s':>9}")
    saved = os.environ.get("CHAINRULE_NATIVE_CACHE")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["CHAINRULE_NATIVE_CACHE"] = folder
        try:
            for width in widths:
                network, _ = model((width, width))
                example = lambda a, b, network=network: losses.hinge(network([a, b]), 1)  # noqa: E731
                seconds = []
                for _ in ("cold", "cached"):
                    step = compile(example, network.parameters(), backend="c")
                    start = time.perf_counter()
                    step.trace(0.5, -0.5)
                    seconds.append(time.perf_counter() - start)
                level, statements = step.backend_note.split(", ")[:2]
                print(f"{width:>4} {statements.split()[0]:>11} {level:>6} "
                      f"{seconds[0]:>8.2f} {seconds[1]:>9.2f}")
        finally:
            if saved is None:
                del os.environ["CHAINRULE_NATIVE_CACHE"]
            else:
                os.environ["CHAINRULE_NATIVE_CACHE"] = saved
    print()


def main(quick=False):
    run([16, 16], steps=20 if quick else 1000)
    if quick:
        return
    for width, steps in ((32, 300), (64, 100), (128, 30)):
        run([width, width], steps=steps, full=False)
    compile_times([16, 32, 64, 128])


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
