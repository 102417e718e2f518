"""Reference solutions of the course's exercises, kept apart from the notebooks.

``nn.exercises.reveal(name)`` prints one of them; the tests check that each
passes its checker. Read them after trying: the checkers explain a wrong
answer better than a solution does.
"""

from __future__ import annotations

import math

from . import losses


def derivative_of_f(x):
    # (x² sin x)' by the product rule, (e^(-x))' by the chain rule
    return 2 * x * math.sin(x) + x ** 2 * math.cos(x) - math.exp(-x)


class Scalar:
    def __init__(self, data, parents=(), local_derivatives=()):
        self.data = data
        self.grad = 0.0
        self.parents = parents
        self.local_derivatives = local_derivatives

    def __add__(self, other):
        return Scalar(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        return Scalar(self.data * other.data, (self, other), (other.data, self.data))

    def backward(self):
        order, visited = [], set()

        def visit(node):  # depth first: a node is listed after everything it depends on
            if node not in visited:
                visited.add(node)
                for parent in node.parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):  # every user of a node comes before the node itself
            for parent, local in zip(node.parents, node.local_derivatives):
                parent.grad += local * node.grad


def update(parameters, lr):
    for parameter in parameters:
        parameter.data -= lr * parameter.grad


def train(model, X, y, steps, lr):
    recorded = []
    for _ in range(steps):
        model.zero_grad()  # backward() adds into .grad
        loss = losses.hinge([model(x) for x in X], y)  # the mean over the examples
        loss.backward()
        update(model.parameters(), lr)
        recorded.append(loss.data)  # the loss before this step's update
    return recorded


SOLUTIONS = {"derivative": derivative_of_f, "value class": Scalar, "update rule": update,
             "training loop": train}


class Value:
    """The skeleton of notebook 09, with the answers below attached."""

    def __init__(self, data, parents=(), partials=()):
        self.data = data
        self.grad = 0.0
        self.parents = parents  # the Values this one was computed from
        self.partials = partials  # ∂self/∂parent, one number per parent

    def __add__(self, other):
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __repr__(self):
        return f"Value({self.data!r})"


def mul(self, other):
    # ∂(ab)/∂a = b and ∂(ab)/∂b = a: each input's partial is the other input
    return Value(self.data * other.data, (self, other), (other.data, self.data))


def tanh(self):
    t = math.tanh(self.data)
    return Value(t, (self,), (1.0 - t * t,))  # written with the output t


def topological_order(root):
    order, visited = [], set()

    def visit(node):
        if node not in visited:  # a node reached along two paths is listed once
            visited.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)  # after everything it depends on

    visit(root)
    return order


def backward(self):
    self.grad = 1.0
    for node in reversed(topological_order(self)):  # every user of a node before the node
        for parent, partial in zip(node.parents, node.partials):
            parent.grad += partial * node.grad


Value.__mul__, Value.tanh, Value.backward = mul, tanh, backward
SOLUTIONS.update({"mul": mul, "tanh": tanh, "topological order": topological_order,
                  "backward": backward})
