"""Sphinx configuration of the documentation site (``make docs``; ``sitegen/`` writes the generated pages first).

Sphinx with MyST-NB, as Mesa's own documentation: Markdown pages, notebooks rendered with their outputs, and the
Python API from the docstrings (autodoc). The site works from disk with no network: Furo bundles its assets and
uses system fonts, and MathJax is served from the site's own ``_static`` folder (``sphinx-mathjax-offline``).
"""

from __future__ import annotations

import sys
from importlib.metadata import version as installed_version
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))

from sitegen import generate  # noqa: E402

project = "Mutual State"
author = "The Mutual State contributors"
copyright = "2026, " + author
release = installed_version("mutual-state")
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx_copybutton",
    "sphinx_design",
    "sphinx-mathjax-offline",
]

exclude_patterns = ["_build", "sitegen", "_generated", "**/.ipynb_checkpoints", "ODD_sections"]
root_doc = "index"

# MyST: ::: fences for dropdowns (folded answers), $…$ maths, anchors for ## headings so that links to
# sections (ODD.md#7-submodels) resolve
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 4

# Notebooks arrive executed (sitegen/course.py executes them, or reuses the test run's copies): never run here
nb_execution_mode = "off"
nb_merge_streams = True

autodoc_member_order = "bysource"
autodoc_inherit_docstrings = False  # Mesa's own docstrings are not this project's API
autodoc_typehints = "description"
autodoc_class_signature = "separated"
napoleon_google_docstring = False
napoleon_numpy_docstring = True

html_theme = "furo"
html_title = f"Mutual State {release}"
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None



def plain_docstring(app, what, name, obj, options, lines):
    """The project's docstrings are plain text with ``literals``: ``|x - d|`` is an absolute value, not an RST
    substitution, so bars are escaped before docutils reads them."""
    lines[:] = [line.replace("|", "\\|") for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", plain_docstring)


generate(DOCS)
