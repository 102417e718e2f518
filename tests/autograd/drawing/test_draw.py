"""autograd.drawing.dot: the DOT it writes, the SVG it renders, the graphs it refuses."""

import re
import sys

import pytest

from autograd import Value, draw, topological_order
from autograd.drawing.dot import CONSTANT_COLOUR, INPUT_COLOUR, PARAMETER_COLOUR, TINT_RGB
from autograd.extras import install_hint
from tests.autograd.drawing.svg import svg_texts

pytest.importorskip("graphviz", reason=install_hint("draw"))


def neuron():
    """tanh(w1*x1 + w2*x2 + b) * 2: inputs, parameters, a constant, shared x1."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(6.88, label="b")
    out = ((w1 * x1 + w2 * x2 + b) * x1).tanh() * 2
    out.label = "out"
    out.backward()
    return out, (x1, x2), (w1, w2, b)


def statements(graph):
    """Node statements by id, and edges as (tail, head) pairs, from the DOT body."""
    nodes, edges = {}, []
    for line in graph.body:
        edge = re.match(r"\t(\w+) -> (\w+)", line)
        if edge:
            edges.append(edge.groups())
        else:
            node_id, attributes = re.match(r"\t(\w+) \[(.*)\]$", line).groups()
            nodes[node_id] = attributes
    return nodes, edges


def labelled(nodes):
    """Record attributes by the Value's label, for the records that have one."""
    found = {}
    for attributes in nodes.values():
        first_field = re.match(r'label="(.+?) \|', attributes)
        if first_field and not first_field.group(1).startswith("data "):
            found[first_field.group(1)] = attributes
    return found


def test_one_record_per_value_one_op_node_per_computed_value():
    out, _, _ = neuron()
    order = topological_order(out)
    nodes, edges = statements(draw(out))
    computed = [node for node in order if node.parents]
    records = {i: a for i, a in nodes.items() if not i.endswith("_op")}
    ops = {i: a for i, a in nodes.items() if i.endswith("_op")}
    assert len(records) == len(order)
    assert sorted(re.search(r'label="(.*?)"', a).group(1) for a in ops.values()) == sorted(
        node.primitive.label for node in computed)
    assert len(edges) == sum(len(node.parents) + 1 for node in computed)


def test_records_show_label_data_and_grad():
    out, (x1, _), (w1, _, _) = neuron()
    source = draw(out).source
    assert f'label="x1 | data 2.0000 | grad {x1.grad:.4f}"' in source
    assert f'label="w1 | data -3.0000 | grad {w1.grad:.4f}"' in source
    assert f'label="out | data {out.data:.4f} | grad 1.0000"' in source
    # ranks down the page: braces turn the fields to stay stacked
    assert 'label="{ x1 | data 2.0000 | grad' in draw(out, rankdir="TB").source
    assert "grad" not in draw(out, show_grad=False).source


def test_edges_run_parent_to_op_to_value():
    x, y = Value(3.0, label="x"), Value(4.0, label="y")
    nodes, edges = statements(draw(x * y))
    x_id, y_id = (next(i for i, a in nodes.items() if a == labelled(nodes)[name])
                  for name in "xy")
    assert sorted(edges) == sorted([(x_id, "v2_op"), (y_id, "v2_op"), ("v2_op", "v2")])


def test_a_value_used_twice_has_two_edges_into_its_op():
    x = Value(3.0, label="x")
    _, edges = statements(draw(x * x))
    assert edges.count(("v0", "v1_op")) == 2


def test_parameters_inputs_and_constants_look_different():
    out, inputs, params = neuron()
    nodes, _ = statements(draw(out, params=params))
    by_label = labelled(nodes)
    for param in params:
        assert f'color="{PARAMETER_COLOUR}"' in by_label[param.label]
    for leaf in inputs:
        assert f'color="{INPUT_COLOUR}"' in by_label[leaf.label]
    constant = next(a for a in nodes.values() if a.startswith('label="data 2.0000'))
    assert f'color="{CONSTANT_COLOUR}"' in constant and "dashed" in constant
    assert 'penwidth="2.5"' in by_label["out"]  # the root
    assert PARAMETER_COLOUR not in draw(out).source  # without params= every leaf is an input


def test_tint_deepens_with_the_gradient_magnitude():
    x = Value(1.0, label="x")
    y = Value(0.5, label="y")
    out = x * 3 + y * 0
    out.backward()  # x.grad = 3 is the largest, y.grad = 0
    by_label = labelled(statements(draw(out))[0])
    darkest = "#{:02x}{:02x}{:02x}".format(*TINT_RGB)
    assert f'fillcolor="{darkest}"' in by_label["x"]
    assert 'fillcolor="#ffffff"' in by_label["y"]
    assert "fillcolor" not in draw(out, tint=False).source


def test_node_ids_never_come_from_labels():
    x = Value(1.0, label="v0 -> v1; evil [label=x]")
    nodes, edges = statements(draw(x + 1))
    assert set(nodes) == {"v0", "v1", "v2", "v2_op"} and len(edges) == 3


TRICKY = ['a"b', "back\\", '\\"', "{x}|<y>", "\\N and \\G", "a\\lb", "ünï ∂"]


def test_labels_are_escaped_and_render_exactly(wasm_only):
    total = Value(0.0, label="total")
    for label in TRICKY:
        total = total + Value(1.0, label=label)
    texts = svg_texts(draw(total).pipe())
    for label in TRICKY:
        assert label in texts


def test_real_svg_through_the_fallback(wasm_only):
    out, _, _ = neuron()
    texts = svg_texts(draw(out).pipe())
    for text in ("x1", "w1", "b", "out", "data 2.0000", "grad 1.0000", "tanh", "*", "+"):
        assert text in texts
    assert "image/svg+xml" in draw(out)._repr_mimebundle_()


def test_a_100000_deep_chain_is_walked_without_recursion():
    x = Value(0.5, label="x")
    y = x
    for _ in range(100_000):
        y = -y
    graph = draw(y, max_nodes=100_001)
    assert len(graph.body) == 1 + 100_000 * 4  # x, then per neg: record, op, two edges
    assert graph.body[-1] == "\tv100000_op -> v100000\n"


def test_max_nodes_says_how_large_and_what_to_do():
    x = Value(1.0)
    y = x
    for _ in range(600):
        y = y + x
    with pytest.raises(ValueError) as refused:
        draw(y)
    message = str(refused.value)
    assert "601 values" in message and "max_nodes=500" in message
    assert "max_nodes=601" in message and "sub-expression" in message
    assert len(statements(draw(y, max_nodes=601))[0]) == 601 + 600


def test_bad_arguments():
    with pytest.raises(TypeError, match="needs a Value"):
        draw(3.0)
    with pytest.raises(ValueError, match="rankdir"):
        draw(Value(1.0), rankdir="sideways")


def test_without_graphviz_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    monkeypatch.delitem(sys.modules, "autograd.drawing.digraph", raising=False)
    with pytest.raises(ImportError, match=r'draw extra: \.venv/bin/pip install -e "\.\[draw\]"'):
        draw(Value(1.0))


def test_repr_is_the_same_for_the_same_graph():
    x = Value(2.0, label="x")
    first, second = draw(x * x), draw(x * x)
    assert repr(first) == repr(second) == f"<FallbackDigraph of {len(first.body)} DOT statements>"
    assert "0x" not in repr(first)


def test_a_module_names_its_parameters_and_groups_each_neuron(wasm_only):
    from nn import MLP

    model = MLP(2, [2, 1], seed=0)
    out = model([0.5, -1.5])
    out.backward()
    graph = draw(out, params=model)
    clusters = re.findall(r'subgraph cluster_\d+ \{\n\t\tlabel="([^"]+)"', graph.source)
    assert sorted(clusters) == ["layer0.neuron0", "layer0.neuron1", "layer1.neuron0"]
    texts = svg_texts(graph.pipe(format="svg", encoding="utf-8"))
    assert texts.count("w0") == 3 and texts.count("b") == 3 and texts.count("w1") == 3
    for name in ("layer0.neuron0", "layer1.neuron0"):
        assert name in texts  # the cluster titles are drawn
    # every node of a hidden neuron sits in its cluster: its 2 weights, its
    # bias, 2 products, 2 sums, the relu: 8 records, 5 ops
    first = graph.source.split('label="layer0.neuron0"', 1)[1].split("\t}\n", 1)[0]
    assert first.count("shape=\"ellipse\"") == 5 and first.count("_op [") == 5
    assert len(re.findall(r"\tv\d+ \[", first)) == 8
    as_dict = draw(out, params=dict(model.named_parameters()))
    assert as_dict.source == graph.source
    unnamed = draw(out, params=model.parameters())
    assert "subgraph" not in unnamed.source and 'label="w0' not in unnamed.source


def two_layer_loss(sizes=(4, 1)):
    """An MLP(2, sizes) called layer by layer, so the test holds every
    neuron's output Value, then the loss (out - 1) ** 2 backpropagated."""
    from nn import MLP

    model = MLP(2, list(sizes), seed=0)
    inputs = [Value(0.5), Value(-1.5)]
    outputs = [inputs]
    for layer in model.layers:
        produced = layer(outputs[-1])
        outputs.append(produced if isinstance(produced, list) else [produced])
    loss = (outputs[-1][0] - 1.0) ** 2
    loss.backward()
    return model, inputs, outputs[1:], loss


def test_a_collapsed_neuron_is_one_box_with_the_models_own_numbers():
    model, inputs, outputs, loss = two_layer_loss()
    nodes, edges = statements(draw(loss, params=model, collapse="neurons"))
    boxes = {re.match(r'label="([\w.]+) \|', a).group(1): a
             for a in nodes.values() if 'shape="Mrecord"' in a}
    assert sorted(boxes) == [f"layer0.neuron{i}" for i in range(4)] + ["layer1.neuron0"]
    # records: 5 neurons, 2 inputs, and the loss: out - 1, its square and
    # the constants 1 and 2; ops: only the loss's - and **
    records = [i for i in nodes if not i.endswith("_op")]
    assert len(records) == 5 + 2 + 4 and len(nodes) - len(records) == 2
    # edges: 2 inputs into each of 4 neurons, 4 neurons into the last, and
    # (parent, constant) -> op -> value twice for the loss
    assert len(edges) == 4 * 2 + 4 + 2 * 3
    activations = [float(x.data) for x in inputs]
    for layer_index, layer in enumerate(model.layers):
        computed = []
        for neuron_index, neuron in enumerate(layer.neurons):
            pre = sum(w.data * x for w, x in zip(neuron.w, activations)) + neuron.b.data
            output = outputs[layer_index][neuron_index]
            name = f"layer{layer_index}.neuron{neuron_index}"
            numbers = [f"w·x+b {pre:.4f}"]
            if neuron.activation == "relu":
                numbers.append(f"relu {max(pre, 0.0):.4f}")
            numbers.append(f"grad {output.grad:.4f}")
            assert f'label="{name} | {{ {" | ".join(numbers)} }}"' in boxes[name]
            computed.append(max(pre, 0.0) if neuron.activation == "relu" else pre)
        activations = computed
    ids = {name: next(i for i, a in nodes.items() if a == box) for name, box in boxes.items()}
    for index in range(4):
        assert (ids[f"layer0.neuron{index}"], ids["layer1.neuron0"]) in edges


def test_collapse_names_some_neurons_and_refuses_what_is_not_one(wasm_only):
    model, _, outputs, loss = two_layer_loss()
    graph = draw(loss, params=model, collapse=(name for name in ["layer1.neuron0"]))
    clusters = re.findall(r'subgraph cluster_\d+ \{\n\t\tlabel="([^"]+)"', graph.source)
    assert sorted(clusters) == [f"layer0.neuron{i}" for i in range(4)]
    assert graph.source.count('shape="Mrecord"') == 1
    texts = svg_texts(graph.pipe(format="svg", encoding="utf-8"))
    assert "layer1.neuron0" in texts and f"w·x+b {outputs[1][0].data:.4f}" in texts
    with pytest.raises(ValueError, match=r"\['layer9.neuron0'\].*layer0.neuron0, layer0.neuron1"):
        draw(loss, params=model, collapse=["layer9.neuron0"])
    with pytest.raises(ValueError, match="found no neuron.*params=model"):
        draw(loss, collapse="neurons")
    with pytest.raises(ValueError, match="collapse must be"):
        draw(loss, params=model, collapse="layers")


def test_neurons_are_grouped_by_the_callers_names_not_nns_naming():
    # A hand-made neuron whose parameters are named as the caller likes.
    x = Value(0.5, label="x")
    weight, bias = Value(-1.5), Value(0.25)
    out = (weight * x + bias).tanh()
    nodes, _ = statements(draw(out, params={"unit.slope": weight, "unit.offset": bias},
                               collapse="neurons"))
    boxes = [a for a in nodes.values() if 'shape="Mrecord"' in a]
    assert len(boxes) == 1 and boxes[0].startswith('label="unit |')
    assert f"tanh {out.data:.4f}" in boxes[0]


def test_a_weight_penalty_stays_outside_the_collapsed_box():
    model, _, outputs, loss = two_layer_loss()
    last = model.layers[1].neurons[0]
    penalty = loss + last.w[0] * last.w[0]
    penalty.backward()
    nodes, edges = statements(draw(penalty, params=model, collapse="neurons"))
    box = next(i for i, a in nodes.items() if a.startswith('label="layer1.neuron0 |'))
    square_op = next(i for i, a in nodes.items()
                     if i.endswith("_op") and '"*"' in a)  # the only product left
    assert edges.count((box, square_op)) == 2  # w0 * w0 reads the box's weight twice
    assert f"w·x+b {outputs[1][0].data:.4f}" in nodes[box]


def test_the_step_pages_collapsed_view_marks_the_neuron_of_the_current_step():
    from autograd import backward_steps

    model, _, _, loss = two_layer_loss()
    steps = backward_steps(loss, params=model, collapse="neurons")
    inside = next(index for index, step in enumerate(steps)
                  if step.node.primitive.label == "relu")
    nodes, _ = statements(steps.drawing(inside))
    current = [a for a in nodes.values() if 'class="current"' in a]
    assert len(current) == 1 and 'shape="Mrecord"' in current[0]
    assert re.search(r'label="layer0\.neuron\d \|', current[0])


def svg_size_in_pixels(svg):
    """(width, height) in CSS px at the natural scale: Graphviz writes points
    (1 pt = 4/3 px) and a viewBox of the same size, so nothing is shrunk."""
    width, height = (float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"',
                                                  svg).groups())
    view_box = re.search(r'viewBox="[\d.-]+ [\d.-]+ ([\d.]+) ([\d.]+)"', svg).groups()
    assert [round(float(v)) for v in view_box] == [round(width), round(height)]
    return width * 4 / 3, height * 4 / 3


def test_a_collapsed_2_16_16_1_network_fits_one_screen_at_natural_size(wasm_only):
    model, _, outputs, loss = two_layer_loss((16, 16, 1))
    svg = draw(loss, params=model, collapse="neurons").pipe(format="svg", encoding="utf-8")
    width, height = svg_size_in_pixels(svg)
    # a 1920 x 1200 screen shows it whole with 11 pt (14.7 px) text; the
    # full drawing of the same network is about 8,100 x 9,500 px
    assert width <= 1920 and height <= 1200
    assert set(re.findall(r'font-size="([\d.]+)"', svg)) == {"11.00"}
    texts = svg_texts(svg)
    names = [f"layer{layer}.neuron{index}" for layer in (0, 1) for index in range(16)]
    assert all(name in texts for name in [*names, "layer2.neuron0"])
    for layer in (0, 1):
        for output in outputs[layer]:
            assert f"relu {output.data:.4f}" in texts and f"grad {output.grad:.4f}" in texts
    full = draw(loss, params=model, max_nodes=1000).pipe(format="svg", encoding="utf-8")
    assert svg_size_in_pixels(full)[0] > 4 * width  # what collapsing saves


def test_a_2_4_1_drawing_is_narrower_than_before_the_layout_attributes(wasm_only):
    model, _, _, loss = two_layer_loss((4, 1))
    full = draw(loss, params=model).pipe(format="svg", encoding="utf-8")
    collapsed = draw(loss, params=model, collapse="neurons").pipe(format="svg", encoding="utf-8")
    # Graphviz's default spacing (nodesep 0.25, ranksep 0.5) drew the full
    # one 2,671 px wide and the collapsed one 312 px tall (and a collapsed
    # 2-16-16-1 1,288 px tall: more than a screen)
    assert svg_size_in_pixels(full)[0] < 2400
    assert svg_size_in_pixels(collapsed)[1] < 300


def test_the_loss_stays_outside_the_last_neurons_cluster_and_boxes_turn_with_the_ranks():
    model, _, outputs, loss = two_layer_loss()
    expanded = draw(loss, params=model).source
    last = expanded.split('label="layer1.neuron0"', 1)[1].split("\t}\n", 1)[0]
    # inside: 4 weights, the bias, 4 products, 4 sums; the loss's - and ** are not
    assert len(re.findall(r"\tv\d+ \[", last)) == 13
    assert 'label="-"' not in last and 'label="**"' not in last
    assert 'label="-"' in expanded and 'label="**"' in expanded
    output = outputs[1][0]
    down = draw(output, params=model, collapse="neurons", rankdir="TB").source
    assert (f'label="{{ layer1.neuron0 | {{ w·x+b {output.data:.4f} | '
            f'grad {output.grad:.4f} }} }}" shape="Mrecord"') in down
    box = next(line for line in down.splitlines() if 'label="{ layer1.neuron0' in line)
    assert 'penwidth="2.5"' in box  # the root's box is thick


def test_max_nodes_counts_a_collapsed_neuron_once_and_suggests_collapsing():
    model, _, _, loss = two_layer_loss((16, 16, 1))
    values = len(topological_order(loss))  # 2 inputs, 128 + 800 + 49 in neurons, 4 in the loss
    assert values == 2 + 16 * 8 + 16 * 50 + 49 + 4
    with pytest.raises(ValueError) as refused:
        draw(loss, params=model)
    assert f"{values} values to draw" in str(refused.value)
    assert str(refused.value).endswith(
        f"draw(..., max_nodes={values}) (Graphviz gets slow and the picture unreadable past a "
        'few hundred nodes), collapse its neurons: draw(..., collapse="neurons"), or draw a '
        "sub-expression: draw(node) for a node nearer the inputs")
    nodes, _ = statements(draw(loss, params=model, collapse="neurons", max_nodes=39))
    assert len([i for i in nodes if not i.endswith("_op")]) == 2 + 33 + 4
    with pytest.raises(ValueError, match="88 values to draw"):  # 39 - 1 box + 50 values
        draw(loss, params=model, collapse=[f"layer0.neuron{i}" for i in range(16)]
             + [f"layer1.neuron{i}" for i in range(15)] + ["layer2.neuron0"], max_nodes=39)
