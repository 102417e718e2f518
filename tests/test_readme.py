"""The README stays true: its example runs, its op list is complete, and
CI runs its test command."""

import pathlib
import re

import pytest

from autograd import ops

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_row_of_the_table_is_listed():
    table = README.split("### Operations", 1)[1].split("###", 1)[0]
    missing = [row.name for row in ops.PRIMITIVES if f"`{row.name}`" not in table]
    assert not missing, f"README's Operations table lacks {missing}"


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"^# run the test suite\n(.+)$", README, flags=re.MULTILINE)
    assert len(commands) == 1
    assert commands[0] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_twenty_line_example_runs_and_prints_what_it_says(capsys):
    example = README.split("## Twenty lines", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    exec(compile(example, "README example", "exec"), {})  # our own README, not user input
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("1.0296527") and "0.4142334" in printed[0]
    assert printed[2] == "12.0"
    assert printed[4].startswith("(1.8936")


def test_compile_example_runs_as_written_and_takes_one_eager_step(capsys):
    section = README.split("## Compiling a training step", 1)[1]
    example = section.split("```python", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(compile(example, "README compile example", "exec"), namespace)  # our own README
    printed = float(capsys.readouterr().out)
    from nn import MLP, data, losses, optim  # the same step, eagerly
    X, y = data.make_moons(100, noise=0.1, seed=1337)
    y = [2 * label - 1 for label in y]
    model = MLP(2, [16, 16, 1], seed=1337)
    loss = losses.hinge([model(x) for x in X], y)
    assert printed == pytest.approx(loss.data, abs=1e-15) and "0.9032620" in example
    loss.backward()
    optim.SGD(model.parameters(), lr=1.0).step()
    assert namespace["model"].state_dict() == pytest.approx(model.state_dict(), abs=1e-14)
    assert "losses" not in namespace  # nn.losses is not shadowed


def test_parameter_groups_example_runs_and_prints_what_it_says(capsys):
    section = README.split("**Parameter groups and parameters without a gradient**", 1)[1]
    example = section.split("```python", 1)[1].split("```", 1)[0]
    exec(compile(example, "README parameter groups example", "exec"), {})  # our own README
    printed = capsys.readouterr().out.strip()
    assert printed == "[0.005, 0.005, 0.005] 1.0 False"
    assert f"# {printed}:" in example
