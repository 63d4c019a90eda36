"""The glossary's terms, shipped with the package so that the dashboard can link each term it uses to its meaning.

``docs/glossary.md`` is the source (the documentation site renders it); an installed package has no ``docs/``, so
its terms are copied into ``glossary.toml`` beside this module by ``python -m sim.dashboard.glossary`` (run from a
checkout), and a test checks that the copy says what the page says. Terms are matched in the page's text
whole-word and case-insensitively, the first time each appears.
"""

from __future__ import annotations

import html
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

SHIPPED = Path(__file__).with_name("glossary.toml")
SOURCE = Path(__file__).resolve().parents[2] / "docs" / "glossary.md"

_ROLE = re.compile(r"\{term\}`([^`<]+?)(?:\s*<[^>]+>)?`")  # {term}`null model` -> null model
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")  # [text](target) -> text
_CODE = re.compile(r"`([^`]+)`")


def plain(text: str) -> str:
    """MyST markup as plain words: roles and links keep their text, emphasis and code marks go."""
    text = _LINK.sub(r"\1", _ROLE.sub(r"\1", text))
    return _CODE.sub(r"\1", text).replace("*", "")


def from_markdown(text: str) -> dict[str, str]:
    """The terms of the ``{glossary}`` block of a MyST page: {term: its definition in plain words}."""
    block = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    terms: dict[str, list[str]] = {}
    current = None
    for line in block.splitlines():
        if line and not line[0].isspace():
            current = line.strip()
            terms[current] = []
        elif line.strip() and current is not None:
            terms[current].append(line.strip())
    return {term: plain(" ".join(lines)) for term, lines in terms.items()}


def to_toml(terms: dict[str, str]) -> str:
    """The shipped file's text: one table per term, in the glossary's order."""
    lines = [f"# Generated from {SOURCE.relative_to(SOURCE.parents[1])} by `python -m sim.dashboard.glossary`; "
             "do not edit.", ""]
    for term, meaning in terms.items():
        lines += [f"[{_quoted(term)}]", f"meaning = {_quoted(meaning)}", ""]
    return "\n".join(lines)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@cache
def terms() -> dict[str, str]:
    """The shipped glossary: {term: meaning}."""
    with SHIPPED.open("rb") as handle:
        return {term: entry["meaning"] for term, entry in tomllib.load(handle).items()}


def spoken_forms() -> dict[str, str]:
    """The words a page says for each term: the term, and its head word where the term qualifies it in brackets
    ("Kind (of provider)": "kind"), unless two terms share that head word ("Design (of a service)")."""
    heads = [term.split(" (")[0] for term in terms() if " (" in term]
    forms = {term: term for term in terms()}
    for term in terms():
        head = term.split(" (")[0]
        if " (" in term and heads.count(head) == 1:
            forms[head] = term
    return forms


def anchor(term: str) -> str:
    """The id of a term's entry on the page: "Shapley value" -> "glossary-shapley-value"."""
    return "glossary-" + re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")


def link_terms(escaped: str, used: set[str] | None = None) -> str:
    """HTML text (already escaped) with the first use of each glossary term linked to its entry, the meaning
    in its tooltip. ``used``: terms already linked higher on the page (updated), so each is linked once."""
    used = set() if used is None else used
    glossary = terms()
    words = spoken_forms()
    names = sorted(words, key=len, reverse=True)  # "paired replicates" before "replicates"
    pattern = re.compile(r"\b(" + "|".join(re.escape(html.escape(n)) for n in names) + r")(?:s|es)?\b",
                         re.IGNORECASE)
    by_lower = {html.escape(n).lower(): words[n] for n in names}

    def link(match: re.Match) -> str:
        term = by_lower[match.group(1).lower()]
        if term in used:
            return match.group(0)
        used.add(term)
        return (f'<a class="ms-term" href="#{anchor(term)}" title="{html.escape(glossary[term], quote=True)}">'
                f"{match.group(0)}</a>")

    return pattern.sub(link, escaped)


def glossary_html(only: set[str] | None = None) -> str:
    """The glossary as a definition list with an anchor per term (``only``: those terms, in the glossary's
    order)."""
    entries = [(term, meaning) for term, meaning in terms().items() if only is None or term in only]
    return '<dl class="ms-glossary">' + "".join(
        f'<dt id="{anchor(term)}">{html.escape(term)}</dt><dd>{html.escape(meaning)}</dd>'
        for term, meaning in entries) + "</dl>"


if __name__ == "__main__":  # python -m sim.dashboard.glossary: write the shipped copy from docs/glossary.md
    SHIPPED.write_text(to_toml(from_markdown(SOURCE.read_text(encoding="utf-8"))), encoding="utf-8")
    print(f"{SHIPPED}: {len(terms())} terms", file=sys.stderr)
