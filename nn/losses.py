"""Losses: how wrong a prediction is, as a Value to backpropagate from.

Every loss here is a :class:`Loss` and follows one contract:

* ``loss(prediction, target)`` on one example returns that example's loss;
* ``loss(predictions, targets)`` with a list of targets is a batch and
  returns the mean of the examples' losses (:func:`mean_loss`);
* targets are checked first: a label the loss cannot mean (a 2 for a binary
  loss, a class index out of range) raises ``ValueError``;
* ``loss.predict(prediction)`` turns a prediction into a label of the same
  kind as the targets (``None`` for regression), so an example is classified
  correctly when ``loss.predict(prediction) == target``.

The kinds of target (``loss.target``):

==========  ==========================  ====================================
kind        target                      prediction
==========  ==========================  ====================================
``real``    a finite number             one number (or a list, elementwise)
``binary``  0 or 1                      one number
``sign``    -1 or +1                    one number
``class``   an index into the logits    a list of numbers, one per class
==========  ==========================  ====================================

``LOSSES`` lists every loss, so one generic test covers each of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from numbers import Integral, Real

from autograd import Value, data_of, exp, log, relu, softplus

from ._arguments import checked_number


class Loss:
    """A per-example loss that also takes batches, checks targets and predicts labels."""

    def __init__(self, per_example: Callable, target: str, predict: Callable | None = None):
        self.per_example = per_example
        self.target = target
        self.predict = predict
        self.__name__ = per_example.__name__
        self.__doc__ = per_example.__doc__

    def __call__(self, prediction, target):
        if isinstance(target, (list, tuple)):
            return mean_loss(self, prediction, target)
        self.check(prediction, target)
        return self.per_example(prediction, target)

    def check(self, prediction, target) -> None:
        """Raise ``ValueError`` naming the problem if this loss cannot take
        ``target`` for ``prediction`` (a 2 for hinge, class 3 of 3 logits);
        nothing is computed. :func:`nn.fit` checks every label this way
        before its first update."""
        _CHECKS[self.target](self.__name__, prediction, target)

    @property
    def target_is_label(self) -> bool:
        """True when targets are labels from a small set (binary, sign,
        class), False for a real-valued target (``mse``)."""
        return self.target != "real"

    def unchecked(self, prediction, target):
        """One example's loss with its target unchecked: the hook for a
        tracer (:mod:`nn.compiled`), whose real-valued target is a Value
        standing for any number."""
        return self.per_example(prediction, target)

    def __repr__(self):
        return f"<loss {self.__name__}>"


def mean_loss(loss: Callable, predictions: Sequence, targets: Sequence):
    """The mean of ``loss(prediction, target)`` over a batch of pairs."""
    if isinstance(predictions, (str, bytes)) or not isinstance(predictions, Sequence):
        raise ValueError(
            f"a batch of targets needs a list of predictions, got {type(predictions).__name__}")
    if len(predictions) != len(targets):
        raise ValueError(
            f"{len(predictions)} predictions but {len(targets)} targets: "
            f"give one target per prediction")
    if not targets:
        raise ValueError("cannot average a loss over an empty batch")
    return sum(loss(p, t) for p, t in zip(predictions, targets)) / len(targets)


# --- checking targets -----------------------------------------------------------


def _is_real(x):
    return isinstance(x, Real) and not isinstance(x, bool)


def _one_prediction(name, prediction):
    if not (isinstance(prediction, Value) or _is_real(prediction)):
        raise ValueError(
            f"{name} takes one number per example, got {type(prediction).__name__} "
            f"{prediction!r}: use a model with a single output")


def _check_real(name, prediction, target):
    _one_prediction(name, prediction)
    checked_number(f"{name}'s target", target, valid=None)


def _check_binary(name, prediction, target):
    _one_prediction(name, prediction)
    if not _is_real(target) or target not in (0, 1):
        raise ValueError(f"{name} needs a label 0 or 1, got {target!r}")


def _check_sign(name, prediction, target):
    _one_prediction(name, prediction)
    if not _is_real(target) or target not in (-1, 1):
        raise ValueError(
            f"{name} needs a label -1 or +1, got {target!r} (map 0/1 labels with 2 * y - 1)")


def _check_class(name, logits, target):
    if isinstance(logits, (str, bytes)) or not isinstance(logits, Sequence) or not logits:
        raise ValueError(
            f"{name} takes a list of logits (one per class), got {type(logits).__name__}")
    if not isinstance(target, Integral) or isinstance(target, bool):
        raise ValueError(f"{name} needs a class index (an int), got {target!r}")
    if not 0 <= target < len(logits):
        raise ValueError(
            f"{name} got class index {target} for {len(logits)} classes "
            f"(valid: 0 to {len(logits) - 1})")


_CHECKS = {"real": _check_real, "binary": _check_binary, "sign": _check_sign,
           "class": _check_class}


# --- turning predictions into labels ---------------------------------------------


def _in_c(statement: str):
    """Decorator: a predict rule that also says itself in C. ``statement``
    sets ``label`` (a double) from ``out``, the example's ``outputs``
    numbers: native steps count accuracy with it (``predict.c_statement``)."""
    def attach(rule):
        rule.c_statement = statement
        return rule
    return attach


@_in_c("label = out[0] > 0.0 ? 1.0 : -1.0;")
def _sign_of(score):
    return 1 if score > 0.0 else -1


@_in_c("label = out[0] > 0.0 ? 1.0 : 0.0;")
def _above_zero(logit):
    return 1 if logit > 0.0 else 0


@_in_c("label = out[0] > 0.5 ? 1.0 : 0.0;")
def _above_half(probability):
    return 1 if probability > 0.5 else 0


# NOTE: the first of equal largest logits, as Python's max() picks it.
@_in_c("int64_t best = 0; for (int64_t k = 1; k < outputs; ++k) if (out[k] > out[best]) "
       "best = k; label = (double) best;")
def _argmax(logits):
    return max(range(len(logits)), key=lambda index: data_of(logits[index]))


# --- the losses -----------------------------------------------------------------


def _loss(target: str, predict: Callable | None = None):
    """Decorator: the per-example function below becomes a :class:`Loss`."""
    return lambda per_example: Loss(per_example, target, predict)


@_loss("real")
def mse(prediction, target):
    """Squared error ``(prediction - target) ** 2``; its batch mean is the MSE."""
    return (prediction - target) ** 2


# NOTE: -log(0) is infinite. Like torch, the loss stops at 100: a likelihood
# below e^-100 is replaced by the constant e^-100, so no gradient flows there.
_SMALLEST_LIKELIHOOD = math.exp(-100.0)


@_loss("binary", _above_half)
def binary_cross_entropy(probability, label):
    """Binary cross-entropy on a probability p: ``-log p`` for label 1,
    ``-log(1 - p)`` for label 0. ``p`` must lie in [0, 1] (a sigmoid output);
    for raw scores use ``bce_with_logits``."""
    if probability < 0.0 or probability > 1.0:
        raise ValueError(
            f"binary_cross_entropy takes a probability in [0, 1], got {data_of(probability)!r}; "
            f"use bce_with_logits on raw scores")
    likelihood = probability if label == 1 else 1.0 - probability
    if likelihood < _SMALLEST_LIKELIHOOD:
        likelihood = Value(_SMALLEST_LIKELIHOOD)
    return -log(likelihood)


@_loss("binary", _above_zero)
def bce_with_logits(logit, label):
    """Binary cross-entropy of ``sigmoid(logit)``, computed from the logit
    stably: ``softplus(logit) - label * logit`` (softplus is one row of the
    op table, written so that it never overflows, and without a Python
    branch, so a compiled trace stays stable for any logit)."""
    return softplus(logit) - label * logit


@_loss("sign", _sign_of)
def hinge(score, label):
    """micrograd's max-margin loss ``max(0, 1 - label * score)``, labels ±1."""
    return relu(1.0 - label * score)


def _shifted_exponentials(logits):
    # NOTE: softmax and log-sum-exp do not change when every logit is shifted
    # by the same number; shifting by the largest keeps exp() at most 1, so it
    # never overflows. The shift is a plain float: it passes no gradient.
    shift = max(data_of(z) for z in logits)
    return shift, [exp(z - shift) for z in logits]


@_loss("class", _argmax)
def cross_entropy(logits, target):
    """Cross-entropy of softmax(logits) for class ``target``:
    ``log Σ exp(logits) - logits[target]``, the log-sum-exp taken stably."""
    shift, exponentials = _shifted_exponentials(logits)
    return shift + log(sum(exponentials)) - logits[target]


def softmax(logits: Sequence) -> list:
    """Probabilities ``exp(zᵢ) / Σ exp(z)`` for a list of logits (stable)."""
    _, exponentials = _shifted_exponentials(logits)
    total = sum(exponentials)
    return [e / total for e in exponentials]


LOSSES = [mse, binary_cross_entropy, bce_with_logits, hinge, cross_entropy]


def l2_penalty(parameters, strength: float):
    """``strength * Σ p²``: added to a loss, it pulls every parameter towards 0
    (micrograd's demo uses strength 1e-4)."""
    return checked_number("L2 strength", strength) * sum(p * p for p in parameters)
