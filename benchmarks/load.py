"""Saving and loading model files: seconds by parameter count (nn.save / nn.load).

    pip install -e . && python benchmarks/load.py

Loading checks every key and number of the file (see nn.serialization), so
it must stay linear in the parameter count: the time per parameter printed
in the last column should not grow with the model. The largest model is at
the file limit (MAX_PARAMETERS). One process, the median of three runs.
"""

import os
import statistics
import tempfile
import time

from nn import MLP, load, save
from nn.serialization import MAX_PARAMETERS

SIZES = [[100, 1], [300, 300, 1], [1000, 990, 1]]  # 401 ... 994,981 parameters


def median_seconds(action, repeats=3):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    print(f"{'parameters':>12} {'file MB':>8} {'save s':>7} {'load s':>7} {'load µs/param':>14}")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.json")
        for hidden in SIZES:
            model = MLP(2, hidden, seed=0)
            count = len(model.parameters())
            assert count <= MAX_PARAMETERS
            save_seconds = median_seconds(lambda model=model: save(model, path))
            load_seconds = median_seconds(lambda: load(path))
            assert load(path).state_dict() == model.state_dict()
            print(f"{count:>12,} {os.path.getsize(path) / 2**20:>8.1f} {save_seconds:>7.2f} "
                  f"{load_seconds:>7.2f} {1e6 * load_seconds / count:>14.2f}")


if __name__ == "__main__":
    main()
