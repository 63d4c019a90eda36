"""Provider kinds carry their behaviour: every difference between kinds is an attribute or hook of the kind
class in sim/providers/ (ODD §2.4), and no module outside it branches on a kind."""

from __future__ import annotations

import re
from pathlib import Path

import sim
from sim.providers import KINDS, Provider

SIM = Path(sim.__file__).parent
# Views and counts by kind may name a kind; behaviour may not.
VIEWS = {"metrics.py", "report.py", "plots.py", "analysis.py"}
KIND_CONSTANT = re.compile(r"\b(STATE|CONTRACTOR|MUTUAL)\b|(providers|\bt)\.kind\s*[!=]=\s*\d"
                           r"|[!=]=\s*[\"'](state|contractor|mutual)[\"']|isinstance\([^)]*(StateDepartment|Contractor|Mutual)\b")


def test_no_module_outside_providers_branches_on_a_kind():
    offenders = []
    for path in SIM.rglob("*.py"):
        rel = path.relative_to(SIM)
        if rel.parts[0] == "providers" or rel.name in VIEWS:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if KIND_CONSTANT.search(line):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "kind branches outside sim/providers/:\n" + "\n".join(offenders)


def test_every_kind_attribute_is_declared_on_the_base_with_a_neutral_default():
    declared = {name for name, value in vars(Provider).items() if isinstance(value, bool)}
    assert {"members_own_it", "treasury_covers_deficit", "may_be_insolvent", "self_audits", "holds_contract",
            "convertible", "eligible_for_quality_mark", "takes_community_investment", "may_demutualise",
            "listens_to_voice"} <= declared
    for cls in KINDS.values():
        extra = {n for n, v in vars(cls).items() if isinstance(v, bool)} - declared
        assert not extra, f"{cls.__name__} declares kind attributes the base does not: {extra}"
