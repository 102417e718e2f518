"""Engine benchmark: build + backward of a wide random expression graph.

chainrule's eager engine against micrograd (``pip install micrograd``), on
the same graph, side by side in one process. Reports time and bytes per
node, and the ratios. Run: ``python benchmarks/engine.py``.

The graph: ``WIDTH`` leaves, then ``LAYERS`` layers in which every node is
a random op (a * b, (a + b) * 0.5, a - b, relu(a), a ** 2 * 0.5) of random
nodes from the layer before; the last layer is summed as a balanced tree.
It stays shallow (micrograd's recursive topological sort fails past about
1,000 levels) and about 100,000 nodes wide, constants included.
"""

from __future__ import annotations

import gc
import random
import time
import tracemalloc

WIDTH = 1000
LAYERS = 80
REPEATS = 3


def recipe(seed=0):
    """The graph as data: (op, i, j) per node per layer, and the leaves."""
    rng = random.Random(seed)
    leaves = [rng.uniform(-1.0, 1.0) for _ in range(WIDTH)]
    layers = [[(rng.randrange(5), rng.randrange(WIDTH), rng.randrange(WIDTH))
               for _ in range(WIDTH)] for _ in range(LAYERS)]
    return leaves, layers


def build(value_type, leaves, layers):
    """Build the graph with any micrograd-like Value type; return root, leaves."""
    inputs = [value_type(x) for x in leaves]
    nodes = inputs
    for layer in layers:
        new = []
        for op, i, j in layer:
            a, b = nodes[i], nodes[j]
            if op == 0:
                new.append(a * b)
            elif op == 1:
                new.append((a + b) * 0.5)
            elif op == 2:
                new.append(a - b)
            elif op == 3:
                new.append(a.relu())
            else:
                new.append(a ** 2 * 0.5)
        nodes = new
    while len(nodes) > 1:
        nodes = [nodes[k] + nodes[k + 1] if k + 1 < len(nodes) else nodes[k]
                 for k in range(0, len(nodes), 2)]
    return nodes[0], inputs


def count_nodes(root):
    """Nodes reachable from root (works for both engines)."""
    seen, stack = {id(root)}, [root]
    while stack:
        node = stack.pop()
        for parent in getattr(node, "parents", None) or getattr(node, "_prev", ()):
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


def time_build_backward(value_type, leaves, layers):
    best = float("inf")
    for _ in range(REPEATS):
        gc.collect()
        start = time.perf_counter()
        root, _ = build(value_type, leaves, layers)
        root.backward()
        del root
        best = min(best, time.perf_counter() - start)
    return best


def bytes_per_node(value_type, leaves, layers):
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root, _ = build(value_type, leaves, layers)
    root.backward()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return held / count_nodes(root)


def check_same_gradients(chainrule_value, micrograd_value, leaves, layers):
    root_a, inputs_a = build(chainrule_value, leaves, layers)
    root_b, inputs_b = build(micrograd_value, leaves, layers)
    root_a.backward()
    root_b.backward()
    worst = max(abs(a.grad - b.grad) / max(1.0, abs(b.grad))
                for a, b in zip(inputs_a, inputs_b))
    assert abs(root_a.data - root_b.data) <= 1e-9 * max(1.0, abs(root_b.data))
    assert worst <= 1e-9, worst


def backward_against_sweep(leaves, layers):
    """Best seconds of chainrule's ``backward()`` and of ``reverse_sweep`` (the
    chain rule into a dict) on one graph: what inlining the sweep is worth."""
    from autograd import Value
    from autograd.value import reverse_sweep

    root, _ = build(Value, leaves, layers)

    def sweep():
        for _ in reverse_sweep(root, {root: 1.0}):
            pass

    times = {}
    for name, run in (("backward", root.backward), ("sweep", sweep)):
        times[name] = float("inf")
        for _ in range(REPEATS):
            start = time.perf_counter()
            run()
            times[name] = min(times[name], time.perf_counter() - start)
    return times["backward"], times["sweep"]


def main():
    from micrograd.engine import Value as MicrogradValue

    from autograd import Value

    leaves, layers = recipe()
    check_same_gradients(Value, MicrogradValue, leaves, layers)
    nodes = count_nodes(build(Value, leaves, layers)[0])
    ours = time_build_backward(Value, leaves, layers)
    theirs = time_build_backward(MicrogradValue, leaves, layers)
    our_bytes = bytes_per_node(Value, leaves, layers)
    their_bytes = bytes_per_node(MicrogradValue, leaves, layers)
    print(f"graph: {nodes:,} nodes (build + backward, best of {REPEATS})")
    print(f"{'engine':<12} {'seconds':>9} {'bytes/node':>11}")
    print(f"{'micrograd':<12} {theirs:>9.3f} {their_bytes:>11.0f}")
    print(f"{'chainrule':<12} {ours:>9.3f} {our_bytes:>11.0f}")
    print(f"speed: {theirs / ours:.1f}x micrograd; memory: "
          f"{our_bytes / their_bytes:.2f} of micrograd's bytes per node")
    backward, sweep = backward_against_sweep(leaves, layers)
    print(f"chainrule backward() alone {backward:.3f} s, reverse_sweep() {sweep:.3f} s: "
          f"backward is {sweep / backward:.1f}x faster")


if __name__ == "__main__":
    main()
