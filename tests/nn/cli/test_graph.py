"""`chainrule graph`: prints gradients, writes drawings, refuses what it must."""

import argparse
import os
import subprocess
import sys

import pytest

from autograd import Value
from nn.cli import graph as graph_command
from nn.cli import main
from tests.autograd.drawing.svg import svg_texts

NEURON = ["graph", "tanh(w*x + b)", "x=1", "w=-2", "b=0.5"]


def expected_gradients():
    x, w, b = Value(1.0), Value(-2.0), Value(0.5)
    out = (w * x + b).tanh()
    out.backward()
    return out.data, x.grad, w.grad, b.grad


def test_prints_the_value_and_each_gradient(capsys):
    assert main(NEURON) == 0
    value, dx, dw, db = expected_gradients()
    assert capsys.readouterr().out.splitlines() == [
        f"value = {value!r}", f"d/dx = {dx!r}", f"d/dw = {dw!r}", f"d/db = {db!r}"]


def test_writes_svg(wasm_only, tmp_path, capsys):
    target = tmp_path / "graph.svg"
    assert main([*NEURON, "--out", str(target)]) == 0
    texts = svg_texts(target.read_bytes())
    for text in ("x", "w", "b", "tanh", "+", "*", "data -2.0000", "grad 1.0000"):
        assert text in texts
    assert f"wrote {target}" in capsys.readouterr().out
    assert os.listdir(tmp_path) == ["graph.svg"]  # written atomically: no temporary left


def test_writes_the_step_by_step_html(wasm_only, tmp_path):
    target = tmp_path / "steps.html"
    assert main([*NEURON, "--out", str(target)]) == 0
    page = target.read_text(encoding="utf-8")
    assert page.count('<figure class="frame"') == 4  # the seed (step 0), tanh, +, *
    assert 'type="range"' in page


def test_writes_dot(wasm_only, tmp_path):
    target = tmp_path / "graph.dot"
    assert main([*NEURON, "--rankdir", "TB", "--out", str(target)]) == 0
    source = target.read_text(encoding="utf-8")
    assert source.startswith("digraph") and "rankdir=TB" in source and 'label="tanh"' in source


def test_png_needs_the_system_graphviz(wasm_only, tmp_path, capsys):
    assert main([*NEURON, "--out", str(tmp_path / "graph.png")]) == 2
    error = capsys.readouterr().err
    assert "PNG needs the system Graphviz" in error and ".svg" in error and ".html" in error
    assert os.listdir(tmp_path) == []


def test_png_with_the_system_graphviz(fake_dot, tmp_path):
    target = tmp_path / "graph.png"
    assert main([*NEURON, "--out", str(target)]) == 0
    assert target.read_bytes().startswith(b"args: -Kdot -Tpng\ndigraph")


@pytest.mark.parametrize("arguments, message", [
    (["graph", "__import__('os')", "x=1"], "__import__"),
    (["graph", "x.__class__", "x=1"], "attribute access"),
    (["graph", "(lambda: x)()", "x=1"], "lambda"),
    (["graph", "log(x - 4)", "x=3"], "log() needs a positive input, got -1.0"),
    (["graph", "x", "x=__import__('os')"], "must be a number"),
    (["graph", "x", "__x__.y=1"], "not a variable name"),
    (["graph", "x", "x"], "not NAME=NUMBER"),
    (["graph", "x", "x=1", "x=2"], "given twice"),
    (["graph", "exp(exp)", "exp=1"], "name of a function"),
    (["graph", "x", "x=1", "--out", "graph.pdf"], "use one of .svg, .png, .html, .dot"),
    (["graph", "sqrt(x)", "x=0"], "derivative of sqrt() is undefined"),
    # issue 10: 1e400 read as inf was printed with exit 0; a 400-digit int was refused
    (["graph", "1e400 * x", "x=1"], "the number 1e400 in the expression is larger than"),
    (["graph", "x", "x=1e400"], "the value of x, 1e400, is not a finite number"),
    (["graph", "x", "x=-inf"], "the value of x, -inf, is not a finite number"),
    (["graph", "x", "x=nan"], "the value of x, nan, is not a finite number"),
    (["graph", "x ^ 2", "x=3"], "for a power use **, as in x ** 2"),
    (["graph", "tahn(x)", "x=1"], "did you mean tanh?"),
    (["graph", "2x", "x=1"], "a product needs *, as in 2*x"),
])
def test_refusals_exit_2_with_a_clear_message(arguments, message, capsys):
    assert main(arguments) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_a_result_too_large_for_a_float_is_inf_at_once(capsys):
    # docs/how-it-works/ops.md#overflow: 9.0 ** 387420489.0 is inf, as float arithmetic gives
    # it, with no 370-million-digit integer computed first
    assert main(["graph", "9**9**9 * x", "x=2"]) == 0
    assert capsys.readouterr().out.splitlines() == ["value = inf", "d/dx = inf"]


def test_max_nodes_refuses_large_drawings(wasm_only, tmp_path, capsys):
    target = tmp_path / "graph.svg"
    assert main([*NEURON, "--max-nodes", "3", "--out", str(target)]) == 2
    assert "more than max_nodes=3" in capsys.readouterr().err
    assert not target.exists()


def test_without_any_graphviz_it_says_which_extra(no_backend, tmp_path, capsys):
    assert main([*NEURON, "--out", str(tmp_path / "graph.svg")]) == 1
    assert 'install the draw extra: .venv/bin/pip install -e ".[draw]"' in capsys.readouterr().err


def test_add_subcommand_registers_graph_on_another_parser(capsys):
    parser = argparse.ArgumentParser(prog="chainrule")
    subparsers = parser.add_subparsers(dest="command", required=True)
    subparsers.add_parser("train")
    graph_command.add_subcommand(subparsers)
    args = parser.parse_args(["graph", "x * x", "x=3"])
    assert args.run is graph_command.run
    assert args.run(args) == 0
    assert "d/dx = 6.0" in capsys.readouterr().out


def test_runs_as_a_module():
    finished = subprocess.run(
        [sys.executable, "-m", "nn", "graph", "x * y", "x=3", "y=-2"],
        capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.splitlines() == ["value = -6.0", "d/dx = -2.0", "d/dy = 3.0"]


def test_unwritable_output_is_status_one_naming_the_path(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert main([*NEURON, "--out", str(blocker / "graph.dot")]) == 1
    assert f"cannot write {blocker / 'graph.dot'}" in capsys.readouterr().err


def test_a_variable_the_formula_does_not_use_is_named(capsys):
    assert main(["graph", "x * x", "x=3", "y=-2"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "value = 9.0", "d/dx = 6.0", "d/dy = 0.0  (y does not appear in the formula)"]


def test_a_name_python_folds_is_one_variable(capsys):
    # NOTE: Python's parser reads 𝑥 (mathematical italic) and ｘ (fullwidth) as x
    assert main(["graph", "\U0001d465*2", "x=1", "\U0001d465=5"]) == 2
    assert "'x' and '\U0001d465' are one name to Python" in capsys.readouterr().err
    assert main(["graph", "\uff58*2", "\uff58=5"]) == 0
    assert capsys.readouterr().out.splitlines() == ["value = 10.0", "d/d\uff58 = 2.0"]


def test_a_drawing_past_the_time_bound_stops_with_a_message(wasm_only, tmp_path, monkeypatch,
                                                            capsys):
    from autograd.drawing import render

    render.render_dot("digraph { a }")  # compiled before the clock starts
    monkeypatch.setattr(render, "RENDER_SECONDS", 1.0)
    out = tmp_path / "chain.svg"
    # 100 powers of x: 23.5 s with the system dot, minutes in WebAssembly
    assert main(["graph", "x**" * 99 + "x", "x=1", "--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert "cannot draw: Graphviz (WebAssembly) took over 1 s" in error and "draw less" in error
    assert not out.exists()
