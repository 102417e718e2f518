"""Functional transforms: derivatives as functions, with the names and
semantics of JAX (and HIPS autograd).

``grad(f)`` is a new function that returns the derivative of ``f``. Called
with plain numbers it returns floats. Called with Values — or from inside
another transform — it returns Values connected to the graph, so the result
can be differentiated again: ``grad(grad(f))`` is the second derivative, and
the nesting goes to any order.

The contract, shared by every transform:

* an argument to differentiate is a number, a Value, or a tuple or list
  (nested as deep as you like) of them; its derivative has the same shape.
  ``argnums`` (an int or a tuple of ints) picks the positional arguments;
* keyword arguments reach ``f`` unchanged and are not differentiated
  (``jvp`` and ``vjp`` take none, as in JAX: bind them with a lambda);
* ``f`` returns a number, a Value, or a tuple or list of them (nested too);
  ``grad``, ``value_and_grad`` and ``hessian`` need a single one. With
  ``has_aux=True`` it returns ``(output, aux)``: ``aux`` rides along,
  undifferentiated, its Values given as floats unless the call is nested;
* anything else is a TypeError naming what was wrong.

All of them read the same table of local partials as ``Value.backward``:
reverse mode sums ``partial · gradient`` from the output back, forward mode
(``jvp``, ``jacfwd``) sums ``partial · tangent`` from the inputs forward, and
higher order evaluates the partials on Values instead of floats.
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


# --- trees: numbers and Values in (nested) tuples and lists ------------------


def _leaves(tree) -> list:
    """The numbers and Values of ``tree``, depth first, left to right."""
    if isinstance(tree, (tuple, list)):
        return [leaf for branch in tree for leaf in _leaves(branch)]
    return [tree]


def _rebuild(tree, leaves):
    """``tree``'s shape with its leaves taken in order from the iterator ``leaves``."""
    if isinstance(tree, (tuple, list)):
        return type(tree)(_rebuild(branch, leaves) for branch in tree)
    return next(leaves)


def _check_leaves(tree, transform, what):
    for leaf in _leaves(tree):
        if not isinstance(leaf, Value) and not is_number(leaf):
            raise TypeError(
                f"{transform}: {what} must be a number, a Value, or a tuple or list of "
                f"them; found {type(leaf).__name__}: {leaf!r}")


def _same_shape(first, second) -> bool:
    if isinstance(first, (tuple, list)) and isinstance(second, (tuple, list)):
        return len(first) == len(second) and all(map(_same_shape, first, second))
    return not isinstance(first, (tuple, list)) and not isinstance(second, (tuple, list))


def _as_floats(tree):
    """``aux`` with its Values (in tuples, lists and dicts) as floats."""
    if isinstance(tree, Value):
        return tree.data
    if isinstance(tree, (tuple, list)):
        return type(tree)(_as_floats(branch) for branch in tree)
    if isinstance(tree, dict):
        return {key: _as_floats(branch) for key, branch in tree.items()}
    return tree


# --- tracing a call ------------------------------------------------------------


def _positions(argnums, count):
    single = isinstance(argnums, int)
    positions = (argnums,) if single else tuple(argnums)
    for position in positions:
        if not isinstance(position, int) or not -count <= position < count:
            raise ValueError(
                f"argnums {argnums!r} does not fit a call with {count} "
                f"positional argument(s)")
    return single, positions


class _Trace:
    """One call of ``f`` with the differentiated arguments' leaves as Values.

    ``arguments`` are those arguments (trees of Values), ``inputs`` their
    leaves in order; ``output`` is what ``f`` returned (``aux`` split off);
    ``nested`` is True when the caller handed in Values or is itself being
    differentiated, and so needs results it can differentiate.
    """

    def __init__(self, transform, f, args, kwargs, positions, has_aux=False):
        leaves = _leaves([args, list(kwargs.values())])
        self.nested = _inside_transform.get() or any(isinstance(x, Value) for x in leaves)
        args = list(args)
        self.arguments, self.inputs = [], []
        for position in positions:
            _check_leaves(args[position], transform, f"argument {position}")
            nodes = [leaf if isinstance(leaf, Value)
                     else Value(as_float(leaf, f"{transform}: argument {position}"))
                     for leaf in _leaves(args[position])]
            args[position] = _rebuild(args[position], iter(nodes))
            self.arguments.append(args[position])
            self.inputs.extend(nodes)
        # NOTE: a transform asks for derivatives, so it records its trace even
        # when called inside no_grad().
        token = _inside_transform.set(True)
        try:
            with enable_grad():
                output = f(*args, **kwargs)
        finally:
            _inside_transform.reset(token)
        self.aux = None
        if has_aux:
            if not isinstance(output, (tuple, list)) or len(output) != 2:
                raise TypeError(
                    f"{transform} with has_aux=True needs f to return a pair "
                    f"(output, aux), got {type(output).__name__}: {output!r}")
            output, aux = output
            self.aux = aux if self.nested else _as_floats(aux)
        _check_leaves(output, transform, "f's output")
        self.output, self.outputs = output, _leaves(output)

    def scalar_output(self, transform):
        """The one output, or TypeError for a tuple or list of them."""
        if isinstance(self.output, (tuple, list)):
            raise TypeError(
                f"{transform} needs f to return one number, got a "
                f"{type(self.output).__name__} of {len(self.outputs)}: use jacobian "
                f"(jacrev) or jacfwd for several outputs, or has_aux=True if the "
                f"rest is extra data")
        return self.output

    def value(self):
        """``f``'s output, as floats unless the call is nested."""
        if self.nested:
            return self.output
        return _rebuild(self.output, iter(
            [leaf.data if isinstance(leaf, Value) else leaf for leaf in self.outputs]))

    def shaped_like_arguments(self, flat, single):
        """``flat`` (one entry per input) in the arguments' shape."""
        entries = iter(flat)
        trees = tuple(_rebuild(argument, entries) for argument in self.arguments)
        return trees[0] if single else trees

    def with_aux(self, result, has_aux):
        return (result, self.aux) if has_aux else result


def _name(transform, f):
    return f"{transform}({getattr(f, '__name__', 'f')})"


# --- reverse mode ---------------------------------------------------------------


def value_and_grad(f: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """A function returning ``(f(*args), gradient)``.

    ``argnums`` (an int or a tuple of ints) says which positional arguments
    to differentiate; with a tuple the gradient is a tuple too. With
    ``has_aux=True`` it returns ``((value, aux), gradient)``, as JAX does.
    """
    def value_and_gradient(*args, **kwargs):
        single, positions = _positions(argnums, len(args))
        trace = _Trace("value_and_grad()", f, args, kwargs, positions, has_aux)
        grads = gradients(trace.scalar_output("value_and_grad()"), trace.inputs,
                          create_graph=trace.nested)
        return (trace.with_aux(trace.value(), has_aux),
                trace.shaped_like_arguments(grads, single))
    value_and_gradient.__name__ = _name("value_and_grad", f)
    return value_and_gradient


def grad(f: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """The derivative of ``f`` as a function (see :func:`value_and_grad`);
    with ``has_aux=True`` it returns ``(gradient, aux)``."""
    def gradient(*args, **kwargs):
        single, positions = _positions(argnums, len(args))
        trace = _Trace("grad()", f, args, kwargs, positions, has_aux)
        grads = gradients(trace.scalar_output("grad()"), trace.inputs,
                          create_graph=trace.nested)
        return trace.with_aux(trace.shaped_like_arguments(grads, single), has_aux)
    gradient.__name__ = _name("grad", f)
    return gradient


def vjp(f: Callable, *primals, has_aux: bool = False) -> tuple:
    """Reverse mode from the outside: ``(f(*primals), vjp_function)``.

    ``vjp_function(cotangent)``, with ``cotangent`` shaped like the output,
    returns a tuple with one entry per primal (each shaped like it):
    ``Σⱼ cotangentⱼ · ∂outputⱼ/∂primal``. With ``has_aux=True`` the result is
    ``(output, vjp_function, aux)``.
    """
    trace = _Trace("vjp()", f, primals, {}, tuple(range(len(primals))), has_aux)

    def vjp_function(cotangent):
        if not _same_shape(cotangent, trace.output):
            raise ValueError(
                f"vjp(): the cotangent must be shaped like f's output "
                f"{trace.value()!r}, got {cotangent!r}")
        _check_leaves(cotangent, "vjp()", "the cotangent")
        cotangents = _leaves(cotangent)
        nested = trace.nested or any(isinstance(c, Value) for c in cotangents)
        # NOTE: Σ cⱼ·yⱼ seeded with 1 propagates exactly what seeding each yⱼ
        # with cⱼ would: mul's partial is the other factor, add's is 1.
        with enable_grad():
            total = 0.0
            for output, weight in zip(trace.outputs, cotangents):
                if isinstance(output, Value):
                    total = total + output * weight
        grads = gradients(total, trace.inputs, create_graph=nested)
        return trace.shaped_like_arguments(grads, single=False)
    vjp_function.__name__ = _name("vjp", f)
    result = (trace.value(), vjp_function)
    return (*result, trace.aux) if has_aux else result


def jacrev(f: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """The Jacobian by reverse mode: one backward sweep per output.

    Shaped as JAX shapes it: the output's shape, each entry the gradient of
    that output shaped like the arguments (a tuple of them for a tuple
    ``argnums``). One output and one scalar argument give a number.
    """
    def jacobian_by_rows(*args, **kwargs):
        single, positions = _positions(argnums, len(args))
        trace = _Trace("jacrev()", f, args, kwargs, positions, has_aux)
        rows = [trace.shaped_like_arguments(
                    gradients(output, trace.inputs, create_graph=trace.nested), single)
                for output in trace.outputs]
        return trace.with_aux(_rebuild(trace.output, iter(rows)), has_aux)
    jacobian_by_rows.__name__ = _name("jacrev", f)
    return jacobian_by_rows


# NOTE: JAX's jacobian is jacrev too: the same function, so results agree to
# the bit; jacfwd rounds in another order and may differ in the last bits.
jacobian = jacrev


def hessian(f: Callable) -> Callable:
    """A function returning the n×n nested list of second derivatives of a
    scalar ``f``, over the n numbers of all its positional arguments in
    order: ``H[i][j] = ∂²f / ∂xᵢ ∂xⱼ`` (so ``hessian(f)(x, y)`` is 2×2, and
    so is ``hessian(g)([x, y])``)."""
    def second_derivatives(*args, **kwargs):
        trace = _Trace("hessian()", f, args, kwargs, tuple(range(len(args))))
        output = trace.scalar_output("hessian()")
        first = gradients(output, trace.inputs, create_graph=True)
        return [gradients(row, trace.inputs, create_graph=trace.nested) for row in first]
    second_derivatives.__name__ = _name("hessian", f)
    return second_derivatives


# --- forward mode ---------------------------------------------------------------


def _forward_sweep(outputs, tangent_of, differentiable):
    """Fill ``tangent_of`` (seeded with the inputs' tangents) for every node
    the outputs depend on; nodes without a tangent have tangent 0."""
    with enable_grad():  # differentiable tangents must be recorded
        for output in outputs:
            if not isinstance(output, Value):
                continue
            for node in topological_order(output):
                if not node.parents or node in tangent_of:
                    continue
                tangent = 0.0
                for parent, partial in zip(node.parents, local_partials(node, differentiable)):
                    parent_tangent = tangent_of.get(parent)
                    if parent_tangent is not None:
                        tangent = tangent + partial * parent_tangent
                tangent_of[node] = tangent
    return [_finish(tangent_of.get(output, 0.0), differentiable)
            if isinstance(output, Value) else _finish(0.0, differentiable)
            for output in outputs]


def jvp(f: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False) -> tuple:
    """Forward mode: ``(f(*primals), directional derivative along tangents)``.

    ``primals`` and ``tangents`` are tuples or lists, one entry per
    positional argument, shaped alike; the derivative is shaped like the
    output. With ``has_aux=True`` the result is ``(output, tangent, aux)``.
    Tangents flow from the inputs to the outputs through the recorded graph,
    each node's tangent being ``Σ partialᵢ · tangentᵢ`` from the same table
    of local partials the backward pass uses.
    """
    for name, given in (("primals", primals), ("tangents", tangents)):
        if not isinstance(given, (tuple, list)):
            raise TypeError(
                f"jvp() takes the {name} as a tuple or list, one entry per argument of "
                f"f, as in jvp(f, (2.0,), (1.0,)); got {type(given).__name__}: {given!r}")
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp() needs one tangent per primal, got {len(primals)} primals "
            f"and {len(tangents)} tangents")
    if not _same_shape(list(primals), list(tangents)):
        raise ValueError(
            f"jvp(): the tangents {tangents!r} must be shaped like the primals {primals!r}")
    _check_leaves(tangents, "jvp()", "the tangents")
    trace = _Trace("jvp()", f, primals, {}, tuple(range(len(primals))), has_aux)
    tangent_of = {node: tangent if isinstance(tangent, Value) else as_float(tangent, "tangent")
                  for node, tangent in zip(trace.inputs, _leaves(tangents))}
    nested = trace.nested or any(isinstance(tangent, Value) for tangent in _leaves(tangents))
    out_tangents = _forward_sweep(trace.outputs, tangent_of, nested)
    result = (trace.value(), _rebuild(trace.output, iter(out_tangents)))
    return (*result, trace.aux) if has_aux else result


def jacfwd(f: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """The Jacobian by forward mode: one forward sweep per input number.

    The same shape and values as :func:`jacrev`; cheaper when there are
    fewer inputs than outputs.
    """
    def jacobian_by_columns(*args, **kwargs):
        single, positions = _positions(argnums, len(args))
        trace = _Trace("jacfwd()", f, args, kwargs, positions, has_aux)
        # NOTE: every other input is seeded with 0, as in jvp, so an input
        # computed from another (a Value handed in) is still its own variable.
        columns = [_forward_sweep(trace.outputs,
                                  {node: float(node is seeded) for node in trace.inputs},
                                  trace.nested)
                   for seeded in trace.inputs]
        rows = [trace.shaped_like_arguments([column[j] for column in columns], single)
                for j in range(len(trace.outputs))]
        return trace.with_aux(_rebuild(trace.output, iter(rows)), has_aux)
    jacobian_by_columns.__name__ = _name("jacfwd", f)
    return jacobian_by_columns
