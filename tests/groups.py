"""Optional test groups: tests that need more than the ``test`` extra installs.

The README's test command installs the ``test`` extra: pytest, hypothesis,
ruff, and the ``demo`` and ``draw`` extras the everyday tests use. Each
group below needs something heavier; its tests call :func:`require`, which

* returns the module where the group is installed;
* skips the test otherwise, with a reason that names the group and the
  command that installs it — ``tests/conftest.py`` counts these skips and
  prints them at the end of the run, so no group is skipped silently;
* fails the test in CI (``CI=true``), where ``.ci/run`` installs every group.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from dataclasses import dataclass

import pytest

from autograd.extras import install_hint


@dataclass(frozen=True)
class Group:
    modules: tuple[str, ...]  # what must be importable
    enable: str  # the command that installs them


GROUPS = {
    "torch": Group(("torch",), "install PyTorch (its CPU build): .venv/bin/pip install torch"),
    "notebooks": Group(("nbclient", "nbformat", "ipykernel", "ipywidgets"),
                       install_hint("notebooks")),
    "native": Group(("ziglang",), install_hint("native")),
    "docs": Group(("sphinx", "myst_nb", "furo", "sphinxarg", "playwright"), install_hint("docs")),
}

REASON_PREFIX = "optional test group "


def missing(name: str) -> list[str]:
    """The modules of group ``name`` that are not installed."""
    return [module for module in GROUPS[name].modules if importlib.util.find_spec(module) is None]


def reason(name: str) -> str:
    """Why a test of group ``name`` does not run here, and how to run it."""
    return (f"{REASON_PREFIX}{name}: {', '.join(missing(name))} not installed; "
            f"{GROUPS[name].enable}")


def require(name: str, module: str | None = None, *, allow_module_level: bool = False):
    """The module ``module`` (default: the group's first) if group ``name`` is
    installed; else skip (fail in CI) with the group's reason."""
    if missing(name):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run every test group: {reason(name)}", pytrace=False)
        raise pytest.skip.Exception(reason(name), allow_module_level=allow_module_level)
    return importlib.import_module(module or GROUPS[name].modules[0])
