"""The README stays true: its example runs, its op list is complete, and
CI runs its test command."""

import pathlib
import re

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
