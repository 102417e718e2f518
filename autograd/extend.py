"""What a library built on chainrule may use beyond ``autograd``'s own names.

``nn`` is built on ``autograd``'s public API (``from autograd import ...``)
and on this module only, as HIPS autograd's extensions build on
``autograd.extend``. Each name here is part of the engine's contract:

* :func:`is_number` — a real number a Value can hold (an int or float, not
  a bool);
* :class:`TraceWarning` — the warning of a Python decision that
  :func:`autograd.compile` froze into a trace;
* :func:`build`, :func:`build_and_load`, :data:`PRELUDE`,
  :func:`find_compiler`, :func:`has_compiler`, :class:`NativeUnavailable` —
  native code: a C source built into a shared library in the private cache
  (``build(source, "-O2") -> (path, built)``), the headers every source
  starts with, the C compiler found (or why none is);
* :class:`CSource`, :func:`emit_c_gradient`, :func:`c_row_functions` — the
  op table's rows printed as C: an expression, a whole graph's value and
  gradient as one function, a row's forward and partials as C functions;
* :func:`tracing` — the block is a trace: Python decisions on a Value's
  data warn and are recorded;
* :func:`write_atomic`, :func:`check_writable`, :func:`read_regular`,
  :class:`NotRegularFile` — files that are whole or absent, never
  half-written, and read only when they are regular files (never a FIFO
  that would block);
* :func:`install_hint` — the ``pip install`` line for an optional extra;
* :data:`FORMULA_FUNCTIONS` — the functions :func:`autograd.parse_formula`
  knows, by name; :func:`drawing_backend` — which Graphviz renders
  drawings here (``"system"`` or the bundled WebAssembly build).
"""

from .compiler.native import (
    PRELUDE,
    CSource,
    NativeUnavailable,
    build,
    build_and_load,
    c_row_functions,
    emit_c_gradient,
    find_compiler,
)
from .drawing.render import backend_name as drawing_backend
from .extras import install_hint
from .files import NotRegularFile, check_writable, read_regular, write_atomic
from .formula import FUNCTIONS as FORMULA_FUNCTIONS
from .value import TraceWarning, is_number, tracing

__all__ = ["is_number", "TraceWarning", "tracing", "build", "build_and_load", "PRELUDE",
           "find_compiler", "has_compiler", "NativeUnavailable", "CSource", "emit_c_gradient",
           "c_row_functions", "write_atomic", "check_writable", "read_regular",
           "NotRegularFile", "install_hint",
           "FORMULA_FUNCTIONS", "drawing_backend"]


def has_compiler() -> bool:
    """Whether a C compiler is found (``$CC``, cc, gcc, clang or the ziglang package)."""
    try:
        find_compiler()
    except NativeUnavailable:
        return False
    return True
