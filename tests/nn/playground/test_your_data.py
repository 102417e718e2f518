"""Your own data: points added by hand or from a CSV file, checked; hostile files refused
with a message naming the line, the session unchanged."""

import pytest

from nn.playground.session import Session
from nn.playground.settings import parse_settings, points_from_csv


def test_your_points_join_the_training_set_and_a_cleared_plane_refuses_to_train():
    session = Session(parse_settings({"points": [[0.25, -1.5, 1], [3.0, 2.0, 0]]}))
    problem = session.problem
    assert len(problem.train_inputs) == 82  # 80 of the 100 moons, and yours
    assert problem.train_inputs[-2:] == [[0.25, -1.5], [3.0, 2.0]]
    assert problem.train_targets[-2:] == [1, -1]  # hinge: ±1
    assert problem.train_labels[-2:] == [1, 0]
    empty = Session(parse_settings({"dataset": "yours"}))
    with pytest.raises(ValueError, match="there are no training points: click the plane"):
        empty.act("play", {})
    assert empty.frame()[1]["bounds"][0][0] <= -2.0


@pytest.mark.parametrize("text, message", [
    ("1,2\n", "line 1 has 2 fields; each line is x,y,class"),
    ("x,y,class\n1,2,1\n1,two,0\n", "line 3: x, y and class must be numbers, got '1,two,0'"),
    ("0,0,1\n0,0,2\n", "line 2's class must be from 0 to 1, got 2.0"),
    ("0,0,0.5\n", "line 1's class must be a whole number from 0 to 1"),
    ("nan,0,1\n", "line 1's x must be a number from -10.0 to 10.0, got nan"),
    ("0,1e400,1\n", "line 1's y must be a number from -10.0 to 10.0, got inf"),
    ("0,0,0\n<script>alert(1)</script>,1,1\n", "line 2: x, y and class must be numbers"),
    ("x,y,class\n\n", "the file has no points"),
    ("0,0,0\n" * 501, "the file has more than 500 points"),
    ("0,0,0\n" * 3000, "the file has 18000 characters; a CSV of your points has at most"),
])
def test_a_bad_csv_is_refused_naming_the_line_and_nothing_changes(text, message):
    with pytest.raises(ValueError, match=None) as refused:
        points_from_csv(text)
    assert message in str(refused.value)
    session = Session(parse_settings({"hidden": [3]}))
    session.step()
    before = session.model.state_dict()
    with pytest.raises(ValueError):
        session.act("csv", {"text": text})
    assert session.settings.dataset == "moons" and session.steps == 1
    assert session.model.state_dict() == before


def test_a_csv_becomes_your_data_set():
    session = Session(parse_settings({}))
    session.act("csv", {"text": "x,y,class\n0.5, 0.5, 1\n-0.5,-0.25,0\n"})
    assert session.settings.dataset == "yours"
    assert session.settings.points == ((0.5, 0.5, 1), (-0.5, -0.25, 0))
    assert session.problem.train_inputs == [[0.5, 0.5], [-0.5, -0.25]]
    session.act("step", {})
    assert session.steps == 1


@pytest.mark.parametrize("points, message", [
    ([[0, 0]], "point 0 must be [x, y, class]"),
    ([[0, 0, 3]], "point 0's class must be from 0 to 1"),
    ([[11, 0, 1]], "point 0's x must be from -10.0 to 10.0"),
    ([[0, 0, 0]] * 501, "points must be a list of at most 500"),
    ("0,0,1", "points must be a list"),
])
def test_points_in_settings_are_checked(points, message):
    with pytest.raises(ValueError) as refused:
        parse_settings({"points": points})
    assert message in str(refused.value)
