"""nn.native: the MLP step in C equals eager training to 1e-12 relative,
for every activation row, loss, optimizer and option; refuses as eager
does; keeps its source the same size at every width. These tests need a
C compiler (cc or $CC): without one they fail, not skip."""

import math
import random

import pytest

from autograd import Value, ops
from nn import MLP, losses, optim
from nn.losses import l2_penalty
from nn.native import NativeMLPStep
from nn.training import loss_and_gradients

RELATIVE = 1e-12


@pytest.fixture(scope="module", autouse=True)
def private_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHAINRULE_NATIVE_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


def close(a, b, scale=1.0):
    """Within 1e-12 of each other, relative to the larger (or to ``scale``
    for numbers that cancel to near 0)."""
    return abs(a - b) <= RELATIVE * max(abs(a), abs(b), 1e-3 * scale)


def eager_step(model, loss, optimizer, X, y, rows, l2, predict):
    """One step as eager training takes it: (objective, data loss, correct)."""
    inputs, targets = [X[r] for r in rows], [y[r] for r in rows]
    penalty = l2_penalty([p.data for p in model.parameters()], l2) if l2 else 0.0
    optimizer.zero_grad()
    objective, predictions = loss_and_gradients(model, inputs, targets, loss, l2)
    if not math.isfinite(objective):
        raise FloatingPointError(objective)
    optimizer.step()
    if not all(math.isfinite(p.data) for p in model.parameters()):
        raise FloatingPointError("update")
    correct = None if predict is None else sum(
        predict(prediction) == target for prediction, target in zip(predictions, targets))
    return objective, objective - penalty, correct


def twins(make_model, make_optimizer):
    """Two identical models, each with its optimizer."""
    return [(model, make_optimizer(model)) for model in (make_model(), make_model())]


def train_both(make_model, make_optimizer, loss, X, y, batches, l2=0.0, predict=None,
               before_step=None):
    """Train a native and an eager twin on the same batches, asserting that
    every step's numbers and the final parameters and state agree."""
    (model, optimizer), (eager_model, eager_optimizer) = twins(make_model, make_optimizer)
    engine = NativeMLPStep(model, loss, optimizer, X, y, l2=l2, predict=predict)
    steps = 0
    for number, rows in enumerate(batches):
        if before_step is not None:
            before_step(number, optimizer)
            before_step(number, eager_optimizer)
        native = engine(rows)
        try:
            expected = eager_step(eager_model, loss, eager_optimizer, X, y,
                                  range(len(y)) if rows is None else rows, l2, predict)
        except (ArithmeticError, ValueError):
            assert native is None  # Python raises: the native step refused it
            break
        assert native is not None, f"step {number} refused natively, eager computed it"
        assert close(native[0], expected[0]) and close(native[1], expected[1], expected[0])
        assert native[2] == expected[2]
        steps += 1
    engine.sync()
    for (name, ours), theirs in zip(model.named_parameters(), eager_model.parameters()):
        assert close(ours.data, theirs.data), name
    for ours, theirs in zip(optimizer.params, eager_optimizer.params):
        mine, expected = optimizer.state[ours], eager_optimizer.state[theirs]
        assert set(mine) == set(expected)
        assert all(close(mine[key], expected[key]) for key in mine)
    return engine, model, optimizer, steps


def moons(count=100, seed=0):
    rng = random.Random(seed)
    X = [[rng.uniform(-2, 2), rng.uniform(-1.5, 1.5)] for _ in range(count)]
    y = [1 if x1 > math.sin(2 * x0) else -1 for x0, x1 in X]
    return X, y


def test_demo_recipe_follows_eager_for_100_steps():
    X, y = moons()
    engine, *_, steps = train_both(
        lambda: MLP(2, [16, 16, 1], seed=1337), lambda m: optim.SGD(m.parameters(), lr=1.0),
        losses.hinge, X, y, [None] * 100, l2=1e-4, predict=losses.hinge.predict,
        before_step=lambda k, o: setattr(o, "lr", 1.0 - 0.9 * k / 100))
    assert steps == 100


def test_minibatches_with_a_smaller_last_batch_and_shuffled_rows():
    X, y = moons(70, seed=1)
    rng = random.Random(2)
    batches = []
    for _ in range(3):  # three epochs of batches of 32, 32 and 6
        order = list(range(70))
        rng.shuffle(order)
        batches += [order[start:start + 32] for start in range(0, 70, 32)]
    *_, steps = train_both(
        lambda: MLP(2, [8, 5, 1], seed=3), lambda m: optim.SGD(m.parameters(), lr=0.3),
        losses.hinge, X, y, batches, l2=1e-3, predict=losses.hinge.predict)
    assert steps == 9


# Each activation row on a hidden layer, with weights and inputs inside its domain.
POSITIVE = {"log", "sqrt", "log2", "log10", "log1p", "acosh"}
SMALL = {"asin", "acos", "atanh", "tan", "sinh", "cosh", "exp", "exp2", "expm1"}


def _within_domain(model, row):
    rng = random.Random(row)
    low, high = (0.5, 1.0) if row in POSITIVE else (-0.15, 0.15) if row in SMALL else (-1, 1)
    for parameter in model.parameters():
        parameter.data = rng.uniform(low, high)
    return model


@pytest.mark.parametrize("row", [row.name for row in ops.FUNCTIONS if row.arity == 1])
def test_every_activation_row_trains_as_eager(row):
    rng = random.Random(5)
    X = [[rng.uniform(1.0, 2.0) for _ in range(3)] for _ in range(12)]
    y = [rng.uniform(-1, 1) for _ in range(12)]
    *_, steps = train_both(
        lambda: _within_domain(MLP(3, [5, 2, 1], activation=row, seed=4), row),
        lambda m: optim.SGD(m.parameters(), lr=0.01), losses.mse, X, y, [None] * 10)
    assert steps == 10


@pytest.mark.parametrize("loss, output_activation, outputs", [
    (losses.mse, None, 1), (losses.hinge, None, 1), (losses.bce_with_logits, None, 1),
    (losses.binary_cross_entropy, "sigmoid", 1), (losses.cross_entropy, None, 4)])
def test_every_loss_trains_as_eager(loss, output_activation, outputs):
    rng = random.Random(6)
    X = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(40)]
    labels = {"real": lambda: rng.uniform(-2, 2), "sign": lambda: rng.choice((-1, 1)),
              "binary": lambda: rng.choice((0, 1)), "class": lambda: rng.randrange(outputs)}
    y = [labels[loss.target]() for _ in X]
    *_, steps = train_both(
        lambda: MLP(3, [6, outputs], activation="tanh", output_activation=output_activation,
                    seed=7),
        lambda m: optim.SGD(m.parameters(), lr=0.2), loss, X, y,
        [list(range(start, start + 16)) for start in (0, 16, 24)] * 4, l2=1e-3,
        predict=loss.predict)
    assert steps == 12


OPTIMIZERS = [
    lambda ps: optim.SGD(ps, lr=0.1),
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01),
    lambda ps: optim.SGD(ps, lr=0.01, momentum=0.8, nesterov=True, maximize=True),
    lambda ps: optim.Adam(ps, lr=0.01),
    lambda ps: optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True),
    lambda ps: optim.AdamW(ps, lr=0.01, amsgrad=True),
    lambda ps: optim.RMSprop(ps, lr=0.01),
    lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True, weight_decay=0.1),
    lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
    lambda ps: optim.NAdam(ps, lr=0.01),
    lambda ps: optim.NAdam(ps, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
]


def smooth_model(seed):
    """tanh units with random biases: no gradient sits at 0, where Adam-like
    steps (g / sqrt(v)) would turn rounding noise into whole steps."""
    model = MLP(2, [7, 1], activation="tanh", seed=seed)
    rng = random.Random(seed)
    for layer in model.layers:
        for neuron in layer.neurons:
            neuron.b.data = rng.uniform(-0.5, 0.5)
    return model


def waves(count, seed):
    rng = random.Random(seed)
    X = [[rng.uniform(-2, 2), rng.uniform(-1.5, 1.5)] for _ in range(count)]
    return X, [math.sin(x0) * x1 for x0, x1 in X]


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS)
def test_every_optimizer_and_option_trains_as_eager(make_optimizer):
    X, y = waves(50, seed=8)
    *_, steps = train_both(
        lambda: smooth_model(9), lambda m: make_optimizer(m.parameters()),
        losses.mse, X, y, [None] * 15, l2=1e-3,
        before_step=lambda k, o: setattr(o, "lr", o.lr * 0.97))
    assert steps == 15


def test_parameter_groups_with_their_own_options():

    def grouped(model):
        first, last = model.layers[0].parameters(), model.layers[1].parameters()
        return optim.Adam([{"params": first}, {"params": last, "lr": 0.05, "amsgrad": True}],
                          lr=0.01)

    *_, steps = train_both(lambda: smooth_model(11), grouped, losses.mse, *waves(40, 10),
                           [None] * 10, l2=1e-3)
    assert steps == 10


def test_groups_of_parameters_far_apart():
    # no weight decay on the biases: each group is spread over the model
    def weights_and_biases(model):
        names = model.named_parameters()
        return optim.SGD(
            [{"params": [p for name, p in names if not name.endswith(".b")],
              "weight_decay": 0.1},
             {"params": [p for name, p in names if name.endswith(".b")], "lr": 0.05}],
            lr=0.1, momentum=0.9)

    *_, steps = train_both(lambda: smooth_model(16), weights_and_biases, losses.mse,
                           *waves(40, 17), [None] * 10)
    assert steps == 10


def test_state_round_trips_through_sync_and_reload():
    X, y = waves(40, seed=12)
    make_model = lambda: smooth_model(13)  # noqa: E731
    make_optimizer = lambda m: optim.Adam(m.parameters(), lr=0.02)  # noqa: E731
    (model, optimizer), (eager_model, eager_optimizer) = twins(make_model, make_optimizer)
    engine = NativeMLPStep(model, losses.mse, optimizer, X, y, l2=0.0)
    for _ in range(5):
        engine(None)
        eager_step(eager_model, losses.mse, eager_optimizer, X, y, range(40), 0.0, None)
    engine.sync()
    # a round trip through state_dict, as a saved run continues
    saved, saved_model = optimizer.state_dict(), model.state_dict()
    fresh_model = make_model()
    fresh_model.load_state_dict(saved_model)
    fresh_optimizer = make_optimizer(fresh_model)
    fresh_optimizer.load_state_dict(saved)
    assert fresh_optimizer.state_dict()["state"][0]["step"] == 5.0
    resumed = NativeMLPStep(fresh_model, losses.mse, fresh_optimizer, X, y, l2=0.0)
    # one step on the Python path, then reload: the native state follows it
    eager_step(fresh_model, losses.mse, fresh_optimizer, X, y, range(40), 0.0, None)
    eager_step(eager_model, losses.mse, eager_optimizer, X, y, range(40), 0.0, None)
    resumed.reload()
    for _ in range(3):
        resumed(None)
        eager_step(eager_model, losses.mse, eager_optimizer, X, y, range(40), 0.0, None)
    resumed.sync()
    for ours, theirs in zip(fresh_model.parameters(), eager_model.parameters()):
        assert close(ours.data, theirs.data)
    assert fresh_optimizer.state_dict()["state"][0]["step"] == 9.0
    for ours, theirs in zip(fresh_optimizer.params, eager_optimizer.params):
        state, expected = fresh_optimizer.state[ours], eager_optimizer.state[theirs]
        assert all(close(state[key], expected[key]) for key in expected)


@pytest.mark.parametrize("bias, lr", [(1e200, 0.1), (1e150, 1e308)])
def test_a_refused_step_changes_nothing(bias, lr):
    # a loss that overflows to inf (1e200 squared), or an update that does
    X, y = waves(30, seed=14)
    model = smooth_model(15)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    engine = NativeMLPStep(model, losses.mse, optimizer, X, y, l2=1e-3)
    assert engine(None) is not None
    engine.sync()
    model.layers[-1].neurons[0].b.data = bias
    engine.reload()
    before = model.state_dict(), optimizer.state_dict()
    optimizer.lr = lr
    assert engine(None) is None
    optimizer.lr = 0.1
    engine.sync()
    assert (model.state_dict(), optimizer.state_dict()) == before


def test_a_frozen_decision_that_changes_is_replayed():
    # binary cross-entropy clamps a likelihood below e^-100: the trace did not,
    # so an example past it is refused natively (eager gives loss 100 there)
    model = MLP(1, [1], output_activation="sigmoid", seed=0)
    model.layers[0].neurons[0].w[0].data, model.layers[0].neurons[0].b.data = 1.0, 0.0
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    engine = NativeMLPStep(model, losses.binary_cross_entropy, optimizer, [[-300.0], [1.0]],
                           [1, 1])
    assert engine([1]) is not None
    assert engine([0]) is None


def test_rows_outside_the_data_set_are_refused():
    X, y = moons(10)
    model = MLP(2, [3, 1], seed=0)
    engine = NativeMLPStep(model, losses.hinge, optim.SGD(model.parameters(), lr=0.1), X, y)
    with pytest.raises(IndexError, match="0 to 9"):
        engine([3, 10])
    with pytest.raises(IndexError, match="at least one"):
        engine([])


def test_the_source_does_not_grow_with_width():
    X, y = moons(10)

    def source(width):
        model = MLP(2, [width, width, 1], seed=0)
        optimizer = optim.Adam(model.parameters())
        reason = NativeMLPStep.unsupported(model, losses.hinge, optimizer, None)
        assert reason is None
        return NativeMLPStep(model, losses.hinge, optimizer, X, y, l2=1e-4).source

    narrow, wide = source(16), source(512)
    assert len(wide) - len(narrow) < 100  # only the numbers in it are longer


def test_unsupported_says_why():
    model = MLP(2, [3, 1])
    sgd = optim.SGD(model.parameters(), lr=0.1)
    assert "not an nn.MLP" in NativeMLPStep.unsupported(object(), losses.hinge, sgd, None)
    assert "not one of nn.losses" in NativeMLPStep.unsupported(
        model, lambda p, t: p, sgd, None)
    assert "predict rule" in NativeMLPStep.unsupported(model, losses.hinge, sgd, round)
    wide = MLP(2, [3, 2])
    assert "does not take 2 predictions" in NativeMLPStep.unsupported(
        wide, losses.mse, optim.SGD(wide.parameters(), lr=0.1), None)
    other = optim.SGD(MLP(2, [3, 1]).parameters(), lr=0.1)
    assert "exactly the model's parameters" in NativeMLPStep.unsupported(
        model, losses.hinge, other, None)


def test_without_a_compiler_it_is_unsupported(monkeypatch):
    monkeypatch.setenv("CC", "no-such-compiler-anywhere")
    model = MLP(2, [3, 1])
    reason = NativeMLPStep.unsupported(model, losses.hinge,
                                       optim.SGD(model.parameters(), lr=0.1), None)
    assert "no-such-compiler-anywhere" in reason


def test_options_changed_between_steps_are_followed():
    def change(number, optimizer):
        if number == 3:
            optimizer.momentum = 0.5  # every group's; the C form is made again
        if number == 6:
            optimizer.add_param_group({"params": [Value(1.0)]})  # not the model's

    *_, steps = train_both(lambda: smooth_model(18),
                           lambda m: optim.SGD(m.parameters(), lr=0.05, momentum=0.9),
                           losses.mse, *waves(30, 19), [None] * 6, before_step=change)
    assert steps == 6
    model = smooth_model(18)
    optimizer = optim.SGD(model.parameters(), lr=0.05)
    engine = NativeMLPStep(model, losses.mse, optimizer, *waves(30, 19))
    change(6, optimizer)
    assert engine(None) is None  # no longer the model's parameters only: Python steps


def test_step_takes_the_mlp_kernels_first_and_the_traces_for_other_losses(monkeypatch):
    from nn import Step
    from nn.compiled import NativeTracedStep

    X, y = moons(20)
    model = MLP(2, [4, 1], seed=0)
    adam = optim.Adam(model.parameters(), lr=0.01)
    step = Step(model, losses.hinge, adam, X, y, l2=1e-4, engine="c")
    assert step.engine == "c" and isinstance(step.native, NativeMLPStep)
    sgd = optim.SGD(model.parameters(), lr=0.1)
    traced = Step(model, lambda p, t: losses.hinge(p, t), sgd, X, y, engine="c")
    assert isinstance(traced.native, NativeTracedStep)
    monkeypatch.setenv("CC", "no-such-compiler-here")
    python = Step(model, losses.hinge, adam, X, y, engine="c")
    assert python.engine == "python" and python.native is None
    with pytest.warns(RuntimeWarning, match="runs on Python"):
        python()  # trains on the Python path, saying why


def test_a_compiler_that_refuses_the_flags(monkeypatch):
    from nn import Step, native
    from nn.compiled import NativeTracedStep

    X, y = moons(20)
    model = MLP(2, [4, 1], seed=0)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    monkeypatch.setattr(native, "FLAGS", "-O3 -fno-such-option-anywhere")
    engine = NativeMLPStep(model, losses.hinge, optimizer, X, y)  # built without them
    assert engine(None) is not None
    monkeypatch.setattr(native, "PORTABLE_FLAGS", "-fno-such-option-anywhere")
    with pytest.warns(RuntimeWarning, match="NativeMLPStep does not run here"):
        step = Step(model, losses.hinge, optimizer, X, y, engine="c")
    assert isinstance(step.native, NativeTracedStep)
