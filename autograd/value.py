"""`Value`, the node of the computation graph, and the chain rule.

A Value holds a float (``data``), the gradient the last backward pass gave it
(``grad``), and — if an op made it — that op's row of the table
(:mod:`autograd.ops`, read with ``primitive``) and its input nodes
(``parents``). Nodes point only to their parents and to the shared table,
never back, so a graph has no reference cycles and is freed by reference
counting the moment nobody holds its output.

The chain rule lives here, once: :func:`reverse_sweep` walks a graph from
its output back to its leaves, multiplying each node's gradient by its local
partials (:func:`local_partials`, the table's derivatives) and adding the
products to its parents' gradients. :func:`autograd.gradients` and
:func:`autograd.backward_steps` are that sweep; ``Value.backward`` is the
same rule with gradients stored on the nodes, inlined for speed.
"""

from __future__ import annotations

import threading
import warnings
from contextlib import contextmanager
from contextvars import ContextVar
from numbers import Real

# NOTE: the table and Value import each other: a row applied to Values
# records a node (ops -> value), and Value's operators apply rows (value -> ops).
# Neither is complete without the other; each reads the other's names only
# at call time, so the import order does not matter.
from . import ops
from .spelling import is_misspelling


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


def as_float(data, what: str) -> float:
    """``data`` as a float if it is a real number (not a bool); else TypeError
    naming ``what`` (OverflowError for an int beyond the floats' range)."""
    if type(data) is float:
        return data
    if is_number(data):
        try:
            return float(data)
        except OverflowError:
            raise OverflowError(
                f"{what} is an int too large for a float (about {_digits(data)} digits; "
                f"floats end near 1.8e308): use a smaller number") from None
    raise TypeError(
        f"{what} must be an int or float, got {type(data).__name__}: {data!r}")


def _digits(number) -> int:
    # NOTE: str() of an int over 4,300 digits raises ValueError (Python's
    # guard against slow conversions); bit_length gives the count at once.
    if isinstance(number, int):
        return int(abs(number).bit_length() * 0.30102999566398120) + 1
    return len(str(number))


def as_values(items, what: str) -> list:
    """``items`` as a list, each a Value: else TypeError naming the position."""
    items = list(items)
    for position, item in enumerate(items):
        if not isinstance(item, Value):
            raise TypeError(
                f"{what} must be Values, got {type(item).__name__} at position {position}")
    return items


# NOTE: a cleared gradient is this one float object, 0.0 like any other.
# backward() (and a compiled step) adds into a leaf's ``_grad``, and in
# CPython an addition always makes a new float object, so "no backward
# reached it" costs the hot loop nothing: it is ``_grad is _NO_GRAD``.
# float("0") is made at run time, so no 0.0 literal elsewhere can be this
# object. (PyPy's ``is`` compares floats by value: there a computed +0.0
# would read as no gradient.) A pickled Value comes back with a gradient;
# copy.copy and copy.deepcopy keep it cleared.
_NO_GRAD = float("0")


class Value:
    """A scalar that remembers how it was computed.

    ``data`` and ``grad`` are plain floats and may be assigned (optimizers
    do): an assignment is checked (a real number, stored as a float), and
    ``grad = None`` clears the gradient to 0.0, as ``zero_grad`` does.
    ``has_grad`` tells a cleared gradient from a computed 0.0 (PyTorch's
    ``p.grad is not None``): optimizers skip a parameter without one.
    ``op`` (the name of the row that made it, ``""`` for a leaf) and
    ``parents`` (its input nodes) are read-only. Equality and hashing are by
    identity, so Values can live in sets and dicts; ``<``, ``<=``, ``>``,
    ``>=`` compare ``data`` and record nothing (while ``compile`` traces,
    they warn: the branch would be frozen).

    Besides the operators below, every unary row of :mod:`autograd.ops`
    is a method: ``x.exp()``, ``x.log()``, ``x.sqrt()``, ``x.tanh()``,
    ``x.sigmoid()``, ``x.relu()``, ``x.sin()``, ``x.cos()`` and more.
    """

    # NOTE: the (at most two) parents are two slots, not a tuple: one object
    # less to allocate and for the garbage collector to track, per node.
    # ``data`` and ``grad`` are properties over the slots ``_data`` and
    # ``_grad``, so that assignments are checked; the engine's hot paths read
    # and write the slots directly, at a slot's speed. ``_mark`` is where
    # topological_order marks the nodes it entered.
    __slots__ = ("_data", "_grad", "label", "_op", "_left", "_right", "_mark")

    def __init__(self, data, label=""):
        self._data = as_float(data, "Value data")
        self._grad = _NO_GRAD
        self.label = str(label)
        self._op = INPUT
        self._left = self._right = self._mark = None

    @property
    def data(self) -> float:
        """The value, a float."""
        return self._data

    @data.setter
    def data(self, number):
        self._data = as_float(number, "Value.data")

    @property
    def grad(self) -> float:
        """d(output)/d(self) from the backward passes so far, a float."""
        return self._grad

    @grad.setter
    def grad(self, number):
        # NOTE: None is PyTorch's way to clear a gradient (zero_grad(set_to_none=True));
        # the next backward() then stores the new gradient, as adding it to 0.0 does.
        self._grad = _NO_GRAD if number is None else as_float(number, "Value.grad")

    @property
    def has_grad(self) -> bool:
        """False while a leaf's gradient is cleared: since it was made, or
        since ``grad = None`` (``zero_grad()``), no backward() reached it and
        no number was assigned; PyTorch's ``p.grad is not None``. ``grad``
        is 0.0 either way. Nodes an op made always have one."""
        return self._grad is not _NO_GRAD

    @property
    def op(self) -> str:
        """Name of the op that made this node; ``""`` for a leaf."""
        return self._op.name

    @property
    def primitive(self):
        """The row of :mod:`autograd.ops` that made this node; None for a leaf."""
        op = self._op
        return None if type(op) is _Leaf else op

    @property
    def is_constant(self) -> bool:
        """True for a leaf standing for a plain number (the 3 in ``x * 3``)."""
        return self._op is CONSTANT

    @property
    def parents(self) -> tuple:
        """The nodes this one was computed from (``()`` for a leaf)."""
        left, right = self._left, self._right
        if left is None:
            return ()
        return (left,) if right is None else (left, right)

    def __repr__(self):
        label = f"label={self.label!r}, " if self.label else ""
        return f"Value({label}data={self._data!r}, grad={self._grad!r})"

    def __format__(self, spec):
        # NOTE: f"{loss:.4f}" formats the number, as PyTorch does for a
        # one-number tensor; f"{loss}" stays the repr.
        return format(self._data, spec) if spec else repr(self)

    def detach(self) -> Value:
        """A new leaf with the same data, cut off from this graph."""
        return Value(self._data, self.label)

    # --- arithmetic: each operator applies one row of the table ----------

    # NOTE: Value op Value, the commonest case, records its node at once;
    # the forward is the row's own (operator.add is +), so results are the same.
    def __add__(self, other):
        if type(other) is Value:
            return _record(ops.add, self._data + other._data, self, other)
        return _binary(ops.add, self, other)

    def __radd__(self, other):
        return _binary(ops.add, other, self)

    def __sub__(self, other):
        if type(other) is Value:
            return _record(ops.sub, self._data - other._data, self, other)
        return _binary(ops.sub, self, other)

    def __rsub__(self, other):
        return _binary(ops.sub, other, self)

    def __mul__(self, other):
        if type(other) is Value:
            return _record(ops.mul, self._data * other._data, self, other)
        return _binary(ops.mul, self, other)

    def __rmul__(self, other):
        return _binary(ops.mul, other, self)

    def __truediv__(self, other):
        if type(other) is Value:
            return _record(ops.div, ops.div.forward(self._data, other._data), self, other)
        return _binary(ops.div, self, other)

    def __rtruediv__(self, other):
        return _binary(ops.div, other, self)

    def __floordiv__(self, other):
        return _binary(ops.floordiv, self, other)

    def __rfloordiv__(self, other):
        return _binary(ops.floordiv, other, self)

    def __mod__(self, other):
        return _binary(ops.mod, self, other)

    def __rmod__(self, other):
        return _binary(ops.mod, other, self)

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
        if _tracing.get():
            _warn_frozen_comparison(self, "<", other)
        return self._data < _data(other)

    def __le__(self, other):
        if _tracing.get():
            _warn_frozen_comparison(self, "<=", other)
        return self._data <= _data(other)

    def __gt__(self, other):
        if _tracing.get():
            _warn_frozen_comparison(self, ">", other)
        return self._data > _data(other)

    def __ge__(self, other):
        if _tracing.get():
            _warn_frozen_comparison(self, ">=", other)
        return self._data >= _data(other)

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
        # NOTE: this is reverse_sweep() with gradients kept on the nodes, not
        # in a dict, and the partials' loop unrolled for one and two parents:
        # the hot loop of training, measured 2.7x faster than the sweep on
        # benchmarks/engine.py's graph (3.8x on the demo step's). The
        # commonest rows' partials are inlined (add's 1 · g is g exactly,
        # sub's -1 · g is -g, mul's are the other input); the table stays
        # their source: tests/autograd/test_value_guards.py holds them equal.
        seed = as_float(gradient, "backward() gradient")
        with graph_lock:
            order = topological_order(self)
            for node in order:
                if node._left is not None:
                    node._grad = 0.0
            self._grad += seed
            add, sub, mul = ops.add, ops.sub, ops.mul
            node = self
            try:
                for node in reversed(order):
                    left = node._left
                    if left is None:
                        continue
                    grad, right, op = node._grad, node._right, node._op
                    if op is mul:
                        left._grad += right._data * grad
                        right._grad += left._data * grad
                    elif op is add:
                        left._grad += grad
                        right._grad += grad
                    elif right is None:
                        (d_left,) = op.partials(node._data, left._data)
                        left._grad += d_left * grad
                    elif op is sub:
                        left._grad += grad
                        right._grad -= grad
                    else:
                        d_left, d_right = op.partials(node._data, left._data, right._data)
                        left._grad += d_left * grad
                        right._grad += d_right * grad
            except ArithmeticError:
                local_partials(node)  # raises the error again, naming the op
                raise

    # --- learner traps: refused, naming the fix -----------------------------
    # NOTE: below the hot paths on purpose. Misspelled methods (x.tahn()) are
    # class attributes that raise (autograd.spelling), not __getattr__, which
    # would slow every attribute read; __dir__ hides them from completion.

    def __bool__(self):
        # NOTE: as PyTorch's bool(tensor), the truth of the number: without
        # it every Value is true, and `if v:` silently takes the branch for
        # Value(0.0) too. Traced, it is a frozen decision, like a comparison.
        if _tracing.get():
            _warn_frozen_comparison(self, "!=", 0.0)
        return self._data != 0.0

    def __xor__(self, other):
        raise TypeError("^ is exclusive or in Python, not a power: write x ** 2 for x squared")

    __rxor__ = __xor__

    def __float__(self):
        # NOTE: PyTorch's float(tensor) reads the number and drops the graph
        # silently, and so does math.tanh(tensor), which calls it: the gradient
        # is lost with no sign. Here that is refused, naming the fix; only a
        # constant (the 3 in x * 3), which has no gradient to lose, converts.
        if self._op is CONSTANT:
            return self._data
        raise TypeError(
            f"float() of a Value would drop it from the graph and lose its gradient "
            f"(math.tanh(v) and other math functions call float()): use v.data or "
            f"v.item() for the number ({self._data!r}), or a Value method such as "
            f"v.tanh() (or autograd.tanh(v)) to stay in the graph")

    def item(self) -> float:
        """The number, as PyTorch's ``tensor.item()``: ``data``, outside the graph."""
        return self._data

    def __dir__(self):
        return [name for name in object.__dir__(self) if not is_misspelling(Value, name)]


def data_of(x) -> float:
    """The number ``x`` holds: a Value's ``data``, else ``float(x)``; for code
    that reads Values and numbers alike (``float()`` of a Value is refused)."""
    return x._data if isinstance(x, Value) else float(x)


def local_partials(node: Value, differentiable: bool = False) -> tuple:
    """∂node/∂parentᵢ for each parent, from the node's row of the table.

    Floats, or with ``differentiable=True`` Values whose own graphs can be
    differentiated again (higher order). Where a derivative is undefined
    (``sqrt`` at 0), the row's ArithmeticError is raised again naming the op
    and the point.
    """
    parents = node.parents
    try:
        if differentiable:
            return tuple(node._op.partials(node, *parents))
        return tuple(node._op.partials(node._data, *[parent._data for parent in parents]))
    except ArithmeticError as error:
        inputs = ", ".join(repr(parent._data) for parent in parents)
        raise type(error)(
            f"the derivative of {node._op.name}() is undefined at ({inputs}): {error}"
        ) from error


def reverse_sweep(root: Value, gradients: dict, differentiable: bool = False):
    """The chain rule from ``root`` back to its leaves, one node at a time.

    ``gradients`` maps ``root`` to the seed, d(something)/d root (1.0 for
    d root / d node), and is filled in place: each node reached gets its
    gradient. Yields ``(node, partials)`` for each node an op made, in
    reverse topological order, once its gradient is complete and
    ``partials[i] · gradients[node]`` has been added to its parent i's.
    No ``.grad`` is read or written. With ``differentiable=True`` partials
    and gradients are Values (:func:`local_partials`), so the gradients can
    be differentiated again.
    """
    for node in reversed(topological_order(root)):
        if node._left is None:
            continue
        # NOTE: every consumer of a node comes before it in this order, so
        # its gradient is complete (and present) when it is reached.
        gradient = gradients[node]
        partials = local_partials(node, differentiable)
        for parent, partial in zip(node.parents, partials):
            contribution = partial * gradient
            if parent in gradients:
                contribution = gradients[parent] + contribution
            gradients[parent] = contribution
        yield node, partials


_FINISH = object()  # marks, on the stack below a node's parents, its exit


def topological_order(root: Value) -> list:
    """Every node ``root`` depends on, each after all of its parents.

    An iterative depth-first search (so the depth of the graph is not limited
    by Python's recursion limit): a node is entered, its parents pushed above
    an exit marker, and the node is emitted when the marker comes back up,
    that is, after all of its parents.
    """
    order = []
    stack = [root]
    # NOTE: a node entered by this call holds this call's own mark in its
    # ``_mark`` slot, faster than a set of entered nodes. The lock keeps two
    # threads walking one graph from overwriting each other's marks.
    mark = object()
    # NOTE: bound methods held in locals: this loop is half of backward()'s time.
    pop, push, emit = stack.pop, stack.append, order.append
    # A leaf is emitted as it is entered (it has no parents to wait for), and
    # a parent already entered is not pushed: the order is the same, with
    # fewer trips through the stack.
    with graph_lock:
        while stack:
            node = pop()
            if node is _FINISH:
                emit(pop())
            elif node._mark is not mark:
                node._mark = mark
                left = node._left
                if left is None:
                    emit(node)
                    continue
                push(node)
                push(_FINISH)
                if left._mark is not mark:
                    push(left)
                right = node._right
                if right is not None and right._mark is not mark:
                    push(right)
    return order


# --- applying rows -------------------------------------------------------------

_new = object.__new__


def _record(op, data, left, right=None):
    """A new node holding ``data``, made by ``op`` from ``left`` (and ``right``)."""
    node = _new(Value)
    node._data = data
    node._grad = 0.0
    node.label = ""
    node._mark = None
    if _grad_enabled.get():
        node._op = op
        node._left = left
        node._right = right
    else:
        node._op = INPUT
        node._left = node._right = None
    return node


def constant(number, what: str = "a constant") -> Value:
    """A leaf for a plain number used in an expression (the 3 in ``x * 3``)."""
    node = _new(Value)
    node._data = as_float(number, what)
    node._grad = 0.0
    node.label = ""
    node._op = CONSTANT
    node._left = node._right = node._mark = None
    return node


def _binary(op, left, right):
    if not isinstance(left, Value):
        if not is_number(left):
            return NotImplemented
        left = constant(left, f"{op.name}() input 0")
    if not isinstance(right, Value):
        if not is_number(right):
            return NotImplemented
        right = constant(right, f"{op.name}() input 1")
    return _record(op, op.forward(left._data, right._data), left, right)


def is_number(x):
    """int, float or another real number type (not bool, not complex)."""
    return type(x) in _FAST_NUMBERS or (isinstance(x, Real) and not isinstance(x, bool))


_FAST_NUMBERS = frozenset((float, int))


def _data(x):
    return x._data if isinstance(x, Value) else x


# --- threads and traces ----------------------------------------------------------

# NOTE: a backward pass reads and writes ``grad`` all over its graph, and
# topological_order marks nodes: two at once on one graph would mix their
# sums. They take turns under this lock (as PyTorch makes concurrent
# backward calls safe); it is re-entrant, since backward() holds it while it
# calls topological_order(). Compiled steps take it too (they add to grads).
graph_lock = threading.RLock()

# Set (to True) while a function is traced (see tracing).
_tracing = ContextVar("chainrule_tracing", default=False)
# The list a trace records its frozen decisions in (see tracing).
_decisions = ContextVar("chainrule_decisions", default=None)


@contextmanager
def tracing():
    """The block is a trace: a Python decision on a Value's data (a
    comparison, ``bool(v)``) decides once, so it warns (:class:`TraceWarning`)
    and is recorded in the list this yields as ``(value, symbol, number)``:
    ``value symbol number`` was the question (``symbol`` one of ``< <= >
    >= !=``), its answer is the one the trace took. A tracer that prints
    the graph may check the answer each time the code runs."""
    decisions = []
    tracing_token, decisions_token = _tracing.set(True), _decisions.set(decisions)
    try:
        yield decisions
    finally:
        _tracing.reset(tracing_token)
        _decisions.reset(decisions_token)


class TraceWarning(UserWarning):
    """A Python decision on a traced Value's data, frozen into compiled code."""


def _warn_frozen_comparison(value, symbol, other):
    decisions = _decisions.get()
    if decisions is not None:
        decisions.append((value, symbol, _data(other)))
    warnings.warn(
        f"compile: comparing a traced Value ({value._data!r} {symbol} {_data(other)!r}) "
        f"decides once, at the trace; the compiled code keeps this branch whatever the "
        f"data later is (so max(a, b) or min(a, b) stays the trace's choice). Write it "
        f"with the table's ops, whose branch is in the emitted line: max(a, b) is "
        f"a.maximum(b), abs(x) is x.abs(), relu(x) is x.relu()",
        TraceWarning, stacklevel=3)


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
    first = operands[0]
    if type(first) is float and (op.arity == 1 or type(operands[1]) is float):
        return op.forward(*operands)
    # NOTE: one Value in, as an activation applies its row: the node at once.
    if type(first) is Value and op.arity == 1:
        return _record(op, op.forward(first._data), first)
    if any(isinstance(x, Value) for x in operands):
        for position in op.constant_inputs:
            if isinstance(operands[position], Value) and operands[position]._op is not CONSTANT:
                raise TypeError(
                    f"{op.name}() holds its input {position} constant: pass a plain "
                    f"number there, not a Value")
        nodes = tuple(x if isinstance(x, Value) else constant(as_float(x, f"{op.name}() input"))
                      for x in operands)
        return _record(op, op.forward(*(node._data for node in nodes)), *nodes)
    for x in operands:
        if type(x) not in _FAST_NUMBERS and hasattr(x, "apply_primitive"):
            return x.apply_primitive(op, *operands)
    return op.forward(*(as_float(x, f"{op.name}() input") for x in operands))


def _unary(op, node):
    return _record(op, op.forward(node._data), node)


def method_for(op):
    """The Value method of a row called by name: ``x.tanh()`` for ``ops.tanh``,
    ``y.atan2(x)`` for a binary row (the Value is the first input)."""
    if op.arity == 1:
        def method(self):
            return _unary(op, self)
    else:
        def method(self, *others):
            return apply(op, self, *others)
    method.__name__ = op.name
    method.__qualname__ = f"Value.{op.name}"
    others = "".join(f", {'xyzw'[position]}" for position in range(1, op.arity))
    method.__doc__ = f"``{op.name}(self{others})``: a row of autograd.ops."
    return method
