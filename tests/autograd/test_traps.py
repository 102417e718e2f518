"""Learner traps on Value: each refused with a message naming the fix (issue 11)."""

import subprocess
import sys

import pytest

from autograd import Value, ops


def test_xor_says_to_use_double_star_for_powers():
    x = Value(3.0)
    for attempt in (lambda: x ^ 2, lambda: 2 ^ x, lambda: x ^ x):
        with pytest.raises(TypeError, match=r"\^ is exclusive or in Python, not a power: "
                                            r"write x \*\* 2"):
            attempt()


@pytest.mark.parametrize("typed, meant", [
    ("tahn", "tanh"), ("Tanh", "tanh"), ("TANH", "tanh"), ("ln", "log"), ("epx", "exp"),
    ("bakcward", "backward"), ("Grad", "grad"),
])
def test_a_misspelled_attribute_says_what_was_meant(typed, meant):
    with pytest.raises(AttributeError, match=f"'Value' object has no attribute '{typed}': "
                                             f"did you mean {meant}\\?"):
        getattr(Value(1.0), typed)


def test_every_row_called_by_name_gets_its_slips_covered():
    """A new row of the table is covered with no edit: the slips come from its name."""
    x = Value(0.5)
    for row in ops.FUNCTIONS:
        if len(row.name) < 2:
            continue
        swapped = row.name[1] + row.name[0] + row.name[2:]
        if swapped == row.name or hasattr(Value, swapped):
            continue
        with pytest.raises(AttributeError, match=f"did you mean {row.name}\\?"):
            getattr(x, swapped)


def test_misspellings_are_hidden_from_completion_and_cannot_be_assigned():
    x = Value(1.0)
    names = dir(x)
    assert "tanh" in names and "data" in names
    assert "tahn" not in names and "ln" not in names and "Tanh" not in names
    with pytest.raises(AttributeError, match="did you mean grad"):
        x.Grad = None
    assert not hasattr(x, "tahn")


def test_an_unknown_name_far_from_any_is_the_plain_error():
    with pytest.raises(AttributeError) as missing:
        Value(1.0).numpy()
    assert "did you mean" not in str(missing.value)


def test_the_hint_shows_in_a_traceback_once():
    finished = subprocess.run(
        [sys.executable, "-c", "from autograd import Value; Value(1.0).tahn()"],
        capture_output=True, text=True)
    last = finished.stderr.strip().splitlines()[-1]
    assert last == "AttributeError: 'Value' object has no attribute 'tahn': did you mean tanh?"
