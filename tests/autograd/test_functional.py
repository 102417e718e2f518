"""grad, value_and_grad, gradients, hessian, jvp: closed forms and nesting."""

import math

import pytest

import autograd
from autograd import Value, grad, gradients, hessian, jvp, no_grad, value_and_grad


def cube(x):
    return x ** 3


def test_grad_of_floats_is_a_float():
    g = grad(cube)(2.0)
    assert type(g) is float and g == 12.0


def test_grad_nests_to_any_order():
    assert grad(grad(cube))(2.0) == 12.0
    assert grad(grad(grad(cube)))(2.0) == 6.0
    assert grad(grad(grad(grad(cube))))(2.0) == 0.0
    f = lambda x: x.sin()  # noqa: E731
    d = f
    expected = [math.cos, lambda t: -math.sin(t), lambda t: -math.cos(t), math.sin]
    for derivative in expected:
        d = grad(d)
        assert d(0.7) == pytest.approx(derivative(0.7), rel=1e-13)


def test_grad_of_values_returns_connected_values():
    x = Value(3.0)
    dy = grad(lambda t: t * t * t)(x)  # 3 x² as a Value built on x
    assert isinstance(dy, Value) and dy.data == 27.0
    dy.backward()
    assert x.grad == 18.0  # d/dx 3x² = 6x


def test_argnums_int_and_tuple():
    f = lambda x, y, z: x * y * y + autograd.exp(z)  # noqa: E731
    assert grad(f, argnums=1)(2.0, 3.0, 0.0) == 12.0
    assert grad(f, argnums=(0, 2))(2.0, 3.0, 0.0) == (9.0, 1.0)
    value, grads = value_and_grad(f, argnums=(0, 1))(2.0, 3.0, 0.0)
    assert value == 19.0 and grads == (9.0, 12.0)
    with pytest.raises(ValueError, match="argnums 3 does not fit a call with 3"):
        grad(f, argnums=3)(1.0, 2.0, 3.0)


def test_value_and_grad_returns_the_value_too():
    value, slope = value_and_grad(lambda x: x.log())(4.0)
    assert value == math.log(4.0) and slope == 0.25


def test_no_perturbation_confusion():
    # d/dx [x * d/dy (x * y)] = d/dx x² = 2x: the inner derivative depends on x.
    assert grad(lambda x: x * grad(lambda y: x * y)(1.0))(3.0) == 6.0
    # d/dx [x * d/dy (x + y)] = 1 (Siskind and Pearlmutter's example)
    assert grad(lambda x: x * grad(lambda y: x + y)(1.0))(3.0) == 1.0


def test_constant_function_has_zero_gradient():
    assert grad(lambda x: 5.0)(2.0) == 0.0
    assert grad(lambda x, y: x * 2, argnums=1)(1.0, 2.0) == 0.0


def test_gradients_leaves_grad_untouched():
    x, y = Value(2.0), Value(-1.0)
    z = x * y + x.exp()
    dx, dy = gradients(z, [x, y])
    assert dx == pytest.approx(-1.0 + math.exp(2.0)) and dy == 2.0
    assert x.grad == 0.0 and y.grad == 0.0 and z.grad == 0.0


def test_gradients_with_create_graph_is_differentiable():
    x = Value(1.5)
    (dx,) = gradients(x ** 4, [x], create_graph=True)
    (ddx,) = gradients(dx, [x])
    assert dx.data == 4 * 1.5 ** 3 and ddx == pytest.approx(12 * 1.5 ** 2, rel=1e-14)


def test_gradients_of_unrelated_input_is_zero():
    x, unused = Value(1.0), Value(2.0)
    assert gradients(x * 3, [unused]) == [0.0]
    with pytest.raises(TypeError, match="inputs must be Values, got float at position 0"):
        gradients(x * 3, [1.0])


def test_hessian_closed_form():
    f = lambda x, y: x * x * y + y.sin() + x.exp() * y  # noqa: E731
    x0, y0 = 0.5, 1.2
    h = hessian(f)(x0, y0)
    assert h[0][0] == pytest.approx(2 * y0 + math.exp(x0) * y0, rel=1e-14)
    assert h[0][1] == pytest.approx(2 * x0 + math.exp(x0), rel=1e-14)
    assert h[1][0] == pytest.approx(h[0][1], rel=1e-14)
    assert h[1][1] == pytest.approx(-math.sin(y0), rel=1e-14)


def test_hessian_of_a_quadratic_form():
    # f = ½ xᵀ A x with A = [[2, 1], [1, 3]]: the Hessian is A
    f = lambda a, b: 0.5 * (2 * a * a + 2 * a * b + 3 * b * b)  # noqa: E731
    assert hessian(f)(0.3, -0.7) == [[2.0, 1.0], [1.0, 3.0]]


def test_jvp_is_the_directional_derivative():
    f = lambda x, y: x * y + x.sin()  # noqa: E731
    value, tangent = jvp(f, (2.0, 3.0), (1.0, -2.0))
    assert value == 6.0 + math.sin(2.0)
    assert tangent == pytest.approx((3.0 + math.cos(2.0)) * 1.0 + 2.0 * -2.0, rel=1e-14)


def test_jvp_agrees_with_reverse_mode():
    f = lambda a, b, c: (a * b - c).tanh() * (a / c).log()  # noqa: E731
    point = (0.4, 1.7, 2.2)
    reverse = grad(f, argnums=(0, 1, 2))(*point)
    for i in range(3):
        basis = [float(i == j) for j in range(3)]
        assert jvp(f, point, basis)[1] == pytest.approx(reverse[i], rel=1e-13)


def test_jvp_needs_one_tangent_per_primal():
    with pytest.raises(ValueError, match="one tangent per primal, got 2 primals and 1 tangents"):
        jvp(lambda x, y: x * y, (1.0, 2.0), (1.0,))


def test_transforms_record_even_inside_no_grad():
    """A transform asks for derivatives, so it records its own trace."""
    with no_grad():
        assert grad(cube)(2.0) == 12.0
        assert hessian(cube)(2.0) == [[12.0]]
        assert jvp(cube, (2.0,), (1.0,)) == (8.0, 12.0)


# --- JAX's names and semantics: the values printed in JAX's own docstrings ---------

def jax_docs_f(x):
    """The function of jax.jacfwd's and jax.jacrev's docstrings."""
    return [x[0], 5 * x[2], 4 * x[1] ** 2 - 2 * x[2], x[2] * x[0].sin()]


@pytest.mark.parametrize("mode", [autograd.jacfwd, autograd.jacrev, autograd.jacobian])
def test_jacobian_matches_the_jax_docstring_example(mode):
    # JAX prints [[1, 0, 0], [0, 0, 5], [0, 16, -2], [1.6209, 0, 0.84147]] (float32)
    jacobian = mode(jax_docs_f)([1.0, 2.0, 3.0])
    assert jacobian[:3] == [[1.0, 0.0, 0.0], [0.0, 0.0, 5.0], [0.0, 16.0, -2.0]]
    assert jacobian[3] == pytest.approx([3 * math.cos(1.0), 0.0, math.sin(1.0)], rel=1e-15)
    assert round(jacobian[3][0], 4) == 1.6209 and round(jacobian[3][2], 5) == 0.84147


def test_jacobian_is_an_alias_of_jacrev_as_in_jax():
    assert autograd.jacobian is autograd.jacrev


def test_jacfwd_and_jacrev_agree_against_finite_differences_with_shapes_kept():
    f = lambda x, y: (x * y.exp(), [x.tanh() / y, x - y])  # noqa: E731
    point = (0.3, 1.1)
    forward = autograd.jacfwd(f, argnums=(0, 1))(*point)
    reverse = autograd.jacrev(f, argnums=(0, 1))(*point)
    # the output's shape outside, a tuple over argnums inside: JAX's layout
    assert isinstance(forward, tuple) and isinstance(forward[1], list)
    assert isinstance(forward[0], tuple) and len(forward[1][0]) == 2
    flat = lambda tree: [entry for row in (tree[0], *tree[1]) for entry in row]  # noqa: E731
    eps = 1e-6
    outputs = lambda x, y: [x * math.exp(y), math.tanh(x) / y, x - y]  # noqa: E731
    numeric = []
    for out in range(3):
        for position in range(2):
            up, down = list(point), list(point)
            up[position] += eps
            down[position] -= eps
            numeric.append((outputs(*up)[out] - outputs(*down)[out]) / (2 * eps))
    assert flat(forward) == pytest.approx(numeric, rel=1e-8)
    assert flat(forward) == pytest.approx(flat(reverse), rel=1e-14)


def test_jacobian_of_one_output_and_one_argument_is_a_number():
    assert autograd.jacfwd(cube)(2.0) == 12.0 and autograd.jacrev(cube)(2.0) == 12.0
    assert autograd.jacrev(lambda x, y: x * y, argnums=(0, 1))(2.0, 5.0) == (5.0, 2.0)


def test_jacobians_nest_into_second_derivatives():
    # jax.hessian is jacfwd(jacrev(f)); d²/dx² x³ = 6x
    assert autograd.jacfwd(autograd.jacrev(cube))(2.0) == 12.0
    assert autograd.jacrev(autograd.jacfwd(lambda x: [x ** 3, x.sin()]))(0.5) == [
        3.0, pytest.approx(-math.sin(0.5), rel=1e-15)]


def test_hessian_matches_the_jax_docstring_example():
    g = lambda x: x[0] ** 3 - 2 * x[0] * x[1] - x[1] ** 6  # noqa: E731
    assert hessian(g)([1.0, 2.0]) == [[6.0, -2.0], [-2.0, -480.0]]


def test_jvp_matches_the_jax_docstring_example():
    # jax.jvp(jnp.sin, (0.1,), (0.2,)) prints 0.09983342 and 0.19900084 (float32)
    value, tangent = jvp(autograd.sin, (0.1,), (0.2,))
    assert value == math.sin(0.1) and tangent == pytest.approx(0.2 * math.cos(0.1), rel=1e-15)
    assert (value, tangent) == pytest.approx((0.09983342, 0.19900084), abs=1e-7)


def test_jvp_of_a_tuple_valued_function_gives_a_tangent_per_output():
    """It returned one zero tangent with no error (issue 10)."""
    value, tangent = jvp(lambda x, y: (x * y, [x + y, y.exp()]), (2.0, 3.0), (1.0, -1.0))
    assert value == (6.0, [5.0, math.exp(3.0)])
    assert tangent == (3.0 * 1.0 + 2.0 * -1.0, [0.0, -math.exp(3.0)])


def test_jvp_refuses_tangents_of_another_shape_and_primals_not_in_a_tuple():
    with pytest.raises(TypeError, match=r"as a tuple or list.*jvp\(f, \(2.0,\), \(1.0,\)\)"):
        jvp(autograd.sin, 0.1, 0.2)
    with pytest.raises(ValueError, match="must be shaped like the primals"):
        jvp(lambda x: x[0] * x[1], ([1.0, 2.0],), ([1.0],))


def test_vjp_matches_the_jax_docstring_example():
    # jax.vjp(f, 0.5, 1.0) then f_vjp((-0.7, 0.3)) prints -0.61430776, -0.2524413 (float32)
    value, f_vjp = autograd.vjp(lambda x, y: (x.sin(), y.cos()), 0.5, 1.0)
    assert value == (math.sin(0.5), math.cos(1.0))
    xbar, ybar = f_vjp((-0.7, 0.3))
    assert xbar == pytest.approx(-0.7 * math.cos(0.5), rel=1e-15)
    assert ybar == pytest.approx(-0.3 * math.sin(1.0), rel=1e-15)
    assert (xbar, ybar) == pytest.approx((-0.61430776, -0.2524413), abs=1e-7)


def test_vjp_is_a_row_of_the_jacobian_and_keeps_the_argument_shapes():
    f = lambda point, scale: [point[0] * point[1] * scale, point[1].log()]  # noqa: E731
    value, f_vjp = autograd.vjp(f, (2.0, 4.0), 3.0)
    assert value == [24.0, math.log(4.0)]
    assert f_vjp([1.0, 0.0]) == ((12.0, 6.0), 8.0)
    assert f_vjp([0.0, 1.0]) == ((0.0, 0.25), 0.0)
    assert f_vjp([2.0, -4.0]) == ((24.0, 11.0), 16.0)  # linear in the cotangent
    with pytest.raises(ValueError, match="cotangent must be shaped like f's output"):
        f_vjp(1.0)


def test_vjp_outside_no_grad_still_records_when_called_inside():
    value, f_vjp = autograd.vjp(lambda x: x * x, 3.0)
    with no_grad():
        assert f_vjp(1.0) == (6.0,)


def test_has_aux_returns_the_extra_data_as_jax_does():
    def loss(w, x):
        prediction = w * x
        return (prediction - 1.0) ** 2, {"prediction": prediction, "note": "aux"}
    g, aux = grad(loss, has_aux=True)(2.0, 3.0)
    assert g == 2 * (6.0 - 1.0) * 3.0
    assert aux == {"prediction": 6.0, "note": "aux"} and type(aux["prediction"]) is float
    (value, aux), g = value_and_grad(loss, has_aux=True)(2.0, 3.0)
    assert value == 25.0 and g == 30.0 and aux["prediction"] == 6.0
    value, tangent, aux = jvp(loss, (2.0, 3.0), (1.0, 0.0), has_aux=True)
    assert (value, tangent, aux["prediction"]) == (25.0, 30.0, 6.0)
    value, f_vjp, aux = autograd.vjp(loss, 2.0, 3.0, has_aux=True)
    assert f_vjp(1.0) == (30.0, 20.0) and aux["note"] == "aux"
    assert autograd.jacfwd(loss, has_aux=True)(2.0, 3.0)[0] == 30.0
    with pytest.raises(TypeError, match=r"has_aux=True needs f to return a pair"):
        grad(cube, has_aux=True)(2.0)


def test_keyword_arguments_reach_f_and_are_not_differentiated():
    f = lambda x, *, scale=1.0: scale * x * x  # noqa: E731
    assert grad(f)(3.0, scale=2.0) == 12.0
    assert value_and_grad(f)(3.0, scale=0.5) == (4.5, 3.0)
    assert autograd.jacfwd(f)(3.0, scale=2.0) == 12.0 == autograd.jacrev(f)(3.0, scale=2.0)
    assert hessian(f)(3.0, scale=2.0) == [[4.0]]


def test_a_keyword_value_makes_the_result_differentiable():
    scale = Value(2.0)
    slope = grad(lambda x, scale: scale * x * x)(3.0, scale=scale)
    assert isinstance(slope, Value) and slope.data == 12.0
    slope.backward()
    assert scale.grad == 6.0  # d/dscale (2 · scale · x) at x = 3


def test_grad_of_a_tree_argument_is_shaped_like_it():
    f = lambda params: params[0] * params[1][0] + params[1][1] ** 2  # noqa: E731
    assert grad(f)((2.0, [3.0, 4.0])) == (3.0, [2.0, 8.0])


def test_unsupported_uses_are_clear_errors():
    with pytest.raises(TypeError, match=r"grad\(\) needs f to return one number, got a tuple "
                                        r"of 2: use jacobian \(jacrev\) or jacfwd"):
        grad(lambda x: (x, x))(1.0)
    with pytest.raises(TypeError, match=r"hessian\(\) needs f to return one number"):
        hessian(lambda x: [x])(1.0)
    with pytest.raises(TypeError, match=r"f's output must be a number, a Value, or a tuple or "
                                        r"list of them; found str"):
        grad(lambda x: "x")(1.0)
    with pytest.raises(TypeError, match=r"jacfwd\(\): argument 0 must be a number.*found dict"):
        autograd.jacfwd(lambda d: d["a"])({"a": 1.0})
    with pytest.raises(TypeError, match=r"f's output.*found NoneType"):
        jvp(lambda x: None, (1.0,), (1.0,))


def test_a_value_tangent_gives_a_tangent_differentiable_in_it():
    direction = Value(2.0)
    value, tangent = jvp(lambda x: x * x, (3.0,), (direction,))
    assert value == 9.0 and isinstance(tangent, Value) and tangent.data == 12.0
    tangent.backward()
    assert direction.grad == 6.0  # d/d direction (2x · direction) at x = 3
