"""A ``graphviz.Digraph`` that renders even where no system Graphviz is installed.

:meth:`FallbackDigraph.pipe` produces its output with
:func:`autograd.drawing.render.render_dot`: the system ``dot`` if there is
one, else Graphviz compiled to WebAssembly (SVG and the text formats, not
PNG or PDF, so :func:`autograd.draw` creates its graphs with
``format="svg"``), either way stopped past ``RENDER_SECONDS``. Only a call
with Graphviz's plugin options (``renderer``, ``formatter``,
``neato_no_op``) goes to the graphviz package, with a system ``dot``.
:meth:`FallbackDigraph.render` goes to the graphviz package with a system
``dot``, and to ``render_dot`` without one.

Why these two methods (graphviz 0.20 and 0.21): Jupyter's display
(``_repr_mimebundle_``) calls ``pipe``, so overriding ``pipe`` covers
notebooks; ``render`` saves the source and runs a subprocess through a
private hook, so it is overridden whole, keeping graphviz's file naming (the
source to ``directory/filename``, by default ``<name>.gv``, and the output to
``<that path>.<format>``, or to ``outfile``).

This module imports the graphviz package, the ``draw`` extra; without it,
importing this module raises an ``ImportError`` that says how to install it.
"""

from __future__ import annotations

import os
import pathlib

from ..files import write_atomic
from .render import DRAW_EXTRA, backend_name, render_dot

try:
    import graphviz
except ImportError as error:
    raise ImportError(f"drawing needs the graphviz package ({DRAW_EXTRA})") from error


class FallbackDigraph(graphviz.Digraph):
    """``graphviz.Digraph`` whose ``pipe`` and ``render`` work without ``dot``."""

    def __repr__(self):
        # NOTE: the same for the same graph (no memory address), so a saved
        # notebook's plain-text fallback changes only when the drawing does.
        return f"<{type(self).__name__} of {len(self.body)} DOT statements>"

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None,
             quiet=False, *, engine=None, encoding=None):
        """As ``graphviz.Digraph.pipe``: bytes, or ``str`` given an ``encoding``."""
        if backend_name() == "system" and (renderer or formatter or neato_no_op):
            return super().pipe(format, renderer=renderer, formatter=formatter,
                                neato_no_op=neato_no_op, quiet=quiet,
                                engine=engine, encoding=encoding)
        _refuse_plugin_options(renderer, formatter, neato_no_op)
        data = render_dot(self.source, format or self.format, engine or self.engine)
        return data if encoding is None else data.decode(encoding)

    def render(self, filename=None, directory=None, view=False, cleanup=False,
               format=None, renderer=None, formatter=None, neato_no_op=None,
               quiet=False, quiet_view=False, *, outfile=None, engine=None,
               raise_if_result_exists=False, overwrite_source=False) -> str:
        """As ``graphviz.Digraph.render``: save the source, render it, return the output path."""
        if backend_name() == "system":
            return super().render(filename, directory=directory, view=view,
                                  cleanup=cleanup, format=format, renderer=renderer,
                                  formatter=formatter, neato_no_op=neato_no_op,
                                  quiet=quiet, quiet_view=quiet_view, outfile=outfile,
                                  engine=engine,
                                  raise_if_result_exists=raise_if_result_exists,
                                  overwrite_source=overwrite_source)
        _refuse_plugin_options(renderer, formatter, neato_no_op)
        if outfile is not None:  # resolved as graphviz resolves it
            outfile = pathlib.Path(outfile)
            format = format or outfile.suffix[1:]
            if not format:
                raise ValueError(f"cannot tell the format of outfile {str(outfile)!r}: "
                                 "give it a suffix or pass format=")
            if directory is None:
                outfile = pathlib.Path(self.directory, outfile)
            if filename is None:
                filename = outfile.with_suffix(".gv")
        format = format or self.format
        # NOTE: render before touching the disk, so a bad format writes no files.
        data = render_dot(self.source, format, engine or self.engine)
        source_path = self.save(filename, directory=directory)
        target = outfile if outfile is not None else pathlib.Path(f"{source_path}.{format}")
        if raise_if_result_exists and target.exists():
            raise graphviz.FileExistsError(f"output file exists: {os.fspath(target)!r}")
        write_atomic(target, data)
        if cleanup:
            os.remove(source_path)
        if view or quiet_view:
            self._view(os.fspath(target), format=format, quiet=quiet_view)
        return os.fspath(target)


def _refuse_plugin_options(renderer, formatter, neato_no_op):
    if renderer is not None or formatter is not None or neato_no_op:
        raise ValueError("renderer, formatter and neato_no_op need the system Graphviz "
                         "(`dot` on PATH); the WebAssembly build has only its core plugins")
