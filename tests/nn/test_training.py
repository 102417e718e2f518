"""fit(): it is backpropagation plus gradient descent, the three kinds of
gradient descent all learn, Iris is learned, History adds up, and a
diverging run stops cleanly."""

import gc
import math
import sys

import numpy as np
import pytest

from autograd import Value
from nn import MLP, History, data, evaluate, fit, losses, optim
from nn.schedules import LinearDecay
from nn.training import TrainingInterrupted, loss_and_gradients, significant


def moons(n=40, seed=0):
    X, y = data.make_moons(n, noise=0.1, seed=seed)
    return X, [2 * label - 1 for label in y]


def test_one_full_batch_epoch_is_backprop_then_w_minus_lr_dw():
    X, y = moons(20)
    model, by_hand = MLP(2, [4, 1], seed=3), MLP(2, [4, 1], seed=3)
    fit(model, X, y, losses.hinge, optim.SGD(model.parameters(), lr=0.1), epochs=1,
        l2=1e-3, progress=False)
    # the same step written out: mean hinge + L2, backward, p := p - lr * dp
    loss = sum(losses.hinge(by_hand(x), t) for x, t in zip(X, y)) / len(X)
    loss = loss + 1e-3 * sum(p * p for p in by_hand.parameters())
    loss.backward()
    for p in by_hand.parameters():
        p.data -= 0.1 * p.grad
    assert model.state_dict() == pytest.approx(by_hand.state_dict(), abs=1e-15)


def test_loss_and_gradients_fills_grads_and_returns_the_loss():
    model = MLP(1, [1], seed=0)
    w, b = model.parameters()
    w.data, b.data = 2.0, 0.5
    value, predictions = loss_and_gradients(model, [[1.0], [3.0]], [0.0, 1.0], losses.mse)
    # mean((2*1+0.5 - 0)², (2*3+0.5 - 1)²) = (6.25 + 30.25) / 2
    assert value == 18.25 and predictions == [2.5, 6.5]
    assert w.grad == pytest.approx((2 * 2.5 * 1 + 2 * 5.5 * 3) / 2)
    assert b.grad == pytest.approx((2 * 2.5 + 2 * 5.5) / 2)


@pytest.mark.parametrize("batch_size, kind", [(1, "stochastic"), (8, "mini-batch"),
                                              (None, "batch")])
def test_every_kind_of_gradient_descent_decreases_the_loss(batch_size, kind):
    X, y = moons(40)
    model = MLP(2, [8, 1], seed=3)
    before, _ = evaluate(model, X, y, losses.hinge)
    history = fit(model, X, y, losses.hinge, optim.SGD(model.parameters(), lr=0.05),
                  epochs=10, batch_size=batch_size, progress=False, seed=0)
    after, _ = evaluate(model, X, y, losses.hinge)
    assert after < 0.8 * before, kind
    assert history.epoch_loss[-1] < history.epoch_loss[0], kind
    steps_per_epoch = math.ceil(40 / (batch_size or 40))
    assert history.steps == 10 * steps_per_epoch and len(history.epoch_loss) == 10
    assert history.examples_seen[-1] == 10 * 40


def test_iris_is_learned_to_95_percent():
    X, y = data.load_iris()
    X = data.standardize(X)
    model = MLP(4, [8, 3], seed=0)
    history = fit(model, X, y, losses.cross_entropy, optim.Adam(model.parameters(), lr=0.05),
                  epochs=15, batch_size=10, progress=False, seed=0)
    loss, accuracy = evaluate(model, X, y, losses.cross_entropy)
    assert accuracy >= 0.95
    assert loss < 0.2 < history.epoch_loss[0]


def test_history_adds_up():
    X, y = moons(10)
    model = MLP(2, [3, 1], seed=0)
    history = fit(model, X, y, losses.hinge, optim.SGD(model.parameters(), lr=0.5), epochs=2,
                  batch_size=4, lr_schedule=LinearDecay(0.5, 0.1, 6), progress=False, seed=0)
    assert history.steps == 6
    assert history.examples_seen == [4, 8, 10, 14, 18, 20]
    assert history.step_lr == pytest.approx([0.5 - 0.4 * k / 6 for k in range(6)])
    sizes = [4, 4, 2]
    for epoch in range(2):
        steps = slice(3 * epoch, 3 * epoch + 3)
        assert history.epoch_loss[epoch] == pytest.approx(
            sum(loss * size for loss, size in zip(history.step_loss[steps], sizes)) / 10)
        assert history.epoch_accuracy[epoch] == pytest.approx(
            sum(acc * size for acc, size in zip(history.step_accuracy[steps], sizes)) / 10)
    assert all(accuracy in (0, 0.25, 0.5, 0.75, 1.0) for accuracy in history.step_accuracy[:2])


def test_same_seed_same_training():
    X, y = moons(20)

    def train():
        model = MLP(2, [4, 1], seed=5)
        history = fit(model, X, y, losses.hinge, optim.SGD(model.parameters(), lr=0.1),
                      epochs=2, batch_size=3, progress=False, seed=9)
        return history, model.state_dict()

    assert train() == train()


def test_accuracy_uses_the_loss_rule_or_the_one_given():
    X = [[0.0], [1.0], [2.0]]
    y = [0.0, 1.0, 2.0]
    model = MLP(1, [1], seed=0)
    history = fit(model, X, y, losses.mse, optim.SGD(model.parameters(), lr=0.01), epochs=1,
                  progress=False)
    assert history.step_accuracy == [None] and history.epoch_accuracy == [None]
    w, b = model.parameters()
    w.data, b.data = 1.3, 0.0  # predictions 0, 1.3, 2.6: rounded, two of three are right
    assert evaluate(model, X, y, losses.mse, predict=lambda p: round(p.data))[1] == 2 / 3
    assert evaluate(model, X, y, losses.mse) == (pytest.approx((0.09 + 0.36) / 3), None)


def test_a_non_finite_loss_stops_at_once_and_changes_nothing():
    X, y = moons(10)
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()

    def broken(prediction, target):
        return prediction * math.inf

    stopped = "epoch 1, step 1: the loss (is nan|overflowed to -?inf)"
    with pytest.raises(FloatingPointError, match=stopped):
        fit(model, X, y, broken, optim.SGD(model.parameters(), lr=0.1), epochs=3,
            progress=False)
    assert model.state_dict() == before


@pytest.mark.parametrize("engine", ["eager", "python"])
def test_a_loss_that_overflows_names_the_overflow_and_the_step(engine):
    """docs/how-it-works/ops.md#overflow: a square beyond the largest float is inf, not an
    error; fit stops at the step whose loss it is, saying it overflowed."""
    model = MLP(1, [1], seed=0)
    w, b = model.parameters()
    w.data, b.data = 1.0, 0.0
    # loss p², p = w + b, 1 at step 1: SGD at lr 10 maps p to p - 10 · 2p · 2
    # = -39 p (w and b both move by 20 p), so step k's loss is 39^(2(k-1)),
    # beyond 1.8e308 first at k = 1 + ceil(709.78 / (2 ln 39)) = 1 + 97 = 98,
    # with p itself still finite
    with pytest.raises(FloatingPointError) as stopped:
        fit(model, [[1.0]], [0.0], losses.mse, optim.SGD(model.parameters(), lr=10.0),
            epochs=200, progress=False, engine=engine)
    assert "epoch 98, step 98: the loss overflowed to inf" in str(stopped.value)
    assert math.isfinite(w.data) and math.isfinite(b.data)


def test_divergence_stops_with_the_last_finite_parameters():
    X = [[1.0], [2.0]]
    y = [1.0, -1.0]
    model = MLP(1, [1], seed=0)
    with pytest.raises(FloatingPointError, match=r"step \d+") as raised:
        fit(model, X, y, losses.mse, optim.SGD(model.parameters(), lr=1e3), epochs=500,
            progress=False)
    assert "step 1:" not in str(raised.value)  # it ran a while before diverging
    assert all(math.isfinite(p.data) for p in model.parameters())


@pytest.mark.parametrize("make_optimizer", [
    lambda params: optim.SGD(params, lr=1e308),
    lambda params: optim.SGD(params, lr=1e308, momentum=0.9),
    lambda params: optim.RMSprop(params, lr=1e308, momentum=0.9),
])
def test_an_update_that_overflows_is_undone_with_the_optimizer_state(make_optimizer):
    model = MLP(1, [1], seed=0)
    before = model.state_dict()
    optimizer = make_optimizer(model.parameters())
    optimizer_before = optimizer.state_dict()
    with pytest.raises(FloatingPointError, match="epoch 1, step 1: the update made"):
        fit(model, [[1.0]], [100.0], losses.mse, optimizer, epochs=1, progress=False)
    assert model.state_dict() == before
    assert optimizer.state_dict() == optimizer_before


@pytest.mark.parametrize("arguments, message", [
    (dict(epochs=0), "epochs"),
    (dict(batch_size=0), "batch_size"),
    (dict(l2=-1.0), "l2"),
    (dict(y=[1, -1]), "rows but y has"),
    (dict(X=[[1.0, 2.0, 3.0]] * 10), "expects 2 inputs, received 3"),
    (dict(y=[2] * 10), "label -1 or \\+1"),
    (dict(y=[1] * 9 + [0]), "label -1 or \\+1"),  # the last row of the last batch
    (dict(X=[[0.5, 0.5]] * 9 + [[0.5]]), "row 0 has 2 values, row 9 has 1"),  # a ragged row
])
def test_bad_arguments_raise_before_any_update(arguments, message):
    X, y = moons(10)
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    call = dict(X=X, y=y, epochs=2, batch_size=3, progress=False, seed=0) | arguments
    with pytest.raises(ValueError, match=message):
        fit(model, loss=losses.hinge, optimizer=optim.SGD(model.parameters(), lr=0.1), **call)
    assert model.state_dict() == before


def test_progress_bar_shows_epoch_loss_and_accuracy(capsys):
    pytest.importorskip("tqdm")
    X, y = moons(10)
    model = MLP(2, [3, 1], seed=0)
    fit(model, X, y, losses.hinge, optim.SGD(model.parameters(), lr=0.1), epochs=2)
    shown = capsys.readouterr().err
    assert "epoch=2/2" in shown and "hinge=" in shown and "accuracy=" in shown
    assert "objective=" not in shown  # without L2 the objective is the data loss
    history = fit(model, X, y, losses.hinge, optim.SGD(model.parameters(), lr=0.1), epochs=1,
                  l2=0.5)
    shown = capsys.readouterr().err
    assert f"hinge={history.step_data_loss[0]:.4g}" in shown
    assert f"objective={history.step_objective[0]:.4g}" in shown
    fit(model, X, y, losses.hinge, optim.SGD(model.parameters(), lr=0.1), epochs=2,
        progress=False)
    assert capsys.readouterr() == ("", "")


def test_no_tqdm_means_no_bar_and_no_crash(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails
    X, y = moons(10)
    model = MLP(2, [3, 1], seed=0)
    history = fit(model, X, y, losses.hinge, optim.SGD(model.parameters(), lr=0.1), epochs=1)
    assert history.steps == 1 and capsys.readouterr() == ("", "")


def test_history_is_plain_data():
    history = History()
    assert history.steps == 0 and history.step_loss == [] and history.step_objective == []


def test_history_keeps_the_objective_and_the_data_loss_apart():
    X, y = moons(12)
    model, by_hand = MLP(2, [3, 1], seed=1), MLP(2, [3, 1], seed=1)
    history = fit(model, X, y, losses.hinge, optim.SGD(model.parameters(), lr=0.1), epochs=1,
                  l2=0.01, progress=False)
    # the first step's two numbers, from the initial weights by hand
    data_loss = sum(losses.hinge(by_hand(x), t).data for x, t in zip(X, y)) / len(X)
    penalty = 0.01 * sum(p.data ** 2 for p in by_hand.parameters())
    assert history.step_data_loss == [pytest.approx(data_loss, abs=1e-15)]
    assert history.step_objective == [pytest.approx(data_loss + penalty, abs=1e-15)]
    assert penalty > 0.01  # so the two really differ
    assert history.step_loss is history.step_objective  # the older name
    # one step per epoch: the epoch means are that step's numbers (x * n / n, to rounding)
    assert history.epoch_loss is history.epoch_objective
    assert history.epoch_objective == [pytest.approx(history.step_objective[0], rel=1e-15)]
    assert history.epoch_data_loss == [pytest.approx(history.step_data_loss[0], rel=1e-15)]
    assert (history.loss_name, history.l2, history.objective_name) == (
        "hinge", 0.01, "hinge + 0.01·Σp²")
    unpenalized = fit(by_hand, X, y, losses.hinge, optim.SGD(by_hand.parameters(), lr=0.1),
                      epochs=2, batch_size=5, progress=False)
    assert unpenalized.step_data_loss == unpenalized.step_objective  # exact without L2
    assert unpenalized.epoch_end_step == [3, 6] and unpenalized.objective_name == "hinge"


def test_a_lambda_loss_is_named_loss():
    model = MLP(1, [1], seed=0)
    history = fit(model, [[1.0]], [0.5], lambda p, t: (p - t) ** 2,
                  optim.SGD(model.parameters(), lr=0.1), epochs=1, progress=False)
    assert history.loss_name == "loss"


@pytest.mark.parametrize("x, text", [(0.000219345, "0.0002193"), (0.9128546, "0.9129"),
                                     (3e-12, "3e-12"), (12345.6, "1.235e+04"), (0.0, "0")])
def test_significant_digits_never_hide_a_small_loss(x, text):
    assert significant(x) == text


def test_parameters_are_values_after_training():
    model = MLP(2, [2, 1], seed=0)
    X, y = moons(6)
    fit(model, X, y, losses.hinge, optim.Adam(model.parameters()), epochs=1, progress=False)
    assert all(isinstance(p, Value) and p.op == "" for p in model.parameters())


def test_the_cyclic_collector_is_paused_only_during_the_step():
    seen = []
    model = MLP(1, [1], seed=0)

    def spy(prediction, target):
        seen.append(gc.isenabled())
        return losses.mse(prediction, target)

    fit(model, [[1.0]], [0.5], spy, optim.SGD(model.parameters(), lr=0.1), epochs=1,
        progress=False)
    # the first example checked alone, the dry run, then the step
    assert seen == [True, True, False] and gc.isenabled()
    with pytest.raises(FloatingPointError):
        fit(model, [[1.0]], [0.5], lambda p, t: p * math.nan,
            optim.SGD(model.parameters(), lr=0.1), epochs=1, progress=False)
    assert gc.isenabled()
    gc.disable()
    try:
        loss_and_gradients(model, [[1.0]], [0.5], losses.mse)
        assert not gc.isenabled()  # a collector the user turned off stays off
    finally:
        gc.enable()


def sgd(model):
    return optim.SGD(model.parameters(), lr=0.1)



def test_fit_takes_numpy_arrays_as_lists():
    X, y = moons()
    listed, arrayed = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=0)
    expected = fit(listed, X, y, losses.hinge, sgd(listed), 2, progress=False, seed=0)
    got = fit(arrayed, np.array(X), np.array(y), losses.hinge, sgd(arrayed), 2,
              progress=False, seed=0)
    assert got.step_objective == expected.step_objective
    assert arrayed.state_dict() == listed.state_dict()



@pytest.mark.parametrize("arguments, error, message", [
    (dict(X=None), TypeError, "X must be a list \\(or an array\\) of rows"),
    (dict(loss=None), TypeError, "loss must be a function loss\\(prediction, target\\)"),
    (dict(loss=lambda prediction, target: 1.0), TypeError,
     "the loss returned float, not a Value"),
    (dict(optimizer=None), TypeError, "optimizer must be an nn.optim optimizer"),
    (dict(lr_schedule=lambda step: -1.0), ValueError,
     "lr_schedule\\(0\\) must be a finite number >= 0, got -1.0"),
    (dict(lr_schedule=lambda step: "fast"), ValueError, "lr_schedule\\(0\\) must be a finite"),
])
def test_fit_refuses_bad_arguments_before_any_update(arguments, error, message):
    X, y = moons()
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    options = dict(X=X, y=y, loss=losses.hinge, optimizer=sgd(model)) | arguments
    with pytest.raises(error, match=message):
        fit(model, options["X"], options["y"], options["loss"], options["optimizer"], 1,
            lr_schedule=options.get("lr_schedule"), progress=False)
    assert model.state_dict() == before



def test_fit_refuses_an_optimizer_of_another_model():
    # before: it trained nothing, without a word
    X, y = moons()
    model, other = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    with pytest.raises(ValueError, match="holds none of this model's parameters"):
        fit(model, X, y, losses.hinge, sgd(other), 1, progress=False)



def test_a_nan_in_the_data_is_named_by_row_and_column():
    X, y = moons()
    X[3][1] = math.nan
    with pytest.raises(ValueError, match=r"X\[3\]\[1\] is nan"):
        fit(MLP(2, [3, 1], seed=0), X, y, losses.hinge, sgd(MLP(2, [1])), 1, progress=False)



def test_a_predict_that_raises_is_not_called_a_learning_rate_problem():
    X, y = moons()
    model = MLP(2, [3, 1], seed=0)

    def predict(prediction):
        raise ZeroDivisionError("my predict")

    with pytest.raises(ZeroDivisionError, match="my predict"):
        fit(model, X, y, losses.hinge, sgd(model), 1, predict=predict, progress=False)



def test_ctrl_c_in_fit_keeps_the_model_of_the_last_whole_step():
    X, y = moons()
    model, replay = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=0)

    def schedule(step):
        if step == 3:
            raise KeyboardInterrupt
        return 0.1

    with pytest.raises(TrainingInterrupted, match="after 3 whole steps") as interrupted:
        fit(model, X, y, losses.hinge, sgd(model), 10, lr_schedule=schedule,
            progress=False, seed=0)
    assert isinstance(interrupted.value, KeyboardInterrupt)
    assert interrupted.value.history.steps == 3
    fit(replay, X, y, losses.hinge, sgd(replay), 3, progress=False, seed=0)
    assert model.state_dict() == replay.state_dict()


class CountingMLP(MLP):
    """An MLP that counts its forward passes."""

    calls = 0

    def __call__(self, x):
        CountingMLP.calls += 1
        return super().__call__(x)


def test_fit_checks_labels_without_a_pass_over_the_data():
    # One row through the model before training (its type and the loss's),
    # then every label through the loss's check: 50 rows trained once is
    # 1 + 50 forward passes, not 1 + 50 + 50 with a dry run over the data.
    X, y = data.make_moons(50, seed=0)
    y = [2 * label - 1 for label in y]
    model = CountingMLP(2, [3, 1], seed=0)
    CountingMLP.calls = 0
    fit(model, X, y, losses.hinge, optim.SGD(model.parameters(), lr=0.1), epochs=1,
        batch_size=5, progress=False, seed=0)
    assert CountingMLP.calls == 1 + 50


@pytest.mark.parametrize("loss, prediction, target, message", [
    (losses.hinge, Value(0.3), 0, "label -1 or \\+1, got 0"),
    (losses.binary_cross_entropy, Value(0.3), -1, "label 0 or 1, got -1"),
    (losses.cross_entropy, [Value(0.0)] * 3, 3, "class index 3 for 3 classes"),
    (losses.mse, Value(0.3), float("nan"), "mse's target"),
])
def test_a_loss_checks_a_target_without_computing(loss, prediction, target, message):
    with pytest.raises(ValueError, match=message):
        loss.check(prediction, target)
    assert loss.check(prediction, {losses.mse: 0.5, losses.cross_entropy: 2}.get(loss, 1)) \
        is None
