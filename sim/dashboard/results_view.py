"""Open a results folder written by ``mutual-state batch`` and show its report safely.

A report is Markdown written by ``sim.experiments.report``; the page renders the subset it uses (headings,
paragraphs, lists, pipe tables, emphasis, code, images) to HTML. Everything read from the folder is text to
escape, never markup to trust: raw HTML in a report shows as text, links show as their words (nothing is
fetched), and images are read only from inside the folder and only as PNG, embedded in the page.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from pathlib import Path

MAX_IMAGE_BYTES = 5_000_000


class ResultsFolderError(ValueError):
    """The folder cannot be shown; the message says why in words."""


@dataclass
class ReportView:
    folder: Path
    title: str
    html: str
    sections: dict[str, str]  # "## title" -> its HTML (e.g. "Where does each regime win?")
    figures: int


def results_folders(root: str | Path = "results") -> list[Path]:
    """Folders under ``root`` that hold a batch's results (a manifest.json), newest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = [p.parent for p in root.glob("*/manifest.json")]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def open_report(folder: str | Path) -> ReportView:
    """The report of a results folder, rendered; ``ResultsFolderError`` says what is wrong otherwise."""
    text = str(folder).strip()
    if not text:
        raise ResultsFolderError("Type the path of a results folder, e.g. results/compare_regimes.")
    path = Path(text).expanduser()
    if not path.exists():
        raise ResultsFolderError(f"{text}: no such folder. Expected a folder written by `mutual-state batch`, "
                                 f"e.g. results/compare_regimes.")
    if not path.is_dir():
        raise ResultsFolderError(f"{text}: is a file; expected a results folder written by `mutual-state batch`.")
    report = path / "report.md"
    if not report.is_file():
        if (path / "manifest.json").is_file():
            raise ResultsFolderError(f"{text}: has results but no report yet. Write it with "
                                     f"`mutual-state report {text}`, then open the folder again.")
        raise ResultsFolderError(f"{text}: is not a results folder (no manifest.json or report.md); expected a "
                                 f"folder written by `mutual-state batch`.")
    try:
        source = report.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ResultsFolderError(f"{report}: cannot be read ({e}).") from None
    body, sections, figures = render(source, path)
    title = next((line[2:].strip() for line in source.splitlines() if line.startswith("# ")), path.name)
    return ReportView(path, title, body, sections, figures)


# ------------------------------------------------------------------------------------------------ Markdown
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
BOLD = re.compile(r"\*\*(.+?)\*\*")
ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
CODE = re.compile(r"`([^`]+)`")


def render(source: str, folder: Path) -> tuple[str, dict[str, str], int]:
    """Markdown (the subset reports use) to HTML, with every piece of text escaped."""
    out: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    counter = {"figures": 0}
    lines = source.splitlines()
    i = 0
    para: list[str] = []

    def emit(piece: str) -> None:
        out.append(piece)
        if current is not None:
            current.append(piece)

    def flush_para() -> None:
        if para:
            emit("<p>" + "<br>".join(_inline(p, folder, counter) for p in para) + "</p>")
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            flush_para()
            level = len(heading.group(1))
            if level == 2:
                current = sections.setdefault(heading.group(2).strip(), [])
            emit(f"<h{level + 1}>{_inline(heading.group(2), folder, counter)}</h{level + 1}>")
        elif stripped.startswith("|"):
            flush_para()
            block = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                block.append(lines[i].strip())
                i += 1
            emit(_table(block, folder, counter))
            continue
        elif re.match(r"^\s*[-*]\s+", line):
            flush_para()
            items = []
            while i < len(lines) and re.match(r"^\s*[-*]\s+", lines[i]):
                items.append(re.sub(r"^\s*[-*]\s+", "", lines[i]))
                i += 1
            emit("<ul>" + "".join(f"<li>{_inline(t, folder, counter)}</li>" for t in items) + "</ul>")
            continue
        elif not stripped:
            flush_para()
        else:
            para.append(line.rstrip())
        i += 1
    flush_para()
    return "\n".join(out), {k: "\n".join(v) for k, v in sections.items()}, counter["figures"]


def _table(block: list[str], folder: Path, counter: dict) -> str:
    """A pipe table as an HTML table, its cells escaped like any text (a second row of dashes makes a head)."""
    rows = [[c.strip() for c in row.strip("|").split("|")] for row in block]
    if len(rows) >= 2 and all(re.fullmatch(r":?-{1,}:?", c) for c in rows[1] if c):
        head, body = rows[0], rows[2:]
    else:
        head, body = None, rows
    parts = ['<table class="ms-table">']
    if head:
        parts.append("<thead><tr>" + "".join(f"<th>{_inline(c, folder, counter)}</th>" for c in head) + "</tr></thead>")
    parts.append("<tbody>" + "".join("<tr>" + "".join(f"<td>{_inline(c, folder, counter)}</td>" for c in r) + "</tr>"
                                      for r in body) + "</tbody></table>")
    return "".join(parts)


def _inline(text: str, folder: Path, counter: dict) -> str:
    """Escape first, then turn the few Markdown marks into tags; images become embedded PNGs."""
    images: list[str] = []

    def image(found: re.Match) -> str:
        images.append(_image_tag(html.unescape(found.group(1)), html.unescape(found.group(2)), folder, counter))
        return f"\x00{len(images) - 1}\x00"

    marked = html.escape(text.rstrip("\\").rstrip(), quote=True)
    marked = IMAGE.sub(image, marked)
    marked = LINK.sub(lambda found: found.group(1), marked)  # links show as their words: nothing leaves the page
    marked = CODE.sub(r"<code>\1</code>", marked)
    marked = BOLD.sub(r"<strong>\1</strong>", marked)
    marked = ITALIC.sub(r"<em>\1</em>", marked)
    return re.sub(r"\x00(\d+)\x00", lambda found: images[int(found.group(1))], marked)


def _image_tag(alt: str, src: str, folder: Path, counter: dict) -> str:
    """An image of the folder, embedded as a data URI; anything else shows as its caption."""
    caption = html.escape(alt)
    if re.match(r"^[a-z]+:", src, flags=re.I) or not src.lower().endswith(".png"):
        return f"<em>[figure: {caption}]</em>"
    root = folder.resolve()
    path = (folder / src).resolve()
    if not path.is_relative_to(root) or not path.is_file() or path.stat().st_size > MAX_IMAGE_BYTES:
        return f"<em>[figure not found: {caption}]</em>"
    data = path.read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return f"<em>[not a PNG: {caption}]</em>"
    counter["figures"] += 1
    b64 = base64.b64encode(data).decode("ascii")
    return f'<img alt="{caption}" src="data:image/png;base64,{b64}" style="max-width:100%">'
