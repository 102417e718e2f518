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
import shutil
from dataclasses import dataclass

import pytest

from autograd.extras import install_hint


@dataclass(frozen=True)
class Group:
    modules: tuple[str, ...]  # what must be importable
    enable: str  # the command that installs them
    programs: tuple[tuple[str, ...], ...] = ()  # each: a program on PATH, by any of its names


GROUPS = {
    "torch": Group(("torch",), f"{install_hint('torch')} (its CPU build is enough)"),
    "notebooks": Group(("nbclient", "nbformat", "ipykernel", "ipywidgets"),
                       install_hint("notebooks")),
    "native": Group(("ziglang",), install_hint("native")),
    "browser": Group(("playwright",), f"{install_hint('browser')}, and Chromium (Debian: "
                     "apt-get install chromium)", programs=(("chromium", "chromium-browser"),)),
    "docs": Group(("sphinx", "myst_nb", "furo", "sphinxarg", "mathjax"), install_hint("docs")),
}

# Looked up at import, before a fixture empties PATH to hide a system `dot`.
FOUND = {name: shutil.which(name) for group in GROUPS.values()
         for names in group.programs for name in names}

REASON_PREFIX = "optional test group "


def missing(name: str) -> list[str]:
    """The modules and programs of group ``name`` that are not installed."""
    group = GROUPS[name]
    return ([module for module in group.modules if importlib.util.find_spec(module) is None]
            + [names[0] for names in group.programs if not any(FOUND[n] for n in names)])


def program(name: str) -> str:
    """The path of the program ``name`` (by any of its names), found at import."""
    names = next(names for group in GROUPS.values() for names in group.programs
                 if name in names)
    return next(FOUND[n] for n in names if FOUND[n])


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
