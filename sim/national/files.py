"""A national run's folder: each file written whole or not at all (a temporary file, then an atomic rename),
the monthly results read back in (authority, month) order, and the checkpoint written as a stream, by the
threads as the authorities end their year in a run in one process (ODD §9, D-NAT5, D-NAT11, D-NAT17)."""

from __future__ import annotations

import json
import os
import pickle
import threading
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


class CheckpointWriter:
    """A checkpoint written while the year is computed (D-NAT17): each authority's state is pickled into a
    temporary file by the thread that advanced it, as soon as its year is done (one thread writes at a time,
    while the others compute), and the header (the year, the couplings) follows once the year is over; then
    the file replaces the last checkpoint by an atomic rename. Until ``commit`` the last checkpoint stands; an
    interrupted year leaves it as it was (``close`` removes the temporary file)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.tmp = path, path.with_suffix(path.suffix + ".tmp")
        self.file = open(self.tmp, "wb")  # noqa: SIM115 (closed by commit or close)
        self.lock = threading.Lock()

    def add(self, state: dict) -> None:
        with self.lock:
            pickle.dump(state, self.file, protocol=pickle.HIGHEST_PROTOCOL)

    def commit(self, header: dict) -> None:
        with self.lock:
            pickle.dump(header, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.file.close()
            os.replace(self.tmp, self.path)

    def close(self) -> None:
        """Drop an uncommitted checkpoint (the last one stands)."""
        if not self.file.closed:
            self.file.close()
            self.tmp.unlink(missing_ok=True)


def read_checkpoint(path: Path) -> dict:
    """A checkpoint as ``write_checkpoint`` or ``CheckpointWriter`` wrote it: the header's keys (its first record
    or its last) and ``partitions``, the states (each a partition of one or more authorities)."""
    records = []
    with open(path, "rb") as file:
        while file.peek(1):
            records.append(pickle.load(file))
    header = records.pop(0 if "year" in records[0] else -1)
    return {**header, "partitions": records}
