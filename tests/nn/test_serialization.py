"""Save and load: exact round trips, atomic writes, and files that lie."""

import json
import math
import os
import socket
import stat
import threading
import time

import numpy as np
import pytest

import nn
from nn import MLP, load, save, serialization

from .. import hostile


def test_round_trip_is_exact(tmp_path):
    model = MLP(3, [5, 4, 2], activation="tanh", output_activation="sigmoid", seed=4)
    path = tmp_path / "model.json"
    nn.save(model, path)
    loaded = nn.load(path)
    assert loaded.architecture() == model.architecture()
    assert loaded.state_dict() == model.state_dict()  # floats equal to the last bit
    inputs = [0.3, -1.2, 2.5]
    assert [v.data for v in loaded(inputs)] == [v.data for v in model(inputs)]
    assert loaded is not model and loaded.parameters()[0] is not model.parameters()[0]


def test_file_is_readable_json_with_format_and_version(tmp_path):
    path = tmp_path / "model.json"
    nn.save(MLP(2, [1], seed=0), path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "chainrule.mlp" and document["version"] == 1
    assert document["architecture"] == {"nin": 2, "nouts": [1], "activation": "relu",
                                        "output_activation": None}
    assert set(document["parameters"]) == {"layer0.neuron0.w0", "layer0.neuron0.w1",
                                           "layer0.neuron0.b"}
    assert nn.load(path).state_dict() == document["parameters"]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_an_interrupted_save_keeps_the_old_file_and_leaves_no_temporary(
        tmp_path, monkeypatch, failing):
    path = tmp_path / "model.json"
    nn.save(MLP(2, [3, 1], seed=1), path)
    old = path.read_bytes()

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, failing, interrupted)
    with pytest.raises(KeyboardInterrupt):
        nn.save(MLP(2, [3, 1], seed=2), path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["model.json"]


def test_a_non_finite_model_is_not_saved(tmp_path):
    model = MLP(2, [1], seed=0)
    model.parameters()[0].data = float("nan")
    with pytest.raises(ValueError, match="parameter layer0.neuron0.w0 must be a finite number"):
        nn.save(model, tmp_path / "model.json")
    assert os.listdir(tmp_path) == []


def test_only_mlps_are_saved(tmp_path):
    with pytest.raises(TypeError, match="writes an MLP"):
        nn.save(nn.Layer(2, 2), tmp_path / "layer.json")


def good_document():
    model = MLP(2, [3, 1], seed=0)
    return {"format": "chainrule.mlp", "version": 1, "architecture": model.architecture(),
            "parameters": model.state_dict()}


def edited(change):
    document = good_document()
    change(document)
    return json.dumps(document)


def set_parameter(value):
    def change(document):
        document["parameters"]["layer0.neuron0.w0"] = value
    return change


def bias_written_as(literal):
    text = json.dumps(good_document())
    bias = '"layer0.neuron0.b": 0.0'
    assert bias in text
    return text.replace(bias, f'"layer0.neuron0.b": {literal}')


# each bad file and a fragment of the problem its error must name
BAD_FILES = {
    "truncated": (json.dumps(good_document())[:200], "not complete, valid JSON"),
    "not json": ("model = pickle.loads(...)", "not complete, valid JSON"),
    "empty": ("", "not complete, valid JSON"),
    "nested very deep": ("[" * 100_000 + "]" * 100_000, "not complete, valid JSON"),
    "a list": ("[1, 2, 3]", "must be a JSON object"),
    "missing key": (edited(lambda d: d.pop("parameters")), "exactly the keys"),
    "extra key": (edited(lambda d: d.update(comment="hi")), "exactly the keys"),
    "other format": (edited(lambda d: d.update(format="pickle")), "format is 'pickle'"),
    "newer version": (edited(lambda d: d.update(version=2)), "version 2 cannot be read"),
    "version true": (edited(lambda d: d.update(version=True)), "version True cannot be read"),
    "nin a string": (edited(lambda d: d["architecture"].update(nin="2")), "nin must be an int"),
    "huge layer": (edited(lambda d: d["architecture"].update(nouts=[10**9, 1])),
                   "each layer size must be an int from 1 to 1000000"),
    "too many parameters": (edited(lambda d: d["architecture"].update(nouts=[4096, 4096, 1])),
                            "16,797,697 parameters"),  # 3·4096 + 4097·4096 + 4097
    "too many layers": (edited(lambda d: d["architecture"].update(nouts=[1] * 600_000)),
                        "1,200,001 parameters"),  # 3 in the first layer, 2 in each next
    "no layers": (edited(lambda d: d["architecture"].update(nouts=[])),
                  "1 to 1,000,000 layer sizes"),
    "unknown activation": (edited(lambda d: d["architecture"].update(activation="swish")),
                           "activation must be one of"),
    "unhashable activation": (edited(lambda d: d["architecture"].update(activation=["relu"])),
                              "activation must be one of"),
    "wrong architecture": (edited(lambda d: d["architecture"].update(nouts=[4, 1])),
                           "does not fit"),
    "missing parameter": (edited(lambda d: d["parameters"].pop("layer1.neuron0.b")),
                          "1 missing"),
    "string parameter": (edited(set_parameter("0.5")), "finite number"),
    "boolean parameter": (edited(set_parameter(True)), "finite number"),
    "null parameter": (edited(set_parameter(None)), "finite number"),
    "huge integer parameter": (edited(set_parameter(10**400)), "finite number"),
    "NaN parameter": (bias_written_as("NaN"), "NaN is not a number JSON allows"),
    "Infinity parameter": (bias_written_as("-Infinity"), "-Infinity is not a number"),
    "overflowing parameter": (bias_written_as("1e999"), "finite number, got inf"),
    "duplicate key": (json.dumps(good_document())[:-1] + ', "format": "chainrule.mlp"}',
                      "duplicate keys ['format']"),
}


@pytest.mark.parametrize("text, problem", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_raises_value_error_naming_it_and_the_problem(tmp_path, text, problem):
    path = tmp_path / "model.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="model.json is not a valid chainrule model file") as error:
        nn.load(path)
    assert problem in str(error.value)


def test_invalid_utf8_and_oversized_files(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    path.write_bytes(b'{"format": "\xff\xfe"}')
    with pytest.raises(ValueError, match="not complete, valid JSON"):
        nn.load(path)
    nn.save(MLP(2, [3, 1], seed=0), path)
    monkeypatch.setattr(serialization, "MAX_FILE_BYTES", 100)
    with pytest.raises(ValueError, match="larger than 100 bytes"):
        nn.load(path)


def test_a_missing_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nowhere.json")


def test_save_creates_missing_folders_and_names_an_unwritable_path(tmp_path):
    model = MLP(2, [3, 1], seed=4)
    target = tmp_path / "new" / "folder" / "model.json"
    nn.save(model, target)
    assert nn.load(target).state_dict() == model.state_dict()
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(OSError, match=f"cannot write {blocker / 'model.json'}"):
        nn.save(model, blocker / "model.json")
    assert blocker.read_text() == "not a folder"


def make_non_file(kind, path):
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        os.symlink("/dev/zero", path)  # an endless device, through a link
    elif kind == "folder":
        os.mkdir(path)
    else:
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(os.fspath(path))
        return listener
    return None


@pytest.mark.parametrize("what, kind, message", hostile.NOT_FILES,
                         ids=[case[0] for case in hostile.NOT_FILES])
def test_load_refuses_what_is_not_a_regular_file_before_opening_it(tmp_path, what, kind,
                                                                   message):
    path = tmp_path / "model.json"
    keep = make_non_file(kind, path)
    outcome = []

    def attempt():
        with pytest.raises(ValueError) as refused:
            nn.load(path)
        outcome.append(str(refused.value))
    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(10)  # a FIFO once blocked open() forever
    assert not worker.is_alive(), f"load() still waits on a {what}"
    assert outcome == [f"{path} is not a valid chainrule model file: {message}; a model "
                       f"file is a regular file"]
    if keep is not None:
        keep.close()


@pytest.mark.parametrize("what, text, message", hostile.CROWDED_FILES,
                         ids=[case[0] for case in hostile.CROWDED_FILES])
def test_a_file_of_millions_of_entries_is_refused_before_it_is_parsed(tmp_path, monkeypatch,
                                                                     what, text, message):
    path = tmp_path / "model.json"
    path.write_text(text)
    assert path.stat().st_size < serialization.MAX_FILE_BYTES

    def never(*arguments, **options):
        raise AssertionError("parsed")
    monkeypatch.setattr(serialization.json, "loads", never)
    with pytest.raises(ValueError, match=message):
        nn.load(path)


def test_the_largest_model_is_under_the_entry_limits(tmp_path):
    # a file has one key per parameter and 8 more (4 at the top, 4 in the
    # architecture), and a comma between any two: at MAX_PARAMETERS both
    # counts stay under MAX_ENTRIES
    model = MLP(2, [3, 1], seed=0)
    path = tmp_path / "model.json"
    nn.save(model, path)
    data = path.read_bytes()
    parameters = len(model.parameters())
    assert data.count(b":") == parameters + 8
    assert data.count(b",") <= parameters + 8
    assert serialization.MAX_PARAMETERS + 8 <= serialization.MAX_ENTRIES


def test_save_refuses_a_non_finite_parameter_by_name_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "model.json"
    model = MLP(2, [3, 1], seed=0)
    save(model, path)
    good = path.read_bytes()
    model.layers[0].neurons[1].w[1].data = math.inf
    with pytest.raises(ValueError, match=r"parameter layer0\.neuron1\.w1 .*got inf"):
        save(model, path)
    assert path.read_bytes() == good
    assert load(path).state_dict() == MLP(2, [3, 1], seed=0).state_dict()



@pytest.mark.parametrize("hidden", [[1] * 65, [8000]])
def test_what_save_writes_load_reads(tmp_path, hidden):
    # before: both saved, and load refused them (at most 64 layers, width 4096)
    model = MLP(2, [*hidden, 1], seed=0)
    save(model, tmp_path / "model.json")
    assert load(tmp_path / "model.json").state_dict() == model.state_dict()



def test_save_and_load_share_the_parameter_limit(tmp_path, monkeypatch):
    monkeypatch.setattr("nn.serialization.MAX_PARAMETERS", 12)
    with pytest.raises(ValueError, match="13 parameters; the limit is 12"):
        save(MLP(2, [3, 1], seed=0), tmp_path / "model.json")
    assert not (tmp_path / "model.json").exists()



def test_a_file_of_many_junk_keys_is_refused_quickly(tmp_path):
    # before: the duplicate-key check was quadratic (100k keys: minutes)
    path = tmp_path / "junk.json"
    path.write_text('{"format": "chainrule.mlp", "parameters": {'
                    + ", ".join(f'"k{i}": 0' for i in range(200_000)) + "}}")
    started = time.perf_counter()
    with pytest.raises(ValueError, match="exactly the keys"):
        load(path)
    assert time.perf_counter() - started < 10  # a hang guard, not a benchmark



def test_save_through_a_link_writes_its_target_and_keeps_the_mode(tmp_path):
    target, link = tmp_path / "real.json", tmp_path / "link.json"
    save(MLP(2, [1], seed=0), target)
    os.chmod(target, 0o600)
    link.symlink_to(target)
    save(MLP(2, [1], seed=1), link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert load(target).state_dict() == MLP(2, [1], seed=1).state_dict()



@pytest.mark.parametrize("path, message", [
    ("", "the path is empty"),
    ("newdir/", "it names a folder; give a file name in it"),
    (".", "it is a folder"),
    ("/dev/null", "not a regular file"),
    ("model.json/inner.json", "a part of its folder is a file"),
])
def test_save_path_errors_name_the_path_and_the_fix(tmp_path, monkeypatch, path, message):
    monkeypatch.chdir(tmp_path)
    save(MLP(2, [1], seed=0), "model.json")
    with pytest.raises(OSError, match=message):
        save(MLP(2, [1], seed=1), path)
    assert load("model.json").state_dict() == MLP(2, [1], seed=0).state_dict()
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")



def test_disk_full_names_the_path_and_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    save(MLP(2, [1], seed=0), path)

    def full(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match=f"cannot write {path}: No space left on device; "
                                      f"the old file is unchanged"):
        save(MLP(2, [1], seed=1), path)
    monkeypatch.undo()
    assert load(path).state_dict() == MLP(2, [1], seed=0).state_dict()
    assert os.listdir(tmp_path) == ["model.json"]  # the temporary file removed



def test_a_killed_save_s_leftover_is_removed_by_the_next_save(tmp_path):
    leftover = tmp_path / ".model.json.0123456789ab.tmp"
    leftover.write_bytes(b"x" * 1000)
    os.utime(leftover, (0, 0))  # from long ago
    fresh = tmp_path / ".model.json.ba9876543210.tmp"
    fresh.write_bytes(b"a save running now")
    save(MLP(2, [1], seed=0), tmp_path / "model.json")
    assert sorted(os.listdir(tmp_path)) == [fresh.name, "model.json"]



def test_a_numpy_parameter_is_saved_as_a_float(tmp_path):
    model = MLP(2, [1], seed=0)
    model.layers[0].neurons[0].b.data = np.float32(0.25)
    save(model, tmp_path / "model.json")
    assert load(tmp_path / "model.json").layers[0].neurons[0].b.data == 0.25
