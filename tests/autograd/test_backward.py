"""The backward pass: closed forms, accumulation semantics, depth, memory."""

import asyncio
import gc
import math
import threading
import tracemalloc

import pytest

from autograd import Value, is_grad_enabled, no_grad, topological_order


def test_tanh_and_sigmoid_closed_forms():
    for x0 in (-2.0, -0.3, 0.0, 0.9, 3.0):
        x = Value(x0)
        t = x.tanh()
        t.backward()
        assert x.grad == pytest.approx(1 - math.tanh(x0) ** 2, rel=1e-14)
        x = Value(x0)
        s = x.sigmoid()
        s.backward()
        sig = 1 / (1 + math.exp(-x0))
        assert x.grad == pytest.approx(sig * (1 - sig), rel=1e-14)


def test_readme_example_by_the_chain_rule():
    x = Value(2.0)
    y = (x * x + 3 * x).tanh()
    y.backward()
    inner = 2.0 * 2.0 + 3 * 2.0
    assert x.grad == pytest.approx((1 - math.tanh(inner) ** 2) * (2 * 2.0 + 3), rel=1e-12)


def test_reused_node_sums_its_gradients():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    a = Value(1.5)
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad, c.grad) == (4.0, 2.0, 1.0)
    # a reused sub-expression: f = s * s + s with s = x * y
    x, y = Value(2.0), Value(-1.0)
    s = x * y
    f = s * s + s
    f.backward()
    assert x.grad == (2 * s.data + 1) * y.data
    assert y.grad == (2 * s.data + 1) * x.data


def test_neuron_by_hand():
    """o = tanh(x1 w1 + x2 w2 + b): the steps of micrograd's first lecture."""
    x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(6.8813735870195432)
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.backward()
    do_dn = 1 - math.tanh(n.data) ** 2
    assert n.grad == pytest.approx(do_dn, rel=1e-14)
    assert w1.grad == pytest.approx(do_dn * 2.0, rel=1e-14)
    assert x1.grad == pytest.approx(do_dn * -3.0, rel=1e-14)
    assert w2.grad == 0.0 and b.grad == pytest.approx(do_dn, rel=1e-14)


def test_leaves_accumulate_across_calls_interior_nodes_do_not():
    x, y = Value(2.0), Value(5.0)
    h = x * y
    out = h.tanh() + h
    out.backward()
    first = (x.grad, y.grad, h.grad)
    out.backward()
    assert x.grad == 2 * first[0] and y.grad == 2 * first[1]
    assert h.grad == first[2]  # interior: the latest call's gradient
    assert out.grad == 1.0


def test_backward_seed_scales_everything():
    x = Value(1.3)
    (x.sin()).backward(gradient=2.5)
    assert x.grad == pytest.approx(2.5 * math.cos(1.3), rel=1e-14)


def test_backward_on_a_leaf_accumulates_the_seed():
    x = Value(1.0)
    x.backward()
    x.backward(3)
    assert x.grad == 4.0


def test_topological_order_puts_parents_first():
    x, y = Value(1.0), Value(2.0)
    z = (x * y + x).exp() * y
    order = topological_order(z)
    position = {node: i for i, node in enumerate(order)}
    assert len(order) == len(position) == 6
    for node in order:
        assert all(position[parent] < position[node] for parent in node.parents)
    assert order[-1] is z


def test_a_chain_of_a_million_nodes():
    x = Value(1.5)
    v = x
    for _ in range(1_000_000):
        v = -v
    v.backward()
    assert (v.data, x.grad) == (1.5, 1.0)


def test_graphs_are_freed_without_the_cyclic_collector():
    """With the cyclic collector off, dropping the output frees the whole
    graph at once (memory returns), and the collector finds nothing left."""
    def build_and_drop():
        x = Value(2.0)
        y = x
        for _ in range(10_000):
            y = ((y * 0.5).tanh() + x.exp() / 2) ** 2
        y.backward()
        return x.grad

    build_and_drop()  # warm caches so the measured run allocates only graph
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        assert build_and_drop() != 0.0
        after, peak = tracemalloc.get_traced_memory()
        unreachable = gc.collect()
    finally:
        tracemalloc.stop()
        gc.enable()
    assert peak > 5_000_000  # about 16 MB while the graph lived
    assert after < 20_000
    assert unreachable == 0


def test_no_grad_records_no_graph():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = x * x + 1
    assert is_grad_enabled()
    assert (y.data, y.op, y.parents) == (5.0, "", ())


def test_no_grad_does_not_leak_to_other_threads():
    inside, entered, release = {}, threading.Event(), threading.Event()

    def worker():
        with no_grad():
            entered.set()
            release.wait(5)
            inside["enabled"] = is_grad_enabled()

    thread = threading.Thread(target=worker)
    thread.start()
    entered.wait(5)
    x = Value(1.0)
    y = x * 2  # the main thread still records while the worker is inside no_grad
    release.set()
    thread.join(5)
    assert y.parents[0] is x and inside["enabled"] is False


def test_no_grad_does_not_leak_between_async_tasks():
    async def without_grad(started, proceed):
        with no_grad():
            started.set()
            await proceed.wait()
            return is_grad_enabled()

    async def with_grad(started, proceed):
        await started.wait()
        enabled = is_grad_enabled()
        proceed.set()
        return enabled

    async def main():
        started, proceed = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(without_grad(started, proceed), with_grad(started, proceed))

    assert asyncio.run(main()) == [False, True]
