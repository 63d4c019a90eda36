"""The results of a batch: the tables of its runs and their time series, and how they are read back from disk.

``BatchResult`` is what ``run_batch`` returns and ``load_results`` reads; its shortcuts (``summary``,
``compare``, ...) call the analysis functions of ``sim.experiments.analysis``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..arguments import path as path_argument
from ..metrics_catalogue import METRIC_NAMES
from .designs import build_design
from .schema import Scenario, ScenarioError, scenario_from_dict
from .store import ResultsError, read_snapshot


@dataclass
class BatchResult:
    """The results of a batch: ``runs`` (one row per run, final metrics) and ``timeseries`` (run x step)."""

    scenario: Scenario
    runs: pd.DataFrame
    timeseries: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def failures(self) -> pd.DataFrame:
        if "status" not in self.runs:
            return self.runs
        return self.runs[self.runs["status"] != "ok"]

    @property
    def ok(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "ok"]

    @property
    def complete(self) -> bool:
        return len(self.ok) == self.scenario.replicates * len(build_design(self.scenario))

    # Shortcuts for notebooks; the functions live in sim.experiments.analysis, imported when first used
    # because it loads SciPy's statistics (about 1.5 s), which `import sim` should not pay for.
    def outcomes(self, window: int | None = None, metrics: list[str] | None = None) -> pd.DataFrame:
        """One row per successful run: ids, varied parameters, and each metric's mean over its last months."""
        from .analysis import outcomes

        return outcomes(self, window, metrics)

    def summary(self, by: list[str] | None = None, metrics: list[str] | None = None,
                window: int | None = None) -> pd.DataFrame:
        """Mean, s.d. and 95% CI of each metric per condition (default: per value of the varied factors)."""
        from .analysis import summarise

        table = self.outcomes(window, metrics)
        by = by if by is not None else [c for c in self.scenario.varied
                                        if c not in self.scenario.sampled and c in table.columns]
        return summarise(table, by, [m for m in (metrics or METRIC_NAMES) if m in table.columns])

    def timeseries_summary(self, by: list[str] | None = None, metrics: list[str] | None = None) -> pd.DataFrame:
        """Mean and 95% CI band of each metric per month and condition (default: per value of the varied
        factors), over replicates: what the time-series figures draw."""
        from .analysis import timeseries_summary

        ts = self.timeseries
        by = by if by is not None else [c for c in self.scenario.varied
                                        if c not in self.scenario.sampled and c in ts.columns]
        return timeseries_summary(ts, by, [m for m in (metrics or METRIC_NAMES) if m in ts.columns])

    def compare(self, factor: str | None = None, baseline: Any = None, metrics: list[str] | None = None,
                window: int | None = None) -> pd.DataFrame:
        """Paired comparisons of each level of ``factor`` (default: the scenario's) with ``baseline``, on common
        random numbers, within each combination of the other factors."""
        from .analysis import AnalysisError, paired_comparisons

        factor = factor or self.scenario.compare
        if factor is None:
            raise AnalysisError("the design varies no factor to compare; name one")
        table = self.outcomes(window, metrics)
        blocks = [c for c in self.scenario.varied if c not in self.scenario.sampled and c != factor]
        ms = [m for m in (metrics or METRIC_NAMES) if m in table.columns]
        return paired_comparisons(table, factor, ms, baseline=baseline, blocks=blocks)


def load_results(path: str | Path) -> BatchResult:
    """Read a results folder written by :func:`run_batch` (complete, or interrupted: what was saved).

    What is read is verified: every data file against the checksum recorded when it was written, and every
    finished run for its whole time series; damage raises :class:`~sim.experiments.store.DamagedResults`
    naming the files. Safe to call while a batch writes to the folder (a consistent snapshot is read).
    """
    path = path_argument("path", path)
    if not path.is_dir():
        raise ResultsError(f"{path}: no such folder; expected a results folder written by a batch")
    manifest, runs, timeseries = read_snapshot(path)
    try:
        scenario = scenario_from_dict(manifest["scenario"], f"{path / 'manifest.json'}: scenario")
    except ScenarioError as e:
        raise ResultsError(str(e)) from None
    return BatchResult(scenario, runs, timeseries, manifest, path)


def batch_plan_words(scenario: Scenario, planned: int, out: Path, label: str, fresh: bool) -> str:
    """What a batch is about to do, for its first line: its runs, and where a folder resumes, how many are left
    to run (a resumed batch whose runs all finished runs none, and says so)."""
    done = 0 if fresh else finished_runs(out, scenario)
    if done >= planned:
        return f"{scenario.name}: all {planned} runs already finished in {out}/; nothing to run"
    if done:
        return (f"{scenario.name}: resuming, {planned - done} of {planned} runs to run on {label}; results in "
                f"{out}/")
    return f"{scenario.name}: {planned} runs on {label}; results in {out}/"


def finished_runs(out: Path, scenario: Scenario) -> int:
    """How many of this scenario's runs a results folder already holds, read as a batch reads them (0 when it
    holds another scenario or version, or runs of other model code, which a batch would not resume)."""
    from .provenance import model_fingerprint
    from .reading import read_manifest_file

    if not (out / "manifest.json").exists():
        return 0
    try:
        manifest = read_manifest_file(out, require_current=False)
        if manifest.get("fingerprint") != scenario.fingerprint() or manifest.get("model_code") != model_fingerprint():
            return 0
        return len(load_results(out).ok)
    except Exception:  # an unreadable folder: the batch itself says what is wrong with it
        return 0
