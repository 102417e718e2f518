"""The memory nn.load takes: the peak resident memory of a fresh process
loading each file, over that process's memory before the load (Linux).

    python benchmarks/load_memory.py [folder for the files, default a temporary one]

The files: the largest model load accepts (1,000,000 parameters, saved by
nn.save), and hostile ones at the limits (a 64 MB string, a million short
keys, 9 million keys or numbers). Each is loaded in its own process,
so one peak does not hide another.
"""

import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# NOTE: the peak is the kernel's VmHWM of the process, which starts afresh
# at exec (ru_maxrss would carry the parent's peak over).
MEASURE = """
import sys
import nn

def peak():
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024

before = peak()
try:
    nn.load(sys.argv[1])
    outcome = "loaded"
except ValueError as error:
    outcome = "refused: " + str(error).split(": ", 1)[1][:60]
print(f"peak {peak() - before:4.0f} MB over {before:.0f} MB; {outcome}")
"""


def write_files(folder):
    import nn

    files = {}
    model = nn.MLP(999, [999, 1], seed=0)  # (999 + 1) * 999 + (999 + 1) = 1,000,000
    files["1,000,000 parameters (nn.save)"] = os.path.join(folder, "largest.json")
    nn.save(model, files["1,000,000 parameters (nn.save)"])
    shapes = {
        "a 64 MB string": '{"format": "' + "x" * (64 * 2**20 - 20) + '"}',
        "a million short keys": json.dumps({"parameters": {f"k{i}": 0 for i in range(10**6)}}),
        "9 million keys in 93 MB": "{" + ",".join(f'"{i:x}":0' for i in range(9 * 10**6)) + "}",
        "9 million numbers in 18 MB": "[" + ",".join(["0"] * 9 * 10**6) + "]",
    }
    for name, text in shapes.items():
        files[name] = os.path.join(folder, f"{len(files)}.json")
        with open(files[name], "w") as file:
            file.write(text)
    return files


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()
    for name, path in write_files(folder).items():
        result = subprocess.run([sys.executable, "-c", MEASURE, path], capture_output=True,
                                text=True, env={**os.environ, "PYTHONPATH": ROOT})
        size = os.path.getsize(path) / 2**20
        print(f"{name:32} {size:6.0f} MB file: {result.stdout.strip() or result.stderr[-300:]}")


if __name__ == "__main__":
    main()
