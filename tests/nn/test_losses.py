"""Losses: gradients against finite differences (every entry of LOSSES),
closed forms, numeric edge cases, batches and bad labels."""

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import GradcheckError, Value, gradcheck, topological_order
from nn import losses
from nn.losses import (
    LOSSES,
    bce_with_logits,
    binary_cross_entropy,
    cross_entropy,
    hinge,
    l2_penalty,
    mse,
    softmax,
)
from tests.groups import require

moderate = st.floats(-3.0, 3.0)
probability = st.floats(0.05, 0.95)  # a valid prediction for every kind of target

# What a generic test needs per kind of target: how many numbers make one
# prediction, targets to try, and targets that must be refused.
KINDS = {
    "real": dict(width=1, targets=st.floats(-3.0, 3.0),
                 bad=[math.nan, math.inf, "1.0", None]),
    "binary": dict(width=1, targets=st.sampled_from([0, 1]),
                   bad=[2, -1, 0.5, "1", None]),
    "sign": dict(width=1, targets=st.sampled_from([-1, 1]),
                 bad=[0, 2, 0.5, "1", None]),
    "class": dict(width=3, targets=st.sampled_from([0, 1, 2]),
                  bad=[3, -1, 1.0, True, "0", None]),
}


def one_prediction(kind, numbers):
    return numbers[0] if KINDS[kind]["width"] == 1 else list(numbers)


def test_every_loss_has_a_known_kind_of_target():
    assert {loss.target for loss in LOSSES} <= set(KINDS)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: loss.__name__)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_gradient_matches_finite_differences(loss, data):
    kind = KINDS[loss.target]
    numbers = data.draw(st.lists(probability, min_size=kind["width"], max_size=kind["width"]))
    target = data.draw(kind["targets"])
    if loss is hinge:  # stay clear of the kink at margin 1
        assume(abs(1 - target * numbers[0]) > 1e-3)
    assert gradcheck(lambda *ps: loss(one_prediction(loss.target, ps), target), numbers)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: loss.__name__)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_non_negative_and_batch_is_mean_of_singles(loss, data):
    kind = KINDS[loss.target]
    size = data.draw(st.integers(1, 5))
    predictions = [one_prediction(loss.target, data.draw(
        st.lists(probability, min_size=kind["width"], max_size=kind["width"])))
        for _ in range(size)]
    targets = [data.draw(kind["targets"]) for _ in range(size)]
    singles = [loss([Value(x) for x in p] if isinstance(p, list) else Value(p), t).data
               for p, t in zip(predictions, targets)]
    assert all(single >= 0.0 for single in singles)
    assert float(loss(predictions, targets)) == pytest.approx(sum(singles) / size, abs=1e-12)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: loss.__name__)
def test_bad_labels_are_refused(loss):
    kind = KINDS[loss.target]
    prediction = one_prediction(loss.target, [Value(0.5)] * kind["width"])
    for bad in kind["bad"]:
        with pytest.raises(ValueError):
            loss(prediction, bad)
        with pytest.raises(ValueError):
            loss([prediction, prediction], [kind["bad"][0], bad])


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: loss.__name__)
def test_batch_shape_errors(loss):
    target = 1 if loss.target != "class" else 0
    prediction = one_prediction(loss.target, [Value(0.5)] * KINDS[loss.target]["width"])
    with pytest.raises(ValueError, match="1 predictions but 2 targets"):
        loss([prediction], [target, target])
    with pytest.raises(ValueError, match="empty batch"):
        loss([], [])


def test_gradcheck_would_catch_a_wrong_gradient():
    # the test above can fail: a loss with a wrong derivative is caught
    def wrong(p):
        return hinge(p, 1) + (p.detach() - p) * 0.5 if isinstance(p, Value) else hinge(p, 1)
    with pytest.raises(GradcheckError):
        gradcheck(wrong, [0.2])


# --- closed forms ----------------------------------------------------------------


def grad_at(loss, prediction, target):
    point = Value(prediction)
    value = loss(point, target)
    value.backward()
    return value.data, point.grad


def test_mse_closed_form():
    assert grad_at(mse, 3.0, 1.0) == (4.0, 4.0)  # (3-1)², 2(3-1)
    assert mse([1.0, 2.0], [0.0, 0.0]) == 2.5  # works on plain numbers too
    assert mse([[1.0, 2.0], [3.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]) == 3.5


def test_hinge_closed_form_and_micrograd_labels():
    assert grad_at(hinge, 0.3, 1) == pytest.approx((0.7, -1.0))
    assert grad_at(hinge, 0.3, -1) == pytest.approx((1.3, 1.0))
    assert grad_at(hinge, 2.0, 1) == (0.0, 0.0)  # beyond the margin: no loss, no gradient


def test_binary_cross_entropy_closed_form():
    assert grad_at(binary_cross_entropy, 0.8, 1) == pytest.approx((-math.log(0.8), -1 / 0.8))
    assert grad_at(binary_cross_entropy, 0.8, 0) == pytest.approx((-math.log(0.2), 1 / 0.2))


def test_binary_cross_entropy_clamps_like_torch():
    assert grad_at(binary_cross_entropy, 0.0, 1) == (pytest.approx(100.0), 0.0)
    assert grad_at(binary_cross_entropy, 1.0, 0) == (pytest.approx(100.0), 0.0)
    assert grad_at(binary_cross_entropy, 1.0, 1) == (0.0, -1.0)
    with pytest.raises(ValueError, match=r"probability in \[0, 1\].*bce_with_logits"):
        binary_cross_entropy(Value(1.5), 1)


@pytest.mark.parametrize("logit", [-4.0, -0.5, 0.0, 0.5, 4.0])
@pytest.mark.parametrize("label", [0, 1])
def test_bce_with_logits_is_bce_of_sigmoid_with_gradient_sigmoid_minus_label(logit, label):
    probability = 1 / (1 + math.exp(-logit))
    value, gradient = grad_at(bce_with_logits, logit, label)
    assert value == pytest.approx(float(binary_cross_entropy(probability, label)), abs=1e-12)
    # d/dz = sigmoid(z) - y, exactly at z = 0 too (where relu/abs forms get it wrong)
    assert gradient == pytest.approx(probability - label, abs=1e-12)


def test_bce_with_logits_is_stable_for_huge_logits():
    assert grad_at(bce_with_logits, 1000.0, 0) == (1000.0, 1.0)
    assert grad_at(bce_with_logits, -1000.0, 1) == (1000.0, -1.0)
    assert grad_at(bce_with_logits, 1000.0, 1) == (0.0, 0.0)


def test_cross_entropy_closed_form_gradient_is_softmax_minus_one_hot():
    logits = [Value(1.0), Value(2.0), Value(3.0)]
    value = cross_entropy(logits, 2)
    value.backward()
    total = math.exp(1) + math.exp(2) + math.exp(3)
    assert value.data == pytest.approx(math.log(total) - 3.0, abs=1e-12)
    expected = [math.exp(1) / total, math.exp(2) / total, math.exp(3) / total - 1]
    assert [z.grad for z in logits] == pytest.approx(expected, abs=1e-12)


def test_cross_entropy_and_softmax_do_not_overflow():
    logits = [Value(1000.0), Value(0.0), Value(-1000.0)]
    assert cross_entropy(logits, 0).data == 0.0
    assert cross_entropy(logits, 1).data == pytest.approx(1000.0)
    probabilities = softmax([Value(1000.0), Value(1001.0)])
    assert [p.data for p in probabilities] == pytest.approx(
        [1 / (1 + math.e), math.e / (1 + math.e)], abs=1e-12)
    assert sum(softmax([0.5, -2.0, 3.0, 0.0])) == pytest.approx(1.0, abs=1e-15)  # on numbers


def test_predictions_become_labels():
    assert [hinge.predict(s) for s in (0.3, 0.0, -2.0)] == [1, -1, -1]
    assert [binary_cross_entropy.predict(p) for p in (0.51, 0.5, 0.2)] == [1, 0, 0]
    assert [bce_with_logits.predict(z) for z in (0.1, 0.0, -3.0)] == [1, 0, 0]
    assert cross_entropy.predict([Value(0.1), Value(2.0), Value(1.0)]) == 1
    assert mse.predict is None


def test_one_output_losses_refuse_a_list_and_cross_entropy_refuses_a_number():
    with pytest.raises(ValueError, match="one number per example"):
        hinge([Value(0.1), Value(0.2)], 1)
    with pytest.raises(ValueError, match="list of logits"):
        cross_entropy(Value(0.3), 0)
    with pytest.raises(ValueError, match="class index 3 for 3 classes"):
        cross_entropy([0.0, 1.0, 2.0], 3)


def test_l2_penalty_value_and_gradient():
    parameters = [Value(0.5), Value(-2.0)]
    penalty = l2_penalty(parameters, 1e-4)
    penalty.backward()
    assert penalty.data == pytest.approx(1e-4 * (0.25 + 4.0), abs=1e-18)
    assert [p.grad for p in parameters] == pytest.approx([2e-4 * 0.5, 2e-4 * -2.0], abs=1e-18)
    for bad in (-1e-4, math.nan, "0.1"):
        with pytest.raises(ValueError, match="L2 strength"):
            l2_penalty(parameters, bad)
    assert l2_penalty([], 1e-4) == 0.0


def test_l2_penalty_of_many_parameters_is_a_shallow_graph():
    # 3,297 parameters (2-32-32-32-32-1): added pairwise, 12 additions deep, not 3,296
    parameters = [Value(0.001 * i) for i in range(3297)]
    penalty = l2_penalty(parameters, 0.5)
    depth = {}
    for node in topological_order(penalty):
        depth[node] = 1 + max((depth[parent] for parent in node.parents), default=-1)
    assert depth[penalty] == 1 + 1 + 12  # strength *, then 12 levels of +, then p * p
    penalty.backward()
    assert penalty.data == pytest.approx(0.5 * sum((0.001 * i) ** 2 for i in range(3297)),
                                         rel=1e-12)
    assert all(p.grad == 2 * 0.5 * p.data for p in parameters[1:])


def test_against_torch_where_installed():
    torch = require("torch")
    functional = torch.nn.functional
    logits = [0.3, -1.2, 2.5]
    assert cross_entropy([Value(z) for z in logits], 1).data == pytest.approx(
        functional.cross_entropy(torch.tensor([logits], dtype=torch.float64),
                                 torch.tensor([1])).item(), abs=1e-12)
    for z, y in ((0.7, 1), (-2.0, 0), (30.0, 0)):
        assert bce_with_logits(Value(z), y).data == pytest.approx(
            functional.binary_cross_entropy_with_logits(
                torch.tensor(z, dtype=torch.float64),
                torch.tensor(float(y), dtype=torch.float64)).item(), abs=1e-12)
    for p, y in ((0.3, 1), (0.9, 0), (0.0, 1)):
        assert binary_cross_entropy(Value(p), y).data == pytest.approx(
            functional.binary_cross_entropy(
                torch.tensor(p, dtype=torch.float64),
                torch.tensor(float(y), dtype=torch.float64)).item(), abs=1e-12)


def test_losses_module_exports_registry():
    assert losses.LOSSES is LOSSES
