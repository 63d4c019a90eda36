"""Reading a results folder, verified rather than trusted: the manifest is the snapshot, and every file it lists
is checked against its checksum before it is used (the layout is described in ``store``).

A file that is missing, truncated or altered is named (:class:`DamagedResults`); a file that changed under the
reader because a batch consolidated meanwhile makes it read the new manifest and start again.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import pandas as pd

from ..metrics_catalogue import METRIC_NAMES

MANIFEST = "manifest.json"
RUNS = "runs.parquet"
TIMESERIES = "timeseries.parquet"
PARTS = "parts"
FORMAT_VERSION = 2  # 2: the manifest lists every data file with its checksum
PART_FILE = re.compile(r"^(ts|runs)-(\d{6})\.parquet$")
TEMPORARY_FILE = re.compile(r"^\..+\.tmp-\d+$")
READ_ATTEMPTS = 50  # a reader re-reads the manifest at most this often while a writer moves files under it


class ResultsError(ValueError):
    """A results folder cannot be used as asked (different scenario, locked, missing, corrupt)."""


class DamagedResults(ResultsError):
    """Files a batch wrote are missing, truncated or altered; the message names them."""

    def __init__(self, path: Path, damage: dict[str, str]):
        self.damage = damage
        names = "; ".join(f"{name} {why}" for name, why in damage.items())
        super().__init__(f"{path}: damaged results: {names}. Run the same `mutual-state batch` command to recompute "
                         f"the runs they held, or --fresh to start again")


def checksum(data: bytes, rows: int) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "rows": rows}


# ------------------------------------------------------------------------------------------------ file names
def part_name(kind: str, seq: int) -> str:
    return f"{PARTS}/{kind}-{seq:06d}.parquet"


def is_data_name(name: Any) -> bool:
    """Only these names may be listed as a batch's data files (a tampered manifest cannot point elsewhere)."""
    if not isinstance(name, str):
        return False
    if name in (RUNS, TIMESERIES):
        return True
    folder, _, base = name.partition("/")
    return folder == PARTS and PART_FILE.match(base) is not None


def is_output_name(path: Path, name: Any) -> bool:
    """A report output: a relative path inside the folder, not a data file or the manifest."""
    if not isinstance(name, str) or not name or name.startswith("/") or "\\" in name:
        return False
    parts = Path(name).parts
    if ".." in parts or name in (MANIFEST, ".lock") or is_data_name(name):
        return False
    try:
        (path / name).resolve().relative_to(path.resolve())
    except ValueError:
        return False
    return True


def part_sequence(name: str) -> int:
    return int(PART_FILE.match(name.partition("/")[2]).group(2))


def in_commit_order(names: list[str], kind: str) -> list[str]:
    """The consolidated file, then the parts of one kind in commit order (later records win)."""
    whole = RUNS if kind == "runs" else TIMESERIES
    parts = sorted((n for n in names if n.startswith(f"{PARTS}/{kind}-")), key=part_sequence)
    return ([whole] if whole in names else []) + parts


# ------------------------------------------------------------------------------------------------ verified reading
def verified_bytes(path: Path, name: str, expected: list[dict[str, Any]]) -> tuple[bytes | None, str]:
    """The file's bytes if they match one of the expected checksum records, else (None, what is wrong)."""
    try:
        data = (path / name).read_bytes()
    except FileNotFoundError:
        return None, "is missing"
    except OSError as e:
        return None, f"cannot be read ({e.strerror or e})"
    records = [r for r in expected if isinstance(r, dict)]
    if records and all(len(data) < r.get("bytes", 0) for r in records):
        return None, f"is truncated ({len(data):,} of {records[0].get('bytes', 0):,} bytes)"
    digest = hashlib.sha256(data).hexdigest()
    if not any(r.get("sha256") == digest and r.get("bytes") == len(data) for r in records):
        return None, "was altered (its checksum differs from the one recorded when it was written)"
    return data, ""


def load_listed(path: Path, manifest: dict[str, Any]) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Every data file the manifest lists, verified: (frames by name, damage by name)."""
    listed = manifest.get("checksums", {})
    pending = manifest.get("pending", {}) or {}
    frames: dict[str, pd.DataFrame] = {}
    damage: dict[str, str] = {}
    for name, record in listed.items():
        data, why = verified_bytes(path, name, [record, pending.get(name)])
        if data is None:
            damage[name] = why
            continue
        try:
            frames[name] = pd.read_parquet(io.BytesIO(data))
        except Exception as e:  # noqa: BLE001 - a checksummed file that does not parse is damage too
            damage[name] = f"cannot be read as Parquet ({type(e).__name__})"
    return frames, damage


def assemble(frames: dict[str, pd.DataFrame], kind: str) -> pd.DataFrame:
    """One table from a kind's files in commit order; a later record of a run replaces an earlier one."""
    parts = [frames[n] for n in in_commit_order(list(frames), kind) if len(frames[n])]
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    if kind == "runs":
        out = out.drop_duplicates("run_id", keep="last").sort_values("run_id", kind="stable")
        return tidy_runs(out.reset_index(drop=True))
    out = out.drop_duplicates(["run_id", "step"], keep="last").sort_values(["run_id", "step"], kind="stable")
    return out.reset_index(drop=True)


def runs_without_series(runs: pd.DataFrame, ts: pd.DataFrame, steps: int) -> list[int]:
    """Ids of "ok" runs whose time series is not complete (steps + 1 rows): such a run is not finished."""
    if runs.empty or "status" not in runs:
        return []
    ok = runs.loc[runs["status"] == "ok", "run_id"].astype("int64")
    counts = ts.groupby("run_id").size() if len(ts) else pd.Series(dtype="int64")
    have = counts.reindex(ok.to_numpy(), fill_value=0)
    return [int(r) for r, n in have.items() if n != steps + 1]


def manifest_steps(manifest: dict[str, Any]) -> int:
    return int(manifest.get("scenario", {}).get("steps") or manifest.get("design", {}).get("steps") or 0)


def read_snapshot(path: str | Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """(manifest, runs, timeseries) of one consistent, verified state of a results folder.

    Safe while a batch writes to the folder: a file that changed or went away under the reader means a newer
    manifest, which is read instead. Raises DamagedResults naming every damaged file, or the finished runs
    without a whole time series.
    """
    path = Path(path)
    manifest = read_manifest_file(path)
    for _ in range(READ_ATTEMPTS):
        frames, damage = load_listed(path, manifest)
        if not damage:
            break
        again = read_manifest_file(path)
        if again == manifest:
            raise DamagedResults(path, damage)
        manifest = again
        time.sleep(0.01)
    else:
        raise DamagedResults(path, damage)
    runs, ts = assemble(frames, "runs"), assemble(frames, "ts")
    lacking = runs_without_series(runs, ts, manifest_steps(manifest))
    if lacking:
        raise DamagedResults(path, {TIMESERIES: f"lacks the time series of finished run(s) "
                                                f"{', '.join(map(str, lacking[:10]))}"})
    return manifest, runs, ts


def read_runs(path: Path, manifest: dict[str, Any] | None = None, cleanup: bool = False) -> pd.DataFrame:
    """All committed run records, the latest per run, sorted by run_id (verified; see read_snapshot)."""
    return read_snapshot(path)[1]


def tidy_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Give the runs table the same dtypes however it was assembled (in memory, or from Parquet parts)."""
    if "books_balance" in runs.columns:
        runs["books_balance"] = runs["books_balance"].astype("boolean")
    return runs


def read_timeseries(path: Path, manifest: dict[str, Any] | None = None) -> pd.DataFrame:
    """All committed time series rows, one per run and step, sorted by run_id and step (verified)."""
    return read_snapshot(path)[2]


def read_manifest_file(path: Path, require_current: bool = True) -> dict[str, Any]:
    """The folder's manifest, checked for shape; ResultsError naming the file if it is not one."""
    mp = Path(path) / MANIFEST
    if not mp.exists():
        raise ResultsError(f"{path}: no {MANIFEST} here; expected the folder a batch wrote (results/<scenario>/)")
    try:
        manifest = json.loads(mp.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ResultsError(f"{mp}: cannot be read ({e})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("scenario"), dict):
        what = "has no 'scenario' table" if isinstance(manifest, dict) else f"holds a {type(manifest).__name__}"
        raise ResultsError(f"{mp}: is not a results manifest ({what}); expected the manifest a batch writes")
    fmt = manifest.get("format")
    if require_current and fmt != FORMAT_VERSION:
        raise ResultsError(f"{mp}: format {fmt!r} is not readable here (this version writes and reads format "
                           f"{FORMAT_VERSION}, which records checksums); run the batch again with --fresh")
    checks = manifest.get("checksums", {})
    pending = manifest.get("pending", {}) or {}
    if fmt == FORMAT_VERSION and (not isinstance(checks, dict) or not isinstance(pending, dict)
                            or not all(is_data_name(n) and isinstance(r, dict) for n, r in
                                       [*checks.items(), *pending.items()])):
        raise ResultsError(f"{mp}: its 'checksums' are not a table of the batch's data files; the manifest was "
                           f"edited or damaged. Run the batch again with --fresh")
    return manifest


def read_manifest(path: str | Path) -> dict[str, Any]:
    return read_manifest_file(Path(path))


def metric_columns(frame: pd.DataFrame) -> list[str]:
    return [m for m in METRIC_NAMES if m in frame.columns]


def part_sequences(path: Path, kind: str = "runs") -> list[int]:
    """The sequence numbers of the parts of one kind present in the folder, listed or not."""
    parts = path / PARTS
    if not parts.exists():
        return []
    out = []
    for p in parts.iterdir():
        m = PART_FILE.match(p.name)
        if m and m.group(1) == kind:
            out.append(int(m.group(2)))
    return sorted(out)
