"""autograd.extras: every install hint is the README's own command, for a real extra."""

import pathlib

from autograd.extras import install_hint

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_the_hint_is_the_readme_command_for_an_extra_pyproject_declares():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for extra in ("demo", "draw", "notebooks", "native", "torch", "browser", "docs"):
        hint = install_hint(extra)
        assert hint == f'install the {extra} extra: .venv/bin/pip install -e ".[{extra}]"'
        assert f"\n{extra} = [" in pyproject
    assert '.venv/bin/pip install -e ".[demo]"' in readme
