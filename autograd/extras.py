"""What to install for an optional feature, in the words of the README's set-up.

The runtime needs nothing beyond the standard library; drawing, plots and
notebooks need the extras of ``pyproject.toml`` (``draw``, ``demo``,
``notebooks``). Every "not installed" message names its extra with
:func:`install_hint`, so they all read alike and match the README.
"""

from __future__ import annotations

from pathlib import Path

# A source checkout has pyproject.toml beside the autograd package; an
# installed wheel has site-packages there.
_CHECKOUT = (Path(__file__).resolve().parent.parent / "pyproject.toml").is_file()


def install_hint(extra: str) -> str:
    """How to install ``extra`` where chainrule runs from: in a clone the
    README's form, ``install the draw extra: .venv/bin/pip install -e
    ".[draw]"``; installed from a wheel, ``install the draw extra: python
    -m pip install "chainrule[draw]"``."""
    if _CHECKOUT:
        return f'install the {extra} extra: .venv/bin/pip install -e ".[{extra}]"'
    return f'install the {extra} extra: python -m pip install "chainrule[{extra}]"'
