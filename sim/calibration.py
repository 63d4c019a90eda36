"""The default model measured against real figures (``sim/calibration_targets.toml``).

``calibrate()`` runs the default district in each regime a target names (England's services are mostly run by
the state, so most targets are read under ``state``; turnout in member-governed bodies under ``mutual``), on
a few seeds, reads every observable as the mean over the last ``window`` months of a run long enough to be
past its transient, and reports each target's fit: the model's mean and range over seeds, the target with
its tolerance, and whether the mean lies within it.

Observables: any metric of ``sim.metrics_catalogue``, and per sector ``worker_turnover:<sector>`` (annual
share of the sector's workers replaced), ``spending_per_user:<sector>`` and ``spending_per_adult:<sector>``
(public payments to the sector's providers, net of the charges users pay, per user-month or per adult-month),
``users_per_adult:<sector>`` (the sector's users as a share of adults), ``outside_home_share:<sector>`` (the
share of the sector's users, opted-out ones aside, served by a provider other than their home unit's: for
schools, pupils not at their nearest school), ``bypass_better_share:<sector>`` (of those users served outside their
home unit, the share whose provider's quality q_c + q_n is above their home provider's: for schools, bypassers
whose school is better than their nearest); the people's weight on quality (``POPULATION_OBSERVABLES``:
``quality_indifferent_share``, the share of adults whose quality sensitivity is below ``QUALITY_INDIFFERENT_BELOW``
of the average, read as those for whom a school's results are not an important factor, ODD §9 D-E13); and the
run's employee ballots on mutual status
(``BALLOT_OBSERVABLES``: events too rare to read over a window, so every ballot of the run).

A target may name ``settings``: parameters set in the run it is read in (e.g. user choice on, for a fact about
choice), on top of the defaults or the fit's parameters; targets with the same regime and settings share a run.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .metrics_catalogue import METRIC_NAMES

TARGETS_FILE = Path(__file__).with_name("calibration_targets.toml")
TARGET_USES = ("fit", "validate")
SECTOR_OBSERVABLES = ("worker_turnover", "spending_per_user", "spending_per_adult", "users_per_adult",
                      "outside_home_share", "bypass_better_share")
#: Who weighs quality little (ODD §9 D-E13): a person whose quality sensitivity s_i (mean 1) is below this share
#: of the average is counted as one for whom quality is not an important factor in choosing a provider.
QUALITY_INDIFFERENT_BELOW = 0.5
POPULATION_OBSERVABLES = ("quality_indifferent_share",)
#: The conversion ballots of a run (ODD §7.11): median turnout, median yes-share of the ballots that passed, and
#: the share of ballots that failed.
BALLOT_OBSERVABLES = ("ballot_turnout", "ballot_yes_share_passed", "ballot_failure_share")


@dataclass(frozen=True)
class Target:
    """One observed fact the model is calibrated against (``calibration_targets.toml``), with its source."""

    name: str
    observable: str
    regime: str
    value: float
    source: str
    mapping: str
    tolerance: float | None = None
    factor: float | None = None
    use: str = "fit"  # "fit": fitted by `calibrate --fit`; "validate": held out, only checked
    settings: dict[str, Any] = field(default_factory=dict, hash=False)  # parameters set in the run it is read in

    @property
    def run_key(self) -> str:
        """Which run the target is read in: its regime and settings (targets with the same key share a run)."""
        return json.dumps([self.regime, self.settings], sort_keys=True)

    def standardised_error(self, model_value: float) -> float:
        """How far a model value lies from the target in units of its uncertainty (the tolerance, or the
        factor on a log scale): 1 at the edge of the band."""
        if self.factor is not None:
            return float(np.log(model_value / self.value) / np.log(self.factor)) if model_value > 0 else np.inf
        return (model_value - self.value) / self.tolerance

    @property
    def bounds(self) -> tuple[float, float]:
        if self.factor is not None:
            return self.value / self.factor, self.value * self.factor
        return self.value - self.tolerance, self.value + self.tolerance

    @property
    def tolerance_text(self) -> str:
        return f"x/{self.factor:g}" if self.factor is not None else f"±{self.tolerance:g}"


def load_targets(path: str | Path = TARGETS_FILE) -> list[Target]:
    """Read and check the targets file: every target names a known observable, a regime and one tolerance."""
    from .parameters import REGIMES
    from .sectors import SECTOR_NAMES

    with open(path, "rb") as f:
        raw = tomllib.load(f).get("target", [])
    targets = []
    for i, t in enumerate(raw):
        where = f"{path}: target[{i}]"
        missing = [k for k in ("name", "observable", "regime", "value", "source", "mapping") if k not in t]
        if missing:
            raise ValueError(f"{where}: missing {missing[0]!r}")
        if ("tolerance" in t) == ("factor" in t):
            raise ValueError(f"{where}: give exactly one of 'tolerance' (absolute) or 'factor' (ratio)")
        observable = t["observable"]
        kind, _, sector = observable.partition(":")
        if sector:
            if kind not in SECTOR_OBSERVABLES or sector not in SECTOR_NAMES:
                raise ValueError(f"{where}: observable {observable!r} is not one of "
                                 f"{', '.join(SECTOR_OBSERVABLES)} followed by ':<sector>'")
        elif observable not in (*METRIC_NAMES, *BALLOT_OBSERVABLES, *POPULATION_OBSERVABLES):
            raise ValueError(f"{where}: unknown observable {observable!r}; expected a metric, "
                             f"<{'|'.join(SECTOR_OBSERVABLES)}>:<sector> or one of "
                             f"{', '.join((*BALLOT_OBSERVABLES, *POPULATION_OBSERVABLES))}")
        if t.get("use", "fit") not in TARGET_USES:
            raise ValueError(f"{where}: use {t['use']!r} is not one of {', '.join(TARGET_USES)}")
        if t["regime"] not in REGIMES:
            raise ValueError(f"{where}: regime {t['regime']!r} is not one of {', '.join(REGIMES)}")
        _check_settings(where, t.get("settings", {}))
        targets.append(Target(**{k: t[k] for k in Target.__dataclass_fields__ if k in t}))
    return targets


def _check_settings(where: str, settings: Any) -> None:
    """A target's settings are a table of parameters (never the regime, which the target names itself)."""
    from .parameters import ParameterError, validate

    if not isinstance(settings, dict):
        raise ValueError(f"{where}: settings must be a table of parameter = value, not {settings!r}")
    if "regime" in settings:
        raise ValueError(f"{where}: settings: give the regime as the target's 'regime', not as a setting")
    try:
        validate(settings)
    except ParameterError as e:
        raise ValueError(f"{where}: settings: {e}") from None


def read_runs(targets: list[Target] | tuple[Target, ...], seed: int, steps: int, window: int,
              params: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Every observable of each run the targets are read in (one per regime and settings), by run key."""
    runs = {}
    for target in targets:
        if target.run_key not in runs:
            runs[target.run_key] = observe(target.regime, seed, steps, window, {**params, **target.settings})
    return runs


def observe(regime: str, seed: int, steps: int, window: int, params: dict[str, Any]) -> dict[str, float]:
    """Run one model and return every observable, averaged over its last ``window`` months."""
    from .model import MutualStateModel
    from .population import OPT_OUT

    model = MutualStateModel(regime=regime, rng=seed, **params)
    names = model.sector_names
    n_s = len(names)
    quits = np.zeros(n_s)
    staff = np.zeros(n_s)
    paid = np.zeros(n_s)
    users = np.zeros(n_s)
    outside_home = np.zeros(n_s)
    to_better = np.zeros(n_s)
    using = np.zeros(n_s)
    for month in range(steps):
        model.step()
        if month < steps - window:
            continue
        table, workforce = model.providers, model.workforce
        sector_of_worker = table.sector[workforce.row]
        quits += np.bincount(sector_of_worker[workforce.tenure == 1], minlength=n_s)  # hired this month (tenure 0, +1)
        staff += np.bincount(sector_of_worker, minlength=n_s)
        paid += np.bincount(table.sector, weights=table.last_payment - model.guarantor.last_charges, minlength=n_s)
        users += [u.m for u in model.users]
        quality = table.q_c + table.q_n
        for s, sector_users in enumerate(model.users):
            served = sector_users.stance != OPT_OUT
            home = model.structure.home_row[s][sector_users.unit[served]]
            bypassing, better = bypass_counts(sector_users.provider[served], home, quality)
            outside_home[s] += bypassing
            to_better[s] += better
            using[s] += np.count_nonzero(served)
    frame = model.datacollector.get_model_vars_dataframe()
    out = {m: float(frame[m].iloc[-window:].mean()) for m in METRIC_NAMES}
    adults = model.population.n * window
    for s, name in enumerate(names):
        out[f"worker_turnover:{name}"] = 12.0 * quits[s] / staff[s] if staff[s] else float("nan")
        out[f"spending_per_user:{name}"] = paid[s] / users[s] if users[s] else float("nan")
        out[f"spending_per_adult:{name}"] = paid[s] / adults
        out[f"users_per_adult:{name}"] = users[s] / adults
        out[f"outside_home_share:{name}"] = outside_home[s] / using[s] if using[s] else float("nan")
        out[f"bypass_better_share:{name}"] = to_better[s] / outside_home[s] if outside_home[s] else float("nan")
    out["quality_indifferent_share"] = quality_indifferent_share(model.population.quality_sensitivity)
    out.update(ballot_observables(model.ballots_frame()))
    return out


def quality_indifferent_share(quality_sensitivity: np.ndarray) -> float:
    """The share of people whose quality sensitivity is below ``QUALITY_INDIFFERENT_BELOW`` of the average
    user's (1): those for whom quality is not an important factor (ODD §9 D-E13). 0 where everyone weighs
    quality alike (``quality_sensitivity_spread = 0``)."""
    return float(np.mean(np.asarray(quality_sensitivity) < QUALITY_INDIFFERENT_BELOW))


def bypass_counts(provider: np.ndarray, home: np.ndarray, quality: np.ndarray) -> tuple[int, int]:
    """Of users served by ``provider`` whose home unit's provider is ``home`` (rows of the provider table), how
    many are served outside home (they bypass their nearest provider), and how many of those by a provider of
    higher quality than their home one (``quality``: q_c + q_n by row)."""
    outside = provider != home
    return int(np.count_nonzero(outside)), int(np.count_nonzero(quality[provider[outside]] > quality[home[outside]]))


def ballot_observables(ballots: pd.DataFrame) -> dict[str, float]:
    """The ballot record of a run, as the housing stock transfer record is summarised: median turnout, median
    yes-share where the ballot passed, share of ballots failed (NaN where there was none to read)."""
    if ballots.empty:
        return dict.fromkeys(BALLOT_OBSERVABLES, float("nan"))
    passed = ballots["passed"].astype(bool)
    return {"ballot_turnout": float(ballots["turnout"].median()),
            "ballot_yes_share_passed": float(ballots.loc[passed, "yes_share"].median()) if passed.any() else float("nan"),
            "ballot_failure_share": float(1.0 - passed.mean())}


def calibrate(seeds: int = 3, steps: int = 240, window: int = 60, targets: list[Target] | None = None,
              **params: Any) -> pd.DataFrame:
    """Measure the model (defaults, unless ``params`` override them) against every target.

    Returns one row per target: name, observable, regime, model (mean over seeds), model_low/model_high (range
    over seeds), target, low/high (the tolerance band), fits (model mean within the band), source."""
    targets = load_targets() if targets is None else targets
    if window > steps:
        raise ValueError(f"window: {window} months is longer than the run ({steps} months)")
    runs = [read_runs(targets, seed, steps, window, params) for seed in range(seeds)]
    rows = []
    for t in targets:
        values = np.array([r[t.run_key].get(t.observable, np.nan) for r in runs])
        if np.all(np.isnan(values)):
            raise ValueError(f"target {t.name!r}: observable {t.observable!r} is not measured by this model "
                             f"(is its sector modelled?)")
        low, high = t.bounds
        mean = float(np.nanmean(values))
        rows.append({"target": t.name, "observable": t.observable, "regime": t.regime, "model": mean,
                     "model_low": float(np.nanmin(values)), "model_high": float(np.nanmax(values)),
                     "value": t.value, "tolerance": t.tolerance_text, "low": low, "high": high,
                     "fits": bool(low <= mean <= high), "use": t.use, "source": t.source, "mapping": t.mapping})
    return pd.DataFrame(rows)


def format_fit(table: pd.DataFrame) -> str:
    """The fit table in plain text, one line per target, then the count of targets met."""
    lines = [f"{'target':<48} {'regime':<7} {'model (range over seeds)':<28} {'real':>9} {'tolerance':>9}  fit"]
    for r in table.itertuples():
        model = f"{r.model:.3g} ({r.model_low:.3g}-{r.model_high:.3g})"
        lines.append(f"{r.target[:48]:<48} {r.regime:<7} {model:<28} {r.value:>9.3g} {r.tolerance:>9}  "
                     f"{'ok' if r.fits else 'MISS'}")
    lines.append(f"\n{int(table['fits'].sum())} of {len(table)} targets met. Sources and how each maps to the "
                 f"model: {TARGETS_FILE.name}.")
    return "\n".join(lines)


__all__ = ["Target", "load_targets", "calibrate", "format_fit", "TARGETS_FILE"]
