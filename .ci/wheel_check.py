"""The installed wheel, used as a user would, from a folder outside the source tree.

Run by ``.ci/run`` with the Python of a fresh virtual environment into which
only the wheel (with its ``demo`` and ``draw`` extras) was installed:

    python wheel_check.py path/to/chainrule-VERSION-py3-none-any.whl

It checks that the wheel holds the two packages and their data and nothing
else, imports them from the environment (not from a checkout), checks that a
missing extra is named in the installed form, runs the demo,
``chainrule graph`` and ``chainrule playground --no-browser`` (the page and a
static file answer), and prints one line per check.
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
import sysconfig
import urllib.parse
import urllib.request
import zipfile

# What the wheel may hold: the import packages, their data, and its metadata.
ALLOWED = re.compile(r"(autograd|nn)/(.+/)?[^/]+\.py|nn/datasets/iris\.csv"
                     r"|nn/playground/static/(site/)?[^/]+\.(html|css|js)"
                     r"|chainrule-[^/]+\.dist-info/.+")
REQUIRED_DATA = ["nn/datasets/iris.csv", "nn/playground/static/index.html"]
SECONDS = 300


def check(what: str, condition: bool, detail: str = "") -> None:
    print(f"{'ok  ' if condition else 'FAIL'} {what}{': ' + detail if detail else ''}", flush=True)
    if not condition:
        sys.exit(1)


def command(*words: str) -> subprocess.CompletedProcess:
    scripts = pathlib.Path(sysconfig.get_path("scripts"))
    return subprocess.run([str(scripts / words[0]), *words[1:]], capture_output=True, text=True,
                          timeout=SECONDS)


def main(wheel: str) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    strays = [name for name in names if not ALLOWED.fullmatch(name)]
    check("the wheel holds only autograd, nn, their data and its metadata", not strays,
          f"{len(names)} files" if not strays else f"also {strays[:5]}")
    check("it holds the package data", all(name in names for name in REQUIRED_DATA),
          ", ".join(REQUIRED_DATA))

    import autograd
    import nn

    site = pathlib.Path(sysconfig.get_path("purelib"))
    for package in (autograd, nn):
        where = pathlib.Path(package.__file__)
        check(f"import {package.__name__} from the environment", site in where.parents,
              str(where))
    x = autograd.Value(2.0)
    (x * x).tanh().backward()
    check("a gradient", abs(x.grad - 4 * (1 - __import__("math").tanh(4.0) ** 2)) < 1e-12,
          f"{x.grad:.12g}")
    from autograd.extras import install_hint

    check("a missing extra is named in the installed form", install_hint("docs")
          == 'install the docs extra: python -m pip install "chainrule[docs]"',
          install_hint("docs"))
    iris_rows, iris_labels = nn.data.load_iris()
    check("nn.data.load_iris() reads the packaged iris.csv", len(iris_rows) == 150,
          f"{len(iris_rows)} rows, {len(set(iris_labels))} classes")

    demo = command("chainrule", "train")
    check("chainrule train (the demo)", demo.returncode == 0
          and "accuracy 100.0%" in demo.stdout and pathlib.Path("plots/moons_loss.png").exists(),
          demo.stdout.splitlines()[1] if demo.returncode == 0 else demo.stderr[-500:])

    graph = command("chainrule", "graph", "tanh(w*x + b)", "x=1", "w=-2", "b=0.5",
                    "--out", "graph.svg")
    drawn = pathlib.Path("graph.svg")
    check("chainrule graph", graph.returncode == 0 and "d/dw = 0.18070663892364858" in graph.stdout
          and drawn.exists() and "<svg" in drawn.read_text(encoding="utf-8"),
          f"value line {graph.stdout.splitlines()[:1]}, graph.svg"
          if graph.returncode == 0 else graph.stderr[-500:])

    scripts = pathlib.Path(sysconfig.get_path("scripts"))
    server = subprocess.Popen([str(scripts / "chainrule"), "playground", "--no-browser",
                               "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        first_line = server.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/\S*", first_line)  # the token too
        check("chainrule playground --no-browser prints its address", url is not None,
              first_line.strip())
        with urllib.request.urlopen(url[0], timeout=30) as page:
            html = page.read().decode("utf-8")
            check("the page answers", page.status == 200 and "<html" in html.lower(),
                  f"{page.status}, {len(html)} characters")
        with urllib.request.urlopen(urllib.parse.urljoin(url[0], "/static/playground.js"),
                                    timeout=30) as script:
            check("its static files answer", script.status == 200, "/static/playground.js")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main(sys.argv[1])
