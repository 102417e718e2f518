"""Nothing lost, nothing silent (issue 10): each case here failed before.

An update cut short leaves the model and the optimizer as they were; a
model file is refused by save exactly when load would refuse it; saving
follows links, keeps modes and refuses what is not a file; fit names the
argument that is wrong; Ctrl-C in fit and in `chainrule train` stops with
the model of the last whole step.
"""

import math
import os
import stat
import time

import numpy as np
import pytest

from autograd import gradcheck
from nn import MLP, cli, data, fit, load, losses, optim, save
from nn.schedules import StepDecay
from nn.training import TrainingInterrupted


def moons(n=20):
    X, labels = data.make_moons(n, noise=0.1, seed=0)
    return X, [2 * label - 1 for label in labels]


# ---- an update is all or nothing ------------------------------------------------


class InterruptedSGD(optim.SGD):
    """SGD whose update of the parameter at ``position`` is cut by Ctrl-C."""

    def __init__(self, params, lr, position):
        super().__init__(params, lr=lr, momentum=0.9)
        self.position, self.calls = position, 0

    def update(self, value, grad, state, group):
        self.calls += 1
        if self.calls == self.position:
            raise KeyboardInterrupt
        return super().update(value, grad, state, group)


def test_ctrl_c_in_the_middle_of_step_changes_no_parameter_and_no_state():
    model = MLP(2, [3, 1], seed=0)
    optimizer = InterruptedSGD(model.parameters(), lr=0.1, position=17)  # in the 2nd step
    for parameter in model.parameters():
        parameter.grad = 0.5
    optimizer.step()  # 13 parameters: a whole step, momentum buffers made
    data_before = [p.data for p in model.parameters()]
    state_before = {p: dict(s) for p, s in optimizer.state.items()}
    with pytest.raises(KeyboardInterrupt):
        optimizer.step()  # stops at the 4th parameter of this step
    assert [p.data for p in model.parameters()] == data_before
    assert optimizer.state == state_before
    assert all(state["momentum_buffer"] == 0.5 for state in optimizer.state.values())


@pytest.mark.parametrize("optimizer_class", [optim.Adam, optim.AdamW, optim.RMSprop])
def test_eps_zero_is_refused_when_the_optimizer_is_made(optimizer_class):
    # before: ZeroDivisionError at the first zero gradient, some parameters moved
    with pytest.raises(ValueError, match=r"eps must be a finite number > 0 .*got 0"):
        optimizer_class(MLP(2, [1], seed=0).parameters(), eps=0)


# ---- model files ----------------------------------------------------------------


def test_save_refuses_a_non_finite_parameter_by_name_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "model.json"
    model = MLP(2, [3, 1], seed=0)
    save(model, path)
    good = path.read_bytes()
    model.layers[0].neurons[1].w[1].data = math.inf
    with pytest.raises(ValueError, match=r"parameter layer0\.neuron1\.w1 .*got inf"):
        save(model, path)
    assert path.read_bytes() == good
    assert load(path).state_dict() == MLP(2, [3, 1], seed=0).state_dict()


@pytest.mark.parametrize("hidden", [[1] * 65, [8000]])
def test_what_save_writes_load_reads(tmp_path, hidden):
    # before: both saved, and load refused them (at most 64 layers, width 4096)
    model = MLP(2, [*hidden, 1], seed=0)
    save(model, tmp_path / "model.json")
    assert load(tmp_path / "model.json").state_dict() == model.state_dict()


def test_save_and_load_share_the_parameter_limit(tmp_path, monkeypatch):
    monkeypatch.setattr("nn.serialization.MAX_PARAMETERS", 12)
    with pytest.raises(ValueError, match="13 parameters; the limit is 12"):
        save(MLP(2, [3, 1], seed=0), tmp_path / "model.json")
    assert not (tmp_path / "model.json").exists()


def test_a_file_of_many_junk_keys_is_refused_quickly(tmp_path):
    # before: the duplicate-key check was quadratic (100k keys: minutes)
    path = tmp_path / "junk.json"
    path.write_text('{"format": "chainrule.mlp", "parameters": {'
                    + ", ".join(f'"k{i}": 0' for i in range(200_000)) + "}}")
    started = time.perf_counter()
    with pytest.raises(ValueError, match="exactly the keys"):
        load(path)
    assert time.perf_counter() - started < 10  # a hang guard, not a benchmark


def test_save_through_a_link_writes_its_target_and_keeps_the_mode(tmp_path):
    target, link = tmp_path / "real.json", tmp_path / "link.json"
    save(MLP(2, [1], seed=0), target)
    os.chmod(target, 0o600)
    link.symlink_to(target)
    save(MLP(2, [1], seed=1), link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert load(target).state_dict() == MLP(2, [1], seed=1).state_dict()


@pytest.mark.parametrize("path, message", [
    ("", "the path is empty"),
    ("newdir/", "it names a folder; give a file name in it"),
    (".", "it is a folder"),
    ("/dev/null", "not a regular file"),
    ("model.json/inner.json", "a part of its folder is a file"),
])
def test_save_path_errors_name_the_path_and_the_fix(tmp_path, monkeypatch, path, message):
    monkeypatch.chdir(tmp_path)
    save(MLP(2, [1], seed=0), "model.json")
    with pytest.raises(OSError, match=message):
        save(MLP(2, [1], seed=1), path)
    assert load("model.json").state_dict() == MLP(2, [1], seed=0).state_dict()
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")


def test_disk_full_names_the_path_and_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    save(MLP(2, [1], seed=0), path)

    def full(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match=f"cannot write {path}: No space left on device; "
                                      f"the old file is unchanged"):
        save(MLP(2, [1], seed=1), path)
    monkeypatch.undo()
    assert load(path).state_dict() == MLP(2, [1], seed=0).state_dict()
    assert os.listdir(tmp_path) == ["model.json"]  # the temporary file removed


def test_a_killed_save_s_leftover_is_removed_by_the_next_save(tmp_path):
    leftover = tmp_path / ".model.json.0123456789ab.tmp"
    leftover.write_bytes(b"x" * 1000)
    os.utime(leftover, (0, 0))  # from long ago
    fresh = tmp_path / ".model.json.ba9876543210.tmp"
    fresh.write_bytes(b"a save running now")
    save(MLP(2, [1], seed=0), tmp_path / "model.json")
    assert sorted(os.listdir(tmp_path)) == [fresh.name, "model.json"]


def test_a_numpy_parameter_is_saved_as_a_float(tmp_path):
    model = MLP(2, [1], seed=0)
    model.layers[0].neurons[0].b.data = np.float32(0.25)
    save(model, tmp_path / "model.json")
    assert load(tmp_path / "model.json").layers[0].neurons[0].b.data == 0.25


# ---- fit names what is wrong ------------------------------------------------------


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


@pytest.mark.parametrize("make, message", [
    (lambda model: optim.SGD(None, lr=0.1),
     r"SGD\(model.parameters\(\), \.\.\.\), or a list of parameter groups.*; got NoneType"),
    (lambda model: optim.SGD(model, lr=0.1),
     r"SGD\(model.parameters\(\), \.\.\.\), or a list of parameter groups.*; got MLP"),
])
def test_an_optimizer_without_parameters_says_how_to_pass_them(make, message):
    with pytest.raises(TypeError, match=message):
        make(MLP(2, [1], seed=0))


@pytest.mark.parametrize("step", [math.inf, math.nan])
def test_adam_state_with_a_non_finite_step_is_refused(step):
    optimizer = optim.Adam(MLP(2, [1], seed=0).parameters())
    state = optimizer.state_dict()
    state["state"][0] = {"step": step}
    with pytest.raises(ValueError, match="'step' must be a whole number >= 1"):
        optimizer.load_state_dict(state)


def test_step_decay_refuses_a_growing_rate():
    # before: gamma=10 overflowed at step 3100 with "int too large to convert to float"
    with pytest.raises(ValueError, match=r"gamma must be a finite number in \(0, 1\], got 10"):
        StepDecay(0.1, 100, gamma=10)


@pytest.mark.parametrize("eps", [0, -1e-6, math.nan])
def test_gradcheck_refuses_a_step_that_is_not_positive(eps):
    with pytest.raises(ValueError, match="eps must be a small number > 0"):
        gradcheck(lambda x: x * x, [1.0], eps=eps)


# ---- Ctrl-C ----------------------------------------------------------------------


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


def test_train_checks_the_save_path_before_training(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert cli.main(["train", "--save", str(blocker / "model.json")]) == 2
    printed = capsys.readouterr()
    assert "a part of its folder is a file" in printed.err
    assert "after training" not in printed.out  # no training happened
    with pytest.raises(SystemExit):
        cli.main(["train", "--save", ""])
    assert "the path is empty" in capsys.readouterr().err


def test_train_warns_with_an_estimate_before_an_hours_long_run(monkeypatch, capsys):
    from nn.cli import train as train_command

    model = MLP(2, [1024, 1024, 1], seed=0)
    train_command._warn_if_slow(model, 100, 100, "eager")
    err = capsys.readouterr().err
    # 2*1024 + 1024*1024 + 1024 multiply-adds, 100 examples, 100 updates, 2.5 µs each
    assert "1,051,648 multiply-adds per example" in err
    assert f"about {2.5e-6 * 1_051_648 * 100 * 100 / 3600:.1f} hours" in err
    train_command._warn_if_slow(MLP(2, [16, 16, 1]), 100, 100, "eager")
    assert capsys.readouterr().err == ""


# ---- data --------------------------------------------------------------------------


def test_standardize_names_a_ragged_row():
    # before: zip() dropped the second column without a word
    with pytest.raises(ValueError, match="row 0 has 2 values, row 2 has 1"):
        data.standardize([[1.0, 2.0], [3.0, 4.0], [5.0]])


def test_standardize_names_a_nan_cell():
    # before: AttributeError from inside statistics
    with pytest.raises(ValueError, match=r"X\[1\]\[0\] is nan"):
        data.standardize([[1.0, 2.0], [math.nan, 4.0]])


def test_standardize_by_hand():
    # columns (1, 3) and (10, 10): mean 2 and spread 1; constant 10 only shifted
    assert data.standardize(np.array([[1.0, 10.0], [3.0, 10.0]])) == [[-1.0, 0.0], [1.0, 0.0]]
