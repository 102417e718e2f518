"""The README's set-up stays true: CI runs its test command word for word.

(Its examples are run with every page's by ``tests/docs/test_examples.py``.)
"""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"^# run the test suite\n(.+)$", README, flags=re.MULTILINE)
    assert len(commands) == 1
    assert commands[0] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_readme_fits_two_screens():
    assert len(README.splitlines()) <= 150
