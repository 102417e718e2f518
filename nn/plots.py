"""Pictures of training: the decision boundary and the loss curve.

Needs matplotlib (the demo extra: ``.venv/bin/pip install -e ".[demo]"``),
imported only when a function here is called. Each function returns a
:class:`matplotlib.figure.Figure` (a notebook shows it) and, given a
``path``, also writes it as a PNG. Figures are made without ``pyplot``, so
no window opens and no global backend is switched: this works the same on
a laptop, a server and in a notebook.
"""

from __future__ import annotations

import functools

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
    """What training did, against examples seen: the objective and the data
    loss (left axis, log scale) and the accuracy (right axis).

    Each step's values are its batch's, before its update. With one step
    per epoch (the full batch) they are drawn as they are; with several
    (stochastic and mini-batch descent) each point is the running mean of
    the last epoch's worth of steps, weighted by batch size: the per-step
    values of small batches scatter so much that drawn raw they fill a
    solid band, while their mean shows the trend. The legend says which.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.2))
    axes = figure.add_subplot()
    window = history.epoch_end_step[0] if history.epoch_end_step else 1
    sizes = [seen - before for seen, before in zip(history.examples_seen,
                                                   [0, *history.examples_seen])]
    smooth = (functools.partial(running_mean, weights=sizes, window=window) if window > 1
              else list)
    how = "per step" if window == 1 else f"mean of the last {window} steps (one epoch)"
    examples = history.examples_seen
    axes.plot(examples, smooth(history.step_objective), color="tab:blue",
              label=f"objective: {history.objective_name}")
    if history.l2:
        axes.plot(examples, smooth(history.step_data_loss), color="tab:blue", linestyle="--",
                  label=f"data loss: {history.loss_name}")
    axes.set_yscale("log")
    axes.set_xlabel("examples seen (each batch before its update)")
    axes.set_ylabel(f"loss, {how}", color="tab:blue")
    handles, labels = axes.get_legend_handles_labels()
    if any(accuracy is not None for accuracy in history.step_accuracy):
        accuracy_axes = axes.twinx()
        accuracy_axes.plot(examples, smooth(history.step_accuracy), color="tab:orange",
                           label="accuracy on the batch")
        accuracy_axes.set_ylabel(f"accuracy, {how}", color="tab:orange")
        accuracy_axes.set_ylim(0.0, 1.05)
        more_handles, more_labels = accuracy_axes.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    axes.legend(handles, labels, loc="center right", fontsize="small")
    axes.set_title(title)
    return _finish(figure, path)


def running_mean(values, weights, window):
    """For each position, the mean of the last ``window`` values (fewer at the
    start), each counted ``weights[i]`` times."""
    # NOTE: each window summed afresh rather than a running total updated by
    # adding and subtracting, whose rounding would pile up over 10,000 steps.
    means = []
    for end in range(1, len(values) + 1):
        start = max(0, end - window)
        pairs = list(zip(values[start:end], weights[start:end]))
        means.append(sum(value * count for value, count in pairs)
                     / sum(count for _, count in pairs))
    return means


def _grid_axis(low, high):
    margin = 0.25 * (high - low) + 0.25
    low, high = low - margin, high + margin
    return [low + (high - low) * index / (GRID_POINTS - 1) for index in range(GRID_POINTS)]


def _finish(figure, path):
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=100)
    return figure
