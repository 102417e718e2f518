"""compile(backend="c"): native losses and gradients are the eager ones.

These tests need a C compiler (``cc``, or ``$CC``): without one they fail
rather than skip, as CI must have one.
"""

import ctypes
import functools
import math
import os
import re
import warnings

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import Value, compile, ops
from autograd.compiler import native
from autograd.ops import Primitive
from tests.groups import require

from .test_compile import compiled, eager, graphs, operands, parameter_data, row_loss


@pytest.fixture(autouse=True, scope="module")
def private_cache(tmp_path_factory):
    """Each test run compiles into a fresh cache (a session's traces share it)."""
    folder = tmp_path_factory.mktemp("native-cache")
    saved = os.environ.get("CHAINRULE_NATIVE_CACHE")
    os.environ["CHAINRULE_NATIVE_CACHE"] = os.fspath(folder)
    yield folder
    if saved is None:
        del os.environ["CHAINRULE_NATIVE_CACHE"]
    else:
        os.environ["CHAINRULE_NATIVE_CACHE"] = saved


def native_step(f, params, **options):
    step = compile(f, params, backend="c", **options)
    return step


def close(native_result, eager_result):
    """Equal to eager's, to the last bits a libm function may differ by."""
    (loss, grads), (expected_loss, expected_grads) = native_result, eager_result
    return all(math.isclose(a, b, rel_tol=1e-13, abs_tol=1e-300) or a == b
               for a, b in zip([loss, *grads], [expected_loss, *expected_grads]))


@pytest.mark.parametrize("row", ops.PRIMITIVES, ids=lambda row: row.name)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_every_row_runs_natively_and_matches_eager(row, data):
    traced_at = data.draw(operands(row))
    replayed_at = data.draw(operands(row, exponent=traced_at[-1]))
    x = data.draw(st.sampled_from([1.0, -1.0, 0.5]))
    params = [Value(a) for a in parameter_data(traced_at, x)]
    f = row_loss(row, params, traced_at[-1])
    step = native_step(f, params)
    assert close(compiled(step, params, [x]), eager(f, params, [x]))
    assert step.backend == "c", step.backend_note
    for p, a in zip(params, parameter_data(replayed_at, x)):
        p.data = a
    assert close(compiled(step, params, [x]), eager(f, params, [x]))


@settings(max_examples=40, deadline=None)
@given(graph=graphs(), gradient=st.sampled_from([1.0, 0.25, -3.0]))
def test_random_graphs_match_the_python_backend_bit_for_bit(graph, gradient):
    f, params, (traced_at, replayed_at) = graph
    expected = eager(f, params, traced_at, gradient)
    assume(all(math.isfinite(x) for x in [expected[0], *expected[1]]))
    python, c = compile(f, params), native_step(f, params)
    for inputs in (traced_at, replayed_at):
        expected = compiled(python, params, inputs, gradient)
        assume(all(math.isfinite(x) for x in [expected[0], *expected[1]]))
        assert compiled(c, params, inputs, gradient) == expected
        assert close(expected, eager(f, params, inputs, gradient))
    assert c.backend == "c"


def test_map_accumulates_and_returns_aux_as_python_does():
    w, b = Value(0.3), Value(-0.2)
    f = lambda x, y: ((w * x + b).tanh() - y, [w * x, 2.0])  # noqa: E731
    rows = [(0.5, 1.0), (-1.5, 0.25), (2.0, -1.0)]
    results = {}
    for backend in ("python", "c"):
        w.grad, b.grad = 1.0, -1.0  # accumulated onto, as backward() does
        step = compile(f, [w, b], has_aux=True, backend=backend)
        results[backend] = step.map(rows, gradient=0.5), w.grad, b.grad
    assert results["c"] == results["python"]
    assert results["c"][0][1][1] == [0.3 * -1.5, 2.0]  # aux: w·x of row 2, and 2.0


# --- domain errors: the table's own, named ------------------------------------


@pytest.mark.parametrize("f, good, bad, error, message", [
    (lambda p, x: (p * x - 1.0).log(), 3.0, 0.5, ValueError,
     "log() needs a positive input, got -0.5"),
    (lambda p, x: p / (x - 2.0), 3.0, 2.0, ZeroDivisionError, "div() by zero: 1.0 / 0.0"),
    (lambda p, x: (p * x - 2.0).sqrt(), 3.0, 2.0, ZeroDivisionError, "float division by zero"),
    (lambda p, x: (p * x - 2.0) ** p, 3.0, 1.0, ValueError,
     "power() (x ** y with a Value exponent) needs a base >= 0, got -1.0 ** 1.0"),
    (lambda p, x: (p * x - 2.0) ** (0.5 * p), 3.0, 2.0, ZeroDivisionError,
     "power() of zero to a negative power: 0.0 ** -0.5"),  # d/dx 0.5 · 0.0 ** -0.5
    (lambda p, x: (p * x) % (x - 2.0), 3.0, 2.0, ZeroDivisionError, "mod() by zero: 2.0 % 0.0"),
    (lambda p, x: (p * x) // (x - 2.0), 3.0, 2.0, ZeroDivisionError,
     "floordiv() by zero: 2.0 // 0.0"),
    (lambda p, x: (p * x).asin(), 0.5, 2.0, ValueError,
     "asin() needs an input in [-1, 1], got 2.0"),
], ids=["log", "div", "sqrt-backward", "power", "power-backward-at-0", "mod", "floordiv",
        "asin"])
def test_domain_errors_raise_as_eager_and_store_nothing(f, good, bad, error, message):
    p = Value(1.0)
    loss = functools.partial(f, p)
    step = native_step(loss, [p])
    assert close(compiled(step, [p], [good]), eager(loss, [p], [good]))
    assert step.backend == "c"
    p.grad = 0.25
    with pytest.raises(error, match=re.escape(message)):
        step.map([(good,), (bad,), (good,)])
    assert p.grad == 0.25
    with pytest.raises(error, match=re.escape(message)):
        f(p, Value(bad)).backward()


def test_infinities_python_computes_come_back_as_python_computes_them():
    p = Value(1e300)
    f = lambda x: abs(p * x)  # noqa: E731  (inf, with no error, in Python too)
    assert compiled(native_step(f, [p]), [p], [1e10]) == eager(f, [p], [1e10]) \
        == (math.inf, [1e10])


# --- when C cannot run it ---------------------------------------------------------


def test_no_compiler_falls_back_to_python_with_the_reason(monkeypatch, tmp_path):
    monkeypatch.setenv("CC", os.fspath(tmp_path / "no-such-compiler"))
    w = Value(0.5)
    f = lambda x: (w * x).tanh()  # noqa: E731
    with pytest.warns(RuntimeWarning, match="no-such-compiler"):
        step = native_step(f, [w])
        loss = step(2.0)
    assert (loss, [w.grad]) == eager(f, [w], [2.0])
    assert step.backend == "python"
    assert "CC=" in repr(step) and "names no program" in repr(step)
    w.grad = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        auto = compile(f, [w], backend="auto")
        assert auto(2.0) == loss
    assert auto.backend == "python"


def test_a_row_without_a_c_form_runs_on_python_and_says_which():
    cube = Primitive("cube", "³", 1, lambda x: x * x * x,
                     lambda out, x: (3.0 * x * x,), "cube({0})")
    p = Value(0.5)
    step = compile(lambda x: cube(p * x), [p], backend="auto")
    assert compiled(step, [p], [2.0]) == (1.0, [6.0])
    assert step.backend == "python"
    assert "cube()" in repr(step) and "c_code" in repr(step)


def test_a_row_of_libm_names_gets_its_c_form_from_its_code():
    hypot = Primitive("hypot", "hypot", 2, math.hypot,
                      lambda out, a, b: (a / out, b / out), "hypot({0}, {1})")
    p, q = Value(3.0), Value(-4.0)
    f = lambda x: hypot(p * x, q) * x  # noqa: E731
    step = native_step(f, [p, q])
    assert close(compiled(step, [p, q], [2.0]), eager(f, [p, q], [2.0]))
    assert step.backend == "c" and "hypot(v0, p1)" in step.c_source


@pytest.mark.parametrize("code, c", [
    ("{0} ** 2.0 - -{1}", "pow({0}, 2.0) - (-{1})"),
    ("atan2({1}, {0})", "atan2({1}, {0})"),
    ("relu({0}) * 0.5", "({0} <= 0.0 ? 0.0 : {0}) * 0.5"),
    ("div({0}, {1} + inf)", "{0} / ({1} + INFINITY)"),
])
def test_code_templates_translate_to_c(code, c):
    assert native.c_template(Primitive("t", "t", 2, None, None, code)) == c


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="'python', 'c', 'auto'"):
        compile(lambda: Value(1.0), [], backend="fortran")


# --- the cache --------------------------------------------------------------------


def test_a_second_compile_of_the_same_graph_comes_from_the_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("CHAINRULE_NATIVE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", os.fspath(tmp_path))
    w = Value(0.25)
    first = native_step(lambda x: (w * x).sin(), [w])
    first(1.0)
    assert "compiled in" in first.backend_note
    second = native_step(lambda x: (w * x).sin(), [w])
    second(1.0)
    assert second.backend_note.endswith("from the cache")
    library, digest = sorted(os.listdir(tmp_path / "chainrule" / "native"))
    assert digest == library + native.DIGEST


def test_without_a_system_compiler_the_ziglang_extra_compiles(monkeypatch, tmp_path):
    require("native")
    monkeypatch.delenv("CC", raising=False)
    monkeypatch.setenv("PATH", os.fspath(tmp_path / "empty"))  # no cc, gcc or clang
    assert native.find_compiler()[1:] == ["-m", "ziglang", "cc"]
    w = Value(0.5)
    f = lambda x: (w * x).tanh()  # noqa: E731
    step = native_step(f, [w])
    assert compiled(step, [w], [2.0]) == eager(f, [w], [2.0])
    assert step.backend == "c"


def test_a_long_row_compiles_in_pieces_with_the_same_numbers_and_errors():
    # 600 terms of four rows each: over layout()'s 3,000 statements, so the
    # row is split into functions that pass values through memory.
    params = [Value(0.5 + i / 600) for i in range(600)]

    def f(x, y):
        total = Value(0.0)
        for p in params:
            total = total + (x + p).log() * (y * p).tanh()
        return total

    python, c = compile(f, params), native_step(f, params)
    for inputs in ([0.3, 0.7], [1.5, -2.0]):
        expected = compiled(python, params, inputs)
        assert compiled(c, params, inputs) == expected
        assert close(expected, eager(f, params, inputs))
    assert c.backend == "c" and c.backend_note.startswith("-O1"), c.backend_note
    params[0].grad = 0.25
    with pytest.raises(ValueError, match="log[(][)] needs a positive input") as expected:
        python.map([(0.3, 0.7), (-1.0, 0.7)])  # x + p <= 0 in the second row
    params[0].grad = 0.25
    with pytest.raises(ValueError, match=re.escape(str(expected.value))):
        c.map([(0.3, 0.7), (-1.0, 0.7)])
    assert params[0].grad == 0.25


# --- rows whose C is not libm's: bit for bit on many operands ------------------


def _bits(x):
    return repr(x)  # tells -0.0 from 0.0 and shows NaN


@pytest.mark.parametrize("f", [lambda p, a, b: (a * p) // b, lambda p, a, b: (a * p) % b,
                               lambda p, a, b: ops.maximum(a * p, b),
                               lambda p, a, b: ops.minimum(a * p, b),
                               lambda p, a, b: ops.floor(a * p) + b * 0.0],
                         ids=["floordiv", "mod", "maximum", "minimum", "floor"])
def test_division_rows_and_ieee_rows_are_pythons_bit_for_bit(f):
    """Python's // and % (CPython's float_floor_div and float_rem) replayed
    in the rows' c_support, against Python's own operators: the sign of
    zero, negative divisors, tiny and huge operands, exact multiples."""
    import random
    rng = random.Random(11)
    special = [0.0, -0.0, 1.0, -1.0, 0.1, -0.1, 3.0, -3.0, 7.0, 6.0, 5e-324, -5e-324,
               1e308, -1e308, 1e-308, 2.0 ** 53, 2.0 ** 53 + 2.0, 0.5, -2.5]
    rows = [(a, b) for a in special for b in special if b != 0.0]
    rows += [(rng.uniform(-1e3, 1e3), rng.choice([-1, 1]) * 10 ** rng.uniform(-5, 3))
             for _ in range(3000)]
    rows += [(float(rng.randint(-50, 50)) * b, b)
             for b in (0.1, -0.3, 7.0, 1e-3) for _ in range(50)]  # near and on the jumps
    p = Value(1.0)
    # rows whose every value is finite, so that the C call keeps its results
    # (it hands any non-finite one back to Python): checked below
    rows = [row for row in rows if math.isfinite(f(1.0, *row))]
    expected = [f(1.0, a, b) for a, b in rows]
    step = native_step(lambda a, b: f(p, a, b), [p])
    replay = step.native(*rows[0])
    out = (ctypes.c_double * len(rows))()
    grads = native.doubles([0.0])
    # (gradient 0: the sum of the slopes over the rows may overflow; the
    # gradients are checked bit for bit with the random graphs)
    status = replay.function(len(rows), native.doubles(x for row in rows for x in row), 0.0,
                             native.doubles([1.0]), grads, out)
    assert status == 0  # ran natively throughout
    assert [_bits(x) for x in out] == [_bits(x) for x in expected]
    python = compile(lambda a, b: f(p, a, b), [p])
    assert [_bits(x) for x in python.map(rows)] == [_bits(x) for x in expected]


def test_the_c_support_of_a_row_is_emitted_once_and_only_when_used():
    p = Value(7.0)
    both = native_step(lambda x: (p % x) * (p // x), [p])
    both(3.0)
    assert both.c_source.count("static inline double chainrule_mod(") == 1
    plain = native_step(lambda x: (p * x).tanh(), [p])
    plain(3.0)
    assert "chainrule_mod" not in plain.c_source


@pytest.mark.parametrize("backend", ["python", "c"])
def test_ties_and_jumps_take_the_same_derivatives_compiled(backend):
    # by hand: maximum(2, 2) splits 0.5 / 0.5; 6 % 3 sits on a jump: (1, -2)
    p, q = Value(2.0), Value(2.0)
    step = compile(lambda x: ops.maximum(p * x, q) + ops.minimum(p * x, q), [p, q],
                   backend=backend)
    assert compiled(step, [p, q], [1.0]) == (4.0, [1.0, 1.0])
    a, b = Value(6.0), Value(3.0)
    step = compile(lambda x: (a * x) % b, [a, b], backend=backend)
    assert compiled(step, [a, b], [1.0]) == (0.0, [1.0, -2.0])
    assert step.backend == backend
