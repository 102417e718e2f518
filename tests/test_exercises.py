"""The checkers of ``notebooks/07_exercises.ipynb`` accept right answers and
reject wrong ones with a message that names the numbers and the mistake.

The committed notebook only ever shows the checkers accepting its reference
solutions; here each checker also meets the mistakes a learner makes.
"""

import importlib.util
import math
import pathlib
import sys

from autograd import Value

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("exercises", ROOT / "notebooks" / "exercises.py")
exercises = importlib.util.module_from_spec(_spec)
sys.modules["exercises"] = exercises  # dataclasses look their module up there
_spec.loader.exec_module(exercises)

POINTS = [-2.0, -0.5, 0.3, 1.7]


def f(x):
    return x ** 3 * math.sin(x)


def test_a_right_derivative_passes_and_says_how_close():
    verdict = exercises.check_derivative(
        lambda x: 3 * x ** 2 * math.sin(x) + x ** 3 * math.cos(x), f, POINTS)
    assert verdict.passed, verdict.message
    assert str(verdict).startswith("Right.") and "worst mismatch" in verdict.message


def test_a_derivative_missing_the_product_rule_is_rejected_with_its_worst_point():
    verdict = exercises.check_derivative(lambda x: 3 * x ** 2 * math.cos(x), f, POINTS)
    assert not verdict.passed
    assert str(verdict).startswith("Wrong.")
    # the worst point, from the closed form: |3x² cos x - (3x² sin x + x³ cos x)|
    mismatch = {x: abs(3 * x ** 2 * math.cos(x) - (3 * x ** 2 * math.sin(x) + x ** 3 * math.cos(x)))
                for x in POINTS}
    worst = max(mismatch, key=mismatch.get)
    assert worst == 1.7 and 9.0 < mismatch[worst] < 9.2
    assert f"the worst is x = {worst}" in verdict.message
    assert f"yours {3 * worst ** 2 * math.cos(worst):.8f}" in verdict.message
    assert "off at 4 of 4 points" in verdict.message


def test_a_derivative_that_raises_is_wrong_not_a_crash():
    verdict = exercises.check_derivative(lambda x: math.log(x), f, POINTS)
    assert not verdict.passed and "ValueError" in verdict.message


class RightScalar:
    def __init__(self, data, parents=(), partials=()):
        self.data, self.grad, self.parents, self.partials = data, 0.0, parents, partials

    def __add__(self, other):
        return RightScalar(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        return RightScalar(self.data * other.data, (self, other), (other.data, self.data))

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node.parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for parent, partial in zip(node.parents, node.partials):
                parent.grad += partial * node.grad


class OverwritingScalar(RightScalar):
    """Sets each parent's gradient instead of adding to it."""

    def __add__(self, other):
        return OverwritingScalar(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        return OverwritingScalar(self.data * other.data, (self, other), (other.data, self.data))

    def backward(self):
        self.grad, frontier = 1.0, [self]
        while frontier:
            node = frontier.pop()
            for parent, partial in zip(node.parents, node.partials):
                parent.grad = partial * node.grad
                frontier.append(parent)


def test_a_right_value_class_passes():
    verdict = exercises.check_value_class(RightScalar)
    assert verdict.passed, verdict.message
    # e = (a*b + c)*a + b*b: de/da = 2ab + c = -2, de/db = a² + 2b = -2, de/dc = a = 2
    assert "de/da = -2.0, de/db = -2.0, de/dc = 2.0" in verdict.message


def test_a_value_class_that_overwrites_gradients_is_told_to_add_them():
    verdict = exercises.check_value_class(OverwritingScalar)
    assert not verdict.passed
    assert "should be -2.0" in verdict.message and "ADD" in verdict.message


def test_a_value_class_without_backward_is_wrong_not_a_crash():
    class NoBackward:
        def __init__(self, data):
            self.data, self.grad = data, 0.0

        def __add__(self, other):
            return NoBackward(self.data + other.data)

        def __mul__(self, other):
            return NoBackward(self.data * other.data)

    verdict = exercises.check_value_class(NoBackward)
    assert not verdict.passed and "AttributeError" in verdict.message


def descend(parameters, lr):
    for parameter in parameters:
        parameter.data -= lr * parameter.grad


def test_the_update_rule_accepts_descent_and_names_ascent():
    assert exercises.check_update_rule(descend).passed

    def ascend(parameters, lr):
        for parameter in parameters:
            parameter.data += lr * parameter.grad

    verdict = exercises.check_update_rule(ascend)
    assert not verdict.passed and "ASCENT" in verdict.message
    # from 0.5 with grad 0.2 and lr 0.1 ascent gives 0.52, descent 0.48
    assert "[0.52, -1.04, 2.0]" in verdict.message and "0.48" in verdict.message


def test_an_update_that_changes_a_local_variable_moves_nothing():
    def rebinds(parameters, lr):
        for parameter in parameters:
            data = parameter.data
            data -= lr * parameter.grad  # noqa: F841 - the mistake under test

    verdict = exercises.check_update_rule(rebinds)
    assert not verdict.passed and "nothing moved" in verdict.message


def loop(zero_grad):
    from nn import losses

    def train(model, X, y, steps, lr):
        recorded = []
        for _ in range(steps):
            if zero_grad:
                model.zero_grad()
            loss = losses.hinge([model(x) for x in X], y)
            loss.backward()
            descend(model.parameters(), lr)
            recorded.append(loss.data)
        return recorded

    return train


def test_a_right_training_loop_passes_and_learns():
    verdict = exercises.check_training_loop(loop(zero_grad=True))
    assert verdict.passed, verdict.message
    first, last = (float(word) for word in verdict.message.split("from ")[1].rstrip(".").split(
        " down to "))
    assert last < first


def test_a_loop_without_zero_grad_is_told_so_with_the_step_it_went_wrong():
    verdict = exercises.check_training_loop(loop(zero_grad=False))
    assert not verdict.passed
    assert "zero_grad" in verdict.message
    # a loss is recorded before its step's update, and the first update's gradient is
    # right (.grad starts at 0): losses 1 and 2 agree, the first stale gradient shows at 3
    assert "your loss at step 3" in verdict.message


def test_a_loop_returning_values_is_read_by_their_data():
    from nn import losses

    def train(model, X, y, steps, lr):
        recorded = []
        for _ in range(steps):
            model.zero_grad()
            loss = losses.hinge([model(x) for x in X], y)
            loss.backward()
            descend(model.parameters(), lr)
            recorded.append(loss)  # Values, not floats
        return recorded

    assert exercises.check_training_loop(train).passed
    assert isinstance(train(exercises._fresh_model(), *exercises._moons(), 1, 0.1)[0], Value)
