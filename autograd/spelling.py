"""Names a learner meant: "did you mean tanh?" for ``tahn``, ``Tanh``, ``ln``.

``did_you_mean(name, known) -> str`` is the hint for an unknown ``name``
(``" did you mean tanh?"``, or ``""`` when nothing is close): first the
names other libraries use for the same function (``ln`` is ``log``), then
a name ``name`` is a slip of (see :func:`slips`), then the closest of
``known`` by :mod:`difflib`, case ignored.

``add_misspellings(cls, names)`` gives ``cls`` an attribute for each likely
slip of each of ``names`` (two neighbouring letters swapped, the wrong
case); reading one raises the AttributeError with the hint. Python's own
suggestion ("Did you mean: 'tanh'?") catches a letter left out or
mistyped, but neither a swap nor ``TANH``.
"""

from __future__ import annotations

import difflib

# Names of the same function in math, numpy or textbooks.
ALIASES = {"ln": "log", "log_e": "log", "arctan": "atan", "arcsin": "asin",
           "arccos": "acos", "arctanh": "atanh", "arcsinh": "asinh", "arccosh": "acosh",
           "logistic": "sigmoid", "expit": "sigmoid", "absolute": "abs", "fabs": "abs",
           "signum": "sign", "heaviside": "step"}


def did_you_mean(name: str, known) -> str:
    """``" did you mean X?"`` for the known name closest to ``name``, or ``""``."""
    known = list(known)
    alias = ALIASES.get(name.lower())
    if alias in known:
        return f" did you mean {alias}?"
    # NOTE: a slip first (tahn is tanh with two letters swapped, though
    # difflib finds tan closer), then the closest by difflib.
    for candidate in known:
        if name in slips(candidate):
            return f" did you mean {candidate}?"
    by_lower = {candidate.lower(): candidate for candidate in known}
    close = difflib.get_close_matches(name.lower(), by_lower, n=1)
    return f" did you mean {by_lower[close[0]]}?" if close else ""


class _Misspelling:
    """A class attribute standing for a slip of a real name: reading it raises."""

    def __init__(self, owner_name, name, meant):
        self.message = f"{owner_name!r} object has no attribute {name!r}: did you mean {meant}?"

    def __get__(self, instance, owner=None):
        raise AttributeError(self.message)

    def __set__(self, instance, value):
        raise AttributeError(self.message)


def slips(name: str) -> set:
    """The likely mistypings of ``name``: neighbours swapped, wrong case."""
    swapped = {name[:i] + name[i + 1] + name[i] + name[i + 2:] for i in range(len(name) - 1)}
    return (swapped | {name.capitalize(), name.upper()}) - {name}


def add_misspellings(cls, names) -> None:
    """Give ``cls`` a raising attribute for each slip and alias of ``names``."""
    # NOTE: attributes, not ``__getattr__``: a class with ``__getattr__``
    # loses CPython's specialised attribute reads (measured: build and
    # backward of benchmarks/engine.py's graph 1.23x slower on Python 3.11);
    # a few hundred more entries in the class dict cost nothing.
    names = list(names)
    taken = set(dir(cls))
    for name in names:
        for slip in slips(name):
            if slip not in taken:
                setattr(cls, slip, _Misspelling(cls.__name__, slip, name))
    for alias, meant in ALIASES.items():
        if meant in names and alias not in taken:
            setattr(cls, alias, _Misspelling(cls.__name__, alias, meant))


def is_misspelling(cls, name: str) -> bool:
    """True for an attribute :func:`add_misspellings` made (hidden from dir())."""
    return isinstance(cls.__dict__.get(name), _Misspelling)
