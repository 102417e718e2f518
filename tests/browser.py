"""Headless Chromium for the browser tests, driven over the DevTools pipe.

Chromium is driven over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: JSON messages, NUL-terminated, on file
descriptors 3 and 4), which needs only the standard library and no network.
A test that needs it calls :func:`chromium_executable`, which skips where
Chromium is not installed, except in CI (CI=true), where .ci/run installs
Debian's chromium and a missing browser is a failure.
"""

import base64
import fcntl
import itertools
import json
import os
import select
import shutil
import subprocess
import time

import pytest

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--remote-debugging-pipe",
]


# Looked up at import, before a fixture empties PATH to hide a system `dot`.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_executable():
    if CHROMIUM:
        return CHROMIUM
    reason = "needs Chromium (Debian: apt-get install chromium); .ci/run installs it in CI"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser test: {reason}")
    pytest.skip(reason=reason)


class Chromium:
    """Headless Chromium and one page, driven over the DevTools pipe."""

    def __init__(self, executable, profile):
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def give_the_pipes_descriptors_3_and_4():  # runs in the child, before exec
            # NOTE: copies above 10 first, so moving one pipe to 3 or 4 can
            # never overwrite the other.
            reading = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
            writing = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        self._process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=give_the_pipes_descriptors_3_and_4, close_fds=False,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._ids = itertools.count(1)
        self._received = b""
        self._session = None

    def call(self, method, **params):
        """Send one command (to the page, once attached) and return its result."""
        message = {"id": next(self._ids), "method": method, "params": params}
        if self._session:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._next_message()
            if reply.get("id") == message["id"]:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def _next_message(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while b"\0" not in self._received:
            ready, _, _ = select.select([self._from_browser], [], [],
                                        max(0.0, deadline - time.monotonic()))
            chunk = os.read(self._from_browser, 1 << 16) if ready else b""
            if not chunk:
                raise TimeoutError("Chromium did not answer over the DevTools pipe")
            self._received += chunk
        message, self._received = self._received.split(b"\0", 1)
        return json.loads(message)

    def open(self, url):
        target = self.call("Target.createTarget", url=url)["targetId"]
        self._session = self.call("Target.attachToTarget", targetId=target,
                                  flatten=True)["sessionId"]
        loaded = f"document.URL === {json.dumps(url)} && document.readyState === 'complete'"
        deadline = time.monotonic() + 30.0
        while not self.evaluate(loaded):
            assert time.monotonic() < deadline, f"{url} did not load"
            time.sleep(0.05)

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", expression=expression,
                         returnByValue=True)["result"].get("value")

    def press(self, key, key_code):
        for event in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=event, key=key, code=key,
                      windowsVirtualKeyCode=key_code)

    def close(self):
        self._process.kill()
        self._process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)

    def click(self, x, y):
        """A left click at page coordinates (CSS pixels), as a mouse makes it."""
        for event in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=event, x=x, y=y, button="left",
                      clickCount=1)

    def wait_for(self, expression, timeout=30.0, what=None):
        """Evaluate ``expression`` until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or expression}")
            time.sleep(0.05)

    def screenshot(self, width, height) -> bytes:
        """The page as a PNG, laid out at ``width`` x ``height`` CSS pixels."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
