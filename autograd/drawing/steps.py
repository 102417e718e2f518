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
import inspect
import os
import re
import string
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from ..compiler.source import Source, as_source, fill
from ..files import write_atomic
from ..value import Value, as_float, local_partials, reverse_sweep, topological_order
from .dot import (
    CONSTANT_COLOUR,
    CURRENT_COLOUR,
    INPUT_COLOUR,
    PARAMETER_COLOUR,
    TINT_RGB,
    draw,
    format_number,
)

# An unlabelled node is named by its formula (``w*x + b``) up to this length,
# and by what made it ("tanh node") beyond.
LONGEST_FORMULA_NAME = 32
# The chain rule's captions name an unlabelled node by its formula, each
# operand longer than this written "…": ``(… + w₃ * x₃)``.
LONGEST_OPERAND = 40


@dataclass(frozen=True, eq=False)
class BackwardStep:
    """One node's turn in the backward pass.

    ``partials[i]`` is ∂node/∂parentᵢ, and ``gradients`` maps every node
    reached so far to its gradient once this step is done (read-only). The
    step applied ``gradients[parentᵢ] += partials[i] * gradients[node]``.

    Its text is that chain rule, one clause per parent that is not a
    constant, in the names the graph carries (the root is L):
    ``∂L/∂w = ∂L/∂z · x = 2.2 · 2 = 4.4``. A parent with several uses gets
    its sum at the last of them, ``∂L/∂h = ∂L/∂z · w + ∂L/∂y · v = … = …``,
    and ``+=`` with its term's number at the others.
    """

    index: int
    node: Value
    partials: tuple
    gradients: Mapping
    chain: _Chain | None = None

    def __str__(self):
        chain = self.chain or _Chain(self.node)
        parents = [(position, parent) for position, parent in enumerate(self.node.parents)
                   if not parent.is_constant] or list(enumerate(self.node.parents))
        return _scoped("; ".join(chain.rule(self, position, parent)
                                 for position, parent in parents))

    def formulas(self) -> list:
        """Each local partial as the op table computes it, in symbols, then in
        numbers: ``∂out/∂x = 1.0 - out * out = 1.0 - 0.9051 * 0.9051 = 0.1807``.

        The text is the row's own ``partials`` evaluated on symbolic values
        (:class:`autograd.compiler.source.Source`, as the compiler prints
        them), once on the names of the row's arguments and once on the
        numbers; so it is never a second, hand-kept table. A row whose
        partial needs an input's value to decide (none today) gives only the
        number.
        """
        row = self.node.primitive
        nodes = (self.node, *self.node.parents)
        names = _symbol_names(list(inspect.signature(row.partials).parameters), nodes)
        # NOTE: a constant input (pow's exponent) keeps its number, which its
        # partial may read with float().
        symbols = [_Written(name, number=node.data if node.is_constant else None)
                   for name, node in zip(names, nodes)]
        numbers = [_number_source(node) for node in nodes]
        try:
            in_symbols = row.partials(*symbols)
            in_numbers = row.partials(*numbers)
        except TypeError:
            in_symbols = in_numbers = None
        lines = []
        for position, partial in enumerate(self.partials):
            head = f"∂{names[0]}/∂{names[position + 1]}"
            if in_symbols is None or not isinstance(in_symbols[position], Source):
                lines.append(f"{head} = {format_number(partial)}")
                continue
            steps = [as_source(in_symbols[position]).text, as_source(in_numbers[position]).text,
                     format_number(partial)]
            shown = [text for index, text in enumerate(steps) if text not in steps[:index]]
            lines.append(" = ".join([head, *shown]))
        where = ", ".join(f"{name} = {_name(node)}" for name, node in zip(names, nodes)
                          if name != node.label)
        return [*lines, f"where {where}"] if where else lines


_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _subscripted(label: str) -> str:
    """``x0`` → ``x₀``, ``layer1.neuron0.w2`` → ``layer₁.neuron₀.w₂``: digits that
    end a name's part are its indices."""
    return re.sub(r"(?<=[^\W\d])\d+", lambda digits: digits[0].translate(_SUBSCRIPT_DIGITS),
                  label)


def _short_number(number: float, factor: bool = False) -> str:
    """Four significant digits (``2.2``, ``0.714``); a negative factor in parentheses."""
    text = f"{number:.4g}"
    return f"({text})" if factor and text.startswith("-") else text


# A dotted name, as a module's parameters are named: layer₂.neuron₀.w₃.
_PATH = re.compile(r"(?<![\w.])[^\W\d]\w*(?:\.\w+)+")


def _scoped(text: str) -> str:
    """``text`` with the path (of two parts or more) that two or more of its names
    share written once:
    ``in layer₂.neuron₀: ∂L/∂w₃ = ∂L/∂(w₃ * layer₁.neuron₃) · layer₁.neuron₃ = …``
    for ``∂L/∂layer₂.neuron₀.w₃ = …``. The longest such path is taken; the text
    stays as it is if a shortened name would read as another name of it."""
    paths = _PATH.findall(text)
    shared = Counter(path.rsplit(".", 1)[0] for path in paths)
    # NOTE: a path of two parts at least (layer₂.neuron₀, not layer₂): a
    # neuron's own name, layer₂.neuron₀, is not cut to neuron₀.
    candidates = [prefix for prefix, count in shared.items() if count > 1 and "." in prefix]
    if not candidates:
        return text
    scope = max(candidates, key=lambda prefix: (prefix.count("."), shared[prefix]))
    shortened = {path.rsplit(".", 1)[1] for path in paths if path.rsplit(".", 1)[0] == scope}
    others = set(re.findall(r"(?<![\w.])\w+(?![\w.])", _PATH.sub(" ", text)))
    if shortened & others:
        return text
    return f"in {scope}: " + _PATH.sub(
        lambda name: name[0][len(scope) + 1:] if name[0].rsplit(".", 1)[0] == scope
        else name[0], text)


class _Chain:
    """What a step's chain rule reads beyond its own node: the root, called L; each
    node's uses, ``(consumer, position)`` in the order the backward pass meets them;
    and each node's symbol."""

    def __init__(self, root):
        self.root = root
        order = topological_order(root)
        self.uses = {}
        for node in reversed(order):
            for position, parent in enumerate(node.parents):
                self.uses.setdefault(parent, []).append((node, position))
        self.symbols = {}
        for node in order:  # parents first: each symbol is written from theirs
            self.symbols[node] = self._symbol(node)
        self.symbols[root] = Source("L")

    def _symbol(self, node) -> Source:
        """A label with subscript indices; a leaf's number; else the formula,
        ``w * x + b``, each operand longer than LONGEST_OPERAND shown as …"""
        if node.label:
            # NOTE: a label that is not one name (``x1*w1``, ``hinge loss``) is
            # parenthesised wherever it is an operand or a ∂L/∂'s name.
            name = _subscripted(node.label)
            return Source(name) if re.fullmatch(r"[\w.]+", name) else Source(name, 0)
        if not node.parents:
            return as_source(node.data)
        operands = [self.symbols[parent] if len(self.symbols[parent].text)
                    <= LONGEST_OPERAND else Source("…") for parent in node.parents]
        return fill(_written(node.primitive), operands)

    def name(self, node) -> str:
        """The node as ∂L/∂ names it: its symbol, a formula in parentheses."""
        symbol = self.symbols[node]
        return symbol.text if symbol.is_atom else f"({symbol.text})"

    def local(self, consumer, position, partial) -> str:
        """∂consumer/∂parent at ``position`` in the names of the chain rule, as the
        op table's row writes it (the row's ``partials`` evaluated on symbols);
        its number when the row cannot be written so."""
        row = consumer.primitive
        symbols = [_Written(self.symbols[node].text, self.symbols[node].precedence,
                            node.data if node.is_constant else None)
                   for node in (consumer, *consumer.parents)]
        try:
            written = row.partials(*symbols)[position]
        except TypeError:
            written = None
        if not isinstance(written, Source):
            return _short_number(partial, factor=True)
        return written.text if written.is_atom else f"({written.text})"

    def rule(self, step, position, parent) -> str:
        """The chain rule for ``parent`` at ``step``: its one term, or the sum over
        its uses at the last of them."""
        uses = self.uses.get(parent, [(step.node, position)])
        done = next(number for number, (consumer, used) in enumerate(uses, 1)
                    if consumer is step.node and used == position)
        gradients = step.gradients
        if done < len(uses) or len(uses) == 1:
            gradient, partial = gradients[step.node], step.partials[position]
            term = partial * gradient
            text = (f"∂L/∂{self.name(parent)} {'+=' if len(uses) > 1 else '='} "
                    f"∂L/∂{self.name(step.node)} · {self.local(step.node, position, partial)} "
                    f"= {_short_number(gradient, True)} · {_short_number(partial, True)} "
                    f"= {_short_number(term)}")
            return text + (f" (term {done} of {len(uses)})" if len(uses) > 1 else "")
        partials = [step.partials[used] if consumer is step.node else
                    local_partials(consumer)[used] for consumer, used in uses]
        symbols = " + ".join(f"∂L/∂{self.name(consumer)} · {self.local(consumer, used, partial)}"
                             for (consumer, used), partial in zip(uses, partials))
        numbers = " + ".join(
            f"{_short_number(gradients[consumer], True)} · {_short_number(partial, True)}"
            for (consumer, _), partial in zip(uses, partials))
        return (f"∂L/∂{self.name(parent)} = {symbols} = {numbers} = "
                f"{_short_number(gradients[parent])}")


def _symbol_names(generic, nodes):
    """The names a step's formulas use for its nodes: a node's own label
    (``w``), else the row's argument name (``out``, ``a``, ``x``) — primed
    until it is no name the step shows, so ``b`` never means two things."""
    labels = [node.label if node.label and node.label.isidentifier() else None
              for node in nodes]
    taken = set(filter(None, labels))
    for node in nodes:
        taken.update(re.findall(r"[A-Za-z_]\w*", _name(node)))
    names = []
    for label, name in zip(labels, generic):
        if label is not None and label not in names:
            names.append(label)
            continue
        while name in taken or name in names:
            name += "′"
        names.append(name)
    return names


def _number_source(node):
    """A Value's data as the Source of its four-decimal text (a constant
    keeps its exact number, for partials that read it: pow's exponent)."""
    # NOTE: a negative number gets the loosest precedence, 0, so it is
    # parenthesised wherever it is an operand: 1.0 - (-0.4621) * (-0.4621).
    precedence = 0 if node.data < 0 else as_source(node.data).precedence
    return _Written(format_number(node.data), precedence, node.data)


class _Written(Source):
    """A Source that prints a row with an operator by its operator, as a
    formula is written (``x ** 2.0``, ``a // b``), not as compiled code
    calls its forward function (``pow(x, 2.0)``)."""

    __slots__ = ()

    def apply_primitive(self, row, *operands):
        return fill(_written(row), operands)


def _written(row) -> str:
    """The template of ``row`` as a formula writes it: ``{0} // {1}``, ``tanh({0})``."""
    if row.syntax is None:
        return f"{row.name}(" + ", ".join(f"{{{i}}}" for i in range(row.arity)) + ")"
    if row.arity == 1:
        return f"{row.syntax}{{0}}"
    return f"{{0}} {row.syntax} {{1}}"


def _name(node):
    """The node's label; or its formula, ``w*x + b``, when short; or what
    made it: "tanh node", "constant 3.0000"."""
    if node.label:
        return node.label
    if node.parents:
        formula = _formula(node, LONGEST_FORMULA_NAME).text
        return formula if len(formula) <= LONGEST_FORMULA_NAME else (
            f"{node.primitive.label} node")
    return f"{'constant' if node.is_constant else 'input'} {format_number(node.data)}"


def _formula(node, limit, named=str):
    """The Source of the expression that computed ``node`` from labelled
    nodes (each label passed through ``named``) and numbers, with operators
    as written (``w*x + b``, ``tanh(w*x)``)."""
    if node.label or not node.parents:
        return as_source(node.data) if not node.label else Source(named(node.label))
    row = node.primitive
    operands = [_formula(parent, limit, named) for parent in node.parents]
    if any(len(operand.text) > limit for operand in operands):
        return Source("…" * (limit + 1))  # too long to be a name: stop early
    return fill(_written(row), operands)


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
    chain = _Chain(root)
    for node, partials in reverse_sweep(root, gradients):
        steps.append(BackwardStep(len(steps), node, partials, MappingProxyType(dict(gradients)),
                                  chain))
    return BackwardSteps(root, steps, draw_options, gradients[root])


def backward_captions(root: Value, gradient=1.0) -> list:
    """The captions of ``backward_steps(root)``'s steps, for a graph of any
    size: no snapshot is kept, so memory grows as the graph does.

    NOTE: a step's caption is written at its turn, and reads the gradients
    of its node and of its node's uses, all final by then (every node that
    uses a node comes before it), and its parents' sums so far: so the live
    dict of gradients serves every step.
    """
    gradients = {root: as_float(gradient, "backward_captions() gradient")}
    chain = _Chain(root)
    texts = [str(BackwardStep(0, node, partials, gradients, chain))
             for node, partials in reverse_sweep(root, gradients)]
    return [_caption(index, len(texts), text) for index, text in enumerate(texts)]


def _caption(index: int, count: int, step) -> str:
    return f"step {index + 1} of {count}: {step}"


@dataclass(frozen=True)
class _Seed:
    """Frame 0 of a page: the forward pass done, only the seed gradient known."""

    gradients: Mapping
    node: None = None
    partials: tuple = ()


class BackwardSteps(Sequence):
    """The steps of one backward pass, with their drawings.

    Its pages and slider show one *frame* more than there are steps: frame
    0 is the graph after the forward pass, every value computed and only the
    seed gradient known (``root.grad = 1``); frame k is step k - 1.
    """

    def __init__(self, root, steps, draw_options, seed=1.0):
        self.root = root
        self._steps = tuple(steps)
        self._draw_options = draw_options
        self._seed = _Seed(MappingProxyType({root: seed}))
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
        return _caption(index, len(self), self._steps[index])

    def seed_caption(self) -> str:
        return (f"step 0 of {len(self)}: the forward pass has computed every value; "
                f"backward starts from the seed ∂L/∂L = "
                f"{_short_number(self._seed.gradients[self.root])}, L = {_name(self.root)}")

    def seed_svg(self) -> str:
        """Frame 0's drawing: every value, only the root's gradient (the seed)."""
        if "seed" not in self._svgs:
            drawing = draw(self.root, step=self._seed, **self._draw_options)
            self._svgs["seed"] = drawing.pipe(format="svg", encoding="utf-8")
        return self._svgs["seed"]

    def _figure(self, frame):
        """Frame 0 (the seed) or step ``frame - 1``, captioned, as HTML."""
        if frame == 0:
            svg, caption, formulas = self.seed_svg(), self.seed_caption(), []
        else:
            step = self._steps[frame - 1]
            svg, caption, formulas = self.svg(frame - 1), self.caption(frame - 1), step.formulas()
        lines = "".join(f'<span class="formula">{html.escape(line)}</span>' for line in formulas)
        return (f'<figure class="frame" data-step="{frame}">'
                f"<figcaption>{html.escape(caption)}{lines}</figcaption>"
                f'<div class="drawing">{svg[svg.index("<svg"):]}</div></figure>')

    def _figures(self):
        if not self._steps:
            return f"<p>{html.escape(_name(self.root))} is a leaf: there is nothing to step.</p>"
        return "\n".join(self._figure(frame) for frame in range(len(self) + 1))

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

        slider = ipywidgets.IntSlider(value=0, min=0, max=len(self) if self._steps else 0,
                                      description="step", continuous_update=True)
        picture = ipywidgets.HTML(self._figure(0) if self._steps else self._figures())

        def show(change):
            picture.value = self._figure(change["new"])

        slider.observe(show, names="value")
        return ipywidgets.VBox([slider, picture])

    def to_html(self) -> str:
        """A self-contained page: every drawing, a slider and buttons to step."""
        title = html.escape(f"Backward pass from {_name(self.root)}, step by step")
        return _PAGE.substitute(title=title, last=len(self) if self._steps else 0,
                                figures=self._figures(), legend=_LEGEND)

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
.formula { display: block; color: #444; }
.legend { display: flex; flex-wrap: wrap; gap: 0.4rem 1.2rem; margin: 0.8rem 0;
          font-size: 0.9rem; list-style: none; padding: 0; }
.legend li { display: flex; align-items: center; gap: 0.4rem; }
.swatch { display: inline-block; width: 1.6rem; height: 1rem; border: 2px solid black; }
.drawing { overflow: auto; max-height: 80vh; border: 1px solid #ddd; }
.drawing svg { display: block; }
</style>
</head>
<body>
<h1>$title</h1>
<div class="controls">
<button id="previous" type="button" aria-label="previous step">&#9664;</button>
<input id="step" type="range" min="0" max="$last" value="0" aria-label="step" autofocus>
<button id="next" type="button" aria-label="next step">&#9654;</button>
<span>zoom</span>
<button id="zoom-out" type="button" aria-label="zoom out">&minus;</button>
<button id="zoom-reset" type="button" aria-label="actual size">1:1</button>
<button id="zoom-in" type="button" aria-label="zoom in">+</button>
</div>
$legend
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

// NOTE: drawings start at their natural size (labels at Graphviz's 11 pt),
// scrolled inside their box, rather than shrunk to the window's width.
let zoom = 1;
function scale(factor) {
  zoom = factor === 0 ? 1 : Math.min(Math.max(zoom * factor, 0.1), 8);
  document.querySelectorAll(".drawing svg").forEach(svg => {
    if (!svg.dataset.width) {
      svg.dataset.width = svg.width.baseVal.value;
      svg.dataset.height = svg.height.baseVal.value;
    }
    svg.setAttribute("width", svg.dataset.width * zoom);
    svg.setAttribute("height", svg.dataset.height * zoom);
  });
}
document.getElementById("zoom-in").addEventListener("click", () => scale(1.25));
document.getElementById("zoom-out").addEventListener("click", () => scale(0.8));
document.getElementById("zoom-reset").addEventListener("click", () => scale(0));

slider.addEventListener("input", () => show(slider.valueAsNumber));
document.getElementById("previous").addEventListener("click", () => show(slider.valueAsNumber - 1));
document.getElementById("next").addEventListener("click", () => show(slider.valueAsNumber + 1));
show(0);
</script>
</body>
</html>
""")


def _swatch(border, style="solid", fill="white"):
    return (f'<span class="swatch" style="border: 2px {style} {border}; '
            f'background: {fill}"></span>')


_ORANGE = "#{:02x}{:02x}{:02x}".format(*TINT_RGB)
# The colours of autograd.drawing.dot, explained on the page.
_LEGEND = "<ul class=\"legend\" aria-label=\"legend\">" + "".join(
    f"<li>{swatch} {html.escape(meaning)}</li>" for swatch, meaning in [
        (_swatch(PARAMETER_COLOUR), "parameter"),
        (_swatch(INPUT_COLOUR), "input"),
        (_swatch(CONSTANT_COLOUR, "dashed"), "constant"),
        (_swatch("black"), "computed value"),
        (_swatch(CURRENT_COLOUR), "this step's node, its op and partials (∂ on the edges)"),
        (_swatch("black", fill=f"linear-gradient(to right, white, {_ORANGE})"),
         "fill: |grad|, from 0 to the largest"),
        (_swatch("black"), "“grad” with no number: not reached yet"),
    ]) + "</ul>"
