"""The results store: a batch's runs streamed to ``results/<scenario>/`` as they finish, safe to interrupt,
verified rather than trusted.

Layout (see ``results/README.md``)::

    manifest.json        the scenario, versions, git commit, seeds, timings, failed runs with their errors, and
                         the checksum (SHA-256), size and row count of every data file of the batch
    runs.parquet         one row per run: ids, seed, varied parameters, status, error, final metrics
    timeseries.parquet   one row per run and step: ids, seed, varied parameters, step, metrics
    parts/               runs finished since the last consolidation, in numbered pairs
                         ts-000007.parquet and runs-000007.parquet

Commit and snapshots. Every file is written to a temporary name, flushed to disk and renamed into place
(atomic on POSIX); no file the manifest lists is ever changed in place. A pair of parts is committed when the
manifest that lists it (with its checksums) is renamed into place, so the manifest is the snapshot: a reader
reads it once and then exactly the files it lists, checking each checksum; a file that changed or went away
under it (the writer consolidated meanwhile) makes it read the new manifest and start again. Consolidation
records the new files' checksums as ``pending`` before renaming them over ``runs.parquet`` and
``timeseries.parquet``, so a crash at any point leaves every listed file either as listed or as pending.
Files in ``parts/`` that no manifest lists (a crash before the commit) are ignored by readers and deleted by
the next writer.

Damage. A listed file that is missing, truncated or altered is named: a resumed batch drops it (and its
partner) and recomputes its runs; ``load_results`` and the report refuse the folder. A run counts as finished
only with both its row in the runs table and its whole time series. One batch at a time may write to a folder
(an advisory lock); ``fresh`` deletes only the files the manifest lists.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .provenance import environment, git_state, model_fingerprint, package_version
from .reading import (
    FORMAT_VERSION,
    MANIFEST,
    PART_FILE,
    PARTS,
    RUNS,
    TEMPORARY_FILE,
    TIMESERIES,
    DamagedResults,
    ResultsError,
    assemble,
    checksum,
    is_data_name,
    is_output_name,
    load_listed,
    manifest_steps,
    part_name,
    part_sequence,
    part_sequences,
    read_manifest_file,
    read_runs,
    read_snapshot,
    runs_without_series,
    tidy_runs,
    verified_bytes,
)

# Readers of a results folder import these from here too: the store is the folder's one public face.
__all__ = ["DamagedResults", "ResultsError", "ResultsRepaired", "ResultsStore", "StorageError", "files_under",
           "model_fingerprint", "read_runs", "read_snapshot", "register_outputs", "tidy_runs"]


class StorageError(ResultsError):
    """The results folder cannot be written (a full or read-only disk); what was saved before is kept."""


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
    """Write a file so that a reader sees the old bytes or the new, never a part (rename after fsync)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n").encode())


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False, engine="pyarrow", compression="zstd")
    return buf.getvalue()


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> dict[str, Any]:
    """Write ``frame`` atomically; return its checksum record (SHA-256, size, rows)."""
    data = parquet_bytes(frame)
    atomic_write_bytes(path, data)
    return checksum(data, len(frame))


def _json_default(o: Any) -> Any:
    if isinstance(o, tuple):
        return list(o)
    if hasattr(o, "item"):  # NumPy scalars
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


# ------------------------------------------------------------------------------------------------ the store
class ResultsRepaired(UserWarning):
    """A resumed batch found damaged files; it dropped them and recomputes their runs."""


class ResultsStore:
    """Append-only store of one scenario's runs in one folder. Use as a context manager."""

    def __init__(self, path: str | Path, scenario, header: dict[str, Any], fresh: bool = False,
                 allow_model_change: bool = False, rerun_if_model_changed: bool = False):
        """Claim the folder for this scenario; nothing is written until ``open``."""
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
        self.repairs: list[str] = []  # damage found on opening, in words

    # -- opening ---------------------------------------------------------------------------------------------
    def __enter__(self) -> ResultsStore:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _older_version_of_this_scenario(self, manifest: dict[str, Any]) -> bool:
        """The folder holds runs of a scenario with this one's name but other numbers (an edited file)."""
        return (manifest.get("fingerprint") != self.scenario.fingerprint()
                and manifest.get("scenario", {}).get("name") == self.scenario.name)

    def open(self, executor_label: str = "serial") -> None:
        """Lock the folder, then resume, restart or refuse what it holds; start this session in the manifest."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise ResultsError(f"{self.path}: is a file; expected a results folder") from None
        except OSError as e:
            raise self._storage_error(e, "the folder", saved=False) from None
        self._lock()
        manifest = self._existing_manifest()
        # --rerun-if-changed: an edited version of this scenario file (e.g. a longer burn-in) is run again
        if self.fresh or (manifest and self.rerun_if_model_changed and self._older_version_of_this_scenario(manifest)):
            self._wipe(manifest)
            manifest = {}
        elif manifest:
            theirs = manifest.get("fingerprint")
            if theirs != self.scenario.fingerprint():
                raise ResultsError(
                    f"{self.path}: holds results of a different scenario or version of "
                    f"{manifest.get('scenario', {}).get('name', '?')!r} (fingerprint {theirs} here, "
                    f"{self.scenario.fingerprint()} now); use --out to write elsewhere or --fresh to discard them")
            code = manifest.get("model_code")
            changed = manifest.get("format") != FORMAT_VERSION or (code and code != model_fingerprint())
            if changed and self.rerun_if_model_changed:
                self._wipe(manifest)  # results of an older model or store: start again rather than mix or refuse
                manifest = {}
            elif manifest.get("format") != FORMAT_VERSION:
                raise ResultsError(f"{self.path / MANIFEST}: format {manifest.get('format')!r} was written by an "
                                   f"older version of mutual-state, without checksums; use --fresh to run it again")
            elif code and code != model_fingerprint() and not self.allow_model_change:
                raise ResultsError(
                    f"{self.path}: its runs were made by another version of the model's code (model_code {code} "
                    f"there, {model_fingerprint()} now); resuming would mix two models in one table. Use --fresh "
                    f"to run it again with this code, or --out to keep both")
        elif any(p.name not in (".lock", PARTS) and not TEMPORARY_FILE.match(p.name) for p in self.path.iterdir()):
            raise ResultsError(f"{self.path}: is not empty and has no {MANIFEST}; use --out to choose another "
                               f"folder")
        self.manifest = manifest
        self.manifest.setdefault("checksums", {})
        self._adopt_pending()
        runs = self._verified_runs()
        self._cleanup_unlisted()
        self.records = {int(r["run_id"]): r for r in runs.to_dict("records")} if len(runs) else {}
        listed = [part_sequence(n) for n in self.manifest["checksums"] if n.startswith(PARTS + "/")]
        self._next_seq = max([self.manifest.get("consolidated_through", 0)] + listed + part_sequences(self.path)) + 1
        self.session = {"started": now(), "finished": None, "executor": executor_label, "runs": 0,
                        "wall_seconds": 0.0, "model_code": model_fingerprint()}
        if self.repairs:
            self.session["repaired"] = list(self.repairs)
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

    def _existing_manifest(self) -> dict[str, Any]:
        if not (self.path / MANIFEST).exists():
            return {}
        try:
            return read_manifest_file(self.path, require_current=False)
        except ResultsError as e:
            hint = ("; --fresh deletes only the files a manifest lists, so it cannot tell what to delete: remove "
                    "the folder yourself or use --out") if self.fresh else "; use --out to write elsewhere"
            raise ResultsError(f"{e}{hint}") from None

    def _adopt_pending(self) -> None:
        """After a crash during consolidation a consolidated file may already be the pending one: list it so."""
        pending = self.manifest.pop("pending", None) or {}
        for name, record in pending.items():
            data, _ = verified_bytes(self.path, name, [record])
            if data is not None:
                self.manifest["checksums"][name] = record

    def _verified_runs(self) -> pd.DataFrame:
        """The finished runs, after dropping damaged files (and their partners) so that their runs rerun."""
        frames, damage = load_listed(self.path, self.manifest)
        checks = self.manifest["checksums"]
        dropped = set(damage)
        for name in damage:
            if name in (RUNS, TIMESERIES):
                dropped |= {RUNS, TIMESERIES} & set(checks)
            else:
                seq = part_sequence(name)
                dropped |= {part_name("runs", seq), part_name("ts", seq)} & set(checks)
        for name in sorted(dropped):
            why = damage.get(name, f"is dropped with its partner ({', '.join(sorted(damage))})")
            self.repairs.append(f"{self.path / name} {why}; its runs will be recomputed")
            checks.pop(name, None)
            frames.pop(name, None)
            with contextlib.suppress(OSError):
                (self.path / name).unlink()
        runs, ts = assemble(frames, "runs"), assemble(frames, "ts")
        lacking = set(runs_without_series(runs, ts, manifest_steps(self.manifest) or self.scenario.steps))
        if lacking:
            self.repairs.append(f"{self.path}: {len(lacking)} finished run(s) lack their time series; they will be "
                                f"recomputed")
            runs = runs[~runs["run_id"].isin(lacking)].reset_index(drop=True)
        return runs

    def _only_lock_and_parts(self) -> bool:
        return all(p.name in (".lock", PARTS) for p in self.path.iterdir())

    def _lock(self) -> None:
        """Take the folder's advisory lock, or refuse: two batches writing one folder would corrupt it."""
        try:
            self._lock_file = open(self.path / ".lock", "a+")
        except OSError as e:
            raise self._storage_error(e, ".lock", saved=False) from None
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_file.close()
            self._lock_file = None
            raise ResultsError(f"{self.path}: another batch is writing to this folder; wait for it to finish "
                               f"or use --out to write elsewhere") from None

    def _wipe(self, manifest: dict[str, Any]) -> None:
        """Discard a previous batch: exactly the files its manifest lists (data files and the report's outputs),
        never anything else."""
        if not manifest:
            if any(p.name not in (".lock", PARTS) and not TEMPORARY_FILE.match(p.name) for p in self.path.iterdir()):
                raise ResultsError(f"{self.path}: has no {MANIFEST}, so it is not a results folder; --fresh will "
                                   f"not delete it; use --out to choose another folder")
            self._cleanup_unlisted(listed=set())
            return
        if manifest.get("format") == FORMAT_VERSION:
            names = [*manifest.get("checksums", {}), *(manifest.get("pending") or {})]
        else:  # an older store listed no files: its fixed names and numbered parts
            names = [RUNS, TIMESERIES] + [f"{PARTS}/{p.name}" for p in (self.path / PARTS).glob("*.parquet")
                                          if PART_FILE.match(p.name)] if (self.path / PARTS).is_dir() else [RUNS,
                                                                                                         TIMESERIES]
        outputs = manifest.get("outputs", [])
        names = [n for n in names if is_data_name(n)]
        names += [n for n in (outputs if isinstance(outputs, list) else []) if is_output_name(self.path, n)]
        for name in names + [MANIFEST]:
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                (self.path / name).unlink()
        for folder in sorted({Path(n).parent for n in names if Path(n).parent != Path(".")}, reverse=True):
            with contextlib.suppress(OSError):
                (self.path / folder).rmdir()  # only if empty: a user's own files stay
        self._cleanup_unlisted(listed=set())

    def _cleanup_unlisted(self, listed: set[str] | None = None) -> None:
        """Delete part files no manifest lists (a crash before their commit) and temporary files of ours."""
        listed = set(self.manifest.get("checksums", {})) if listed is None else listed
        for folder in (self.path, self.path / PARTS):
            if not folder.is_dir():
                continue
            for p in folder.iterdir():
                name = p.relative_to(self.path).as_posix()
                ours = TEMPORARY_FILE.match(p.name) or (folder.name == PARTS and PART_FILE.match(p.name) and name not in listed)
                if ours and p.is_file():
                    with contextlib.suppress(OSError):
                        p.unlink()

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
        """Write the buffered runs as one pair of parts, then commit them by listing them in the manifest."""
        if wall_seconds is not None:
            self.session["wall_seconds"] = round(wall_seconds, 3)
        if self._buffer_runs:
            seq = self._next_seq
            self._next_seq += 1  # a failed write never reuses a name
            ts = blocks_to_frame(self._buffer_ts) if self._buffer_ts else _empty_ts(self._buffer_runs)
            runs = pd.DataFrame(self._buffer_runs)
            written = {}
            for name, frame in ((part_name("ts", seq), ts), (part_name("runs", seq), runs)):
                try:
                    (self.path / PARTS).mkdir(exist_ok=True)
                    written[name] = atomic_write_parquet(self.path / name, frame)
                except OSError as e:
                    raise self._storage_error(e, name) from None
            self.manifest["checksums"].update(written)
            for r in runs.to_dict("records"):
                self.records[int(r["run_id"])] = r
            self._buffer_runs, self._buffer_ts = [], []
        self._write_manifest(status)

    def finalise(self, wall_seconds: float | None = None, status: str | None = None) -> None:
        """Flush, then consolidate all parts into runs.parquet and timeseries.parquet."""
        self.flush("running", wall_seconds)
        checks = self.manifest["checksums"]
        parts = [n for n in checks if n.startswith(PARTS + "/")]
        if parts or RUNS not in checks or TIMESERIES not in checks:
            frames, damage = load_listed(self.path, self.manifest)
            if damage:
                raise DamagedResults(self.path, damage)
            data = {RUNS: parquet_bytes(assemble(frames, "runs")), TIMESERIES: parquet_bytes(assemble(frames, "ts"))}
            rows = {RUNS: len(assemble(frames, "runs")), TIMESERIES: len(assemble(frames, "ts"))}
            self.manifest["pending"] = {name: checksum(d, rows[name]) for name, d in data.items()}
            self._write_manifest("running")
            for name in (TIMESERIES, RUNS):
                try:
                    atomic_write_bytes(self.path / name, data[name])
                except OSError as e:
                    raise self._storage_error(e, name) from None
            checks.update(self.manifest.pop("pending"))
            for name in parts:
                del checks[name]
            self.manifest["consolidated_through"] = self._next_seq - 1
        self.session["finished"] = now()
        if status is None:
            status = "complete" if len(self.finished_ids()) == self.header["design"]["runs"] else "incomplete"
        self._write_manifest(status)
        for name in parts:
            with contextlib.suppress(OSError):
                (self.path / name).unlink()

    def _storage_error(self, e: OSError, name: str, saved: bool = True) -> StorageError:
        kept = (f" The {len(self.finished_ids())} finished runs saved before are kept; free space (or make the "
                f"folder writable) and run the same command to resume.") if saved else ""
        return StorageError(f"{self.path}: cannot write {name}: {e.strerror or e}.{kept}")

    def _write_manifest(self, status: str) -> None:
        """Commit the manifest atomically: the snapshot readers see, with every listed file's checksum."""
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
        try:
            atomic_write_json(self.path / MANIFEST, {k: v for k, v in self.manifest.items()})
        except OSError as e:
            raise self._storage_error(e, MANIFEST) from None


def register_outputs(path: str | Path, written: list[Path]) -> None:
    """Record files a report wrote into a results folder in its manifest, so that ``--fresh`` may delete them
    (and nothing else). Skipped while a batch holds the folder (it would overwrite the manifest)."""
    path = Path(path)
    if not (path / MANIFEST).exists():
        return
    try:
        lock = open(path / ".lock", "a+")
    except OSError:
        return
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return
        try:
            manifest = read_manifest_file(path)
        except ResultsError:
            return
        names = []
        for p in written:
            with contextlib.suppress(ValueError):
                names.append(Path(p).resolve().relative_to(path.resolve()).as_posix())
        outputs = list(dict.fromkeys([*manifest.get("outputs", []), *(n for n in names if is_output_name(path, n))]))
        if outputs != manifest.get("outputs"):
            manifest["outputs"] = outputs
            with contextlib.suppress(OSError):
                atomic_write_json(path / MANIFEST, manifest)
    finally:
        lock.close()


def files_under(path: Path) -> dict[Path, int]:
    """Every file under ``path`` with its modification time (ns): to see what a report wrote."""
    if not path.is_dir():
        return {}
    return {p: p.stat().st_mtime_ns for p in path.rglob("*") if p.is_file()}


def blocks_to_frame(blocks: list[dict[str, Any]]) -> pd.DataFrame:
    """Join per-run blocks of columns into one time-series table (one pandas construction per flush)."""
    if not blocks:
        return pd.DataFrame()
    return pd.DataFrame({k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]})


def _empty_ts(runs: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame({"run_id": pd.Series([], dtype="int64")})
