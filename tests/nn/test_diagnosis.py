"""nn.diagnosis: a diverged run and a dead network are named; a healthy one is not."""

import math

from nn import MLP
from nn.diagnosis import diagnose

X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]


def test_a_loss_that_grew_tenfold_or_overflowed_diverged():
    model = MLP(2, [3, 1], seed=0)
    message = diagnose(model, X, 0.9, 9.5, name="objective")
    assert message == ("training diverged: the objective grew from 0.9 before training to "
                       "9.5 after it; the learning rate is too large")
    assert diagnose(model, X, 0.9, math.inf).startswith("training diverged")
    assert diagnose(model, X, 0.9, math.nan).startswith("training diverged")


def test_a_loss_that_rose_a_little_is_not_divergence():
    assert diagnose(MLP(2, [3, 1], seed=0), X, 0.9, 1.6) is None  # outputs differ too


def test_every_relu_of_a_layer_at_zero_is_a_dead_network():
    model = MLP(2, [3, 2, 1], seed=0)
    for neuron in model.layers[1].neurons:  # hidden layer 2: below zero on every input
        neuron.b.data = -100.0
    message = diagnose(model, X, 0.9, 1.0)
    bias = model.layers[2].neurons[0].b.data  # all that reaches the output
    assert message.startswith(f"the network gives the same output ({bias:.4g}) for all 3 "
                              f"examples: every unit of hidden layer 2 outputs 0 on every "
                              f"example (dead ReLUs")


def test_a_constant_output_without_a_dead_layer_is_still_named():
    model = MLP(2, [1], seed=0)
    for weight in model.layers[0].neurons[0].w:
        weight.data = 0.0
    message = diagnose(model, X, 0.9, 1.0)
    assert "same output" in message and "dead ReLUs" not in message
