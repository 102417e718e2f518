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
class _Decay:
    """From ``start`` at step 0 to ``end`` at ``total_steps``, then ``end``;
    a subclass gives the shape."""

    start: float
    end: float
    total_steps: int

    def __post_init__(self):
        checked_number("start", self.start)
        checked_number("end", self.end)
        checked_int("total_steps", self.total_steps)

    def _steps_done(self, step: int) -> int:
        return min(step, self.total_steps)


class LinearDecay(_Decay):
    """Straight down from ``start`` to ``end`` over ``total_steps``. micrograd's
    demo is ``LinearDecay(1.0, 0.1, 100)``: ``lr = 1.0 - 0.9 * step / 100``,
    computed in that order, so the rates are the same to the last bit."""

    def __call__(self, step: int) -> float:
        return self.start - (self.start - self.end) * self._steps_done(step) / self.total_steps


class CosineDecay(_Decay):
    """Half a cosine from ``start`` to ``end`` over ``total_steps`` (torch's
    CosineAnnealingLR without restarts)."""

    def __call__(self, step: int) -> float:
        angle = math.pi * self._steps_done(step) / self.total_steps
        return self.end + (self.start - self.end) * (1.0 + math.cos(angle)) / 2.0


@dataclass(frozen=True)
class StepDecay:
    """``lr`` multiplied by ``gamma`` every ``step_size`` steps (torch's StepLR)."""

    lr: float
    step_size: int
    gamma: float = 0.1

    def __post_init__(self):
        checked_number("lr", self.lr)
        checked_int("step_size", self.step_size)
        # NOTE: gamma > 1 would grow the rate without bound (and overflow):
        # a decay's factor is at most 1.
        checked_number("gamma", self.gamma, lambda gamma: 0.0 < gamma <= 1.0, "in (0, 1]")

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** (step // self.step_size)
