"""A run exported: the model as the JSON nn.load reads, and a Python script that trains
the same model, bit for bit."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nn import load
from nn.playground.session import Session
from nn.playground.settings import parse_settings, python_script

ROOT = Path(__file__).resolve().parents[3]

RUNS = [
    {"epochs": 2},  # the page's defaults: moons, a test split, constant lr, batch 10
    {"dataset": "iris", "loss": "cross_entropy", "optimizer": "Adam", "lr": 0.05,
     "lr_schedule": "decay", "batch_size": None, "epochs": 3, "iris_features": [0, 2]},
    {"dataset": "blobs", "optimizer": "RMSprop", "optimizer_options": {"centered": True},
     "lr": 0.01, "batch_size": 7, "epochs": 2, "seed": 5, "activation": "tanh"},
    {"dataset": "circles", "loss": "bce_with_logits", "hidden": [4], "examples": 60,
     "noise": 0.2, "test_fraction": 0.0, "l2": 0.0, "epochs": 2,
     "optimizer_options": {"momentum": 0.5, "nesterov": True}},
    {"dataset": "yours", "points": [[0.5, 0.5, 1], [-1.0, 0.25, 0], [0.0, -1.5, 1]],
     "batch_size": 2, "lr_schedule": "decay", "epochs": 2},
    {"points": [[2.5, 2.5, 0]], "epochs": 1},
    {"features": ["x", "y", "x2", "y2", "xy", "sinx", "siny"], "hidden": [3], "epochs": 2},
    {"dataset": "surface", "features": ["sinx", "y"], "lr_schedule": "decay", "epochs": 2},
    {"dataset": "iris", "loss": "cross_entropy", "features": ["x", "xy"], "epochs": 1},
]


def trained(settings):
    """A session after ``settings.epochs`` whole epochs."""
    session = Session(settings)
    train = len(session.problem.train_inputs)
    for _ in range(settings.epochs * math.ceil(train / (settings.batch_size or train))):
        session.step()
    return session


@pytest.mark.parametrize("given", RUNS)
def test_the_script_trains_the_sessions_model_bit_for_bit(given, tmp_path):
    settings = parse_settings(given)
    session = trained(settings)
    script = tmp_path / "run.py"
    script.write_text(python_script(settings))
    subprocess.run([sys.executable, str(script)], cwd=tmp_path, check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True)
    assert load(tmp_path / "model.json").state_dict() == session.model.state_dict()


def test_the_exported_model_is_the_json_nn_load_reads(tmp_path):
    session = Session(parse_settings({"hidden": [3], "epochs": 1}))
    for _ in range(4):
        session.step()
    exported = session.act("export", {})
    path = tmp_path / "model.json"
    path.write_text(exported["model"])
    model = load(path)
    assert model.state_dict() == session.model.state_dict()
    assert model.architecture() == session.model.architecture()
    assert exported["script"] == python_script(session.settings)
    assert exported["command"] == session.frame()[1]["export"]["command"]
    assert json.loads(exported["model"])["format"] == "chainrule.mlp"
    assert all(math.isfinite(value) for value in model.state_dict().values())


def test_a_weight_set_by_hand_is_named_among_what_the_exports_cannot_repeat():
    session = Session(parse_settings({"hidden": [3]}))
    session.step()
    session.act("parameter", {"name": "layer1.neuron0.w2", "value": -0.5})
    assert session.model.layers[1].neurons[0].w[2].data == -0.5
    assert "layer1.neuron0.w2 set by hand at step 1" in session.act("export", {})["missing"]
    session.play()
    with pytest.raises(ValueError, match="pause the training first"):
        session.act("parameter", {"name": "layer1.neuron0.w2", "value": 1.0})
    assert session.model.layers[1].neurons[0].w[2].data == -0.5
