"""fit(..., engine="c") and chainrule train --engine c: an MLP's native
step (nn.native) trains as eager does to 1e-12; the traced native step
(any other model or loss) as the Python-compiled step does, bit for bit.
They need a C compiler (cc or $CC): without one they fail, not skip."""


import pytest

import nn
from nn import MLP, cli, fit, recipes

from .test_compiled import demo


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINRULE_NATIVE_CACHE", str(tmp_path / "cache"))


def test_demo_recipe_native_follows_the_eager_curve():
    (eager, eager_model), (native, native_model) = (
        demo(engine, epochs=20) for engine in ("eager", "c"))
    assert native.step_loss == pytest.approx(eager.step_loss, rel=1e-12, abs=0)
    assert native.step_data_loss == pytest.approx(eager.step_data_loss, rel=1e-12, abs=0)
    assert native.step_data_loss[-1] < native.step_data_loss[0] - 0.1
    assert native.step_loss[0] == pytest.approx(0.9128546778968707, rel=1e-15)
    assert native.step_accuracy == eager.step_accuracy
    assert native_model.state_dict() == pytest.approx(eager_model.state_dict(), abs=1e-12)


def test_fit_refuses_an_unknown_compile_choice():
    model = MLP(1, [1], seed=0)
    with pytest.raises(ValueError, match="compile must be False, True or 'c'"):
        fit(model, [[1.0]], [1.0], nn.losses.mse, nn.optim.SGD(model.parameters(), lr=0.1),
            epochs=1, progress=False, compile="fortran")


def test_train_engine_c_trains_the_same_model(tmp_path, capsys):
    paths = {engine: tmp_path / f"{engine}.json" for engine in ("python", "c")}
    common = ["train", "--dataset", "iris", "--hidden", "4", "--epochs", "3",
              "--batch-size", "30", "--out", str(tmp_path)]
    for engine, path in paths.items():
        assert cli.main([*common, "--engine", engine, "--save", str(path)]) == 0
    assert "native (C) engine" in capsys.readouterr().out
    python, native = (nn.load(path).state_dict() for path in paths.values())
    # NOTE: the native step traces each label's loss on its first row of the
    # data set, the Python step on its first row in a batch: cross_entropy's
    # shift by the largest logit differs between those traces by rounding.
    assert native == pytest.approx(python, rel=1e-12, abs=1e-15)
    assert native != MLP(4, [4, 3], seed=recipes.DEFAULT_SEED).state_dict()


def test_divergence_stops_natively_at_the_step_and_with_the_model_eager_stops_with():
    X, y = [[1.0], [2.0]], [1.0, -1.0]
    outcomes = []
    for engine in ("eager", "c"):
        model = MLP(1, [1], seed=0)
        with pytest.raises(FloatingPointError, match=r"step \d+") as raised:
            fit(model, X, y, nn.losses.mse, nn.optim.SGD(model.parameters(), lr=1e3),
                epochs=500, progress=False, seed=0, engine=engine)
        outcomes.append((str(raised.value), model.state_dict()))
    # the refused step is replayed eagerly: the same message, and the model of
    # the steps before it, native to 1e-12
    assert outcomes[1][0] == outcomes[0][0] and "step 1:" not in outcomes[1][0]
    assert outcomes[1][1] == pytest.approx(outcomes[0][1], rel=1e-12)


def test_a_domain_error_in_a_native_step_raises_as_eager_and_keeps_the_same_model():
    log_loss = lambda prediction, target: (prediction * target).log()  # noqa: E731
    X, y = [[1.0], [2.0]], [1.0, 1.0]
    outcomes = []
    for engine in ("eager", "c"):
        model = MLP(1, [1], seed=0)
        model.parameters()[0].data, model.parameters()[1].data = 1.0, 0.0  # fine at the start
        # lr 10: the first update pushes a prediction below 0, so step 2's log() fails
        with pytest.raises(ValueError, match=r"log\(\) needs a positive input") as raised:
            fit(model, X, y, log_loss, nn.optim.SGD(model.parameters(), lr=10.0), epochs=2,
                progress=False, seed=0, engine=engine)
        outcomes.append((str(raised.value), model.state_dict(), model.parameters()[0].data))
    assert outcomes[1] == outcomes[0]
    assert outcomes[1][2] != 1.0  # step 1's update was kept, step 2's never made


@pytest.mark.parametrize("loss, labels", [(nn.losses.hinge, [1, -1]), (nn.losses.mse, None)])
@pytest.mark.parametrize("as_function", [False, True], ids=["MLP kernels", "traces"])
def test_native_minibatches_match_the_python_compiled_step(loss, labels, as_function):
    # 23 rows in batches of 5: the last batch is smaller, and a label may
    # first appear in a later batch (its trace compiled mid-epoch). A loss
    # given as a plain function is not one of nn.losses: the traced native
    # step takes it, the same float operations as the Python-compiled step.
    X = [[0.1 * i, 1.0 - 0.07 * i] for i in range(23)]
    y = ([labels[i % 7 == 6] if i > 4 else labels[0] for i in range(23)] if labels
         else [0.5 * i - 3.0 for i in range(23)])
    runs = []
    for engine in ("python", "c"):
        model = MLP(2, [4, 1], seed=3)
        history = fit(model, X, y, (lambda p, t: loss(p, t)) if as_function else loss,
                      nn.optim.SGD(model.parameters(), lr=0.05), epochs=4, batch_size=5,
                      progress=False, seed=1, l2=1e-3, engine=engine)
        runs.append((history.step_loss, history.step_accuracy, model.state_dict()))
    if as_function:
        assert runs[1][:2] == runs[0][:2] and runs[1][2] == runs[0][2]
    else:
        assert runs[1][0] == pytest.approx(runs[0][0], rel=1e-12, abs=0)
        assert runs[1][2] == pytest.approx(runs[0][2], rel=1e-12, abs=1e-15)
    assert len(runs[0][0]) == 4 * 5 and runs[0][0][-1] < runs[0][0][0]


@pytest.mark.parametrize("make_optimizer", [
    lambda ps: nn.optim.SGD(ps, lr=0.1, maximize=True),
    lambda ps: nn.optim.SGD(ps[:3], lr=0.1),  # the other parameters must stay put
    lambda ps: nn.optim.SGD([{"params": ps[:3]}, {"params": ps[3:], "lr": 0.01}], lr=0.1),
], ids=["maximize", "part of the model", "two learning rates"])
def test_sgd_the_c_update_cannot_take_trains_as_eager(make_optimizer):
    # NOTE: the C update is p - lr · grad for every parameter, one lr: without
    # native_update's checks, maximize would descend and unoptimized parameters move.
    X, y = [[0.5, -1.0], [1.5, 0.25], [-0.5, 2.0]], [1.0, -1.0, 1.0]
    trained = []
    for engine in ("eager", "c"):
        model = MLP(2, [3, 1], seed=0)
        optimizer = make_optimizer(model.parameters())
        assert optimizer.native_update(model.parameters()) is None
        fit(model, X, y, nn.losses.mse, optimizer, epochs=3, progress=False, seed=0,
            engine=engine)
        trained.append(model.state_dict())
    assert trained[1] == pytest.approx(trained[0], abs=1e-12)
    assert trained[0] != MLP(2, [3, 1], seed=0).state_dict()


def test_sgd_groups_alike_still_take_the_native_step():
    model = MLP(2, [3, 1], seed=0)
    ps = model.parameters()
    alike = nn.optim.SGD([{"params": ps[:3]}, {"params": ps[3:]}], lr=0.1)
    assert alike.native_update(ps) is not None
