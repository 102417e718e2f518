"""What the engine refuses or fixes for the user: checked assignments, huge
ints, threads, the limits of a trace, and the backward loop's inlined partials."""

import math
import random
import sys
import threading
import warnings

import pytest

from autograd import Value, backward_steps, compile, ops
from autograd.value import TraceWarning
from nn import MLP, Layer, data, losses, optim
from nn.compiled import CompiledLossAndGradients

HUGE = 10 ** 400


# --- assignments ---------------------------------------------------------------

def test_assigning_a_string_as_data_is_refused_naming_the_attribute():
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"Value\.data must be an int or float, got str"):
        x.data = "ab"
    assert x.data == 1.0  # unchanged: x + x still works
    assert (x + x).data == 2.0


def test_assigned_numbers_are_stored_as_floats():
    x = Value(1.0)
    x.data, x.grad = 3, 2
    assert type(x.data) is float and x.data == 3.0
    assert type(x.grad) is float and x.grad == 2.0
    with pytest.raises(TypeError, match=r"Value\.grad"):
        x.grad = "0"


def test_grad_none_clears_the_gradient_as_in_pytorch():
    w = Value(3.0)
    (w * w).backward()
    w.grad = None
    assert w.grad == 0.0
    (w * 2.0).backward()  # used to fail inside backward(): None += float
    assert w.grad == 2.0


def test_has_grad_tells_a_cleared_gradient_from_a_computed_zero():
    w, unused = Value(-1.0), Value(5.0)
    assert not w.has_grad and w.grad == 0.0  # new: no gradient yet, as a new tensor
    w.relu().backward()  # reached, with d relu / dw = 0 exactly
    assert w.grad == 0.0 and w.has_grad and not unused.has_grad
    w.grad = None
    assert not w.has_grad and w.grad == 0.0
    w.grad = 0.0  # a number assigned is a gradient
    assert w.has_grad
    w.grad = None
    w.backward()  # the root itself is reached too
    assert w.has_grad and w.grad == 1.0
    assert (w * 2.0).has_grad  # nodes an op made always hold a gradient


@pytest.mark.parametrize("backend", ["python", "c"])
def test_a_compiled_step_gives_a_gradient_to_the_parameters_it_reaches(backend, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setenv("CHAINRULE_NATIVE_CACHE", str(tmp_path))
    w, b, unused = Value(0.5), Value(0.1), Value(2.0)
    step = compile(lambda x: (w * x).tanh(), [w, b, unused], backend=backend)
    step(2.0)
    assert step.backend == backend
    assert w.has_grad and w.grad != 0.0
    assert not b.has_grad and not unused.has_grad  # not in the graph: none, as in backward()


# --- huge ints: which operand, and why -----------------------------------------

@pytest.mark.parametrize("action, named", [
    (lambda: Value(HUGE), "Value data"),
    (lambda: Value(10.0) ** HUGE, r"pow\(\) input 1"),
    (lambda: Value(1.0) + HUGE, r"add\(\) input 1"),
    (lambda: HUGE * Value(1.0), r"mul\(\) input 0"),
    (lambda: Value(1.0).backward(gradient=HUGE), r"backward\(\) gradient"),
])
def test_a_huge_int_names_the_operand_and_the_limit(action, named):
    with pytest.raises(OverflowError, match=named + r" is an int too large for a float "
                                              r"\(about 401 digits; floats end near 1\.8e308\)"):
        action()


# --- threads -------------------------------------------------------------------

@pytest.fixture
def frequent_thread_switches():
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def _run_in_threads(count, function):
    threads = [threading.Thread(target=function) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_concurrent_backward_on_one_graph_gives_each_call_its_gradient(
        frequent_thread_switches):
    rng = random.Random(0)
    leaves = [Value(rng.uniform(-1, 1)) for _ in range(50)]
    nodes = list(leaves)
    for _ in range(3000):
        nodes.append(rng.choice(nodes) * rng.choice(nodes) + rng.choice(leaves))
    root = sum(nodes[-200:])
    root.backward()
    single = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0
    calls = 5

    def backward_calls():
        for _ in range(calls):
            root.backward()

    _run_in_threads(4, backward_calls)
    for leaf, alone in zip(leaves, single):
        assert leaf.grad == pytest.approx(4 * calls * alone, rel=1e-9, abs=1e-12)


def test_threads_sharing_one_compiled_step_lose_no_gradient(frequent_thread_switches):
    w, b = Value(0.5), Value(-0.25)
    step = compile(lambda x: (w * x + b).tanh(), [w, b])
    rows = [(0.001 * k,) for k in range(2000)]
    step.map(rows)
    alone = (w.grad, b.grad)
    w.grad = b.grad = 0.0

    def replays():
        for _ in range(20):
            step.map(rows)

    _run_in_threads(8, replays)
    assert w.grad == pytest.approx(160 * alone[0], rel=1e-12)
    assert b.grad == pytest.approx(160 * alone[1], rel=1e-12)


# --- the limits of a trace -------------------------------------------------------

def test_comparing_traced_values_warns_that_the_branch_is_frozen():
    w = Value(1.0)
    step = compile(lambda x, y: max(w * x, w * y), [w])
    with pytest.warns(TraceWarning, match=r"decides once, at the trace.*relu"):
        assert step(1.0, 2.0) == 2.0
    assert step(3.0, 2.0) == 2.0  # frozen, as the warning said: max would be 3.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (w * 3.0 > w * 2.0) is True  # outside a trace: no warning


def test_a_compiled_step_refuses_a_model_whose_layers_were_replaced():
    X, y = data.make_moons(8, noise=0.1, seed=1)
    y = [2 * label - 1 for label in y]
    model = MLP(2, [4, 1], seed=1)
    step = CompiledLossAndGradients(model, losses.hinge)
    step(X, y)
    model.layers[-1] = Layer(4, 1, activation=None)
    with pytest.raises(RuntimeError, match="parameters changed since its step was compiled"):
        step(X, y)


def test_the_compile_docstring_example_runs_and_equals_eager():
    model = MLP(1, [3, 1], seed=2)
    batch = [(0.5, 1.0), (-1.5, 0.25), (2.0, -1.0)]
    step = compile(lambda x, y: (model([x]) - y) ** 2, model.parameters())
    model.zero_grad()
    losses_ = step.map(batch, gradient=1 / len(batch))
    compiled_grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    eager = sum((model([x]) - y) ** 2 for x, y in batch) / len(batch)
    eager.backward()
    assert sum(losses_) / len(batch) == pytest.approx(eager.data, rel=1e-14)
    assert compiled_grads == pytest.approx([p.grad for p in model.parameters()], rel=1e-12)
    optim.SGD(model.parameters(), lr=0.1).step()


# --- backward_steps is refused past draw()'s size --------------------------------

def test_backward_steps_refuses_a_graph_too_large_to_snapshot():
    x = Value(0.5)
    y = x
    for _ in range(600):
        y = y * 1.0001
    with pytest.raises(ValueError, match=r"1201 values, more than max_nodes=500.*max_nodes=1201"):
        backward_steps(y)
    assert len(backward_steps(y, max_nodes=1201)) == 600


# --- backward()'s inlined partials are the table's -------------------------------

SPECIAL = [0.0, -0.0, 1.5, -2.25, 1e308, -1e-308, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("row", [ops.add, ops.sub, ops.mul])
def test_the_inlined_partials_are_the_rows_partials(row):
    rng = random.Random(3)
    values = SPECIAL + [rng.uniform(-10, 10) for _ in range(20)]
    for a in values:
        for b in values[::3]:
            for gradient in (1.0, -0.5, 0.0, -0.0, math.inf):
                left, right = Value(a), Value(b)
                out = row(left, right)
                out.backward(gradient)
                d_left, d_right = row.partials(out.data, a, b)
                assert repr(left.grad) == repr(0.0 + d_left * gradient)
                assert repr(right.grad) == repr(0.0 + d_right * gradient)


@pytest.mark.parametrize("backend", ["python", "c"])
def test_a_parameter_reached_only_through_a_zero_slope_has_a_gradient_as_in_eager(
        backend, tmp_path, monkeypatch):
    # sign() has slope 0: eager backward() adds 0.0 to w, so w has a gradient
    # (and AdamW decays it); the compiled step must say the same.
    monkeypatch.setenv("CHAINRULE_NATIVE_CACHE", str(tmp_path))
    w, b = Value(0.5), Value(0.1)
    f = lambda x: (w * x).sign() * 3.0 + b * x  # noqa: E731
    f(Value(2.0)).backward()
    assert w.has_grad and w.grad == 0.0 and b.grad == 2.0
    w.grad = b.grad = None
    step = compile(f, [w, b], backend=backend)
    assert step(2.0) == 3.0 + 0.2
    assert step.backend == backend
    assert w.has_grad and w.grad == 0.0 and b.grad == 2.0
