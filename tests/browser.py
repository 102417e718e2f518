"""Headless Chromium for the browser tests, driven by Playwright.

Playwright (from PyPI, in the ``browser`` extra) drives Debian's Chromium at
its ``executable_path``: no browser is downloaded. A test asks for the
``chromium`` fixture (tests/conftest.py) and opens pages with
:meth:`Chromium.open`; every request to another origin than the ones it
allows is aborted and recorded, and every console error and uncaught
exception of the page is recorded, so a test can assert there were none.

Without Playwright or Chromium the fixture skips with the ``browser`` group's
reason (tests/groups.py), except in CI (CI=true), where .ci/run installs
both and a missing browser is a failure.
"""

import contextlib
import functools
import threading
import time
import zlib
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tests.groups import program, require

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-default-apps", "--disable-extensions",
]


def chromium_executable():
    require("browser")
    return program("chromium")


class QuietFiles(SimpleHTTPRequestHandler):
    """A folder's files as they are, nothing logged."""

    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def served_folder(folder, handler=QuietFiles):
    """``http://127.0.0.1:PORT/`` serving ``folder`` with ``handler`` (a static
    host, on a free port), stopped on leaving."""
    host = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=host.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{host.server_address[1]}/"
    finally:
        host.shutdown()
        host.server_close()
        thread.join(10)


def origin_of(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Chromium:
    """One headless Chromium; each :meth:`open` a fresh page in its own context."""

    def __init__(self, playwright):
        self._browser = playwright.chromium.launch(executable_path=chromium_executable(),
                                                   args=CHROMIUM_FLAGS)
        self.console_errors = []
        self.blocked = []
        self.requests = []

    def open(self, url, *, allow=(), viewport=None):
        """A page showing ``url``; only ``url``'s origin (and ``allow``) may be reached.
        ``viewport``: ``{"width": ..., "height": ...}`` (Playwright's 1280 x 720 if None)."""
        context = self._browser.new_context(**({"viewport": viewport} if viewport else {}))
        allowed = {origin_of(url), *allow}

        def only_allowed(route):
            request_url = route.request.url
            if request_url.startswith(("data:", "blob:")) or origin_of(request_url) in allowed:
                route.continue_()
            else:
                self.blocked.append(request_url)
                route.abort()

        context.route("**/*", only_allowed)
        page = context.new_page()
        page.on("console", lambda message: message.type == "error"
                and self.console_errors.append(message.text))
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("worker", lambda worker: worker.on(
            "console", lambda message: message.type == "error"
            and self.console_errors.append(message.text)))
        page.on("requestfinished", lambda request: self.requests.append(request))
        page.goto(url)
        return page

    def close(self):
        self._browser.close()


def wait_for(page, expression, what, timeout=30.0):
    """Evaluate ``expression`` in ``page`` until it is truthy; return its value.

    Polled with ``page.evaluate`` (the DevTools protocol's evaluation): Playwright's
    ``wait_for_function`` evaluates a string with the page's ``eval``, which the
    pages' Content-Security-Policy forbids, as it should."""
    deadline = time.monotonic() + timeout
    while not (value := page.evaluate(expression)):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        page.wait_for_timeout(50)
    return value


class Screenshot:
    """A PNG screenshot decoded with zlib (8-bit RGB or RGBA, not interlaced, as Chromium
    writes them), to check what it shows: ``pixels(box)`` lists a box's (r, g, b)."""

    def __init__(self, png: bytes):
        assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
        position, data = 8, b""
        while position < len(png):
            length = int.from_bytes(png[position:position + 4], "big")
            kind = png[position + 4:position + 8]
            body = png[position + 8:position + 8 + length]
            if kind == b"IHDR":
                self.width, self.height = (int.from_bytes(body[i:i + 4], "big") for i in (0, 4))
                depth, colour, interlace = body[8], body[9], body[12]
                assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour)
                self.channels = 3 if colour == 2 else 4
            elif kind == b"IDAT":
                data += body
            position += 12 + length
        raw, stride, self.rows = zlib.decompress(data), self.width * self.channels, []
        previous = bytearray(stride)
        for row in range(self.height):
            start = row * (stride + 1)
            kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
            for i in range(stride):
                left = line[i - self.channels] if i >= self.channels else 0
                up = previous[i]
                corner = previous[i - self.channels] if i >= self.channels else 0
                if kind == 1:
                    line[i] = (line[i] + left) & 255
                elif kind == 2:
                    line[i] = (line[i] + up) & 255
                elif kind == 3:
                    line[i] = (line[i] + (left + up) // 2) & 255
                elif kind == 4:
                    guess = left + up - corner
                    near = min((abs(guess - left), 0, left), (abs(guess - up), 1, up),
                               (abs(guess - corner), 2, corner))[2]
                    line[i] = (line[i] + near) & 255
            self.rows.append(bytes(line))
            previous = line

    def pixels(self, box=None):
        """The (r, g, b) of every pixel in ``box`` (a getBoundingClientRect's dict), or all."""
        left, top, right, bottom = ((0, 0, self.width, self.height) if box is None else
                                    (round(box["left"]), round(box["top"]),
                                     round(box["right"]), round(box["bottom"])))
        c = self.channels
        return [tuple(self.rows[y][x * c:x * c + 3])
                for y in range(max(top, 0), min(bottom, self.height))
                for x in range(max(left, 0), min(right, self.width))]
