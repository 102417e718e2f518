"""The playground with no install against the local server, measured in headless Chromium.

Builds the static site (``chainrule playground --static``), serves it with
``python -m http.server`` and starts ``chainrule playground --no-browser``,
both on 127.0.0.1, then drives Debian's Chromium with Playwright (the test
extra) to measure, for each mode:

* the first load: bytes transferred (response bodies and headers, cache empty),
  the seconds from navigation to the first frame drawn (the static build's
  precomputed one) and to the session's own first frame (in the static build,
  once Pyodide has booted); the static build's bytes also as a host that
  compresses (gzip, level 6) would send them;
* the live training rate: 2-16-16-1 on moons, mini-batch 10, the page's
  speed limit at its maximum, steps per second over ``--seconds`` of play as
  the page receives its frames (the side by side ratio is static/server).

Run: ``python benchmarks/zero_install.py`` (``--seconds 20``, ``--loads 3``).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nn.playground.build import PYODIDE_VERSION, build_static  # noqa: E402
from tests.browser import CHROMIUM_FLAGS, chromium_executable  # noqa: E402

FRAME = "window.chainrulePlayground.page.frame"


def serve(command, announces):
    """Start ``command``; return the process and the URL it prints on the line with
    ``announces``."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, cwd=ROOT)
    for line in process.stdout:
        if announces in line:
            return process, line
    raise RuntimeError(f"{command} stopped before serving")


@contextlib.contextmanager
def both_modes(site):
    """``(server_url, static_url)``: ``chainrule playground`` and a plain static
    file server of the build at ``site``, both stopped on leaving."""
    static_host, line = serve([sys.executable, "-u", "-m", "http.server", "0", "--bind",
                               "127.0.0.1", "-d", str(site)], "Serving HTTP")
    processes = [static_host]
    try:
        static_url = f"http://127.0.0.1:{line.split(' port ')[1].split()[0]}/"
        server, line = serve([sys.executable, "-u", "-m", "nn", "playground", "--no-browser",
                              "--port", "0"], "chainrule playground at")
        processes.append(server)
        yield line.split(" at ")[1].split()[0], static_url
    finally:
        for process in processes:
            process.terminate()
            process.wait()


def wait_for(page, expression, timeout=180.0):
    deadline = time.monotonic() + timeout
    while not (value := page.evaluate(expression)):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        page.wait_for_timeout(20)
    return value


def first_load(browser, url):
    """(bytes transferred, seconds to the first frame, seconds to the session's own
    first frame) of one visit with an empty cache. The static page draws the build's
    precomputed frame first; the bytes are counted until its session runs."""
    context = browser.new_context()
    page = context.new_page()
    transferred = []
    page.on("requestfinished", lambda request: transferred.append(
        request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"]))
    started = time.monotonic()
    page.goto(url)
    milliseconds = wait_for(page, "window.chainrulePlayground.page.firstFrameAt")
    wait_for(page, f"{FRAME} && !{FRAME}.precomputed")
    live = time.monotonic() - started
    page.wait_for_timeout(500)  # the requests of the first frame all finish
    context.close()
    return sum(transferred), milliseconds / 1000, live


def live_rate(browser, url, seconds):
    """Steps per second the page receives while 2-16-16-1 trains on moons, batch 10."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    wait_for(page, f"{FRAME} && {FRAME}.steps === 0 && !{FRAME}.precomputed")
    page.fill("#hidden", "16,16")
    page.select_option("#batch_kind", "mini")
    page.fill("#batch_size", "10")
    page.fill("#speed", "2000")
    page.click("#apply")
    wait_for(page, f"{FRAME}.parameters.length === 337 && {FRAME}.steps === 0")
    page.click("#play")
    wait_for(page, f"{FRAME}.steps >= 20")  # compiled, warmed up
    start, started = page.evaluate(f"{FRAME}.steps"), time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    steps, ended = page.evaluate(f"{FRAME}.steps"), time.monotonic()
    engine = page.text_content("#runtime")
    context.close()
    return (steps - start) / (ended - started), engine


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--loads", type=int, default=3)
    args = parser.parse_args(argv)

    site = Path(tempfile.mkdtemp()) / "site"
    build_static(site)
    files = [path for path in site.rglob("*") if path.is_file()]
    size = sum(path.stat().st_size for path in files)
    gzipped = sum(len(gzip.compress(path.read_bytes(), 6)) for path in files)
    print(f"{platform.node()}: {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, Pyodide {PYODIDE_VERSION}")
    print(f"static build: {len(files)} files, {size / 1e6:.2f} MB ({gzipped / 1e6:.2f} MB gzipped)")
    with both_modes(site) as (server_url, static_url):
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_executable(),
                                                 args=CHROMIUM_FLAGS)
            print(f"Chromium {browser.version}, headless")
            rates = {}
            for mode, url in (("server", server_url), ("static", static_url)):
                loads = [first_load(browser, url) for _ in range(args.loads)]
                transferred = statistics.median(load[0] for load in loads)
                first = statistics.median(load[1] for load in loads)
                rates[mode], engine = live_rate(browser, url, args.seconds)
                live = statistics.median(load[2] for load in loads)
                print(f"{mode:>6}: first load {transferred / 1e6:.2f} MB, first frame after "
                      f"{first:.2f} s (median of {args.loads}: "
                      f"{', '.join(f'{load[1]:.2f}' for load in loads)}), the session's own "
                      f"after {live:.2f} s; "
                      f"live 2-16-16-1 moons batch 10: {rates[mode]:.0f} steps/s; {engine}")
            print(f"static/server live rate: {rates['static'] / rates['server']:.2f}")
            browser.close()


if __name__ == "__main__":
    main()
