"""A national run's folder: each file written whole or not at all (a temporary file, then an atomic rename),
and the monthly results read back in (authority, month) order (ODD §9, D-NAT5)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd


def read_monthly(out: str | os.PathLike) -> pd.DataFrame:
    """Every month of every authority written so far, in (authority, month) order."""
    files = sorted((Path(out) / "monthly").glob("year_*.parquet"))
    if not files:
        raise FileNotFoundError(f"{out}: no national results (monthly/year_*.parquet)")
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return frame.sort_values(["authority", "month"], kind="stable").reset_index(drop=True)


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_parquet(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def write_json(path: Path, data: dict) -> None:
    write_bytes(path, (json.dumps(data, indent=2, default=str) + "\n").encode())
