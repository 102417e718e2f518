"""The backward pass, one node at a time, to read, draw and step through.

``backward_steps(root, gradient=1.0, **draw_options) -> BackwardSteps``

The steps are the engine's own chain rule (:func:`autograd.value.reverse_sweep`),
in the engine's order: for each node of ``reversed(topological_order(root))``
that an op made, its local partials times its gradient are added to its
parents' gradients. Each :class:`BackwardStep` holds the node, the
partials it used and every gradient known once it is done. The gradients are
computed into a dict: no ``.grad`` of the graph is read or written, and the
last step's gradients are exactly those ``root.backward(gradient)`` gives a
graph whose gradients are all zero. Each step keeps its own snapshot, so the
steps of a graph of n nodes take memory in proportion to n²: they are meant
for graphs small enough to draw.

:class:`BackwardSteps` is a sequence of those steps that draws them
(``draw_options`` go to :func:`autograd.draw`): in Jupyter a slider over
the drawings if ipywidgets is installed, otherwise the drawings one under
another; ``save_html(path)`` writes one self-contained page (inline SVG, a
slider and a few lines of plain JavaScript) that opens in any browser.
"""

from __future__ import annotations

import html
import os
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from ..files import write_atomic
from ..value import Value, as_float, reverse_sweep, topological_order
from .dot import draw, format_number


@dataclass(frozen=True, eq=False)
class BackwardStep:
    """One node's turn in the backward pass.

    ``partials[i]`` is ∂node/∂parentᵢ, and ``gradients`` maps every node
    reached so far to its gradient once this step is done (read-only). The
    step applied ``gradients[parentᵢ] += partials[i] * gradients[node]``.
    """

    index: int
    node: Value
    partials: tuple
    gradients: Mapping

    def __str__(self):
        gradient = self.gradients[self.node]
        updates = "; ".join(
            f"{_name(parent)}.grad += {format_number(partial)} × {format_number(gradient)}"
            for parent, partial in zip(self.node.parents, self.partials))
        return f"{_name(self.node)}, grad {format_number(gradient)}: {updates}"


def _name(node):
    """The node's label, or what made it: "tanh node", "constant 3.0000"."""
    if node.label:
        return node.label
    if node.parents:
        return f"{node.primitive.label} node"
    return f"{'constant' if node.is_constant else 'input'} {format_number(node.data)}"


def backward_steps(root: Value, gradient=1.0, **draw_options) -> BackwardSteps:
    """The backward pass from ``root``, step by step (see the module)."""
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps() needs a Value, got {type(root).__name__}")
    # NOTE: each step's snapshot makes memory grow as the square of the
    # graph, so it is refused past draw()'s own limit, before any step.
    max_nodes = draw_options.get("max_nodes", 500)
    size = len(topological_order(root))
    if size > max_nodes:
        raise ValueError(
            f"this graph has {size} values, more than max_nodes={max_nodes}; its steps "
            f"would keep about {size * size // 2:,} gradients (each step a snapshot). "
            f"Step through a sub-expression (backward_steps(node) for a node nearer the "
            f"inputs), or pass max_nodes={size} if it fits in memory; "
            f"root.backward() computes the gradients of any size")
    steps = []
    gradients = {root: as_float(gradient, "backward_steps() gradient")}
    for node, partials in reverse_sweep(root, gradients):
        steps.append(BackwardStep(len(steps), node, partials, MappingProxyType(dict(gradients))))
    return BackwardSteps(root, steps, draw_options)


class BackwardSteps(Sequence):
    """The steps of one backward pass, with their drawings."""

    def __init__(self, root, steps, draw_options):
        self.root = root
        self._steps = tuple(steps)
        self._draw_options = draw_options
        self._svgs = {}

    def __getitem__(self, index):
        return self._steps[index]

    def __len__(self):
        return len(self._steps)

    def __repr__(self):
        return f"<BackwardSteps: {len(self)} steps back from {_name(self.root)}>"

    def drawing(self, index: int):
        """Step ``index`` drawn: its node in red, gradients so far (a Digraph)."""
        return draw(self.root, step=self._steps[index], **self._draw_options)

    def svg(self, index: int) -> str:
        """Step ``index``'s drawing as an SVG document (rendered once, then kept)."""
        if index not in self._svgs:
            self._svgs[index] = self.drawing(index).pipe(format="svg", encoding="utf-8")
        return self._svgs[index]

    def caption(self, index: int) -> str:
        return f"step {index + 1} of {len(self)}: {self._steps[index]}"

    def _figure(self, index):
        svg = self.svg(index)
        return (f'<figure class="frame" data-step="{index}">'
                f"<figcaption>{html.escape(self.caption(index))}</figcaption>"
                f"{svg[svg.index('<svg'):]}</figure>")

    def _figures(self):
        if not self._steps:
            return f"<p>{html.escape(_name(self.root))} is a leaf: there is nothing to step.</p>"
        return "\n".join(self._figure(index) for index in range(len(self)))

    def _repr_html_(self):
        """Every step's drawing, one under another."""
        return self._figures()

    def _repr_mimebundle_(self, include=None, exclude=None):
        """In Jupyter: a slider over the drawings when ipywidgets is installed."""
        try:
            widget = self.widget()
        except ImportError:
            return {"text/html": self._repr_html_()}
        return widget._repr_mimebundle_(include=include, exclude=exclude)

    def widget(self):
        """An ipywidgets slider above the drawing of the step it selects."""
        import ipywidgets

        slider = ipywidgets.IntSlider(value=0, min=0, max=max(len(self) - 1, 0),
                                      description="step", continuous_update=True)
        picture = ipywidgets.HTML(self._figure(0) if self._steps else self._figures())

        def show(change):
            picture.value = self._figure(change["new"])

        slider.observe(show, names="value")
        return ipywidgets.VBox([slider, picture])

    def to_html(self) -> str:
        """A self-contained page: every drawing, a slider and buttons to step."""
        title = html.escape(f"Backward pass from {_name(self.root)}, step by step")
        return _PAGE.substitute(title=title, last=max(len(self) - 1, 0), figures=self._figures())

    def save_html(self, path) -> str:
        """Write :meth:`to_html` to ``path`` (atomically); returns the path."""
        write_atomic(path, self.to_html().encode("utf-8"))
        return os.fspath(path)


_PAGE = string.Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>$title</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; }
.controls { display: flex; gap: 0.5rem; align-items: center; }
#step { width: 24rem; }
figcaption { font-family: ui-monospace, monospace; margin: 0.5rem 0; }
svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>$title</h1>
<div class="controls">
<button id="previous" type="button" aria-label="previous step">&#9664;</button>
<input id="step" type="range" min="0" max="$last" value="0" aria-label="step" autofocus>
<button id="next" type="button" aria-label="next step">&#9654;</button>
</div>
$figures
<script>
"use strict";
const slider = document.getElementById("step");
const frames = document.querySelectorAll("figure.frame");

function show(index) {
  const step = Math.min(Math.max(index, 0), frames.length - 1);
  slider.value = step;
  frames.forEach((frame, position) => { frame.hidden = position !== step; });
}

slider.addEventListener("input", () => show(slider.valueAsNumber));
document.getElementById("previous").addEventListener("click", () => show(slider.valueAsNumber - 1));
document.getElementById("next").addEventListener("click", () => show(slider.valueAsNumber + 1));
show(0);
</script>
</body>
</html>
""")
