"""The documentation site builds without a warning, its internal links lead
somewhere, and three of its pages render in Chromium.

The site is built once per run, as CI builds it: ``sphinx-build -W -n``
(warnings are errors, and every cross-reference must resolve).
"""

import functools
import html.parser
import pathlib
import subprocess
import sys
import urllib.parse

import pytest

from tests.browser import served_folder, wait_for
from tests.groups import require

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD_SECONDS = 600


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site's folder."""
    require("docs")
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html",
         str(ROOT / "docs"), str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=BUILD_SECONDS)
    assert build.returncode == 0, f"the docs build failed:\n{build.stderr}"
    return out


class Links(html.parser.HTMLParser):
    """The ids of a page, and the targets of its links and images."""

    def __init__(self):
        super().__init__()
        self.ids, self.targets = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name) and not (tag == "a" and name == "src"):
                self.targets.append(attrs[name])


@functools.cache
def parsed(page: pathlib.Path) -> Links:
    links = Links()
    links.feed(page.read_text(encoding="utf-8"))
    return links


def test_every_internal_link_and_anchor_exists(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 40
    broken = []
    for page in pages:
        for target in parsed(page).targets:
            url = urllib.parse.urlsplit(target)
            if url.scheme or url.netloc or target.startswith("mailto:"):
                continue  # external: not checked (CI has no network)
            path = (page.parent / urllib.parse.unquote(url.path)).resolve() if url.path else page
            if path.is_dir():
                path = path / "index.html"
            if not path.exists():
                broken.append(f"{page.relative_to(site)} -> {target}")
            elif url.fragment and path.suffix == ".html" and url.fragment not in parsed(path).ids:
                broken.append(f"{page.relative_to(site)} -> {target} (no such anchor)")
    assert not broken, "broken links:\n" + "\n".join(broken)


@pytest.fixture(scope="module")
def served(site):
    """The site over HTTP on a free port of 127.0.0.1."""
    with served_folder(site) as url:
        yield url.rstrip("/")


@pytest.mark.parametrize("path, heading, check", [
    ("index.html", "Start here", "document.querySelectorAll('.sidebar-tree a').length > 10"),
    ("learn/notebooks/03_three_kinds_of_gradient_descent.html", "03 · Three kinds",
     "[...document.querySelectorAll('.cell_output img')].some("
     "img => img.complete && img.naturalWidth > 300)"
     " && document.querySelectorAll('mjx-container').length > 10"),  # plots and math
    ("api/generated/autograd.Value.html", "autograd.Value",
     "!!document.getElementById('autograd.Value.backward')"),
], ids=["start", "notebook with a plot", "Value"])
def test_the_page_renders_in_chromium(served, chromium, path, heading, check):
    page = chromium.open(f"{served}/{path}")
    title = page.locator("article h1").first
    assert title.is_visible() and title.inner_text().startswith(heading)
    wait_for(page, check, f"{path}: {check}")
    box = page.locator("article").bounding_box()
    assert box["width"] > 300 and box["height"] > 300
    assert chromium.console_errors == [] and chromium.blocked == []
