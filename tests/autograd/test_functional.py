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
