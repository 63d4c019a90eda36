"""The README quotes the numbers of the last `make compare` and `the_proposal` runs: check it quotes them right.

`scripts/readme_headline.py` snapshots the reports' tables into docs/results/headline.json; this test reads the
README's verdict table and its sentences of means and checks each number against that snapshot, rounded as
the README rounds it. Editing one without the other fails here ("one answer everywhere").
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEADLINE = json.loads((ROOT / "docs" / "results" / "headline.json").read_text())
README = " ".join((ROOT / "README.md").read_text().split())   # whitespace folded: sentences wrap anywhere

CLAIM_ROWS = {"more participatory": "participation_rate", "cheaper": "cost_per_capita",
              "more responsive": "responsiveness"}
NUMBER = r"(-?[0-9.]+)"
INTERVAL = rf"{NUMBER} \[{NUMBER}, {NUMBER}\]"


def verdict(batch: str, metric: str, incumbent: str) -> dict:
    """The snapshot's verdict of mutuals against one incumbent on one metric."""
    matches = [row for row in HEADLINE[batch]["verdicts"]
               if row["metric"] == metric and row["incumbent"] == incumbent]
    assert len(matches) == 1, (batch, metric, incumbent)
    return matches[0]


@pytest.mark.parametrize("claim", sorted(CLAIM_ROWS))
def test_verdict_table_quotes_the_compare_report(claim):
    row = re.search(rf"\| {claim} \| (?:probability )?{INTERVAL} \| {INTERVAL} \|", README)
    assert row, f"README has no verdict row for {claim!r}"
    quoted = [float(value) for value in row.groups()]
    for offset, incumbent in ((0, "state"), (3, "privatised")):
        expected = verdict("compare_regimes", CLAIM_ROWS[claim], incumbent)
        assert quoted[offset:offset + 3] == [round(expected[key], 2) for key in ("probability", "low", "high")], \
            (claim, incumbent)


def test_means_sentence_quotes_the_compare_report():
    means = HEADLINE["compare_regimes"]["means"]
    sentence = re.search(
        rf"participation {NUMBER}% of adults under departments, {NUMBER}% under contractors, {NUMBER}% under "
        rf"mutuals; public cost £{NUMBER}, £{NUMBER} and £{NUMBER} per adult a month.*?; responsiveness "
        rf"{NUMBER}, {NUMBER}, {NUMBER}\.", README)
    assert sentence, "README has no sentence of the regimes' means"
    quoted = [float(value) for value in sentence.groups()]
    regimes = ("state", "privatised", "mutual")
    assert quoted[0:3] == [round(100 * means[regime]["participation_rate"], 1) for regime in regimes]
    assert quoted[3:6] == [round(means[regime]["cost_per_capita"]) for regime in regimes]
    assert quoted[6:9] == [round(means[regime]["responsiveness"], 3) for regime in regimes]


def test_proposal_sentence_quotes_its_report():
    proposal = HEADLINE["the_proposal"]
    sentence = re.search(rf"raises participation from {NUMBER}% to {NUMBER}% of adults \(probability {NUMBER};",
                         README)
    assert sentence, "README has no sentence on the proposal's participation"
    quoted = [float(value) for value in sentence.groups()]
    assert quoted == [round(100 * proposal["means"]["state"]["participation_rate"], 1),
                      round(100 * proposal["means"]["mutual"]["participation_rate"], 1),
                      round(verdict("the_proposal", "participation_rate", "state")["probability"], 2)]
    cost = re.search(rf"\((?:\+|−|-)£{NUMBER} a month, probability of being cheaper {NUMBER};", README)
    assert cost, "README has no sentence on the proposal's cost"
    cost_verdict = verdict("the_proposal", "cost_per_capita", "state")
    assert [float(value) for value in cost.groups()] == [round(abs(cost_verdict["mean_difference"]), 2),
                                                         round(cost_verdict["probability"], 2)]
