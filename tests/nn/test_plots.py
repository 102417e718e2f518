"""nn.plots: the loss plot labels both losses, and small batches are drawn as running means."""

import pytest

from nn import MLP, data, fit, losses, optim
from nn.plots import plot_history, running_mean

pytest.importorskip("matplotlib")


def test_running_mean_weights_each_step_by_its_batch():
    # windows of 2: [1], [1, 3], [3, 8] with weights 2, 2, 1 -> (3*2 + 8*1) / 3
    assert running_mean([1.0, 3.0, 8.0], [2, 2, 1], 2) == [1.0, 2.0, 14 / 3]
    assert running_mean([4.0, 2.0], [5, 5], 1) == [4.0, 2.0]


def history_of(batch_size):
    X, y = data.make_moons(20, noise=0.1, seed=0)
    y = [2 * label - 1 for label in y]
    model = MLP(2, [4, 1], seed=0)
    return fit(model, X, y, losses.hinge, optim.SGD(model.parameters(), lr=0.1), epochs=3,
               batch_size=batch_size, l2=1e-4, progress=False, seed=0)


def lines(figure):
    return {line.get_label(): line for axes in figure.axes for line in axes.get_lines()}


def test_full_batch_steps_are_drawn_as_they_are_against_examples_seen():
    history = history_of(None)
    figure = plot_history(history)
    drawn = lines(figure)
    objective = drawn["objective: hinge + 0.0001·Σp²"]
    assert list(objective.get_xdata()) == [20, 40, 60] == history.examples_seen
    assert list(objective.get_ydata()) == history.step_objective
    assert list(drawn["data loss: hinge"].get_ydata()) == history.step_data_loss
    assert figure.axes[0].get_ylabel() == "loss, per step"


def test_small_batches_are_drawn_as_the_mean_of_the_last_epoch():
    history = history_of(1)  # 20 steps per epoch
    figure = plot_history(history)
    objective = lines(figure)["objective: hinge + 0.0001·Σp²"].get_ydata()
    assert objective[-1] == pytest.approx(sum(history.step_objective[-20:]) / 20, rel=1e-12)
    assert objective[0] == history.step_objective[0]
    assert figure.axes[0].get_ylabel() == "loss, mean of the last 20 steps (one epoch)"
    accuracy = lines(figure)["accuracy on the batch"].get_ydata()
    assert accuracy[-1] == pytest.approx(sum(history.step_accuracy[-20:]) / 20)
