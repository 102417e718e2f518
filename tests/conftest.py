"""The optional test groups in the run's header and summary; fixtures: which
Graphviz backend the drawing tests see, and the browser."""

import collections
import os
import sys

import pytest

from autograd.drawing import render
from autograd.extras import install_hint
from tests.browser import Chromium, chromium_executable
from tests.groups import GROUPS, REASON_PREFIX, missing


def pytest_report_header(config):
    installed = [name for name in GROUPS if not missing(name)]
    absent = [name for name in GROUPS if missing(name)]
    line = f"optional test groups: {', '.join(installed) or 'none'} installed"
    if absent:
        line += (f"; {', '.join(absent)} not installed: their tests are skipped "
                 "(the end of the run says how to enable them)")
    return line


def pytest_terminal_summary(terminalreporter):
    """One line per optional group skipped: what was skipped, and how to run it."""
    skipped = collections.defaultdict(collections.Counter)
    reasons = {}
    for report in terminalreporter.stats.get("skipped", []):
        text = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if REASON_PREFIX in text:
            reason = text[text.index(REASON_PREFIX):]
            name = reason[len(REASON_PREFIX):].split(":", 1)[0]
            skipped[name]["tests" if "::" in report.nodeid else "modules"] += 1
            reasons[name] = reason
    if skipped:
        terminalreporter.section("optional test groups skipped")
        for name, counts in sorted(skipped.items()):
            what = " and ".join(f"{count} {kind if count > 1 else kind[:-1]}"
                                for kind, count in sorted(counts.items(), reverse=True))
            terminalreporter.write_line(f"{name}: {what} skipped ({reasons[name]})")


@pytest.fixture
def wasm_only(monkeypatch, tmp_path):
    """No `dot` on PATH, whatever this machine has: the WebAssembly backend."""
    pytest.importorskip("graphviz", reason=install_hint("draw"))
    monkeypatch.setenv("PATH", os.fspath(tmp_path / "empty"))
    assert render.backend_name() == "wasm"


@pytest.fixture
def no_backend(wasm_only, monkeypatch):
    """Neither `dot` nor wasmtime."""
    monkeypatch.setitem(sys.modules, "wasmtime", None)
    assert render.backend_name() == "none"


@pytest.fixture
def fake_dot(tmp_path, monkeypatch):
    """A `dot` on PATH that echoes its arguments, then its stdin."""
    if os.name != "posix":
        pytest.skip("the fake dot is a POSIX shell script")
    script = tmp_path / "bin" / "dot"
    script.parent.mkdir()
    script.write_text('#!/bin/sh\necho "args: $*"\ncat\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    assert render.backend_name() == "system"
    return script


@pytest.fixture
def chromium():
    """Headless Chromium (tests.browser): skips without it, except in CI."""
    chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = Chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()
