"""to_torch / from_torch: random MLPs and their torch twins compute the same outputs
and gradients (1e-12), weights cross exactly both ways, anything else is refused by
name, and ``import nn`` never imports torch."""

import random
import subprocess
import sys

import pytest

from autograd import Value
from nn import MLP, from_torch, to_torch
from nn.pytorch import TORCH_ACTIVATIONS
from tests.groups import require

torch = require("torch", allow_module_level=True)

ACTIVATIONS = [None, *TORCH_ACTIVATIONS]


def random_mlp(seed):
    rng = random.Random(seed)
    sizes = [rng.randint(1, 5) for _ in range(rng.randint(1, 3))]
    return MLP(rng.randint(1, 4), sizes, activation=rng.choice(ACTIVATIONS),
               output_activation=rng.choice(ACTIVATIONS), seed=seed, init="xavier")


def close(a, b):
    return abs(a - b) <= 1e-12 * max(1.0, abs(b))


def torch_gradients(net):
    """{chainrule parameter name: torch's gradient} for a twin made by to_torch."""
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    grads = {}
    for index, linear in enumerate(linears):
        rows, biases = linear.weight.grad.tolist(), linear.bias.grad.tolist()
        for j, (row, bias) in enumerate(zip(rows, biases)):
            grads.update({f"layer{index}.neuron{j}.w{k}": g for k, g in enumerate(row)})
            grads[f"layer{index}.neuron{j}.b"] = bias
    return grads


@pytest.mark.parametrize("seed", range(25))
def test_a_random_mlp_and_its_twin_agree_on_outputs_and_gradients(seed):
    model = random_mlp(seed)
    net = to_torch(model)
    rng = random.Random(1000 + seed)
    inputs = [[rng.uniform(-2, 2) for _ in range(model.nin)] for _ in range(4)]
    outputs = [model(x) for x in inputs]
    outputs = [[o] if isinstance(o, Value) else o for o in outputs]
    loss = sum((o * o for row in outputs for o in row), Value(0.0))
    loss.backward()
    twin = net(torch.tensor(inputs, dtype=torch.float64))
    (twin * twin).sum().backward()
    assert twin.dtype == torch.float64
    for row, twin_row in zip(outputs, twin.tolist()):
        assert all(close(o.data, t) for o, t in zip(row, twin_row)), (row, twin_row)
    grads = torch_gradients(net)
    for name, parameter in model.named_parameters():
        assert close(parameter.grad or 0.0, grads[name]), (name, parameter.grad, grads[name])


@pytest.mark.parametrize("seed", range(10))
def test_weights_cross_exactly_both_ways(seed):
    model = random_mlp(seed)
    net = to_torch(model)
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    assert linears[0].weight[0, 0].item() == model.layers[0].neurons[0].w[0].data
    back = from_torch(net)
    assert back.state_dict() == model.state_dict()
    assert back.architecture() == model.architecture() or len(model.layers) == 1
    # a copy: training the twin leaves the model as it was
    with torch.no_grad():
        linears[0].weight.add_(1.0)
    assert from_torch(net).state_dict() != model.state_dict() == back.state_dict()


def test_the_twin_names_its_layers_as_torch_does():
    net = to_torch(MLP(2, [16, 16, 1], seed=0))
    assert [type(m).__name__ for m in net] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert net[0].weight.shape == (16, 2) and net[0].bias.dtype == torch.float64


def test_a_torch_initialised_float32_network_crosses_with_its_numbers():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 5),
                              torch.nn.Tanh(), torch.nn.Linear(5, 2), torch.nn.Sigmoid())
    model = from_torch(net)
    assert repr(model) == "MLP(3 → 5 tanh → 5 tanh → 2 sigmoid, 62 parameters)"  # 20 + 30 + 12
    x = [0.3, -1.2, 2.0]
    expected = net.double()(torch.tensor([x], dtype=torch.float64))[0].tolist()
    assert all(close(o.data, e) for o, e in zip(model(x), expected))


@pytest.mark.parametrize("modules, message", [
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Dropout(0.5)], "module 1 is Dropout"),
    (lambda: [torch.nn.Linear(2, 3, bias=False)], "always have a bias"),
    (lambda: [torch.nn.Conv1d(1, 1, 3)], "module 0 is Conv1d"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 3), torch.nn.Tanh(),
              torch.nn.Linear(3, 1)], "the hidden layers use \\['relu', 'tanh'\\]"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Softplus(beta=2)], "beta=1 and threshold=20"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.ReLU()], "at most one"),
    (lambda: [torch.nn.ReLU(), torch.nn.Linear(2, 3)], "the first module must be a Linear"),
    (lambda: [torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)], "takes 4 inputs, but the layer"),
    (lambda: [], "holds no Linear layer"),
])
def test_a_module_without_a_twin_is_refused_by_name(modules, message):
    with pytest.raises(ValueError, match=message):
        from_torch(torch.nn.Sequential(*modules()))


def test_wrong_types_and_activations_are_refused():
    with pytest.raises(TypeError, match="takes a torch.nn.Sequential, got Linear"):
        from_torch(torch.nn.Linear(2, 1))
    with pytest.raises(TypeError, match="takes an nn.MLP, got Layer"):
        to_torch(MLP(2, [1]).layers[0])
    with pytest.raises(ValueError, match="'log' has no torch.nn module here; .* relu, tanh"):
        to_torch(MLP(2, [3, 1], activation="log"))


def test_without_torch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match='pip install "chainrule\\[torch\\]"'):
        to_torch(MLP(2, [1]))


def test_importing_nn_does_not_import_torch():
    probe = "import sys, autograd, nn, nn.exercises; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
