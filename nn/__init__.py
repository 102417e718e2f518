"""chainrule's neural-network library, built only on autograd's public API.

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
batches: :mod:`nn.data`; the training loop: :mod:`nn.training`; files:
:mod:`nn.serialization`; the PyTorch twin of an MLP, both ways (``to_torch``,
``from_torch``): :mod:`nn.pytorch`; the ``chainrule`` command: :mod:`nn.cli`; the
course's exercises and their checkers: :mod:`nn.exercises`.
"""

from . import data, losses, optim, schedules
from .modules import MLP, Layer, Module, Neuron
from .pytorch import from_torch, to_torch
from .serialization import load, save
from .training import History, evaluate, fit

__all__ = ["Module", "Neuron", "Layer", "MLP", "fit", "evaluate", "History", "save", "load",
           "losses", "optim", "schedules", "data", "to_torch", "from_torch"]
