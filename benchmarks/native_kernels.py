"""The native MLP step (``nn.native``) against PyTorch and numpy, side by
side in one process, float64.

Problems:

* MLP 2-w-w-1 (relu, the last layer linear), hinge loss + 1e-4 L2 on the
  100 moons of micrograd's demo, full batch, w = 16 ... 256, with SGD (the
  demo's learning-rate schedule) and with Adam (lr 1e-3);
* MLP 64-32-10 (relu), softmax cross-entropy + 1e-4 L2, mini-batches of 32
  (a new shuffle each epoch) from 1,797 rows of 64 features and 10 classes
  (the size of the classic 8x8 digits set; the numbers are drawn at
  random), SGD lr 0.1.

Engines: chainrule's native step, each step one call of ``nn.Step(...,
engine="c")`` (the engine ``fit(..., engine="c")`` takes, also timed through
``fit`` itself: its batches, schedule and history included; without
``nn.Step``, :class:`nn.native.NativeMLPStep` called directly); PyTorch CPU
on batched tensors with ``torch.optim``, one thread
(``torch.set_num_threads(1)``); numpy by hand (SGD problems only). Each
engine runs for ``--seconds`` after a warm-up; steps/s (of this process's CPU
time, the best of three runs, so other jobs on a shared machine do not
count) are reported with the ratio to torch. GFLOP/s counts 6 · rows · Σ nin · nout per step (the
products forward, and the two products of each layer backward).

Then the native step's compile time for each model, cold (an empty cache)
and cached, and the warm start of ``fit(..., engine="c")``: seconds from
the call to the end of its first step, with the cache holding the step.
Run ``python benchmarks/native_kernels.py`` (``--quick``: the smallest
model of each problem, briefly).
"""

from __future__ import annotations

import argparse
import importlib.util
import os

# NOTE: numpy's BLAS on one thread, as torch is: CPU time is what is counted.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import random
import resource
import tempfile
import time

from _demo import (
    L2,
    SCHEDULE,
    micrograd_copy,
    micrograd_step,
    moons,
    numpy_backward_and_update,
    numpy_forward,
)

from nn import MLP, fit, losses, optim
from nn.native import NativeMLPStep

try:
    from nn import Step
except ImportError:  # before nn.Step: the engine itself
    Step = None

SEED = 1337


def digits_like(rows=1797, features=64, classes=10, seed=0):
    """Random data the size of the 8x8 digits set: pixel values 0..16, labels 0..9."""
    rng = random.Random(seed)
    y = [rng.randrange(classes) for _ in range(rows)]
    # each class brightens its own pixels a little, so the classes are learnable
    X = [[float(rng.randrange(17) // (1 if (pixel + label) % classes == 0 else 2))
          for pixel in range(features)] for label in y]
    return X, y


def batch_orders(count, size, epochs, seed=0):
    """Each epoch's mini-batches (lists of row positions), shuffled anew."""
    rng = random.Random(seed)
    orders = []
    for _ in range(epochs):
        order = list(range(count))
        rng.shuffle(order)
        orders += [order[start:start + size] for start in range(0, count, size)]
    return orders


class Problem:
    def __init__(self, name, sizes, loss, X, y, batches, optimizer, lr):
        self.name, self.sizes, self.loss = name, sizes, loss
        self.X, self.y, self.batches = X, y, batches
        self.optimizer, self.lr = optimizer, lr

    def network(self):
        return MLP(self.sizes[0], self.sizes[1:], seed=SEED)

    def flops(self):
        rows = len(self.y) if self.batches is None else len(self.batches[0])
        return 6 * rows * sum(a * b for a, b in zip(self.sizes, self.sizes[1:]))


class Native:
    name = "chainrule native"

    def __init__(self, problem):
        self.problem = problem
        network = problem.network()
        make = getattr(optim, problem.optimizer)
        self.optimizer = make(network.parameters(), lr=problem.lr(0))
        started = time.perf_counter()
        if Step is not None:
            self.step_function = Step(network, problem.loss, self.optimizer, problem.X,
                                      problem.y, l2=L2, engine="c")
            assert self.step_function.engine == "c", self.step_function.engine
        else:
            self.step_function = NativeMLPStep(network, problem.loss, self.optimizer,
                                               problem.X, problem.y, l2=L2,
                                               predict=problem.loss.predict)
        self.setup_seconds = time.perf_counter() - started

    def step(self, k):
        problem = self.problem
        self.optimizer.lr = problem.lr(k)
        rows = None if problem.batches is None else problem.batches[k % len(problem.batches)]
        return self.step_function(rows)


class Torch:
    name = "torch, 1 thread"

    def __init__(self, problem):
        import torch

        self.torch, self.problem = torch, problem
        network = problem.network()
        tensor = lambda values: torch.tensor(values, dtype=torch.float64)  # noqa: E731
        self.weights = [tensor([[w.data for w in neuron.w] for neuron in layer.neurons])
                        .requires_grad_() for layer in network.layers]
        self.biases = [tensor([neuron.b.data for neuron in layer.neurons]).requires_grad_()
                       for layer in network.layers]
        self.params = [*self.weights, *self.biases]
        self.optimizer = getattr(torch.optim, problem.optimizer)(self.params, lr=problem.lr(0))
        self.X = tensor(problem.X)
        self.y = (torch.tensor(problem.y) if problem.loss is losses.cross_entropy
                  else tensor(problem.y))
        self.batches = None if problem.batches is None else [
            torch.tensor(rows) for rows in problem.batches]

    def step(self, k):
        torch, problem = self.torch, self.problem
        X, y = self.X, self.y
        if self.batches is not None:
            rows = self.batches[k % len(self.batches)]
            X, y = X[rows], y[rows]
        h = X
        for index, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = torch.addmm(b, h, w.T)
            if index < len(self.weights) - 1:
                h = h.relu()
        if problem.loss is losses.cross_entropy:
            data_loss = torch.nn.functional.cross_entropy(h, y)
        else:
            data_loss = (1 - y * h[:, 0]).relu().mean()
        loss = data_loss + L2 * sum((p * p).sum() for p in self.params)
        for group in self.optimizer.param_groups:
            group["lr"] = problem.lr(k)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()


class Numpy:
    """The SGD step by hand on batched arrays (hinge or cross-entropy)."""

    name = "numpy"

    def __init__(self, problem):
        import numpy

        self.np, self.problem = numpy, problem
        network = problem.network()
        self.weights = [numpy.array([[w.data for w in neuron.w] for neuron in layer.neurons])
                        for layer in network.layers]
        self.biases = [numpy.array([neuron.b.data for neuron in layer.neurons])
                       for layer in network.layers]
        self.X, self.y = numpy.array(problem.X), numpy.array(problem.y)

    def step(self, k):
        np, problem = self.np, self.problem
        X, y = self.X, self.y
        if problem.batches is not None:
            rows = problem.batches[k % len(problem.batches)]
            X, y = X[rows], y[rows]
        count = len(y)
        activations = numpy_forward(self.weights, self.biases, X)
        out = activations[-1]
        if problem.loss is losses.cross_entropy:
            shifted = out - out.max(axis=1, keepdims=True)
            exponentials = np.exp(shifted)
            total = exponentials.sum(axis=1, keepdims=True)
            data_loss = (np.log(total[:, 0]) - shifted[np.arange(count), y]).mean()
            delta = exponentials / total
            delta[np.arange(count), y] -= 1.0
            delta /= count
        else:
            margins = 1.0 - y * out[:, 0]
            data_loss = np.maximum(margins, 0.0).mean()
            delta = (np.where(margins > 0.0, -y, 0.0) / count)[:, None]
        penalty = sum((p * p).sum() for p in [*self.weights, *self.biases])
        numpy_backward_and_update(self.weights, self.biases, activations, delta,
                                  problem.lr(k))
        return float(data_loss + L2 * penalty)


def problems(quick):
    X, y = moons()
    widths = (16,) if quick else (16, 32, 64, 128, 256)
    result = []
    for optimizer, lr in (("SGD", SCHEDULE), ("Adam", lambda k: 1e-3)):
        result += [Problem(f"2-{w}-{w}-1 {optimizer}", [2, w, w, 1], losses.hinge, X, y,
                           None, optimizer, lr) for w in widths]
    digits_X, digits_y = digits_like()
    result.append(Problem("64-32-10 cross-entropy, batch 32 SGD", [64, 32, 10],
                          losses.cross_entropy, digits_X, digits_y,
                          batch_orders(len(digits_y), 32, 5), "SGD", lambda k: 0.1))
    return result


def rate(engine, seconds):
    """Steps per second of this process's CPU time (other jobs on a shared
    machine do not count; torch runs one thread) over about ``seconds``,
    after a warm-up step: the best of three runs."""
    engine.step(0)
    best = 0.0
    for _ in range(3):
        count, started = 0, time.process_time()
        while time.process_time() - started < seconds / 3:
            for k in range(count + 1, count + 11):
                engine.step(k)
            count += 10
        best = max(best, count / (time.process_time() - started))
    return best


def fit_rate(problem, seconds, native_rate):
    """Steps per second of CPU time through ``fit(..., engine="c")`` (its
    batches, schedule, history and checks), from its first step to its
    end: the best of three runs of about ``seconds / 3``."""
    batch_size = None if problem.batches is None else len(problem.batches[0])
    per_epoch = -(-len(problem.y) // (batch_size or len(problem.y)))
    epochs = max(1, round(native_rate * seconds / 3 / per_epoch))
    best = 0.0
    for _ in range(3):
        network = problem.network()
        optimizer = getattr(optim, problem.optimizer)(network.parameters(), lr=problem.lr(0))
        marks = []

        def schedule(k, marks=marks):
            if not marks:
                marks.append(time.process_time())
            return problem.lr(k)

        history = fit(network, problem.X, problem.y, problem.loss, optimizer, epochs=epochs,
                      batch_size=batch_size, lr_schedule=schedule, progress=False, l2=L2,
                      engine="c", seed=0)
        best = max(best, history.steps / (time.process_time() - marks[0]))
    return best


def micrograd_rate(problem, steps=3):
    """micrograd's own demo step on the same model: steps/s of CPU time."""
    twin = micrograd_copy(problem.network())
    started = time.process_time()
    for k in range(steps):
        micrograd_step(twin, problem.X, problem.y, k)
    return steps / (time.process_time() - started)


def measure(quick, seconds):
    import torch

    torch.set_num_threads(1)
    with_numpy, with_micrograd = (importlib.util.find_spec(name) is not None
                                  for name in ("numpy", "micrograd"))
    print(f"{'problem':<38} {'torch 1t':>9} {'numpy':>15} {'native':>17} {'GFLOP/s':>8} "
          f"{'through fit':>17}")
    for problem in problems(quick):
        native, torch_rate = Native(problem), rate(Torch(problem), seconds)
        native_rate = rate(native, seconds)
        numpy_text = "-"
        if with_numpy and problem.optimizer == "SGD":
            numpy_rate = rate(Numpy(problem), seconds)
            numpy_text = f"{numpy_rate:,.0f} ({numpy_rate / torch_rate:.1f}x)"
        fit_steps = fit_rate(problem, seconds, native_rate)
        print(f"{problem.name:<38} {torch_rate:>9,.0f} {numpy_text:>15} "
              f"{native_rate:>9,.0f} ({native_rate / torch_rate:4.1f}x) "
              f"{native_rate * problem.flops() / 1e9:>8.1f} "
              f"{fit_steps:>9,.0f} ({fit_steps / torch_rate:4.1f}x)")
        if problem.name == "2-16-16-1 SGD" and with_micrograd:
            slow = micrograd_rate(problem)
            print(f"{'  micrograd 0.1.0, the same step':<38} {slow:>9.2f} steps/s: native is "
                  f"{native_rate / slow:,.0f}x micrograd")


def compiler_seconds():
    """CPU seconds the compiler processes of this one have used so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fit_start(problem):
    """Seconds from calling ``fit(..., engine="c")`` to the end of its first
    step (the checks, the native step's setup, one step)."""
    network = problem.network()
    optimizer = getattr(optim, problem.optimizer)(network.parameters(), lr=problem.lr(0))
    marks = []

    def schedule(k):  # called before each step: the second call ends the first step
        marks.append(time.perf_counter())
        return problem.lr(k)

    batch_size = None if problem.batches is None else len(problem.batches[0])
    started = time.perf_counter()
    fit(network, problem.X, problem.y, problem.loss, optimizer, epochs=1,
        batch_size=batch_size, lr_schedule=schedule, progress=False, l2=L2, engine="c")
    ended = marks[1] if len(marks) > 1 else time.perf_counter()
    return ended - started


def compile_times(quick):
    """Seconds to set up the native step (emit + compile + load), cold and
    cached; and the compiler's own CPU seconds (on a shared machine the
    wall time also counts the other jobs)."""
    print("\nnative setup: emit, compile and load the step (cold: an empty cache); "
          "fit's start with the cache warm")
    print(f"{'problem':<38} {'cold s':>7} {'cc CPU s':>9} {'cached s':>9} {'fit start s':>12}")
    saved = os.environ.get("CHAINRULE_NATIVE_CACHE")
    extra = [] if quick else [
        Problem("2-512-512-1 SGD", [2, 512, 512, 1], losses.hinge, *moons(), None, "SGD",
                SCHEDULE),
        Problem("784-256-10 cross-entropy SGD", [784, 256, 10], losses.cross_entropy,
                [[0.5] * 784] * 64, [k % 10 for k in range(64)], None, "SGD",
                lambda k: 0.1)]
    with tempfile.TemporaryDirectory() as folder:
        os.environ["CHAINRULE_NATIVE_CACHE"] = folder
        try:
            for problem in [*problems(quick), *extra]:
                before = compiler_seconds()
                cold = Native(problem).setup_seconds
                compiler = compiler_seconds() - before
                cached = Native(problem).setup_seconds
                start = fit_start(problem)
                print(f"{problem.name:<38} {cold:>7.2f} {compiler:>9.2f} {cached:>9.2f} "
                      f"{start:>12.3f}")
        finally:
            if saved is None:
                del os.environ["CHAINRULE_NATIVE_CACHE"]
            else:
                os.environ["CHAINRULE_NATIVE_CACHE"] = saved


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=2.0)
    arguments = parser.parse_args()
    measure(arguments.quick, 0.3 if arguments.quick else arguments.seconds)
    compile_times(arguments.quick)


if __name__ == "__main__":
    main()
