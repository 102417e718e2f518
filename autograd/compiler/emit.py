"""From a traced graph to the source of one Python function.

``emit(name, output, aux, inputs, params) -> (source, globals)`` prints the
graph ``output`` was computed by: the forward pass one line per node, each
with its row's ``code`` template, then the backward pass, each node's
partials printed by evaluating its row's ``partials`` on
:class:`~autograd.compiler.source.Source` texts. Nothing here knows any op.

NOTE: the backward lines follow the chain rule of
:func:`autograd.value.reverse_sweep` (same order, same products) but print
each term of a parent's gradient as its own ``+=`` line, so the compiled sum
is eager's, term by term, and they skip nodes with no path to a parameter.
"""

from __future__ import annotations

import itertools
import keyword
import math

from .. import ops
from ..value import Value, topological_order
from .source import Source, as_source, fill


def _is_zero(partial) -> bool:
    return not isinstance(partial, Source) and partial == 0.0


def _contribution(partial, gradient: Source) -> Source:
    """``partial · gradient``, the term the eager pass adds to a parent's grad."""
    # NOTE: 1.0 · g and -1.0 · g are exactly g and -g, so they print without
    # the product.
    if not isinstance(partial, Source) and partial in (1.0, -1.0):
        return gradient if partial == 1.0 else -gradient
    return partial * gradient


def value_names(order: list, param_number: dict, inputs: list, source=Source) -> dict:
    """Each node's value as a ``source`` (:class:`Source`, or the C
    backend's): ``x{i}`` for the inputs, ``p{i}`` for ``params[i]``, a
    number for a constant, ``v0, v1, ...`` otherwise."""
    input_number = {node: number for number, node in enumerate(inputs)}
    interior = itertools.count()
    value_of = {}
    for node in order:
        if node in param_number:
            value_of[node] = source(f"p{param_number[node]}")
        elif node in input_number:
            value_of[node] = source(f"x{input_number[node]}")
        elif not node.parents:
            value_of[node] = source.constant(node.data)
        else:
            value_of[node] = source(f"v{next(interior)}")
    return value_of


def backward_statements(order: list, value_of: dict, params: set, source=Source) -> tuple:
    """The backward pass over ``order``, the topological order of the loss
    (its last node), in the language of ``source``.

    Returns its lines and, for each parameter reached, the terms of its
    gradient: ``partial · gradient`` of each node that uses it, in the order
    eager ``backward()`` adds them.
    """
    # A node's gradient matters if it flows on to a parameter through
    # partials that are not a literal 0.
    # NOTE: skipping a 0 partial (sign, step) differs from eager only for an
    # infinite or NaN gradient (eager adds 0 · inf = NaN) and in the sign of
    # a zero gradient.
    partials_of, reaches_a_param = {}, set(params)
    for node in order:
        if any(parent in reaches_a_param for parent in node.parents):
            partials_of[node] = node.primitive.partials(
                value_of[node], *(value_of[parent] for parent in node.parents))
            if any(parent in reaches_a_param and not _is_zero(partial)
                   for parent, partial in zip(node.parents, partials_of[node])):
                reaches_a_param.add(node)
    output = order[-1]
    # A node's list of terms is complete when reverse topological order reaches it.
    terms = {output: [source("gradient")]} if output in reaches_a_param else {}
    lines = []
    for node in reversed(order):
        if not node.parents or node not in terms:
            continue
        first, *rest = terms.pop(node)
        if not rest and first.is_atom:
            # NOTE: a gradient that is another node's, unchanged (the inputs
            # of +), shares that node's variable instead of copying it.
            gradient = first
        else:
            # NOTE: eager starts at 0.0 and adds the first term: the same
            # but for the sign of a zero.
            gradient = source(f"d{value_of[node].text}")
            lines.append(f"{gradient.text} = {first.text}")
            lines += [f"{gradient.text} += {term.text}" for term in rest]
        for parent, partial in zip(node.parents, partials_of[node]):
            if parent in reaches_a_param and not _is_zero(partial):
                terms.setdefault(parent, []).append(_contribution(partial, gradient))
    # NOTE: eager backward() adds to every parameter in the graph, a 0 too
    # (through sign or step), so it has a gradient (Value.has_grad, which
    # optimizers read); a parameter reached by no term gets a 0.0 term.
    in_graph = set(order)
    for param in params:
        if param in in_graph and param not in terms:
            terms[param] = [source.constant(0.0)]
    return lines, terms


def _with_aux(loss_order: list, aux: list) -> list:
    """``loss_order`` followed by the nodes only the ``aux`` Values need:
    still each node after its parents."""
    order, known = list(loss_order), set(loss_order)
    for value in aux:
        if isinstance(value, Value) and value not in known:
            extra = [node for node in topological_order(value) if node not in known]
            order += extra
            known.update(extra)
    return order


def traced_graph(output: Value, aux, params: tuple) -> tuple:
    """What an emitter prints: ``(loss order, aux values as a list, order of
    every node printed, each parameter's number)``; a parameter listed twice
    keeps its first number."""
    loss_order = topological_order(output)
    aux_values = [] if aux is None else aux if isinstance(aux, list) else [aux]
    order = _with_aux(loss_order, aux_values)
    param_number = {}
    for number, param in enumerate(params):
        param_number.setdefault(param, number)
    return loss_order, aux_values, order, param_number


def function_name(f) -> str:
    """The name the emitted function gets: ``f.__name__`` when it is a plain
    ASCII identifier (so Python reads it back unchanged: ``ﬁ`` would be
    read as ``fi``), else ``compiled``. No other user text reaches the source."""
    name = getattr(f, "__name__", "")
    if isinstance(name, str) and name.isascii() and name.isidentifier() \
            and not keyword.iskeyword(name):
        return name
    return "compiled"


def emit(name: str, output: Value, aux, inputs: list, params: tuple) -> tuple:
    """The Python function replaying ``output``'s graph for each row of
    inputs, as source text, and the globals it reads.

    It reads each parameter ``params[i]`` into ``p{i}`` and its gradient
    into ``dp{i}``; runs forward then backward for each row, adding to the
    ``dp``; stores them back; and returns the loss of each row, or with
    ``aux`` (None: none; a Value or number; or a list of them) the pair
    ``(loss, aux)``, aux's Values as floats.
    """
    loss_order, aux_values, order, param_number = traced_graph(output, aux, params)
    value_of = value_names(order, param_number, inputs)
    forward = [f"{value_of[node].text} = "
               f"{fill(node.primitive.code, [value_of[parent] for parent in node.parents]).text}"
               for node in order if node.parents]
    backward, terms = backward_statements(loss_order, value_of, set(param_number))
    result = value_of[output].text
    if aux is not None:
        texts = [(value_of[value] if isinstance(value, Value) else as_source(value)).text
                 for value in aux_values]
        aux_text = f"[{', '.join(texts)}]" if isinstance(aux, list) else texts[0]
        result = f"({result}, {aux_text})"
    read = sorted(param_number[node] for node in order if node in param_number)
    summed = [number for param, number in param_number.items() if param in terms]
    backward += [f"dp{number} += {term.text}"
                 for param, number in param_number.items() for term in terms.get(param, ())]
    inputs_of_a_row = ", ".join(f"x{number}" for number in range(len(inputs)))
    lines = [
        f"def {name}(rows, gradient):",
        *(f"    p{number} = param{number}.data" for number in read),
        *(f"    dp{number} = param{number}.grad" for number in summed),
        "    losses = []",
        f"    for ({inputs_of_a_row}{',' if len(inputs) == 1 else ''}) in rows:",
        "        # forward",
        *(f"        {line}" for line in forward),
        "        # backward",
        *(f"        {line}" for line in backward),
        f"        losses.append({result})",
        *(f"    param{number}.grad = dp{number}" for number in summed),
        "    return losses",
    ]
    # A row's name stands for its forward function: the rows of the table,
    # and any row outside it that the graph uses.
    table = [*ops.PRIMITIVES, *(node.primitive for node in order if node.parents)]
    namespace = {"inf": math.inf, "nan": math.nan,
                 **{row.name: row.forward for row in table},
                 **{f"param{number}": param for param, number in param_number.items()}}
    return "\n".join(lines), namespace
