"""Fixtures: which Graphviz backend the drawing tests see, and the browser."""

import os
import sys

import pytest

from autograd.drawing import render
from autograd.extras import install_hint
from tests.browser import Chromium, chromium_executable


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
