"""Optimizers: gradient descent, the step after backpropagation.

``loss.backward()`` fills every parameter's ``grad`` (backpropagation);
``optimizer.step()`` then moves every parameter against it (gradient
descent). Plain SGD is the rule ``p := p - lr * p.grad``; the others change
how far and in which direction each parameter moves, using a little memory
per parameter (``optimizer.state[p]``).

The names, defaults, update rules and parameter groups are those of
``torch.optim`` (its documented algorithms; ``maximize=True`` ascends the
gradient), so a parameter updated by both on the same gradients ends at the
same value.

**Parameter groups.** ``params`` is a list of Values, or a list of dicts,
each ``{"params": [...], option: value, ...}``; an option a group does not
give is the constructor's::

    Adam([{"params": first.parameters()},
          {"params": last.parameters(), "lr": 1e-2}], lr=1e-3)

``optimizer.param_groups`` is that list, each dict holding ``"params"`` and
every option (torch's layout); :meth:`Optimizer.add_param_group` adds one.
A parameter belongs to one group only. ``optimizer.lr`` (and every other
option) reads group 0's; assigning it sets every group's, which is how a
learning-rate schedule sets it (torch's schedulers set every group's too).

**A parameter without a gradient is skipped**, as torch skips one whose
``p.grad is None``: its gradient was cleared (``zero_grad()``, ``grad =
None``, or it is new) and no backward() reached it since (``has_grad`` is
False). It does not move, not even by weight decay, and its state stays as
it was. A computed gradient of 0.0 is a gradient: that parameter is updated.

Contract of every :class:`Optimizer` subclass:

* ``hyperparameters`` names its options, in order, and ``__init__`` passes
  its arguments to ``Optimizer.__init__`` as the defaults;
* ``_checked(**options)`` validates one group's options (all of them) and
  returns them checked, or raises ``ValueError`` naming the option and its
  value; the constructor's defaults, every group and every assignment such
  as ``optimizer.momentum = 0.9`` go through it. ``lr`` is a finite number
  >= 0 whatever the other options, checked alone when assigned
  (``optimizer.lr = 0.1``, a schedule's assignment at each step);
* ``update(value, grad, state, group)`` is the whole update rule for one
  parameter, its one definition: it reads the options from ``group`` (the
  parameter's group), returns the new value and keeps its memory in
  ``state`` (a dict of floats, empty before the first step). ``grad`` is
  already negated under ``maximize``. It is written with arithmetic and
  rows of the op table only (``sqrt``, ``maximum``; no ``math``), so, as a
  row's partials do, it evaluates on floats (:meth:`Optimizer.step`) and on
  C text (``CSource``), which prints its native form for the C engine
  (:mod:`nn.native`); its Python decisions may look at the options, except
  ``lr`` (the C form reads it at each step: schedules change it), and at
  which state entries exist, never at a number of the state or gradient;
* ``native`` says whether :meth:`update` prints itself in C as above, and
  ``counters`` names the state entries that count steps (``step``,
  NAdam's ``mu_product``): the same for every parameter of a group
  stepped together, so the C form keeps one per group.

``OPTIMIZERS`` lists every optimizer, so one generic test covers each.
"""

from __future__ import annotations

import math

from autograd import Value, maximum, sqrt
from autograd.extend import CSource

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


def _option(name):
    """The attribute ``optimizer.<name>``: group 0's option; assigned, every group's."""

    def get(self):
        return self.param_groups[0][name]

    def set_everywhere(self, value):
        # Every group is checked with its new value before any changes.
        if name == "lr":
            # NOTE: lr is a number >= 0 on its own in every optimizer (the
            # contract), so a schedule's assignment at each step checks it
            # alone: 0.2 µs instead of every option of every group (4 µs).
            number = checked_number("lr", value)
            checked = [number] * len(self.param_groups)
        else:
            checked = [self._checked(**{**_options(group), name: value})[name]
                       for group in self.param_groups]
        for group, number in zip(self.param_groups, checked):
            group[name] = number

    return property(get, set_everywhere, doc=(
        f"``{name}`` of parameter group 0; assigning it sets every group's."))


def _options(group):
    return {name: value for name, value in group.items() if name != "params"}


class Optimizer:
    """Holds the parameter groups, each parameter's ``state`` and the defaults."""

    hyperparameters: tuple[str, ...] = ()
    state_keys: tuple[str, ...] = ()  # what a parameter's state may hold
    counters: tuple[str, ...] = ()  # state entries alike across a group (see the contract)
    native = False  # whether update() prints itself in C (see the contract)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.hyperparameters:
            if not isinstance(getattr(cls, name, None), property):
                setattr(cls, name, _option(name))

    def __init__(self, params, defaults: dict | None = None):
        name = type(self).__name__
        # NOTE: a set's order changes from run to run (Values hash by
        # identity), and state_dict() numbers the parameters in order.
        if isinstance(params, (Value, dict, set, frozenset)) or hasattr(params, "parameters") \
                or not hasattr(params, "__iter__"):
            raise TypeError(
                f"{name} needs a list of the parameters to optimize, e.g. "
                f"{name}(model.parameters(), ...), or a list of parameter groups, e.g. "
                f"{name}([{{'params': layer.parameters(), 'lr': 0.01}}, ...], ...); "
                f"got {type(params).__name__}")
        params = list(params)
        if not params:
            raise ValueError(f"{name} got an empty parameter list")
        self.defaults = self._checked(**(defaults or {}))
        self.param_groups: list[dict] = []
        self.state: dict[Value, dict[str, float]] = {}
        if not any(isinstance(group, dict) for group in params):
            self._add(self._group({"params": params}, where=""))
            return
        for index, group in enumerate(params):
            if not isinstance(group, dict):
                raise TypeError(
                    f"{name} takes a list of Values or a list of parameter groups (dicts "
                    f"such as {{'params': layer.parameters(), 'lr': 0.01}}); item {index} "
                    f"is {type(group).__name__}")
            self.add_param_group(group)

    @staticmethod
    def _checked(**options) -> dict:
        return options

    @property
    def params(self) -> list[Value]:
        """Every parameter, group after group."""
        return [parameter for group in self.param_groups for parameter in group["params"]]

    def add_param_group(self, param_group: dict) -> None:
        """Add a group, ``{"params": [...], option: value, ...}``, options it
        does not give taken from the constructor's (torch's ``add_param_group``).
        Checked fully before it is added; its parameters start with empty state."""
        self._add(self._group(param_group, where=f"param_groups[{len(self.param_groups)}]: "))

    def _add(self, group):
        self.param_groups.append(group)
        self.state.update({parameter: {} for parameter in group["params"]})

    def _group(self, group, where):
        """``group`` checked, with every option: a new entry of ``param_groups``."""
        name = type(self).__name__
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(
                f"{where}a parameter group is a dict with 'params', e.g. "
                f"{{'params': layer.parameters(), 'lr': 0.01}}, got {group!r}")
        params = group["params"]
        params = [params] if isinstance(params, Value) else params
        if isinstance(params, (set, frozenset, dict)) or hasattr(params, "parameters") \
                or not hasattr(params, "__iter__"):
            raise TypeError(
                f"{where}'params' must be a Value or an ordered collection of Values "
                f"(a list, e.g. layer.parameters()), got {type(params).__name__}")
        params = list(params)
        if not params:
            raise ValueError(f"{where}{name} got an empty parameter list")
        for index, parameter in enumerate(params):
            if not isinstance(parameter, Value):
                raise TypeError(
                    f"{where}{name} optimizes Values; parameter {index} is "
                    f"{type(parameter).__name__}")
        if len(set(params)) != len(params):
            raise ValueError(f"{where}{name} got the same parameter twice")
        if not self.state.keys().isdisjoint(params):
            raise ValueError(
                f"{where}some parameters appear in more than one parameter group: "
                f"give each parameter to one group only")
        unknown = [option for option in group if option not in ("params", *self.hyperparameters)]
        if unknown:
            raise ValueError(
                f"{where}{name} has no option {unknown[0]!r}; its options are "
                f"{list(self.hyperparameters)}")
        try:
            options = self._checked(**{**self.defaults, **_options(group)})
        except ValueError as error:
            raise ValueError(f"{where}{error}") from None
        return {"params": params, **options}

    def zero_grad(self) -> None:
        """Clear every parameter's gradient (``grad = None``: 0.0, and no
        gradient until a backward() reaches it) before the next backward()."""
        for parameter in self.params:
            parameter.grad = None

    def step(self) -> None:
        """One update of every parameter with a gradient, all or nothing.

        Every new value and state is computed before any is stored, so an
        exception from an update (or Ctrl-C at any moment) leaves the
        parameters and ``state`` as they were before the step. A parameter
        without a gradient (``has_grad`` False) is skipped.
        """
        updates = []
        for group in self.param_groups:
            maximize = group.get("maximize", False)
            for parameter in group["params"]:
                if not parameter.has_grad:
                    continue
                state = dict(self.state[parameter])  # floats: a copy is a snapshot
                grad = -parameter.grad if maximize else parameter.grad
                updates.append(
                    (parameter, self.update(parameter.data, grad, state, group), state))
        before = [(parameter, parameter.data, self.state[parameter])
                  for parameter, _, _ in updates]
        try:
            for parameter, value, state in updates:
                parameter.data, self.state[parameter] = value, state
        except BaseException:
            for parameter, value, state in before:
                parameter.data, self.state[parameter] = value, state
            raise

    def update(self, value: float, grad: float, state: dict, group: dict) -> float:
        """The new value of one parameter (the contract in the module docstring)."""
        raise NotImplementedError

    def native_update(self, parameters) -> str | None:
        """The C statement of this optimizer's update when it can run in native
        code over exactly ``parameters``, or None (it then updates in Python).

        The statement writes ``updated[i]`` from ``param[i]``, ``grad[i]`` and
        ``lr`` (this step's learning rate), the same number :meth:`step`
        computes: it is :meth:`update` evaluated on C text. It exists for an
        update that keeps no state, with one set of options for every group
        and no ``maximize``, of exactly ``parameters`` (a parameter of the
        model outside the optimizer must stay put).
        """
        options = [_options(group) for group in self.param_groups]
        first = options[0]
        if (not self.native or any(other != first for other in options)
                or first.get("maximize") or set(self.params) != set(parameters)):
            return None
        state = {}
        value = self.update(CSource("param[i]"), CSource("grad[i]"), state,
                            {**first, "lr": CSource("lr")})
        return None if state else f"updated[i] = {value.text};"

    def state_dict(self) -> dict:
        """torch's layout, JSON-safe: ``param_groups`` (each group's options
        and its parameters' positions, counted across the groups in order)
        and ``state`` (a list: one dict per parameter, by position)."""
        groups, start = [], 0
        for group in self.param_groups:
            count = len(group["params"])
            # JSON has no tuples: betas (0.9, 0.999) is stored as a list
            groups.append({**{name: list(value) if isinstance(value, tuple) else value
                              for name, value in _options(group).items()},
                           "params": list(range(start, start + count))})
            start += count
        return {"state": [dict(self.state[p]) for p in self.params], "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what :meth:`state_dict` returned, into an optimizer with the
        same groups of the same sizes; checked fully before anything changes."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(
                "an optimizer state dict is a dict with keys 'state' and 'param_groups', "
                "as state_dict() returns")
        saved_groups, states = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved_groups, list) or len(saved_groups) != len(self.param_groups):
            count = len(saved_groups) if isinstance(saved_groups, list) else saved_groups
            raise ValueError(
                f"the state dict has {count!r} parameter groups, this {name} has "
                f"{len(self.param_groups)}: build the optimizer with the same groups as "
                f"the one saved")
        options = [self._saved_group(index, saved, start)
                   for index, (saved, start) in enumerate(zip(saved_groups, self._starts()))]
        if not isinstance(states, list) or len(states) != len(self.params):
            raise ValueError(
                f"'state' must be a list of one dict per parameter ({len(self.params)})")
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
        for group, checked in zip(self.param_groups, options):
            group.update(checked)
        self.state = dict(zip(self.params, checked_states))

    def _starts(self):
        """The position of each group's first parameter in :meth:`state_dict`."""
        start = 0
        for group in self.param_groups:
            yield start
            start += len(group["params"])

    def _saved_group(self, index, saved, start):
        """The options of ``param_groups[index]`` of a state dict, checked."""
        where = f"param_groups[{index}]"
        if not isinstance(saved, dict) or "params" not in saved:
            raise ValueError(f"{where} must be a dict with 'params' and the options, "
                             f"got {saved!r}")
        unknown = [key for key in saved if key not in ("params", *self.hyperparameters)]
        missing = [key for key in self.hyperparameters if key not in saved]
        if unknown or missing:
            problem = (f"has an unknown option {unknown[0]!r}" if unknown
                       else f"lacks the option {missing[0]!r}")
            raise ValueError(
                f"{where} {problem}: a {type(self).__name__} group holds 'params' and "
                f"{list(self.hyperparameters)}")
        count = len(self.param_groups[index]["params"])
        positions = saved["params"]
        if not isinstance(positions, list) or len(positions) != count:
            size = len(positions) if isinstance(positions, list) else positions
            raise ValueError(
                f"{where} holds {size!r} parameters in the state dict, {count} here: "
                f"build each group with the same parameters as the optimizer saved")
        if positions != list(range(start, start + count)):
            raise ValueError(
                f"{where}['params'] must be the positions state_dict() writes, "
                f"{list(range(start, start + count))}, got {positions!r}")
        try:
            return self._checked(**{key: saved[key] for key in self.hyperparameters})
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None

    def __repr__(self):
        def settings(group):
            return ", ".join(f"{name}={value!r}" for name, value in _options(group).items())

        name = type(self).__name__
        if len(self.param_groups) == 1:
            group = self.param_groups[0]
            return f"{name}({len(group['params'])} parameters, {settings(group)})"
        groups = ", ".join(f"[{len(group['params'])} parameters, {settings(group)}]"
                           for group in self.param_groups)
        return f"{name}({len(self.param_groups)} groups: {groups})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (torch.optim.SGD).

    ``g = grad + weight_decay * p``; with momentum,
    ``b = g`` on the first step and ``b = momentum * b + (1 - dampening) * g``
    after, and ``g = g + momentum * b`` (Nesterov) or ``g = b``;
    then ``p := p - lr * g``.
    """

    hyperparameters = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")
    state_keys = ("momentum_buffer",)
    native = True

    def __init__(self, params, lr: float, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, maximize: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    @staticmethod
    def _checked(lr, momentum, dampening, weight_decay, nesterov, maximize):
        options = dict(lr=checked_number("lr", lr),
                       momentum=checked_number("momentum", momentum),
                       dampening=checked_number("dampening", dampening, _fraction, "in [0, 1]"),
                       weight_decay=checked_number("weight_decay", weight_decay),
                       nesterov=_checked_flag("nesterov", nesterov),
                       maximize=_checked_flag("maximize", maximize))
        if options["nesterov"] and (options["momentum"] == 0.0 or options["dampening"] != 0.0):
            raise ValueError(
                f"nesterov=True needs momentum > 0 and dampening == 0, got "
                f"momentum={momentum!r}, dampening={dampening!r}")
        return options

    def update(self, value, grad, state, group):
        momentum = group["momentum"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * value
        if momentum:
            buffer = state.get("momentum_buffer")
            buffer = grad if buffer is None else (
                momentum * buffer + (1.0 - group["dampening"]) * grad)
            state["momentum_buffer"] = buffer
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        return value - group["lr"] * grad


class RMSprop(Optimizer):
    """Divide each step by a running root mean square of the gradient (torch.optim.RMSprop).

    ``s = alpha * s + (1 - alpha) * g²``; centered also tracks the mean
    gradient ``m`` and uses ``s - m²``; ``d = sqrt(...) + eps``; then
    ``p := p - lr * g / d``, or with momentum ``b = momentum * b + g / d``
    and ``p := p - lr * b``.
    """

    hyperparameters = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")
    state_keys = ("square_avg", "grad_avg", "momentum_buffer")
    native = True

    def __init__(self, params, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False,
                 maximize: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    @staticmethod
    def _checked(lr, alpha, eps, weight_decay, momentum, centered, maximize):
        return dict(lr=checked_number("lr", lr),
                    alpha=checked_number("alpha", alpha, _fraction, "in [0, 1]"),
                    eps=checked_number("eps", eps, _positive, EPS_RULE),
                    weight_decay=checked_number("weight_decay", weight_decay),
                    momentum=checked_number("momentum", momentum),
                    centered=_checked_flag("centered", centered),
                    maximize=_checked_flag("maximize", maximize))

    def update(self, value, grad, state, group):
        alpha, eps = group["alpha"], group["eps"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * value
        square_avg = alpha * state.get("square_avg", 0.0) + (1.0 - alpha) * grad * grad
        state["square_avg"] = square_avg
        if group["centered"]:
            grad_avg = state.get("grad_avg", 0.0)
            grad_avg = grad_avg + (1.0 - alpha) * (grad - grad_avg)
            state["grad_avg"] = grad_avg
            # NOTE: s >= m² holds exactly, but rounding can leave it a hair
            # below 0 when the gradient is nearly constant; clip so sqrt() works.
            denominator = sqrt(maximum(square_avg - grad_avg * grad_avg, 0.0)) + eps
        else:
            denominator = sqrt(square_avg) + eps
        if group["momentum"]:
            buffer = group["momentum"] * state.get("momentum_buffer", 0.0) + grad / denominator
            state["momentum_buffer"] = buffer
            return value - group["lr"] * buffer
        return value - group["lr"] * grad / denominator


class _Moments(Optimizer):
    """What Adam and NAdam share: running moments of the gradient, a step
    count for their bias correction, and weight decay of either kind."""

    @staticmethod
    def _count_and_decay(value, grad, state, group, decoupled):
        """The step number t (kept in ``state``), then weight decay:
        ``decoupled`` (the value shrinks, as AdamW) or added to the gradient (L2)."""
        step = state.get("step", 0.0) + 1.0
        state["step"] = step
        weight_decay = group["weight_decay"]
        if weight_decay and decoupled:
            value = value * (1.0 - group["lr"] * weight_decay)
        elif weight_decay:
            grad = grad + weight_decay * value
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
    counters = ("step",)
    native = True
    decoupled_weight_decay = False

    def __init__(self, params, lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False,
                 maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    @staticmethod
    def _checked(lr, betas, eps, weight_decay, amsgrad, maximize):
        return dict(lr=checked_number("lr", lr),
                    betas=_checked_betas(betas),
                    eps=checked_number("eps", eps, _positive, EPS_RULE),
                    weight_decay=checked_number("weight_decay", weight_decay),
                    amsgrad=_checked_flag("amsgrad", amsgrad),
                    maximize=_checked_flag("maximize", maximize))

    def update(self, value, grad, state, group):
        beta1, beta2 = group["betas"]
        step, value, grad = self._count_and_decay(value, grad, state, group,
                                                  self.decoupled_weight_decay)
        exp_avg = state.get("exp_avg", 0.0)
        exp_avg = exp_avg + (1.0 - beta1) * (grad - exp_avg)
        exp_avg_sq = beta2 * state.get("exp_avg_sq", 0.0) + (1.0 - beta2) * grad * grad
        state["exp_avg"], state["exp_avg_sq"] = exp_avg, exp_avg_sq
        if group["amsgrad"]:
            exp_avg_sq = state["max_exp_avg_sq"] = maximum(state.get("max_exp_avg_sq", 0.0),
                                                           exp_avg_sq)
        step_size = group["lr"] / (1.0 - beta1 ** step)
        denominator = sqrt(exp_avg_sq) / sqrt(1.0 - beta2 ** step) + group["eps"]
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
    counters = ("step",)
    native = True

    def __init__(self, params, lr: float = 0.01, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, maximize: bool = False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))

    @staticmethod
    def _checked(lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize):
        return dict(lr=checked_number("lr", lr),
                    lr_decay=checked_number("lr_decay", lr_decay),
                    weight_decay=checked_number("weight_decay", weight_decay),
                    initial_accumulator_value=checked_number(
                        "initial_accumulator_value", initial_accumulator_value),
                    eps=checked_number("eps", eps, _positive, EPS_RULE),
                    maximize=_checked_flag("maximize", maximize))

    def update(self, value, grad, state, group):
        step = state.get("step", 0.0) + 1.0
        state["step"] = step
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * value
        rate = group["lr"] / (1.0 + (step - 1.0) * group["lr_decay"])
        total = state.get("sum", group["initial_accumulator_value"]) + grad * grad
        state["sum"] = total
        return value - rate * (grad / (sqrt(total) + group["eps"]))


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
    counters = ("step", "mu_product")
    native = True

    def __init__(self, params, lr: float = 0.002, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 0.004,
                 decoupled_weight_decay: bool = False, maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    @staticmethod
    def _checked(lr, betas, eps, weight_decay, momentum_decay, decoupled_weight_decay,
                 maximize):
        return dict(lr=checked_number("lr", lr),
                    betas=_checked_betas(betas),
                    eps=checked_number("eps", eps, _positive, EPS_RULE),
                    weight_decay=checked_number("weight_decay", weight_decay),
                    momentum_decay=checked_number("momentum_decay", momentum_decay),
                    decoupled_weight_decay=_checked_flag("decoupled_weight_decay",
                                                         decoupled_weight_decay),
                    maximize=_checked_flag("maximize", maximize))

    def update(self, value, grad, state, group):
        (beta1, beta2), lr, momentum_decay = group["betas"], group["lr"], group["momentum_decay"]
        step, value, grad = self._count_and_decay(value, grad, state, group,
                                                  group["decoupled_weight_decay"])
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1.0) * momentum_decay))
        mu_product = state.get("mu_product", 1.0) * mu
        exp_avg = state.get("exp_avg", 0.0)
        exp_avg = exp_avg + (1.0 - beta1) * (grad - exp_avg)
        exp_avg_sq = beta2 * state.get("exp_avg_sq", 0.0) + (1.0 - beta2) * grad * grad
        state["mu_product"], state["exp_avg"], state["exp_avg_sq"] = mu_product, exp_avg, exp_avg_sq
        denominator = sqrt(exp_avg_sq / (1.0 - beta2 ** step)) + group["eps"]
        value = value + (-lr * (1.0 - mu) / (1.0 - mu_product)) * (grad / denominator)
        return value + (-lr * mu_next / (1.0 - mu_product * mu_next)) * (
            exp_avg / denominator)


def _checked_betas(betas):
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return (checked_number("betas[0]", betas[0], _beta, "in [0, 1)"),
            checked_number("betas[1]", betas[1], _beta, "in [0, 1)"))


OPTIMIZERS = [SGD, RMSprop, Adam, AdamW, Adagrad, NAdam]
