"""The catalogue of kind differences, kept once (ODD §2.4): which kind each regime starts with and commissions,
the switches and parameters that make kinds differ with their neutral values (the null model,
``neutral_kinds``), and the groups of them that attribution names as mechanisms (ODD §9, D-N5).

Everything outside ``sim/providers/`` asks these tables or a kind's attribute or hook, never a kind's name.
"""

from __future__ import annotations

from typing import Any

from .base import Provider
from .contractor import Contractor
from .mutual import Mutual
from .state import StateDepartment

#: The provider kind a regime's services start with (a converting regime starts with state departments).
INITIAL_KIND: dict[str, type[Provider]] = {"state": StateDepartment, "privatised": Contractor, "mutual": Mutual,
                                           "conversion": StateDepartment}

#: Who the guarantor lets a service to when a contract is re-let, by the sector's regime. A state department is
#: never re-let (it holds no contract); a state-run authority that finds a contract (none arise) lets it to a
#: firm; an authority that commissions mutuals lets a demutualised service back to a mutual.
COMMISSIONED_KIND: dict[str, type[Provider]] = {"state": Contractor, "privatised": Contractor, "mutual": Mutual,
                                                "conversion": Mutual}

#: The kind a conversion round turns a service into, after an employee ballot (ODD §7.11).
CONVERSION_KIND: type[Provider] = Mutual

#: The switches, each turning a group of kind differences off (ODD §2.4), at their neutral setting.
SWITCHES: dict[str, Any] = {"hsv_incentives": False, "kind_governance": False, "independent_status": False}

#: Kind parameters at the value that makes the kinds alike, in the order the null model lists them.
KIND_PARAMETERS: dict[str, Any] = {
    "contractor_hearings_per_year": 1.0, "member_internalisation": 0.0, "mutual_innovation_share": 0.5,
    "independent_monitoring_premium": 0.0, "mutual_governance_cost": 0.0, "tender_bidders": 1,
    "trading_income_share": 0.0, "grant_income_share": 0.0, "mutual_contract_repriced": False,
    "mutual_charity_share": 0.0, "social_finance_share": 0.0,
    "tender_cost_rate": 0.0, "reserve_drawdown": 0.0, "contractor_wage_cut": 0.0, "contractor_incentive": 0.0,
    "ownership_morale": 0.0, "relet_design_retention": 1.0,
}

#: Kind parameters that ``independent_status = False`` already silences, so the null model leaves them alone.
SILENCED_BY_SWITCH = ("tender_cost_rate", "reserve_drawdown")

#: The proposal's levers that apply to one kind only, off (ODD §2.4: self-audit, quality mark, social
#: investment, demutualisation are a mutual's).
KIND_LEVERS: dict[str, Any] = {"audit_mode": "inspection", "quality_mark": False, "social_investment": False,
                               "demutualisation_rate": 0.0}

#: Every difference between provider kinds, at its neutral value: the switches and the kind parameters.
KIND_DIFFERENCES: dict[str, Any] = {**SWITCHES, **KIND_PARAMETERS}

#: Every difference between provider kinds, at the setting that makes the kinds behave alike.
NEUTRAL_KINDS: dict[str, Any] = {
    **SWITCHES, **{name: value for name, value in KIND_PARAMETERS.items() if name not in SILENCED_BY_SWITCH},
    **KIND_LEVERS, "user_choice": "off",
}


def neutral_kinds(**extra: Any) -> dict[str, Any]:
    """The parameter set under which state departments, contractors and mutuals behave identically: the null
    model every regime difference is measured from (like ``optional_public_goods_game``).

    Every kind difference (ODD §2.4) is off: HSV's objectives, each kind's design channel, independent status
    (surplus, insolvency, failure remedy, re-tendering), and the kind parameters at their neutral values; the
    proposal's kind-specific levers (self-audit, quality mark, social investment, demutualisation) are off
    and users do not choose. ``extra`` adds or overrides parameters (a lever applied to every kind alike).
    """
    return {**NEUTRAL_KINDS, **extra}


#: Kind differences, grouped; off = ``neutral_kinds()``, on = the value in force (ODD §2.4).
KIND_MECHANISMS: dict[str, tuple[str, ...]] = {
    "incentives": ("hsv_incentives", "member_internalisation", "mutual_innovation_share"),
    "governance": ("kind_governance", "contractor_hearings_per_year"),
    "independent status": ("independent_status",),
    "contract terms": ("independent_monitoring_premium", "mutual_governance_cost"),
    "tender prices": ("tender_bidders",),
    "income": ("trading_income_share", "grant_income_share", "mutual_contract_repriced"),
    "workforce": ("contractor_wage_cut", "contractor_incentive", "ownership_morale"),
    "kind levers": ("audit_mode", "quality_mark", "social_investment", "demutualisation_rate"),
    "user choice": ("user_choice",),
    "re-let design": ("relet_design_retention",),
}

#: What each group of kind differences rests on, for the report: sourced, or an assumption (ODD §2.4 and §10).
KIND_MECHANISM_BASIS: dict[str, tuple[bool, str]] = {
    "incentives": (True, "Hart, Shleifer & Vishny 1997 (a mutual's member stake and innovation share are the "
                         "proposal's claim, neutral by default)"),
    "governance": (False, "each kind's design channel and institutions: a mutual's members elect its board "
                          "and govern monthly (the proposal's design, Mayo & Moore 2001), a department and, by "
                          "default, a contract are reviewed yearly (CQC Regulation 17; Hirschman 1970); how fast "
                          "voice moves a design is assumed"),
    "independent status": (True, "who keeps a surplus, insolvency, rescue and re-tendering (Local Government "
                                 "Finance Act 1988, company law, CIC asset lock); the reinvestment rate and the "
                                 "rescue rules are assumed"),
    "contract terms": (True, "tendering costs (Brown et al. 2019); the monitoring premium and a mutual's governance "
                             "cost are neutral by default"),
    "income": (False, "fees and trading for independent providers, grants and donations for mutuals (the "
                      "proposal's claim, Mayo & Moore 2001): neutral by default; a firm's is bid away in part at "
                      "re-tender, a mutual's spent on its service unless its contract is re-priced at renewal"),
    "tender prices": (True, "prices from bids: the number of bidders (TED data, about 3 a tender) and revenue "
                            "equivalence (Vickrey 1961); bidders' cost spread assumed; 1 bidder is no competition"),
    "workforce": (False, "wage cuts, incentives and ownership morale: no source sizes them, neutral by default"),
    "kind levers": (False, "self-audit, quality mark, social investment and demutualisation for mutuals: the "
                           "proposal's levers, sizes assumed"),
    "user choice": (True, "Le Grand 2007 (choice and competition)"),
    "re-let design": (False, "what a re-let contract keeps of the incumbent's design: no source measures it, "
                             "neutral by default (it keeps it, as a department keeps its own); 0 re-specifies "
                             "it from the centre's design (Bajari & Tadelis 2001)"),
}


def regime_lets_users_choose(regime: str) -> bool:
    """Does ``user_choice = "regime_default"`` give this regime's users a choice? Where its services start
    with a kind whose users choose (``Provider.users_choose_by_default``: choice comes with privatisation)."""
    return INITIAL_KIND[regime].users_choose_by_default
