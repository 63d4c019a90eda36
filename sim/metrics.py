"""The model reporters: computed once a step from the arrays, read by Mesa's DataCollector.

Definitions are in ``metrics_catalogue.py`` (names, units, ranges) and in ``docs/ODD.md`` §8.
"""

from __future__ import annotations

from functools import partial
from weakref import WeakKeyDictionary

import numpy as np
from mesa import DataCollector

from .kernels.metric_sums import add_sector_measures, volunteer_cost
from .kernels.row_metrics import row_and_people_sums
from .metrics_catalogue import METRIC_NAMES
from .population import CONTRIBUTE, OPT_OUT
from .providers import MUTUAL
from .public_cost import COMPONENT_METRICS
from .submodels import participation
from .submodels.participation import FORM_BITS
from .submodels.rationing import RATIONING_RULES, stance_served, unserved_share

# value_for_money divides by the public cost per adult, floored at £1/adult-month so that a month without public
# money (funding off, or the treasury receiving more from providers than it pays) has a value (ODD §8).
VFM_COST_FLOOR = 1.0

# each population's participation bits by person, zero between months (``count_people`` clears them as it counts):
# a byte an adult allocated once rather than every month (ODD §9 D-F59)
PERSON_BITS: WeakKeyDictionary = WeakKeyDictionary()
# each model's per-slot sums of the month, added up by efficacy learning's pass (``begin_month``, ODD §9 D-F95)
MONTH_SUMS: WeakKeyDictionary = WeakKeyDictionary()


class MonthSums:
    """The metrics' per-slot sums of a month, added up in the month's last pass over the slots (efficacy
    learning's, ``participation.learn_efficacy``) rather than a pass of the metrics' own (ODD §9 D-F95): each
    sector's four sums (satisfaction, every slot's mismatch, active users', contributors' personal cost; None
    for a sector without slots), satisfaction and users by quintile, the people's participation bits and the
    slots by stance, as ``add_sector_measures`` adds them. ``measure`` reads them if they are this month's."""

    def __init__(self, month: int, n_sectors: int, person_bits: np.ndarray):
        self.month = month
        self.sectors: list = [None] * n_sectors
        self.satisfaction_by_quintile, self.users_by_quintile = np.zeros(5), np.zeros(5)
        self.person_bits = person_bits
        self.stance_counts = np.zeros(3, dtype=np.int64)


def person_bits_of(pop) -> np.ndarray:
    """The population's buffer of participation bits (all zeros between months, ``PERSON_BITS``)."""
    person_bits = PERSON_BITS.get(pop)
    if person_bits is None or person_bits.size != pop.n:
        person_bits = PERSON_BITS[pop] = np.zeros(pop.n, dtype=np.uint8)
    return person_bits


def begin_month(model) -> MonthSums:
    """Buffers for this month's per-slot sums, to be added up by efficacy learning's pass and read by ``measure``
    at the month's end (ODD §9 D-F95). Only outside a fiscal year's end: between the pass and the metrics
    nothing the sums read changes then (production, work, payments, deficits and insolvency change no slot, no
    delivered design and no civic resources); a fiscal year's end changes civic resources and may re-let rows, so
    its sums are added up by its last pass, trust's (``year_end_sums``, ODD §9 D-F180)."""
    sums = MONTH_SUMS[model] = MonthSums(model.month, len(model.users), person_bits_of(model.population))
    return sums


def year_end_sums(model) -> MonthSums:
    """Buffers for a fiscal year's end's per-slot sums, to be added up by trust's pass (``trust.update_trust``, the
    fiscal year's last change; ODD §9 D-F180) and read by ``measure``: after trust nothing the sums read changes
    (taxes, the books and the public cost change no slot, no delivered design and no civic resources). The
    people's participation bits are cleared first, as ``slot_sums`` clears them."""
    person_bits = person_bits_of(model.population)
    person_bits[:] = 0
    sums = MONTH_SUMS[model] = MonthSums(model.month, len(model.users), person_bits)
    return sums


def read_metric(model, name: str) -> float:
    """DataCollector reporter (module-level so that models pickle for process pools)."""
    return model.current_metrics[name]


class MetricsCollector(DataCollector):
    """Mesa's DataCollector with a reporter per metric (``read_metric``), collecting the month's metrics as
    ``measure`` computed them: every value is a Python float, so the deep copy Mesa makes of each reporter's
    value (against later changes to a mutable one) is skipped; the table is the one Mesa's ``collect`` builds."""

    def __init__(self):
        super().__init__(model_reporters={name: partial(read_metric, name=name) for name in METRIC_NAMES})

    def collect(self, model) -> None:
        month = model.current_metrics
        for name, values in self.model_vars.items():
            values.append(month[name])


def measure(model) -> dict[str, float]:
    """All reporters at once. Quality and provider-kind shares come from the per-row user counts of this
    month (``ProviderTable.users``); mismatch, satisfaction and volunteers' time need one pass over each
    sector's slots, with participation by form: efficacy learning's pass this month (``begin_month``, ODD §9
    D-F95), trust's at a fiscal year's end (``year_end_sums``, D-F180) or else one of their own (``slot_sums``); the
    counts over people one pass each in one call
    (``count_people``). The rest is Python floats, each computed as NumPy computed it before (ODD §9 D-F54)."""
    pop, table, params = model.population, model.providers, model.params
    n = pop.n
    qc_sum, qn_sum = float(table.q_c @ table.users), float(table.q_n @ table.users)
    sat_sum = sat_n = mis_sum = gap_sum = volunteer_value = 0.0
    value_of_time = params["value_of_time"]
    sums = MONTH_SUMS.pop(model, None)
    if sums is None or sums.month != model.month:  # no pass of this month added them up: the metrics' own pass
        sums = slot_sums(model)
    sat_q, sat_qn, person_bits, stance_counts = (sums.satisfaction_by_quintile, sums.users_by_quintile,
                                                 sums.person_bits, sums.stance_counts)
    for users, sector_sums in zip(model.users, sums.sectors, strict=True):
        if users.m == 0:
            continue
        satisfaction, gap, gap_active, volunteer_cost = sector_sums
        sat_sum += satisfaction
        sat_n += users.m
        mis_sum += gap_active  # |x - d| of active users this month's service sees (rationed: served only), ODD §8
        gap_sum += gap
        volunteer_value += volunteer_cost * value_of_time
    # the rows' active users, the mutuals' users and capital, the workers' morale summed, and (clearing the bits)
    # the holders of each form, who took part in the last 12 months by quintile and the failed services, in one
    # call (ODD §9 D-F191)
    (act_n, mutual_n, mutual_capital, morale_sum, holders, took_part, failed) = row_and_people_sums(
        table.users, table.capital, table.kind, MUTUAL, model.workforce.morale, person_bits, FORM_BITS,
        pop.last_participation, model.month - 12, pop.deprivation, 5, table.last_failure, model.month - 12)
    took_part = took_part.tolist()
    most_deprived, least_deprived = int(model.quintile_sizes[0]), int(model.quintile_sizes[4])  # people a quintile

    public = model.public_cost.total() / n  # accruals basis; taxes (model.public_spending) follow the cash
    investors, to_providers, charges, social_finance, interest = ledger_flows(model.ledger)
    private = (investors + to_providers + charges) / n
    mean_quality = (qc_sum + qn_sum) / act_n if act_n else 0.0
    sat_q0, sat_q4 = float(sat_q[0]), float(sat_q[4])
    sat_qn0, sat_qn4 = float(sat_qn[0]), float(sat_qn[4])
    workers = model.workforce.n
    quits = model.workforce.quits_this_month
    rule = params["budget_rule"]
    unserved = unserved_share(model.users) if rule in RATIONING_RULES else 0.0  # a pass over the slots otherwise idle
    guarantor = model.guarantor
    metrics = {
        "participation_rate": float(sum(took_part)) / n if n else 0.0,
        "participation_gap": took_part[0] / max(most_deprived, 1) - took_part[4] / max(least_deprived, 1),
        "satisfaction": sat_sum / sat_n if sat_n else 0.0,
        "responsiveness": 1.0 - gap_sum / sat_n if sat_n else 0.0,
        "static_fit": 1.0 - mis_sum / act_n if act_n else 0.0,
        "quality_contractible": qc_sum / act_n if act_n else 0.0,
        "quality_noncontractible": qn_sum / act_n if act_n else 0.0,
        "cost_per_capita": public,
        "total_cost_per_capita": public + private + volunteer_value / n,
        "value_for_money": 100.0 * mean_quality / max(public, VFM_COST_FLOOR),
        "worker_morale": morale_sum / workers if workers else 0.0,
        "worker_turnover": 12.0 * quits / workers if workers else 0.0,
        "provider_failures": float(failed),  # ``GuarantorState.services_failed_last_year``
        "mutual_share": mutual_n / act_n if act_n else 0.0,
        "conversions": float(guarantor.conversions),
        "demutualisations": float(guarantor.demutualisations),
        "social_investment_per_capita": mutual_capital / n,
        "social_finance_per_capita": social_finance / n,
        "social_finance_interest_per_capita": interest / n,
        "satisfaction_gap": ((sat_q0 / sat_qn0 if sat_qn0 > 0 else 0.0)
                             - (sat_q4 / sat_qn4 if sat_qn4 > 0 else 0.0)),
        "budget_cut_share": guarantor.budget_cut_share,
        "refused_share": unserved if rule == "ration_by_need" else 0.0,
        "waiting_share": unserved if rule == "waiting_list" else 0.0,
    }
    for name, value in zip(COMPONENT_METRICS, model.public_cost.month.values(), strict=True):
        metrics[name] = value / n
    metrics.update(participation.measure(n, holders.tolist(), stance_counts.tolist(), model.last_election))
    return metrics


def slot_sums(model) -> MonthSums:
    """The month's per-slot sums in a pass of their own, one a sector (``sim.kernels.metric_sums.
    add_sector_measures``): after a fiscal year's end, at month 0, or when ``measure`` is called again. After a
    fiscal year's end the contributors' costs are those ``volunteer_costs`` took before capacity building
    (``model.served_volunteer_costs``, ODD §9 D-F93)."""
    pop, table, params = model.population, model.providers, model.params
    person_bits = person_bits_of(pop)
    person_bits[:] = 0  # a month's bits that efficacy learning's pass added and no ``measure`` counted
    sums = MonthSums(model.month, len(model.users), person_bits)
    gradient, effort = float(params["resource_gradient"]), float(params["participation_cost"])
    served = model.served_volunteer_costs
    for sector, users in enumerate(model.users):
        if users.m:
            sums.sectors[sector] = add_sector_measures(
                users.holders, pop.deprivation, users.satisfaction, users.xq, users.provider, table.design,
                stance_served(users), pop.resources, gradient, effort, CONTRIBUTE, OPT_OUT, users.civic,
                users.stance, sums.satisfaction_by_quintile, sums.users_by_quintile, person_bits,
                sums.stance_counts)
            if served is not None:
                sums.sectors[sector] = (*sums.sectors[sector][:3], served[sector])
    return sums


def volunteer_costs(model) -> list[float]:
    """Each sector's sum of its contributors' personal costs c_i at the civic resources now (float64, slot order:
    ``sim.kernels.metric_sums.volunteer_cost``, the sum ``add_sector_measures`` makes). The model takes them at a
    fiscal year's end before capacity building changes the resources, for that month's metrics (ODD §9 D-F93)."""
    summed = participation.VOLUNTEER_COSTS.pop(model.providers, None)
    if summed is not None and summed[0] == model.month:  # the month's elections summed them (ODD §9 D-F144)
        return summed[1]
    pop, params = model.population, model.params
    gradient, effort = float(params["resource_gradient"]), float(params["participation_cost"])
    return [volunteer_cost(users.holders, stance_served(users), pop.resources, gradient, effort, CONTRIBUTE)
            if users.m else 0.0 for users in model.users]


def ledger_flows(ledger) -> tuple[float, float, float, float, float]:
    """The journal's flows the metrics read, in one pass over it: from private investors, from households to
    the providers, user charges, social finance and its interest; each the sum ``Ledger.flow`` gives (Python's
    ``sum`` of the matching flows in the journal's order)."""
    investors, to_providers, charges, social_finance, interest = [], [], [], [], []
    for (source, sink, purpose), value in ledger.flows.items():
        if source == "private_investors":
            investors.append(value)
        if source == "households":
            if sink == "providers":
                to_providers.append(value)
            if purpose == "user charges":
                charges.append(value)
        if purpose == "social finance":
            social_finance.append(value)
        elif purpose == "social finance interest":
            interest.append(value)
    return sum(investors), sum(to_providers), sum(charges), sum(social_finance), sum(interest)
