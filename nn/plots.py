"""Pictures of training: the decision boundary and the loss curve.

Needs matplotlib (``pip install "chainrule[demo]"``), imported only when a
function here is called. Each function returns a
:class:`matplotlib.figure.Figure` (a notebook shows it) and, given a
``path``, also writes it as a PNG. Figures are made without ``pyplot``, so
no window opens and no global backend is switched: this works the same on
a laptop, a server and in a notebook.
"""

from __future__ import annotations

from autograd import no_grad

GRID_POINTS = 50  # per axis: 2,500 forward passes for the background


def plot_decision_boundary(model, X, y, predict, path=None, title="decision boundary"):
    """The plane coloured by the class ``predict(model(point))`` gives each
    point, with the examples ``(X, y)`` on top. For two-feature data."""
    from matplotlib.figure import Figure

    xs = [row[0] for row in X]
    ys = [row[1] for row in X]
    x_axis = _grid_axis(min(xs), max(xs))
    y_axis = _grid_axis(min(ys), max(ys))
    with no_grad():
        classes = [[predict(model([x, y_value])) for x in x_axis] for y_value in y_axis]
    figure = Figure(figsize=(5, 4.5))
    axes = figure.add_subplot()
    axes.contourf(x_axis, y_axis, classes, cmap="Spectral", alpha=0.8)
    axes.scatter(xs, ys, c=y, s=30, cmap="Spectral", edgecolors="black", linewidths=0.6)
    axes.set_title(title)
    axes.set_xlabel("x₁")
    axes.set_ylabel("x₂")
    return _finish(figure, path)


def plot_history(history, path=None, title="training"):
    """Loss (left axis, log scale) and accuracy (right axis) per step."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4))
    axes = figure.add_subplot()
    steps = range(1, history.steps + 1)
    axes.plot(steps, history.step_loss, color="tab:blue", label="loss")
    axes.set_yscale("log")
    axes.set_xlabel("step (one update each)")
    axes.set_ylabel("loss", color="tab:blue")
    if any(accuracy is not None for accuracy in history.step_accuracy):
        accuracy_axes = axes.twinx()
        accuracy_axes.plot(steps, history.step_accuracy, color="tab:orange", label="accuracy")
        accuracy_axes.set_ylabel("accuracy", color="tab:orange")
        accuracy_axes.set_ylim(0.0, 1.05)
    axes.set_title(title)
    return _finish(figure, path)


def _grid_axis(low, high):
    margin = 0.25 * (high - low) + 0.25
    low, high = low - margin, high + margin
    return [low + (high - low) * index / (GRID_POINTS - 1) for index in range(GRID_POINTS)]


def _finish(figure, path):
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=100)
    return figure
