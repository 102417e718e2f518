"""The chainrule command: the default recipe reaches 100%, options work,
bad options are argparse errors, and subcommands are easy to add."""

import importlib.util
import subprocess
import sys
import types

import pytest

import nn
from nn import MLP, cli, evaluate
from nn.cli import train as train_command

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_default_recipe_reaches_100_percent_and_writes_plots_and_model(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    model_path = tmp_path / "model.json"
    assert cli.main(["train", "--out", str(tmp_path), "--save", str(model_path)]) == 0
    printed = capsys.readouterr()
    assert "moons: 100 examples" in printed.out and "100 updates; eager engine" in printed.out
    assert "accuracy 100.0%" in printed.out
    assert "epoch=100/100" in printed.err  # the progress bar
    for name in ("moons_loss.png", "moons_decision_boundary.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG_SIGNATURE)
    # the saved model really classifies the default data perfectly
    X, y = train_command.TASKS["moons"].load(train_command.DEFAULT_SEED)
    assert evaluate(nn.load(model_path), X, y, train_command.TASKS["moons"].loss)[1] == 1.0


def test_compile_trains_the_same_model_with_the_compiled_engine(tmp_path, capsys):
    paths = {engine: tmp_path / f"{engine}.json" for engine in ("eager", "compiled")}
    common = ["train", "--dataset", "iris", "--hidden", "4", "--epochs", "3",
              "--batch-size", "30", "--out", str(tmp_path)]
    assert cli.main([*common, "--save", str(paths["eager"])]) == 0
    assert "; eager engine" in capsys.readouterr().out
    assert cli.main([*common, "--compile", "--save", str(paths["compiled"])]) == 0
    printed = capsys.readouterr().out
    assert "15 updates; compiled engine" in printed and "final loss" in printed
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
    assert "adam lr 0.05" in out and "50 examples per update, 9 updates" in out
    assert "final loss" in out
    # four features: a loss curve but no decision boundary
    assert [p.name for p in (tmp_path / "plots").iterdir()] == ["iris_loss.png"]


def test_without_matplotlib_it_says_so_in_one_line(tmp_path, capsys, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else find_spec(name, *a))
    assert cli.main(["train", "--epochs", "1", "--hidden", "", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == 'matplotlib is not installed: no plots (pip install "chainrule[demo]")'
    assert list(tmp_path.iterdir()) == []


def test_divergence_is_reported_with_exit_status_1(tmp_path, capsys):
    assert cli.main(["train", "--lr", "1e300", "--hidden", "2", "--out", str(tmp_path)]) == 1
    assert "training stopped at epoch" in capsys.readouterr().err


def test_an_unwritable_save_path_is_reported_with_exit_status_1(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")  # a file where the path needs a folder
    code = cli.main(["train", "--epochs", "1", "--hidden", "2", "--out", str(tmp_path),
                     "--save", str(blocker / "model.json")])
    assert code == 1
    assert "cannot save the model" in capsys.readouterr().err


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
    monkeypatch.setattr(cli, "COMMANDS", [*cli.COMMANDS, hello])
    assert cli.main(["hello", "--name", "chainrule"]) == 0
    assert capsys.readouterr().out == "hello chainrule\n"
    assert "train" in cli.build_parser().format_help()


def test_python_dash_m_nn_runs_the_command():
    result = subprocess.run([sys.executable, "-m", "nn", "train", "--help"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "--dataset {moons,circles,blobs,iris}" in result.stdout


def test_unwritable_plots_keep_the_saved_model(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    saved = tmp_path / "model.json"
    code = cli.main(["train", "--epochs", "1", "--hidden", "2", "--out", str(blocker / "plots"),
                     "--save", str(saved)])
    assert code == 1
    assert "cannot write the plots" in capsys.readouterr().err
    assert saved.exists()
