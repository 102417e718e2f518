"""The chainrule command: the default recipe reaches 100%, options work,
bad options are argparse errors, and subcommands are easy to add."""

import importlib.util
import pathlib
import re
import subprocess
import sys
import types

import pytest

import nn
from nn import MLP, cli, evaluate, losses
from nn.cli import train as train_command

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_default_recipe_reaches_100_percent_and_writes_plots_and_model(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    model_path = tmp_path / "model.json"
    assert cli.main(["train", "--out", str(tmp_path), "--save", str(model_path)]) == 0
    printed = capsys.readouterr()
    assert "moons: 100 examples" in printed.out and "100 updates; eager engine" in printed.out
    assert "sgd lr 1 -> 0.1; 100 examples per update" in printed.out
    assert "training accuracy 100.0%" in printed.out
    # the progress bar: the last batch's data loss and objective, both named
    last_bar = printed.err.split("\r")[-1]
    assert re.search(r"epoch=100/100, hinge=[\d.e-]+, objective=[\d.e-]+, accuracy=100%",
                     last_bar)
    for name in ("moons_loss.png", "moons_decision_boundary.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG_SIGNATURE)
    # the saved model really classifies the default data perfectly, and the
    # printed numbers are its loss and objective, to four significant digits
    X, y = train_command.TASKS["moons"].load(train_command.DEFAULT_SEED)
    model = nn.load(model_path)
    loss, accuracy = evaluate(model, X, y, losses.hinge)
    penalty = 1e-4 * sum(p.data ** 2 for p in model.parameters())
    assert accuracy == 1.0 and 1e-5 < loss < 1e-3 and penalty > 10 * loss
    assert (f"after training: hinge loss {loss:.4g}, training accuracy 100.0% on the 100 "
            f"training examples") in printed.out
    assert "held out" not in printed.out and "test accuracy" not in printed.out
    assert (f"objective minimised (hinge + 0.0001·Σp²): {loss + penalty:.4g} = hinge "
            f"{loss:.4g} + L2 {penalty:.4g}") in printed.out
    assert "0.0000" not in printed.out


def test_compile_trains_the_same_model_with_the_compiled_engine(tmp_path, capsys):
    paths = {engine: tmp_path / f"{engine}.json" for engine in ("eager", "compiled")}
    common = ["train", "--dataset", "iris", "--hidden", "4", "--epochs", "3",
              "--batch-size", "30", "--out", str(tmp_path)]
    assert cli.main([*common, "--save", str(paths["eager"])]) == 0
    assert "; eager engine" in capsys.readouterr().out
    assert cli.main([*common, "--engine", "python", "--save", str(paths["compiled"])]) == 0
    printed = capsys.readouterr().out
    assert "15 updates; compiled Python engine" in printed
    assert "after training: cross_entropy loss" in printed
    eager, compiled = (nn.load(path).state_dict() for path in paths.values())
    assert compiled == pytest.approx(eager, abs=1e-12)
    assert compiled != MLP(4, [4, 3], seed=train_command.DEFAULT_SEED).state_dict()  # it trained


def test_other_dataset_optimizer_and_batch_size(tmp_path, capsys):
    code = cli.main(["train", "--dataset", "iris", "--hidden", "4", "--optimizer", "adam",
                     "--batch-size", "50", "--epochs", "3", "--activation", "tanh",
                     "--out", str(tmp_path / "plots")])
    assert code == 0
    out = capsys.readouterr().out
    assert "iris: 150 examples; MLP(4 → 4 tanh → 3 linear, 35 parameters)" in out
    # the default rate scales with the square root of the batch: 0.05 * sqrt(50 / 150)
    assert "adam lr 0.0289 -> 0.00289" in out and "50 examples per update, 9 updates" in out
    assert "after training: cross_entropy loss" in out
    # four features: a loss curve but no decision boundary
    assert [p.name for p in (tmp_path / "plots").iterdir()] == ["iris_loss.png"]


def test_without_matplotlib_it_says_so_in_one_line(tmp_path, capsys, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else find_spec(name, *a))
    assert cli.main(["train", "--epochs", "1", "--hidden", "", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == ('matplotlib is not installed: no plots (install the demo extra: '
                         '.venv/bin/pip install -e ".[demo]")')
    assert list(tmp_path.iterdir()) == []


def test_divergence_is_reported_with_exit_status_1(tmp_path, capsys):
    assert cli.main(["train", "--lr", "1e300", "--hidden", "2", "--out", str(tmp_path)]) == 1
    assert "training stopped at epoch" in capsys.readouterr().err


def test_a_finite_but_exploding_objective_is_divergence_too(tmp_path, capsys):
    # lr 10: the weights blow up (the L2 term reaches 1e7) while no loss overflows
    code = cli.main(["train", "--lr", "10", "--engine", "python", "--out", str(tmp_path)])
    printed = capsys.readouterr()
    assert code == 1
    objective = float(re.search(r"objective minimised \(.*?\): (\S+) =", printed.out)[1])
    assert objective > 1e6
    assert (f"chainrule train: error: training diverged: the objective grew from 0.9129 before "
            f"training to {objective:.4g} after it; the learning rate is too large: "
            f"try --lr 1") in printed.err
    assert not (tmp_path / "moons_loss.png").exists()


def test_a_dead_network_gets_a_warning_that_says_why_and_what_to_try(tmp_path, capsys):
    # the trap: stochastic descent at the full batch's rate kills every ReLU
    code = cli.main(["train", "--batch-size", "1", "--lr", "1", "--engine", "python",
                     "--out", str(tmp_path)])
    printed = capsys.readouterr()
    assert code == 0 and "accuracy 50.0%" in printed.out
    assert "1 example per update, 10000 updates" in printed.out  # one example, not "examples"
    warning = printed.err.splitlines()[-1]
    assert warning.startswith("chainrule train: warning: the network gives the same output")
    assert "for all 100 examples" in warning and "dead ReLUs" in warning
    assert warning.endswith("try --lr 0.1, or a larger --batch-size")


@pytest.mark.parametrize("batch_size, rate", [(1, "0.1"), (10, "0.316")])
def test_stochastic_and_mini_batch_descent_learn_with_the_default_rate(batch_size, rate,
                                                                       tmp_path, capsys):
    code = cli.main(["train", "--batch-size", str(batch_size), "--engine", "python",
                     "--out", str(tmp_path)])
    printed = capsys.readouterr()
    assert code == 0 and "warning" not in printed.err
    assert f"sgd lr {rate} -> " in printed.out
    accuracy = float(re.search(r"accuracy ([\d.]+)%", printed.out)[1])
    assert accuracy >= 99.0


def test_default_learning_rate_scales_with_the_square_root_of_the_batch():
    rate = train_command.default_learning_rate
    assert rate(1.0, 100, 100) == 1.0 and rate(1.0, 1, 100) == pytest.approx(0.1)
    assert rate(0.05, 25, 100) == pytest.approx(0.025)


def test_plots_go_to_a_folder_git_ignores_by_default(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "--epochs", "1", "--hidden", "2"]) == 0
    assert "wrote plots/moons_loss.png, plots/moons_decision_boundary.png" in (
        capsys.readouterr().out)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["plots"]
    ignored = (pathlib.Path(__file__).parents[3] / ".gitignore").read_text().splitlines()
    assert f"{train_command.PLOTS_FOLDER}/" in ignored


def test_version_is_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    project = tomllib.loads(
        (pathlib.Path(__file__).parents[3] / "pyproject.toml").read_text())["project"]
    assert capsys.readouterr().out == f"chainrule {project['version']}\n"


def test_a_save_that_fails_after_training_is_reported_with_exit_status_1(
        tmp_path, capsys, monkeypatch):
    # (a path that is bad from the start is refused before training: test_hostile_input)
    def disk_full(model, path):
        raise OSError(28, f"cannot write {path}: No space left on device")

    monkeypatch.setattr(train_command, "save", disk_full)
    code = cli.main(["train", "--epochs", "1", "--hidden", "2", "--out", str(tmp_path),
                     "--save", str(tmp_path / "model.json")])
    assert code == 1
    assert "cannot save the model: [Errno 28] cannot write" in capsys.readouterr().err


@pytest.mark.parametrize("options", [
    ["--dataset", "mnist"],
    ["--hidden", "16,x"],
    ["--hidden", "0"],
    ["--hidden", "16,,16"],
    ["--lr", "-1"],
    ["--lr", "nan"],
    ["--batch-size", "0"],
    ["--epochs", "1.5"],
    ["--optimizer", "lbfgs"],
    ["--activation", "swish"],
    ["--test-share", "0"],
    ["--test-share", "1"],
    ["--test-share", "20%"],
    ["--seed", "x"],
    ["--no-such-option"],
])
def test_bad_options_are_argparse_errors(options, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", *options])
    assert exit_.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_no_subcommand_prints_help(capsys):
    assert cli.main([]) == 0
    assert "train" in capsys.readouterr().out


def test_a_subcommand_is_one_module(monkeypatch, capsys):
    def add_subcommand(subcommands):
        parser = subcommands.add_parser("hello", help="say hello")
        parser.add_argument("--name", default="world")
        parser.set_defaults(run=lambda args: print(f"hello {args.name}") or 0)

    hello = types.ModuleType("hello")
    hello.add_subcommand = add_subcommand
    monkeypatch.setitem(sys.modules, "nn.cli.hello", hello)
    monkeypatch.setattr(cli, "COMMANDS", [*cli.COMMANDS, "hello"])
    assert cli.main(["hello", "--name", "chainrule"]) == 0
    assert capsys.readouterr().out == "hello chainrule\n"
    assert "train" in cli.build_parser().format_help()


def test_python_dash_m_nn_runs_the_command():
    result = subprocess.run([sys.executable, "-m", "nn", "train", "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "--dataset {moons,circles,blobs,iris,surface}" in result.stdout


def test_unwritable_plots_keep_the_saved_model(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    saved = tmp_path / "model.json"
    code = cli.main(["train", "--epochs", "1", "--hidden", "2", "--out", str(blocker / "plots"),
                     "--save", str(saved)])
    assert code == 1
    assert "cannot write the plots" in capsys.readouterr().err
    assert saved.exists()


@pytest.mark.parametrize("name, what", [
    ("log", "a function of the op table, but not one for hidden layers"),
    ("acosh", "a function of the op table, but not one for hidden layers"),
    ("step", "a function of the op table, but not one for hidden layers"),
    ("swish", "not an activation"),
])
def test_an_activation_for_no_hidden_layer_is_refused_naming_the_good_ones(name, what, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", "--activation", name])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --activation: '{name}' is {what}: hidden layers take relu, tanh, " \
           f"sigmoid, softplus" in err
    assert "Traceback" not in err and err.rstrip().splitlines()[-1].startswith(
        "chainrule train: error: argument --activation")


def test_the_help_offers_only_the_hidden_layer_activations(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    out = capsys.readouterr().out
    assert "--activation {relu,tanh,sigmoid,softplus}" in out and "acosh" not in out


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "softplus"])
def test_every_offered_activation_trains(name, tmp_path, capsys):
    assert cli.main(["train", "--activation", name, "--epochs", "2", "--hidden", "4",
                     "--out", str(tmp_path)]) == 0
    assert f"MLP(2 → 4 {name} → 1 linear" in capsys.readouterr().out


def test_test_share_trains_on_the_rest_and_reports_the_held_out_examples(tmp_path, capsys):
    model_path = tmp_path / "model.json"
    assert cli.main(["train", "--test-share", "0.2", "--out", str(tmp_path),
                     "--save", str(model_path)]) == 0
    out = capsys.readouterr().out
    assert "moons: 80 training examples, 20 held out for testing;" in out
    assert "80 examples per update, 100 updates" in out
    # the held-out rows, drawn from the seed, and the saved model's numbers on them
    X, y = train_command.TASKS["moons"].load(train_command.DEFAULT_SEED)
    X_train, X_test, y_train, y_test = nn.data.train_test_split(
        X, y, 0.2, seed=train_command.DEFAULT_SEED)
    model = nn.load(model_path)
    train_loss, train_accuracy = evaluate(model, X_train, y_train, losses.hinge)
    test_loss, test_accuracy = evaluate(model, X_test, y_test, losses.hinge)
    assert (f"after training: hinge loss {train_loss:.4g}, training accuracy "
            f"{train_accuracy:.1%} on the 80 training examples") in out
    assert (f"held out: hinge loss {test_loss:.4g}, test accuracy {test_accuracy:.1%} on the "
            f"20 examples it never trained on") in out
    assert test_accuracy >= 0.9  # moons generalise: the held-out points are mostly right


def test_a_test_share_that_leaves_nothing_to_train_on_is_refused(capsys):
    assert cli.main(["train", "--dataset", "iris", "--test-share", "0.999"]) == 2
    assert "--test-share: test_share 0.999 of 150 rows leaves no row to train on" in \
        capsys.readouterr().err


def test_the_time_estimate_counts_each_example_once_an_epoch_whatever_the_batch():
    model = MLP(2, [16, 16, 1])
    full, stochastic = (train_command.estimated_seconds(model, 100, 100, batch_size)
                        for batch_size in (100, 1))
    # `chainrule train --batch-size 1` (the default recipe) took 11.8 s of processor
    # time on the 2-core machine the constants were measured on, plots included: the
    # estimate is within a factor of two of it
    assert 11.8 / 2 < stochastic < 11.8 * 2
    # smaller batches add only the cost of more updates: 9,900 more, each touching
    # every one of the 337 parameters
    extra = 9_900 * (337 * train_command.EAGER_SECONDS_PER_PARAMETER_UPDATE
                     + train_command.EAGER_SECONDS_PER_UPDATE)
    assert stochastic - full == pytest.approx(extra)
    assert stochastic < train_command.SLOW_RUN_SECONDS  # no warning for a 16 s run


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


def test_train_warns_with_an_estimate_before_an_hours_long_run(capsys):
    model = MLP(2, [1024, 1024, 1], seed=0)
    train_command.warn_if_slow(model, 100, 100, 100, "eager")
    err = capsys.readouterr().err
    # 2*1024 + 1024*1024 + 1024 multiply-adds and 1,053,697 parameters; 100 epochs of
    # 100 examples, one full-batch update each, at the measured costs
    assert "1,051,648 multiply-adds per example" in err
    hours = (100 * 100 * (train_command.EAGER_SECONDS_PER_MULTIPLY_ADD * 1_051_648
                          + train_command.EAGER_SECONDS_PER_EXAMPLE)
             + 100 * (train_command.EAGER_SECONDS_PER_PARAMETER_UPDATE * 1_053_697
                      + train_command.EAGER_SECONDS_PER_UPDATE)) / 3600
    assert f"100 epochs over 100 examples take about {hours:.1f} hours" in err
    train_command.warn_if_slow(model, 100, 100, 100, "python")
    train_command.warn_if_slow(MLP(2, [16, 16, 1]), 100, 100, 100, "eager")
    assert capsys.readouterr().err == ""  # compiled, or a short run: no warning


def test_the_surface_is_a_regression_task_without_accuracy(tmp_path, capsys):
    model_path = tmp_path / "model.json"
    assert cli.main(["train", "--dataset", "surface", "--epochs", "60", "--engine", "python",
                     "--test-share", "0.2", "--out", str(tmp_path),
                     "--save", str(model_path)]) == 0
    printed = capsys.readouterr().out
    assert "sgd lr 0.05 -> 0.005" in printed  # sgd's rate times the task's 0.05
    assert "accuracy" not in printed.replace("loss and accuracy", "")
    X, y = train_command.TASKS["surface"].load(train_command.DEFAULT_SEED)
    loss = evaluate(nn.load(model_path), X, y, losses.mse)[0]
    start = evaluate(MLP(2, [16, 16, 1], seed=train_command.DEFAULT_SEED), X, y, losses.mse)[0]
    assert loss < 0.1 * start and loss < 0.1
    assert not (tmp_path / "surface_decision_boundary.png").exists()


def test_features_become_the_networks_inputs(tmp_path, capsys):
    # circles without a hidden layer: a line in (x, y) cannot part them, one in
    # (x, y, x², y²) can (a circle in the plane)
    model_path = tmp_path / "model.json"
    common = ["train", "--dataset", "circles", "--hidden", "", "--engine", "python",
              "--out", str(tmp_path), "--save", str(model_path)]
    assert cli.main(common) == 0
    assert "training accuracy 100.0%" not in capsys.readouterr().out
    assert cli.main([*common, "--features", "x2,y,y2,x"]) == 0
    printed = capsys.readouterr().out
    assert "training accuracy 100.0%" in printed
    model = nn.load(model_path)
    assert model.nin == 4
    X, y = train_command.TASKS["circles"].load(train_command.DEFAULT_SEED)
    rows = nn.data.with_features(X, ["x", "y", "x2", "y2"])  # the table's order
    assert evaluate(model, rows, y, losses.hinge)[1] == 1.0
    if importlib.util.find_spec("matplotlib"):  # drawn over the plane (x, y)
        boundary = tmp_path / "circles_decision_boundary.png"
        assert boundary.read_bytes().startswith(PNG_SIGNATURE)


@pytest.mark.parametrize("arguments, message", [
    (["--features", "x,cos"], "argument --features: there is no input feature 'cos'"),
    (["--features", "x,x"], "argument --features: features name x more than once"),
    (["--features", ""], "argument --features: features must name at least one input"),
    (["--dataset", "iris", "--features", "x,y"], "--features: iris has 4 inputs"),
])
def test_bad_features_are_refused(arguments, message, capsys, tmp_path):
    try:
        code = cli.main(["train", *arguments, "--out", str(tmp_path)])
    except SystemExit as exit:
        code = exit.code
    assert code == 2
    assert message in capsys.readouterr().err
