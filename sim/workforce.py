"""Workers: arrays over all service workers; effort, morale, burnout, quitting and ballots.

Positions are fixed in number (people are conserved): a worker who quits is replaced by a new hire in the same
position (the provider pays a hiring cost), and once a fiscal year positions move from providers that lost
users to those that gained them within a sector (a TUPE-style transfer).

Morale moves toward a target set by autonomy, ownership, pay relative to the market and workload; burnout builds
under excess workload; effort = motivation * morale * (1 - burnout) * (1 + incentive); quitting is logistic
in morale (Hom et al. 2017 on turnover; Francois 2000 and Besley & Ghatak 2005 on motivated agents).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .kernels import workers
from .kernels.bitgen import address

NO_QUIT_RATIO = np.ones(0)  # the same base quit rate in every sector
NO_DRAWS = np.zeros(0)  # a month without quits draws no replacements
#: the parameters ``workers.morale_and_quits`` takes, in its order
MORALE_TERMS = ("morale_baseline", "autonomy_morale", "ownership_morale", "pay_morale", "workload_morale",
                "failing_morale", "morale_adjustment", "burnout_rate", "quit_morale_sensitivity", "reference_morale")


def logistic(x):
    """The logistic function 1 / (1 + exp(-x)), stable for any x (no overflow warning)."""
    return expit(x)


class Workforce:
    """Every service worker as a row of arrays, by the provider row that employs her (ODD §2.3, §7.9)."""

    def __init__(self, rng: np.random.Generator, staff_per_row: np.ndarray, params: dict):
        """Staff each row with ``staff_per_row`` workers of random motivation, skill and tenure (ODD §5)."""
        self.params = params
        self._terms: tuple | None = None  # ``update``'s scalars, derived at its first call
        n = int(staff_per_row.sum())
        self.n = n
        # int32: the rows are far fewer than 2^31, and the kernels index with it as with int64 (ODD §9 D-F173)
        self.row = np.repeat(np.arange(staff_per_row.size, dtype=np.int32), staff_per_row)
        self.motivation = self._draw_motivation(rng, n)
        self.skill = rng.uniform(0.8, 1.2, n)
        self.trained = np.zeros(n)  # the part of skill built by capacity building, which depreciates (ODD §7.11)
        # months in post, whole numbers (0-119 at the start, +1 a month, 0 for a new hire): float32 holds every one
        # exactly below 2^24 months, and it is read as float64 (``productivity``): 4 bytes a worker (ODD §9 D-F281)
        self.tenure = rng.integers(0, 120, n).astype(np.float32)
        self.morale = np.full(n, params["reference_morale"])
        self.burnout = np.zeros(n)
        self.effort = self.motivation * self.morale
        self.quits_this_month = 0
        # The standard workforce against which a provider's workforce index is measured: the first month's mean
        # output, but at least REFERENCE_FLOOR, so that the index stays defined where the first month's
        # workforce produces (almost) nothing (zero motivation, reference morale or new-hire productivity).
        start = float(np.mean(self.effort * self.productivity())) if n else 1.0
        self.reference_output = max(start, REFERENCE_FLOOR)

    def _draw_motivation(self, rng, n):
        return np.clip(rng.normal(self.params["worker_motivation"], self.params["motivation_spread"], n), 0.0, 1.0)

    def productivity(self) -> np.ndarray:
        return self.skill * (1.0 - self.params["new_hire_penalty"] * np.exp(-self.tenure.astype(np.float64) / 12.0))

    def staff_counts(self, n_rows: int) -> np.ndarray:
        return np.bincount(self.row, minlength=n_rows).astype(np.float64)

    def update(self, rng: np.random.Generator, autonomy: np.ndarray, owned: np.ndarray, pay_ratio: np.ndarray,
               workload: np.ndarray, failing: np.ndarray, incentive: np.ndarray,
               quit_ratio: np.ndarray | None = None) -> np.ndarray:
        """One month: morale, burnout, effort, quits and replacements. ``quit_ratio`` (per row) scales the base
        quit rate by sector. Returns quits per worker (bool).

        Morale, burnout, effort and the quits are one compiled pass (``sim.kernels.workers.morale_and_quits``),
        which draws the quit uniforms from ``rng``'s bit generator as ``rng.random(n)`` would; the replacements
        (``replace_quitters``) and a month more of tenure a second (ODD §9 D-F290)."""
        if self.effort.size != self.n:
            self.effort = np.empty(self.n)
        if getattr(self, "_terms", None) is None:  # the kernels' scalars, as they take them: the parameters' (a run keeps them)
            params = self.params
            self._terms = (tuple(float(params[name]) for name in MORALE_TERMS), float(params["quit_base_rate"]))
        morale_terms, base_rate = self._terms
        quits = np.empty(self.n, np.bool_)
        k = workers.morale_and_quits(
            self.row, autonomy, owned, pay_ratio, workload, failing, incentive, self.morale, self.burnout,
            self.motivation, self.effort, *morale_terms, address(rng), base_rate,
            NO_QUIT_RATIO if quit_ratio is None else quit_ratio, quit_ratio is not None, quits)
        self.quits_this_month = self.replace_quitters(rng, quits, k)
        return quits

    def replace_quitters(self, rng: np.random.Generator, quits: np.ndarray, k: int) -> int:
        """Fill each of the ``k`` quitters' posts with a new hire (ODD §7.9): fresh motivation and skill, untrained,
        morale at its reference, no burnout; then every worker's tenure grows a month (a new hire's from 0). Return
        ``k``. The draws are NumPy's, motivation's then skill's; the posts are filled and tenure grown in one pass
        (``sim.kernels.workers.fill_posts_and_age``), motivation clipped there."""
        k = int(k)
        params = self.params
        motivation = rng.normal(params["worker_motivation"], params["motivation_spread"], k) if k else NO_DRAWS
        skill = rng.uniform(0.8, 1.2, k) if k else NO_DRAWS
        workers.fill_posts_and_age(quits, motivation, skill, self.motivation, self.skill, self.trained, self.tenure,
                                   self.morale, self.burnout, float(params["reference_morale"]))
        return k

    def rebalance(self, rng: np.random.Generator, target: np.ndarray, sector_of_row: np.ndarray) -> int:
        """Move positions from rows above their target staffing to rows below it, within each sector.
        Workers keep their motivation, skill and tenure (a transfer, not a new hire). Returns moves."""
        staff = np.bincount(self.row, minlength=target.size)  # ``staff_counts``, as whole numbers
        # Each row's workers in ascending order, from one stable sort: the list a scan of the whole workforce
        # for that row would give. A sector's moves change only its own rows, so the lists of the sectors
        # still to come stay valid. Sorted at the first sector with moves to make (none: no sort, ODD §9 D-F162).
        by_row = first_of_row = None
        moved = 0
        # the sectors with positions to move, in order: those with rows above and rows below their targets (most
        # years none, and then no pass of a sector's own, ODD §9 D-F165)
        over, under = np.maximum(staff - target, 0), np.maximum(target - staff, 0)
        sectors = np.flatnonzero((np.bincount(sector_of_row, weights=over) > 0)
                                 & (np.bincount(sector_of_row, weights=under) > 0))
        for s in sectors:
            rows = np.flatnonzero(sector_of_row == s)
            excess, shortfall = over[rows], under[rows]
            n_move = int(min(excess.sum(), shortfall.sum()))
            if by_row is None:
                by_row = np.argsort(self.row, kind="stable")
                first_of_row = np.concatenate([[0], np.cumsum(staff)])
            donors = []
            for row, k in zip(rows[excess > 0], excess[excess > 0], strict=True):
                workers = by_row[first_of_row[row]:first_of_row[row + 1]]
                donors.append(rng.choice(workers, size=int(k), replace=False))
            donors = rng.permutation(np.concatenate(donors))[:n_move]
            destinations = rng.permutation(np.repeat(rows[shortfall > 0], shortfall[shortfall > 0]))[:n_move]
            self.row[donors] = destinations
            moved += n_move
        return moved

    def retrain(self, row: int) -> int:
        """A workforce plan for one provider: training closes half the gap to the top of the skill range (1.2),
        burnout is cleared and morale restored to a new hire's. Returns the number of workers."""
        staff = np.flatnonzero(self.row == self.row.dtype.type(row))  # the rows' own type: no cast of every row
        self.skill[staff] += 0.5 * np.maximum(1.2 - self.skill[staff], 0.0)
        self.burnout[staff] = 0.0
        self.morale[staff] = self.params["reference_morale"]
        return int(staff.size)

    def staff_by_row(self):
        """A function giving a row's workers in ascending order, as ``np.flatnonzero(self.row == row)`` does,
        from one stable sort of the rows (a binary search a row, not a scan of every worker): valid until
        someone changes employer."""
        order = np.argsort(self.row, kind="stable")
        sorted_rows = self.row[order]
        key = sorted_rows.dtype.type  # a key of another integer type would cast every worker's row (ODD §9 D-F177)
        return lambda row: order[np.searchsorted(sorted_rows, key(row), "left"):
                                 np.searchsorted(sorted_rows, key(row), "right")]

    def ballot(self, rng: np.random.Generator, row: int, support_logit: float,
               staff: np.ndarray | None = None) -> tuple[float, float]:
        """An employee ballot on mutual status. Each worker turns out with a chance logistic in engagement
        (motivation x morale) and votes yes with a chance logistic in ``support_logit`` (expected gain, job
        risk, neighbours' experience) plus her own discontent with the status quo (low morale). Returns
        (turnout, yes-share of votes cast). ``staff``: the row's workers in ascending order, if known
        (``staff_by_row``)."""
        staff = np.flatnonzero(self.row == self.row.dtype.type(row)) if staff is None else staff
        if staff.size == 0:
            return 0.0, 0.0
        engagement = self.motivation[staff] * self.morale[staff]
        params = self.params
        votes = rng.random(staff.size) < logistic(params["ballot_turnout_slope"] * (engagement - params["ballot_turnout_centre"]))
        yes_chance = logistic(support_logit
                              + params["ballot_discontent_weight"] * (params["reference_morale"] - self.morale[staff]))
        yes = votes & (rng.random(staff.size) < yes_chance)
        n_votes = int(votes.sum())
        return n_votes / staff.size, (int(yes.sum()) / n_votes if n_votes else 0.0)


#: exp(-t / 12) for the whole months of tenure t = 0 ... 1,023, as NumPy's ``np.exp`` gives each in an array (the
#: productivity's new-hire term, read by ``workers.rows_after_work_from_tenure``, ODD §9 D-F297); a tenure past it
#: takes NumPy's path
TENURE_DECAY = np.exp(-np.arange(1024, dtype=np.float64) / 12.0)
TENURE_DECAY.flags.writeable = False
REFERENCE_FLOOR = 0.01  # output of the standard workforce, at least 1% of a fully motivated, skilled one's


def quit_probability(morale: np.ndarray, base_rate: float | np.ndarray, sensitivity: float, reference: float) -> np.ndarray:
    """Monthly quit chance: 2 * base / (1 + exp(k (morale - m0))); equal to ``base`` at the reference morale."""
    return np.clip(2.0 * base_rate * logistic(-sensitivity * (morale - reference)), 0.0, 1.0)
