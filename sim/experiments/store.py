"""The results store: a batch's runs streamed to ``results/<scenario>/`` as they finish, safe to interrupt.

Layout (see ``results/README.md``)::

    manifest.json        the scenario, versions, git commit, seeds, timings, failed runs with their errors
    runs.parquet         one row per run: ids, seed, varied parameters, status, error, final metrics
    timeseries.parquet   one row per run and step: ids, seed, varied parameters, step, metrics
    parts/               runs finished since the last consolidation, in numbered pairs
                         ts-000007.parquet then runs-000007.parquet

Crash safety. Every file is written to a temporary name, flushed to disk and renamed into place (atomic on
POSIX). A pair of parts is committed by the rename of its ``runs-`` file, which is written after its ``ts-``
file; an uncommitted ``ts-`` part is deleted when the store is next opened. Consolidation writes
``runs.parquet`` and ``timeseries.parquet``, then records in the manifest which parts they include, then
deletes those parts; a reader takes the consolidated files plus any later parts and keeps the last record of
each run, so every crash point leaves the results readable, without loss or duplicates. One batch at a time may
write to a folder (an advisory lock).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import functools
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from ..metrics_catalogue import METRIC_NAMES

MANIFEST = "manifest.json"
RUNS = "runs.parquet"
TIMESERIES = "timeseries.parquet"
PARTS = "parts"
FORMAT_VERSION = 1
_PART = re.compile(r"^(ts|runs)-(\d{6})\.parquet$")


class ResultsError(ValueError):
    """A results folder cannot be used as asked (different scenario, locked, missing, corrupt)."""


def now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------------- atomic I/O
def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n").encode())


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    frame.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _json_default(o: Any) -> Any:
    if isinstance(o, tuple):
        return list(o)
    if hasattr(o, "item"):  # NumPy scalars
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


# ------------------------------------------------------------------------------------------------ provenance
def package_version() -> str:
    try:
        from importlib.metadata import version

        return version("mutual-state")
    except Exception:
        import sim

        return str(getattr(sim, "__version__", "unknown"))


# Code that cannot change a run's numbers: the experiment layer, the CLI, the figures, the dashboard.
_NOT_MODEL = ("experiments/", "cli.py", "plots.py", "dashboard/")


@functools.lru_cache(maxsize=1)
def model_fingerprint() -> str:
    """A hash of the model's source (every sim/**/*.py that can change a run's numbers), as imported here.

    Recorded per run and per session, so a batch never silently mixes two versions of the model: after an edit
    (committed or not) a resume is refused and a report flags runs made by different code.
    """
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(_NOT_MODEL) or "__pycache__" in rel:
            continue
        h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def git_state() -> dict[str, Any]:
    """The commit of the source tree the package is imported from, and whether it has uncommitted changes."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit or None, "dirty": bool(dirty) if commit else None}


@functools.lru_cache(maxsize=1)
def environment() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for dist in ("mesa", "numpy", "pandas", "scipy", "pyarrow", "SALib", "scikit-learn", "dask", "distributed"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            pass
    return out


# ------------------------------------------------------------------------------------------------ the store
class ResultsStore:
    """Append-only store of one scenario's runs in one folder. Use as a context manager."""

    def __init__(self, path: str | Path, scenario, header: dict[str, Any], fresh: bool = False,
                 allow_model_change: bool = False, rerun_if_model_changed: bool = False):
        self.path = Path(path)
        self.allow_model_change = allow_model_change
        self.rerun_if_model_changed = rerun_if_model_changed
        self.scenario = scenario
        self.header = header  # design, seeds, parameters: written into the manifest
        self.fresh = fresh
        self._lock_file = None
        self._buffer_runs: list[dict[str, Any]] = []
        self._buffer_ts: list[dict[str, Any]] = []  # per-run blocks of time-series columns
        self._next_seq = 1
        self.manifest: dict[str, Any] = {}
        self.records: dict[int, dict[str, Any]] = {}  # run_id -> its runs row (latest)
        self.session: dict[str, Any] = {}

    # -- opening ---------------------------------------------------------------------------------------------
    def __enter__(self) -> ResultsStore:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self, executor_label: str = "serial") -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock()
        if self.fresh:
            self._wipe()
        manifest_path = self.path / MANIFEST
        if manifest_path.exists():
            try:
                self.manifest = json.loads(manifest_path.read_text())
            except (OSError, json.JSONDecodeError) as e:
                raise ResultsError(f"{manifest_path}: cannot be read ({e}); use --fresh to start again") from None
            theirs = self.manifest.get("fingerprint")
            if theirs != self.scenario.fingerprint():
                raise ResultsError(
                    f"{self.path}: holds results of a different scenario or version of "
                    f"{self.manifest.get('scenario', {}).get('name', '?')!r} (fingerprint {theirs} here, "
                    f"{self.scenario.fingerprint()} now); use --out to write elsewhere or --fresh to discard them")
            code = self.manifest.get("model_code")
            if code and code != model_fingerprint() and self.rerun_if_model_changed:
                self._wipe()  # results of an older model: start again rather than mix or refuse
            elif code and code != model_fingerprint() and not self.allow_model_change:
                raise ResultsError(
                    f"{self.path}: its runs were made by another version of the model's code (model_code {code} "
                    f"there, {model_fingerprint()} now); resuming would mix two models in one table. Use --fresh "
                    f"to run it again with this code, or --out to keep both")
        elif any(self.path.iterdir()) and not self._only_lock_and_parts():
            raise ResultsError(f"{self.path}: is not empty and has no {MANIFEST}; use --out to choose another "
                               f"folder")
        runs = read_runs(self.path, self.manifest, cleanup=True)
        self.records = {int(r["run_id"]): r for r in runs.to_dict("records")} if len(runs) else {}
        self._next_seq = max([self.manifest.get("consolidated_through", 0)] + _part_seqs(self.path)) + 1
        self.session = {"started": now(), "finished": None, "executor": executor_label, "runs": 0,
                        "wall_seconds": 0.0, "model_code": model_fingerprint()}
        base = {
            "format": FORMAT_VERSION,
            "scenario": self.scenario.to_dict(),
            "fingerprint": self.scenario.fingerprint(),
            "created": self.manifest.get("created", now()),
            "model_code": self.manifest.get("model_code") or model_fingerprint(),
        }
        self.manifest = {**base, **{k: v for k, v in self.manifest.items() if k not in base}}
        self.manifest.setdefault("sessions", []).append(self.session)
        self._write_manifest(status="running")

    def _only_lock_and_parts(self) -> bool:
        return all(p.name in (".lock", PARTS) for p in self.path.iterdir())

    def _lock(self) -> None:
        self._lock_file = open(self.path / ".lock", "a+")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_file.close()
            self._lock_file = None
            raise ResultsError(f"{self.path}: another batch is writing to this folder; wait for it to finish "
                               f"or use --out to write elsewhere") from None

    def _wipe(self) -> None:
        """Discard a previous batch and everything derived from it (a stale report would mislead)."""
        if not (self.path / MANIFEST).exists() and any(p.name not in (".lock", PARTS) for p in self.path.iterdir()):
            raise ResultsError(f"{self.path}: has no {MANIFEST}, so it is not a results folder; --fresh will not "
                               f"delete it; use --out to choose another folder")
        for name in (MANIFEST, RUNS, TIMESERIES, "report.md", "sensitivity.md"):
            with contextlib.suppress(FileNotFoundError):
                (self.path / name).unlink()
        for folder in (PARTS, "figures", "tables"):
            shutil.rmtree(self.path / folder, ignore_errors=True)
        self.manifest = {}

    def close(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    # -- what is done ----------------------------------------------------------------------------------------
    def finished_ids(self) -> set[int]:
        return {rid for rid, r in self.records.items() if r["status"] == "ok"}

    def failed_ids(self) -> set[int]:
        return {rid for rid, r in self.records.items() if r["status"] != "ok"}

    # -- writing ---------------------------------------------------------------------------------------------
    def add(self, run_row: dict[str, Any], timeseries: dict[str, Any] | None) -> None:
        self._buffer_runs.append(run_row)
        if timeseries is not None:
            self._buffer_ts.append(timeseries)
        self.session["runs"] += 1

    def pending(self) -> int:
        return len(self._buffer_runs)

    def flush(self, status: str = "running", wall_seconds: float | None = None) -> None:
        """Commit the buffered runs as one pair of parts, then refresh the manifest."""
        if wall_seconds is not None:
            self.session["wall_seconds"] = round(wall_seconds, 3)
        if self._buffer_runs:
            parts = self.path / PARTS
            parts.mkdir(exist_ok=True)
            seq = self._next_seq
            ts = _blocks_to_frame(self._buffer_ts) if self._buffer_ts else _empty_ts(self._buffer_runs)
            atomic_write_parquet(parts / f"ts-{seq:06d}.parquet", ts)
            runs = pd.DataFrame(self._buffer_runs)
            atomic_write_parquet(parts / f"runs-{seq:06d}.parquet", runs)  # the commit
            for r in runs.to_dict("records"):
                self.records[int(r["run_id"])] = r
            self._next_seq += 1
            self._buffer_runs, self._buffer_ts = [], []
        self._write_manifest(status)

    def finalise(self, wall_seconds: float | None = None, status: str | None = None) -> None:
        """Flush, then consolidate all parts into runs.parquet and timeseries.parquet."""
        self.flush("running", wall_seconds)
        upto = self._next_seq - 1
        if upto > self.manifest.get("consolidated_through", 0) or not (self.path / RUNS).exists():
            runs = read_runs(self.path, self.manifest)
            ts = read_timeseries(self.path, self.manifest)
            atomic_write_parquet(self.path / TIMESERIES, ts)
            atomic_write_parquet(self.path / RUNS, runs)
            self.manifest["consolidated_through"] = upto
        self.session["finished"] = now()
        if status is None:
            status = "complete" if len(self.finished_ids()) == self.header["design"]["runs"] else "incomplete"
        self._write_manifest(status)
        _delete_parts_through(self.path, upto)

    def _write_manifest(self, status: str) -> None:
        records = list(self.records.values())
        ok = [r for r in records if r["status"] == "ok"]
        failed = sorted((r for r in records if r["status"] != "ok"), key=lambda r: r["run_id"])
        seconds = sorted(float(r["seconds"]) for r in ok)
        self.manifest.update({
            "status": status,
            "updated": now(),
            "package": {"name": "mutual-state", "version": package_version()},
            "git": git_state() if "git" not in self.session else self.session["git"],
            "environment": dict(environment()),
            **self.header,
            "progress": {"runs": self.header["design"]["runs"], "finished": len(ok), "failed": len(failed)},
            "timings": {
                "run_seconds_total": round(sum(seconds), 3),
                "run_seconds_median": round(seconds[len(seconds) // 2], 4) if seconds else None,
                "wall_seconds_total": round(sum(s.get("wall_seconds", 0.0) for s in self.manifest["sessions"]), 3),
            },
            "failures": [
                {k: r.get(k) for k in ("run_id", "condition", "replicate", "seed", "error")}
                | {"traceback": r.get("traceback", "")}
                for r in failed
            ],
            "files": {"runs": RUNS, "timeseries": TIMESERIES, "parts": PARTS + "/"},
        })
        self.session.setdefault("git", self.manifest["git"])
        atomic_write_json(self.path / MANIFEST, {k: v for k, v in self.manifest.items()})


def _blocks_to_frame(blocks: list[dict[str, Any]]) -> pd.DataFrame:
    import numpy as np

    return pd.DataFrame({k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]})


def _empty_ts(runs: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame({"run_id": pd.Series([], dtype="int64")})


def _part_seqs(path: Path, kind: str = "runs") -> list[int]:
    parts = path / PARTS
    if not parts.exists():
        return []
    out = []
    for p in parts.iterdir():
        m = _PART.match(p.name)
        if m and m.group(1) == kind:
            out.append(int(m.group(2)))
    return sorted(out)


def _delete_parts_through(path: Path, upto: int) -> None:
    parts = path / PARTS
    if not parts.exists():
        return
    for p in parts.iterdir():
        m = _PART.match(p.name)
        if m and int(m.group(2)) <= upto:
            p.unlink()


def _cleanup(path: Path, manifest: dict[str, Any]) -> None:
    """Delete uncommitted ts- parts, temporary files and parts already consolidated."""
    parts = path / PARTS
    done = manifest.get("consolidated_through", 0)
    committed = set(_part_seqs(path, "runs"))
    if parts.exists():
        for p in parts.iterdir():
            m = _PART.match(p.name)
            if m is None:
                if p.name.startswith("."):  # a temporary file of an interrupted write
                    p.unlink()
                continue
            seq = int(m.group(2))
            if seq <= done or (m.group(1) == "ts" and seq not in committed):
                p.unlink()
    for p in path.glob(".*.tmp-*"):
        p.unlink()


def _record_paths(path: Path, manifest: dict[str, Any], kind: str) -> list[Path]:
    done = manifest.get("consolidated_through", 0)
    out = []
    whole = path / (RUNS if kind == "runs" else TIMESERIES)
    if done and whole.exists():
        out.append(whole)
    committed = set(_part_seqs(path, "runs"))
    for seq in _part_seqs(path, kind):
        if seq > done and seq in committed:
            out.append(path / PARTS / f"{kind}-{seq:06d}.parquet")
    return out


def read_runs(path: Path, manifest: dict[str, Any] | None = None, cleanup: bool = False) -> pd.DataFrame:
    """All committed run records, the latest per run, sorted by run_id."""
    path = Path(path)
    if manifest is None:
        manifest = _read_manifest(path)
    if cleanup:
        _cleanup(path, manifest)
    frames = [pd.read_parquet(p) for p in _record_paths(path, manifest, "runs")]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    runs = pd.concat(frames, ignore_index=True)
    runs = runs.drop_duplicates("run_id", keep="last").sort_values("run_id", kind="stable")
    return tidy_runs(runs.reset_index(drop=True))


def tidy_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Give the runs table the same dtypes however it was assembled (in memory, or from Parquet parts)."""
    if "books_balance" in runs.columns:
        runs["books_balance"] = runs["books_balance"].astype("boolean")
    return runs


def read_timeseries(path: Path, manifest: dict[str, Any] | None = None) -> pd.DataFrame:
    """All committed time series rows, one per run and step, sorted by run_id and step."""
    path = Path(path)
    if manifest is None:
        manifest = _read_manifest(path)
    frames = [pd.read_parquet(p) for p in _record_paths(path, manifest, "ts")]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    ts = pd.concat(frames, ignore_index=True)
    ts = ts.drop_duplicates(["run_id", "step"], keep="last").sort_values(["run_id", "step"], kind="stable")
    return ts.reset_index(drop=True)


def _read_manifest(path: Path) -> dict[str, Any]:
    mp = Path(path) / MANIFEST
    if not mp.exists():
        raise ResultsError(f"{path}: no {MANIFEST} here; expected the folder a batch wrote (results/<scenario>/)")
    try:
        return json.loads(mp.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ResultsError(f"{mp}: cannot be read ({e})") from None


def read_manifest(path: str | Path) -> dict[str, Any]:
    return _read_manifest(Path(path))


def metric_columns(frame: pd.DataFrame) -> list[str]:
    return [m for m in METRIC_NAMES if m in frame.columns]


model_fingerprint()  # fix it when the package is imported, which is when the model's code is read too
