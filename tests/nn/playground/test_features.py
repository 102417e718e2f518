"""Extra inputs (x², sin x, ...) and the regression task in the playground: the network's
first layer takes the chosen features, the plane stays (x, y), the surface trains with mse
and has no accuracy, and every choice round-trips through a link or is refused."""

import json
import math
from urllib.parse import quote, unquote

import pytest

from nn import data
from nn.playground.session import Session
from nn.playground.settings import choices, parse_settings, python_script, train_command


def losses_of(session):
    return [point["train_loss"] for point in session.curves]


def test_x_squared_widens_the_first_layer_and_the_model_trains():
    plain = Session(parse_settings({"hidden": [4]}))
    session = Session(parse_settings({"hidden": [4], "features": ["x", "y", "x2"]}))
    assert [len(neuron.w) for neuron in plain.model.layers[0].neurons] == [2] * 4
    assert [len(neuron.w) for neuron in session.model.layers[0].neurons] == [3] * 4
    assert session.model.nin == 3 and len(session.parameters) == 4 * 4 + 5
    # each training row is (x, y, x²) of its point, and the point is still drawn at (x, y)
    for (x, y), row in zip(session.problem.train_points, session.problem.train_inputs):
        assert row == [x, y, x * x]
    frame = session.frame()[1]
    assert frame["layers"] == [3, 4, 1] and frame["inputs"] == ["x", "y", "x²"]
    assert frame["points"]["train"][0][:2] == [round(v, 4) for v in
                                               session.problem.train_points[0]]
    before = losses_of(session)[-1]
    for _ in range(80):
        session.step()
    after = session.curves[-1]
    assert after["train_loss"] < 0.5 * before


def test_with_x_squared_and_y_squared_a_network_without_hidden_layers_learns_circles():
    # circles: class 1 inside radius 0.5, class 0 on radius 1, so x² + y² separates them
    # along a line; (x, y) alone cannot, and a linear model stays at chance
    runs = {}
    for features in (["x", "y"], ["x", "y", "x2", "y2"]):
        session = Session(parse_settings({"dataset": "circles", "hidden": [], "lr": 0.1,
                                          "features": features}))
        for _ in range(80):
            session.step()
        runs[len(features)] = session.curves[-1]
    assert runs[2]["train_accuracy"] <= 0.6 and runs[2]["train_loss"] > 0.9
    assert runs[4]["train_accuracy"] >= 0.95 and runs[4]["test_accuracy"] >= 0.95
    assert runs[4]["train_loss"] < 0.6


def test_the_input_pictures_are_each_features_value_over_the_plane():
    session = Session(parse_settings({"hidden": [2], "features": ["x2", "xy", "siny"]}))
    frame = session.frame()[1]
    (left, right), (bottom, top) = frame["bounds"]
    size, stride = frame["neurons"]["size"], 3  # every third row and column of the 40 x 40 grid
    pictures = frame["neurons"]["inputs"]
    assert len(pictures) == 3 and all(len(picture) == size * size for picture in pictures)
    for cell in (0, size - 1, size * size - 1, size * 5 + 7):
        row, column = (stride * part for part in divmod(cell, size))
        x = left + (right - left) * column / 39
        y = top - (top - bottom) * row / 39
        for picture, exact in zip(pictures, (x * x, x * y, math.sin(y))):
            assert picture[cell] == pytest.approx(exact, rel=5e-3, abs=1e-9)  # 3 digits
    # the boundary's grid is the model's output on those features, not on (x, y)
    x, y = left, top
    output = session.model([x * x, x * y, math.sin(y)]).data
    assert frame["boundary"]["classes"][0] == (1 if output > 0 else 0)


def test_the_regression_task_trains_with_mse_and_has_no_accuracy():
    session = Session(parse_settings({"dataset": "surface"}))
    assert session.settings.loss == "mse" and session.problem.regression
    # the targets are the data set's real values, not ±1 labels
    X, values = data.make_surface(100, noise=0.05, seed=session.settings.seed)
    assert session.problem.train_targets == values[:80]
    assert session.problem.test_targets == values[80:]
    start = session.curves[-1]
    assert start["train_accuracy"] is None and start["test_accuracy"] is None
    for _ in range(200):
        session.step()
    end = session.curves[-1]
    assert end["train_loss"] < 0.2 * start["train_loss"] and end["train_loss"] < 0.05
    assert end["train_accuracy"] is None and end["test_accuracy"] is None
    frame = session.frame()[1]
    assert frame["regression"] is True and "classes" not in frame["boundary"]
    # the plane shows the predicted value at each grid point
    (left, _), (_, top) = frame["bounds"]
    assert frame["boundary"]["values"][0] == pytest.approx(session.model([left, top]).data,
                                                           rel=5e-3)
    assert frame["points"]["train"][0][2] == pytest.approx(values[0], abs=1e-3)


def test_the_regression_task_refuses_a_classification_loss_and_your_points():
    with pytest.raises(ValueError) as refused:
        parse_settings({"dataset": "surface", "loss": "hinge"})
    assert str(refused.value) == (
        "surface is a regression task (a real-valued target): its loss is mse (the "
        "classification losses need class labels); got 'hinge'")
    with pytest.raises(ValueError, match="loss for 2 classes must be one of hinge"):
        parse_settings({"dataset": "moons", "loss": "cross_entropy"})
    with pytest.raises(ValueError, match="the regression task makes its own real-valued"):
        parse_settings({"dataset": "surface", "points": [[0.0, 0.0, 1]]})
    offered = choices()
    assert offered["datasets"]["surface"]["losses"] == ["mse"]
    assert offered["datasets"]["surface"]["regression"] is True
    assert offered["datasets"]["moons"]["regression"] is False
    assert offered["features"]["x2"] == "x²" and list(offered["features"])[:2] == ["x", "y"]
    session = Session(parse_settings({"hidden": [3]}))
    session.step()
    with pytest.raises(ValueError, match="regression task"):
        session.act("configure", {"settings": {"dataset": "surface", "loss": "hinge"}})
    assert session.settings.dataset == "moons" and session.steps == 1


def link_of(settings):
    """A settings object as link.js writes it after the "#" (JSON.stringify's values, a
    bare word for a name), then read back as link.js reads it."""
    def text(value):
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))

    written = "&".join(f"{quote(key)}={quote(text(value))}" for key, value in settings.items())
    read = {}
    for part in written.split("&"):
        key, _, raw = part.partition("=")
        raw = unquote(raw)
        try:
            read[unquote(key)] = json.loads(raw)
        except ValueError:
            read[unquote(key)] = raw
    return written, read


def test_features_and_the_regression_task_round_trip_through_a_link():
    settings = parse_settings({"dataset": "surface", "features": ["sinx", "x", "xy"],
                               "hidden": [5], "lr": 0.05, "seed": 9})
    assert settings.features == ("x", "xy", "sinx")  # the table's order
    written, read = link_of(settings.to_json())
    assert "features=%5B%22x%22%2C%22xy%22%2C%22sinx%22%5D" in written
    assert "dataset=surface" in written
    assert parse_settings(read) == settings
    assert parse_settings(json.loads(json.dumps(settings.to_json()))) == settings


@pytest.mark.parametrize("features, message", [
    (["x", "cos"], "there is no input feature 'cos'"),
    (["x", "y", "x"], "features name x more than once"),
    ([], "features must name at least one input"),
    ("x", "features must be a list of names"),
    ({"x": 1}, "features must be a list of names"),
])
def test_hostile_features_are_refused_and_nothing_changes(features, message):
    with pytest.raises(ValueError) as refused:
        parse_settings({"features": features})
    assert message in str(refused.value)
    session = Session(parse_settings({"hidden": [3], "features": ["x", "y", "y2"]}))
    session.step()
    before = session.model.state_dict()
    with pytest.raises(ValueError):
        session.act("configure", {"settings": {**session.settings.to_json(),
                                               "features": features}})
    assert session.settings.features == ("x", "y", "y2") and session.steps == 1
    assert session.model.state_dict() == before


def test_the_exports_carry_the_features_and_the_surface():
    settings = parse_settings({"dataset": "surface", "features": ["x", "y", "sinx"],
                               "test_fraction": 0.0, "lr_schedule": "decay"})
    export = train_command(settings)
    assert "--dataset surface" in export["command"]
    assert "--features x,y,sinx" in export["command"]
    assert not any("loss" in reason or "features" in reason for reason in export["missing"])
    script = python_script(settings)
    assert "data.make_surface(100, noise=0.05, seed=1337)" in script
    assert "X = data.with_features(X, ['x', 'y', 'sinx'])" in script
    assert "model = MLP(3, [8, 8, 1]" in script and "losses.mse" in script
    iris = train_command(parse_settings({"dataset": "iris", "features": ["x", "x2"]}))
    assert "--features" not in iris["command"]
    assert "the inputs x, x2: chainrule train takes Iris's four measurements" in iris["missing"]


def test_a_points_graph_takes_its_features_as_inputs():
    session = Session(parse_settings({"hidden": [2], "features": ["x", "xy", "sinx"]}))
    graph = session.inspect("train", 0)
    x, y = session.problem.train_points[0]
    assert graph["inputs"] == [x, x * y, math.sin(x)]
    assert graph["prediction"] == session.model([x, x * y, math.sin(x)]).data
    # each gradient of the point's loss beside its central difference
    assert len(graph["gradients"]) == 2 * 4 + 3
    assert all(abs(gradient - difference) <= 1e-7 * max(1.0, abs(gradient))
               for _, gradient, difference in graph["gradients"])
