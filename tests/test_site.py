"""The documentation site: it builds with no warning, opens from disk with no network, and documents the API.

The build itself is the ``documentation_site`` fixture (tests/conftest.py): Sphinx with warnings as errors, so a
broken cross-reference, a malformed docstring or a notebook that fails makes it fail here.
"""

from __future__ import annotations

import inspect
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import sim
import sim.experiments

# an element that makes the browser fetch something as the page loads (links a reader follows are not)
LOADED = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src"),
          ("video", "src"), ("audio", "src"), ("embed", "src"), ("object", "data")}
REMOTE = re.compile(r"^(https?:)?//", re.I)


class Loads(HTMLParser):
    """The URLs a page loads by itself: scripts, stylesheets, fonts, images, frames."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for element, attribute in LOADED:
            if tag == element and values.get(attribute):
                if tag == "link" and not re.search(r"stylesheet|preload|icon|modulepreload|font",
                                                   values.get("rel") or "", re.I):
                    continue
                self.urls.append(values[attribute])


def remote_loads(site: Path) -> dict[str, list[str]]:
    """Every remote URL that a page or stylesheet of the site would fetch, by file."""
    found: dict[str, list[str]] = {}
    for page in site.rglob("*.html"):
        parser = Loads()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        remote = [u for u in parser.urls if REMOTE.match(u)]
        if remote:
            found[str(page.relative_to(site))] = remote
    for sheet in site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        remote = re.findall(r"url\(\s*['\"]?((?:https?:)?//[^'\")]+)", text) + re.findall(
            r"@import\s+(?:url\()?\s*['\"]?((?:https?:)?//[^'\");]+)", text)
        if remote:
            found[str(sheet.relative_to(site))] = remote
    return found


def test_the_remote_load_check_finds_a_cdn_script(tmp_path):
    (tmp_path / "a.html").write_text('<script src="https://cdn.example.org/x.js"></script>'
                                     '<link rel="stylesheet" href="//fonts.example.org/f.css">'
                                     '<a href="https://example.org/">a link is not a load</a>')
    (tmp_path / "s.css").write_text("@font-face { src: url('https://fonts.example.org/f.woff2') }")
    assert remote_loads(tmp_path) == {"a.html": ["https://cdn.example.org/x.js", "//fonts.example.org/f.css"],
                                      "s.css": ["https://fonts.example.org/f.woff2"]}


def test_the_site_builds_and_loads_nothing_from_the_network(documentation_site):
    assert (documentation_site / "index.html").exists()
    assert remote_loads(documentation_site) == {}
    # maths is typeset by the site's own copy of MathJax
    assert (documentation_site / "_static" / "mathjax" / "tex-chtml.js").exists()


def test_the_site_has_its_parts(documentation_site):
    pages = {str(p.relative_to(documentation_site)) for p in documentation_site.rglob("*.html")}
    for page in ["guides/researchers.html", "guides/policymakers.html", "guides/students.html", "glossary.html",
                 "ODD.html", "reference/parameters.html", "reference/metrics.html", "reference/kinds.html",
                 "reference/scenario_files.html", "reference/cli.html", "reference/api.html", "course/index.html",
                 "gallery/index.html"]:
        assert page in pages, f"{page} is missing from the site"
    notebooks = sorted(p.stem for p in (Path(sim.__file__).parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for stem in notebooks:
        html = (documentation_site / "course" / f"{stem}.html").read_text(encoding="utf-8")
        assert "<img" in html, f"{stem}: no figure rendered"
        assert re.search(r"Executed top to bottom when this site was built: <strong>\d+ s</strong>", html), stem
        assert "<details" in html, f"{stem}: its solutions are not folded"


def test_every_parameter_and_metric_and_command_is_in_the_references(documentation_site):
    parameters = (documentation_site / "reference" / "parameters.html").read_text(encoding="utf-8")
    missing = [name for name in sim.REGISTRY if f">{name}<" not in parameters]
    assert not missing, f"parameters missing from the reference: {missing[:10]}"
    metrics = (documentation_site / "reference" / "metrics.html").read_text(encoding="utf-8")
    assert not [name for name in sim.METRICS if f">{name}<" not in metrics]
    cli = (documentation_site / "reference" / "cli.html").read_text(encoding="utf-8")
    for command in ["run", "compare", "batch", "report", "sensitivity", "dashboard"]:
        assert f"usage: mutual-state {command}" in cli


def _public(module) -> list[tuple[str, object]]:
    return [(name, getattr(module, name)) for name in module.__all__]


@pytest.mark.parametrize("module", [sim, sim.experiments], ids=lambda m: m.__name__)
def test_every_public_function_and_class_has_a_docstring(module):
    undocumented = [name for name, obj in _public(module)
                    if (inspect.isclass(obj) or callable(obj)) and not (inspect.getdoc(obj) or "").strip()]
    assert not undocumented, f"{module.__name__}: public names without a docstring: {undocumented}"


def test_every_public_name_appears_in_the_api_reference(documentation_site):
    api = (documentation_site / "reference" / "api.html").read_text(encoding="utf-8")
    for module in (sim, sim.experiments):
        missing = [name for name, _ in _public(module)
                   if f'id="{module.__name__}.{name}"' not in api and f'id="sim.{name}"' not in api]
        assert not missing, f"{module.__name__}: not in the API reference: {missing}"
