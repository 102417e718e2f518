"""Data sets (shapes, geometry, seeds, Iris's known statistics) and batches."""

import math
import random
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn import data
from nn.data import (
    IRIS_CLASSES,
    IRIS_FEATURES,
    batches,
    load_iris,
    make_blobs,
    make_circles,
    make_moons,
    standardize,
    train_test_split,
)


def test_moons_without_noise_lie_on_two_half_circles():
    X, y = make_moons(51, noise=0.0, seed=0)
    assert len(X) == 51 and y.count(0) == 25 and y.count(1) == 26
    for (a, b), label in zip(X, y):
        if label == 0:  # upper: centre (0, 0), radius 1
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:  # lower: centre (1, 0.5), radius 1
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_circles_without_noise_have_radius_one_and_factor():
    X, y = make_circles(40, noise=0.0, factor=0.3, seed=0)
    radii = {label: sorted({round(math.hypot(a, b), 9) for (a, b), lab in zip(X, y)
                            if lab == label}) for label in (0, 1)}
    assert radii == {0: [1.0], 1: [0.3]}
    assert len({(round(a, 9), round(b, 9)) for a, b in X}) == 40  # no point twice


def test_blobs_share_rows_evenly_around_their_centres():
    X, y = make_blobs(10, centers=3, seed=0, std=0.0)
    assert [y.count(label) for label in range(3)] == [4, 3, 3]
    centres = {label: {tuple(row) for row, lab in zip(X, y) if lab == label} for label in range(3)}
    assert all(len(points) == 1 for points in centres.values())
    assert all(-10 <= c <= 10 for points in centres.values() for point in points for c in point)
    X, y = make_blobs(3000, centers=2, seed=1, std=2.0)
    first = [row[0] for row, label in zip(X, y) if label == 0]
    assert statistics.stdev(first) == pytest.approx(2.0, rel=0.08)


@pytest.mark.parametrize("make", [make_moons, make_circles, make_blobs])
def test_generators_are_seeded_and_leave_global_random_alone(make):
    state = random.getstate()
    assert make(30, seed=3) == make(30, seed=3)
    assert make(30, seed=3) != make(30, seed=4)
    assert random.getstate() == state


@pytest.mark.parametrize("call, message", [
    (lambda: make_moons(0), "n must be an int >= 1"),
    (lambda: make_moons(10, noise=-0.1), "noise"),
    (lambda: make_circles(10, factor=1.0), "factor"),
    (lambda: make_blobs(10, centers=0), "centers"),
    (lambda: make_blobs(10, std=math.nan), "std"),
])
def test_bad_generator_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_iris_has_fishers_known_statistics():
    X, y = load_iris()
    assert len(X) == 150 and all(len(row) == 4 for row in X)
    assert [y.count(label) for label in range(3)] == [50, 50, 50]
    means = [round(statistics.mean(row[i] for row in X), 3) for i in range(4)]
    assert means == [5.843, 3.057, 3.758, 1.199]
    setosa_means = [round(statistics.mean(row[i] for row, label in zip(X, y) if label == 0), 3)
                    for i in range(4)]
    assert setosa_means == [5.006, 3.428, 1.462, 0.246]
    assert X[0] == [5.1, 3.5, 1.4, 0.2] and y[0] == 0
    assert X[-1] == [5.9, 3.0, 5.1, 1.8] and y[-1] == 2
    assert len(IRIS_FEATURES) == 4 and IRIS_CLASSES == ["setosa", "versicolor", "virginica"]


def test_standardize_gives_mean_zero_and_spread_one():
    X = standardize([[1.0, 5.0, 7.0], [2.0, 5.0, 9.0], [6.0, 5.0, 11.0]])
    columns = list(zip(*X))
    assert [statistics.fmean(c) for c in columns] == pytest.approx([0, 0, 0], abs=1e-15)
    assert [statistics.pstdev(c) for c in columns] == pytest.approx([1, 0, 1], abs=1e-15)
    assert [row[2] for row in X] == pytest.approx([-1.5 ** 0.5, 0.0, 1.5 ** 0.5])


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(1, 40), batch_size=st.none() | st.integers(1, 50),
       shuffle=st.booleans(), seed=st.integers(0, 2**32))
def test_an_epoch_covers_every_row_exactly_once(rows, batch_size, shuffle, seed):
    X = [[float(i), -float(i)] for i in range(rows)]
    y = [i % 3 for i in range(rows)]
    epoch = batches(X, y, batch_size, shuffle=shuffle, seed=seed)
    size = rows if batch_size is None else min(batch_size, rows)
    assert len(epoch) == math.ceil(rows / size)
    assert all(len(xs) == len(ys) == size for xs, ys in epoch[:-1])
    assert 1 <= len(epoch[-1][0]) <= size
    seen = [(tuple(row), label) for xs, ys in epoch for row, label in zip(xs, ys)]
    assert sorted(seen) == sorted((tuple(row), label) for row, label in zip(X, y))
    if not shuffle:
        assert [row for row, _ in seen] == [tuple(row) for row in X]


def test_shuffling_is_seeded():
    X, y = [[float(i)] for i in range(20)], list(range(20))
    assert batches(X, y, 5, seed=1) == batches(X, y, 5, seed=1)
    assert batches(X, y, 5, seed=1) != batches(X, y, 5, seed=2)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, "4"])
def test_bad_batch_sizes(batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        batches([[1.0]] * 4, [0] * 4, batch_size)


def test_empty_or_mismatched_data():
    with pytest.raises(ValueError, match="no data"):
        batches([], [], None)
    with pytest.raises(ValueError, match="3 rows but y has 2 labels"):
        batches([[1.0]] * 3, [0, 1], 1)


def test_train_test_split_holds_out_the_share_and_loses_no_row():
    X = [[float(i), -float(i)] for i in range(50)]
    y = list(range(50))
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, seed=3)
    assert (len(X_train), len(X_test)) == (40, 10)
    assert sorted(y_train + y_test) == y  # a partition: each row once
    assert all(row == [float(label), -float(label)] for row, label in
               zip(X_train + X_test, y_train + y_test))  # rows keep their labels
    assert y_train == sorted(y_train) and y_test == sorted(y_test)  # the data's own order
    assert train_test_split(X, y, 0.2, seed=3)[3] == y_test
    assert train_test_split(X, y, 0.2, seed=4)[3] != y_test
    assert len(train_test_split(X[:3], y[:3], 0.01)[1]) == 1  # at least one held out


@pytest.mark.parametrize("share, message", [
    (0.0, "between 0 and 1"), (1.0, "between 0 and 1"), (1.5, "got 1.5"),
    (float("nan"), "test_share"), (0.9, "leaves no row to train on"),
])
def test_train_test_split_refuses_a_share_that_holds_out_nothing_or_everything(share, message):
    with pytest.raises(ValueError, match=message):
        train_test_split([[0.0], [1.0]], [0, 1], share)


def test_train_test_split_refuses_mismatched_rows_and_labels():
    with pytest.raises(ValueError, match="X has 2 rows but y has 1 labels"):
        train_test_split([[0.0], [1.0]], [0], 0.5)


def test_standardize_names_a_ragged_row():
    # before: zip() dropped the second column without a word
    with pytest.raises(ValueError, match="row 0 has 2 values, row 2 has 1"):
        data.standardize([[1.0, 2.0], [3.0, 4.0], [5.0]])



def test_standardize_names_a_nan_cell():
    # before: AttributeError from inside statistics
    with pytest.raises(ValueError, match=r"X\[1\]\[0\] is nan"):
        data.standardize([[1.0, 2.0], [math.nan, 4.0]])



def test_standardize_by_hand():
    # columns (1, 3) and (10, 10): mean 2 and spread 1; constant 10 only shifted
    assert data.standardize(np.array([[1.0, 10.0], [3.0, 10.0]])) == [[-1.0, 0.0], [1.0, 0.0]]


# --- the input features of a point (x, y) ----------------------------------------------


def test_each_input_feature_at_a_hand_computed_point():
    # at (0.5, -2): x² = 0.25, y² = 4, x·y = -1, sin 0.5 = 0.479425538604203,
    # sin(-2) = -0.9092974268256817 (to 16 digits, from the series)
    row = data.with_features([[0.5, -2.0]], list(data.INPUT_FEATURES))[0]
    assert row[:5] == [0.5, -2.0, 0.25, 4.0, -1.0]
    assert row[5] == pytest.approx(0.479425538604203, abs=1e-15)
    assert row[6] == pytest.approx(-0.9092974268256817, abs=1e-15)
    assert [label for label, _ in data.INPUT_FEATURES.values()] == [
        "x", "y", "x²", "y²", "x·y", "sin x", "sin y"]


def test_features_come_in_the_tables_order_whatever_order_they_are_named_in():
    assert data.checked_features(["siny", "x2", "x"]) == ("x", "x2", "siny")
    assert data.with_features([[3.0, 1.0], [-1.0, 2.0]], ["xy", "y"]) == [[1.0, 3.0],
                                                                          [2.0, -2.0]]
    assert data.with_features([[3.0, 1.0]], data.PLANE_FEATURES) == [[3.0, 1.0]]


@pytest.mark.parametrize("names, message", [
    (["x", "z"], "there is no input feature 'z'; the features are x, y, x2, y2, xy, sinx, siny"),
    (["x", "x2", "x"], "features name x more than once"),
    ([], "features must name at least one input"),
    ("x,y", "features must be a list of names"),
    ([1], "there is no input feature 1"),
    (["<img src=x onerror=alert(1)>" * 5], "there is no input feature '<img src=x onerror="),
    (None, "features must be a list of names"),
])
def test_unknown_repeated_or_no_features_are_refused(names, message):
    with pytest.raises(ValueError) as refused:
        data.checked_features(names)
    assert message in str(refused.value)
    assert len(str(refused.value)) < 140


def test_the_surface_is_sin_x_cos_y_plus_seeded_noise():
    X, targets = data.make_surface(200, noise=0.0, seed=4)
    assert all(-2.0 <= x <= 2.0 and -2.0 <= y <= 2.0 for x, y in X)
    assert targets == [math.sin(x) * math.cos(y) for x, y in X]
    noisy_X, noisy = data.make_surface(200, noise=0.05, seed=4)
    assert noisy_X == X  # the points first, then the noise, from one generator
    residuals = [value - exact for value, exact in zip(noisy, targets)]
    assert 0.04 < statistics.pstdev(residuals) < 0.06
    assert data.make_surface(200, noise=0.05, seed=4) == (noisy_X, noisy)
    assert data.make_surface(200, noise=0.05, seed=5)[0] != X
