"""chainrule's neural-network library, built only on autograd's public API
(``autograd`` and :mod:`autograd.extend`).

The two halves of learning, kept apart as in PyTorch:

* **backpropagation** — ``loss.backward()`` computes d(loss)/dp for every
  parameter p and stores it in ``p.grad``;
* **gradient descent** — ``optimizer.step()`` uses those gradients to move
  the parameters: ``p := p - lr * p.grad`` for plain SGD.

>>> from nn import MLP, fit, losses, optim, data
>>> X, y = data.make_moons(100, noise=0.1, seed=0)
>>> model = MLP(2, [16, 16, 1], seed=0)
>>> signs = [2 * label - 1 for label in y]  # hinge wants labels -1 / +1
>>> history = fit(model, X, signs, losses.hinge, optim.SGD(model.parameters(), lr=0.1),
...               epochs=2, progress=False, seed=0)
>>> history.steps  # full batch: one update per epoch
2

Modules: :mod:`nn.modules`; losses: :mod:`nn.losses`; optimizers and
learning-rate schedules: :mod:`nn.optim`, :mod:`nn.schedules`; data sets and
batches: :mod:`nn.data`; one training step, the only one: :mod:`nn.step`;
the training loop: :mod:`nn.training`; the recipes the CLI and the
playground share: :mod:`nn.recipes`; files: :mod:`nn.serialization`; the
PyTorch twin of an MLP, both ways (``to_torch``, ``from_torch``):
:mod:`nn.pytorch`; the ``chainrule`` command: :mod:`nn.cli`; the course's
exercises and their checkers: :mod:`nn.exercises`.
"""

import importlib

# NOTE: names are imported when first used (PEP 562), so ``chainrule`` starts
# by running its own code, which catches Ctrl-C, before any of the library's
# imports (half a second): ``from nn import MLP`` works as ever.
_HOMES = {
    "Module": "modules", "Neuron": "modules", "Layer": "modules", "MLP": "modules",
    "Step": "step", "StepResult": "step", "TrainingStopped": "step", "ENGINES": "step",
    "fit": "training", "evaluate": "training", "History": "training",
    "TrainingInterrupted": "training", "save": "serialization", "load": "serialization",
    "to_torch": "pytorch", "from_torch": "pytorch",
}
_SUBMODULES = ("losses", "optim", "schedules", "data")

__all__ = [*_HOMES, *_SUBMODULES]


def __getattr__(name):
    if name in _HOMES:
        value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'nn' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__all__})
