"""A national run's folder: each file written whole or not at all (a temporary file, then an atomic rename),
the monthly results read back in (authority, month) order, and the yearly checkpoint written as a stream
(ODD §9, D-NAT5, D-NAT11)."""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Iterable
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


def write_checkpoint(path: Path, header: dict, states: Iterable[dict | bytes]) -> None:
    """The checkpoint: ``header`` (the year, the couplings) pickled, then each partition's state as it comes,
    pickled straight into the file (a partition's ``__dict__``) or already pickled (an actor's ``state()``), so
    that besides the models no copy of the whole state is held (D-NAT11); written whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as file:
        pickle.dump(header, file, protocol=pickle.HIGHEST_PROTOCOL)
        for state in states:
            if isinstance(state, bytes):
                file.write(state)
            else:
                pickle.dump(state, file, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def read_checkpoint(path: Path) -> dict:
    """A checkpoint as ``write_checkpoint`` wrote it: the header's keys and ``partitions``, their states."""
    states = []
    with open(path, "rb") as file:
        checkpoint = pickle.load(file)
        while file.peek(1):
            states.append(pickle.load(file))
    return {**checkpoint, "partitions": states}
