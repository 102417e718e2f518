"""The static pages' Python (nn.playground.worker.Pages), run here as Pyodide runs it."""

import json
import math

import pytest

from nn.playground.worker import SNIPPET_OUTPUT_CHARACTERS, Pages


def test_a_session_sends_each_frame_once_and_plays_in_slices():
    pages = Pages()
    pages.start(json.dumps({"hidden": [3], "steps_per_second": 10}))
    first = json.loads(pages.frame())
    assert first["steps"] == 0 and len(first["parameters"]) == 2 * 3 + 3 + 3 + 1
    assert pages.frame() is None  # the page has it
    assert pages.play_slice() == -1.0  # paused: the worker's timer stops
    json.loads(pages.act("play", "{}"))
    left = pages.play_slice()
    assert 0.0 < left <= 0.2  # 10 steps/s: 2 updates a frame interval, then the wait
    assert json.loads(pages.frame())["steps"] == 2
    with pytest.raises(ValueError, match="unknown action 'jump'"):
        pages.act("jump", "{}")


def test_a_formulas_gradients_and_frames():
    pages = Pages()
    answer = json.loads(pages.formula("tanh(w*x + b)", "x=1, w=-2 b=0.5 c=3"))
    out = math.tanh(-2 * 1 + 0.5)
    slope = 1 - out * out
    assert answer["value"] == pytest.approx(out, rel=1e-15)
    assert answer["gradients"] == [["x", pytest.approx(slope * -2, rel=1e-15), True],
                                   ["w", pytest.approx(slope * 1, rel=1e-15), True],
                                   ["b", pytest.approx(slope, rel=1e-15), True],
                                   ["c", 0.0, False]]
    frames = answer["frames"]
    assert frames[0]["caption"].startswith(f"step 0 of {len(frames) - 1}: the forward pass")
    assert frames[1]["caption"].startswith(f"step 1 of {len(frames) - 1}: ")
    with pytest.raises(ValueError, match=f"frames 0 to {len(frames) - 1}, not {len(frames)}"):
        pages.formula_svg(len(frames))


@pytest.mark.parametrize(("formula", "values", "message"), [
    ("__import__('os')", "", "__import__"),
    ("tanh(w*x)", "x=1 w=nan", "is not a finite number"),
    ("x +", "x=1", "not a valid expression: invalid syntax"),
])
def test_a_refused_formula_says_why(formula, values, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        Pages().formula(formula, values)


def test_a_snippet_prints_and_a_failing_one_shows_its_own_traceback():
    pages = Pages()
    answer = json.loads(pages.run("from autograd import Value\nx = Value(3.0)\n"
                                  "y = x * x\ny.backward()\nprint(x.grad)"))
    assert answer == {"output": "6.0\n", "failed": False}
    failed = json.loads(pages.run("print('before')\n1 / 0"))
    assert failed["failed"] is True
    lines = failed["output"].splitlines()
    assert lines[:2] == ["before", "Traceback (most recent call last):"]
    assert lines[2] == '  File "<your code>", line 2, in <module>'
    assert lines[-1] == "ZeroDivisionError: division by zero"
    long = json.loads(pages.run("print('x' * 50_000)"))["output"]
    assert len(long) == SNIPPET_OUTPUT_CHARACTERS + len("\n… (output cut)")
