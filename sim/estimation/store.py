"""The posterior store: a fit's generations as Parquet files with a checksummed manifest, like batch results.

Layout of a fit's folder::

    manifest.json                 the fit's settings (parameters, priors, targets, run length, population,
                                  seed), provenance, status, one record per finished generation (epsilon,
                                  evaluations, acceptance rate, effective sample size) and the SHA-256 of every
                                  data file
    generations.parquet           the per-generation records as a table
    particles/gen-000003.parquet  one row per particle of generation 3: its parameters, weight, distance and the
                                  fitting targets' simulated values
    pyabc.db                      pyabc's working database, from which an interrupted fit resumes

A generation's file is written once, atomically, before the manifest that lists it; a reader checks every
listed file's checksum. A fit resumes generation by generation: its finished generations are kept and the
interrupted one is run again from its seeds, so the posterior is the one an uninterrupted fit gives.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..experiments.provenance import environment, git_state, model_fingerprint, package_version
from ..experiments.reading import ResultsError
from ..experiments.store import atomic_write_json, atomic_write_parquet, now
from ..parameters import POSTERIOR_FOLDER, POSTERIOR_SUMMARY

MANIFEST = "manifest.json"
GENERATIONS = "generations.parquet"
PARTICLES = "particles"
DATABASE = "pyabc.db"
FORMAT = "mutual-state posterior"
FORMAT_VERSION = 1


class PosteriorError(ResultsError):
    """A fit's folder cannot be used as asked (another fit's, locked, missing, damaged)."""


def particles_name(generation: int) -> str:
    return f"{PARTICLES}/gen-{generation:06d}.parquet"


@dataclass
class Posterior:
    """A fit read back: its manifest, every generation's particles and the per-generation records."""

    manifest: dict[str, Any]
    particles: pd.DataFrame  # generation, particle, <parameters>, weight, distance, sim:<target>
    generations: pd.DataFrame
    path: Path

    @property
    def parameters(self) -> list[str]:
        return list(self.manifest["settings"]["parameters"])

    @property
    def final(self) -> pd.DataFrame:
        """The last generation's particles: the posterior."""
        last = self.particles["generation"].max()
        return self.particles[self.particles["generation"] == last].reset_index(drop=True)

    @property
    def complete(self) -> bool:
        return self.manifest.get("status") == "complete"

    def draws(self, n: int | None = None, seed: int = 0) -> pd.DataFrame:
        """``n`` parameter draws from the posterior (resampled by weight; all particles if n is None)."""
        final = self.final
        if n is None:
            n = len(final)
        weights = final["weight"].to_numpy(dtype=float)
        picks = np.random.default_rng(seed).choice(len(final), size=int(n), replace=True, p=weights / weights.sum())
        return final.loc[picks, self.parameters].reset_index(drop=True)

    def credible_interval(self, name: str, mass: float = 0.9) -> tuple[float, float]:
        """The central interval holding ``mass`` of the posterior weight of parameter ``name``."""
        final = self.final
        return tuple(weighted_quantiles(final[name].to_numpy(), final["weight"].to_numpy(),
                                        [(1 - mass) / 2, (1 + mass) / 2]))

    def median(self, name: str) -> float:
        final = self.final
        return float(weighted_quantiles(final[name].to_numpy(), final["weight"].to_numpy(), [0.5])[0])


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles: list[float]) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its weighted empirical distribution, interpolated)."""
    order = np.argsort(values)
    values, weights = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return np.interp(quantiles, cumulative, values)


class PosteriorStore:
    """Writes a fit's folder: opened with the fit's settings, it refuses another fit's folder (unless
    ``fresh``), keeps one writer at a time, and commits each finished generation with its checksum."""

    def __init__(self, path: str | Path, settings: dict[str, Any], fresh: bool = False):
        """Open (or start) the folder for this fit: lock it, and refuse a folder of another fit unless fresh."""
        self.path = Path(path)
        self.settings = json.loads(json.dumps(settings, default=_plain))
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(self.path / ".lock", "a+")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_file.close()
            raise PosteriorError(f"{self.path}: another fit is writing to this folder") from None
        manifest = _read_json(self.path / MANIFEST)
        if manifest and fresh:
            self._wipe(manifest)
            manifest = {}
        # A fit may be continued with more generations: every other setting must be the same.
        stored = manifest.get("settings", {})
        changed = sorted(k for k in {**stored, **self.settings}
                         if k != "generations" and stored.get(k) != self.settings.get(k))
        if manifest and changed:
            self.close()
            raise PosteriorError(f"{self.path}: holds a fit with other settings ({', '.join(changed)}); use "
                                 f"--fresh to replace it or another folder")
        if manifest:
            manifest["settings"] = self.settings
        if not manifest and (self.path / DATABASE).exists():
            (self.path / DATABASE).unlink()  # a fit interrupted before its first generation was committed
        self.manifest = manifest or {
            "format": FORMAT, "format_version": FORMAT_VERSION, "created": now(), "settings": self.settings,
            "provenance": {"package": package_version(), "model_code": model_fingerprint(), "git": git_state(),
                           "environment": {**environment(), "pyabc": _version("pyabc")}},
            "status": "running", "generations": [], "checksums": {},
        }

    @property
    def database(self) -> Path:
        return self.path / DATABASE

    @property
    def finished_generations(self) -> int:
        return len(self.manifest["generations"])

    def add_generation(self, record: dict[str, Any], particles: pd.DataFrame) -> None:
        """Commit one finished generation: its particles' file, then the manifest that lists it."""
        (self.path / PARTICLES).mkdir(exist_ok=True)
        name = particles_name(record["generation"])
        self.manifest["checksums"][name] = atomic_write_parquet(self.path / name, particles)
        self.manifest["generations"].append(record)
        self.manifest["checksums"][GENERATIONS] = atomic_write_parquet(
            self.path / GENERATIONS, pd.DataFrame(self.manifest["generations"]))
        self._write_manifest()

    def finish(self, status: str = "complete") -> None:
        self.manifest["status"] = status
        self._write_manifest()

    def _write_manifest(self) -> None:
        self.manifest["updated"] = now()
        atomic_write_json(self.path / MANIFEST, self.manifest)

    def _wipe(self, manifest: dict[str, Any]) -> None:
        """Delete exactly the files of the previous fit (those its manifest lists, and pyabc's database)."""
        for name in [*manifest.get("checksums", {}), DATABASE, MANIFEST]:
            if _is_fit_file(name):
                with contextlib.suppress(FileNotFoundError):
                    (self.path / name).unlink()

    def close(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def __enter__(self) -> PosteriorStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _is_fit_file(name: Any) -> bool:
    if not isinstance(name, str):
        return False
    folder, _, base = name.partition("/")
    return name in (MANIFEST, GENERATIONS, DATABASE) or (folder == PARTICLES and base.startswith("gen-")
                                                          and "/" not in base and base.endswith(".parquet"))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise PosteriorError(f"{path}: cannot be read ({e})") from None


def _version(distribution: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def _plain(o: Any) -> Any:
    if isinstance(o, tuple):
        return list(o)
    if hasattr(o, "item"):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


#: A scenario's or ``sim.posterior``'s name for the shipped posterior (``sim/data/posterior``, ODD §9 D-E6).
SHIPPED = "shipped"


def posterior_folder(path: str | Path | None = None) -> Path:
    """The folder of a fit: ``path``, or the shipped posterior for None or ``"shipped"``."""
    return POSTERIOR_FOLDER if path is None or str(path) == SHIPPED else Path(path)


def read_posterior(path: str | Path | None = None) -> Posterior:
    """Read a fit's folder (default: the shipped posterior), checking every listed file against its checksum."""
    path = posterior_folder(path)
    manifest = _read_json(path / MANIFEST)
    if manifest.get("format") != FORMAT:
        raise PosteriorError(f"{path}: no fit here (no {MANIFEST} written by `mutual-state calibrate --fit`)")
    frames = {}
    for name, record in manifest["checksums"].items():
        if not _is_fit_file(name):
            raise PosteriorError(f"{path}: the manifest lists {name!r}, which is not a fit's file")
        try:
            data = (path / name).read_bytes()
        except FileNotFoundError:
            raise PosteriorError(f"{path}: {name} is missing") from None
        if hashlib.sha256(data).hexdigest() != record["sha256"] or len(data) != record["bytes"]:
            raise PosteriorError(f"{path}: {name} was altered or truncated (its checksum differs from the one "
                                 f"recorded when it was written); run the fit again with --fresh")
        frames[name] = pd.read_parquet(io.BytesIO(data))
    parts = [frames[particles_name(g["generation"])] for g in manifest["generations"]]
    if not parts:
        raise PosteriorError(f"{path}: the fit has no finished generation yet")
    return Posterior(manifest, pd.concat(parts, ignore_index=True), frames[GENERATIONS], path)


def posterior(path: str | Path | None = None, draws: int | None = None, seed: int = 0) -> pd.DataFrame:
    """Parameter draws from the fit in ``path`` (default: the shipped posterior, whose medians are the estimated
    parameters' defaults): one row per draw, a column per estimated parameter.

    ``draws`` resamples that many by the particles' weights (seeded by ``seed``); by default, as many draws as
    the last generation has particles."""
    return read_posterior(path).draws(draws, seed)


def ship_posterior(source: str | Path, folder: str | Path = POSTERIOR_FOLDER) -> Path:
    """Copy a finished fit into ``folder`` (default: the package's, whose medians become the defaults of the
    estimated parameters at the next import, ODD §9 D-E6): the manifest and the files it lists (not pyabc's
    working database), the predictive check's table and figure where the fit has them, and ``summary.json`` with each
    parameter's median and 90% credible interval. Return the folder."""
    fit = read_posterior(source)
    if not fit.complete:
        raise PosteriorError(f"{fit.path}: the fit is not finished; only a finished fit can be shipped")
    folder = Path(folder)
    if folder.exists():
        manifest = _read_json(folder / MANIFEST)
        if any(p.is_file() for p in folder.rglob("*")) and manifest.get("format") != FORMAT:
            raise PosteriorError(f"{folder}: holds files that are not a fit's; ship into an empty folder")
        shutil.rmtree(folder)
    (folder / PARTICLES).mkdir(parents=True)
    for name in [MANIFEST, *fit.manifest["checksums"]]:
        shutil.copy2(fit.path / name, folder / name)
    for check in ("predictive_check.csv", "predictive_check.png"):  # calibrate --fit's table and figure
        if (fit.path / check).exists():
            shutil.copy2(fit.path / check, folder / check)
    summary = {"source": "mutual-state calibrate --fit", "mass": 0.9, "parameters": {}}
    for name in fit.parameters:
        low, high = fit.credible_interval(name, 0.9)
        summary["parameters"][name] = {"median": fit.median(name), "low": float(low), "high": float(high),
                                       "prior": fit.manifest["settings"]["priors"][name]}
    atomic_write_json(folder / POSTERIOR_SUMMARY, summary)
    read_posterior(folder)  # every copied file against its checksum
    return folder
