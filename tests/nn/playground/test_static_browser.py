"""The static build's other pages in a real browser: a typed formula stepped through,
and a snippet run in the editor cell, by chainrule in Pyodide. Other origins are
blocked and never asked; no console error may occur."""

import contextlib
import io
import math

import pytest

from tests.browser import wait_for


def test_a_typed_formula_is_differentiated_and_stepped_through(static_site, chromium):
    browser = chromium.open(static_site + "formula.html")
    wait_for(browser, 'document.getElementById("status").textContent === "ready"',
             "chainrule in the worker", timeout=120)
    browser.fill("#formula", "w*x + sin(x)")
    browser.fill("#values", "x=0.5 w=3")
    browser.click("#differentiate")
    wait_for(browser, '!!document.querySelector("#graph svg")', "the forward pass's drawing")
    x, w = 0.5, 3.0
    assert browser.text_content("#result").startswith(f"value = {round(w * x + math.sin(x), 5)}")
    gradients = [item.text_content() for item in browser.query_selector_all("#gradients li")]
    assert gradients == [f"d/dx = {round(w + math.cos(x), 5)}", f"d/dw = {x}"]
    frames = browser.evaluate("window.chainruleFormula.state.frames.length")
    assert browser.text_content("#caption").startswith(f"step 0 of {frames - 1}: the forward")
    assert browser.query_selector("#graph svg g.node.current") is None  # nothing passed back yet

    seen = []
    for step in range(1, frames):
        browser.click("#next-step")
        wait_for(browser, f'document.getElementById("graph").dataset.step === "{step}"',
                 f"step {step}")
        assert browser.text_content("#caption").startswith(f"step {step} of {frames - 1}: ")
        seen.append(browser.text_content("#graph svg g.node.current > title"))
    assert len(set(seen)) == frames - 1  # a different node each step

    browser.fill("#formula", "open('x')")
    browser.click("#differentiate")
    wait_for(browser, 'document.getElementById("formula-error").textContent', "the refusal")
    assert "open" in browser.text_content("#formula-error")
    assert chromium.console_errors == [] and chromium.blocked == []


def test_the_editor_cell_runs_a_snippet_and_prints_what_python_prints(static_site, chromium):
    browser = chromium.open(static_site + "try.html")
    wait_for(browser, 'document.getElementById("status").textContent === "ready"',
             "chainrule in the worker", timeout=120)
    snippet = browser.input_value("#code")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(snippet, {})  # the page's own example, run here by CPython
    browser.click("#run")
    wait_for(browser, 'document.getElementById("output").dataset.failed === "false"',
             "the snippet's output")
    assert browser.text_content("#output") == printed.getvalue()
    assert "d out/d w = " in printed.getvalue()

    browser.fill("#code", "from nn import MLP\nprint(MLP(2, [3, 1]))\nraise KeyError('k')")
    browser.focus("#code")
    browser.keyboard.press("Control+Enter")
    wait_for(browser, 'document.getElementById("output").dataset.failed === "true"',
             "the failure")
    output = browser.text_content("#output").splitlines()
    assert output[0].startswith("MLP(")
    assert output[-1] == "KeyError: 'k'"
    assert chromium.console_errors == [] and chromium.blocked == []


@pytest.mark.parametrize("name", ["index.html", "formula.html", "try.html"])
def test_an_inline_script_is_refused_by_the_pages_policy(static_site, chromium, name):
    browser = chromium.open(static_site + name)
    browser.evaluate("""() => {
      const script = document.createElement("script");
      script.textContent = "window.planted = true";
      document.body.append(script);
    }""")
    assert browser.evaluate("window.planted === undefined")
    assert any("Content Security Policy" in error for error in chromium.console_errors)
