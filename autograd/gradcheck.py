"""Check analytic derivatives against central finite differences."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .functional import hessian, jvp, value_and_grad
from .value import Value, as_float, data_of, is_number, no_grad


class GradcheckError(AssertionError):
    """Analytic and numeric derivatives disagree; the message has a table."""


def _evaluate(f, point):
    with no_grad():
        output = f(*[Value(x) for x in point])
    return data_of(output)


def _central_difference(function, point, index, eps):
    above, below = list(point), list(point)
    above[index] += eps
    below[index] -= eps
    return (function(above) - function(below)) / (2.0 * eps)


def gradcheck(f: Callable, inputs: Sequence, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-4, order: int = 1) -> bool:
    """Compare ``f``'s derivatives with central finite differences.

    ``f`` takes scalars (Values) and returns a scalar. Checked at ``inputs``:
    the reverse-mode gradient and the forward-mode (``jvp``) derivative along
    each input against ``(f(x + eps) - f(x - eps)) / 2 eps``; with
    ``order=2`` also the Hessian against central differences of the
    gradient. A pair agrees when ``|analytic - numeric| <= atol + rtol *
    |numeric|``.

    Returns True, or raises :class:`GradcheckError` whose message lists each
    mismatch: which derivative, analytic, numeric, difference.
    """
    if order not in (1, 2):
        raise ValueError(f"gradcheck() order must be 1 or 2, got {order!r}")
    if not (is_number(eps) and 0.0 < eps < math.inf):
        raise ValueError(f"gradcheck() eps must be a small number > 0 (e.g. 1e-6), got {eps!r}")
    for name, tolerance in (("atol", atol), ("rtol", rtol)):
        if not (is_number(tolerance) and 0.0 <= tolerance < math.inf):
            raise ValueError(f"gradcheck() {name} must be a finite number >= 0, got {tolerance!r}")
    point = [as_float(x.data if isinstance(x, Value) else x, "gradcheck() input")
             for x in inputs]
    count = len(point)
    everything = tuple(range(count))
    mismatches = []

    def compare(name, analytic, numeric):
        if not abs(analytic - numeric) <= atol + rtol * abs(numeric):
            mismatches.append((name, analytic, numeric, analytic - numeric))

    def value_of(at):
        return _evaluate(f, at)

    _, reverse = value_and_grad(f, argnums=everything)(*point)
    for i in range(count):
        numeric = _central_difference(value_of, point, i, eps)
        compare(f"d/dx{i} (reverse)", reverse[i], numeric)
        basis = [1.0 if j == i else 0.0 for j in range(count)]
        compare(f"d/dx{i} (forward)", jvp(f, point, basis)[1], numeric)

    if order == 2:
        analytic = hessian(f)(*point)
        gradient = value_and_grad(f, argnums=everything)
        for i in range(count):
            def gradient_i(at, i=i):
                return gradient(*at)[1][i]
            for j in range(count):
                numeric = _central_difference(gradient_i, point, j, eps)
                compare(f"d2/dx{i}dx{j}", analytic[i][j], numeric)

    if mismatches:
        raise GradcheckError(_table(point, mismatches))
    return True


def _table(point, mismatches):
    lines = [f"derivatives disagree with finite differences at {point}:",
             f"{'derivative':<20} {'analytic':>14} {'numeric':>14} {'difference':>12}"]
    lines += [f"{name:<20} {analytic:>14.8g} {numeric:>14.8g} {difference:>12.3g}"
              for name, analytic, numeric, difference in mismatches]
    return "\n".join(lines)
