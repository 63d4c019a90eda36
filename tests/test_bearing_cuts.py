"""The report's "Bearing cuts" (sim/experiments/cuts.py): which regime holds quality best as the budget falls."""

import numpy as np
import pandas as pd

from sim.experiments import cuts


def losses_table(mutual_loss: float, others_loss: float = 0.10, replicates: int = 8) -> pd.DataFrame:
    """Outcomes of a regime x budget design: quality falls by each regime's loss on the cut path, with noise
    shared by the pairs (common random numbers)."""
    rng = np.random.default_rng(0)
    rows = []
    for replicate in range(replicates):
        level = 1.0 + rng.normal(0, 0.05)
        for regime in ("state", "privatised", "mutual"):
            loss = mutual_loss if regime == "mutual" else others_loss
            for change, lost in ((0.0, 0.0), (-0.04, loss + rng.normal(0, 0.005))):
                rows.append({"regime": regime, "replicate": replicate, "budget_real_change": change,
                             "quality_noncontractible": level - lost, "cost_per_capita": 100.0 + 400 * change})
    return pd.DataFrame(rows)


def test_the_regime_that_loses_least_is_named_and_its_advantage_called_clear(tmp_path):
    table = losses_table(mutual_loss=0.02)
    lines = "\n".join(cuts.cuts_section(table, ["budget_real_change", "regime"],
                                        ["quality_noncontractible", "cost_per_capita"], tmp_path))
    assert "the smallest loss is **mutual**'s" in lines
    assert "mutual's loss is clearly smaller" in lines and "mutual holds quality clearly better" in lines
    assert "cost_per_capita" not in lines  # cost is not quality
    assert (tmp_path / "bearing_cuts.csv").exists()


def test_equal_losses_give_no_clear_winner(tmp_path):
    """The twin: the same loss in every regime, and the section says no regime holds quality clearly better."""
    table = losses_table(mutual_loss=0.10)
    lines = "\n".join(cuts.cuts_section(table, ["budget_real_change", "regime"], ["quality_noncontractible"], tmp_path))
    assert "No regime holds quality clearly better" in lines and "clearly smaller" not in lines


def test_the_section_applies_only_to_a_regime_by_budget_design():
    table = losses_table(mutual_loss=0.02)
    assert cuts.applies(table, ["budget_real_change", "regime"])
    assert not cuts.applies(table, ["regime"])
    assert not cuts.applies(table[table["budget_real_change"] == 0.0], ["budget_real_change", "regime"])


def test_each_budget_rule_gets_its_own_verdict_and_more_refused_is_a_loss(tmp_path):
    """D-K2: a batch that varies the budget rule is read once per rule, and a metric where lower is better (users
    refused) counts a rise as a loss: the regime whose refusals rise least holds it best."""
    rng = np.random.default_rng(1)
    rows = []
    for rule in ("pro_rata_cut", "ration_by_need"):
        for replicate in range(8):
            for regime in ("state", "privatised", "mutual"):
                rise = 0.05 if regime == "mutual" else 0.20
                for change, refused in ((0.0, 0.0), (-0.04, rise + rng.normal(0, 0.005))):
                    rows.append({"budget_rule": rule, "regime": regime, "replicate": replicate,
                                 "budget_real_change": change, "quality_noncontractible": 1.0 + rng.normal(0, 0.01),
                                 "refused_share": refused if rule == "ration_by_need" else 0.0})
    lines = "\n".join(cuts.cuts_section(pd.DataFrame(rows), ["budget_real_change", "budget_rule", "regime"],
                                        ["quality_noncontractible", "refused_share"], tmp_path))
    assert "### When the formula exceeds the budget: pro_rata_cut" in lines
    rationing = lines.split("### When the formula exceeds the budget: ration_by_need")[1]
    assert "**refused_share**: the smallest loss is **mutual**'s" in rationing
    assert "refused_share" not in lines.split("ration_by_need")[0]  # a rule that refuses nobody is not judged on it
