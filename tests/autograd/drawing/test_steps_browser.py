"""The step-by-step page in a real browser: headless Chromium moves the slider.

The browser is :mod:`tests.browser`'s (Playwright driving Chromium); the
test skips without Chromium, except in CI.
"""

import pathlib

import pytest

from autograd import Value, backward_steps, topological_order

HIGHLIGHTED = """({
  caption: document.querySelector("figure.frame:not([hidden]) figcaption").textContent,
  slider: document.getElementById("step").valueAsNumber,
  shown: [...document.querySelectorAll("figure.frame")].filter(f => !f.hidden).length,
  node: [...document.querySelectorAll("figure.frame:not([hidden]) g.node.current > title")]
        .map(title => title.textContent).filter(id => !id.endsWith("_op")),
})"""


def test_moving_the_slider_moves_the_highlighted_node(wasm_only, chromium, tmp_path):
    x, w, b = Value(1.0, label="x"), Value(-2.0, label="w"), Value(0.5, label="b")
    out = (w * x + b).tanh() * x
    steps = backward_steps(out)
    page = steps.save_html(tmp_path / "steps.html")
    order = topological_order(out)
    expected = [[f"v{order.index(step.node)}"] for step in steps]

    browser = chromium.open(pathlib.Path(page).as_uri())
    seen = [browser.evaluate(HIGHLIGHTED)]
    browser.focus("#step")
    for _ in range(len(steps)):
        browser.keyboard.press("ArrowRight")
        seen.append(browser.evaluate(HIGHLIGHTED))
    browser.keyboard.press("Home")
    seen.append(browser.evaluate(HIGHLIGHTED))
    assert chromium.console_errors == [] and chromium.blocked == []

    # frame 0 is the forward pass: no node highlighted yet, the seed named
    assert [state["slider"] for state in seen] == [*range(len(steps) + 1), 0]
    assert all(state["shown"] == 1 for state in seen)
    assert [state["node"] for state in seen] == [[], *expected, []]
    assert len({node for (node,) in expected}) == len(steps)  # a different node each step
    assert seen[0]["caption"].startswith("step 0 of 4: the forward pass")
    assert seen[0]["caption"].endswith("the seed ∂L/∂L = 1, L = tanh(w * x + b) * x")
    # each step's caption carries its derivative formulas, as the page's text
    assert [state["caption"] for state in seen[1:-1]] == [
        steps.caption(index) + "".join(step.formulas()) for index, step in enumerate(steps)]


PAGE_STATE = """({
  legend: [...document.querySelectorAll("ul.legend li")].map(item => item.textContent.trim()),
  swatches: [...document.querySelectorAll("ul.legend .swatch")]
            .map(swatch => getComputedStyle(swatch).borderTopColor),
  width: document.querySelector("figure.frame:not([hidden]) svg").getBoundingClientRect().width,
  label: Math.min(...[...document.querySelectorAll("figure.frame:not([hidden]) svg text")]
                  .map(text => text.getBoundingClientRect().height)),
  formula: [...document.querySelectorAll("figure.frame:not([hidden]) .formula")]
           .map(line => getComputedStyle(line).display),
})"""


def test_the_page_has_a_legend_formulas_and_zooms_at_readable_size(wasm_only, chromium,
                                                                   tmp_path):
    x, w, b = Value(1.5, label="x"), Value(-0.8, label="w"), Value(0.3, label="b")
    out = (w * x + b).tanh()
    steps = backward_steps(out, params=[w, b])
    page = steps.save_html(tmp_path / "steps.html")

    browser = chromium.open(pathlib.Path(page).as_uri())
    browser.click("#next")  # step 1: tanh
    states = [browser.evaluate(PAGE_STATE)]
    for button in ("zoom-in", "zoom-in", "zoom-reset", "zoom-out"):
        browser.click(f"#{button}")
        states.append(browser.evaluate(PAGE_STATE))
    caption = browser.text_content("figure.frame:not([hidden]) figcaption")
    assert chromium.console_errors == [] and chromium.blocked == []

    first = states[0]
    assert first["legend"][:4] == ["parameter", "input", "constant", "computed value"]
    assert any("not reached yet" in item for item in first["legend"])
    # the swatches' borders are the drawing's colours (rgb of #2f855a, #2b6cb0)
    assert first["swatches"][:2] == ["rgb(47, 133, 90)", "rgb(43, 108, 176)"]
    assert first["formula"] == ["block", "block"]  # one formula per line under the caption
    assert "∂out/∂x′ = 1.0 - out * out = 1.0 - (-0.7163) * (-0.7163) = 0.4869" in caption
    # natural size: Graphviz's 11 pt labels, not shrunk to the window (>= 10 CSS px)
    assert first["label"] >= 10
    widths = [state["width"] for state in states]
    assert widths[1] == pytest.approx(1.25 * widths[0], rel=0.01)
    assert widths[2] == pytest.approx(1.25 ** 2 * widths[0], rel=0.01)
    assert widths[3] == pytest.approx(widths[0], rel=0.01)
    assert widths[4] == pytest.approx(0.8 * widths[0], rel=0.01)
    assert states[2]["label"] == pytest.approx(1.25 ** 2 * first["label"], rel=0.05)
