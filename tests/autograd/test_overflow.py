"""The overflow rule (docs/how-it-works/ops.md#overflow): a result too large for a float is
±inf, as IEEE float arithmetic gives it (Python's ``x * x``, C, PyTorch,
JAX), never an OverflowError; eager, compiled Python and native C agree."""

import math

import pytest

from autograd import Value, compile, ops

INF = math.inf

# (function of one Value, input, value, derivative): the values by IEEE
# arithmetic, the derivatives by hand from the row's formula.
CASES = [
    ("exp", lambda x: x.exp(), 1000.0, INF, INF),                 # d = exp(x)
    ("exp2", lambda x: x.exp2(), 2000.0, INF, INF),               # d = 2^x ln 2
    ("expm1", lambda x: x.expm1(), 1000.0, INF, INF),             # d = out + 1
    ("cosh", lambda x: x.cosh(), 1000.0, INF, INF),               # d = sinh(x)
    ("cosh-", lambda x: x.cosh(), -1000.0, INF, -INF),
    ("sinh", lambda x: x.sinh(), 1000.0, INF, INF),               # d = cosh(x)
    ("sinh-", lambda x: x.sinh(), -1000.0, -INF, INF),
    ("square", lambda x: x ** 2, 1e200, INF, 2e200),              # d = 2x, finite
    ("cube", lambda x: x ** 3, 1e200, INF, INF),                  # d = 3x² = inf
    ("odd-power", lambda x: x ** 401, -10.0, -INF, INF),          # d = 401 · 10^400
    ("even-power", lambda x: x ** 400, -10.0, INF, -INF),         # d = 400 · (-10)^399
    ("reciprocal-power", lambda x: x ** -2, 1e-200, INF, -INF),   # d = -2 x^-3
    ("power", lambda x: Value(10.0) ** x, 400.0, INF, INF),       # d = out · ln 10
    ("power-base", lambda x: x ** Value(400.0), 10.0, INF, INF),  # d = 400 · 10^399
    ("product", lambda x: x * x, 1e200, INF, 2e200),              # as before: d = 2x
    ("quotient", lambda x: x / 1e-200, 1e200, INF, 1e200),        # d = 1/1e-200
    ("hypot", lambda x: x.hypot(1.5e308), 1.5e308, INF, 0.0),         # d = x / out = 0
]


@pytest.mark.parametrize("f, x, value, slope", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_a_result_beyond_the_largest_float_is_inf(f, x, value, slope):
    v = Value(x)
    out = f(v)
    assert out.data == value
    out.backward()
    assert v.grad == slope


def test_the_rows_on_floats_give_ieee_infinities():
    assert ops.pow(10.0, 400.0) == INF and ops.pow(-10.0, 401.0) == -INF
    assert ops.pow(-10.0, 400.0) == INF and ops.pow(0.1, -400.0) == INF
    assert ops.pow(-0.1, -401.0) == -INF
    assert ops.exp(1000.0) == INF and ops.sinh(-1000.0) == -INF
    assert ops.power(10.0, 400.0) == INF
    assert ops.hypot(1.5e308, -1.5e308) == INF
    assert ops.exp(-1000.0) == 0.0  # underflow is 0, as before


@pytest.mark.parametrize("backend", ["python", "c"])
@pytest.mark.parametrize("f, x, value, slope", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_compiled_code_computes_the_same_infinities(f, x, value, slope, backend):
    p = Value(x)
    step = compile(lambda scale: f(p * scale), [p], backend=backend)
    p.grad = 0.0
    assert step(1.0) == value
    assert p.grad == slope
    assert step.backend == backend
