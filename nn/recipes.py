"""The recipes ``chainrule train`` and the playground share: data sets with
their loss, optimizers with their default rates, the L2 strength and the seed.

The defaults are micrograd's demo: 100 moons, hinge loss + 1e-4 L2, SGD at a
full-batch rate of 1.0, seed 1337. Front ends read these; the library never
reads a front end.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from . import data, losses, optim

L2_STRENGTH = 1e-4
DEFAULT_SEED = 1337  # micrograd's; with it the default recipe reaches 100% accuracy


@dataclass(frozen=True)
class Task:
    """A data set and how to learn it: the loss and the number of outputs. A loss
    whose ``target`` is ``"real"`` makes it a regression task (no classes, no
    accuracy)."""

    load: Callable  # seed -> (X, y)
    loss: losses.Loss
    outputs: int
    sgd_rate_scale: float = 1.0  # the default rates of sgd and momentum, times this


def _signs(X, y):
    """Labels 0/1 as -1/+1, for the hinge loss."""
    return X, [2 * label - 1 for label in y]


def _standardized(X, y):
    """Features on the unit scale of moons, so the same learning rates work."""
    return data.standardize(X), y


TASKS = {
    "moons": Task(lambda seed: _signs(*data.make_moons(100, noise=0.1, seed=seed)),
                  losses.hinge, 1),
    "circles": Task(lambda seed: _signs(*data.make_circles(100, noise=0.05, seed=seed)),
                    losses.hinge, 1),
    "blobs": Task(lambda seed: _standardized(*data.make_blobs(100, centers=3, seed=seed)),
                  losses.cross_entropy, 3),
    "iris": Task(lambda seed: _standardized(*data.load_iris()), losses.cross_entropy, 3),
    # regression: a real-valued target, sin(x)·cos(y) plus noise, learnt with mse
    # NOTE: mse's gradient 2(p - t) is unbounded where hinge's is at most 1: sgd at
    # rate 1.0 diverges on it (measured: 100 epochs, 2-16-16-1 relu, seed 1337);
    # 0.05 reaches mse 0.037. Adam and RMSprop divide by the gradient's size and
    # keep their rates (0.020 and 0.025).
    "surface": Task(lambda seed: data.make_surface(100, noise=0.05, seed=seed), losses.mse, 1,
                    sgd_rate_scale=0.05),
}

# name -> (make the optimizer from parameters and a learning rate, default rate
# for the full batch: see default_learning_rate)
OPTIMIZER_CHOICES = {
    "sgd": (lambda params, lr: optim.SGD(params, lr=lr), 1.0),
    "momentum": (lambda params, lr: optim.SGD(params, lr=lr, momentum=0.9), 0.1),
    "rmsprop": (lambda params, lr: optim.RMSprop(params, lr=lr), 0.01),
    "adam": (lambda params, lr: optim.Adam(params, lr=lr), 0.05),
}


def full_batch_rate(task: Task, optimizer: str) -> float:
    """The default full-batch rate of ``optimizer`` (a name of OPTIMIZER_CHOICES) on ``task``."""
    rate = OPTIMIZER_CHOICES[optimizer][1]
    return rate * task.sgd_rate_scale if optimizer in ("sgd", "momentum") else rate


def default_learning_rate(full_batch_rate: float, batch_size: int, examples: int) -> float:
    """``full_batch_rate · √(batch_size / examples)``: smaller steps for noisier gradients.

    A batch of b examples estimates the full gradient with noise whose size
    falls as 1/√b; scaling the rate by √b keeps the noise of each update
    about the same. Measured on moons and circles (100 points, 2-16-16-1
    relu, SGD, 100 epochs, seed 1337): full-batch rate 1.0 reaches 100%
    accuracy, but batch size 1 at rate 1.0 kills every ReLU (50%); the
    rule's 0.1 (batch 1), 0.22 (5), 0.32 (10) and 0.57 (32) all reach 100%.
    """
    return full_batch_rate * math.sqrt(batch_size / examples)
