"""The names, meanings and ranges of the model reporters: the public contract of every result table.

Kept apart from ``metrics.py`` (which computes them) so that results, reports and the dashboard can describe
a metric without building a model.
"""

from __future__ import annotations

from dataclasses import dataclass

INF = float("inf")


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    description: str
    low: float
    high: float
    better: str  # "higher", "lower" or "neither": which direction a report calls an improvement
    part_of: str = ""  # the metric this one is an additive component of ("" if none): the parts sum to the whole


METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("participation_rate", "share of adults", "share of adults who took part in the governance of any "
               "service in the last 12 months: co-produced or voiced, voted in a board election, answered a "
               "consultation or sat on a board or panel", 0.0, 1.0, "higher"),
        Metric("participation_gap", "share", "participation rate of the least deprived quintile minus that of "
               "the most deprived", -1.0, 1.0, "lower"),
        Metric("satisfaction", "utility", "mean satisfaction (smoothed payoff) of users", -INF, INF, "higher"),
        Metric("responsiveness", "share", "how closely services follow what everyone who needs them wants: 1 - "
               "mean |preferred design - delivered design| over all who need a service, those who opted out "
               "included (needs drift, so a service that does not follow them falls behind)", 0.0, 1.0, "higher"),
        Metric("static_fit", "share", "1 - mean |preferred design - delivered design| over active users only "
               "(the old measure: it leaves out those the service lost)", 0.0, 1.0, "higher"),
        Metric("quality_contractible", "quality", "mean contractible quality users receive", 0.0, INF,
               "higher"),
        Metric("quality_noncontractible", "quality", "mean non-contractible quality users receive", -INF, INF,
               "higher"),
        Metric("cost_per_capita", "£/adult-month", "public cost per adult this month, on an accruals basis (lumps "
               "such as inspection and tendering spread over the months they serve); the sum of the cost_* "
               "components", -INF, INF, "lower"),
        Metric("total_cost_per_capita", "£/adult-month", "public money plus private and community finance "
               "and volunteer time valued, per adult this month", -INF, INF, "lower"),
        Metric("value_for_money", "quality per £100", "mean quality received per £100 of public money per "
               "adult-month", -INF, INF, "higher"),
        Metric("worker_morale", "share", "mean morale of workers", 0.0, 1.0, "higher"),
        Metric("worker_turnover", "share/year", "annualised share of workers who quit this month", 0.0, 12.0,
               "lower"),
        Metric("provider_failures", "services", "distinct services (provider rows) that failed in the last 12 "
               "months (measured under the standard twice running, or insolvent)", 0.0, INF, "lower"),
        Metric("mutual_share", "share", "share of users served by a mutual", 0.0, 1.0, "neither"),
        Metric("conversions", "count", "state services converted to mutuals so far", 0.0, INF, "neither"),
        Metric("demutualisations", "count", "mutuals that demutualised so far", 0.0, INF, "lower"),
        Metric("social_investment_per_capita", "£/adult", "community investment (with its public match) "
               "held by providers that are mutuals now, per adult", 0.0, INF, "neither"),
        Metric("social_finance_per_capita", "£/adult-month", "repayable social finance (social investment, local "
               "bonds) providers raised this month, per adult: not public money (ODD §7.8)", 0.0, INF, "neither"),
        Metric("social_finance_interest_per_capita", "£/adult-month", "interest providers paid this month on the "
               "social finance they owe, per adult: a cost to the service, not to the public purse (ODD §7.8)",
               0.0, INF, "neither"),
        Metric("member_share", "share of adults", "share of adults who are members of a mutual they use", 0.0,
               1.0, "higher"),
        Metric("election_turnout", "share of members", "share of members who voted at the last board elections "
               "of the mutuals (0 where no mutual held one)", 0.0, 1.0, "higher"),
        Metric("governor_election_turnout", "share of users", "share of active users who voted at the last "
               "elections of user (parent) governors, where a service has them (0 where none was held)", 0.0, 1.0,
               "higher"),
        Metric("voted_share", "share of adults", "share of adults who voted in a service's election (member board "
               "or user governors) in the last 12 months", 0.0, 1.0, "higher"),
        Metric("consultation_share", "share of adults", "share of adults who answered a provider's consultation "
               "in the last 12 months", 0.0, 1.0, "higher"),
        Metric("active_share", "share of adults", "civic activism: share of adults holding a seat (member board, "
               "elected user governor, user panel, pupils' representative)",
               0.0, 1.0, "higher"),
        Metric("coproduction_share", "share of users", "share of active service users who contribute to "
               "co-production this month", 0.0, 1.0, "higher"),
        Metric("satisfaction_gap", "utility", "mean satisfaction of the least deprived quintile minus that of "
               "the most deprived", -INF, INF, "lower"),
        Metric("budget_cut_share", "share", "share of the formula's funding the guarantor withheld this month "
               "to stay within the sectors' budgets (budget_rule other than open_ended)", 0.0, 1.0, "lower"),
        Metric("refused_share", "share of users", "share of the users who seek a service refused it this month by "
               "an eligibility threshold of need (budget_rule = ration_by_need)", 0.0, 1.0, "lower"),
        Metric("waiting_share", "share of users", "share of the users who seek a service waiting for it this "
               "month (budget_rule = waiting_list)", 0.0, 1.0, "lower"),
        Metric("cost_provision", "£/adult-month", "public cost component: funding spent on the service (net of "
               "providers' overhead and profit)", -INF, INF, "neither", part_of="cost_per_capita"),
        Metric("cost_management_overhead", "£/adult-month", "public cost component: funding providers spend on "
               "their back office and governance", -INF, INF, "neither", part_of="cost_per_capita"),
        Metric("cost_commissioning", "£/adult-month", "public cost component: commissioning and monitoring of "
               "services (every kind)", -INF, INF, "neither", part_of="cost_per_capita"),
        Metric("cost_inspection", "£/adult-month", "public cost component: inspection and self-audit, accrued "
               "over the year they serve", -INF, INF, "neither", part_of="cost_per_capita"),
        Metric("cost_tendering", "£/adult-month", "public cost component: letting contracts, accrued over the "
               "contract term", -INF, INF, "neither", part_of="cost_per_capita"),
        Metric("cost_interventions", "£/adult-month", "public cost component: rescues (support grants, deficits "
               "covered, debts taken over)", -INF, INF, "neither", part_of="cost_per_capita"),
        Metric("cost_surpluses", "£/adult-month", "public cost component: funding paid out as profit minus "
               "surpluses returned to the treasury", -INF, INF, "neither", part_of="cost_per_capita"),
        Metric("cost_charges", "£/adult-month", "public cost component: charges users pay toward their services "
               "(negative: the part of provision the public does not pay)", -INF, INF, "neither",
               part_of="cost_per_capita"),
        Metric("cost_business_rates", "£/adult-month", "public cost component: business rates providers pay back "
               "to the public purse (negative; a charity's relief is rates not received)", -INF, INF, "neither",
               part_of="cost_per_capita"),
        Metric("cost_over_budget", "£/adult-month", "public cost component: funding paid above the sectors' "
               "budgets (an open-ended budget; 0 under a proportional cut)", -INF, INF, "neither",
               part_of="cost_per_capita"),
        Metric("cost_other", "£/adult-month", "public cost component: the levers' own costs (participation "
               "channels, capacity building, matched investment) and any other public outlay", -INF, INF,
               "neither", part_of="cost_per_capita"),
    ]
}

METRIC_NAMES: tuple[str, ...] = tuple(METRICS)

#: The proposal's three claims: more participatory, cheaper, more responsive. Every surface that leads with a
#: headline (the command line, the report, the dashboard) reads these, in this order.
HEADLINE_METRICS: tuple[str, ...] = ("participation_rate", "cost_per_capita", "responsiveness")
