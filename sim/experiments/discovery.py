"""Scenario discovery: in which regions of parameter space does each regime do best?

At every point of the design (a sample point, or a combination of the other factors) the regimes ran on the same
seeds; the *winner* there is the regime with the best mean outcome on the chosen metric. A shallow decision tree
(scikit-learn's CART) then describes where each regime wins as a few readable rules over the varied parameters
("mutual wins where unit_size <= 750 and participation_cost <= 0.12"). The tree is kept shallow with a minimum
leaf size so the rules stay readable and are not fitted to noise, and its cross-validated accuracy is reported
next to the share of the most common winner, so a reader can see how much the rules explain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..metrics_catalogue import METRICS
from ..parameters import REGISTRY
from .analysis import AnalysisError


@dataclass
class Rule:
    winner: str
    conditions: list[str]
    n: int  # design points in the region
    purity: float  # share of them where the winner does win
    share_of_wins: float  # share of all the winner's wins that fall in this region


@dataclass
class Discovery:
    factor: str
    metric: str
    better: str
    features: list[str]
    winners: pd.DataFrame  # one row per design point: features, winner, margin
    win_counts: dict[str, int]
    rules: list[Rule] = field(default_factory=list)
    accuracy: float = math.nan  # cross-validated
    baseline_accuracy: float = math.nan  # always predicting the most common winner
    importances: dict[str, float] = field(default_factory=dict)

    def to_text(self) -> str:
        """The discovery in a paragraph: how well the tree predicts the winner, and where each level wins."""
        total = sum(self.win_counts.values())
        parts = [f"On **{self.metric}** ({self.better} is better), over {total} design points:"]
        counts = ", ".join(f"{k} wins at {v} ({v / total:.0%})" for k, v in
                           sorted(self.win_counts.items(), key=lambda kv: -kv[1]))
        parts.append(counts + ".")
        if len(self.win_counts) == 1:
            parts.append(f"{next(iter(self.win_counts))} is best everywhere the design looked.")
            return " ".join(parts)
        if not self.rules:
            parts.append("The varied parameters do not separate the winners (no rule beats guessing the most "
                         "common winner).")
            return " ".join(parts)
        parts.append(
            f"A decision tree over {', '.join(self.features)} predicts the winner with cross-validated accuracy "
            f"{self.accuracy:.0%}, against {self.baseline_accuracy:.0%} for always naming the most common winner"
            + ("; the rules below describe real structure." if self.accuracy > self.baseline_accuracy + 0.05
               else "; the rules below add little, so read them as weak tendencies."))
        return " ".join(parts)

    def rules_markdown(self) -> list[str]:
        lines = []
        for r in self.rules:
            where = " and ".join(r.conditions) if r.conditions else "everywhere"
            lines.append(f"- **{r.winner}** wins where {where}: {r.purity:.0%} of the {r.n} points there "
                         f"({r.share_of_wins:.0%} of all its wins).")
        return lines


def winners(table: pd.DataFrame, factor: str, metric: str, features: list[str],
            keys: list[str] | None = None) -> pd.DataFrame:
    """The best level of ``factor`` at each design point (mean over replicates), with its margin over the
    runner-up. A design point is a value of ``keys`` (default: the sample point, else the features)."""
    better = METRICS[metric].better if metric in METRICS else "higher"
    if better == "neither":
        raise AnalysisError(f"{metric} has no better direction; choose a metric where higher or lower is better")
    if keys:
        point_keys = [k for k in keys if k in table.columns and k != factor]
    else:
        point_keys = ["point"] if "point" in table.columns else [f for f in features if f in table.columns]
    if not point_keys:
        point_keys = ["_all"]
        table = table.assign(_all=0)
    means = table.groupby([*point_keys, factor], sort=True)[metric].mean().unstack(factor)
    means = means.dropna(how="any")
    if means.empty:
        raise AnalysisError(f"no design point has a successful run for every level of {factor}")
    sign = 1.0 if better == "higher" else -1.0
    scores = means * sign
    order = np.argsort(-scores.to_numpy(), axis=1)
    cols = np.asarray(means.columns)
    winner = cols[order[:, 0]]
    margin = (np.take_along_axis(scores.to_numpy(), order[:, :1], 1)
              - np.take_along_axis(scores.to_numpy(), order[:, 1:2], 1)).ravel() if means.shape[1] > 1 else 0.0
    feats = table.drop_duplicates(point_keys).set_index(point_keys)[[f for f in features if f in table.columns
                                                                    and f not in point_keys]]
    out = pd.DataFrame({"winner": winner.astype(str), "margin": margin}, index=means.index)
    out = out.join(feats) if len(feats.columns) else out
    return out.reset_index()


def where_each_wins(table: pd.DataFrame, factor: str, metric: str, features: list[str], max_depth: int = 3,
                    min_leaf_share: float = 0.05, seed: int = 0, keys: list[str] | None = None) -> Discovery:
    """Find the regions where each level of ``factor`` is best on ``metric``, described by a decision tree.

    ``keys`` name what identifies a design point (default: the sample point, else the features); the tree
    splits on the numeric and boolean ``features``.
    """
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
    from sklearn.tree import DecisionTreeClassifier

    better = METRICS[metric].better if metric in METRICS else "higher"
    table_of_winners = winners(table, factor, metric, features, keys)
    usable = [f for f in features if f in table_of_winners.columns and f != factor and _numeric(table_of_winners[f])]
    counts = table_of_winners["winner"].value_counts().to_dict()
    result = Discovery(factor, metric, better, usable, table_of_winners, {str(k): int(v) for k, v in counts.items()})
    if len(counts) < 2 or not usable or len(table_of_winners) < 4:
        return result
    X = table_of_winners[usable].astype(float).to_numpy()
    y = table_of_winners["winner"].to_numpy()
    min_leaf = max(2, int(math.ceil(min_leaf_share * len(table_of_winners))))
    result.baseline_accuracy = max(counts.values()) / len(table_of_winners)
    # Depth by cross-validation: the shallowest tree within one point of the best accuracy, so the rules are as
    # simple as the data allow. Stratified folds when every winner has two points or more; plain folds when a
    # winner is rare (it then sits in one fold, which is still an honest estimate).
    depth, scores = max_depth, {}
    stratified = min(5, min(counts.values()))
    cv = (StratifiedKFold(n_splits=stratified, shuffle=True, random_state=seed) if stratified >= 2
          else KFold(n_splits=min(5, len(table_of_winners)), shuffle=True, random_state=seed))
    for d in range(1, max_depth + 1):
        model = DecisionTreeClassifier(max_depth=d, min_samples_leaf=min_leaf, random_state=seed)
        scores[d] = float(cross_val_score(model, X, y, cv=cv).mean())
    best = max(scores.values())
    depth = min(d for d, sc in scores.items() if sc >= best - 0.01)
    result.accuracy = scores[depth]
    tree = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=min_leaf, random_state=seed)
    tree.fit(X, y)
    result.importances = {f: float(v) for f, v in zip(usable, tree.feature_importances_, strict=True) if v > 0}
    result.rules = _rules(tree, usable, X, y)
    return result


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def _rules(tree, features: list[str], X: np.ndarray, y: np.ndarray) -> list[Rule]:
    """The fitted tree's leaves as readable rules: the conditions on the path, the winner and its share."""
    fitted = tree.tree_
    classes = tree.classes_
    leaf_of = tree.apply(X)
    wins_total = {c: int((y == c).sum()) for c in classes}
    rules = []

    def walk(node: int, bounds: dict[int, list[float]]) -> None:
        """Collect the rules below ``node``, carrying the conditions on the path down to it."""
        if fitted.children_left[node] == -1:
            members = leaf_of == node
            n = int(members.sum())
            if n == 0:
                return
            values, counts = np.unique(y[members], return_counts=True)
            k = int(np.argmax(counts))
            winner = str(values[k])
            rules.append(Rule(winner, _describe(bounds, features), n, float(counts[k] / n),
                              float(counts[k] / wins_total[values[k]]) if wins_total[values[k]] else 0.0))
            return
        f, thr = int(fitted.feature[node]), float(fitted.threshold[node])
        lo, hi = bounds.get(f, [-math.inf, math.inf])
        walk(fitted.children_left[node], {**bounds, f: [lo, min(hi, thr)]})
        walk(fitted.children_right[node], {**bounds, f: [max(lo, thr), hi]})

    walk(0, {})
    # For reading: the regime with most wins first, and within a regime its largest regions first.
    rank = {c: -wins_total[c] for c in classes}
    rules.sort(key=lambda r: (rank.get(r.winner, 0), r.winner, -r.n * r.purity))
    return rules


def _describe(bounds: dict[int, list[float]], features: list[str]) -> list[str]:
    """A rule's conditions in words, merging repeated bounds on one parameter into one range."""
    out = []
    for f, (lo, hi) in sorted(bounds.items()):
        name = features[f]
        kind = REGISTRY[name].kind if name in REGISTRY else "float"
        if kind == "bool":
            out.append(f"{name} is {'on' if lo >= 0.5 else 'off'}")
            continue
        fmt = _fmt_int if kind in ("int", "size") else _fmt
        if math.isfinite(lo) and math.isfinite(hi):
            out.append(f"{fmt(lo, up=True)} < {name} <= {fmt(hi)}")
        elif math.isfinite(hi):
            out.append(f"{name} <= {fmt(hi)}")
        elif math.isfinite(lo):
            out.append(f"{name} > {fmt(lo, up=True)}")
    return out


def _fmt(x: float, up: bool = False) -> str:
    return f"{x:.3g}"


def _fmt_int(x: float, up: bool = False) -> str:
    return str(int(math.floor(x)))


def discovery_features(result) -> list[str]:
    """The varied parameters a discovery can split on: sampled ones and numeric or boolean factors."""
    scenario = result.scenario
    out = list(scenario.sampled)
    for factor in scenario.varied:
        if factor in out or factor == scenario.compare:
            continue
        kind = REGISTRY[factor].kind if factor in REGISTRY else None
        if kind in ("float", "int", "bool") or (kind == "size" and _numeric(result.runs[factor])):
            out.append(factor)
    return out


def describe_discovery(d: Discovery) -> dict[str, Any]:
    return {"factor": d.factor, "metric": d.metric, "wins": d.win_counts, "accuracy": d.accuracy,
            "baseline_accuracy": d.baseline_accuracy, "importances": d.importances,
            "rules": [r.__dict__ for r in d.rules]}
