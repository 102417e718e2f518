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

import time
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
