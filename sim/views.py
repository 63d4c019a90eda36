"""Views for people: tables of the model's state for a notebook, the dashboard and the participation audit.

They read the state and change nothing; ``MutualStateModel`` offers each as a method of the same name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .kernels import audit
from .population import (
    ANY_SERVICE,
    CONSULTED,
    CONTRIBUTE,
    MEMBER,
    N_QUINTILES,
    OPT_OUT,
    USE_ONLY,
    VOTED,
    Citizens,
    ServiceUsers,
)
from .providers.table import KIND_NAMES
from .submodels.participation import SEATED

#: The institutional forms of taking part the participation report shows (co-production is the rate itself).
FORM_BITS = {"member": MEMBER, "voted": VOTED, "consulted": CONSULTED, "seated": SEATED}


def participation_report(population: Citizens, service_users: list[ServiceUsers], sector_names: tuple[str, ...],
                         month: int) -> pd.DataFrame:
    """The participation audit's table: participation by sector and deprivation quintile, and by form. Per
    sector, ``participation_rate`` is this month's contributors among its users, and the form columns the share
    of its users who are members, voted, answered a consultation this year or hold a seat; for the authority
    (``ANY_SERVICE``), ``participation_rate`` is the share of adults who took part in the last 12 months and the
    form columns the share of adults who did so through any service (ODD §7.3). The counts are
    ``sim.kernels.audit``'s, a pass over each sector's slots and one over the people (ODD §9 D-F91)."""
    return report_table(participation_counts(population, service_users, month), sector_names)


def participation_counts(population: Citizens, service_users: list[ServiceUsers], month: int) -> np.ndarray:
    """What ``participation_report``'s shares are made of: by sector and, last, the authority's, each quintile's
    users (or adults), co-producers (or who took part in the last 12 months) and holders of each form of
    ``FORM_BITS`` (sectors + 1, quintiles, 2 + forms; int64, ``sim.kernels.audit``'s columns). The audit keeps
    these and its table is built from them when read (``report_table``, ODD §9 D-F244)."""
    bits = np.array(list(FORM_BITS.values()), dtype=np.uint8)
    person_forms = np.zeros(population.n, dtype=np.uint8)  # bit k: she holds form k in some service
    counts = np.zeros((len(service_users) + 1, N_QUINTILES, audit.FIRST_FORM + bits.size), dtype=np.int64)
    for sector, users in enumerate(service_users):
        audit.add_sector_counts(users.holders, population.deprivation, users.stance, users.civic, CONTRIBUTE, bits,
                                person_forms, counts[sector])
    audit.add_people_counts(population.deprivation, population.last_participation, month - 12, person_forms,
                            counts[-1])
    return counts


def report_table(counts: np.ndarray, sector_names: tuple[str, ...]) -> pd.DataFrame:
    """``participation_report``'s table from its counts (``participation_counts``): a row a sector (and the
    authority, ``ANY_SERVICE``, last) and quintile."""
    rows = []
    for name, by_quintile in zip((*sector_names, ANY_SERVICE), counts, strict=True):
        rows.extend(report_rows(name, by_quintile))
    return pd.DataFrame(rows)


def report_rows(sector: str, counts: np.ndarray) -> list[dict]:
    """A sector's (or the authority's) rows of ``participation_report`` from its counts by quintile
    (``sim.kernels.audit``): each share a count over the quintile's users, as the mean of a boolean array gives it
    (its float64 sum is exact), 0.0 where the quintile has none."""
    rows = []
    for quint in range(N_QUINTILES):
        users, taking_part, *forms = counts[quint].tolist()
        rows.append({"sector": sector, "quintile": quint, "users": users,
                     "participation_rate": taking_part / users if users else 0.0,
                     **{form: held / users if users else 0.0 for form, held in zip(FORM_BITS, forms, strict=True)}})
    return rows


def stance_shares(service_users: list[ServiceUsers], sector_names: tuple[str, ...],
                  by_sector: bool = False) -> dict[str, float] | pd.DataFrame:
    """Shares of contribute / use only / opt out over all service users; with ``by_sector`` a table with
    one row per sector (its users and the three shares) and a last row ``all``."""
    rows, total = [], np.zeros(3)
    for name, users in zip(sector_names, service_users, strict=True):
        counts = np.bincount(users.stance, minlength=3).astype(float)
        total += counts
        rows.append((name, counts))
    rows.append(("all", total))

    def shares(counts):
        n = max(counts.sum(), 1.0)
        return {"contribute": counts[CONTRIBUTE] / n, "use_only": counts[USE_ONLY] / n,
                "opt_out": counts[OPT_OUT] / n}

    if not by_sector:
        return shares(total)
    return pd.DataFrame([{"sector": name, "users": int(c.sum()), **shares(c)} for name, c in rows]
                        ).set_index("sector")


def ballots_frame(conversion_log: list[dict]) -> pd.DataFrame:
    """One row per employee ballot on mutual status: the service (provider row), its sector and unit, the
    month, the workers eligible to vote, turnout, yes-share of votes cast, and whether it passed."""
    columns = ["service", "sector", "unit", "month", "failing", "eligible", "turnout", "yes_share", "passed"]
    log = [e for e in conversion_log if e["approved"]]
    return pd.DataFrame([{"service": e["row"], "sector": e["sector"], "unit": e["unit"], "month": e["month"],
                          "failing": e["failing"], "eligible": e["eligible"], "turnout": e["turnout"],
                          "yes_share": e["yes_share"], "passed": e["converted"]} for e in log], columns=columns)


def units_of_rows(home_row: list[np.ndarray], n_rows: int) -> list[list[int]]:
    """The units (areas) each row's catchment covers, in order."""
    out: list[list[int]] = [[] for _ in range(n_rows)]
    for rows in home_row:
        for unit, row in enumerate(rows.tolist()):
            out[row].append(unit)
    return out


def providers_frame(model) -> pd.DataFrame:
    """One row per service (provider row): its sector, first unit, the units its catchment covers
    (``units``), operator kind, design, quality, HSV efforts, users, contributors,
    participation, cash, staff (headcount) and FTE, morale, whether it is failing and when it last failed."""
    table = model.providers
    return pd.DataFrame({
        "sector": [model.sector_names[s] for s in table.sector], "unit": table.unit,
        "units_served": table.units_served, "units": units_of_rows(table.home_row, table.n),
        "kind": [KIND_NAMES[k] for k in table.kind],  # "state", "contractor", "mutual", as every surface says
        "design": [tuple(float(v) for v in design) for design in table.design],  # one value per dimension
        "quality_contractible": table.q_c, "quality_noncontractible": table.q_n,
        "cost_reduction_effort": table.effort_e, "innovation_effort": table.effort_i, "users": table.users,
        "participation": table.participation, "cash": model.ledger.provider_cash, "staff": table.staff,
        "fte": table.fte, "morale": table.morale, "failing": table.failing, "contributors": table.contributors,
        "last_failure": np.where(table.last_failure >= 0, table.last_failure, -1)})


QUINTILE_NAMES = ("1 least deprived", "2", "3", "4", "5 most deprived")


def outcomes_by_group(model) -> pd.DataFrame:
    """This month's participation, satisfaction and public funding by deprivation quintile and by sector: one row
    per (grouping, group, metric, value). Participation by quintile is the share of the quintile's adults who took
    part in the last 12 months (the ``participation_rate`` metric's definition), by sector the share of its
    users who contribute this month; satisfaction is the mean of the group's service users; public funding is
    what providers are paid this month per adult: by sector its providers' payments, by quintile each service's
    payment shared equally among its users, per adult of the quintile."""
    population, table = model.population, model.providers
    quintile_sizes = np.maximum(np.bincount(population.deprivation, minlength=5), 1).astype(float)
    took_part = population.participated(model.month)
    part_q = np.bincount(population.deprivation[took_part], minlength=5) / quintile_sizes
    sat_q, users_q, funding_q = np.zeros(5), np.zeros(5), np.zeros(5)
    payment = np.asarray(table.last_payment, dtype=float)
    rows = []
    for index, (name, users) in enumerate(zip(model.sector_names, model.users, strict=True)):
        rows += [("sector", name, "participation", float(np.mean(users.stance == CONTRIBUTE)) if users.m else 0.0),
                 ("sector", name, "satisfaction", float(users.satisfaction.mean(dtype=np.float64)) if users.m else 0.0),
                 ("sector", name, "public funding", float(payment[table.sector == index].sum()) / population.n)]
        if users.m:
            quintile = population.deprivation[users.citizen]
            sat_q += np.bincount(quintile, weights=users.satisfaction, minlength=5)
            users_q += np.bincount(quintile, minlength=5)
            per_user = payment / np.maximum(np.bincount(users.provider, minlength=len(payment)), 1)
            funding_q += np.bincount(quintile, weights=per_user[users.provider], minlength=5)
    sat_by_q = np.divide(sat_q, users_q, out=np.zeros(5), where=users_q > 0)
    for q, label in enumerate(QUINTILE_NAMES):
        rows += [("deprivation quintile", label, "participation", float(part_q[q])),
                 ("deprivation quintile", label, "satisfaction", float(sat_by_q[q])),
                 ("deprivation quintile", label, "public funding", float(funding_q[q] / quintile_sizes[q]))]
    return pd.DataFrame(rows, columns=["grouping", "group", "metric", "value"])
