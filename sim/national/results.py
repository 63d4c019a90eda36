"""A national run's results as a reader opens them: its tables by authority, region and deprivation decile,
their cells as the report writes them, and the report's map-like figure for any metric (ODD §9, D-NAT6).

This is what the public API (``sim.load_national_results``) and the dashboard's map read, so what a page shows
is what the report says: the same tables, the same cells, the same figure.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .report import FIGURE_ROWS, HEADLINE, TABLE_COLUMNS, map_figure, table_cells

TABLE_FILES = {"authority": "authorities.parquet", "region": "regions.parquet",
               "deprivation_decile": "deciles.parquet"}


class NationalResultsError(ValueError):
    """The folder holds no finished national run; the message says why in words."""


@dataclass(frozen=True)
class NationalResults:
    """A finished national run: its folder, its manifest and its three tables."""

    folder: Path
    manifest: dict[str, Any]
    authorities: pd.DataFrame
    regions: pd.DataFrame
    deciles: pd.DataFrame

    VIEWS = tuple(TABLE_COLUMNS)  # authority, region, deprivation_decile
    HEADLINE = HEADLINE

    def frame(self, by: str) -> pd.DataFrame:
        """The table by ``by``: one row per authority, or per region / decile with England's row last."""
        tables = {"authority": self.authorities, "region": self.regions, "deprivation_decile": self.deciles}
        if by not in tables:
            raise ValueError(f"by: {by!r} is not allowed; expected one of {', '.join(tables)}")
        return tables[by]

    def cells(self, by: str) -> tuple[list[str], list[list[str]]]:
        """(header, rows of cells) of the table by ``by``, each cell as the report writes it."""
        return table_cells(self.frame(by), by)

    def figure(self, metric: str = "participation_rate", rows: str = "region"):
        """The report's figure for ``metric``: a dot per authority on a row per region (or per deprivation
        decile, ``rows="deprivation_decile"``), the row's adult-weighted mean as a bar."""
        return map_figure(self.authorities, metric, rows)


def is_national_folder(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` was written by a national run (``mutual-state national``), finished or not."""
    manifest = Path(folder) / "manifest.json"
    try:
        config = json.loads(manifest.read_text()).get("config", {})
    except (OSError, ValueError, AttributeError):
        return False
    return isinstance(config, dict) and "authorities" in config and "scale" in config


def load_national_results(folder: str | os.PathLike) -> NationalResults:
    """The tables of a finished national run in ``folder``; ``NationalResultsError`` says what is missing."""
    path = Path(folder)
    if not is_national_folder(path):
        raise NationalResultsError(f"{folder}: not a national run's folder (its manifest.json names no "
                                   f"authorities); expected a folder written by `mutual-state national`")
    manifest = json.loads((path / "manifest.json").read_text())
    missing = [name for name in TABLE_FILES.values() if not (path / name).is_file()]
    if manifest.get("status") != "complete" or missing:
        lacking = ", ".join(missing) if missing else f"status {manifest.get('status')!r}"
        raise NationalResultsError(f"{folder}: the national run is not finished ({lacking}); run the same "
                                   f"`mutual-state national` command again to resume it")
    tables = {by: pd.read_parquet(path / name) for by, name in TABLE_FILES.items()}
    return NationalResults(path, manifest, tables["authority"], tables["region"], tables["deprivation_decile"])


__all__ = ["FIGURE_ROWS", "NationalResults", "NationalResultsError", "is_national_folder", "load_national_results"]
