"""Functional transforms: derivatives as functions, in the style of JAX and
HIPS autograd.

``grad(f)`` is a new function that returns the derivative of ``f``. Called
with plain numbers it returns floats. Called with Values — or from inside
another transform — it returns Values connected to the graph, so the result
can be differentiated again: ``grad(grad(f))`` is the second derivative, and
the nesting goes to any order.

All of them read the same table of local partials as ``Value.backward``:
reverse mode sums ``partial · gradient`` from the output back, forward mode
(``jvp``) sums ``partial · tangent`` from the inputs forward, and higher
order evaluates the partials on Values instead of floats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar

from .value import (
    Value,
    as_float,
    as_values,
    constant,
    enable_grad,
    is_number,
    local_partials,
    reverse_sweep,
    topological_order,
)

_inside_transform = ContextVar("chainrule_inside_transform", default=False)


def gradients(output, inputs: Sequence[Value], create_graph: bool = False) -> list:
    """The gradient of ``output`` with respect to each of ``inputs``.

    No ``.grad`` attribute is read or written. Floats by default; with
    ``create_graph=True`` each gradient is a Value whose own graph can be
    differentiated again. An input ``output`` does not depend on gets 0.
    """
    inputs = as_values(inputs, "gradients() inputs")
    found = {}
    if isinstance(output, Value):
        found[output] = 1.0
        with enable_grad():  # the graph create_graph asks for must be recorded
            for _step in reverse_sweep(output, found, create_graph):
                pass  # each step adds its node's share to its parents' entries
    elif not is_number(output):
        raise TypeError(
            f"gradients() needs a Value output, got {type(output).__name__}")
    return [_finish(found.get(node, 0.0), create_graph) for node in inputs]


def _finish(grad, create_graph):
    if create_graph:
        return grad if isinstance(grad, Value) else constant(grad)
    return float(grad)


def _positions(argnums, count):
    single = isinstance(argnums, int)
    positions = (argnums,) if single else tuple(argnums)
    for position in positions:
        if not isinstance(position, int) or not -count <= position < count:
            raise ValueError(
                f"argnums {argnums!r} does not fit a call with {count} "
                f"positional argument(s)")
    return single, positions


def _trace(f, args, positions):
    """Call ``f`` with the arguments at ``positions`` as Values.

    Returns ``(output, inputs, nested)``: nested is True when the caller
    handed in Values or is itself being differentiated, and so needs
    results it can differentiate.
    """
    nested = _inside_transform.get() or any(isinstance(arg, Value) for arg in args)
    args = list(args)
    inputs = []
    for position in positions:
        arg = args[position]
        node = arg if isinstance(arg, Value) else Value(
            as_float(arg, f"argument {position}"))
        args[position] = node
        inputs.append(node)
    # NOTE: a transform asks for derivatives, so it records its trace even
    # when called inside no_grad().
    token = _inside_transform.set(True)
    try:
        with enable_grad():
            output = f(*args)
    finally:
        _inside_transform.reset(token)
    return output, inputs, nested


def value_and_grad(f: Callable, argnums=0) -> Callable:
    """A function returning ``(f(*args), gradient)``.

    ``argnums`` (an int or a tuple of ints) says which positional arguments
    to differentiate; with a tuple the gradient is a tuple too.
    """
    def value_and_gradient(*args):
        single, positions = _positions(argnums, len(args))
        output, inputs, nested = _trace(f, args, positions)
        grads = gradients(output, inputs, create_graph=nested)
        value = output if nested or not isinstance(output, Value) else output.data
        return value, grads[0] if single else tuple(grads)
    value_and_gradient.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return value_and_gradient


def grad(f: Callable, argnums=0) -> Callable:
    """The derivative of ``f`` as a function (see :func:`value_and_grad`)."""
    with_value = value_and_grad(f, argnums)

    def gradient(*args):
        return with_value(*args)[1]
    gradient.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return gradient


def hessian(f: Callable) -> Callable:
    """A function returning the n×n nested list of second derivatives of a
    scalar ``f`` of n scalar arguments: ``H[i][j] = ∂²f / ∂xᵢ ∂xⱼ``."""
    def second_derivatives(*args):
        positions = tuple(range(len(args)))
        output, inputs, nested = _trace(f, args, positions)
        first = gradients(output, inputs, create_graph=True)
        return [gradients(row, inputs, create_graph=nested) for row in first]
    second_derivatives.__name__ = f"hessian({getattr(f, '__name__', 'f')})"
    return second_derivatives


def jvp(f: Callable, primals: Sequence, tangents: Sequence) -> tuple:
    """Forward mode: ``(f(*primals), directional derivative along tangents)``.

    Tangents flow from the inputs to the output through the recorded graph,
    each node's tangent being ``Σ partialᵢ · tangentᵢ`` from the same table
    of local partials the backward pass uses.
    """
    primals, tangents = list(primals), list(tangents)
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp() needs one tangent per primal, got {len(primals)} primals "
            f"and {len(tangents)} tangents")
    output, inputs, nested = _trace(f, primals, tuple(range(len(primals))))
    tangent_of = {node: as_float(t, "tangent") if not isinstance(t, Value) else t
                  for node, t in zip(inputs, tangents)}
    if not isinstance(output, Value):
        return output, 0.0
    for node in topological_order(output):
        if not node.parents or node in tangent_of:
            continue
        tangent = 0.0
        for parent, partial in zip(node.parents, local_partials(node, nested)):
            parent_tangent = tangent_of.get(parent)
            if parent_tangent is not None:
                tangent = tangent + partial * parent_tangent
        tangent_of[node] = tangent
    tangent = tangent_of.get(output, 0.0)
    if nested:
        return output, tangent if isinstance(tangent, Value) else constant(tangent)
    return output.data, float(tangent)
