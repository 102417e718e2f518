"""Learning-rate schedules: ``lr = schedule(step)`` for step 0, 1, 2, …

A schedule is any callable from the number of updates done so far to a
learning rate; :func:`nn.fit` sets ``optimizer.lr`` to it before each
update. The four here validate their arguments (``ValueError``) and are
pure: the same step always gives the same rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._arguments import checked_int, checked_number


@dataclass(frozen=True)
class Constant:
    """The same rate at every step."""

    lr: float

    def __post_init__(self):
        checked_number("lr", self.lr)

    def __call__(self, step: int) -> float:
        return self.lr


@dataclass(frozen=True)
class LinearDecay:
    """From ``start`` at step 0 straight down to ``end`` at ``total_steps``,
    then ``end``. micrograd's demo is ``LinearDecay(1.0, 0.1, 100)``:
    ``lr = 1.0 - 0.9 * step / 100``."""

    start: float
    end: float
    total_steps: int

    def __post_init__(self):
        checked_number("start", self.start)
        checked_number("end", self.end)
        checked_int("total_steps", self.total_steps)

    def __call__(self, step: int) -> float:
        done = min(step, self.total_steps) / self.total_steps
        return self.start - (self.start - self.end) * done


@dataclass(frozen=True)
class StepDecay:
    """``lr`` multiplied by ``gamma`` every ``step_size`` steps (torch's StepLR)."""

    lr: float
    step_size: int
    gamma: float = 0.1

    def __post_init__(self):
        checked_number("lr", self.lr)
        checked_int("step_size", self.step_size)
        checked_number("gamma", self.gamma)

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** (step // self.step_size)


@dataclass(frozen=True)
class CosineDecay:
    """Half a cosine from ``start`` to ``end`` over ``total_steps``, then ``end``
    (torch's CosineAnnealingLR without restarts)."""

    start: float
    end: float
    total_steps: int

    def __post_init__(self):
        checked_number("start", self.start)
        checked_number("end", self.end)
        checked_int("total_steps", self.total_steps)

    def __call__(self, step: int) -> float:
        done = min(step, self.total_steps) / self.total_steps
        return self.end + (self.start - self.end) * (1.0 + math.cos(math.pi * done)) / 2.0

