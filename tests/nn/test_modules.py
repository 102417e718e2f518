"""Modules: forward values and gradients by hand, structure, seeds, state."""

import math
import random
import statistics

import pytest

from autograd import Value
from nn import MLP, Layer, Module, Neuron


def set_parameters(module, values):
    for parameter, value in zip(module.parameters(), values, strict=True):
        parameter.data = value


@pytest.mark.parametrize("activation, function", [
    ("relu", lambda s: max(s, 0.0)),
    ("tanh", math.tanh),
    ("sigmoid", lambda s: 1.0 / (1.0 + math.exp(-s))),
    (None, lambda s: s),
])
def test_neuron_computes_activation_of_weighted_sum(activation, function):
    neuron = Neuron(3, activation)
    set_parameters(neuron, [0.5, -1.0, 2.0, 0.25])  # w0, w1, w2, b
    for inputs in ([1.0, 2.0, 3.0], [-1.0, 0.5, -0.2]):
        weighted_sum = 0.5 * inputs[0] - 1.0 * inputs[1] + 2.0 * inputs[2] + 0.25
        assert neuron(inputs).data == pytest.approx(function(weighted_sum), abs=1e-15)


def test_two_layer_gradients_by_the_chain_rule():
    # h = tanh(a x + b), out = c h + d; loss = out. By hand:
    # dout/dc = h, dout/dd = 1, dout/da = c (1 - h²) x, dout/db = c (1 - h²).
    model = MLP(1, [1, 1], activation="tanh")
    a, b, c, d = 0.7, -0.2, 1.5, 0.3
    set_parameters(model, [a, b, c, d])
    x = 0.9
    out = model([x])
    out.backward()
    h = math.tanh(a * x + b)
    assert out.data == pytest.approx(c * h + d, abs=1e-15)
    grads = [p.grad for p in model.parameters()]
    assert grads == pytest.approx([c * (1 - h * h) * x, c * (1 - h * h), h, 1.0], abs=1e-15)


def test_mlp_shape_names_and_micrograd_parameter_order():
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1 == 337
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == ["layer0.neuron0.w0", "layer0.neuron0.w1", "layer0.neuron0.b",
                         "layer0.neuron1.w0"]
    assert names[-1] == "layer2.neuron0.b"
    assert len(set(names)) == len(names)
    # micrograd's order: per neuron its weights then its bias, layer by layer
    layer0 = model.layers[0]
    assert model.parameters()[:3] == [*layer0.neurons[0].w, layer0.neurons[0].b]
    assert repr(model) == "MLP(2 → 16 relu → 16 relu → 1 linear, 337 parameters)"
    assert repr(layer0) == "Layer(2 → 16, relu)" and repr(layer0.neurons[0]) == "Neuron(2, relu)"
    # (2·40 + 40) + (40·30 + 30) + (30 + 1) parameters, by hand
    assert repr(MLP(2, [40, 30, 1])) == "MLP(2 → 40 relu → 30 relu → 1 linear, 1,381 parameters)"


def test_last_layer_is_linear_unless_told():
    assert [layer.activation for layer in MLP(2, [3, 3, 1]).layers] == ["relu", "relu", None]
    model = MLP(2, [3, 1], activation="tanh", output_activation="sigmoid")
    assert [layer.activation for layer in model.layers] == ["tanh", "sigmoid"]
    assert 0.0 < model([5.0, -3.0]).data < 1.0


def test_one_output_is_a_value_several_are_a_list():
    assert isinstance(MLP(2, [4, 1], seed=0)([1.0, 2.0]), Value)
    outputs = MLP(2, [4, 3], seed=0)([Value(1.0), 2.0])
    assert isinstance(outputs, list) and len(outputs) == 3
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    assert isinstance(Neuron(2)([1.0, 2.0]), Value)


@pytest.mark.parametrize("module", [Neuron(2), Layer(2, 3), MLP(2, [3, 1])])
@pytest.mark.parametrize("inputs", [[1.0], [1.0, 2.0, 3.0], []])
def test_wrong_input_length_names_both_sizes_and_changes_nothing(module, inputs):
    before = module.state_dict()
    with pytest.raises(ValueError, match=f"expects 2 inputs, received {len(inputs)}"):
        module(inputs)
    assert module.state_dict() == before


def test_a_non_list_input_is_a_type_error():
    with pytest.raises(TypeError, match="takes a list of 2"):
        MLP(2, [1])(3.0)


def test_same_seed_same_weights_without_touching_global_random():
    state = random.getstate()
    first, second = MLP(2, [8, 1], seed=7), MLP(2, [8, 1], seed=7)
    assert random.getstate() == state
    assert first.state_dict() == second.state_dict()
    assert first.state_dict() != MLP(2, [8, 1], seed=8).state_dict()
    assert MLP(2, [8, 1]).state_dict() != MLP(2, [8, 1]).state_dict()  # seed=None: fresh


def test_a_random_generator_can_be_passed_as_seed():
    first = Layer(3, 4, seed=random.Random(5))
    second = Layer(3, 4, seed=random.Random(5))
    assert first.state_dict() == second.state_dict()


def test_initialisation_schemes():
    def weights(module):
        return [p.data for name, p in module.named_parameters() if not name.endswith(".b")]

    uniform = weights(Layer(50, 40, seed=0))
    assert all(-1.0 <= w <= 1.0 for w in uniform) and max(map(abs, uniform)) > 0.95
    bound = math.sqrt(6 / (50 + 40))
    xavier = weights(Layer(50, 40, init="xavier", seed=0))
    assert all(-bound <= w <= bound for w in xavier) and max(map(abs, xavier)) > 0.95 * bound
    he = weights(Layer(50, 40, init="he", seed=0))  # 2,000 draws of normal(0, sqrt(2/50))
    assert statistics.stdev(he) == pytest.approx(math.sqrt(2 / 50), rel=0.06)
    assert abs(statistics.mean(he)) < 0.02
    assert all(p.data == 0.0 for name, p in Layer(5, 5, init="he").named_parameters()
               if name.endswith(".b"))


@pytest.mark.parametrize("make, message", [
    (lambda: Neuron(0), "nin must be an int >= 1"),
    (lambda: Neuron(2.0), "nin must be an int"),
    (lambda: Neuron(2, "softmax"), "activation must be one of"),
    (lambda: Neuron(2, init="zeros"), "init must be one of"),
    (lambda: Layer(2, 0), "nout must be an int"),
    (lambda: MLP(2, []), "nouts must be a non-empty list"),
    (lambda: MLP(2, 16), "nouts must be a non-empty list"),
    (lambda: MLP(2, [16, -1]), "each layer size in nouts"),
    (lambda: MLP(2, [1], output_activation="swish"), "output_activation must be one of"),
    (lambda: MLP(2, [1], activation=True), "activation must be one of"),
])
def test_bad_constructor_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_zero_grad():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, -2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip_is_exact():
    source, target = MLP(3, [4, 2], seed=1), MLP(3, [4, 2], seed=2)
    target.load_state_dict(source.state_dict())
    assert target.state_dict() == source.state_dict()
    assert all(type(value) is float for value in source.state_dict().values())
    assert [v.data for v in target([0.1, 0.2, 0.3])] == [v.data for v in source([0.1, 0.2, 0.3])]


def _with(state, name, value):
    return {**state, name: value}


@pytest.mark.parametrize("spoil, message", [
    (lambda s: {k: v for k, v in s.items() if k != "layer1.neuron0.b"}, "1 missing"),
    (lambda s: _with(s, "layer9.neuron0.b", 0.0), "1 unexpected"),
    (lambda s: _with(s, "layer0.neuron0.w0", float("nan")), "finite number"),
    (lambda s: _with(s, "layer0.neuron0.w0", float("inf")), "finite number"),
    (lambda s: _with(s, "layer0.neuron0.w0", 10 ** 400), "finite number"),
    (lambda s: _with(s, "layer1.neuron1.b", "0.5"), "finite number"),
    (lambda s: _with(s, "layer1.neuron1.b", True), "finite number"),
    (lambda s: list(s.values()), "must be a mapping"),
])
def test_bad_state_dict_is_rejected_and_changes_nothing(spoil, message):
    model = MLP(3, [4, 2], seed=1)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(spoil(MLP(3, [4, 2], seed=2).state_dict()))
    assert model.state_dict() == before


def test_wrong_architecture_state_is_rejected():
    model = MLP(3, [4, 2], seed=1)
    before = model.state_dict()
    with pytest.raises(ValueError, match="does not fit"):
        model.load_state_dict(MLP(3, [5, 2]).state_dict())
    assert model.state_dict() == before


def test_base_module_has_no_parameters_and_no_forward():
    module = Module()
    assert module.parameters() == [] and module.state_dict() == {}
    module.nin = 1
    with pytest.raises(NotImplementedError):
        module([1.0])


def test_number_inputs_become_leaves_named_by_position():
    from autograd.value import topological_order

    model = MLP(2, [3, 1], seed=0)
    out = model([0.5, -1.5])
    leaves = {node.label: node.data for node in topological_order(out) if not node.parents}
    assert leaves["x0"] == 0.5 and leaves["x1"] == -1.5
    given = Value(2.0, label="height")
    assert "height" in {node.label for node in topological_order(model([given, 1.0]))}
