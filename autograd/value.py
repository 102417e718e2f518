"""`Value`, the node of the computation graph, and the backward pass.

A Value holds a float (``data``), the gradient the last backward pass gave it
(``grad``), and — if an op made it — that op's row of the table
(:mod:`autograd.ops`) and its input nodes (``parents``). Nodes point only to
their parents and to the shared table, never back, so a graph has no
reference cycles and is freed by reference counting the moment nobody holds
its output.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from numbers import Real

from . import ops


class _Leaf:
    """Stands in for an op on nodes no op made."""

    __slots__ = ("name", "kind")

    def __init__(self, kind):
        self.name = ""
        self.kind = kind


INPUT = _Leaf("input")        # made by the user: Value(2.0)
CONSTANT = _Leaf("constant")  # a plain number in an expression: the 3 in x * 3

_grad_enabled = ContextVar("chainrule_grad_enabled", default=True)


@contextmanager
def no_grad():
    """Inside this block ops compute values but record no graph.

    The flag lives in a :class:`contextvars.ContextVar`, so it belongs to the
    thread or asyncio task that entered the block and never leaks to others.
    """
    token = _grad_enabled.set(False)
    try:
        yield
    finally:
        _grad_enabled.reset(token)


@contextmanager
def enable_grad():
    """Record the graph inside this block, even within :func:`no_grad`."""
    token = _grad_enabled.set(True)
    try:
        yield
    finally:
        _grad_enabled.reset(token)


def is_grad_enabled() -> bool:
    """True unless inside :func:`no_grad`."""
    return _grad_enabled.get()


def _as_float(data, what):
    if type(data) is float:
        return data
    if _is_number(data):
        return float(data)
    raise TypeError(
        f"{what} must be an int or float, got {type(data).__name__}: {data!r}")


def _as_values(items, what) -> list:
    """``items`` as a list, each a Value: else TypeError naming the position."""
    items = list(items)
    for position, item in enumerate(items):
        if not isinstance(item, Value):
            raise TypeError(
                f"{what} must be Values, got {type(item).__name__} at position {position}")
    return items


class Value:
    """A scalar that remembers how it was computed.

    ``data`` and ``grad`` are plain floats and may be assigned (optimizers
    do). ``op`` (the name of the row that made it, ``""`` for a leaf) and
    ``parents`` (its input nodes) are read-only. Equality and hashing are by
    identity, so Values can live in sets and dicts; ``<``, ``<=``, ``>``,
    ``>=`` compare ``data`` and record nothing.

    Besides the operators below, every unary row of :mod:`autograd.ops`
    is a method: ``x.exp()``, ``x.log()``, ``x.sqrt()``, ``x.tanh()``,
    ``x.sigmoid()``, ``x.relu()``, ``x.sin()``, ``x.cos()`` and more.
    """

    # NOTE: the (at most two) parents are two slots, not a tuple: one object
    # less to allocate and for the garbage collector to track, per node.
    __slots__ = ("data", "grad", "label", "_op", "_left", "_right")

    def __init__(self, data, label=""):
        self.data = _as_float(data, "Value data")
        self.grad = 0.0
        self.label = str(label)
        self._op = INPUT
        self._left = self._right = None

    @property
    def op(self) -> str:
        """Name of the op that made this node; ``""`` for a leaf."""
        return self._op.name

    @property
    def parents(self) -> tuple:
        """The nodes this one was computed from (``()`` for a leaf)."""
        left, right = self._left, self._right
        if left is None:
            return ()
        return (left,) if right is None else (left, right)

    def __repr__(self):
        label = f"label={self.label!r}, " if self.label else ""
        return f"Value({label}data={self.data!r}, grad={self.grad!r})"

    def __float__(self):
        return self.data

    def detach(self) -> Value:
        """A new leaf with the same data, cut off from this graph."""
        return Value(self.data, self.label)

    # --- arithmetic: each operator applies one row of the table ----------

    def __add__(self, other):
        return _binary(ops.add, self, other)

    def __radd__(self, other):
        return _binary(ops.add, other, self)

    def __sub__(self, other):
        return _binary(ops.sub, self, other)

    def __rsub__(self, other):
        return _binary(ops.sub, other, self)

    def __mul__(self, other):
        return _binary(ops.mul, self, other)

    def __rmul__(self, other):
        return _binary(ops.mul, other, self)

    def __truediv__(self, other):
        return _binary(ops.div, self, other)

    def __rtruediv__(self, other):
        return _binary(ops.div, other, self)

    def __pow__(self, other):
        row = ops.power if isinstance(other, Value) else ops.pow
        return _binary(row, self, other)

    def __rpow__(self, other):
        return _binary(ops.power, other, self)

    def __neg__(self):
        return _unary(ops.neg, self)

    def __abs__(self):
        return _unary(ops.abs, self)

    # --- comparisons look at data only -----------------------------------

    def __lt__(self, other):
        return self.data < _data(other)

    def __le__(self, other):
        return self.data <= _data(other)

    def __gt__(self, other):
        return self.data > _data(other)

    def __ge__(self, other):
        return self.data >= _data(other)

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    # --- the backward pass -------------------------------------------------

    def backward(self, gradient=1.0) -> None:
        """Backpropagate: fill ``grad`` of every node this one depends on.

        ``gradient`` is d(something)/d(self), 1.0 by default. Nodes are
        visited in reverse topological order, each one's local partials from
        the op table multiplied by its gradient and added to its parents'.

        Semantics (those of PyTorch):

        * leaves *accumulate*: a second ``backward()`` adds to their
          ``grad`` (call ``zero_grad`` or set ``grad = 0.0`` between steps);
        * interior nodes hold the gradient of the *latest* call: they are
          reset to 0 first, so they are never counted twice.

        The traversal is iterative (any depth works) and linear in the size
        of the graph.
        """
        seed = _as_float(gradient, "backward() gradient")
        order = topological_order(self)
        for node in order:
            if node._left is not None:
                node.grad = 0.0
        self.grad += seed
        node = self
        try:
            for node in reversed(order):
                left = node._left
                if left is None:
                    continue
                grad, right = node.grad, node._right
                if right is None:
                    (d_left,) = node._op.partials(node.data, left.data)
                    left.grad += d_left * grad
                else:
                    d_left, d_right = node._op.partials(node.data, left.data, right.data)
                    left.grad += d_left * grad
                    right.grad += d_right * grad
        except ArithmeticError as error:
            raise _undefined_derivative(node, error) from error


def _undefined_derivative(node, error):
    inputs = ", ".join(repr(parent.data) for parent in node.parents)
    return type(error)(
        f"the derivative of {node._op.name}() is undefined at ({inputs}): {error}")


_FINISH = object()  # marks, on the stack below a node's parents, its exit


def topological_order(root: Value) -> list:
    """Every node ``root`` depends on, each after all of its parents.

    An iterative depth-first search (so the depth of the graph is not limited
    by Python's recursion limit): a node is entered, its parents pushed above
    an exit marker, and the node is emitted when the marker comes back up,
    that is, after all of its parents.
    """
    order = []
    entered = set()
    stack = [root]
    # NOTE: bound methods held in locals: this loop is half of backward()'s time.
    pop, push, enter, emit = stack.pop, stack.append, entered.add, order.append
    while stack:
        node = pop()
        if node is _FINISH:
            emit(pop())
        elif node not in entered:
            enter(node)
            push(node)
            push(_FINISH)
            left = node._left
            if left is not None:
                push(left)
                right = node._right
                if right is not None:
                    push(right)
    return order


# --- applying rows -------------------------------------------------------------

_new = object.__new__


def _record(op, data, left, right=None):
    """A new node holding ``data``, made by ``op`` from ``left`` (and ``right``)."""
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    if _grad_enabled.get():
        node._op = op
        node._left = left
        node._right = right
    else:
        node._op = INPUT
        node._left = node._right = None
    return node


def constant(number) -> Value:
    """A leaf for a plain number used in an expression (the 3 in ``x * 3``)."""
    node = _new(Value)
    node.data = _as_float(number, "a constant")
    node.grad = 0.0
    node.label = ""
    node._op = CONSTANT
    node._left = node._right = None
    return node


def _binary(op, left, right):
    if not isinstance(left, Value):
        if not _is_number(left):
            return NotImplemented
        left = constant(left)
    if not isinstance(right, Value):
        if not _is_number(right):
            return NotImplemented
        right = constant(right)
    return _record(op, op.forward(left.data, right.data), left, right)


def _is_number(x):
    """int, float or another real number type (not bool, not complex)."""
    return type(x) in _FAST_NUMBERS or (isinstance(x, Real) and not isinstance(x, bool))


_FAST_NUMBERS = frozenset((float, int))


def _data(x):
    return x.data if isinstance(x, Value) else x


def apply(op, *operands):
    """``op`` applied to operands: a Value if any operand is a Value, else a float.

    Another operand type may take over by defining ``apply_primitive(op,
    *operands)``: ``autograd.compile`` evaluates rows' partials on symbolic
    expressions this way, to print them as code.
    """
    if len(operands) != op.arity:
        raise TypeError(
            f"{op.name}() takes {op.arity} argument(s), got {len(operands)}")
    # NOTE: floats first: backward() evaluates partials such as relu's step(x)
    # on floats, once per node.
    if type(operands[0]) is float and (op.arity == 1 or type(operands[1]) is float):
        return op.forward(*operands)
    if any(isinstance(x, Value) for x in operands):
        for position in op.constant_inputs:
            if isinstance(operands[position], Value) and operands[position]._op is not CONSTANT:
                raise TypeError(
                    f"{op.name}() holds its input {position} constant: pass a plain "
                    f"number there, not a Value")
        nodes = tuple(x if isinstance(x, Value) else constant(_as_float(x, f"{op.name}() input"))
                      for x in operands)
        return _record(op, op.forward(*(node.data for node in nodes)), *nodes)
    for x in operands:
        if type(x) not in _FAST_NUMBERS and hasattr(x, "apply_primitive"):
            return x.apply_primitive(op, *operands)
    return op.forward(*(_as_float(x, f"{op.name}() input") for x in operands))


def _unary(op, node):
    return _record(op, op.forward(node.data), node)


def method_for(op):
    """The Value method of a unary row: ``x.tanh()`` for ``ops.tanh``."""
    def method(self):
        return _unary(op, self)
    method.__name__ = op.name
    method.__qualname__ = f"Value.{op.name}"
    method.__doc__ = f"``{op.name}`` of this Value (a row of autograd.ops)."
    return method
