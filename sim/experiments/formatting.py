"""Numbers and text for people: how the report and the command line write a number, an interval, a p-value,
and scenario text inside Markdown.

Pure functions of their arguments, so the report, the command line and the dashboard print a number alike.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd


def num(x: Any, signed: bool = False) -> str:
    """A number for people: three significant figures, thousands separated, no scientific notation for the
    magnitudes this model produces."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a" if x is None or math.isnan(x) else ("+∞" if x > 0 else "−∞")
    x = float(x)
    sign = "+" if signed and x > 0 else ""
    a = abs(x)
    if a == 0:
        s = "0"
    elif a >= 1000:
        s = f"{x:,.0f}"
    elif a >= 100:
        s = f"{x:.1f}"
    elif a >= 0.001:
        s = f"{x:.3g}"
    else:
        s = f"{x:.2e}"
    return sign + s


def pval(p: float) -> str:
    if p is None or not math.isfinite(p):
        return "p n/a"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def ci_text(mean: float, low: float, high: float, signed: bool = False) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{num(mean, signed)}"
    return f"{num(mean, signed)} [{num(low, signed)}, {num(high, signed)}]"


def money(x: float) -> str:
    return f"£{abs(x):,.2f}"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|~!])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")


def md_text(text: Any) -> str:
    """Text from a scenario file made safe to put in Markdown: rendered as the same text, never as markup.

    ``&``, ``<`` and ``>`` become HTML entities (no tag or comment reaches an HTML rendering: the dashboard
    renders reports), Markdown punctuation is backslash-escaped (no link, image, emphasis, code or table
    cell), and a line cannot start a heading, quote or list. Line breaks are kept.
    """
    lines = []
    for line in str(text).splitlines():
        line = line.strip().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        line = _MD_SPECIAL.sub(r"\\\1", line)
        lines.append(_MD_LINE_START.sub(_escape_line_start, line))
    return "\n".join(lines)


def _escape_line_start(m: re.Match) -> str:
    """'# x' -> '\\# x'; '1. x' -> '1\\. x' (a digit cannot be escaped; its list delimiter can)."""
    mark = m.group(2)
    return m.group(1) + (mark + "\\" if mark[0].isdigit() else "\\" + mark)


def md_code(text: Any) -> str:
    """Text as one inline code span (shown verbatim: renderers do not interpret HTML in code), fenced with more
    backticks than any run inside it."""
    text = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_table(frame: pd.DataFrame) -> list[str]:
    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return lines


def format_table(frame: pd.DataFrame) -> str:
    cols = [str(c) for c in frame.columns]
    cells = [[str(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [max(len(c), *(len(r[i]) for r in cells)) if cells else len(c) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    for r in cells:
        out.append("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
    return "\n".join(out)


def figure_markdown(paths: list[Path], out: Path, caption: str) -> str:
    png = paths[0].relative_to(out)
    svg = paths[1].relative_to(out)
    return f"![{caption}]({png.as_posix()})  \n*{caption}* ([SVG]({svg.as_posix()}))"


def write_markdown(out: Path, lines: list[str], name: str = "report.md") -> Path:
    path = out / name
    tmp = path.with_name(f".{name}.tmp")
    tmp.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
