"""chainrule's MLP and its PyTorch twin, both ways: :func:`to_torch` and :func:`from_torch`.

An ``MLP(nin, nouts, activation, output_activation)`` is, in PyTorch, a
``torch.nn.Sequential`` of ``Linear`` layers, each followed by its
activation module (none for a linear layer). The weights cross exactly:
neuron ``j`` of a layer is row ``j`` of its ``Linear.weight`` (``w0 … wn``
in column order) and entry ``j`` of its ``Linear.bias``; the tensors are
float64, chainrule's number type, so the two networks compute the same
floats up to the order of their sums (1e-12 relative, tested on random
networks). One exception: torch's ``Softplus`` returns its input itself above
20, where chainrule's softplus adds e^-x (at most 2e-9 there).

PyTorch is an optional extra (``pip install "chainrule[torch]"``): it is
imported when one of these functions is called, never by ``import nn``.
"""

from __future__ import annotations

from .modules import MLP

# chainrule's activation -> the name of its torch.nn module (built with no arguments)
TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid",
                     "softplus": "Softplus"}


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError('this needs PyTorch: pip install "chainrule[torch]" '
                          '(or torch itself)') from None
    return torch


def _supported() -> str:
    return ", ".join(TORCH_ACTIVATIONS)


def to_torch(model: MLP):
    """The ``torch.nn.Sequential`` twin of ``model``: float64 ``Linear`` layers with
    the same weights and biases, each followed by the same activation.

    The twin is a copy: training one leaves the other as it was. Raises
    ``TypeError`` for anything but an :class:`~nn.MLP`, ``ValueError`` for an
    activation PyTorch has no module for (those in :data:`TORCH_ACTIVATIONS`
    cross).
    """
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch takes an nn.MLP, got {type(model).__name__}")
    for layer in model.layers:
        if layer.activation is not None and layer.activation not in TORCH_ACTIVATIONS:
            raise ValueError(
                f"to_torch: the activation {layer.activation!r} has no torch.nn module here; "
                f"the MLPs that cross use {_supported()} or none (linear)")
    torch = _torch()
    modules = []
    for layer in model.layers:
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(
                [[w.data for w in neuron.w] for neuron in layer.neurons], dtype=torch.float64))
            linear.bias.copy_(torch.tensor([neuron.b.data for neuron in layer.neurons],
                                           dtype=torch.float64))
        modules.append(linear)
        if layer.activation is not None:
            modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[layer.activation])())
    return torch.nn.Sequential(*modules)


def _activation_of(torch, module, position: int) -> str:
    for name, class_name in TORCH_ACTIVATIONS.items():
        if type(module) is getattr(torch.nn, class_name):
            # NOTE: torch's Softplus(beta, threshold) returns x itself above the
            # threshold; only the defaults (beta 1, threshold 20) are the row's
            # softplus (to about 2e-9 there, where e^-20 is dropped).
            if class_name == "Softplus" and (module.beta != 1 or module.threshold != 20):
                raise ValueError(
                    f"from_torch: module {position} is {module}; only Softplus() with "
                    f"beta=1 and threshold=20 (the defaults) is chainrule's softplus")
            return name
    raise ValueError(
        f"from_torch: module {position} is {module}, which chainrule's MLP has no twin for; "
        f"a Sequential that crosses holds Linear layers (with bias), each followed by one "
        f"of {', '.join(TORCH_ACTIVATIONS.values())} or by nothing")


def from_torch(module) -> MLP:
    """The :class:`~nn.MLP` twin of a ``torch.nn.Sequential`` of ``Linear`` layers
    (with bias), each followed by ReLU, Tanh, Sigmoid, Softplus or nothing.

    Every hidden layer must have the same activation (an MLP has one for its
    hidden layers and one for its output). Weights become floats (exactly,
    from float32 or float64). Anything else raises ``ValueError`` naming the
    module that does not cross, before any MLP is built.
    """
    torch = _torch()
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(f"from_torch takes a torch.nn.Sequential, got {type(module).__name__}")
    linears, activations = [], []
    for position, child in enumerate(module):
        if isinstance(child, torch.nn.Linear):
            if child.bias is None:
                raise ValueError(f"from_torch: module {position} is {child}; chainrule's "
                                 f"neurons always have a bias (use bias=True)")
            if linears and child.in_features != linears[-1].out_features:
                raise ValueError(f"from_torch: module {position} takes {child.in_features} "
                                 f"inputs, but the layer before gives "
                                 f"{linears[-1].out_features}")
            linears.append(child)
            activations.append(None)
        elif not linears or activations[-1] is not None:
            raise ValueError(f"from_torch: module {position} is {child}; each Linear may be "
                             f"followed by at most one activation, and the first module must "
                             f"be a Linear")
        else:
            activations[-1] = _activation_of(torch, child, position)
    if not linears:
        raise ValueError("from_torch: the Sequential holds no Linear layer")
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        raise ValueError(f"from_torch: the hidden layers use {sorted(map(str, hidden))}; an "
                         f"MLP uses one activation for every hidden layer")
    model = MLP(linears[0].in_features, [linear.out_features for linear in linears],
                activation=hidden.pop() if hidden else "relu",
                output_activation=activations[-1])
    state = {}
    for index, linear in enumerate(linears):
        weights, biases = linear.weight.detach().tolist(), linear.bias.detach().tolist()
        for j, (row, bias) in enumerate(zip(weights, biases)):
            state.update({f"layer{index}.neuron{j}.w{k}": w for k, w in enumerate(row)})
            state[f"layer{index}.neuron{j}.b"] = bias
    model.load_state_dict(state)
    return model
