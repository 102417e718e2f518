"""``chainrule train``'s time estimate against the time the eager engine takes.

For networks from 2-8-1 to 2-64-64-1 on 100 moons points and batch sizes
from 1 (stochastic) to 100 (the full batch), trains with ``nn.fit`` exactly
as ``chainrule train`` does (hinge + 1e-4 L2, SGD, the eager engine) for a
few epochs and prints the measured seconds per epoch (processor time, which
other jobs on a shared machine disturb least), the estimate's
(``nn.cli.train.estimated_seconds``) and their ratio. The estimate is meant
to be right within a factor of two; the last line says whether every ratio
is.

Run: ``python benchmarks/train_estimate.py [--epochs N]``.
"""

from __future__ import annotations

import argparse
import time

from nn import MLP, data, fit, losses, optim
from nn.cli.train import L2_STRENGTH, estimated_seconds

CASES = [([8], 1), ([8], 100), ([16, 16], 1), ([16, 16], 5), ([16, 16], 10),
         ([16, 16], 100), ([32, 32], 1), ([32, 32], 100), ([64, 64], 10)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs per case (default: 3)")
    epochs = parser.parse_args().epochs
    X, labels = data.make_moons(100, noise=0.1, seed=1337)
    y = [2 * label - 1 for label in labels]
    print(f"{'network':>12} {'batch':>5} {'measured s/epoch':>17} {'estimated':>10} {'ratio':>6}")
    ratios = []
    for hidden, batch_size in CASES:
        model = MLP(2, [*hidden, 1], seed=1337)
        optimizer = optim.SGD(model.parameters(), lr=0.01)
        start = time.process_time()
        fit(model, X, y, losses.hinge, optimizer, epochs, batch_size, progress=False,
            seed=1337, l2=L2_STRENGTH)
        measured = (time.process_time() - start) / epochs
        estimate = estimated_seconds(model, len(X), 1, batch_size)
        ratios.append(estimate / measured)
        name = "-".join(map(str, [2, *hidden, 1]))
        print(f"{name:>12} {batch_size:>5} {measured:>17.3f} {estimate:>10.3f} "
              f"{ratios[-1]:>6.2f}", flush=True)
    within = all(0.5 <= ratio <= 2.0 for ratio in ratios)
    print(f"estimate / measured from {min(ratios):.2f} to {max(ratios):.2f}: "
          f"{'within' if within else 'NOT within'} a factor of two")


if __name__ == "__main__":
    main()
