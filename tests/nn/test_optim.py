"""Optimizers: closed-form updates, torch.optim to 1e-12 over 50 steps,
a generic test over OPTIMIZERS, state dicts and bad hyperparameters."""

import json
import math
import random

import pytest

from autograd import Value
from nn import MLP, optim
from nn.optim import OPTIMIZERS, SGD, Adagrad, Adam, AdamW, NAdam, Optimizer, RMSprop
from tests.groups import require


def run(optimizer_class, gradients, start=1.0, **hyperparameters):
    """Feed a sequence of gradients to one parameter; return its values after each step."""
    parameter = Value(start)
    optimizer = optimizer_class([parameter], **hyperparameters)
    values = []
    for gradient in gradients:
        parameter.grad = gradient
        optimizer.step()
        values.append(parameter.data)
    return values


# --- closed forms, with a constant gradient g ---------------------------------------

G = 0.5


def test_sgd_is_w_minus_lr_times_gradient():
    assert run(SGD, [G, G, G], lr=0.1) == pytest.approx([0.95, 0.9, 0.85], abs=1e-15)


def test_sgd_momentum_dampening_nesterov_weight_decay_by_hand():
    # momentum: buffers g, 1.9g, 2.71g; steps are lr times the buffer
    assert run(SGD, [G] * 3, lr=0.1, momentum=0.9) == pytest.approx(
        [1 - 0.1 * G, 1 - 0.1 * G * 2.9, 1 - 0.1 * G * 5.61], abs=1e-15)
    # dampening 0.5 (not applied on the first step): buffers g, 1.4g, 1.76g
    assert run(SGD, [G] * 3, lr=0.1, momentum=0.9, dampening=0.5) == pytest.approx(
        [1 - 0.1 * G, 1 - 0.1 * G * 2.4, 1 - 0.1 * G * 4.16], abs=1e-15)
    # nesterov: steps use g + 0.9 * buffer: 1.9g, 2.71g, 3.439g
    assert run(SGD, [G] * 3, lr=0.1, momentum=0.9, nesterov=True) == pytest.approx(
        [1 - 0.1 * G * 1.9, 1 - 0.1 * G * 4.61, 1 - 0.1 * G * 8.049], abs=1e-15)
    # weight decay 0.1 adds 0.1 * w to the gradient: w1 = 1 - 0.1 (g + 0.1)
    first = 1 - 0.1 * (G + 0.1)
    assert run(SGD, [G] * 2, lr=0.1, weight_decay=0.1) == pytest.approx(
        [first, first - 0.1 * (G + 0.1 * first)], abs=1e-15)


def test_adam_first_steps_move_by_lr_for_a_constant_gradient():
    # with a constant g the bias-corrected moments are exactly g and g²,
    # so every step is lr * g / (|g| + eps)
    step = 0.01 * G / (G + 1e-8)
    assert run(Adam, [G] * 3, lr=0.01) == pytest.approx(
        [1 - step, 1 - 2 * step, 1 - 3 * step], abs=1e-13)
    assert run(Adam, [-G] * 2, lr=0.01) == pytest.approx([1 + step, 1 + 2 * step], abs=1e-13)


def test_adamw_decays_the_weight_before_the_adam_step():
    step = 0.01 * G / (G + 1e-8)
    first = 1 * (1 - 0.01 * 0.5) - step
    assert run(AdamW, [G] * 2, lr=0.01, weight_decay=0.5) == pytest.approx(
        [first, first * (1 - 0.01 * 0.5) - step], abs=1e-13)


def test_rmsprop_by_hand():
    alpha = 0.99
    # s_t = (1 - alpha^t) g², so step t is lr * g / (sqrt(1 - alpha^t) |g| + eps)
    expected, value = [], 1.0
    for t in (1, 2, 3):
        value -= 0.01 * G / (math.sqrt(1 - alpha ** t) * G + 1e-8)
        expected.append(value)
    assert run(RMSprop, [G] * 3) == pytest.approx(expected, abs=1e-13)
    # centered: s - m² = (1 - alpha^t) alpha^t g²
    expected, value = [], 1.0
    for t in (1, 2):
        value -= 0.01 * G / (math.sqrt((1 - alpha ** t) * alpha ** t) * G + 1e-8)
        expected.append(value)
    assert run(RMSprop, [G] * 2, centered=True) == pytest.approx(expected, abs=1e-12)


# --- torch.optim, where installed ------------------------------------------------

TORCH_CASES = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.05, momentum=0.9)),
    (SGD, dict(lr=0.05, momentum=0.8, dampening=0.3)),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (SGD, dict(lr=0.1, weight_decay=0.01)),
    (SGD, dict(lr=0.05, momentum=0.9, weight_decay=0.05, nesterov=True)),
    (RMSprop, dict()),
    (RMSprop, dict(lr=0.005, centered=True)),
    (RMSprop, dict(lr=0.005, momentum=0.9)),
    (RMSprop, dict(lr=0.005, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)),
    (Adam, dict()),
    (Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    (AdamW, dict()),
    (AdamW, dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.3)),
    (SGD, dict(lr=0.05, momentum=0.9, weight_decay=0.05, maximize=True)),
    (RMSprop, dict(lr=0.005, momentum=0.5, centered=True, maximize=True)),
    (Adam, dict(lr=0.05, amsgrad=True)),
    (Adam, dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    (AdamW, dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    (Adagrad, dict()),
    (Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5,
                   maximize=True)),
    (NAdam, dict()),
    (NAdam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, momentum_decay=0.01)),
    (NAdam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
]


@pytest.mark.parametrize("optimizer_class, hyperparameters", TORCH_CASES,
                         ids=lambda case: case.__name__ if isinstance(case, type) else str(case))
def test_same_values_as_torch_after_50_steps(optimizer_class, hyperparameters):
    torch = require("torch")
    rng = random.Random(0)
    starts = [rng.uniform(-2, 2) for _ in range(4)]
    gradient_steps = [[rng.gauss(0, 1) for _ in starts] for _ in range(50)]

    # NOTE: torch keeps scalar state (NAdam's mu_product) in the default
    # dtype, float32 unless told: float64 compares the algorithms, not dtypes.
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        _compare_with_torch(torch, optimizer_class, hyperparameters, starts, gradient_steps)
    finally:
        torch.set_default_dtype(default_dtype)


def _compare_with_torch(torch, optimizer_class, hyperparameters, starts, gradient_steps):
    ours = [Value(x) for x in starts]
    optimizer = optimizer_class(ours, **hyperparameters)
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in starts]
    reference = torch_twin(torch, optimizer_class)(
        theirs, foreach=False, **hyperparameters)
    for gradients in gradient_steps:
        for our, their, gradient in zip(ours, theirs, gradients):
            our.grad = gradient
            their.grad = torch.tensor(gradient, dtype=torch.float64)
        optimizer.step()
        reference.step()
    for our, their in zip(ours, theirs):
        assert abs(our.data - their.item()) <= 1e-12
    assert abs(ours[0].data - starts[0]) > 1e-3  # they really moved


def torch_twin(torch, optimizer_class):
    """torch.optim's optimizer of the same name; a skip, saying so, for one torch lacks."""
    twin = getattr(torch.optim, optimizer_class.__name__, None)
    if twin is None:
        pytest.skip(f"torch.optim has no {optimizer_class.__name__}: held to its closed forms "
                    f"and the generic registry tests only")
    return twin


def test_same_defaults_as_torch():
    torch = require("torch")
    for ours in OPTIMIZERS:
        theirs = getattr(torch.optim, ours.__name__, None)
        if theirs is None:  # an optimizer of ours alone: nothing to compare its defaults with
            continue
        reference = theirs([torch.zeros(1, requires_grad=True)], lr=0.5).defaults
        mine = ours([Value(0.0)], lr=0.5)
        for name in ours.hyperparameters:
            expected = reference[name]
            assert (tuple(expected) if name == "betas" else expected) == getattr(mine, name), name


# --- every optimizer in the registry -----------------------------------------------


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS, ids=lambda c: c.__name__)
def test_every_optimizer_descends_a_convex_quadratic(optimizer_class):
    centre = [1.5, -2.0, 0.5]
    parameters = [Value(0.0) for _ in centre]
    # Adagrad's steps shrink as 1/√t: at 0.05 it covers about 0.05 · 2√300 = 1.7 in 300 steps
    optimizer = optimizer_class(parameters, lr=0.5 if optimizer_class is Adagrad else 0.05)

    def loss():
        return sum((p - c) ** 2 for p, c in zip(parameters, centre))

    start = loss().data
    for _ in range(300):
        optimizer.zero_grad()
        value = loss()
        value.backward()
        optimizer.step()
    assert loss().data < 0.01 * start


def steps(optimizer, parameters, sequence):
    """One optimizer step per row of ``sequence``: the gradients of ``parameters``."""
    for step in sequence:
        for parameter, gradient in zip(parameters, step):
            parameter.grad = gradient
        optimizer.step()


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS, ids=lambda c: c.__name__)
def test_state_dict_survives_json_and_continues_identically(optimizer_class):
    rng = random.Random(1)
    gradients = [[rng.gauss(0, 1) for _ in range(3)] for _ in range(10)]
    first = [Value(0.5), Value(-0.5), Value(1.0)]
    optimizer = optimizer_class(first, lr=0.05)

    steps(optimizer, first, gradients[:5])
    saved = json.loads(json.dumps(optimizer.state_dict()))
    second = [Value(p.data) for p in first]
    restored = optimizer_class(second, lr=1.0)
    restored.load_state_dict(saved)
    assert restored.lr == 0.05
    steps(optimizer, first, gradients[5:])
    steps(restored, second, gradients[5:])
    assert [p.data for p in second] == [p.data for p in first]


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS, ids=lambda c: c.__name__)
def test_zero_grad_and_repr(optimizer_class):
    parameters = [Value(1.0), Value(2.0)]
    for parameter in parameters:
        parameter.grad = 3.0
    optimizer = optimizer_class(parameters, lr=0.1)
    optimizer.zero_grad()
    assert [p.grad for p in parameters] == [0.0, 0.0]
    assert repr(optimizer).startswith(f"{optimizer_class.__name__}(2 parameters, lr=0.1")


@pytest.mark.parametrize("make, name", [
    (lambda p: SGD(p, lr=-0.1), "lr"),
    (lambda p: SGD(p, lr=math.nan), "lr"),
    (lambda p: SGD(p, lr="0.1"), "lr"),
    (lambda p: SGD(p, lr=0.1, momentum=-0.5), "momentum"),
    (lambda p: SGD(p, lr=0.1, dampening=1.5), "dampening"),
    (lambda p: SGD(p, lr=0.1, weight_decay=-1), "weight_decay"),
    (lambda p: SGD(p, lr=0.1, nesterov=True), "nesterov"),
    (lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "nesterov"),
    (lambda p: RMSprop(p, alpha=1.5), "alpha"),
    (lambda p: RMSprop(p, eps=-1e-8), "eps"),
    (lambda p: RMSprop(p, momentum=-0.1), "momentum"),
    (lambda p: Adam(p, lr=-0.001), "lr"),
    (lambda p: Adam(p, betas=(1.0, 0.999)), r"betas\[0\]"),
    (lambda p: Adam(p, betas=(0.9, -0.1)), r"betas\[1\]"),
    (lambda p: Adam(p, betas=(0.9,)), "betas"),
    (lambda p: AdamW(p, weight_decay=-0.01), "weight_decay"),
])
def test_invalid_hyperparameters_name_themselves(make, name):
    with pytest.raises(ValueError, match=name):
        make([Value(1.0)])


def test_bad_parameter_lists():
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 is float"):
        SGD([Value(1.0), 2.0], lr=0.1)
    shared = Value(1.0)
    with pytest.raises(ValueError, match="same parameter twice"):
        Adam([shared, shared])


@pytest.mark.parametrize("spoil", [
    lambda s: {**s, "extra": 1},
    lambda s: {**s, "param_groups": [{**s["param_groups"][0], "lr": -1.0}]},
    lambda s: {**s, "param_groups": [{"lr": 0.1, "params": [0, 1]}]},
    lambda s: {**s, "state": s["state"][:1]},
    lambda s: {**s, "state": [{"momentum_buffer": math.nan}, {}]},
    lambda s: {**s, "state": ["oops", {}]},
    lambda s: [s],
])
def test_bad_optimizer_state_is_rejected_and_changes_nothing(spoil):
    parameters = [Value(1.0), Value(2.0)]
    optimizer = SGD(parameters, lr=0.1, momentum=0.9)
    for parameter in parameters:
        parameter.grad = 1.0
    optimizer.step()
    before = optimizer.state_dict()
    with pytest.raises(ValueError):
        optimizer.load_state_dict(spoil(optimizer.state_dict()))
    assert optimizer.state_dict() == before


def test_base_class_has_no_update_rule():
    parameter = Value(1.0)
    parameter.grad = 1.0
    with pytest.raises(NotImplementedError):
        Optimizer([parameter]).step()


@pytest.mark.parametrize("make, entry, problem", [
    (lambda ps: SGD(ps, lr=0.1, momentum=0.9), {"bogus": 1.0}, "keys among"),
    (lambda ps: Adam(ps), {"step": -1.0, "exp_avg": 0.0, "exp_avg_sq": 0.0}, "whole number"),
    (lambda ps: Adam(ps), {"step": 1.5, "exp_avg": 0.0, "exp_avg_sq": 0.0}, "whole number"),
])
def test_load_state_dict_refuses_bad_parameter_state(make, entry, problem):
    parameter = Value(1.0)
    optimizer = make([parameter])
    parameter.grad = 0.5
    optimizer.step()
    before = optimizer.state_dict()
    bad = {"param_groups": before["param_groups"], "state": [entry]}
    with pytest.raises(ValueError, match=problem):
        optimizer.load_state_dict(bad)
    assert optimizer.state_dict() == before


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov="false"),
    lambda ps: RMSprop(ps, centered=1),
])
def test_flags_must_be_booleans(make):
    with pytest.raises(ValueError, match="must be True or False"):
        make([Value(1.0)])


# --- parameter groups and parameters without a gradient, against torch -------------


def other_options(optimizer_class):
    """Options of a second group that differ from the constructor's in every
    kind the optimizer has: lr, weight decay, betas, momentum."""
    options = {"lr": 0.03, "weight_decay": 0.2}
    if "betas" in optimizer_class.hyperparameters:
        options["betas"] = (0.7, 0.95)
    if "momentum" in optimizer_class.hyperparameters:
        options["momentum"] = 0.5
    return options


@pytest.fixture
def torch64():
    torch = require("torch")
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # see test_same_values_as_torch_after_50_steps
    yield torch
    torch.set_default_dtype(default_dtype)


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS, ids=lambda c: c.__name__)
def test_groups_added_group_and_unused_parameter_match_torch(optimizer_class, torch64):
    """Two groups (the second with its own lr, weight decay, betas, momentum),
    a third group added after 20 of 50 steps, and a parameter no gradient
    ever reaches: the same values, options and state layout as torch.optim."""
    torch = torch64
    rng = random.Random(3)
    starts = [rng.uniform(-2, 2) for _ in range(6)]  # 0-1 group 0, 2-3 group 1, 4 unused, 5 added
    gradient_steps = [[rng.gauss(0, 1) for _ in range(6)] for _ in range(50)]
    ours = [Value(x) for x in starts]
    theirs = [torch.tensor(x, requires_grad=True) for x in starts]

    def groups(parameters):
        return [{"params": [parameters[0], parameters[1], parameters[4]]},
                {"params": parameters[2:4], **other_options(optimizer_class)}]

    defaults = dict(lr=0.01, weight_decay=0.05)
    optimizer = optimizer_class(groups(ours), **defaults)
    reference = torch_twin(torch, optimizer_class)(
        groups(theirs), foreach=False, **defaults)
    for step, gradients in enumerate(gradient_steps):
        if step == 20:
            optimizer.add_param_group({"params": [ours[5]], "lr": 0.02})
            reference.add_param_group({"params": [theirs[5]], "lr": 0.02})
        optimizer.zero_grad()
        reference.zero_grad()  # set_to_none: the unused parameter's grad stays None
        for index in (0, 1, 2, 3) + ((5,) if step >= 20 else ()):
            ours[index].grad = gradients[index]
            theirs[index].grad = torch.tensor(gradients[index])
        optimizer.step()
        reference.step()
    for our, their in zip(ours, theirs):
        assert abs(our.data - their.item()) <= 1e-12
    assert ours[4].data == starts[4] == theirs[4].item()  # skipped: not even decayed
    assert abs(ours[5].data - starts[5]) > 1e-3  # the added group trained

    saved, expected = optimizer.state_dict(), reference.state_dict()
    assert len(saved["param_groups"]) == len(expected["param_groups"]) == 3
    for group, their_group in zip(saved["param_groups"], expected["param_groups"]):
        assert group["params"] == their_group["params"]
        for name in optimizer_class.hyperparameters:
            their_value = their_group[name]
            assert group[name] == (list(their_value) if name == "betas" else their_value), name
    # the unused parameter (position 2) has no state; torch has none either
    # (Adagrad's is made with the optimizer, and still at step 0)
    assert saved["state"][2] == {}
    their_unused = expected["state"].get(2, {})
    assert float(their_unused.get("step", 0)) == 0 and "exp_avg" not in their_unused
    assert optimizer.params == [ours[0], ours[1], ours[4], ours[2], ours[3], ours[5]]


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS, ids=lambda c: c.__name__)
def test_a_computed_zero_gradient_is_a_gradient_as_in_torch(optimizer_class, torch64):
    # the parameter is in the graph with d/dp = 0 (a dead relu): torch updates
    # it (AdamW decays it, the step count moves), so must we
    torch = torch64
    ours, theirs = Value(-5.0), torch.tensor(-5.0, requires_grad=True)
    optimizer = optimizer_class([ours], lr=0.1, weight_decay=0.5)
    reference = torch_twin(torch, optimizer_class)(
        [theirs], lr=0.1, weight_decay=0.5, foreach=False)
    for _ in range(3):
        optimizer.zero_grad()
        reference.zero_grad()
        ours.relu().backward()
        theirs.relu().backward()
        assert ours.grad == theirs.grad.item() == 0.0 and ours.has_grad
        optimizer.step()
        reference.step()
    assert abs(ours.data - theirs.item()) <= 1e-12 and ours.data != -5.0


def test_adamw_leaves_a_parameter_no_backward_reached_alone(torch64):
    torch = torch64
    used, unused = Value(1.0), Value(2.0)
    optimizer = AdamW([used, unused], lr=0.1, weight_decay=0.5)
    their_used, their_unused = (torch.tensor(x, requires_grad=True) for x in (1.0, 2.0))
    reference = torch.optim.AdamW([their_used, their_unused], lr=0.1, weight_decay=0.5)
    for _ in range(3):
        optimizer.zero_grad()
        reference.zero_grad()
        (used * 3.0).backward()
        (their_used * 3.0).backward()
        optimizer.step()
        reference.step()
    assert their_unused.grad is None and their_unused not in reference.state
    assert not unused.has_grad and optimizer.state[unused] == {}
    assert unused.data == their_unused.item() == 2.0
    assert abs(used.data - their_used.item()) <= 1e-12


def test_a_gradient_set_by_hand_or_left_from_the_last_step_is_used():
    parameter = Value(1.0)
    optimizer = SGD([parameter], lr=0.5)
    optimizer.step()  # a new Value has no gradient: skipped
    assert parameter.data == 1.0
    parameter.grad = 0.5  # assigned: a gradient
    optimizer.step()
    optimizer.step()  # no zero_grad: torch steps with the old gradient again
    assert parameter.data == 0.5
    parameter.grad = None
    optimizer.step()
    assert parameter.data == 0.5


def test_lr_reads_group_0_and_setting_it_sets_every_group():
    first, second = Value(1.0), Value(1.0)
    optimizer = SGD([{"params": [first]}, {"params": [second], "lr": 0.5}], lr=0.1)
    assert optimizer.lr == 0.1 and optimizer.param_groups[1]["lr"] == 0.5
    optimizer.lr = 0.2
    assert [group["lr"] for group in optimizer.param_groups] == [0.2, 0.2]
    assert optimizer.defaults["lr"] == 0.1  # torch's defaults stay the constructor's
    first.grad = second.grad = 1.0
    optimizer.step()
    assert (first.data, second.data) == (0.8, 0.8)


def test_a_bad_option_assigned_changes_no_group():
    optimizer = SGD([{"params": [Value(1.0)], "momentum": 0.9},
                     {"params": [Value(1.0)]}], lr=0.1)
    before = optimizer.state_dict()
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0"):
        optimizer.nesterov = True  # right for group 0, wrong for group 1
    with pytest.raises(ValueError, match="lr must be a finite number >= 0"):
        optimizer.lr = -1.0
    assert optimizer.state_dict() == before


def test_param_groups_layout_and_repr_are_torchs():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    optimizer = Adam([{"params": [a, b]}, {"params": c, "betas": [0.5, 0.9]}], lr=0.01)
    assert optimizer.param_groups == [
        {"params": [a, b], "lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8,
         "weight_decay": 0.0, "amsgrad": False, "maximize": False},
        {"params": [c], "lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-8,
         "weight_decay": 0.0, "amsgrad": False, "maximize": False}]
    assert repr(optimizer).startswith("Adam(2 groups: [2 parameters, lr=0.01, ")
    assert "[1 parameters, lr=0.01, betas=(0.5, 0.9)" in repr(optimizer)


@pytest.mark.parametrize("make, error, message", [
    (lambda a, b: SGD([{"params": [a, b]}, {"params": [b]}], lr=0.1), ValueError,
     r"param_groups\[1\]: some parameters appear in more than one parameter group"),
    (lambda a, b: SGD([{"params": [a]}, {"params": [b], "lr_decay": 0.1}], lr=0.1), ValueError,
     r"param_groups\[1\]: SGD has no option 'lr_decay'; its options are \['lr', "),
    (lambda a, b: SGD([{"params": [a]}, {"params": [b], "lr": -1}], lr=0.1), ValueError,
     r"param_groups\[1\]: lr must be a finite number >= 0, got -1"),
    (lambda a, b: Adam([{"params": [a]}, {"params": [b], "betas": (0.9, 1.0)}]), ValueError,
     r"param_groups\[1\]: betas\[1\] must be a finite number in \[0, 1\)"),
    (lambda a, b: Adam([{"params": [a]}, {"params": []}]), ValueError,
     r"param_groups\[1\]: Adam got an empty parameter list"),
    (lambda a, b: Adam([{"params": {a, b}}]), TypeError, "ordered collection"),
    (lambda a, b: Adam({a, b}), TypeError, "needs a list of the parameters"),
    (lambda a, b: Adam({"params": [a, b]}), TypeError, r"a list of parameter groups, e\.g\."),
    (lambda a, b: Adam([{"params": [a]}, b]), TypeError, "item 1 is Value"),
    (lambda a, b: Adam([{"lr": 0.1}]), TypeError, "a dict with 'params'"),
    (lambda a, b: Adam([{"params": [a, 1.0]}]), TypeError, "parameter 1 is float"),
    (lambda a, b: Adam([{"params": [a]}], lr=-1), ValueError, "lr must be"),
])
def test_bad_parameter_groups_say_what_is_wrong(make, error, message):
    with pytest.raises(error, match=message):
        make(Value(1.0), Value(2.0))


def test_add_param_group_refuses_a_parameter_already_held_and_adds_nothing():
    a, b = Value(1.0), Value(2.0)
    optimizer = SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optimizer.add_param_group({"params": [b, a]})
    with pytest.raises(ValueError, match=r"param_groups\[1\]: momentum must be"):
        optimizer.add_param_group({"params": [b], "momentum": -1.0})
    assert len(optimizer.param_groups) == 1 and list(optimizer.state) == [a]
    optimizer.add_param_group({"params": [b], "momentum": 0.5})
    assert optimizer.param_groups[1]["lr"] == 0.1  # the constructor's
    assert optimizer.param_groups[1]["momentum"] == 0.5 and optimizer.state[b] == {}


def make_two_groups(optimizer_class, parameters, **first):
    return optimizer_class([{"params": parameters[:2], **first},
                            {"params": parameters[2:], **other_options(optimizer_class)}],
                           lr=0.05)


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS, ids=lambda c: c.__name__)
def test_state_dict_with_groups_survives_json_and_continues_identically(optimizer_class):
    rng = random.Random(2)
    gradients = [[rng.gauss(0, 1) for _ in range(3)] for _ in range(10)]
    first = [Value(0.5), Value(-0.5), Value(1.0)]
    optimizer = make_two_groups(optimizer_class, first)

    steps(optimizer, first, gradients[:5])
    saved = json.loads(json.dumps(optimizer.state_dict()))
    second = [Value(p.data) for p in first]
    restored = make_two_groups(optimizer_class, second, lr=1.0, weight_decay=0.7)
    restored.load_state_dict(saved)
    assert [group["lr"] for group in restored.param_groups] == [0.05, 0.03]
    assert [{k: v for k, v in g.items() if k != "params"} for g in restored.param_groups] \
        == [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups]
    steps(optimizer, first, gradients[5:])
    steps(restored, second, gradients[5:])
    assert [p.data for p in second] == [p.data for p in first]


def spoil_group(index, **changes):
    def spoil(saved):
        groups = [dict(group) for group in saved["param_groups"]]
        groups[index].update(changes)
        return {**saved, "param_groups": groups}
    return spoil


@pytest.mark.parametrize("spoil, message", [
    (lambda s: {**s, "param_groups": s["param_groups"][:1]},
     "the state dict has 1 parameter groups, this Adam has 2: build the optimizer with "
     "the same groups"),
    (spoil_group(1, params=[2, 3]),
     r"param_groups\[1\] holds 2 parameters in the state dict, 1 here: build each group"),
    (spoil_group(1, params=[0]),
     r"param_groups\[1\]\['params'\] must be the positions state_dict\(\) writes, \[2\]"),
    (spoil_group(0, momentum=0.9),
     r"param_groups\[0\] has an unknown option 'momentum': a Adam group holds 'params' and"),
    (lambda s: {**s, "param_groups": [
        {k: v for k, v in s["param_groups"][0].items() if k != "eps"}, s["param_groups"][1]]},
     r"param_groups\[0\] lacks the option 'eps'"),
    (spoil_group(1, lr=-0.5), r"param_groups\[1\]: lr must be a finite number >= 0, got -0.5"),
    (spoil_group(1, betas=[0.9]), r"param_groups\[1\]: betas must be a pair"),
    (lambda s: {**s, "state": s["state"][:2]}, "one dict per parameter"),
    (lambda s: {"hyperparameters": {}, "state": s["state"]}, "keys 'state' and 'param_groups'"),
])
def test_bad_state_dict_groups_are_named_and_change_nothing(spoil, message):
    parameters = [Value(1.0), Value(2.0), Value(3.0)]
    optimizer = make_two_groups(Adam, parameters)
    for parameter in parameters:
        parameter.grad = 1.0
    optimizer.step()
    before, groups_before = optimizer.state_dict(), json.dumps(optimizer.state_dict())
    with pytest.raises(ValueError, match=message):
        optimizer.load_state_dict(spoil(json.loads(groups_before)))
    assert optimizer.state_dict() == before


class InterruptedSGD(optim.SGD):
    """SGD whose update of the parameter at ``position`` is cut by Ctrl-C."""

    def __init__(self, params, lr, position):
        super().__init__(params, lr=lr, momentum=0.9)
        self.position, self.calls = position, 0

    def update(self, value, grad, state, group):
        self.calls += 1
        if self.calls == self.position:
            raise KeyboardInterrupt
        return super().update(value, grad, state, group)



def test_ctrl_c_in_the_middle_of_step_changes_no_parameter_and_no_state():
    model = MLP(2, [3, 1], seed=0)
    optimizer = InterruptedSGD(model.parameters(), lr=0.1, position=17)  # in the 2nd step
    for parameter in model.parameters():
        parameter.grad = 0.5
    optimizer.step()  # 13 parameters: a whole step, momentum buffers made
    data_before = [p.data for p in model.parameters()]
    state_before = {p: dict(s) for p, s in optimizer.state.items()}
    with pytest.raises(KeyboardInterrupt):
        optimizer.step()  # stops at the 4th parameter of this step
    assert [p.data for p in model.parameters()] == data_before
    assert optimizer.state == state_before
    assert all(state["momentum_buffer"] == 0.5 for state in optimizer.state.values())



@pytest.mark.parametrize("optimizer_class", [optim.Adam, optim.AdamW, optim.RMSprop])
def test_eps_zero_is_refused_when_the_optimizer_is_made(optimizer_class):
    # before: ZeroDivisionError at the first zero gradient, some parameters moved
    with pytest.raises(ValueError, match=r"eps must be a finite number > 0 .*got 0"):
        optimizer_class(MLP(2, [1], seed=0).parameters(), eps=0)



@pytest.mark.parametrize("make, message", [
    (lambda model: optim.SGD(None, lr=0.1),
     r"SGD\(model.parameters\(\), \.\.\.\), or a list of parameter groups.*; got NoneType"),
    (lambda model: optim.SGD(model, lr=0.1),
     r"SGD\(model.parameters\(\), \.\.\.\), or a list of parameter groups.*; got MLP"),
])
def test_an_optimizer_without_parameters_says_how_to_pass_them(make, message):
    with pytest.raises(TypeError, match=message):
        make(MLP(2, [1], seed=0))



@pytest.mark.parametrize("step", [math.inf, math.nan])
def test_adam_state_with_a_non_finite_step_is_refused(step):
    optimizer = optim.Adam(MLP(2, [1], seed=0).parameters())
    state = optimizer.state_dict()
    state["state"][0] = {"step": step}
    with pytest.raises(ValueError, match="'step' must be a whole number >= 1"):
        optimizer.load_state_dict(state)


def test_an_optimizer_torch_lacks_is_skipped_by_name_not_failed():
    torch = pytest.importorskip("torch")

    class Ballistic(SGD):  # no torch.optim.Ballistic
        pass

    with pytest.raises(pytest.skip.Exception, match="torch.optim has no Ballistic"):
        torch_twin(torch, Ballistic)
    assert torch_twin(torch, SGD) is torch.optim.SGD
