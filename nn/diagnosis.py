"""Did training go wrong? The two failures a learner meets first, in words.

``diagnose(model, X, loss_before, loss_after, name="loss") -> str | None``
looks at a model after training and returns a sentence naming the problem
and its usual cause, or None when neither is found. Pass the quantity that
training minimised, named: with an L2 penalty, the objective (weights that
blow up can leave the data loss small and the objective huge).

* **diverged**: the loss after training is more than ``GROWTH_LIMIT`` times
  the loss before it (or is not finite). Each update overshot the minimum by
  more than the last: the learning rate is too large.
* **dead network**: the network gives the same output for every training
  example, so it cannot tell them apart. With ReLU the usual cause is that
  one update pushed every unit of a hidden layer below zero for all the
  examples ("dead ReLUs"): their gradient is then 0, no gradient reaches
  the layers below, and training cannot recover. Again, a smaller learning
  rate (or a larger batch, whose gradient is less noisy) avoids it.

It runs the model without recording a graph; it changes nothing.
"""

from __future__ import annotations

import math

from autograd import data_of, no_grad

# NOTE: a loss may rise for a few steps and still come down (the default
# recipe's second step is 1.8 times its first), and a dead ReLU network
# ends near its start (hinge 1.0 from 0.91), so only a loss that grew tenfold
# counts as diverged.
GROWTH_LIMIT = 10.0


def diagnose(model, X, loss_before: float, loss_after: float, name: str = "loss") -> str | None:
    """The problem with this training run, as a sentence, or None (see the module)."""
    if not math.isfinite(loss_after) or loss_after > GROWTH_LIMIT * loss_before:
        return (f"training diverged: the {name} grew from {loss_before:.4g} before training "
                f"to {loss_after:.4g} after it; the learning rate is too large")
    with no_grad():
        outputs = [_floats(model(x)) for x in X]
    if len(X) > 1 and all(output == outputs[0] for output in outputs):
        shown = ", ".join(f"{number:.4g}" for number in outputs[0])
        return (f"the network gives the same output ({shown}) for all {len(X)} examples"
                f"{_dead_layers(model, X)}, so it cannot tell them apart; this happens "
                f"when a learning rate too large for the batch size pushes the units "
                f"into a flat region where their gradient is 0")
    return None


def _floats(output):
    return [data_of(number) for number in output] if isinstance(output, list) else [data_of(output)]


def _dead_layers(model, X):
    """``: every unit of hidden layer 1 outputs 0 on every example (dead ReLUs)``, or ""."""
    layers = getattr(model, "layers", [])
    dead = []
    with no_grad():
        for x in X:
            inputs = list(x)
            for position, layer in enumerate(layers[:-1]):
                inputs = [data_of(unit) for unit in layer.forward(inputs)]
                if len(dead) <= position:
                    dead.append(True)
                dead[position] = dead[position] and not any(inputs)
    named = [str(position + 1) for position, all_zero in enumerate(dead) if all_zero]
    if not named:
        return ""
    return (f": every unit of hidden layer {' and '.join(named)} outputs 0 on every "
            f"example (dead ReLUs: no gradient passes them)")
