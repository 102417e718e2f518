"""Sphinx configuration of chainrule's documentation site.

Build and serve it locally, rebuilding on every save:

    .venv/bin/pip install -e ".[docs]" && .venv/bin/sphinx-autobuild docs docs/_build/html

CI builds it once with warnings as errors (``sphinx-build -W -n``): see
``tests/docs/test_site.py``. Pages are MyST markdown; the notebooks in
``notebooks/`` are copied into ``learn/notebooks/`` at each build and rendered
from their committed outputs (never executed here: the test suite runs them).
"""

from __future__ import annotations

import importlib
import importlib.util
import pathlib
import pkgutil
import posixpath
import re
import shutil
import sys

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document this checkout, not another installed copy

project = "chainrule"
author = "chainrule developers"
copyright = "chainrule developers"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinxarg.ext",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "jupyter_execute", ".jupyter_cache"]

# MyST: markdown pages with directives in ``` fences, $math$, and heading
# anchors (`page.md#a-heading`) checked like any other link.
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # the committed outputs; tests/test_notebooks.py runs them
nb_merge_streams = True

# Every cross-reference must resolve; the standard library's names cannot
# (there is no network for intersphinx), so they are the only exceptions.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:(class|obj|exc|data)",
     r"(builtins\.)?(int|float|str|bytes|bool|list|tuple|dict|set|object|type|None|"
     r"Exception|ValueError|TypeError|KeyboardInterrupt|FloatingPointError|RuntimeError|"
     r"OverflowError|ZeroDivisionError|Warning|RuntimeWarning|UserWarning|"
     r"BaseException|NotImplemented|Ellipsis)"),
    (r"py:(class|obj|data)", r"(typing|collections\.abc|collections|contextlib|pathlib|os|"
                             r"argparse|dataclasses|threading|contextvars|types|"
                             r"random|math|ctypes|http\.server|socketserver|io)\..*"),
    (r"py:(class|obj)", r"(Callable|Iterable|Iterator|Sequence|Mapping|Any|Path|"
                        r"optional|callable|iterable|sequence)"),
    (r"py:mod", r"(math|cmath|ctypes|ast|argparse|difflib)"),
    (r"py:class", r"(graphviz|matplotlib)\..*|HTTPStatus"),
    # Private names (a base class such as nn.optim._Moments) are never documented.
    (r"py:\w+", r"(.*\.)?_[A-Za-z]\w*"),
    # A bare method name in a module's docstring (:meth:`play_slice`) has no class to
    # resolve in: it is shown as code. A qualified one (Session.frame) must resolve.
    (r"py:(meth|attr)", r"[A-Za-z_]\w*"),
    # Module constants (EXERCISES, TORCH_ACTIVATIONS) are named in prose, not documented.
    (r"py:(data|obj)", r"(.*\.)?[A-Z][A-Z0-9_]+"),
]

autosummary_generate = True
autosummary_ignore_module_all = False  # a package's __all__ is its public API
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"

# MathJax from the docs extra (django-static-mathjax ships MathJax 3 as plain
# files; it needs no Django), so a locally served site shows its math offline.
LOCAL_MATHJAX = "mathjax/tex-mml-chtml.js"  # relative to _static
_mathjax = importlib.util.find_spec("mathjax")
MATHJAX_FILES = _mathjax and pathlib.Path(_mathjax.origin).parent / "static" / "mathjax" / "es5"
if MATHJAX_FILES and (MATHJAX_FILES / "tex-mml-chtml.js").exists():
    mathjax_path = LOCAL_MATHJAX

html_theme = "furo"
html_title = "chainrule"
html_static_path = []
html_show_sourcelink = False


def copy_notebooks(app):
    """The notebooks as pages of the Learn section, a fresh copy at each build."""
    target = DOCS / "learn" / "notebooks"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy2(notebook, target / notebook.name)


NOTEBOOK_LINK = re.compile(r"\]\(((?:\.\./)+)notebooks/([\w.-]+\.ipynb)\)")


def link_notebooks_to_their_pages(app, docname, source):
    """A page's link to ``../notebooks/NAME.ipynb`` (right on GitHub) goes to the
    notebook's rendered page on the site."""
    depth = docname.count("/") + 1  # how many ../ lead from the page to the repository

    def to_page(match):
        if len(match[1]) // 3 != depth:
            return match[0]
        target = posixpath.relpath(f"learn/notebooks/{match[2]}", posixpath.dirname(docname) or ".")
        return f"]({target})"

    source[0] = NOTEBOOK_LINK.sub(to_page, source[0])


PACKAGES = ("autograd", "nn")


def write_module_pages(app):
    """``api/generated/modules.rst``: every public module, its contract and its own names.

    The packages' ``__all__`` (and the modules it lists) have autosummary
    pages; every other module is documented here, whole, less the names its
    package re-exports (documented once, under the package's name). A new
    module appears without an edit.
    """
    text = ["Modules and their contracts", "=" * 27, "",
            "Each module's docstring states its contract. The names a package exports",
            "are documented once, on the package's pages (:doc:`../index`); the rest",
            "are here, module by module, in the order of the source tree.", ""]
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        exported = {id(getattr(package, name)) for name in package.__all__}
        for module_info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            name = module_info.name
            if any(part.startswith("_") for part in name.split(".")):
                continue  # private modules and __main__
            module = importlib.import_module(name)
            if id(module) in exported or id(getattr(package, name.split(".")[1], None)) in exported:
                continue  # on its own page, or shadowed by a function of its name (gradcheck)
            skipped = sorted(member for member, value in vars(module).items()
                             if not member.startswith("_") and id(value) in exported)
            # Only the names the module defines: one it imports (autograd.extend's)
            # is documented where it is defined.
            text += [f".. automodule:: {name}", "   :members:", "   :ignore-module-all:"]
            if skipped:
                text.append(f"   :exclude-members: {', '.join(skipped)}")
            text.append("")
    target = DOCS / "api" / "generated" / "modules.rst"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_text(encoding="utf-8") != "\n".join(text):
        target.write_text("\n".join(text), encoding="utf-8")


def resolve_as_python_would(app, env, node, contnode):
    """A short reference in a docstring (:func:`fit` in ``nn.training``, a type
    hint ``Source`` in ``autograd.compiler.emit``) names what the module's own
    namespace holds: resolve it to where that object is documented, its
    defining module or the package that exports it."""
    module_name, target = node.get("py:module"), node["reftarget"]
    if node.get("refdomain") != "py" or not module_name \
            or module_name.split(".")[0] not in PACKAGES:
        return None
    found = importlib.import_module(module_name)
    scopes = [found, getattr(found, node.get("py:class") or "", None)]
    for scope in scopes:
        for part in target.split("."):
            scope = getattr(scope, part, None)
        if scope is not None:
            found = scope
            break
    else:
        return None
    candidates = [f"{found.__module__}.{found.__qualname__}"] \
        if hasattr(found, "__module__") and hasattr(found, "__qualname__") else []
    candidates += [f"{package}.{name}" for package in PACKAGES
                   for name in sys.modules[package].__all__
                   if getattr(sys.modules[package], name) is found]
    domain = env.get_domain("py")
    for candidate in candidates:
        resolved = domain.resolve_xref(env, node["refdoc"], app.builder, "obj", candidate,
                                       node, contnode)
        if resolved is not None:
            return resolved
    return None


def copy_mathjax(app, exception):
    """The MathJax files the pages load: the TeX-and-MathML component, its fonts
    and the extensions it loads on demand."""
    if exception is None and app.builder.format == "html" and \
            app.config.mathjax_path == LOCAL_MATHJAX:
        target = pathlib.Path(app.outdir) / "_static" / "mathjax"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(MATHJAX_FILES / "tex-mml-chtml.js", target)
        for folder in ("input", "output", "a11y", "ui"):
            shutil.copytree(MATHJAX_FILES / folder, target / folder, dirs_exist_ok=True)


def setup(app):
    app.connect("builder-inited", copy_notebooks)
    app.connect("builder-inited", write_module_pages)
    app.connect("source-read", link_notebooks_to_their_pages)
    app.connect("build-finished", copy_mathjax)
    app.connect("missing-reference", resolve_as_python_would)
