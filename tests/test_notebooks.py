"""The teaching notebooks run, from a clean kernel, in under a minute each,
and the committed copies are the output of such a run.

Every ``notebooks/*.ipynb`` is picked up, so a new notebook is tested without
touching this file. The notebooks' own cells assert every number their prose
claims; here we only need them to run without an error. Refresh the
committed outputs with ``.venv/bin/python notebooks/execute.py``. The course
map, ``docs/course.md``, links every notebook and names every exercise's slips.
"""

import importlib.util
import pathlib
import sys

import pytest

from tests.groups import require

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
SECONDS_PER_NOTEBOOK = 60
MAX_BYTES = 2 * 1024 * 1024

by_name = pytest.mark.parametrize("path", PATHS, ids=[path.stem for path in PATHS])


@pytest.fixture(scope="module")
def runner():
    """notebooks/execute.py, the runner that also refreshes the committed copies."""
    require("notebooks")
    spec = importlib.util.spec_from_file_location("notebook_runner", NOTEBOOKS / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def nbformat():
    return require("notebooks", "nbformat")


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_there_are_notebooks():
    assert PATHS, "no notebooks/*.ipynb found"


@by_name
def test_runs_from_a_clean_kernel_in_under_a_minute(path, runner):
    if "import torch" in path.read_text(encoding="utf-8"):
        require("torch")  # notebook 10 trains in PyTorch too
    notebook, seconds = runner.execute(path)  # raises CellExecutionError on any error
    assert all(cell.execution_count is not None for cell in code_cells(notebook))
    assert seconds < SECONDS_PER_NOTEBOOK, f"{path.name} took {seconds:.1f} s"


@by_name
def test_is_committed_as_one_clean_run_with_its_outputs(path, nbformat):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    cells = code_cells(notebook)
    counts = [cell.execution_count for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts {counts}: run notebooks/execute.py and commit")
    outputs = [output for cell in cells for output in cell.outputs]
    assert outputs, f"{path.name} was committed without outputs"
    errors = [output for output in outputs if output.output_type == "error"]
    stderr = [output.text for output in outputs
              if output.output_type == "stream" and output.name == "stderr"]
    assert not errors and not stderr, f"{path.name} shows errors or warnings: {errors or stderr}"


@by_name
def test_is_small_enough_to_commit(path):
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"


def test_the_kernel_is_this_python(tmp_path, runner, nbformat):
    """The notebooks import this checkout's ``autograd``, not one installed elsewhere."""
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys, autograd; print(sys.executable); print(autograd.__file__)")])
    nbformat.write(probe, tmp_path / "probe.ipynb")
    notebook, _ = runner.execute(tmp_path / "probe.ipynb")
    executable, package = notebook.cells[0].outputs[0].text.split()
    assert pathlib.Path(executable) == pathlib.Path(sys.executable)
    assert pathlib.Path(package) == ROOT / "autograd" / "__init__.py"


def test_the_course_map_links_every_notebook_and_names_every_exercise_slip():
    from nn.exercises import EXERCISES

    course = (ROOT / "docs" / "course.md").read_text(encoding="utf-8")
    for path in PATHS:
        assert f"](../notebooks/{path.name})" in course, path.name
    for exercise in EXERCISES.values():
        assert f"`{exercise.name}`" in course, exercise.name
        for slip in exercise.slips:
            assert slip.name in course, slip.name
