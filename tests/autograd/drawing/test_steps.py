"""autograd.drawing.steps: the backward pass one node at a time, and its drawings."""

import html
import html.parser
import math

import pytest
from hypothesis import assume, given, settings

from autograd import BackwardSteps, Value, backward_captions, backward_steps, topological_order
from autograd.value import local_partials
from tests.autograd.drawing.svg import svg_texts
from tests.autograd.test_graphs import evaluable, points, programs, run
from tests.groups import require


def neuron():
    x, w, b = Value(1.0, label="x"), Value(-2.0, label="w"), Value(0.5, label="b")
    out = (w * x + b).tanh() * x  # x is used twice
    out.label = "out"
    return out, (x, w, b)


@settings(max_examples=100, deadline=None)
@given(program=programs, point=points)
def test_the_last_step_holds_exactly_what_backward_gives(program, point):
    assume(evaluable(program, point))
    inputs = [Value(x) for x in point]
    out = run(program, inputs)
    try:
        steps = backward_steps(out)
        out.backward()
    except (ZeroDivisionError, ValueError):
        assume(False)  # a derivative is undefined here (as in test_graphs)
    final = steps[-1].gradients if steps else {out: 1.0}
    for node in topological_order(out):
        assert final.get(node, 0.0) == node.grad


@settings(max_examples=50, deadline=None)
@given(program=programs, point=points)
def test_the_text_captions_are_the_steps_captions_without_their_snapshots(program, point):
    assume(evaluable(program, point))
    out = run(program, [Value(x) for x in point])
    try:
        steps = backward_steps(out)
    except (ZeroDivisionError, ValueError):
        assume(False)  # a derivative is undefined here
    assert backward_captions(out) == [steps.caption(i) for i in range(len(steps))]


def test_text_captions_need_no_max_nodes():
    x = Value(0.5, label="x")
    level = [(x * (i / 256)).tanh() for i in range(256)]  # 512 computed values
    while len(level) > 1:  # added pairwise: 255 more, 768 values with x and 0.0
        level = [a + b for a, b in zip(level[::2], level[1::2])]
    total = level[0]
    captions = backward_captions(total)
    assert len(captions) == 767 and captions[0].startswith("step 1 of 767: ")
    assert captions[-1].startswith("step 767 of 767: ")
    with pytest.raises(ValueError, match="more than max_nodes=500"):
        backward_steps(total)


def test_steps_visit_computed_nodes_in_reverse_topological_order():
    out, _ = neuron()
    steps = backward_steps(out)
    assert [step.node for step in steps] == [
        node for node in reversed(topological_order(out)) if node.parents]
    assert [step.index for step in steps] == list(range(len(steps)))
    for step in steps:
        assert step.partials == local_partials(step.node)


def test_each_step_applies_the_chain_rule_to_the_gradients_before_it():
    out, _ = neuron()
    before = {out: 1.0}
    for step in backward_steps(out):
        expected = dict(before)
        for parent, partial in zip(step.node.parents, step.partials):
            expected[parent] = expected.get(parent, 0.0) + partial * before[step.node]
        assert dict(step.gradients) == expected
        before = step.gradients


def test_no_grad_of_the_graph_is_touched_and_the_seed_is_used():
    out, (x, w, b) = neuron()
    steps = backward_steps(out, gradient=2.0)
    assert [node.grad for node in topological_order(out)] == [0.0] * len(topological_order(out))
    out.backward(2.0)
    assert [steps[-1].gradients[leaf] for leaf in (x, w, b)] == [x.grad, w.grad, b.grad]
    with pytest.raises(TypeError):
        steps[0].gradients[x] = 0.0  # a read-only snapshot


def test_a_step_reads_as_the_rule_it_applies():
    x, w = Value(3.0, label="x"), Value(-2.0, label="w")
    product = w * x
    product.label = "p"
    (step,) = backward_steps(product)
    # ∂(w x)/∂w = x = 3 and ∂(w x)/∂x = w = -2, times the seed ∂L/∂L = 1
    assert str(step) == "∂L/∂w = ∂L/∂L · x = 1 · 3 = 3; ∂L/∂x = ∂L/∂L · w = 1 · (-2) = -2"
    # a constant's gradient is no part of the rule: only x's clause
    assert str(backward_steps(x * 2)[0]) == "∂L/∂x = ∂L/∂L · 2.0 = 1 · 2 = 2"


def test_the_chain_rule_of_a_tiny_graph_by_hand():
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(0.1, label="b")
    steps = backward_steps((w * x + b) ** 2)
    # z = w x + b = 1.1; ∂L/∂z = 2 z = 2.2; ∂L/∂(w x) = ∂L/∂b = 2.2 · 1;
    # ∂L/∂w = 2.2 · x = 4.4; ∂L/∂x = 2.2 · w = 1.1
    assert [steps.caption(index) for index in range(3)] == [
        "step 1 of 3: ∂L/∂(w * x + b) = ∂L/∂L · (2.0 * (w * x + b) ** 1.0) = 1 · 2.2 = 2.2",
        "step 2 of 3: ∂L/∂(w * x) = ∂L/∂(w * x + b) · 1 = 2.2 · 1 = 2.2; "
        "∂L/∂b = ∂L/∂(w * x + b) · 1 = 2.2 · 1 = 2.2",
        "step 3 of 3: ∂L/∂w = ∂L/∂(w * x) · x = 2.2 · 2 = 4.4; "
        "∂L/∂x = ∂L/∂(w * x) · w = 2.2 · 0.5 = 1.1"]
    assert steps.seed_caption().endswith("the seed ∂L/∂L = 1, L = (w * x + b) ** 2.0")


def test_a_node_with_several_uses_gets_the_sum_of_its_terms_at_the_last():
    h, w1, w2 = Value(2.0, label="h"), Value(0.5, label="w1"), Value(-1.0, label="w2")
    z1, z2 = h * w1, h * w2
    z1.label, z2.label = "z1", "z2"
    root, first, second = backward_steps(z1 * z2)
    # z₁ = 1, z₂ = -2: ∂L/∂z₁ = z₂ = -2, ∂L/∂z₂ = z₁ = 1;
    # ∂L/∂h = -2 · 0.5 + 1 · (-1) = -2, its first term -1 at z₁'s step
    assert str(root) == "∂L/∂z₁ = ∂L/∂L · z₂ = 1 · (-2) = -2; ∂L/∂z₂ = ∂L/∂L · z₁ = 1 · 1 = 1"
    assert (first.node, second.node) == (z1, z2)
    assert str(first) == ("∂L/∂h += ∂L/∂z₁ · w₁ = (-2) · 0.5 = -1 (term 1 of 2); "
                          "∂L/∂w₁ = ∂L/∂z₁ · h = (-2) · 2 = -4")
    assert str(second) == ("∂L/∂h = ∂L/∂z₁ · w₁ + ∂L/∂z₂ · w₂ = (-2) · 0.5 + 1 · (-1) = -2; "
                           "∂L/∂w₂ = ∂L/∂z₂ · h = 1 · 2 = 2")


def test_a_leaf_has_no_steps():
    leaf = Value(1.0, label="leaf")
    steps = backward_steps(leaf)
    assert len(steps) == 0 and "leaf is a leaf" in steps.to_html()


def test_undefined_derivatives_are_reported_as_backward_reports_them():
    with pytest.raises(ZeroDivisionError, match=r"derivative of sqrt\(\) is undefined"):
        backward_steps(Value(0.0).sqrt())


# --- drawings ---------------------------------------------------------------


class FramesParser(html.parser.HTMLParser):
    """Collects each <figure class="frame">: its caption and its highlighted nodes."""

    def __init__(self):
        super().__init__()
        self.frames, self.inside, self.slider = [], None, None

    def handle_starttag(self, tag, attributes):
        attributes = dict(attributes)
        if tag == "figure" and attributes.get("class") == "frame":
            self.frames.append({"caption": "", "current": [], "svg": 0, "formulas": []})
        elif tag == "input" and attributes.get("type") == "range":
            self.slider = attributes
        elif tag == "svg":
            self.frames[-1]["svg"] += 1
        elif tag == "g" and {"node", "current"} <= set(attributes.get("class", "").split()):
            self.inside = "current"
        elif tag == "figcaption":
            self.inside = "caption"
        elif tag == "span" and attributes.get("class") == "formula":
            self.frames[-1]["formulas"].append("")
            self.inside = "formula"
        elif tag == "title" and self.inside == "current":
            self.inside = "current title"

    def handle_data(self, data):
        if self.inside == "caption":
            self.frames[-1]["caption"] += data
        elif self.inside == "formula":
            self.frames[-1]["formulas"][-1] += data
        elif self.inside == "current title":
            self.frames[-1]["current"].append(data)
            self.inside = None

    def handle_endtag(self, tag):
        if tag == "figcaption":
            self.inside = None
        elif tag == "span" and self.inside == "formula":
            self.inside = "caption"


def test_the_html_page_holds_one_frame_per_step(wasm_only, tmp_path):
    out, _ = neuron()
    steps = backward_steps(out)
    path = steps.save_html(tmp_path / "steps.html")
    page = FramesParser()
    page.feed(open(path, encoding="utf-8").read())
    assert len(page.frames) == len(steps) + 1 == 5  # step 0, the seed, then each step
    assert page.slider["min"] == "0" and page.slider["max"] == str(len(steps))
    seed, *frames = page.frames
    assert seed["caption"] == ("step 0 of 4: the forward pass has computed every value; "
                               "backward starts from the seed ∂L/∂L = 1, L = out")
    assert seed["current"] == [] and seed["formulas"] == []
    for index, frame in enumerate(frames):
        assert frame["svg"] == 1
        assert frame["caption"] == steps.caption(index)
        assert frame["formulas"] == steps[index].formulas()
        value_ids = [i for i in frame["current"] if not i.endswith("_op")]
        assert len(value_ids) == 1  # exactly one node is highlighted
    order = topological_order(out)
    assert [f"v{order.index(step.node)}" in frame["current"]
            for step, frame in zip(steps, frames)] == [True] * len(steps)
    assert "http" not in open(path, encoding="utf-8").read().replace(
        "http://www.w3.org/", "")  # self-contained: no external URL


def test_frames_show_gradients_so_far_and_blank_the_rest(wasm_only):
    out, (x, w, b) = neuron()
    steps = backward_steps(out)
    first = svg_texts(steps.svg(0))
    assert "grad 1.0000" in first  # the seed at the root
    assert first.count("grad") == 4  # blank: w, b, w*x and w*x+b are not reached yet
    assert len([text for text in first if text.startswith("grad ")]) == 3  # out, tanh, x
    assert "∂ " + f"{steps[0].partials[0]:.4f}" in first  # the partials on the edges
    last = svg_texts(steps.svg(len(steps) - 1))
    assert f"grad {steps[-1].gradients[w]:.4f}" in last
    assert not any(text == "grad" for text in last)  # every gradient known at the end


def test_repr_html_is_the_list_of_frames(wasm_only):
    out, _ = neuron()
    steps = backward_steps(out)
    page = FramesParser()
    page.feed(steps._repr_html_())
    assert len(page.frames) == len(steps) + 1
    assert "4 steps back from out" in repr(steps)


def test_notebook_widget_is_a_slider_over_the_frames(wasm_only):
    require("notebooks", "ipywidgets")
    out, _ = neuron()
    steps = backward_steps(out)
    slider, picture = steps.widget().children
    assert (slider.min, slider.max, slider.value) == (0, len(steps), 0)
    assert html.escape(steps.seed_caption()) in picture.value
    slider.value = 3
    assert steps.caption(2) in picture.value and steps.caption(0) not in picture.value
    assert "application/vnd.jupyter.widget-view+json" in steps._repr_mimebundle_()


def test_draw_options_reach_every_frame(wasm_only):
    out, (x, w, b) = neuron()
    steps = backward_steps(out, rankdir="TB", params=[w, b], tint=False)
    assert isinstance(steps, BackwardSteps)
    source = steps.drawing(1).source
    assert "rankdir=TB" in source and "fillcolor" not in source
    t = math.tanh(-2.0 * 1.0 + 0.5)
    assert math.isclose(steps[-1].gradients[x], t + 1.0 * (1 - t * t) * -2.0)  # by hand


def test_each_caption_shows_the_local_derivative_from_the_op_table():
    x, w, b = Value(1.5, label="x"), Value(-0.8, label="w"), Value(0.3, label="b")
    out = (w * x + b).tanh()
    t = math.tanh(-0.8 * 1.5 + 0.3)  # -0.7163 by hand
    tanh_step, add_step, mul_step = backward_steps(out)
    # the tanh's input is not the variable x: its symbol is primed
    assert tanh_step.formulas() == [
        f"∂out/∂x′ = 1.0 - out * out = 1.0 - ({t:.4f}) * ({t:.4f}) = {1 - t * t:.4f}",
        "where out = tanh(w * x + b), x′ = w * x + b"]
    # labelled inputs are called by their labels: ∂(w x)/∂w = x, by hand
    assert mul_step.formulas() == ["∂out/∂w = x = 1.5000", "∂out/∂x = w = -0.8000",
                                   "where out = w * x"]
    assert add_step.formulas() == ["∂out/∂a = 1.0000", "∂out/∂b = 1.0000",
                                   "where out = w * x + b, a = w * x"]
    # a constant exponent: the row reads its number, the formula shows it
    (square,) = backward_steps(x ** 3)
    assert square.formulas()[0] == "∂out/∂x = 3.0 * x ** 2.0 = 3.0 * 1.5000 ** 2.0 = 6.7500"
    # an unlabelled input keeps the row's name; the exponent is held constant
    (cube,) = backward_steps(Value(1.5) ** 3)
    assert cube.formulas() == [
        "∂out/∂base = 3.0 * base ** 2.0 = 3.0 * 1.5000 ** 2.0 = 6.7500",
        "∂out/∂exponent = 0.0000",
        "where out = 1.5 ** 3.0, base = input 1.5000, exponent = constant 3.0000"]


def test_unlabelled_nodes_are_named_by_their_formula():
    x, w, b = Value(1.5, label="x"), Value(-0.8, label="w"), Value(0.3, label="b")
    steps = backward_steps((w * x + b).tanh() * 2)
    assert str(steps[0]) == "∂L/∂tanh(w * x + b) = ∂L/∂L · 2.0 = 1 · 2 = 2"
    t = math.tanh(-0.8 * 1.5 + 0.3)
    through_tanh = 2 * (1 - t * t)  # 0.9738 by hand
    assert str(steps[2]).startswith(  # a sum's part in parentheses
        f"∂L/∂(w * x) = ∂L/∂(w * x + b) · 1 = {through_tanh:.4g} · 1 = {through_tanh:.4g}")
    deep = x
    for _ in range(12):
        deep = deep.sin()
    # sin⁸(x) is 41 characters, past 40: sin⁹(x) reads sin(…); the root is L
    assert str(backward_steps(deep)[0]).startswith(
        "∂L/∂sin(sin(sin(…))) = ∂L/∂L · cos(sin(sin(sin(…)))) = ")


def test_names_of_indexed_labels_have_subscript_indices():
    x0, weight = Value(1.0, label="x0"), Value(2.0, label="layer1.neuron0.w12")
    (step,) = backward_steps(weight * x0)
    # the path layer₁.neuron₀ names two of the step's names: it is written once
    assert str(step) == ("in layer₁.neuron₀: ∂L/∂w₁₂ = ∂L/∂L · x₀ = 1 · 1 = 1; "
                         "∂L/∂x₀ = ∂L/∂L · w₁₂ = 1 · 2 = 2")


def test_a_path_two_names_share_is_written_once_before_the_step():
    # z = w0·x + b of neuron n1 in layer 1, its input x the output of another
    # neuron (layer0.neuron4 = 0.5): L = z², z = 2·0.5 + 0.25 = 1.25, ∂L/∂z = 2.5
    x = Value(0.5, label="layer0.neuron4")
    w, b = Value(2.0, label="layer1.neuron1.w0"), Value(0.25, label="layer1.neuron1.b")
    z = w * x + b
    z.label = "layer1.neuron1.z"
    steps = backward_steps(z * z)
    # z · z uses z twice: ∂L/∂z = z + z = 2.5
    assert str(steps[0]) == ("in layer₁.neuron₁: ∂L/∂z += ∂L/∂L · z = 1 · 1.25 = 1.25 "
                             "(term 1 of 2); ∂L/∂z = ∂L/∂L · z + ∂L/∂L · z = "
                             "1 · 1.25 + 1 · 1.25 = 2.5")
    assert str(steps[1]) == ("in layer₁.neuron₁: ∂L/∂(w₀ * layer₀.neuron₄) = ∂L/∂z · 1 = "
                             "2.5 · 1 = 2.5; ∂L/∂b = ∂L/∂z · 1 = 2.5 · 1 = 2.5")
    # w's gradient is 2.5 · x = 1.25, x's (another neuron's output, kept whole) 2.5 · w = 5
    assert str(steps[2]) == ("in layer₁.neuron₁: ∂L/∂w₀ = ∂L/∂(w₀ * layer₀.neuron₄) · "
                             "layer₀.neuron₄ = 2.5 · 0.5 = 1.25; ∂L/∂layer₀.neuron₄ = "
                             "∂L/∂(w₀ * layer₀.neuron₄) · w₀ = 2.5 · 2 = 5")


def test_a_path_is_not_shortened_into_another_name_or_out_of_a_number():
    # layer.n.w and a label w would both read w: the names stay whole
    a, b = Value(3.0, label="layer.n.w"), Value(2.0, label="w")
    assert str(backward_steps(a * b)[0]) == ("∂L/∂layer.n.w = ∂L/∂L · w = 1 · 2 = 2; "
                                             "∂L/∂w = ∂L/∂L · layer.n.w = 1 · 3 = 3")
    # a path of one part is no scope: net.w stays net.w
    e, f = Value(3.0, label="net.w"), Value(2.0, label="net.b")
    assert str(backward_steps(e * f)[0]) == ("∂L/∂net.w = ∂L/∂L · net.b = 1 · 2 = 2; "
                                             "∂L/∂net.b = ∂L/∂L · net.w = 1 · 3 = 3")
    # 0.5 and 0.25 are numbers, not names with a path 0
    c, d = Value(0.5, label="c"), Value(0.25, label="d")
    assert str(backward_steps(c * d)[0]) == ("∂L/∂c = ∂L/∂L · d = 1 · 0.25 = 0.25; "
                                             "∂L/∂d = ∂L/∂L · c = 1 · 0.5 = 0.5")
