"""What to install for an optional feature, in the words of the README's set-up.

The runtime needs nothing beyond the standard library; drawing, plots and
notebooks need the extras of ``pyproject.toml`` (``draw``, ``demo``,
``notebooks``). Every "not installed" message names its extra with
:func:`install_hint`, so they all read alike and match the README.
"""

from __future__ import annotations


def install_hint(extra: str) -> str:
    """``install the draw extra: .venv/bin/pip install -e ".[draw]"`` (the README's form)."""
    return f'install the {extra} extra: .venv/bin/pip install -e ".[{extra}]"'
