"""Random expression graphs, shared sub-expressions included, checked by
gradcheck (first and second order) and against each other's modes."""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck, gradients, no_grad, ops

INPUTS = 3
# A row's constant inputs (pow's exponent) take a number; the others take
# nodes from the pool.
instruction = st.tuples(
    st.sampled_from(ops.PRIMITIVES),
    st.integers(0, 10 ** 6), st.integers(0, 10 ** 6),
    st.sampled_from([2.0, 3.0, -1.0, 0.5]),
)
programs = st.lists(instruction, min_size=1, max_size=8)
points = st.lists(st.floats(-2.0, 2.0).filter(lambda x: abs(x) > 1e-3),
                  min_size=INPUTS, max_size=INPUTS)


def run(program, inputs):
    """Each instruction applies a row to nodes already made, so later ones
    reuse earlier results (shared sub-expressions); the output sums the last
    two nodes so both branches matter."""
    pool = list(inputs)
    for row, i, j, number in program:
        operands = [pool[i % len(pool)], pool[j % len(pool)]][:row.arity]
        for position in row.constant_inputs:
            operands[position] = number
        pool.append(row(*operands))
    return pool[-1] + pool[-2]


def evaluable(program, point):
    """The program is defined and smooth enough near the point to check."""
    try:
        with no_grad():
            values = [run(program, [Value(x + dx) for x in point]).data
                      for dx in (-1e-4, 0.0, 1e-4)]
    except (ValueError, ZeroDivisionError, OverflowError):
        return False
    return all(math.isfinite(v) and abs(v) < 1e6 for v in values)


def smooth(program, point, eps=1e-6):
    """No kink (relu, abs) and no jump (sign, step) at the point: one-sided
    differences agree with each other and do not grow as the step shrinks."""
    for i in range(len(point)):
        def at(dx, i=i):
            moved = list(point)
            moved[i] += dx
            with no_grad():
                return run(program, [Value(x) for x in moved]).data
        try:
            here = at(0.0)
            slopes = [(at(h) - here) / h for h in (eps, eps / 2, -eps, -eps / 2)]
        except (ValueError, ZeroDivisionError, OverflowError):
            return False  # at the edge of a domain (sqrt of 0, say)
        if max(slopes) - min(slopes) > 1e-3 * (1 + max(map(abs, slopes))):
            return False
    return True


@pytest.mark.parametrize("order, atol", [(1, 1e-4), (2, 1e-3)])
@settings(max_examples=100, deadline=None)
@given(program=programs, point=points)
def test_random_graphs_pass_gradcheck(order, atol, program, point):
    assume(evaluable(program, point) and smooth(program, point))
    f = lambda *xs: run(program, xs)  # noqa: E731
    try:
        assert gradcheck(f, point, order=order, atol=atol, rtol=1e-3)
    except (ZeroDivisionError, ValueError):
        # a derivative is undefined here (sqrt at 0, 0 ** -1, d/dx xlogy(x, y)
        # at x = 0 for y < 0, where only x = 0 is in the domain ...)
        assume(False)


@settings(max_examples=100, deadline=None)
@given(program=programs, point=points)
def test_backward_equals_gradients(program, point):
    """The eager backward() and the functional gradients() are one rule."""
    assume(evaluable(program, point))
    inputs = [Value(x) for x in point]
    out = run(program, inputs)
    try:
        expected = gradients(out, inputs)
        out.backward()
    except (ZeroDivisionError, ValueError):
        assume(False)
    assert [x.grad for x in inputs] == expected


def test_smooth_detects_kinks_and_jumps():
    """The filter itself: sign(log x) jumps at x = 1, relu(log x) has a kink."""
    for row in (ops.sign, ops.relu):
        program = [(ops.log, 0, 0, 2.0), (row, 3, 3, 2.0)]
        assert not smooth(program, [1.0, 0.5, 0.5])
        assert smooth(program, [1.5, 0.5, 0.5])
