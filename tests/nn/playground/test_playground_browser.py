"""The playground in a real browser, in both modes: headless Chromium presses its buttons.

One scenario, two transports: the local server (frames as server-sent events)
and the static build (chainrule in Pyodide in a Web Worker, served by a plain
static file server). The test watches frames arrive on the page, so it checks
the whole path (settings, session, transport, drawing). Every request to
another origin is blocked, and must not happen; no console error may occur.
The browser is :mod:`tests.browser`'s; the test skips without Chromium,
except in CI.
"""


import pytest

from nn import MLP
from nn.losses import hinge
from tests.browser import wait_for
from tests.nn.playground.page import FRAME, STARTED


def latest(browser):
    return browser.evaluate(f"({{steps: {FRAME}.steps, examples: {FRAME}.examples_seen, "
                            f"running: {FRAME}.running, lr: {FRAME}.lr, "
                            f"loss: {FRAME}.curves.at(-1).train_loss, "
                            f"boundary: {FRAME}.boundary.classes, "
                            f"parameters: {FRAME}.parameters, export: {FRAME}.export}})")


def click_button(browser, element_id):
    browser.evaluate(f'document.getElementById("{element_id}").click()')


@pytest.fixture(params=["server", "static"])
def playground(request):
    """The playground's address in each mode, and what its page says runs it."""
    if request.param == "server":
        request.getfixturevalue("wasm_only")  # its drawings by the WebAssembly Graphviz
        return request.getfixturevalue("server").url, "on this computer"
    return request.getfixturevalue("static_site"), "compiled to WebAssembly (Pyodide)"


def test_train_change_the_rate_step_once_and_open_a_points_graph(playground, chromium):
    url, runtime = playground
    browser = chromium.open(url)
    wait_for(browser, STARTED, "the first frame", timeout=120)
    start = latest(browser)
    assert start["running"] is False and start["examples"] == 0
    assert runtime in browser.text_content("#runtime")

    # play: over 200 updates the loss falls and the boundary changes
    browser.fill("#speed", "2000")
    browser.dispatch_event("#speed", "change")
    click_button(browser, "play")
    wait_for(browser, f"{FRAME}.steps >= 200", "200 updates", timeout=120)
    playing = latest(browser)
    assert playing["running"] is True
    assert playing["loss"] < 0.8 * start["loss"]
    changed = sum(a != b for a, b in zip(start["boundary"], playing["boundary"]))
    assert changed > 0.05 * len(start["boundary"])

    # the learning rate changed mid-run reaches the optimizer and the curve
    browser.evaluate('document.getElementById("live-lr").value = "0.05"')
    click_button(browser, "set-lr")
    wait_for(browser, f"{FRAME}.lr === 0.05 && {FRAME}.curves.at(-1).lr === 0.05",
             "the new learning rate")
    assert any("changed by hand" in reason for reason in latest(browser)["export"]["missing"])

    # pause, then exactly one update: p := p - lr * grad for plain SGD
    click_button(browser, "play")
    wait_for(browser, f"{FRAME}.running === false", "the pause")
    before = latest(browser)
    click_button(browser, "step")
    wait_for(browser, f"{FRAME}.steps === {before['steps'] + 1}", "one step")
    after = latest(browser)
    batch_size = 10  # the page's default mini-batch
    assert after["examples"] == before["examples"] + batch_size
    assert after["running"] is False
    for (name, old, _, _), (_, new, gradient, _) in zip(before["parameters"],
                                                          after["parameters"]):
        assert new == old - 0.05 * gradient, name
    assert any(old != new for (_, old, _, _), (_, new, _, _) in
               zip(before["parameters"], after["parameters"]))
    assert latest(browser)["steps"] == before["steps"] + 1  # and nothing more ran

    # click a training point: its graph, drawn, steps through its backward pass
    browser.evaluate('document.getElementById("boundary").scrollIntoView()')
    position = browser.evaluate('window.chainrulePlayground.pointPosition("train", 3)')
    browser.mouse.click(position["x"], position["y"])
    wait_for(browser, '!!document.querySelector("#graph svg g.node.current")', "the graph")
    summary = browser.evaluate('document.getElementById("point-summary").textContent')
    assert summary.startswith("train point 3 ")
    graph = browser.evaluate("window.chainrulePlayground.page.graph")
    point = browser.evaluate(f'{FRAME}.points.train[3]')
    model = MLP(2, [8, 8, 1], seed=0)
    model.load_state_dict({name: value for name, value, _, _ in after["parameters"]})
    target = 2 * point[2] - 1
    assert graph["target"] == target
    assert graph["loss"] == pytest.approx(hinge(model(graph["inputs"]), target).data, abs=1e-12)
    assert graph["inputs"] == pytest.approx(point[:2], abs=1e-4)
    first = browser.evaluate('document.querySelector("#graph svg g.node.current > title")'
                             '.textContent')
    assert browser.evaluate('document.getElementById("caption").textContent').startswith(
        f"step 1 of {len(graph['captions'])}: ∂L/∂(1.0 - ")  # hinge: relu(1 - y·out)
    click_button(browser, "next-step")
    wait_for(browser, 'document.getElementById("graph").dataset.step === "1"',
             "the second backward step")
    second = browser.evaluate('document.querySelector("#graph svg g.node.current > title")'
                              '.textContent')
    assert second != first
    assert browser.evaluate('document.getElementById("caption").textContent').startswith(
        "step 2 of")

    # new settings: a new network (2-3-1: 13 parameters) from step 0
    browser.fill("#hidden", "3")
    browser.click("#apply")
    wait_for(browser, f"{FRAME}.parameters.length === 13 && {FRAME}.steps === 0",
             "the new network")
    assert [name for name, *_ in latest(browser)["parameters"]] == [
        name for name, _ in MLP(2, [3, 1]).named_parameters()]
    assert chromium.console_errors == [] and chromium.blocked == []
