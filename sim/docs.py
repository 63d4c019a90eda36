"""Regenerate the generated parts of docs/ODD.md: ``python -m sim.docs``."""

from __future__ import annotations

import sys
from pathlib import Path

from .parameters import TABLE_BEGIN, TABLE_END, markdown_table


def update_odd(path: Path) -> bool:
    """Replace the parameter table between its markers; return True if the file changed."""
    text = path.read_text()
    start, end = text.index(TABLE_BEGIN), text.index(TABLE_END) + len(TABLE_END)
    new = text[:start] + markdown_table() + text[end:]
    if new != text:
        path.write_text(new)
    return new != text


if __name__ == "__main__":
    odd = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
    print(f"{odd}: {'updated' if update_odd(odd) else 'already up to date'}")
