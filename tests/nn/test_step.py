"""nn.Step: the one training step every path takes, its engines and its contract."""

import math
import random
import warnings

import pytest

from nn import MLP, Step, StepResult, TrainingStopped, data, fit, losses, optim
from nn.data import batch_order


def moons():
    X, y = data.make_moons(40, noise=0.1, seed=3)
    return X, [2 * label - 1 for label in y]


def test_a_step_on_one_weight_matches_the_hand_derivation():
    # model y = w·x + b (one linear neuron), mse, two rows; L2 0.5:
    # data loss = mean((w·x + b - t)²), objective = data loss + 0.5 (w² + b²)
    model = MLP(1, [1], seed=0)
    w, b = model.parameters()
    w.data, b.data = 2.0, -1.0
    X, y = [[1.0], [3.0]], [0.0, 4.0]
    step = Step(model, losses.mse, optim.SGD(model.parameters(), lr=0.1), X, y, l2=0.5)
    measured = step()
    # predictions 1 and 5: errors 1 and 1, data loss 1, penalty 0.5 · 5 = 2.5
    assert measured == StepResult(objective=3.5, data_loss=1.0, correct=None, size=2)
    # d/dw = mean(2·err·x) + 2·0.5·w = (2 + 6) / 2 + 2 = 6; d/db = (2 + 2) / 2 - 1 = 1
    assert (w.data, b.data) == (pytest.approx(2.0 - 0.1 * 6), pytest.approx(-1.0 - 0.1 * 1))
    assert step.steps == 1


@pytest.mark.parametrize("engine", ["eager", "python", "c"])
def test_fit_is_a_loop_of_steps_over_batch_order(engine):
    X, y = moons()
    histories, models = [], []
    for by_hand in (False, True):
        model = MLP(2, [5, 1], seed=1)
        optimizer = optim.SGD(model.parameters(), lr=0.2)
        if by_hand:
            step = Step(model, losses.hinge, optimizer, X, y, l2=1e-3, engine=engine)
            rng = random.Random(7)
            results = [step(rows) for _ in range(3) for rows in batch_order(len(X), 8, seed=rng)]
            step.sync()
            histories.append([(r.objective, r.data_loss, r.correct / r.size) for r in results])
        else:
            history = fit(model, X, y, losses.hinge, optimizer, epochs=3, batch_size=8, seed=7,
                          l2=1e-3, progress=False, engine=engine)
            histories.append(list(zip(history.step_objective, history.step_data_loss,
                                      history.step_accuracy)))
        models.append(model.state_dict())
    assert histories[0] == histories[1] and len(histories[0]) == 15
    assert models[0] == models[1]


def test_the_engines_agree_to_1e_12_on_the_demo_recipe():
    X, y = moons()
    curves = {}
    for engine in ("eager", "python", "c"):
        model = MLP(2, [16, 16, 1], seed=1337)
        step = Step(model, losses.hinge, optim.SGD(model.parameters(), lr=0.5), X, y, l2=1e-4,
                    engine=engine)
        curves[engine] = [step().objective for _ in range(20)]
        assert step.engine == engine
    assert curves["python"] == pytest.approx(curves["eager"], rel=1e-12, abs=0)
    assert curves["c"] == pytest.approx(curves["eager"], rel=1e-12, abs=0)
    assert curves["eager"][-1] < curves["eager"][0]


def test_the_data_loss_is_measured_not_recomputed_from_the_penalty():
    X, y = moons()
    for engine in ("eager", "python", "c"):
        model = MLP(2, [4, 1], seed=2)
        before = model.state_dict()
        measured = Step(model, losses.hinge, optim.SGD(model.parameters(), lr=0.1), X, y,
                        l2=0.01, engine=engine)()
        model.load_state_dict(before)
        exact = losses.hinge([model(x) for x in X], y).data
        assert measured.data_loss == pytest.approx(exact, rel=1e-15)
        penalty = 0.01 * sum(p.data ** 2 for p in model.parameters())
        assert measured.objective == pytest.approx(exact + penalty, rel=1e-15)


def test_a_native_step_holds_the_parameters_until_sync():
    X, y = moons()
    model = MLP(2, [4, 1], seed=2)
    before = model.state_dict()
    step = Step(model, losses.hinge, optim.SGD(model.parameters(), lr=0.1), X, y, engine="c")
    step()
    assert model.state_dict() == before
    step.sync()
    reference = MLP(2, [4, 1], seed=2)
    Step(reference, losses.hinge, optim.SGD(reference.parameters(), lr=0.1), X, y,
         engine="python")()
    assert model.state_dict() == pytest.approx(reference.state_dict(), rel=1e-12)


@pytest.mark.parametrize("engine", ["eager", "python", "c"])
def test_a_refused_step_leaves_the_model_and_the_optimizer_state_as_they_were(engine):
    model = MLP(1, [1], seed=0)
    w, b = model.parameters()
    w.data, b.data = 1.0, 0.0
    optimizer = optim.Adam(model.parameters(), lr=0.1)
    step = Step(model, losses.mse, optimizer, [[1.0]], [0.0], engine=engine)
    step()
    step.sync()
    w.data = 1e200  # the next loss is (1e200)² = inf
    step.reload()  # a native step holds the parameters: it reads the change
    kept = model.state_dict(), optimizer.state_dict()
    with pytest.raises(TrainingStopped, match="step 2: the loss overflowed to inf") as stopped:
        step()
    step.sync()
    assert stopped.value.step == 2 and isinstance(stopped.value, FloatingPointError)
    assert (model.state_dict(), optimizer.state_dict()) == kept
    assert step.steps == 1


def test_the_old_compile_spellings_still_work_and_warn():
    X, y = moons()
    for old, new in ((False, "eager"), (True, "python"), ("c", "c")):
        trained = []
        for spelling in ({"compile": old}, {"engine": new}):
            model = MLP(2, [3, 1], seed=0)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fit(model, X, y, losses.hinge, optim.SGD(model.parameters(), lr=0.1), epochs=2,
                    progress=False, **spelling)
            deprecations = [str(w.message) for w in caught if w.category is DeprecationWarning]
            expected = [f"fit() compile={old!r} is now engine={new!r}"] if "compile" in spelling \
                else []
            assert deprecations == expected
            trained.append(model.state_dict())
        assert trained[0] == trained[1]


@pytest.mark.parametrize("engine, message", [
    ("fortran", "engine must be one of 'eager', 'python', 'c', 'auto', got 'fortran'"),
    (True, "engine must be one of"),
])
def test_an_unknown_engine_is_refused_naming_the_choices(engine, message):
    X, y = moons()
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match=message):
        Step(model, losses.hinge, optim.SGD(model.parameters(), lr=0.1), X, y, engine=engine)


def test_auto_is_c_with_a_compiler_and_python_without(monkeypatch):
    X, y = moons()
    model = MLP(2, [3, 1], seed=0)
    make = lambda: Step(model, losses.hinge, optim.SGD(model.parameters(), lr=0.1), X, y,  # noqa: E731
                        engine="auto")
    assert make().engine == "c"
    monkeypatch.setenv("CC", "no-such-compiler-here")
    assert make().engine == "python"


def test_a_full_batch_is_taken_in_order_and_mini_batches_keep_fits_random_stream():
    assert batch_order(5, None, seed=1) == [range(5)]
    assert batch_order(5, 10, seed=1) == [range(5)]
    shuffled = list(range(7))
    random.Random(4).shuffle(shuffled)
    assert batch_order(7, 3, seed=4) == [shuffled[:3], shuffled[3:6], shuffled[6:]]
    assert batch_order(5, None, shuffle=True, seed=4) != [range(5)]
    assert batch_order(7, 3, shuffle=False) == [range(0, 3), range(3, 6), range(6, 7)]


def test_full_batch_fit_does_not_depend_on_the_seed():
    X, y = moons()
    curves = []
    for seed in (1, 2):
        model = MLP(2, [6, 1], seed=0)
        history = fit(model, X, y, losses.hinge, optim.SGD(model.parameters(), lr=0.3),
                      epochs=5, seed=seed, progress=False)
        curves.append(history.step_objective)
    assert curves[0] == curves[1]
    assert all(math.isfinite(value) for value in curves[0])
