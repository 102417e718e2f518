"""Learner traps on Value: each refused with a message naming the fix (issue 11)."""

import math
import subprocess
import sys

import pytest

from autograd import Value, data_of, grad, ops


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


def test_math_functions_and_float_cannot_lose_a_gradient_without_a_word():
    """math.tanh(v) used to return a float through float(v): the gradient was lost."""
    x = Value(0.5)
    for lose in (float, math.tanh, math.exp, math.isfinite):
        with pytest.raises(TypeError, match=r"would drop it from the graph and lose its "
                                            r"gradient.*use v\.data or v\.item\(\) for the "
                                            r"number \(0\.5\), or a Value method such as "
                                            r"v\.tanh\(\)"):
            lose(x)
    assert x.item() == x.data == 0.5 and data_of(x) == 0.5 and data_of(3) == 3.0


def test_a_constant_converts_it_has_no_gradient_to_lose():
    """pow's partial reads its constant exponent with float(), also on Values."""
    x = Value(2.0)
    three = (x ** 3).parents[1]
    assert three.is_constant and float(three) == 3.0
    assert grad(grad(lambda t: t ** 3))(2.0) == 12.0


def test_a_value_is_true_as_its_number_is():
    # micrograd's Value has no __bool__: `if v:` took the branch for 0.0 too
    assert [bool(Value(x)) for x in (0.0, -0.0, 2.0, -1e-300, math.nan, math.inf)] == [
        False, False, True, True, True, True]
    assert not Value(1.0) - 1.0  # a computed zero
    assert (Value(3.0) * 0.0 or "fallback") == "fallback"


def test_truth_of_a_traced_value_warns_that_it_is_frozen():
    import warnings

    from autograd import compile
    from autograd.value import TraceWarning

    w = Value(1.0)

    def f(x):
        return w * x if w * x else -w * x

    step = compile(f, [w])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        step(2.0)
    assert any(issubclass(c.category, TraceWarning) and "decides once" in str(c.message)
               for c in caught)


def test_a_format_spec_formats_the_number():
    loss = Value(0.123456, label="loss")
    assert f"{loss:.3f}" == "0.123" and f"{loss:>8.2e}" == "1.23e-01"
    assert f"{loss}" == repr(loss) == "Value(label='loss', data=0.123456, grad=0.0)"
    with pytest.raises(ValueError, match="Unknown format code 'd'"):
        f"{loss:d}"
