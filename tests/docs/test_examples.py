"""Every example of the documentation runs and prints what the page says.

Each ```` ```pycon ```` block of the README and of a page in ``docs/`` is a doctest: the blocks of
one page run in order in one namespace, in a fresh temporary folder (pages
write files such as ``moons.json``), and each output is compared with the
page's (``...`` stands for the rest of a number or a traceback). A page whose
examples need an optional test group names it in a ``% test group: NAME``
line. A Python example must be a ``pycon`` block, so none goes unchecked.
"""

import doctest
import pathlib
import re

import pytest

from autograd import ops
from tests.groups import require

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(\S*)\n(.*?)^```", flags=re.MULTILINE | re.DOTALL)
GROUP = re.compile(r"^% test group: (\w+)$", flags=re.MULTILINE)


def name(page):
    return page.relative_to(ROOT).as_posix()


def fences(text):
    """(language, first line number of the code, code) for each fenced block."""
    return [(match[1], text.count("\n", 0, match.start(2)) + 1, match[2])
            for match in FENCE.finditer(text)]


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_every_example_prints_what_the_page_says(page, tmp_path, monkeypatch):
    text = page.read_text(encoding="utf-8")
    for group in GROUP.findall(text):
        require(group)
    monkeypatch.chdir(tmp_path)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    namespace = {"__name__": "__docs__"}
    for language, line, code in fences(text):
        if language != "pycon":
            continue
        example = parser.get_doctest(code, namespace, f"{name(page)}:{line}", str(page), line - 1)
        assert example.examples, f"{name(page)}:{line}: a pycon block without a >>> example"
        runner.run(example, clear_globs=False)  # our own pages, not user input
        namespace = example.globs
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{name(page)}: {result.failed} of {result.attempted} failed"


def test_python_examples_are_pycon_blocks():
    """A ```python block would be shown without being run: every page uses pycon."""
    unchecked = [f"{name(page)}:{line}" for page in PAGES
                 for language, line, _ in fences(page.read_text(encoding="utf-8"))
                 if language in ("python", "py", "python3", "ipython")]
    assert not unchecked, f"write these examples as pycon (>>>) blocks: {unchecked}"


def test_every_row_of_the_op_table_is_listed():
    page = (ROOT / "docs" / "how-it-works" / "ops.md").read_text(encoding="utf-8")
    missing = [row.name for row in ops.PRIMITIVES if f"`{row.name}`" not in page]
    assert not missing, f"docs/how-it-works/ops.md lacks the rows {missing}"


def test_code_cites_pages_and_labels_that_exist():
    """A comment citing ``docs/<page>.md#<label>`` names a page with that ``(label)=``."""
    citation = re.compile(r"docs/([\w/-]+\.md)(?:#([\w-]+))?")
    sources = [path for folder in ("autograd", "nn", "tests", "benchmarks", "notebooks")
               for path in (ROOT / folder).rglob("*.py")]
    cited, broken = 0, []
    for source in sources:
        for page, label in citation.findall(source.read_text(encoding="utf-8")):
            cited += 1
            target = ROOT / "docs" / page
            if not target.exists() or (
                    label and f"({label})=" not in target.read_text(encoding="utf-8")):
                broken.append(f"{source.relative_to(ROOT)}: docs/{page}#{label}")
    assert cited > 5 and not broken, f"citations of missing pages or labels: {broken}"
