"""Run notebooks from a clean kernel and save them with their outputs.

    .venv/bin/python notebooks/execute.py                  # every notebooks/*.ipynb
    .venv/bin/python notebooks/execute.py 02_backprop_by_hand.ipynb

Each notebook runs top to bottom in a new kernel whose working directory is
``notebooks/``; the first error stops it, and then nothing is saved. The
committed notebooks are this script's output, so their outputs are never
stale. The test suite (``tests/test_notebooks.py``) runs them through the
same :func:`execute`.
"""

from __future__ import annotations

import pathlib
import sys
import time

import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from traitlets import default

NOTEBOOKS = pathlib.Path(__file__).resolve().parent
CELL_TIMEOUT = 60  # seconds; a whole notebook must finish in 60 s anyway


class ThisPythonKernelManager(AsyncKernelManager):
    """Starts the ``python3`` kernel with the interpreter running this code.

    NOTE: by default jupyter looks the kernel up in kernel-spec directories
    (``JUPYTER_PATH``, ``~/.local/share/jupyter``, ...), where a spec left by
    another install may start another Python — one without chainrule, or
    with HIPS autograd under the same import name. Searching no directory
    leaves only ipykernel's built-in spec, which is ``sys.executable``.
    """

    @default("kernel_spec_manager")
    def _this_python_only(self):
        return KernelSpecManager(kernel_dirs=[])


def execute(path: pathlib.Path) -> tuple[nbformat.NotebookNode, float]:
    """Run the notebook at ``path``; return it with outputs and the seconds it took.

    Raises ``nbclient.exceptions.CellExecutionError`` at the first failing cell.
    """
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # timestamps an earlier run may have left
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        kernel_manager_class=ThisPythonKernelManager,
        record_timing=False,  # re-running changes outputs only, not every cell
        coalesce_streams=True,  # one output per stream, however the kernel flushed it
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    start = time.perf_counter()
    client.execute()
    return notebook, time.perf_counter() - start


def main(names: list[str]) -> None:
    paths = [NOTEBOOKS / name for name in names] or sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        notebook, seconds = execute(path)
        nbformat.write(notebook, path)
        size = path.stat().st_size / 1024
        print(f"{path.name}: {seconds:.1f} s, {size:.0f} KiB")


if __name__ == "__main__":
    main(sys.argv[1:])
