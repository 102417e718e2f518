"""Modules: Neuron, Layer and MLP, built from autograd Values.

Contract of every :class:`Module`:

* ``named_parameters()`` lists ``(name, Value)`` pairs in a fixed order: for
  each neuron its weights ``w0 … wn`` then its bias ``b``, neurons in layer
  order, layers in network order (micrograd's order). ``parameters()`` is
  the same list without the names.
* Calling a module on a list of numbers or Values builds the graph of its
  output: a Value for one output, a list of Values for several. A list of
  the wrong length raises ``ValueError`` naming expected and received sizes.
* ``state_dict()`` maps each name to a float (JSON-safe);
  ``load_state_dict()`` checks everything before it assigns anything, so a
  bad state leaves the module as it was.

Initialisation draws weights from the generator the ``seed`` stands for
(see ``nn/_arguments.py``); biases start at 0. Schemes (``init=``):

* ``"uniform"`` — micrograd's uniform(-1, 1);
* ``"xavier"`` — Glorot uniform: uniform(-a, a), a = sqrt(6 / (fan_in + fan_out)),
  made for tanh and sigmoid;
* ``"he"`` — He normal: normal(0, sqrt(2 / fan_in)), made for relu.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from autograd import Value, ops

from ._arguments import checked_int, checked_number, generator

# Every one-input function of the op table is an activation (relu, tanh,
# sigmoid, softplus, ...); None is linear: the weighted sum itself.
ACTIVATIONS = {None: None, **{row.name: row for row in ops.FUNCTIONS if row.arity == 1}}
# The activations that suit a hidden layer: defined for every real input, nonlinear,
# and with a slope that lets gradients through (sign and step have none, log and
# sqrt refuse negative inputs, exp overflows). The CLI and the playground offer these.
HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "softplus")


def _uniform(rng, fan_in, fan_out):
    return rng.uniform(-1.0, 1.0)


def _xavier(rng, fan_in, fan_out):
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound)


def _he(rng, fan_in, fan_out):
    return rng.gauss(0.0, math.sqrt(2.0 / fan_in))


INITIALIZERS = {"uniform": _uniform, "xavier": _xavier, "he": _he}


def _choice(name, value, choices):
    if value not in choices:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def _activation_name(activation):
    return activation or "linear"


class Module:
    """Base of every module: parameters, gradients, state and calling."""

    nin: int

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, Value)`` for each parameter, in a fixed order."""
        return [(f"{child_name}.{name}", parameter)
                for child_name, child in self.named_children()
                for name, parameter in child.named_parameters()]

    def named_children(self) -> list[tuple[str, Module]]:
        """``(name, Module)`` for each direct sub-module."""
        return []

    def parameters(self) -> list[Value]:
        """Every parameter (a leaf Value), in the order of ``named_parameters``."""
        # NOTE: without building the names: a million-parameter model lists
        # its parameters in a fraction of the time.
        return [parameter for _, child in self.named_children()
                for parameter in child.parameters()]

    def zero_grad(self) -> None:
        """Clear every parameter's gradient (backward() accumulates into leaves):
        ``grad = None``, so 0.0 and no gradient until a backward() reaches it."""
        for parameter in self.parameters():
            parameter.grad = None

    def state_dict(self) -> dict[str, float]:
        """``{name: value}`` for every parameter: plain floats, ready for JSON."""
        return {name: parameter.data for name, parameter in self.named_parameters()}

    def load_state_dict(self, state: Mapping) -> None:
        """Set every parameter from ``state`` (as made by :meth:`state_dict`).

        ``state`` must name exactly this module's parameters, each with a
        finite real number. Everything is checked before anything is
        assigned: on ``ValueError`` the module is unchanged.
        """
        if not isinstance(state, Mapping):
            raise ValueError(f"a state dict must be a mapping, got {type(state).__name__}")
        named = self.named_parameters()
        expected = [name for name, _ in named]
        known = set(expected)
        problems = [f"{len(names)} {kind} (first: {names[:3]})" for kind, names in (
            ("missing", [name for name in expected if name not in state]),
            ("unexpected", [name for name in state if name not in known])) if names]
        if problems:
            raise ValueError(f"state dict does not fit {self!r}: {', '.join(problems)}")
        values = [checked_number(f"state dict entry {name!r}", state[name], valid=None)
                  for name in expected]
        for (_, parameter), number in zip(named, values):
            parameter.data = number

    def __call__(self, inputs):
        """The output for one example: a Value, or a list of Values for several outputs."""
        try:
            received = len(inputs)
        except TypeError:
            raise TypeError(
                f"{type(self).__name__} takes a list of {self.nin} numbers or Values, "
                f"received {type(inputs).__name__}") from None
        if received != self.nin:
            raise ValueError(
                f"{type(self).__name__} expects {self.nin} inputs, received {received}")
        # NOTE: numbers become leaves once, here, so that all the neurons of the
        # first layer share them; otherwise every product w * x would make a
        # constant node of its own (3,200 extra nodes in micrograd's demo step).
        # Each is labelled x0, x1, ... as the parameters are named, so a
        # drawing or a step formula shows which input it is.
        outputs = self.forward([x if isinstance(x, Value) else Value(x, f"x{i}")
                                for i, x in enumerate(inputs)])
        if isinstance(outputs, list) and len(outputs) == 1:
            return outputs[0]
        return outputs

    def forward(self, inputs):
        """The output(s) for inputs already known to have the right size."""
        raise NotImplementedError


class Neuron(Module):
    """``activation(w · x + b)``: one weight per input and a bias.

    ``fan_out`` is used only by the ``"xavier"`` scheme; a Layer passes its
    width.
    """

    def __init__(self, nin: int, activation: str | None = "relu", init: str = "uniform",
                 seed=None, *, fan_out: int = 1):
        self.nin = checked_int("nin", nin)
        self.activation = _choice("activation", activation, list(ACTIVATIONS))
        draw = INITIALIZERS[_choice("init", init, list(INITIALIZERS))]
        rng = generator(seed)
        self.w = [Value(draw(rng, nin, fan_out)) for _ in range(nin)]
        self.b = Value(0.0)
        self._activate = ACTIVATIONS[activation]  # a row of the table, or None

    def named_parameters(self):
        return [*((f"w{index}", weight) for index, weight in enumerate(self.w)), ("b", self.b)]

    def parameters(self):
        return [*self.w, self.b]

    def forward(self, inputs) -> Value:
        total = self.b
        for weight, x in zip(self.w, inputs):
            total = total + weight * x
        return total if self._activate is None else self._activate(total)

    def __repr__(self):
        return f"Neuron({self.nin}, {_activation_name(self.activation)})"


class Layer(Module):
    """``nout`` neurons that all read the same ``nin`` inputs."""

    def __init__(self, nin: int, nout: int, activation: str | None = "relu",
                 init: str = "uniform", seed=None):
        self.nin = checked_int("nin", nin)
        self.nout = checked_int("nout", nout)
        self.activation = activation
        rng = generator(seed)
        self.neurons = [Neuron(nin, activation, init, rng, fan_out=nout) for _ in range(nout)]

    def named_children(self):
        return [(f"neuron{index}", neuron) for index, neuron in enumerate(self.neurons)]

    def forward(self, inputs) -> list[Value]:
        return [neuron.forward(inputs) for neuron in self.neurons]

    def __repr__(self):
        return f"Layer({self.nin} → {self.nout}, {_activation_name(self.activation)})"


class MLP(Module):
    """A multi-layer perceptron: layers of sizes ``nouts`` after ``nin`` inputs.

    Every layer uses ``activation`` except the last, which is linear unless
    ``output_activation`` names one (``"sigmoid"`` for probabilities, say).
    ``MLP(2, [16, 16, 1])`` is micrograd's demo network.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str | None = "relu",
                 output_activation: str | None = None, seed=None, init: str = "uniform"):
        self.nin = checked_int("nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        self.nouts = [checked_int("each layer size in nouts", nout) for nout in nouts]
        self.activation = _choice("activation", activation, list(ACTIVATIONS))
        self.output_activation = _choice(
            "output_activation", output_activation, list(ACTIVATIONS))
        rng = generator(seed)
        sizes = [nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(sizes[index], sizes[index + 1],
                  output_activation if index == last else activation, init, rng)
            for index in range(len(self.nouts))]

    def architecture(self) -> dict:
        """The arguments that rebuild this network's shape: ``MLP(**architecture)``."""
        return {"nin": self.nin, "nouts": list(self.nouts), "activation": self.activation,
                "output_activation": self.output_activation}

    def named_children(self):
        return [(f"layer{index}", layer) for index, layer in enumerate(self.layers)]

    def forward(self, inputs) -> list[Value]:
        for layer in self.layers:
            inputs = layer.forward(inputs)
        return inputs

    def __repr__(self):
        shape = " → ".join(
            [str(self.nin)] + [f"{layer.nout} {_activation_name(layer.activation)}"
                               for layer in self.layers])
        return f"MLP({shape}, {len(self.parameters()):,} parameters)"
