"""Optimizers: gradient descent, the step after backpropagation.

``loss.backward()`` fills every parameter's ``grad`` (backpropagation);
``optimizer.step()`` then moves every parameter against it (gradient
descent). Plain SGD is the rule ``p := p - lr * p.grad``; the others change
how far and in which direction each parameter moves, using a little memory
per parameter (``optimizer.state[p]``).

The names, defaults and update rules are those of ``torch.optim`` (its
documented algorithms, one parameter group; ``maximize=True`` ascends the
gradient), so a parameter updated by both on the same gradients ends at the
same value.

Contract of every :class:`Optimizer` subclass:

* ``__init__`` validates each hyperparameter and raises ``ValueError``
  naming it and its value;
* ``_update(value, grad, state)`` is the whole update rule for one
  parameter: it returns the new value and keeps its memory in ``state``
  (a dict of floats, empty before the first step);
* hyperparameters are attributes (``optimizer.lr = 0.1`` is how a
  learning-rate schedule sets them).

``OPTIMIZERS`` lists every optimizer, so one generic test covers each.
"""

from __future__ import annotations

import math

from autograd import Value

from ._arguments import checked_number


def _fraction(value):
    return 0.0 <= value <= 1.0


def _beta(value):
    return 0.0 <= value < 1.0


def _positive(value):
    return value > 0.0


# NOTE: torch.optim accepts eps=0 and then turns a zero gradient into NaN
# (0/0); here that would be a ZeroDivisionError mid-training, so eps > 0 is
# asked for when the optimizer is made.
EPS_RULE = "> 0 (it keeps the update finite where a gradient is 0; the default is 1e-8)"


def _checked_flag(name, flag):
    if not isinstance(flag, bool):
        raise ValueError(f"{name} must be True or False, got {flag!r}")
    return flag


class Optimizer:
    """Holds the parameters, their per-parameter ``state`` and the hyperparameters."""

    hyperparameters: tuple[str, ...] = ()
    state_keys: tuple[str, ...] = ()  # what a parameter's state may hold
    maximize = False  # True: ascend the gradient (torch's maximize=), set by each __init__

    def __init__(self, params):
        name = type(self).__name__
        if hasattr(params, "parameters") or not hasattr(params, "__iter__"):
            raise TypeError(
                f"{name} needs the parameters to optimize, e.g. {name}(model.parameters(), "
                f"...), got {type(params).__name__}")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        for index, parameter in enumerate(self.params):
            if not isinstance(parameter, Value):
                raise TypeError(
                    f"{type(self).__name__} optimizes Values; parameter {index} is "
                    f"{type(parameter).__name__}")
        if len(set(self.params)) != len(self.params):
            raise ValueError(f"{type(self).__name__} got the same parameter twice")
        self.state: dict[Value, dict[str, float]] = {p: {} for p in self.params}

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 before the next backward()."""
        for parameter in self.params:
            parameter.grad = 0.0

    def step(self) -> None:
        """One update of every parameter from its current ``grad``, all or nothing.

        Every new value and state is computed before any is stored, so an
        exception from an update (or Ctrl-C at any moment) leaves the
        parameters and ``state`` as they were before the step.
        """
        updates = []
        for parameter in self.params:
            state = dict(self.state[parameter])  # floats: a copy is a snapshot
            grad = -parameter.grad if self.maximize else parameter.grad
            updates.append((parameter, self._update(parameter.data, grad, state), state))
        before = [(parameter, parameter.data, self.state[parameter]) for parameter in self.params]
        try:
            for parameter, value, state in updates:
                parameter.data, self.state[parameter] = value, state
        except BaseException:
            for parameter, value, state in before:
                parameter.data, self.state[parameter] = value, state
            raise

    def _update(self, value: float, grad: float, state: dict) -> float:
        raise NotImplementedError

    def state_dict(self) -> dict:
        """Hyperparameters and per-parameter state (by position), JSON-safe."""
        settings = {name: getattr(self, name) for name in self.hyperparameters}
        return {
            # JSON has no tuples: betas (0.9, 0.999) is stored as a list
            "hyperparameters": {name: list(value) if isinstance(value, tuple) else value
                                for name, value in settings.items()},
            "state": [dict(self.state[p]) for p in self.params],
        }

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` returned; checked fully before anything changes."""
        if not isinstance(state_dict, dict) or set(state_dict) != {"hyperparameters", "state"}:
            raise ValueError(
                "an optimizer state dict is a dict with keys 'hyperparameters' and 'state'")
        settings, states = state_dict["hyperparameters"], state_dict["state"]
        if not isinstance(settings, dict) or set(settings) != set(self.hyperparameters):
            raise ValueError(
                f"{type(self).__name__} hyperparameters are {list(self.hyperparameters)}, "
                f"got {settings!r}")
        if not isinstance(states, list) or len(states) != len(self.params):
            raise ValueError(
                f"'state' must be a list of one dict per parameter ({len(self.params)})")
        # Validate the hyperparameters by building a twin optimizer from them.
        twin = type(self)(self.params, **settings)
        for index, entry in enumerate(states):
            if not isinstance(entry, dict) or not set(entry) <= set(self.state_keys):
                raise ValueError(
                    f"state of parameter {index} must be a dict with keys among "
                    f"{list(self.state_keys)}, got {entry!r}")
            step = entry.get("step", 1.0)
            if isinstance(step, bool) or not isinstance(step, (int, float)) \
                    or not math.isfinite(step) or step < 1 or step != int(step):
                raise ValueError(
                    f"state of parameter {index}: 'step' must be a whole number >= 1, "
                    f"got {step!r}")
        checked_states = [
            {key: checked_number(f"state[{index}][{key!r}]", number, valid=None)
             for key, number in entry.items()}
            for index, entry in enumerate(states)]
        for name in self.hyperparameters:
            setattr(self, name, getattr(twin, name))
        self.state = dict(zip(self.params, checked_states))

    def __repr__(self):
        settings = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.hyperparameters)
        return f"{type(self).__name__}({len(self.params)} parameters, {settings})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (torch.optim.SGD).

    ``g = grad + weight_decay * p``; with momentum,
    ``b = g`` on the first step and ``b = momentum * b + (1 - dampening) * g``
    after, and ``g = g + momentum * b`` (Nesterov) or ``g = b``;
    then ``p := p - lr * g``.
    """

    hyperparameters = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")
    state_keys = ("momentum_buffer",)

    def __init__(self, params, lr: float, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, maximize: bool = False):
        super().__init__(params)
        self.maximize = _checked_flag("maximize", maximize)
        self.lr = checked_number("lr", lr)
        self.momentum = checked_number("momentum", momentum)
        self.dampening = checked_number("dampening", dampening, _fraction, "in [0, 1]")
        self.weight_decay = checked_number("weight_decay", weight_decay)
        self.nesterov = _checked_flag("nesterov", nesterov)
        if self.nesterov and (self.momentum == 0.0 or self.dampening != 0.0):
            raise ValueError(
                f"nesterov=True needs momentum > 0 and dampening == 0, got "
                f"momentum={momentum!r}, dampening={dampening!r}")

    def _update(self, value, grad, state):
        if self.weight_decay:
            grad = grad + self.weight_decay * value
        if self.momentum:
            buffer = state.get("momentum_buffer")
            buffer = grad if buffer is None else (
                self.momentum * buffer + (1.0 - self.dampening) * grad)
            state["momentum_buffer"] = buffer
            grad = grad + self.momentum * buffer if self.nesterov else buffer
        return value - self.lr * grad


class RMSprop(Optimizer):
    """Divide each step by a running root mean square of the gradient (torch.optim.RMSprop).

    ``s = alpha * s + (1 - alpha) * g²``; centered also tracks the mean
    gradient ``m`` and uses ``s - m²``; ``d = sqrt(...) + eps``; then
    ``p := p - lr * g / d``, or with momentum ``b = momentum * b + g / d``
    and ``p := p - lr * b``.
    """

    hyperparameters = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")
    state_keys = ("square_avg", "grad_avg", "momentum_buffer")

    def __init__(self, params, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 maximize: bool = False):
        super().__init__(params)
        self.maximize = _checked_flag("maximize", maximize)
        self.lr = checked_number("lr", lr)
        self.alpha = checked_number("alpha", alpha, _fraction, "in [0, 1]")
        self.eps = checked_number("eps", eps, _positive, EPS_RULE)
        self.weight_decay = checked_number("weight_decay", weight_decay)
        self.momentum = checked_number("momentum", momentum)
        self.centered = _checked_flag("centered", centered)

    def _update(self, value, grad, state):
        if self.weight_decay:
            grad = grad + self.weight_decay * value
        square_avg = self.alpha * state.get("square_avg", 0.0) + (1.0 - self.alpha) * grad * grad
        state["square_avg"] = square_avg
        if self.centered:
            grad_avg = state.get("grad_avg", 0.0)
            grad_avg = grad_avg + (1.0 - self.alpha) * (grad - grad_avg)
            state["grad_avg"] = grad_avg
            # NOTE: s >= m² holds exactly, but rounding can leave it a hair
            # below 0 when the gradient is nearly constant; clip so sqrt() works.
            denominator = math.sqrt(max(square_avg - grad_avg * grad_avg, 0.0)) + self.eps
        else:
            denominator = math.sqrt(square_avg) + self.eps
        if self.momentum:
            buffer = self.momentum * state.get("momentum_buffer", 0.0) + grad / denominator
            state["momentum_buffer"] = buffer
            return value - self.lr * buffer
        return value - self.lr * grad / denominator


class _Moments(Optimizer):
    """What Adam and NAdam share: running moments of the gradient, a step
    count for their bias correction, and weight decay of either kind."""

    def _count_and_decay(self, value, grad, state):
        """The step number t (kept in ``state``), then weight decay:
        decoupled (the value shrinks, as AdamW) or added to the gradient (L2)."""
        step = state.get("step", 0.0) + 1.0
        state["step"] = step
        if self.weight_decay and self.decoupled_weight_decay:
            value = value * (1.0 - self.lr * self.weight_decay)
        elif self.weight_decay:
            grad = grad + self.weight_decay * value
        return step, value, grad


class Adam(_Moments):
    """Adaptive moment estimation (torch.optim.Adam).

    ``m = β₁ m + (1 - β₁) g``, ``v = β₂ v + (1 - β₂) g²``, both bias-corrected
    by ``1 - βᵗ`` at step t; ``p := p - lr * m̂ / (sqrt(v̂) + eps)``. Weight
    decay is added to the gradient (L2); :class:`AdamW` decouples it. With
    ``amsgrad`` the denominator uses the largest ``v`` seen so far, so a
    parameter's steps never grow from a shrinking ``v``.
    """

    hyperparameters = ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize")
    state_keys = ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    decoupled_weight_decay = False

    def __init__(self, params, lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False,
                 maximize: bool = False):
        super().__init__(params)
        self.lr = checked_number("lr", lr)
        self.betas = _checked_betas(betas)
        self.eps = checked_number("eps", eps, _positive, EPS_RULE)
        self.weight_decay = checked_number("weight_decay", weight_decay)
        self.amsgrad = _checked_flag("amsgrad", amsgrad)
        self.maximize = _checked_flag("maximize", maximize)

    def _update(self, value, grad, state):
        beta1, beta2 = self.betas
        step, value, grad = self._count_and_decay(value, grad, state)
        exp_avg = state.get("exp_avg", 0.0)
        exp_avg = exp_avg + (1.0 - beta1) * (grad - exp_avg)
        exp_avg_sq = beta2 * state.get("exp_avg_sq", 0.0) + (1.0 - beta2) * grad * grad
        state["exp_avg"], state["exp_avg_sq"] = exp_avg, exp_avg_sq
        if self.amsgrad:
            exp_avg_sq = state["max_exp_avg_sq"] = max(state.get("max_exp_avg_sq", 0.0),
                                                       exp_avg_sq)
        step_size = self.lr / (1.0 - beta1 ** step)
        denominator = math.sqrt(exp_avg_sq) / math.sqrt(1.0 - beta2 ** step) + self.eps
        return value - step_size * exp_avg / denominator


class AdamW(Adam):
    """Adam with decoupled weight decay (torch.optim.AdamW):
    ``p := p * (1 - lr * weight_decay)`` before the Adam step."""

    decoupled_weight_decay = True

    def __init__(self, params, lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.01, amsgrad: bool = False,
                 maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)


class Adagrad(Optimizer):
    """Steps divided by the root of each parameter's summed squared gradients
    (torch.optim.Adagrad).

    ``g = grad + weight_decay * p``; ``s = s + g²`` (``s`` starts at
    ``initial_accumulator_value``); at step t the rate is
    ``lr / (1 + (t - 1) * lr_decay)`` and ``p := p - rate * g / (sqrt(s) + eps)``.
    """

    hyperparameters = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps",
                       "maximize")
    state_keys = ("step", "sum")

    def __init__(self, params, lr: float = 0.01, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, maximize: bool = False):
        super().__init__(params)
        self.lr = checked_number("lr", lr)
        self.lr_decay = checked_number("lr_decay", lr_decay)
        self.weight_decay = checked_number("weight_decay", weight_decay)
        self.initial_accumulator_value = checked_number(
            "initial_accumulator_value", initial_accumulator_value)
        self.eps = checked_number("eps", eps, _positive, EPS_RULE)
        self.maximize = _checked_flag("maximize", maximize)

    def _update(self, value, grad, state):
        step = state.get("step", 0.0) + 1.0
        state["step"] = step
        if self.weight_decay:
            grad = grad + self.weight_decay * value
        rate = self.lr / (1.0 + (step - 1.0) * self.lr_decay)
        total = state.get("sum", self.initial_accumulator_value) + grad * grad
        state["sum"] = total
        return value - rate * (grad / (math.sqrt(total) + self.eps))


class NAdam(_Moments):
    """Adam with Nesterov momentum (torch.optim.NAdam, Dozat 2016).

    The momentum factor warms up: ``μₜ = β₁ (1 - 0.96^(t ψ) / 2)`` with
    ``ψ = momentum_decay``; ``m`` and ``v`` as in Adam, ``d = sqrt(v / (1 -
    β₂ᵗ)) + eps``, and the step mixes this gradient and the next momentum:
    ``p := p - lr (1 - μₜ) / (1 - Πμ) · g / d - lr μₜ₊₁ / (1 - Πμ·μₜ₊₁) · m / d``.
    Weight decay as in Adam, or decoupled as in AdamW.
    """

    hyperparameters = ("lr", "betas", "eps", "weight_decay", "momentum_decay",
                       "decoupled_weight_decay", "maximize")
    state_keys = ("step", "mu_product", "exp_avg", "exp_avg_sq")

    def __init__(self, params, lr: float = 0.002, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 0.004,
                 decoupled_weight_decay: bool = False, maximize: bool = False):
        super().__init__(params)
        self.lr = checked_number("lr", lr)
        self.betas = _checked_betas(betas)
        self.eps = checked_number("eps", eps, _positive, EPS_RULE)
        self.weight_decay = checked_number("weight_decay", weight_decay)
        self.momentum_decay = checked_number("momentum_decay", momentum_decay)
        self.decoupled_weight_decay = _checked_flag("decoupled_weight_decay",
                                                    decoupled_weight_decay)
        self.maximize = _checked_flag("maximize", maximize)

    def _update(self, value, grad, state):
        beta1, beta2 = self.betas
        step, value, grad = self._count_and_decay(value, grad, state)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * self.momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1.0) * self.momentum_decay))
        mu_product = state.get("mu_product", 1.0) * mu
        exp_avg = state.get("exp_avg", 0.0)
        exp_avg = exp_avg + (1.0 - beta1) * (grad - exp_avg)
        exp_avg_sq = beta2 * state.get("exp_avg_sq", 0.0) + (1.0 - beta2) * grad * grad
        state["mu_product"], state["exp_avg"], state["exp_avg_sq"] = mu_product, exp_avg, exp_avg_sq
        denominator = math.sqrt(exp_avg_sq / (1.0 - beta2 ** step)) + self.eps
        value = value + (-self.lr * (1.0 - mu) / (1.0 - mu_product)) * (grad / denominator)
        return value + (-self.lr * mu_next / (1.0 - mu_product * mu_next)) * (
            exp_avg / denominator)



def _checked_betas(betas):
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return (checked_number("betas[0]", betas[0], _beta, "in [0, 1)"),
            checked_number("betas[1]", betas[1], _beta, "in [0, 1)"))


OPTIMIZERS = [SGD, RMSprop, Adam, AdamW, Adagrad, NAdam]
