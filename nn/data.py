"""Data sets and batches: the three kinds of gradient descent.

Every data set is a pair ``(X, y)``: ``X`` a list of rows (lists of floats),
``y`` a list of labels, class indices ``0 … k-1`` (real values for the
regression task :func:`make_surface`). The generators are
seeded (see ``nn/_arguments.py``) and need nothing outside the standard library.

:func:`batches` splits the rows for one epoch, and its ``batch_size`` is the
only difference between the three kinds of gradient descent:

=======================  ==============  =================================
kind                     ``batch_size``  one update uses
=======================  ==============  =================================
stochastic (SGD)         ``1``           one example
mini-batch               ``2 … n-1``     a few examples
batch (full batch)       ``None``        every example
=======================  ==============  =================================
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from importlib import resources

from ._arguments import checked_int, checked_number, generator

# The inputs a network can take from a point (x, y) of the plane, as TensorFlow
# Playground offers them: name -> (label, function of x and y). The playground,
# its exports and ``chainrule train --features`` all read this table; the
# network's inputs are the chosen ones, in the table's order.
INPUT_FEATURES = {
    "x": ("x", lambda x, y: x),
    "y": ("y", lambda x, y: y),
    "x2": ("x²", lambda x, y: x * x),
    "y2": ("y²", lambda x, y: y * y),
    "xy": ("x·y", lambda x, y: x * y),
    "sinx": ("sin x", lambda x, y: math.sin(x)),
    "siny": ("sin y", lambda x, y: math.sin(y)),
}
PLANE_FEATURES = ("x", "y")  # the point itself

IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)",
                 "petal width (cm)"]
IRIS_CLASSES = ["setosa", "versicolor", "virginica"]


def _angles(count, stop):
    """``count`` angles evenly spaced from 0 to ``stop``, both ends included."""
    if count == 1:
        return [0.0]
    return [stop * index / (count - 1) for index in range(count)]


def _noisy_and_shuffled(points, labels, noise, rng):
    rows = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] for x, y in points]
    order = list(range(len(rows)))
    rng.shuffle(order)
    return [rows[i] for i in order], [labels[i] for i in order]


def make_moons(n: int = 100, noise: float = 0.1, seed=None):
    """Two interleaving half circles (class 0 above, class 1 below), each
    point moved by Gaussian noise of standard deviation ``noise``."""
    checked_int("n", n)
    noise = checked_number("noise", noise)
    rng = generator(seed)
    upper, lower = n // 2, n - n // 2
    points = [(math.cos(t), math.sin(t)) for t in _angles(upper, math.pi)]
    points += [(1.0 - math.cos(t), 0.5 - math.sin(t)) for t in _angles(lower, math.pi)]
    return _noisy_and_shuffled(points, [0] * upper + [1] * lower, noise, rng)


def make_circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed=None):
    """A circle of radius 1 (class 0) around one of radius ``factor`` (class 1)."""
    checked_int("n", n)
    noise = checked_number("noise", noise)
    checked_number("factor", factor, lambda value: 0.0 < value < 1.0, "in (0, 1)")
    rng = generator(seed)
    outer, inner = n // 2, n - n // 2
    # Angles stop short of 2π so the first and last point do not coincide.
    points = [(math.cos(t), math.sin(t))
              for t in _angles(outer + 1, 2 * math.pi)[:outer]]
    points += [(factor * math.cos(t), factor * math.sin(t))
               for t in _angles(inner + 1, 2 * math.pi)[:inner]]
    return _noisy_and_shuffled(points, [0] * outer + [1] * inner, noise, rng)


def make_blobs(n: int = 100, centers: int = 3, seed=None, std: float = 1.0):
    """Gaussian blobs in the plane, one class per centre; ``centers`` random
    centres in the square [-10, 10]², the rows shared as evenly as possible."""
    checked_int("n", n)
    checked_int("centers", centers)
    std = checked_number("std", std)
    rng = generator(seed)
    middles = [(rng.uniform(-10.0, 10.0), rng.uniform(-10.0, 10.0)) for _ in range(centers)]
    labels = [index % centers for index in range(n)]
    return _noisy_and_shuffled([middles[label] for label in labels], labels, std, rng)


def make_surface(n: int = 100, noise: float = 0.05, seed=None):
    """A regression task: ``n`` points drawn uniformly from the square [-2, 2]²,
    each with the real-valued target ``sin(x) · cos(y)`` (a hill at (π/2, 0), a
    valley at (-π/2, 0), values from -1 to 1) plus Gaussian noise of standard
    deviation ``noise``."""
    checked_int("n", n)
    noise = checked_number("noise", noise)
    rng = generator(seed)
    X = [[rng.uniform(-2.0, 2.0), rng.uniform(-2.0, 2.0)] for _ in range(n)]
    return X, [math.sin(x) * math.cos(y) + rng.gauss(0.0, noise) for x, y in X]


def checked_features(names) -> tuple:
    """``names`` of :data:`INPUT_FEATURES` as a tuple in the table's order;
    ``ValueError`` naming an unknown or repeated name, or an empty choice."""
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise ValueError(f"features must be a list of names from {', '.join(INPUT_FEATURES)}, "
                         f"got {type(names).__name__}")
    if not names:
        raise ValueError(f"features must name at least one input, from "
                         f"{', '.join(INPUT_FEATURES)}")
    for name in names:
        if not isinstance(name, str) or name not in INPUT_FEATURES:
            shown = repr(name) if len(repr(name)) <= 40 else f"{repr(name)[:37]}..."
            raise ValueError(f"there is no input feature {shown}; the features are "
                             f"{', '.join(INPUT_FEATURES)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"features name {', '.join(repeated)} more than once; each input "
                         f"is chosen once")
    return tuple(name for name in INPUT_FEATURES if name in names)


def with_features(X, names) -> list:
    """Each point ``[x, y]`` of ``X`` as the row of its ``names`` features
    (:data:`INPUT_FEATURES`, checked by :func:`checked_features`)."""
    functions = [INPUT_FEATURES[name][1] for name in checked_features(names)]
    return [[feature(x, y) for feature in functions] for x, y in X]


def load_iris():
    """Fisher's Iris data (1936, public domain): 150 flowers, 4 measurements
    (``IRIS_FEATURES``), 3 species (``IRIS_CLASSES``), 50 of each; the values
    of scikit-learn's copy, which follows Fisher's paper."""
    text = resources.files("nn").joinpath("datasets/iris.csv").read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text))
    next(reader)  # the header
    X, y = [], []
    for *measurements, species in reader:
        X.append([float(value) for value in measurements])
        y.append(IRIS_CLASSES.index(species))
    return X, y


def checked_rows(X, name: str = "X") -> list:
    """``X`` as a list of rows of one length (numpy arrays through
    ``tolist()``); ``ValueError`` naming the first ragged row or the first
    cell that is not finite (NaN, infinity)."""
    if hasattr(X, "tolist"):
        X = X.tolist()
    rows = [list(row) if isinstance(row, (list, tuple)) else row for row in X]
    for index, row in enumerate(rows):
        if not isinstance(row, list):
            raise ValueError(f"{name}[{index}] is {type(row).__name__}, not a row: each row "
                             f"is a list of numbers, e.g. [0.5, -1.2]")
        if len(row) != len(rows[0]):
            raise ValueError(f"{name} has rows of different lengths: row 0 has {len(rows[0])} "
                             f"values, row {index} has {len(row)}")
        for column, value in enumerate(row):
            if isinstance(value, (int, float)) and not math.isfinite(value):
                raise ValueError(f"{name}[{index}][{column}] is {value}: finite numbers are "
                                 f"needed; drop or fill that row")
    return rows


def standardize(X):
    """The rows with every column shifted to mean 0 and scaled to standard
    deviation 1, so that features measured on different scales can share
    one learning rate. A constant column is only shifted. Rows of different
    lengths, or a cell that is not finite, raise ``ValueError`` naming it."""
    X = checked_rows(X)
    columns = list(zip(*X))
    means = [statistics.fmean(column) for column in columns]
    spreads = [statistics.pstdev(column) or 1.0 for column in columns]
    return [[(value - mean) / spread for value, mean, spread in zip(row, means, spreads)]
            for row in X]


def train_test_split(X, y, test_share: float, seed=None) -> tuple[list, list, list, list]:
    """``(X_train, X_test, y_train, y_test)``: a random ``test_share`` of the rows
    (rounded, at least one) held out for testing, the rest for training, each
    part in the data's own order. ``test_share`` must lie strictly between 0
    and 1 and leave at least one row on each side."""
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    share = checked_number("test_share", test_share)
    if not 0.0 < share < 1.0:
        raise ValueError(f"test_share is the fraction of rows held out for testing, between "
                         f"0 and 1 (e.g. 0.2); got {test_share!r}")
    held_out = max(1, round(share * len(X)))
    if held_out >= len(X):
        raise ValueError(f"test_share {test_share!r} of {len(X)} rows leaves no row to train "
                         f"on: give more rows or a smaller share")
    test = set(generator(seed).sample(range(len(X)), held_out))
    train_rows = [i for i in range(len(X)) if i not in test]
    test_rows = sorted(test)
    return ([X[i] for i in train_rows], [X[i] for i in test_rows],
            [y[i] for i in train_rows], [y[i] for i in test_rows])


def batch_order(count: int, batch_size: int | None = None, shuffle: bool | None = None,
                seed=None) -> list:
    """One epoch's batches as rows: a list of sequences of row indices that
    together hold ``range(count)`` exactly once (ranges when not shuffled).

    ``batch_size=None`` (or any size >= ``count``) gives one batch of every
    row; the last batch may be smaller than the others. With ``shuffle`` the
    rows are taken in a random order drawn from ``seed``; ``shuffle=None``
    shuffles only when there is more than one batch (the order of a single
    batch changes nothing but the rounding of its mean).
    """
    if count == 0:
        raise ValueError("no data: X and y are empty")
    if batch_size is None:
        batch_size = count
    checked_int("batch_size", batch_size)
    order = range(count)
    if shuffle or (shuffle is None and batch_size < count):
        order = list(order)
        generator(seed).shuffle(order)
    return [order[start:start + batch_size] for start in range(0, count, batch_size)]


def batches(X, y, batch_size: int | None = None, shuffle: bool = True, seed=None) -> list:
    """One epoch's batches: a list of ``(X_batch, y_batch)`` that together
    hold every row exactly once, in the order of :func:`batch_order`."""
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    return [([X[i] for i in rows], [y[i] for i in rows])
            for rows in batch_order(len(X), batch_size, shuffle, seed)]
