"""A playground session trains as ``chainrule train`` does, and shows true numbers."""

import shlex
import threading

import pytest

from nn import MLP, evaluate, load
from nn.cli import main
from nn.playground.session import Session, ThreadedSession
from nn.playground.settings import parse_settings, train_command

EXPRESSIBLE = [
    {"dataset": "moons", "hidden": [4], "optimizer": "SGD", "lr": 0.5, "batch_size": 25,
     "epochs": 3},
    {"dataset": "circles", "hidden": [5, 3], "activation": "tanh", "optimizer": "Adam",
     "lr": 0.05, "batch_size": None, "epochs": 4},
    {"dataset": "blobs", "hidden": [3], "optimizer": "SGD",
     "optimizer_options": {"momentum": 0.9}, "lr": 0.1, "batch_size": 40, "epochs": 2},
    {"dataset": "moons", "features": ["x", "y", "x2", "sinx"], "hidden": [4], "optimizer": "SGD",
     "lr": 0.3, "batch_size": 50, "epochs": 2},
    {"dataset": "surface", "loss": "mse", "hidden": [4], "optimizer": "SGD", "lr": 0.05,
     "batch_size": 20, "epochs": 2},
]


@pytest.fixture
def session_of():
    return lambda given: Session(parse_settings(given))


@pytest.mark.parametrize("given", EXPRESSIBLE)
def test_the_exported_command_trains_the_same_model(given, session_of, tmp_path):
    session = session_of({**given, "test_fraction": 0.0, "lr_schedule": "decay", "seed": 7})
    export = train_command(session.settings)
    assert export["missing"] == []
    train_size = 100
    steps_per_epoch = -(-train_size // (given["batch_size"] or train_size))
    for _ in range(given["epochs"] * steps_per_epoch):
        session.step()
    saved = tmp_path / "model.json"
    arguments = shlex.split(export["command"])
    assert arguments[:2] == ["chainrule", "train"]
    assert main([*arguments[1:], "--save", str(saved), "--out", str(tmp_path)]) == 0
    assert load(saved).state_dict() == session.model.state_dict()  # bit for bit


def test_what_chainrule_train_cannot_express_is_listed():
    settings = parse_settings({"dataset": "iris", "test_fraction": 0.3, "l2": 0.0,
                               "optimizer": "RMSprop", "optimizer_options": {"centered": True}})
    missing = train_command(settings, lr_changed_at=12)["missing"]
    assert missing == [
        "Iris projected to two features: chainrule train uses all four",
        "the test split: chainrule train trains on every example",
        "RMSprop with these options: chainrule train offers sgd, momentum (SGD, 0.9), "
        "rmsprop and adam with their defaults",
        "a constant learning rate: chainrule train decays it from --lr to --lr/10 over "
        "--epochs",
        "the learning rate changed by hand at step 12",
        "L2 0: chainrule train uses 0.0001",
    ]


def test_reset_replays_the_run_and_one_step_is_one_update(session_of):
    session = session_of({"batch_size": 10, "seed": 3})
    for _ in range(5):
        session.step()
    _, frame = session.frame()
    assert (frame["steps"], frame["examples_seen"]) == (5, 50)
    after_five = session.model.state_dict()
    session.reset()
    assert session.frame()[1]["steps"] == 0
    for _ in range(5):
        session.step()
    assert session.model.state_dict() == after_five


def test_the_curves_hold_the_losses_of_the_whole_sets(session_of):
    session = session_of({"dataset": "blobs", "hidden": [6], "test_fraction": 0.25,
                          "l2": 0.01, "seed": 5})
    session.step()
    point = session.frame()[1]["curves"][-1]
    problem = session.problem
    model = MLP(**session.model.architecture())
    model.load_state_dict(session.model.state_dict())
    penalty = 0.01 * sum(value * value for value in model.state_dict().values())
    for which in ("train", "test"):
        inputs, targets = getattr(problem, f"{which}_inputs"), getattr(problem, f"{which}_targets")
        loss, accuracy = evaluate(model, inputs, targets, problem.loss)
        assert point[f"{which}_loss"] == pytest.approx(loss, rel=1e-12)
        assert point[f"{which}_objective"] == pytest.approx(loss + penalty, rel=1e-12)
        assert point[f"{which}_accuracy"] == accuracy
    assert (len(problem.train_inputs), len(problem.test_inputs)) == (75, 25)


def test_a_diverging_run_stops_with_fits_message_and_keeps_a_finite_model(session_of):
    session = session_of({"loss": "mse", "lr": 10.0, "batch_size": None, "hidden": [16, 16]})
    session.play()
    for _ in range(200):
        session.play_slice()
        if session.frame()[1]["error"]:
            break
    frame = session.frame()[1]
    assert frame["error"].startswith("training stopped at epoch ")
    assert "Try a smaller learning rate." in frame["error"]
    assert frame["running"] is False
    assert all(abs(value) < float("inf") for _, value, _, _ in frame["parameters"])


@pytest.mark.parametrize(("steps_per_second", "steps_per_slice"), [(1, 1), (5, 1), (20, 4)])
def test_a_slice_of_play_takes_the_steps_of_one_frame_interval(session_of, steps_per_second,
                                                                steps_per_slice):
    session = session_of({"hidden": [2], "batch_size": 1, "steps_per_second": steps_per_second})
    assert session.play_slice() == 0.0 and session.steps == 0  # paused: nothing
    session.act("play", {})
    left = session.play_slice()
    # a frame at most every 0.2 s: at 1 step/s the interval is a whole second
    assert 0.0 < left <= max(0.2, 1 / steps_per_second)
    assert session.steps == steps_per_slice
    assert session.frame()[1]["steps"] == steps_per_slice


def test_actions_are_checked_where_the_session_is(session_of):
    session = session_of({"hidden": [2]})
    session.act("lr", {"lr": 0.25})
    assert session.optimizer.lr == 0.25 and session.lr_changed_at == 0
    with pytest.raises(ValueError, match="unknown action 'jump'; the actions are play, pause"):
        session.act("jump", {})
    with pytest.raises(ValueError, match="lr"):
        session.act("lr", {"lr": -1})
    with pytest.raises(ValueError, match='inspect needs "set"'):
        session.act("inspect", {"set": "train", "index": True})
    assert session.optimizer.lr == 0.25  # a refused action changes nothing


def test_the_play_thread_lets_actions_in_when_updates_fill_every_interval():
    # full-batch 2-16-16-1 steps at the highest speed: every slice runs over its interval
    session = ThreadedSession(parse_settings({"hidden": [16, 16], "batch_size": None,
                                              "steps_per_second": 2000}))
    done = threading.Event()

    def change_the_rate_then_pause():
        session.act("play", {})
        session.wait_for_frame(session.frame()[0], 10.0)
        session.act("lr", {"lr": 0.5})
        session.act("pause", {})
        done.set()

    threading.Thread(target=change_the_rate_then_pause, daemon=True).start()
    # NOTE: on failure the session is left to its daemon thread: closing it would wait
    # on the very lock the test found held.
    assert done.wait(20.0), "the page's actions waited on the play thread for 20 s"
    session.close()
    assert session.optimizer.lr == 0.5 and session.running is False


@pytest.mark.parametrize(("hidden", "drawn"), [([8, 8], True), ([16, 16], False)])
def test_a_points_graph_is_drawn_or_listed_by_its_size(session_of, hidden, drawn):
    session = session_of({"hidden": hidden})
    graph = session.act("inspect", {"set": "train", "index": 0})
    model, x = session.model, session.problem.train_inputs[0]
    assert graph["loss"] == pytest.approx(
        session.problem.loss(model(x), session.problem.train_targets[0]).data, rel=1e-12)
    assert graph["drawable"] is drawn
    # the values: every parameter and input, and more computed from them
    assert graph["values"] > len(model.parameters()) + len(x)
    # hinge loss relu(1 - y·out): its first step is the relu's, ∂L/∂(1 - y·out)
    assert graph["captions"][0].startswith(f"step 1 of {len(graph['captions'])}: ∂L/∂(1.0 - ")
    if drawn:
        assert session.step_svg(graph["graph"], 1).lstrip().startswith("<?xml")
    else:
        with pytest.raises(KeyError, match="is gone"):
            session.step_svg(graph["graph"], 0)


def output_of(model, layer, neuron, point):
    values = list(point)
    for index in range(layer + 1):
        values = [unit.forward(values) for unit in model.layers[index].neurons]
        values = [getattr(value, "data", value) for value in values]
    return values[neuron]


@pytest.mark.parametrize(("hidden", "grid"), [([8, 8], 40), ([16, 16], 40), ([32, 32], 14),
                                              ([32] * 4, 14)])
def test_a_large_networks_pictures_are_on_a_coarser_grid(session_of, hidden, grid):
    session = session_of({"hidden": hidden, "examples": 20})
    _, frame = session.frame()
    assert frame["boundary"]["size"] == grid and len(frame["boundary"]["classes"]) == grid ** 2
    # whatever the grid, each neuron's picture is 14 x 14 points spanning the plane: its
    # corners and centre are the neuron's outputs there, computed here
    model = MLP(2, [*hidden, 1], seed=session.settings.seed)
    assert frame["neurons"]["size"] == 14
    (left, right), (bottom, top) = frame["bounds"]
    last = len(hidden)
    for cell in (0, 13, 14 * 14 - 1, 14 * 7 + 6):
        row, column = divmod(cell, 14)
        point = (left + (right - left) * column / 13, top - (top - bottom) * row / 13)
        for layer, neuron, index in ((0, 1, 1), (last, 0, sum(hidden))):
            expected = output_of(model, layer, neuron, point)
            assert frame["neurons"]["outputs"][index][cell] == pytest.approx(
                expected, rel=5e-3, abs=1e-9 + 5e-3 * abs(expected))
        label = 1 if output_of(model, last, 0, point) > 0 else 0
        boundary_cell = row * (grid - 1) // 13 * grid + column * (grid - 1) // 13
        assert frame["boundary"]["classes"][boundary_cell] == label


def test_while_playing_the_pictures_wait_for_their_share_of_the_time(session_of, monkeypatch):
    session = session_of({"hidden": [4], "steps_per_second": 1000})
    session.frame()
    # pictures allowed a millionth of the time: while playing, frames keep the first
    monkeypatch.setattr("nn.playground.session.PICTURE_SHARE", 1e-6)
    session.play()
    for _ in range(3):
        session.play_slice()
        _, frame = session.frame()
        assert frame["steps"] > 0 and frame["boundary"]["at_step"] == 0
    session.pause()  # paused, the picture is the model's now
    _, frame = session.frame()
    assert frame["boundary"]["at_step"] == frame["steps"] > 0
    # all the time they need: every frame's pictures are its own
    monkeypatch.setattr("nn.playground.session.PICTURE_SHARE", 1.0)
    session.play()
    session.play_slice()
    _, frame = session.frame()
    assert frame["boundary"]["at_step"] == frame["steps"]
