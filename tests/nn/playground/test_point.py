"""One point's graph: collapsed to one box a neuron by default, and each parameter's
gradient of the point's loss beside a central finite difference computed here."""

import re

import pytest

from nn import MLP
from nn.playground.session import Session
from nn.playground.settings import parse_settings


def finite_difference(model, inputs, loss, target, name, step=1e-6):
    state = model.state_dict()
    values = []
    for sign in (1, -1):
        model.load_state_dict({**state, name: state[name] + sign * step})
        values.append(loss(model(inputs), target).data)
    model.load_state_dict(state)
    return (values[0] - values[1]) / (2 * step)


@pytest.mark.parametrize("given", [{"hidden": [4, 3]},
                                   {"dataset": "blobs", "hidden": [5], "activation": "tanh"}])
def test_each_gradient_of_a_point_sits_beside_its_finite_difference(given):
    session = Session(parse_settings(given))
    for _ in range(3):
        session.step()
    answer = session.act("inspect", {"set": "test", "index": 2})
    assert answer["collapsed"] is True
    model = MLP(**session.model.architecture())
    model.load_state_dict(session.model.state_dict())
    inputs, target = session.problem.test_inputs[2], session.problem.test_targets[2]
    loss = session.problem.loss
    names = [name for name, _ in model.named_parameters()]
    assert [row[0] for row in answer["gradients"]] == names
    prediction = model(inputs)
    total = loss(prediction, target)
    total.backward()
    gradients = dict(model.named_parameters())
    for name, gradient, difference in answer["gradients"]:
        assert gradient == pytest.approx(gradients[name].grad, rel=1e-12, abs=1e-15)
        here = finite_difference(model, inputs, loss, target, name)
        assert difference == pytest.approx(here, rel=1e-5, abs=1e-8)
        assert difference == pytest.approx(gradient, rel=1e-5, abs=1e-8)


def test_the_collapsed_graph_draws_each_neuron_as_one_box(wasm_only):
    session = Session(parse_settings({"hidden": [3]}))
    collapsed = session.act("inspect", {"set": "train", "index": 0})
    svg = session.step_svg(collapsed["graph"], 0)
    expanded = session.act("inspect", {"set": "train", "index": 0, "collapse": False})
    assert svg.count("<g id=\"node") < session.step_svg(expanded["graph"], 0).count(
        "<g id=\"node")
    assert "layer0.neuron2" in svg
    with pytest.raises(ValueError, match="collapse must be true or false"):
        session.act("inspect", {"set": "train", "index": 0, "collapse": "yes"})


SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def test_the_captions_are_the_chain_rule_in_the_parameters_names():
    session = Session(parse_settings({"hidden": [2], "activation": "tanh"}))
    session.step()
    answer = session.act("inspect", {"set": "train", "index": 1})
    gradients = {name: gradient for name, gradient, _ in answer["gradients"]}
    # a caption whose names share a path says it once, "in layer₀.neuron₁: ∂L/∂w₀ = …":
    # each clause is read with its names whole again
    clauses = []
    for caption in answer["captions"]:
        text = caption.split(": ", 1)[1]
        scope = None
        if text.startswith("in "):
            scope, text = text[3:].split(": ", 1)
        for clause in text.split("; "):
            if scope:
                clause = re.sub(r"(?<![\w.])(w[₀-₉]*|b|z)(?![\w.])",
                                lambda name, scope=scope: f"{scope}.{name[1]}", clause)
            clauses.append(clause)
    # each parameter is a leaf used once: its one clause is
    # ∂L/∂name = ∂L/∂(its product or sum) · (local derivative) = g · d = its gradient
    for name, gradient in gradients.items():
        written = name.translate(SUBSCRIPTS)  # layer0.neuron1.w0 → layer₀.neuron₁.w₀
        (clause,) = [clause for clause in clauses if clause.startswith(f"∂L/∂{written} = ")]
        *_, product, result = clause.split(" = ")
        assert float(result) == pytest.approx(gradient, rel=1e-3, abs=1e-12)
        upstream, local = (float(number.strip("()")) for number in product.split(" · "))
        assert upstream * local == pytest.approx(gradient, rel=2e-3, abs=1e-12)
    # a weight's local derivative is its input: the feature x in the first layer, a
    # neuron's output in the next; a tanh neuron's is 1 - out² of its own output
    assert any(clause.startswith("∂L/∂layer₀.neuron₀.w₀ = ") and " · x = " in clause
               for clause in clauses)
    assert any(clause.startswith("∂L/∂layer₁.neuron₀.w₁ = ") and " · layer₀.neuron₁ = " in clause
               for clause in clauses)
    assert any(clause.startswith("∂L/∂layer₀.neuron₁.z = ∂L/∂layer₀.neuron₁ · "
                                 "(1.0 - layer₀.neuron₁ * layer₀.neuron₁) = ")
               for clause in clauses)
    # the input x feeds both first-layer neurons: its gradient is a sum of two terms
    (total,) = [clause for clause in clauses if clause.startswith("∂L/∂x = ")]
    assert total.count("∂L/∂") == 3 and " + " in total
