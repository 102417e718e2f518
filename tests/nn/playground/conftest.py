"""A playground server on a free port of 127.0.0.1, serving from a thread."""

import threading

import pytest

from nn.playground.server import PlaygroundServer


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
