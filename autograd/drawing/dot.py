"""Drawing a computation graph: every value, every op, every gradient.

``draw(root, rankdir="LR", show_grad=True, max_nodes=500, params=(), tint=True, *, collapse=None)``
returns a :class:`~autograd.drawing.digraph.FallbackDigraph`, a ``graphviz.Digraph``
that shows itself inline in Jupyter, and whose ``.pipe()`` and ``.render()``
work with the system Graphviz or, without it, with the WebAssembly build of
the ``draw`` extra (SVG only).

What is drawn:

* each Value is a record ``label | data 2.0000 | grad 1.0000``, its fields
  stacked (no label field when it has none, no grad field with
  ``show_grad=False``); a named parameter's label is its name's last part;
* each Value an op made has a small ellipse before it, labelled with its
  row's ``label`` in :mod:`autograd.ops`; edges run parent → op → value, so a
  drawing has, for every computed Value, one edge per parent plus one.

The colours (the legend):

========================  ================================================
parameters (``params=``)  green border
inputs                    blue border: the other leaves made with ``Value(...)``
constants                 grey dashed border and grey text: plain numbers
                          in an expression, like the 3 in ``x * 3``
computed values           black border; the root's is thick
fill (``tint=True``)      white for gradient 0, deepening to orange for the
                          largest ``|grad|`` in the drawing
current backward step     red: the node, its op, and the edges to its parents,
                          labelled with the local partials (see
                          :mod:`autograd.drawing.steps`)
========================  ================================================

Named parameters: ``params`` may be a list of Values, a dict from names to
Values, or anything with ``named_parameters()`` (an ``nn`` module):
``draw(loss, params=model)``. A named parameter without a label of its own
is labelled with the last part of its name (``w0`` of
``layer1.neuron2.w0``), and the parameters sharing the rest of a name
(``layer1.neuron2``) are drawn in one box with that title, together with
the computed values that belong to them: a node joins the group of a
parameter among its parents, or else the one group its computed parents
share. So each neuron of a network is one labelled cluster, its dot
product, bias and activation inside it. (A computed node with a constant
parent, like the ``- 1`` of a loss, joins no group: the loss stays outside.)

Collapsed neurons: ``collapse="neurons"`` draws each group that is a
neuron (parameters sharing a name's prefix, whatever the caller names them,
and one node computed from all of them) as one rounded box ``name | w·x+b |
activation | grad``: the pre-activation sum, the output (its op's label,
``relu 0.8739``; none for a linear neuron) and the output's gradient. Edges
run from each value outside the neuron that it reads, so neurons connect
box to box; inputs and the loss are drawn as usual. A list of names
collapses only those neurons, leaving the others expanded; the same
argument through ``backward_steps(..., collapse=...)`` gives the
step-by-step page a collapsed view, a step inside a neuron marking its box.
Everything is read from the graph and the names: no second structure.

Layout: ``nodesep=0.1``, ``ranksep=0.3`` (0.8 when neurons are collapsed:
the edges between two full layers need the room) and ``ordering=out``,
with collapsed boxes declared in the order of their names, so a layer's
neurons stack 0, 1, 2, ... down the page. A collapsed 2-16-16-1 network
then fits a 1920 x 1200 screen at the natural 11 pt (the tests measure it).

Node ids come from a counter (``v0``, ``v0_op``, ...), never from labels;
labels are escaped for Graphviz's record syntax. The graph is walked
iteratively, so its depth is not limited by Python's recursion limit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..value import Value, topological_order

PARAMETER_COLOUR = "#2f855a"
INPUT_COLOUR = "#2b6cb0"
CONSTANT_COLOUR = "#8a8a8a"
CURRENT_COLOUR = "#d62828"
TINT_RGB = (246, 173, 85)  # the fill of the largest |grad|

# The node, op and edges of the backward step being shown. The SVG class
# "current" lets a page's script (and the browser test) find them.
_CURRENT = {"color": CURRENT_COLOUR, "fontcolor": CURRENT_COLOUR, "penwidth": "2.5",
            "class": "current"}

# Escapes for a field of a record label: Graphviz's record syntax gives
# { } | < > meaning, and a backslash escapes them (and itself).
_RECORD_SPECIALS = str.maketrans(
    {character: "\\" + character for character in "\\{}|<>"} | {"\n": "\\n"})


def draw(root: Value, rankdir: str = "LR", show_grad: bool = True, max_nodes: int = 500,
         params=(), tint: bool = True, *, collapse=None, step=None):
    """The graph ``root`` was computed by, as a ``graphviz.Digraph`` (see the module).

    ``rankdir`` is Graphviz's direction: ``"LR"`` (left to right) or ``"TB"``,
    ``"RL"``, ``"BT"``. ``params`` marks leaves as parameters: Values, a dict
    from names to Values, or a module (``params=model``: its named
    parameters, labelled and grouped by neuron as the module says). ``tint``
    fills nodes by gradient magnitude.
    ``collapse="neurons"`` draws every neuron as one box (see the module);
    a list of neuron names (``["layer1.neuron0"]``) collapses only those,
    so the others stay expanded; ``None`` draws every value.
    ``step``, a :class:`~autograd.drawing.steps.BackwardStep`, draws the graph as
    that step of the backward pass leaves it: its gradients so far (blank
    where none has arrived yet), its node and partials in red.

    A drawing of more than ``max_nodes`` boxes (Values, a collapsed neuron
    counting one) is refused with a ``ValueError``: Graphviz is slow and the
    picture unreadable past a few hundred nodes.
    """
    from .digraph import FallbackDigraph  # an ImportError here names the extra to install

    if not isinstance(root, Value):
        raise TypeError(f"draw() needs a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    order = topological_order(root)
    names = _named(params)
    groups = _groups(order, names)
    neurons = _neurons(order, groups, names)
    collapsed = _collapsed(collapse, neurons)
    drawn = len(order) - sum(len(neuron.body) - 1 for neuron in collapsed.values())
    if drawn > max_nodes:
        hint = ('collapse its neurons: draw(..., collapse="neurons"), '
                if neurons and not collapsed else "")
        raise ValueError(
            f"this graph has {drawn} values to draw, more than max_nodes={max_nodes}. "
            f"Draw it all with draw(..., max_nodes={drawn}) (Graphviz gets slow "
            f"and the picture unreadable past a few hundred nodes), {hint}or draw a "
            "sub-expression: draw(node) for a node nearer the inputs")
    return FallbackDigraph(
        name="graph", format="svg",
        graph_attr={"rankdir": rankdir, "nodesep": "0.1", "ordering": "out",
                    "ranksep": "0.8" if collapsed else "0.3"},
        node_attr={"shape": "record", "fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.6"},
        body=list(_statements(order, root, show_grad, names, tint, step, groups, collapsed,
                              across=rankdir in ("TB", "BT"))))


def _named(params) -> dict:
    """``{parameter: name}`` (name "" when unnamed) from any form ``params`` takes."""
    if hasattr(params, "named_parameters"):
        params = dict(params.named_parameters())
    if isinstance(params, Mapping):
        return {parameter: name for name, parameter in params.items()}
    return dict.fromkeys(params, "")


def _groups(order, names) -> dict:
    """``{node: group}``: a named parameter's group is its name without the
    last part; a computed node joins a parameter parent's group, or else the
    one group all its computed parents share when none of its parents is a
    constant (see the module)."""
    group = {}
    for node in order:
        if names.get(node, "").count("."):
            group[node] = names[node].rsplit(".", 1)[0]
        elif node.parents:
            candidates = {group.get(parent) for parent in node.parents if parent in names}
            if not candidates - {None}:
                # NOTE: a neuron has no plain numbers in it; a constant parent
                # (the 1 of ``out - 1``) marks the loss after the network,
                # which must not join the last neuron's group.
                if any(parent.is_constant for parent in node.parents):
                    continue
                candidates = {group.get(parent) for parent in node.parents if parent.parents}
            if len(candidates) == 1 and None not in candidates:
                group[node] = candidates.pop()
    return group


@dataclass(frozen=True)
class _Neuron:
    """A group shaped like ``nn.Neuron``: ``activation(w · x + b)``.

    ``output`` is the activation (or the sum, for a linear neuron),
    ``pre_activation`` the sum ``w · x + b``, and ``body`` every node of the
    group that ``output`` is computed from, ``output`` included, in
    topological order.
    """

    name: str
    output: Value
    pre_activation: Value
    body: tuple


def _neurons(order, groups, names) -> dict:
    """``{name: _Neuron}`` for each group that is a neuron, in the order of
    the parameters' names: a group of named parameters (the caller's names,
    whatever they are) with one node, the output, computed from all of them."""
    members = {}
    for node in order:  # topological: a node's group ancestors come first
        if node in groups:
            members.setdefault(groups[node], []).append(node)
    neurons = {}
    in_name_order = dict.fromkeys(name.rsplit(".", 1)[0] for name in names.values() if "." in name)
    for group in filter(members.__contains__, in_name_order):
        nodes = members[group]
        parameters = {node for node in nodes if node in names}
        reads = {}  # node -> the group's parameters it is computed from
        for node in nodes:
            reads[node] = ({node} if node in parameters else set()).union(
                *(reads[parent] for parent in node.parents if parent in reads))
        # NOTE: the output is found by what it reads, not by position, so a
        # weight penalty (``w0 * w0``, in the group by its parameter parent)
        # is not taken for the neuron's output; it stays outside the box.
        complete = [node for node in nodes if node.parents and reads[node] == parameters]
        outputs = [node for node in complete
                   if not any(node in child.parents for child in complete)]
        if len(outputs) != 1:
            continue
        output = outputs[0]
        body, pending = {output}, [output]
        while pending:
            for parent in pending.pop().parents:
                if parent in reads and parent not in body:
                    body.add(parent)
                    pending.append(parent)
        activated = len(output.parents) == 1 and output.parents[0] in body
        neurons[group] = _Neuron(group, output, output.parents[0] if activated else output,
                                 tuple(node for node in nodes if node in body))
    return neurons


def _collapsed(collapse, neurons) -> dict:
    """The neurons ``collapse`` names: ``{name: _Neuron}``."""
    if collapse is None:
        return {}
    if collapse == "neurons":
        if not neurons:
            raise ValueError(
                'collapse="neurons" found no neuron: it needs named parameters that '
                "share a prefix (layer1.neuron0.w0, layer1.neuron0.b), e.g. "
                "draw(root, params=model, collapse=\"neurons\")")
        return neurons
    if isinstance(collapse, str) or not isinstance(collapse, Iterable):
        raise ValueError(f'collapse must be None, "neurons" or a list of neuron names, '
                         f"got {collapse!r}")
    collapse = list(collapse)  # NOTE: read twice below; a generator would be spent
    unknown = [name for name in collapse if name not in neurons]
    if unknown:
        raise ValueError(f"collapse names {unknown}, not neurons of this drawing; "
                         f"its neurons: {', '.join(neurons) or 'none (pass params=model)'}")
    return {name: neurons[name] for name in collapse}


def _statements(order, root, show_grad, names, tint, step, groups, collapsed, across):
    """The DOT lines: a record per Value, an ellipse per op, and the edges,
    each group's nodes inside a cluster of their own; a collapsed neuron is
    one box."""
    clustered = {}
    for line, group in _lines(order, root, show_grad, names, tint, step, groups, collapsed,
                              across):
        if group is None:
            yield line
        else:
            clustered.setdefault(group, []).append(line)
    for index, (group, lines) in enumerate(clustered.items()):
        yield (f'\tsubgraph cluster_{index} {{\n\t\tlabel="{_escape_quotes(group)}" '
               f'style="rounded" color="#b0b0b0" fontname="Helvetica" fontsize="10"\n')
        yield from ("\t" + line for line in lines)
        yield "\t}\n"


def _lines(order, root, show_grad, names, tint, step, groups, collapsed, across):
    """``(DOT line, group or None)`` for every node and edge."""
    if step is None:
        gradient_of = {node: node.grad for node in order}
        current, partials = None, ()
    else:
        gradient_of = step.gradients
        current, partials = step.node, step.partials
    largest = max((abs(g) for g in gradient_of.values() if math.isfinite(g)), default=0.0)
    ids = {node: f"v{index}" for index, node in enumerate(order)}
    inside = {node: neuron for neuron in collapsed.values() for node in neuron.body}
    for neuron in collapsed.values():
        for node in neuron.body:
            ids[node] = ids[neuron.output]
    # NOTE: boxes first, in the order of their names: with ``ordering=out``
    # Graphviz then stacks a layer's neurons 0, 1, 2, ... down the page.
    for neuron in collapsed.values():
        yield from _neuron_lines(neuron, ids, inside, gradient_of, largest, show_grad, tint,
                                 current, across, is_root=neuron.output is root)
    for node in order:
        node_id = ids[node]
        if node in inside:
            continue
        gradient = gradient_of.get(node) if show_grad else None
        fill = _tint(gradient, largest) if tint and show_grad else None
        label = node.label or names.get(node, "").rsplit(".", 1)[-1]
        group = None if groups.get(node) in collapsed else groups.get(node)
        yield _line(node_id, label=_record(label, node, show_grad, gradient, across),
                    **_style(node, root, names, fill, node is current)), group
        if not node.parents:
            continue
        op_id = f"{node_id}_op"
        emphasis = _CURRENT if node is current else {}
        yield _line(op_id, label=node.primitive.label, shape="ellipse", width="0.3",
                    height="0.3", margin="0.04", **emphasis), group
        for position, parent in enumerate(node.parents):
            partial = {"label": f"∂ {format_number(partials[position])}"} if emphasis else {}
            yield _line(f"{ids[parent]} -> {op_id}", **partial, **emphasis), None
        yield _line(f"{op_id} -> {node_id}", **emphasis), None


def _neuron_lines(neuron, ids, inside, gradient_of, largest, show_grad, tint, current,
                  across, is_root):
    """A collapsed neuron: one rounded record ``name | w·x+b | activation |
    grad`` (the output's gradient), and one edge from each value outside
    it that it reads."""
    box = ids[neuron.output]
    fields = [neuron.name.translate(_RECORD_SPECIALS),
              f"w·x+b {format_number(neuron.pre_activation.data)}"]
    if neuron.output is not neuron.pre_activation:
        fields.append(f"{neuron.output.primitive.label} {format_number(neuron.output.data)}")
    gradient = gradient_of.get(neuron.output) if show_grad else None
    if show_grad:
        fields.append("grad" if gradient is None else f"grad {format_number(gradient)}")
    # NOTE: the name above, the numbers side by side under it: half the
    # height of four stacked fields, so a layer of 16 boxes fits a screen.
    numbers = "{ " + " | ".join(fields[1:]) + " }"
    text = f"{fields[0]} | {numbers}"
    attributes = {"label": "{ " + text + " }" if across else text, "shape": "Mrecord"}
    fill = _tint(gradient, largest) if tint and show_grad else None
    if fill is not None:
        attributes.update(style="filled", fillcolor=fill)
    if is_root:
        attributes["penwidth"] = "2.5"
    if inside.get(current) is neuron:
        attributes.update(_CURRENT)
    yield _line(box, **attributes), None
    read = dict.fromkeys(ids[parent] for node in neuron.body for parent in node.parents
                         if inside.get(parent) is not neuron)
    for parent_id in read:
        yield _line(f"{parent_id} -> {box}"), None


def _line(subject, **attributes):
    """One DOT statement, each attribute's value quoted (``"`` escaped as ``\\"``)."""
    listed = " ".join(f'{name}="{_escape_quotes(value)}"' for name, value in attributes.items())
    return f"\t{subject} [{listed}]\n" if listed else f"\t{subject}\n"


def _escape_quotes(value):
    return str(value).replace('"', '\\"')


def _record(label, node, show_grad, gradient, across):
    """The fields label, data, grad stacked one above another: a record's
    fields run across the rank direction, and braces turn them, so they are
    braced when ranks run down the page (``across``)."""
    fields = [label.translate(_RECORD_SPECIALS)] if label else []
    fields.append(f"data {format_number(node.data)}")
    if show_grad:
        fields.append("grad" if gradient is None else f"grad {format_number(gradient)}")
    text = " | ".join(fields)
    return "{ " + text + " }" if across else text


def format_number(x: float) -> str:
    """Four decimals, or scientific notation where they would mislead."""
    if x == 0.0 or 1e-4 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.4e}"  # also nan and inf


def _style(node, root, params, fill, is_current):
    style = []
    attributes = {}
    if fill is not None:
        style.append("filled")
        attributes["fillcolor"] = fill
    if is_current:
        attributes.update(_CURRENT)
    elif node.parents:
        if node is root:
            attributes["penwidth"] = "2.5"
    elif node.is_constant:
        style.append("dashed")
        attributes.update(color=CONSTANT_COLOUR, fontcolor=CONSTANT_COLOUR)
    else:
        attributes.update(color=PARAMETER_COLOUR if node in params else INPUT_COLOUR,
                          penwidth="2")
    if style:
        attributes["style"] = ",".join(style)
    return attributes


def _tint(gradient, largest):
    """White at 0, ``TINT_RGB`` at the largest magnitude; none when unknown."""
    if gradient is None or not math.isfinite(gradient) or largest == 0.0:
        return None
    share = abs(gradient) / largest
    red, green, blue = (round(255 - share * (255 - channel)) for channel in TINT_RGB)
    return f"#{red:02x}{green:02x}{blue:02x}"
