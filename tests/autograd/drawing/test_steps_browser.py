"""The step-by-step page in a real browser: headless Chromium moves the slider.

The browser is :mod:`tests.browser`'s: driven over the DevTools pipe, with
the standard library only; the test skips without Chromium, except in CI.
"""

import json
import pathlib

from autograd import Value, backward_steps, topological_order
from tests.browser import Chromium, chromium_executable

HIGHLIGHTED = """JSON.stringify({
  slider: document.getElementById("step").valueAsNumber,
  shown: [...document.querySelectorAll("figure.frame")].filter(f => !f.hidden).length,
  node: [...document.querySelectorAll("figure.frame:not([hidden]) g.node.current > title")]
        .map(title => title.textContent).filter(id => !id.endsWith("_op")),
})"""


def test_moving_the_slider_moves_the_highlighted_node(wasm_only, tmp_path):
    executable = chromium_executable()
    x, w, b = Value(1.0, label="x"), Value(-2.0, label="w"), Value(0.5, label="b")
    out = (w * x + b).tanh() * x
    steps = backward_steps(out)
    page = steps.save_html(tmp_path / "steps.html")
    order = topological_order(out)
    expected = [f"v{order.index(step.node)}" for step in steps]

    browser = Chromium(executable, tmp_path / "profile")
    try:
        browser.open(pathlib.Path(page).as_uri())
        seen = [json.loads(browser.evaluate(HIGHLIGHTED))]
        browser.evaluate('document.getElementById("step").focus()')
        for _ in range(len(steps) - 1):
            browser.press("ArrowRight", 39)
            seen.append(json.loads(browser.evaluate(HIGHLIGHTED)))
        browser.press("Home", 36)
        seen.append(json.loads(browser.evaluate(HIGHLIGHTED)))
    finally:
        browser.close()

    assert [state["slider"] for state in seen] == [*range(len(steps)), 0]
    assert all(state["shown"] == 1 for state in seen)
    assert [state["node"] for state in seen] == [[node] for node in [*expected, expected[0]]]
    assert len(set(expected)) == len(steps)  # each step highlights a different node
