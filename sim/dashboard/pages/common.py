"""What every page shares: the style sheet, escaping for HTML, errors in words, and room at a page's end."""

from __future__ import annotations

import html
from typing import Any

import solara

import sim

from .. import runs

CSS = """
.ms-table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px 0; }
.ms-table th, .ms-table td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
.ms-table th:first-child, .ms-table td:first-child { text-align: left; }
.ms-table td:first-child small { display: block; max-width: 380px; color: #555; }
.ms-readout li { margin-bottom: 6px; }
.ms-lever-meaning { font-size: 12px; color: #555; line-height: 1.35; margin: 0 0 16px 0; }
.ms-control-text { padding-top: 14px; }
.ms-page-end { height: 48px; }
a.ms-term { color: inherit; text-decoration: underline dotted; text-underline-offset: 2px; }
.ms-glossary dt { font-weight: bold; margin-top: 6px; } .ms-glossary dd { margin: 0 0 4px 16px; font-size: 13px; }
.ms-report h2 { font-size: 1.4em; margin-top: 14px; } .ms-report h3 { font-size: 1.15em; margin-top: 12px; }
"""


def esc(text: Any) -> str:
    return html.escape(str(text))


def error_words(error: BaseException | None) -> str:
    """An exception as a sentence for the page (the registry's and scenario's messages are already words)."""
    if error is None:
        return ""
    if isinstance(error, (sim.ParameterError, sim.ScenarioError, runs.ComparisonFailed, ValueError)):
        return str(error)
    return f"The model stopped with an error: {type(error).__name__}: {error}"


@solara.component
def StyleSheet():
    """The pages' own styles (tables, the readout, the levers' meanings)."""
    solara.HTML(tag="div", unsafe_innerHTML=f"<style>{CSS}</style>")


@solara.component
def PageEnd():
    """Room below a page's last card, so that Solara's badge in the corner does not cover it."""
    solara.HTML(tag="div", classes=["ms-page-end"])
