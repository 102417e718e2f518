"""Extra inputs and the regression task in a real browser, in both modes: a ticked
feature box becomes an input node of the network view, with its name; the surface
task offers mse alone, shows its predicted values, and no accuracy."""


from tests.browser import wait_for
from tests.nn.playground.page import FRAME, LAPTOP, STARTED


def input_node_position(browser, position):
    """Where input node ``position`` of the network view is, in the page's coordinates."""
    return browser.evaluate(f"""(() => {{
      const canvas = document.getElementById("network");
      const node = networkLayout(canvas, {FRAME}.layers).columns[0][{position}];
      const box = canvas.getBoundingClientRect();
      return {{x: box.left + node.x * box.width / canvas.width,
               y: box.top + node.y * box.height / canvas.height}};
    }})()""")


def test_a_ticked_feature_is_an_input_node_and_the_surface_shows_no_accuracy(playground,
                                                                             chromium):
    mode, url = playground
    browser = chromium.open(url, viewport=LAPTOP)
    wait_for(browser, STARTED, "the first frame", timeout=120)
    assert browser.evaluate('document.getElementById("network").dataset.inputs') == "x,y"
    assert browser.is_checked("#feature-x") and not browser.is_checked("#feature-x2")
    browser.check("#feature-x2")
    browser.click("#apply")
    wait_for(browser, f"{FRAME}.layers[0] === 3", "the network with three inputs")
    frame = browser.evaluate(FRAME)
    assert frame["settings"]["features"] == ["x", "y", "x2"]
    assert frame["layers"] == [3, 8, 8, 1]
    assert browser.evaluate('document.getElementById("network").dataset.inputs') == "x,y,x²"
    assert "features=%5B%22x%22%2C%22y%22%2C%22x2%22%5D" in browser.evaluate("location.hash")
    position = input_node_position(browser, 2)
    browser.mouse.move(position["x"], position["y"])
    assert browser.text_content("#network-tip").startswith("x²: an input")
    # its weights are the first layer's third: w2 of each neuron
    assert "layer0.neuron0.w2" in [name for name, *_ in frame["parameters"]]

    # the regression task: mse alone, values on the plane, loss only
    browser.select_option("#dataset", "surface")
    options = browser.evaluate('[...document.getElementById("loss").options].map((o) => o.value)')
    assert options == ["mse"]
    # its points carry targets: no class to add, no Clear, no CSV, no "add one" in the help
    assert browser.is_hidden("#point-class-field") and browser.is_hidden("#clear-points")
    assert browser.is_hidden("#csv") and browser.is_hidden("#add-help")
    assert browser.text_content("#boundary + figcaption").count("Click a point for its graph")
    browser.click("#apply")
    wait_for(browser, f'{FRAME}.settings.dataset === "surface" && {FRAME}.steps === 0',
             "the surface")
    browser.click("#step")
    wait_for(browser, f"{FRAME}.steps === 1", "one step")
    frame = browser.evaluate(FRAME)
    assert frame["regression"] is True and len(frame["boundary"]["values"]) == 40 * 40
    assert frame["curves"][-1]["train_accuracy"] is None
    latest = browser.text_content("#latest")
    assert "accuracy —;" in latest and latest.endswith("accuracy —") and "%" not in latest
    assert browser.is_hidden("#accuracy")
    assert "the predicted value" in browser.text_content("#output-key")
    assert frame["settings"]["features"] == ["x", "y", "x2"]  # the inputs stay as chosen
    assert chromium.console_errors == [] and chromium.blocked == []
