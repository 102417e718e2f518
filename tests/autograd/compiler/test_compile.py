"""autograd.compiler: compiled losses and gradients are the eager ones."""

import doctest
import math
import operator
import random
import traceback

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value, compile, no_grad, ops
from autograd.compiler import function as compile_module
from autograd.compiler.source import Source
from autograd.ops import Primitive

from ..test_ops import REFERENCE

FINITE = st.floats(-3.0, 3.0)


def zero_grad(params):
    for p in params:
        p.grad = 0.0


def eager(f, params, inputs, gradient=1.0):
    """``loss = f(*inputs); loss.backward(gradient)``: the loss and the grads."""
    zero_grad(params)
    loss = f(*[Value(x) for x in inputs])
    loss.backward(gradient)
    return loss.data, [p.grad for p in params]


def compiled(step, params, inputs, gradient=1.0):
    zero_grad(params)
    loss = step(*inputs, gradient=gradient)
    return loss, [p.grad for p in params]


def test_module_docstring_shows_the_emitted_source():
    assert doctest.testmod(compile_module).failed == 0


# --- every row of the table, and random graphs ---------------------------------


def operands(row, exponent=None):
    """Points inside the row's domain (its REFERENCE entry's in
    tests/autograd/test_ops.py); pow's exponent, a plain number, is
    ``exponent`` when given (a replay keeps the traced one)."""
    held = {} if exponent is None else {position: exponent for position in row.constant_inputs}
    return REFERENCE[row.name].operands(row.arity, held)


def parameter_data(operands, x):
    """The parameters' data for which ``row_loss`` at ``x`` applies the row
    to exactly ``operands`` (x is ±1 or 0.5: the quotient is exact)."""
    first, *rest = operands
    return [first / x, *rest]


def row_loss(row, params, exponent):
    """``row(x · p0, p1)``, or ``row(x · p0, exponent)`` for pow."""
    def loss(x):
        rest = [exponent] if row is ops.pow else params[1:]
        return row(x * params[0], *rest)
    return loss


@pytest.mark.parametrize("row", ops.PRIMITIVES, ids=lambda row: row.name)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_every_row_matches_eager_bit_for_bit(row, data):
    traced_at = data.draw(operands(row))
    replayed_at = data.draw(operands(row, exponent=traced_at[-1]))  # a constant
    x = data.draw(st.sampled_from([1.0, -1.0, 0.5]))
    params = [Value(a) for a in parameter_data(traced_at, x)]
    f = row_loss(row, params, traced_at[-1])
    step = compile(f, params)
    assert_same_as_eager(step, f, params, x)
    for p, a in zip(params, parameter_data(replayed_at, x)):
        p.data = a
    assert_same_as_eager(step, f, params, x)


def assert_same_as_eager(step, f, params, x):
    """The same loss and gradients, or, where a derivative is undefined (a
    point a row's generic strategy may draw), the same kind of error."""
    try:
        expected = eager(f, params, [x])
    except ArithmeticError as error:
        with pytest.raises(type(error)):
            compiled(step, params, [x])
        return
    assert compiled(step, params, [x]) == expected


# Each builds a node from two nodes, staying inside every op's domain.
BUILDERS = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (1.5 + b.sin()),
    lambda a, b: a.tanh() ** 3,
    lambda a, b: (a.sigmoid() + 0.5) ** b.tanh(),
    lambda a, b: -a * 0.75,
    lambda a, b: a.tanh().exp(),
    lambda a, b: (a * a + 1.0).log(),
    lambda a, b: (a * a + 0.5).sqrt(),
    lambda a, b: a.cos() * b.sin(),
    lambda a, b: a.relu() + abs(b),
    lambda a, b: a.sign() * b + a.step(),
]


@st.composite
def graphs(draw):
    """(f, params, two sets of inputs): a random graph with shared nodes."""
    params = [Value(draw(FINITE)) for _ in range(draw(st.integers(1, 3)))]
    input_count = draw(st.integers(0, 2))
    steps = draw(st.lists(st.tuples(st.sampled_from(BUILDERS), st.integers(0, 99),
                                    st.integers(0, 99)), min_size=1, max_size=12))
    shared = draw(st.integers(0, 99))

    def f(*inputs):
        nodes = [*params, *inputs]
        for build, i, j in steps:
            nodes.append(build(nodes[i % len(nodes)], nodes[j % len(nodes)]))
        return nodes[-1] * nodes[shared % len(nodes)]
    inputs = [draw(st.lists(FINITE, min_size=input_count, max_size=input_count))
              for _ in range(2)]
    return f, params, inputs


@settings(max_examples=150, deadline=None)
@given(graph=graphs(), gradient=st.sampled_from([1.0, 0.25, -3.0]))
def test_random_graphs_match_eager_bit_for_bit(graph, gradient):
    f, params, (traced_at, replayed_at) = graph
    expected = eager(f, params, traced_at, gradient)
    assume(all(math.isfinite(x) for x in [expected[0], *expected[1]]))
    step = compile(f, params)
    assert compiled(step, params, traced_at, gradient) == expected
    expected = eager(f, params, replayed_at, gradient)
    assume(all(math.isfinite(x) for x in [expected[0], *expected[1]]))
    assert compiled(step, params, replayed_at, gradient) == expected


def test_a_row_outside_the_table_compiles_unchanged():
    cube = Primitive("cube", "³", 1, lambda x: x * x * x,
                     lambda out, x: (3.0 * x * x,), "cube({0})")
    p = Value(0.5)
    step = compile(lambda x: cube(p * x), [p])
    assert compiled(step, [p], [2.0]) == (1.0, [6.0])
    assert "v1 = cube(v0)" in step.source


# --- the printer --------------------------------------------------------------


def expressions():
    """Random expression trees over a, b, constants, operators and rows."""
    leaves = st.one_of(st.sampled_from(["a", "b"]),
                       st.sampled_from([2.0, -2.0, 0.5, -0.0, math.inf]))
    operators = st.sampled_from(["+", "-", "*", "/", "**"])
    return st.recursive(leaves, lambda inner: st.one_of(
        st.tuples(operators, inner, inner),
        st.tuples(st.just("neg"), inner),
        st.tuples(st.sampled_from([row for row in ops.PRIMITIVES if row.arity == 1]), inner),
        st.tuples(st.sampled_from([row for row in ops.PRIMITIVES if row.arity == 2]), inner, inner),
    ), max_leaves=8)


OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul,
             "/": operator.truediv, "**": operator.pow, "neg": operator.neg}


def evaluate(tree, a, b):
    """The tree on floats or on Sources: the same code, like partials."""
    if isinstance(tree, str):
        return {"a": a, "b": b}[tree]
    if not isinstance(tree, tuple):
        return tree
    function, *operands = tree
    values = [evaluate(operand, a, b) for operand in operands]
    result = (function if isinstance(function, Primitive) else OPERATORS[function])(*values)
    assume(not isinstance(result, complex))  # ** of a negative number
    return result


ERRORS = (ArithmeticError, ValueError, TypeError)


def outcome(thunk):
    """The repr of what ``thunk`` returns, or the name of the error it raises."""
    try:
        return repr(thunk())
    except ERRORS as error:
        return type(error).__name__


@settings(max_examples=300, deadline=None)
@given(tree=expressions(), a=FINITE, b=FINITE)
def test_printed_expressions_compute_what_floats_compute(tree, a, b):
    try:
        expression = evaluate(tree, Source("a"), Source("b"))
    except ERRORS:
        # A part made of constants is computed as it prints; on floats it raises too.
        with pytest.raises(ERRORS):
            evaluate(tree, a, b)
        return
    text = expression.text if isinstance(expression, Source) else repr(expression)
    namespace = {"a": a, "b": b, "inf": math.inf, "nan": math.nan,
                 **{row.name: row.forward for row in ops.PRIMITIVES}}
    # NOTE: floats first, so a complex intermediate (** of a negative base)
    # rejects the example before the printed text hands it to a row.
    expected = outcome(lambda: evaluate(tree, a, b))
    assert outcome(lambda: eval(text, namespace)) == expected


def test_parentheses_only_where_python_needs_them():
    a, b = Source("a"), Source("b")
    assert (a - (b - a)).text == "a - (b - a)"
    assert ((a - b) - a).text == "a - b - a"
    assert ((a + b) * a).text == "(a + b) * a"
    assert (-(a ** b)).text == "-a ** b"
    assert ((-a) ** b).text == "(-a) ** b"
    assert (a ** -b).text == "a ** -b"
    assert (a ** b ** a).text == "a ** b ** a"
    assert ((a ** b) ** a).text == "(a ** b) ** a"
    assert (-2.0 * a).text == "-2.0 * a"
    assert ((-2.0) ** a).text == "(-2.0) ** a"
    assert ops.tanh(a + b).text == "tanh(a + b)"


def test_float_of_a_traced_value_is_refused():
    with pytest.raises(TypeError, match="constants only"):
        float(Source("x0"))
    assert float(Source("2.0", number=2.0)) == 2.0


# --- semantics --------------------------------------------------------------------


def test_gradients_accumulate_like_backward():
    p, q = Value(0.3), Value(-1.2)
    f = lambda x: (p * x + q).tanh() * p  # noqa: E731
    step = compile(f, [p, q])
    zero_grad([p, q])
    for _ in range(2):
        step(0.7)
    twice = [p.grad, q.grad]
    zero_grad([p, q])
    for _ in range(2):
        f(Value(0.7)).backward()
    assert twice == [p.grad, q.grad]
    once = compiled(step, [p, q], [0.7])[1]
    assert twice == pytest.approx([2 * g for g in once], rel=1e-15)


def test_map_is_a_call_per_row_bit_for_bit():
    p, q = Value(0.3), Value(-1.2)
    step = compile(lambda x, y: ((p * x + q).sigmoid() - y) ** 2, [p, q])
    rows = [(0.5, 1.0), (-1.5, 0.0), (2.0, 1.0)]
    zero_grad([p, q])
    losses = [step(*row, gradient=0.5) for row in rows]
    one_by_one = [p.grad, q.grad]
    zero_grad([p, q])
    assert step.map(rows, gradient=0.5) == losses
    assert [p.grad, q.grad] == one_by_one
    assert step.map([]) == []


def test_training_with_map_follows_eager_loss_curve():
    """The demo recipe in small: mean hinge loss + L2, SGD, 5 steps."""
    rng = random.Random(0)
    layers = [[[Value(rng.uniform(-1, 1)) for _ in range(fan_in + 1)] for _ in range(fan_out)]
              for fan_in, fan_out in [(2, 4), (4, 4), (4, 1)]]
    params = [p for layer in layers for neuron in layer for p in neuron]
    points = [(rng.uniform(-2, 2), rng.uniform(-2, 2)) for _ in range(20)]
    labels = [1.0 if a * b > 0 else -1.0 for a, b in points]

    def score(x):
        for depth, layer in enumerate(layers):
            sums = [sum((w * xi for w, xi in zip(neuron, x)), neuron[-1]) for neuron in layer]
            x = sums if depth == len(layers) - 1 else [s.relu() for s in sums]
        return x[0]

    def hinge(x1, x2, y):
        return (1 + -y * score([x1, x2])).relu()

    def l2():
        return 1e-4 * sum(p * p for p in params)

    def sgd(k):
        for p in params:
            p.data -= (1.0 - 0.09 * k) * p.grad

    start = [p.data for p in params]
    eager_curve = []
    for k in range(5):
        zero_grad(params)
        losses = [hinge(x1, x2, y) for (x1, x2), y in zip(points, labels)]
        loss = sum(losses) * (1.0 / len(losses)) + l2()
        loss.backward()
        sgd(k)
        eager_curve.append(loss.data)
    eager_end = [p.data for p in params]

    for p, data in zip(params, start):
        p.data = data
    example, regulariser = compile(hinge, params), compile(l2, params)
    rows = [(x1, x2, y) for (x1, x2), y in zip(points, labels)]
    compiled_curve = []
    for k in range(5):
        zero_grad(params)
        mean = 1.0 / len(rows)
        compiled_curve.append(sum(example.map(rows, gradient=mean)) * mean + regulariser())
        sgd(k)
    assert compiled_curve == pytest.approx(eager_curve, rel=1e-9)
    assert [p.data for p in params] == pytest.approx(eager_end, rel=1e-9, abs=1e-12)
    assert compiled_curve[-1] < compiled_curve[0]


def test_aux_outputs_ride_along_without_a_gradient():
    p, q = Value(0.3), Value(-1.2)

    def f(x):
        hidden = (p * x + q).tanh()
        unused_by_the_loss = (q * x).exp()
        return (hidden - 1.0) ** 2, [hidden, unused_by_the_loss, x, 2]

    def f_eager(x):
        return f(x)[0]
    step = compile(f, [p, q], has_aux=True)
    expected_loss, expected_grads = eager(f_eager, [p, q], [0.7], gradient=0.5)
    zero_grad([p, q])
    loss, aux = step(0.7, gradient=0.5)
    assert (loss, [p.grad, q.grad]) == (expected_loss, expected_grads)
    assert aux == [math.tanh(0.3 * 0.7 - 1.2), math.exp(-1.2 * 0.7), 0.7, 2.0]
    assert step.map([(0.7,), (-2.0,)])[1][1][2] == -2.0
    single = compile(lambda x: (p * x, p * x), [p], has_aux=True)
    assert single.map([(2.0,), (3.0,)]) == [(0.3 * 2.0, 0.3 * 2.0), (0.3 * 3.0, 0.3 * 3.0)]


@pytest.mark.parametrize("result, message", [
    (lambda p: p, r"must return \(loss, aux\), got Value"),
    (lambda p: (p, p, p), r"must return \(loss, aux\), got tuple"),
    (lambda p: (p, [p, "no"]), "aux output 1 must be an int or float"),
])
def test_aux_must_be_values_or_numbers(result, message):
    p = Value(1.0)
    step = compile(lambda x: result(p * x), [p], has_aux=True)
    with pytest.raises(TypeError, match=message):
        step(1.0)


def test_a_new_number_of_inputs_traces_again():
    p = Value(2.0)
    traced = []

    def total(*xs):
        traced.append(len(xs))
        return p * sum(xs)
    step = compile(total, [p])
    assert step(1.0, 2.0) == 6.0
    assert step(1.0, 2.0, 3.0) == 12.0
    assert step(4.0, 5.0) == 18.0
    assert traced == [2, 3]
    assert "x2" not in step.trace(1.0, 2.0)


def test_control_flow_on_data_is_frozen_but_ops_stay_exact():
    p = Value(1.0)
    step = compile(lambda x: x * p if x.data > 0 else -x * p, [p])
    assert step(2.0) == 2.0
    assert step(-2.0) == -2.0  # the x > 0 branch, traced at 2.0

    relu = compile(lambda x: (x * p).relu(), [p])
    assert compiled(relu, [p], [3.0]) == (3.0, [3.0])
    assert compiled(relu, [p], [-3.0]) == (0.0, [0.0])


def test_other_values_are_constants_of_the_trace():
    p, c = Value(1.0), Value(2.0)
    step = compile(lambda x: x * p * c, [p])
    assert step(3.0) == 6.0
    c.data = 10.0
    assert step(3.0) == 6.0
    assert c.grad == 0.0


@pytest.mark.parametrize("f, loss, grad", [
    (lambda p, x: p, 1.5, 1.0),
    (lambda p, x: x, 4.0, 0.0),
    (lambda p, x: 7, 7.0, 0.0),
    (lambda p, x: p.sign() * x, 4.0, 0.0),
])
def test_outputs_that_are_leaves_or_constants(f, loss, grad):
    p = Value(1.5)
    step = compile(lambda x: f(p, x), [p])
    assert compiled(step, [p], [4.0]) == (loss, [grad])


def test_a_compiled_step_inside_no_grad_is_refused():
    p = Value(1.0)
    step = compile(lambda x: p * x, [p])
    with no_grad():
        for attempt in (lambda: step(1.0), lambda: step.map([(1.0,)]), lambda: step.trace(1.0)):
            with pytest.raises(RuntimeError, match=r"inside no_grad\(\)"):
                attempt()
    assert step(3.0) == 3.0


def test_bad_arguments_are_refused():
    p = Value(1.0)
    with pytest.raises(TypeError, match="must be Values"):
        compile(lambda: p, [p, 1.0])
    with pytest.raises(ValueError, match="must be leaves"):
        compile(lambda: p, [p * 2])
    step = compile(lambda x: p * x, [p])
    for bad in (True, "1", Value(1.0)):
        with pytest.raises(TypeError, match="int or float"):
            step(bad)
    with pytest.raises(ValueError, match="same length"):
        step.map([(1.0,), (1.0, 2.0)])


# --- the source ------------------------------------------------------------------------


def test_labels_and_names_never_reach_the_source():
    evil = "x\nimport os"
    p = Value(1.5, label=evil)

    def f(x):
        hidden = p * x
        hidden.label = evil
        return hidden.tanh()
    f.__name__ = evil
    step = compile(f, [p])
    step(1.0)
    assert "import" not in step.source
    assert step.source.startswith("def compiled(rows, gradient):")


def test_only_what_the_loss_needs_is_printed():
    p, q = Value(0.5), Value(2.0)

    def f(x):
        (p * q).exp()  # unused
        return (x.exp() * p + q.sign() * x).tanh()
    step = compile(f, [p, q])
    step(1.0)
    source = step.source
    assert source.count("exp(") == 1 and "dv0" not in source  # exp(x0): no gradient
    # q reaches the loss only through sign: no term, but a 0.0 as eager adds
    assert source.count("dp1 +=") == 1 and "dp1 += 0.0" in source
    assert compiled(step, [p, q], [1.0]) == eager(f, [p, q], [1.0])


def test_a_traceback_shows_the_compiled_line():
    p = Value(1.0)

    def log_loss(x):
        return (p * x).log()
    step = compile(log_loss, [p])
    step(2.0)
    with pytest.raises(ValueError, match="log") as caught:
        step(-1.0)
    text = "".join(traceback.format_exception(caught.value))
    assert "<chainrule-compiled log_loss #" in text
    assert "v1 = log(v0)" in text


def test_compile_is_exported_but_never_hides_the_builtin():
    assert autograd.compile is compile
    namespace = {}
    exec("from autograd import *", namespace)
    assert "compile" not in namespace
