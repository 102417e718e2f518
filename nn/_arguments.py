"""Checks shared by the arguments of every public function in ``nn``.

Each returns the checked value or raises ``ValueError`` (``TypeError`` for a
seed of the wrong type) with a message naming the argument, the rule and
what was received.

A ``seed=`` argument is ``None`` (a fresh generator seeded by the operating
system), an ``int`` (a reproducible generator of its own) or a
:class:`random.Random` (used as it is, so one generator can be threaded
through several calls). The global ``random`` state is never read or
changed.
"""

from __future__ import annotations

import math
import random
from numbers import Real


def generator(seed) -> random.Random:
    """The :class:`random.Random` a ``seed=`` argument stands for."""
    if isinstance(seed, random.Random):
        return seed
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise TypeError(
            f"seed must be None, an int or a random.Random, got {type(seed).__name__}: {seed!r}")
    return random.Random(seed)


def checked_int(name: str, value, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` if it is an int (not a bool) from ``minimum`` to ``maximum``."""
    if (not isinstance(value, int) or isinstance(value, bool) or value < minimum
            or (maximum is not None and value > maximum)):
        limits = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        raise ValueError(f"{name} must be an int {limits}, got {value!r}")
    return value


def at_least_zero(value: float) -> bool:
    return value >= 0.0


def checked_number(name: str, value, valid=at_least_zero, rule: str = ">= 0") -> float:
    """``value`` as a float if it is a finite real number (not a bool) and
    ``valid`` (``None``: any finite number)."""
    if isinstance(value, Real) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an int beyond the float range
            number = math.inf
        if math.isfinite(number) and (valid is None or valid(number)):
            return number
    rule = f" {rule}" if valid is not None else ""
    raise ValueError(f"{name} must be a finite number{rule}, got {value!r}")
