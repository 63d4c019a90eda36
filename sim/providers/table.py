"""Provider state as arrays: one row per (sector, unit) service position.

A row is the service a unit receives in one sector. Who operates it (a state department, a contractor, a
mutual) can change over the run (conversion, re-tender, step-in, demutualisation): the row stays, the Mesa
agent that operates it is replaced. Monthly work is vectorised over rows; the agents carry the behaviour that
differs by kind and are the objects a user inspects.
"""

from __future__ import annotations

import numpy as np

STATE, CONTRACTOR, MUTUAL = 0, 1, 2
KIND_NAMES = ("state", "contractor", "mutual")


class ProviderTable:
    """The state of every provider row as arrays (ODD §2.4): who runs it, its design, quality, users, money."""

    def __init__(self, n_sectors: int, n_units: int, catchment_of_unit: list[np.ndarray] | None = None,
                 design_dimensions: int = 1):
        """One row per (sector, catchment); ``catchment_of_unit[s][u]`` is the catchment of unit u in sector s
        (default: every unit its own catchment). Designs have ``design_dimensions`` columns (ODD §9 D-Q1)."""
        if catchment_of_unit is None:
            catchment_of_unit = [np.arange(n_units)] * n_sectors
        rows_per_sector = np.array([int(c.max()) + 1 if n_units else 0 for c in catchment_of_unit], dtype=np.int64)
        offset = np.concatenate([[0], np.cumsum(rows_per_sector)[:-1]]).astype(np.int64)
        n = int(rows_per_sector.sum())
        self.n = n
        self.n_units = n_units
        self.sector = np.repeat(np.arange(n_sectors), rows_per_sector)
        self.home_row = [offset[s] + np.asarray(c, dtype=np.int64) for s, c in enumerate(catchment_of_unit)]
        self.units_served = np.zeros(n, dtype=np.int64)  # units in the row's catchment
        self.unit = np.full(n, n_units, dtype=np.int64)  # the catchment's first unit: where the row "sits"
        for rows in self.home_row:
            self.units_served += np.bincount(rows, minlength=n)
            np.minimum.at(self.unit, rows, np.arange(n_units))
        f = lambda v=0.0: np.full(n, v, dtype=np.float64)  # noqa: E731
        self.kind = np.zeros(n, dtype=np.int8)
        self.design_dimensions = design_dimensions
        designs = lambda: np.full((n, design_dimensions), 0.5)  # noqa: E731  a point of [0, 1]^D per row
        self.design = designs()  # delivered design
        self.voice_design = designs()  # what the provider's own channel (voice, market, contract) asks for
        self.contract_design = designs()  # the design its contract sets (revised at contract reviews, re-tenders)
        self.effort_e = f(0.01)  # HSV cost-reduction effort
        self.effort_i = f(0.01)  # HSV quality-innovation effort
        self.q_c = f(1.0)  # contractible quality
        self.q_n = f(0.0)  # non-contractible quality
        self.users = f()  # active users this month
        self.weighted_users = f()  # active users weighted by need
        self.eligible = f()  # slots whose home is this row (active or not)
        self.contributors = f()
        self.participation = f()  # contributors / active users
        self.contributor_pref = designs()  # mean preferred design of this month's contributors
        self.members = f()  # members of a mutual at its last election
        self.voters = f()  # members who voted at its last election
        self.mandate = designs()  # mean preferred design of those voters: the elected board's mandate
        self.respondents = f()  # users who answered its last consultation
        self.consulted_pref = designs()  # their mean preferred design
        self.heard = f()  # voters + respondents + contributors: how many voices its governance hears
        self.heard_pref = designs()  # what it hears: their preferences, weighted by how many took part
        self.last_payment = f()  # the guarantor's last monthly payment: next month's budget
        self.last_lump = f()  # the part of it that funds fixed costs (no overhead is charged on it)
        self.price = f(1.0)  # the price paid relative to the funding formula (set at tender; 1: the formula)
        self.capital = f()  # capital financed by community investment and its public match
        self.community_shares = f()  # £ owed to citizen investors
        self.social_debt = f()  # £ of social finance owed to social investors or bondholders (ODD §7.8)
        self.staff = f()  # headcount
        self.fte = f()  # full-time equivalents contracted (paid), set once a fiscal year
        self.workforce_index = f(1.0)
        self.morale = f(0.6)
        self.wage_factor = f(1.0)
        self.coproduction_relief = f()
        self.fail_count = np.zeros(n, dtype=np.int32)  # consecutive measurements under the standard
        self.follow_up = np.zeros(n, dtype=bool)  # measure again next year (after a bad result or intervention)
        self.failing = np.zeros(n, dtype=bool)
        self.measured_quality = f(np.nan)
        self.contract_end = np.full(n, -1, dtype=np.int32)
        self.federation = np.full(n, -1, dtype=np.int32)
        self.quality_mark = np.zeros(n, dtype=bool)
        self.supported = np.zeros(n, dtype=bool)
        self.operator_since = np.zeros(n, dtype=np.int32)
        self.spending_index = f(1.0)  # (service spending + reinvestment) per standard cost of users, + relief
        self.successor = np.full(n, -1, dtype=np.int8)  # kind that takes over after an interim step-in (-1: none)
        self.interim_until = np.full(n, -1, dtype=np.int32)  # month an interim step-in may end
        self.last_failure = np.full(n, -(10 ** 6), dtype=np.int32)  # month of the last failure (never: far past)

    def row(self, sector: int, unit: int) -> int:
        """The row that serves ``unit`` in ``sector``."""
        return int(self.home_row[sector][unit])

    def sector_rows(self, sector: int) -> slice:
        """The rows of ``sector``: one run of the table, since rows are laid out sector by sector."""
        first, end = np.searchsorted(self.sector, (sector, sector + 1))
        return slice(int(first), int(end))

    def quality(self) -> np.ndarray:
        return self.q_c + self.q_n
