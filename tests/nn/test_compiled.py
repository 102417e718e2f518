"""fit(..., engine="python") trains as eager fit does: the same loss curve (to
rounding), the same accuracy and parameters, for every kind of gradient
descent and of target, and it stops the same way."""

import math

import pytest

from autograd import data_of, no_grad
from nn import MLP, data, evaluate, fit, losses, optim
from nn.compiled import CompiledLossAndGradients
from nn.schedules import LinearDecay

# Eager fit's final training loss on micrograd's demo recipe (docs/training.md: 0.000219).
DEMO_FINAL_LOSS = 0.0002191369769728746


def signs(labels):
    return [2 * label - 1 for label in labels]


def train(engine, X, y, loss, sizes, make_optimizer, epochs, batch_size=None, l2=0.0,
          lr_schedule=None, model_seed=1, **architecture):
    """(History, trained model) of one fit from fixed initial weights and shuffling."""
    model = MLP(len(X[0]), sizes, seed=model_seed, **architecture)
    history = fit(model, X, y, loss, make_optimizer(model.parameters()), epochs,
                  batch_size, lr_schedule=lr_schedule, progress=False, seed=2, l2=l2,
                  engine=engine)
    return history, model


def assert_same_training(eager, compiled):
    (eager_history, eager_model), (compiled_history, compiled_model) = eager, compiled
    assert compiled_history.step_loss == pytest.approx(eager_history.step_loss, rel=1e-9)
    assert compiled_history.step_accuracy == eager_history.step_accuracy
    assert compiled_history.epoch_accuracy == eager_history.epoch_accuracy
    assert compiled_history.examples_seen == eager_history.examples_seen
    assert compiled_model.state_dict() == pytest.approx(eager_model.state_dict(), abs=1e-12)


def demo(engine, epochs):
    """micrograd's demo recipe: moons 100, MLP 2-16-16-1, hinge + 1e-4 L2, SGD 1.0 -> 0.1."""
    X, y = data.make_moons(100, noise=0.1, seed=1337)
    return train(engine, X, signs(y), losses.hinge, [16, 16, 1],
                 lambda params: optim.SGD(params, lr=1.0), epochs, l2=1e-4,
                 lr_schedule=LinearDecay(1.0, 0.1, 100), model_seed=1337)


def test_demo_recipe_follows_the_eager_loss_curve():
    eager, compiled = demo("eager", epochs=20), demo("python", epochs=20)
    assert_same_training(eager, compiled)
    # The first step's loss is the same float operations in the same order.
    assert compiled[0].step_loss[0] == eager[0].step_loss[0]
    assert compiled[0].step_loss[-1] < 0.5 * compiled[0].step_loss[0]


def test_demo_recipe_ends_where_eager_ends():
    history, model = demo("python", epochs=100)
    X, y = data.make_moons(100, noise=0.1, seed=1337)
    loss, accuracy = evaluate(model, X, signs(y), losses.hinge)
    assert accuracy == 1.0 and history.step_accuracy[-1] == 1.0
    assert loss == pytest.approx(DEMO_FINAL_LOSS, rel=1e-9)


@pytest.mark.parametrize("batch_size", [1, 10], ids=["stochastic", "mini-batch"])
def test_stochastic_and_mini_batch_follow_eager(batch_size):
    X, y = data.make_moons(40, noise=0.1, seed=0)
    runs = [train(engine, X, signs(y), losses.hinge, [8, 8, 1],
                  lambda params: optim.SGD(params, lr=0.1, momentum=0.9), epochs=3,
                  batch_size=batch_size, l2=1e-4, lr_schedule=LinearDecay(0.1, 0.01, 12))
            for engine in ("eager", "python")]
    assert_same_training(*runs)
    assert runs[1][0].steps == 3 * math.ceil(40 / batch_size)


@pytest.mark.parametrize("load, batch_size", [
    (data.load_iris, 10),
    (lambda: data.make_blobs(100, centers=3, seed=0), None),
], ids=["iris", "blobs"])
def test_cross_entropy_follows_eager(load, batch_size):
    X, y = load()
    X = data.standardize(X)
    runs = [train(engine, X, y, losses.cross_entropy, [8, 3],
                  lambda params: optim.Adam(params, lr=0.05), epochs=8, batch_size=batch_size,
                  l2=1e-4)
            for engine in ("eager", "python")]
    assert_same_training(*runs)
    assert runs[1][0].epoch_loss[-1] < 0.5 * runs[1][0].epoch_loss[0]


def test_a_loss_that_branches_on_the_label_follows_eager():
    # binary_cross_entropy picks p or 1 - p by `label == 1`: a traced label
    # would take one branch for every example; one trace per label is exact.
    X, y = data.make_moons(40, noise=0.1, seed=0)
    runs = [train(engine, X, y, losses.binary_cross_entropy, [8, 1],
                  lambda params: optim.Adam(params, lr=0.05), epochs=5, batch_size=8,
                  output_activation="sigmoid")
            for engine in ("eager", "python")]
    assert_same_training(*runs)


def test_real_targets_follow_eager():
    X = [[x / 10] for x in range(-20, 20)]
    y = [math.sin(row[0]) for row in X]
    runs = [train(engine, X, y, losses.mse, [8, 1], lambda params: optim.SGD(params, lr=0.1),
                  epochs=5, batch_size=8)
            for engine in ("eager", "python")]
    assert_same_training(*runs)
    assert runs[1][0].step_accuracy[0] is None


@pytest.mark.parametrize("loss, targets, traces", [
    (losses.hinge, [1, -1, -1, 1], {1, -1}),
    (losses.cross_entropy, [2, 0, 2, 2], {2, 0}),
    (losses.mse, [0.5, -0.25, 3.0, 1.0], {None}),
])
def test_one_trace_per_label_and_one_for_all_real_targets(loss, targets, traces):
    outputs = 3 if loss is losses.cross_entropy else 1
    model = MLP(2, [4, outputs], seed=0)
    X = [[0.5, -1.0], [1.5, 0.25], [-0.5, 0.0], [2.0, 1.0]]
    backpropagate = CompiledLossAndGradients(model, loss, l2=1e-3)
    value, _, predictions = backpropagate(X, targets)
    assert set(backpropagate.traces) == traces
    compiled_grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    objective = loss([model(x) for x in X], targets) + 1e-3 * sum(
        p * p for p in model.parameters())
    objective.backward()
    assert value == objective.data
    assert compiled_grads == pytest.approx([p.grad for p in model.parameters()], rel=1e-12)
    with no_grad():
        eager_outputs = [model(x) for x in X]
    eager_predictions = [[data_of(z) for z in output] if outputs > 1 else data_of(output)
                         for output in eager_outputs]
    assert predictions == eager_predictions


def test_inside_no_grad_fit_still_trains_eager_or_compiled():
    X, y = data.make_moons(20, noise=0.1, seed=0)
    for engine in ("eager", "python"):
        outside = train(engine, X, signs(y), losses.hinge, [4, 1],
                        lambda params: optim.SGD(params, lr=0.1), epochs=3)
        with no_grad():
            inside = train(engine, X, signs(y), losses.hinge, [4, 1],
                           lambda params: optim.SGD(params, lr=0.1), epochs=3)
        assert inside[0].step_loss == outside[0].step_loss
        assert inside[0].step_loss[-1] < inside[0].step_loss[0]


def test_a_non_finite_loss_stops_as_eager_does():
    X, y = data.make_moons(10, noise=0.1, seed=0)
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    stopped = "epoch 1, step 1: the loss (is nan|overflowed to -?inf)"
    with pytest.raises(FloatingPointError, match=stopped):
        fit(model, X, signs(y), lambda prediction, target: prediction * math.inf,
            optim.SGD(model.parameters(), lr=0.1), epochs=3, progress=False, engine="python")
    assert model.state_dict() == before


def test_divergence_stops_at_the_step_eager_stops_at():
    X, y = [[1.0], [2.0]], [1.0, -1.0]
    messages = []
    for engine in ("eager", "python"):
        model = MLP(1, [1], seed=0)
        with pytest.raises(FloatingPointError, match=r"step \d+") as raised:
            fit(model, X, y, losses.mse, optim.SGD(model.parameters(), lr=1e3), epochs=500,
                progress=False, seed=0, engine=engine)
        messages.append(str(raised.value))
        assert all(math.isfinite(p.data) for p in model.parameters())
    assert messages[0] == messages[1] and "step 1:" not in messages[1]


def test_compiled_bce_with_logits_stays_stable_far_from_the_traced_logit():
    """softplus is one row, so no branch on the logit is frozen in the trace."""
    from autograd import Value, compile

    weight = Value(1.0)
    step = compile(lambda x: losses.bce_with_logits(weight * x, 1), [weight])
    assert step(2.0) == pytest.approx(math.log1p(math.exp(-2.0)), rel=1e-15)
    weight.grad = 0.0
    assert step(-800.0) == 800.0  # eager gives 800 too; a frozen branch overflowed
    # d/dw [softplus(w x) - w x] = sigmoid(w x) x - x = 0 + 800 at w = 1, x = -800
    assert weight.grad == 800.0
