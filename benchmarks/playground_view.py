"""The playground's page as a teacher opens it, measured in headless Chromium at 1366 x 768.

Starts ``chainrule playground --no-browser`` and serves the static build
(``chainrule playground --static``) on 127.0.0.1, as ``zero_install.py`` does,
then for each mode:

* the first frame: milliseconds from navigation to the first frame drawn
  (network view, output plane and charts), median of ``--loads`` visits;
* the live rate with the network view on (every neuron's picture drawn):
  moons, mini-batch 10, the page's speed limit at its maximum, at 2-16-16-1
  and at the largest network the page allows (four hidden layers of 32),
  steps per second over ``--seconds`` of play as the page receives them.

The runs are opened by link (``#hidden=[16,16]&...``), the way a teacher shares one.

Run: ``python benchmarks/playground_view.py`` (``--seconds 15``, ``--loads 3``).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from zero_install import ROOT, both_modes, wait_for

sys.path.insert(0, str(ROOT))

from nn.playground.build import build_static  # noqa: E402
from nn.playground.settings import LIMITS  # noqa: E402
from tests.browser import CHROMIUM_FLAGS, chromium_executable  # noqa: E402

FRAME = "window.chainrulePlayground.page.frame"
LAPTOP = {"width": 1366, "height": 768}
LARGEST = [LIMITS["width"]] * LIMITS["hidden_layers"]


def link(hidden):
    return (f"#hidden=%5B{'%2C'.join(map(str, hidden))}%5D&batch_size=10"
            f"&steps_per_second={LIMITS['steps_per_second']}")


def first_frame(browser, url):
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(url)
    milliseconds = wait_for(page, "window.chainrulePlayground.page.firstFrameAt")
    context.close()
    return milliseconds


def live_rate(browser, url, hidden, seconds):
    """Steps per second the page receives."""
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(url + link(hidden))
    wait_for(page, f"{FRAME} && {FRAME}.steps === 0 && "
                   f"{FRAME}.layers.length === {len(hidden) + 2}")
    drawn = page.evaluate('document.getElementById("network").dataset.neurons')
    assert drawn == str(sum(hidden) + 1), drawn  # the network view is on, every neuron drawn
    page.click("#play")
    wait_for(page, f"{FRAME}.steps >= 20")  # compiled, warmed up
    start, started = page.evaluate(f"{FRAME}.steps"), time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    steps, ended = page.evaluate(f"{FRAME}.steps"), time.monotonic()
    context.close()
    return (steps - start) / (ended - started)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--loads", type=int, default=3)
    args = parser.parse_args(argv)

    site = Path(tempfile.mkdtemp()) / "site"
    build_static(site)
    print(f"{platform.node()}: {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")
    with both_modes(site) as (server_url, static_url):
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_executable(),
                                                 args=CHROMIUM_FLAGS)
            print(f"Chromium {browser.version}, headless, {LAPTOP['width']}x{LAPTOP['height']}")
            for mode, url in (("server", server_url), ("static", static_url)):
                loads = [first_frame(browser, url) for _ in range(args.loads)]
                print(f"{mode:>6}: first frame after {statistics.median(loads):.0f} ms "
                      f"(median of {args.loads}: {', '.join(f'{ms:.0f}' for ms in loads)})")
                for hidden in ([16, 16], LARGEST):
                    rate = live_rate(browser, url, hidden, args.seconds)
                    shape = "-".join(map(str, [2, *hidden, 1]))
                    print(f"{mode:>6}: live {shape}, network view on, moons batch 10: "
                          f"{rate:.3g} steps/s")
            browser.close()


if __name__ == "__main__":
    main()
