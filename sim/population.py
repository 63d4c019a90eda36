"""Citizens: many, so held as arrays (one row per adult), each still inspectable as a ``Citizen`` view.

Two tables. ``Citizens`` holds what belongs to a person whatever service she uses (unit, deprivation, civic
resources, efficacy, trust, savings). ``ServiceUsers`` holds, per sector, one row ("slot") per person who needs
that service: her preferred design, stance, satisfaction and provider. Slots are sorted by unit so per-unit
draws and sums are contiguous. A sector only stores the people who need it, which keeps memory per citizen low
with all twelve sectors on.

Need churn (``need_volatility``): each month a slot's need may end and pass to another resident of the same
unit who does not need the service yet (a child leaves primary school, another starts): the slot gets a new
citizen (or, where every resident already needs it, stays with its holder), a fresh preference and need, and
a stance from her civic habits (she contributes if she took part anywhere in the last 12 months, otherwise she
uses only). Need prevalence per unit therefore stays constant, and nobody is created or destroyed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .kernels import need_churn, preferences, residents
from .kernels.holders import block_floors

CONTRIBUTE, USE_ONLY, OPT_OUT = 0, 1, 2
STANCES = ("contribute", "use_only", "opt_out")
# Bits of ``ServiceUsers.civic`` (ODD §7.3): membership, seats (member board, elected user governor, user panel,
# pupils' representative), and this year's vote and consultation answer.
MEMBER, BOARD, PANEL, VOTED, CONSULTED, GOVERNOR, PUPIL = 1, 2, 4, 8, 16, 32, 64
NEVER = np.int16(-30000)  # "last took part" for someone who never has
N_QUINTILES = 5
EDUCATION = ("primary_education", "secondary_education")  # where children's participation applies
ANY_SERVICE = "any (last 12 months)"  # the participation report's row for taking part in any service
POPCOUNT = np.array([bin(i).count("1") for i in range(1 << 16)], dtype=np.float32)  # bits set in a uint16
# The build draws a sector's uniforms and normals this many slots at a time (a multiple of 8, for the need's
# bits): NumPy's generator gives the same numbers in chunks as in one call, without float64 arrays of every slot.
BUILD_CHUNK = 1 << 16
MAX_DRAWS = need_churn.MAX_DRAWS  # rejection draws for a new holder of a need before it stays with the old one


def unit_index_dtype(n_units: int) -> type:
    """The narrowest integer that numbers ``n_units`` units: 2 bytes a person and a slot up to 32,767 units
    (more than any English local authority's output areas per district), 4 above (ODD §9 D-F10)."""
    return np.int16 if n_units <= np.iinfo(np.int16).max else np.int32


def row_index_dtype(n_rows: int) -> type:
    """The narrowest integer that numbers ``n_rows`` provider rows in a slot's ``provider``: 2 bytes up to 32,767
    rows (a district's sectors times its catchments), 4 above (ODD §9 D-F34, as ``unit_index_dtype``)."""
    return np.int16 if n_rows <= np.iinfo(np.int16).max else np.int32


def quality_sensitivities(rng: np.random.Generator, n: int, spread: float) -> np.ndarray:
    """How strongly each person weighs a service's quality relative to the average user (ODD §2.1, §7.4):
    lognormal with mean 1 and log-s.d. ``spread``, s_i = exp(spread z_i - spread^2 / 2). Drawn from a child
    generator (``rng.spawn``), which leaves the model's own stream where it was, so that every other draw of a
    run is the same whatever the spread (at 0 everyone weighs quality alike)."""
    z = rng.spawn(1)[0].standard_normal(n)
    return np.exp(spread * z - 0.5 * spread**2).astype(np.float32)


def civic_dispositions(rng: np.random.Generator, n: int) -> np.ndarray:
    """Each person's lasting civic disposition, z_i standard normal (ODD §7.3, "A lasting disposition"): drawn
    from a child generator (``rng.spawn``), which leaves the model's own stream where it was."""
    return rng.spawn(1)[0].standard_normal(n).astype(np.float32)


def slot_floors(floor: np.ndarray, shift: int, m: int) -> np.ndarray:
    """Each of ``m`` slots' block's first adult: ``floor`` repeated over its blocks of ``1 << shift`` slots (the
    packed holders, ``ServiceUsers.holders``), a new int64 array."""
    ends = np.minimum(np.arange(floor.size + 1, dtype=np.int64) << shift, m)
    return np.repeat(floor, np.diff(ends))


class Citizens:
    """Person-level state, sorted by unit."""

    def __init__(self, rng: np.random.Generator, unit_sizes: np.ndarray, params: dict,
                 quintile_shares: np.ndarray | None = None):
        """Draw the adults of each unit: deprivation clustered by unit, civic resources falling with it (ODD §5).
        ``quintile_shares`` (five shares, least deprived first): an authority's own mix of the national
        quintiles, where the cuts fall (a national run, ODD §9 D-NAT2); by default a fifth in each."""
        n = int(unit_sizes.sum())
        self.n = n
        # people are sorted by unit: a unit's adults are a run (``unit_sizes``, ``unit_starts``), and a person's
        # unit is derived from the runs where read (``unit``, ``unit_of``), not kept (ODD §9 D-F68)
        self.unit_sizes = np.asarray(unit_sizes, dtype=np.int64)
        self.unit_starts = np.concatenate([[0], np.cumsum(self.unit_sizes)[:-1]]).astype(np.int64)
        # Deprivation clusters by unit: a latent score mixes the unit's score and the person's own, and
        # quintiles are cut over the whole authority (quintile 0 = least deprived, 4 = most).
        unit_score = rng.random(len(unit_sizes))
        mix = params["deprivation_clustering"]
        latent = mix * unit_score[self.unit] + (1.0 - mix) * rng.random(n)
        # each adult's rank: the inverse of the stable order (what a second stable argsort gave, ODD §9 D-F141)
        order = np.argsort(latent, kind="stable")
        ranks = np.empty(n, dtype=order.dtype)
        ranks[order] = np.arange(n, dtype=order.dtype)
        del order
        if quintile_shares is None:
            self.deprivation = (ranks * N_QUINTILES // max(n, 1)).astype(np.int8)
        else:
            cuts = np.round(np.cumsum(quintile_shares)[:-1] * n).astype(np.int64)
            self.deprivation = np.searchsorted(cuts, ranks, side="right").astype(np.int8)
        # Civic resources (time, skills, confidence) fall with deprivation (Verba, Schlozman & Brady 1995).
        mean = params["civic_resources_mean"] - params["resource_deprivation_slope"] * self.deprivation
        spread = params["civic_resources_spread"]
        self.resources = np.clip(mean + rng.normal(0.0, spread, n), 0.0, 1.0).astype(np.float32)
        self.quality_sensitivity = quality_sensitivities(rng, n, params["quality_sensitivity_spread"])
        self.civic_disposition = civic_dispositions(rng, n)
        self.efficacy = np.full(n, params["initial_efficacy"], dtype=np.float32)
        self.trust = np.full(n, 0.5, dtype=np.float32)
        self.savings = np.zeros(n, dtype=np.float32)
        self.invested = np.zeros(n, dtype=np.float32)
        self.last_participation = np.full(n, NEVER, dtype=np.int16)
        self.holds = np.zeros(n, dtype=np.uint16)  # bit s set: she needs sector s (one slot at most)

    @property
    def unit(self) -> np.ndarray:
        """Each adult's unit: a new int16 (int32 above 32,767 units) array, derived from the runs, for the few
        places that read it whole (ODD §9 D-F68)."""
        n_units = self.unit_sizes.size
        return np.repeat(np.arange(n_units, dtype=unit_index_dtype(n_units)), self.unit_sizes)

    def unit_of(self, person: int) -> int:
        """Adult ``person``'s unit: the last unit whose run starts at or before her (an empty unit's run starts
        where the next one's does, so the unit found is the one she is in)."""
        return int(np.searchsorted(self.unit_starts, person, side="right")) - 1

    def services_needed(self, who: np.ndarray) -> np.ndarray:
        """How many services each of ``who`` needs (the bits set in her register), at least 1."""
        return np.maximum(POPCOUNT[self.holds[who]], 1)

    def participated(self, month: int) -> np.ndarray:
        """Who took part in any service's governance or co-production in the last 12 months."""
        return self.last_participation > month - 12


class ServiceUsers:
    """Per-sector slots: the people who need one service, and how they relate to it."""

    # each row's users as need churn left them this month, and the month (-1: none), for the month of service's
    # lists (ODD §9 D-F151); set by ``churn`` (defaults here, so a state saved before them loads)
    row_users: np.ndarray = np.zeros(0, dtype=np.int32)  # each row's users, as churn counted them (D-F151)
    row_users_month: int = -1

    def __init__(self, rng: np.random.Generator, sector_index: int, citizens: Citizens, unit_sizes: np.ndarray,
                 unit_starts: np.ndarray, prevalence: float, unit_pref_mean: np.ndarray, params: dict):
        """Draw who in each unit needs the service, their preferences, needs and first stances (ODD §5)."""
        self.sector_index = sector_index
        per_unit = rng.binomial(unit_sizes, prevalence).astype(np.int64)
        self.unit_count = per_unit
        self.unit_start = np.concatenate([[0], np.cumsum(per_unit)[:-1]]).astype(np.int64)
        m = int(per_unit.sum())
        self.m = m
        unit = np.repeat(np.arange(len(unit_sizes), dtype=unit_index_dtype(len(unit_sizes))), per_unit)  # the build's
        # Each slot belongs to a resident of its unit, drawn without replacement within the unit.
        citizen = np.empty(m, dtype=np.int32)
        if unit_sizes.size and unit_sizes.max() <= residents.FLOYD_LIMIT:  # NumPy's draws, compiled (ODD §9 D-F141)
            residents.choose_residents(rng, unit_sizes, per_unit, unit_starts, self.unit_start, citizen)
        else:
            for u in np.flatnonzero(per_unit):
                chosen = rng.choice(unit_sizes[u], size=per_unit[u], replace=False)
                citizen[self.unit_start[u]: self.unit_start[u] + per_unit[u]] = unit_starts[u] + np.sort(chosen)
        self.bit = np.uint16(1 << sector_index)
        self.holds = citizens.holds
        self.holds[citizen] |= self.bit
        # kept as an offset from her block of slots' first adult (``holders``, ODD §9 D-F120): 2 bytes a slot
        self.holder_floor, self.holder_shift, dtype = block_floors(self.unit_start, per_unit, unit_starts, unit_sizes)
        citizen -= slot_floors(self.holder_floor, self.holder_shift, m).astype(np.int32)
        self.holder_offset = citizen.astype(dtype)
        del citizen
        self.unit_pref_mean = unit_pref_mean.astype(np.float32)  # (units, D): the design space, ODD §9 D-Q1
        self.pref_spread = params["preference_spread_within"]
        # each preferred design as uint16 codes, two bytes a dimension (``x`` reads them as float32, D-F211)
        self.xq = self.draw_preferences(rng, unit)
        del unit  # a slot's unit is derived where read (``unit``, ODD §9 D-F66)
        self.high_need_share, self.high_need = params["high_need_share"], params["high_need_level"]
        # whose need is high: a bit a slot (eight to a byte, little-endian), its level derived where read (D-F33);
        # the uniforms are drawn a chunk at a time (the same numbers as one call: ODD §9 D-F61)
        self.high_need_bits = np.empty((m + 7) // 8, dtype=np.uint8)
        for first in range(0, m, BUILD_CHUNK):
            last = min(first + BUILD_CHUNK, m)
            self.high_need_bits[first // 8:(last + 7) // 8] = np.packbits(
                rng.random(last - first) < self.high_need_share, bitorder="little")
        c0, o0 = params["initial_contributors"], params["initial_opt_outs"]
        self.stance = np.empty(m, dtype=np.int8)
        for first in range(0, m, BUILD_CHUNK):
            u = rng.random(min(BUILD_CHUNK, m - first))
            self.stance[first:first + u.size] = np.where(u < c0, np.int8(CONTRIBUTE), np.where(
                u < c0 + o0, np.int8(OPT_OUT), np.int8(USE_ONLY)))
        # satisfaction is first written at month 0 (``MutualStateModel._start``), the provider once providers
        # exist (``serve_from``): nothing reads them before, so no placeholder (D-F61)
        self.satisfaction = np.empty(0, dtype=np.float32)
        self.provider = np.empty(0, dtype=np.int16)
        self.civic = np.zeros(m, dtype=np.uint8)  # participation bits (MEMBER ... PUPIL, ODD §7.3)
        # this month's switchers (slots, ascending) and the rows they left (exit, ODD §7.4; §9 D-F81), int32 each
        # (a sector has fewer slots than adults, int32 holders; D-F221)
        self.switched: tuple[np.ndarray, np.ndarray] | None = None
        self.unserved: np.ndarray | None = None  # slots refused or waiting this month (rationing, ODD §7.8)

    def draw_preferences(self, rng: np.random.Generator, units: np.ndarray) -> np.ndarray:
        """Preferred design of new users (shape (len(units), D)): their unit's mean plus personal variation in
        every dimension, within [0, 1] (in float32), kept as its uint16 codes (``sim.kernels.preferences``, ODD §9
        D-F211). The normals are drawn a chunk of users at a time, row by row as one call would draw them, so that
        no float64 array of every user is made (ODD §9 D-F61)."""
        dimensions = self.unit_pref_mean.shape[1]
        codes = np.empty((len(units), dimensions), dtype=preferences.CODE)
        for first in range(0, len(units), BUILD_CHUNK):
            chunk = units[first:first + BUILD_CHUNK]
            noise = rng.normal(0.0, self.pref_spread, (len(chunk), dimensions)).astype(np.float32)
            preferences.encode(np.clip(self.unit_pref_mean[chunk] + noise, 0.0, 1.0),
                               out=codes[first:first + len(chunk)])
        return codes

    @property
    def x(self) -> np.ndarray:
        """Each slot's preferred design (slots, D) as float32: a new, read-only array decoded from the codes
        ``xq`` (``sim.kernels.preferences.decode``, ODD §9 D-F211), for the few places that read it whole (a
        notebook, a test); the kernels read the codes. Write the codes: ``xq[...] = preferences.encode(...)``."""
        x = preferences.decode(self.xq)
        x.flags.writeable = False
        return x

    def __setstate__(self, state: dict) -> None:
        """A state saved before the holders were packed (ODD §9 D-F120) kept ``citizen`` (int32): its holders are
        kept as int32 offsets from adult 0, one block, so the kernels read them as before. One saved before the
        switchers were int32 (D-F221) kept them and their old rows as int64: they are kept as int32, as the
        kernels now make them. One saved before the preferences were codes (D-F211) kept ``x`` (float32): it is
        encoded (``preferences.encode``)."""
        if "x" in state:
            state["xq"] = preferences.encode(state.pop("x"))
        if "citizen" in state:
            citizen = state.pop("citizen")
            state.update(holder_offset=np.asarray(citizen, dtype=np.int32), holder_floor=np.zeros(1, np.int64),
                         holder_shift=62)
        if state.get("switched") is not None:
            state["switched"] = tuple(np.asarray(switched, dtype=np.int32) for switched in state["switched"])
        self.__dict__.update(state)

    def serve_from(self, home_row: np.ndarray, n_rows: int) -> None:
        """Every slot starts at her unit's home row (``home_row`` per unit), numbered in the narrowest integer
        for ``n_rows`` rows (``row_index_dtype``): each unit's home row repeated over its run of slots."""
        self.provider = np.repeat(home_row.astype(row_index_dtype(n_rows)), self.unit_count)

    @property
    def unit(self) -> np.ndarray:
        """Each slot's unit: a new array, derived from the unit-sorted layout (``unit_start``, ``unit_count``), for
        the few places that read it whole. The slots no longer keep it (2 bytes a slot, ODD §9 D-F66): the kernels
        find a slot's unit from the runs."""
        n_units = self.unit_count.size
        return np.repeat(np.arange(n_units, dtype=unit_index_dtype(n_units)), self.unit_count)

    @property
    def holders(self) -> tuple[np.ndarray, np.ndarray, int]:
        """The slots' holders as the kernels take them (``citizen``): ``(holder_offset, holder_floor,
        holder_shift)``, slot i's holder ``holder_floor[i >> holder_shift] + holder_offset[i]``
        (``sim.kernels.holders``, ODD §9 D-F120)."""
        return self.holder_offset, self.holder_floor, self.holder_shift

    @property
    def citizen(self) -> np.ndarray:
        """Each slot's holder (an adult's index): a new int32 array, derived from the packed holders
        (``holders``), for the few places that read it whole. The slots keep an offset of 2 bytes, not the
        number (ODD §9 D-F120); the kernels read the offset."""
        citizen = self.holder_offset.astype(np.int32)
        citizen += slot_floors(self.holder_floor, self.holder_shift, self.holder_offset.size).astype(np.int32)
        return citizen

    @property
    def need(self) -> np.ndarray:
        """Each slot's need (float32): ``high_need`` where her bit in ``high_need_bits`` is set, 1 otherwise. A new
        array: the slots keep a bit, not the level (ODD §9 D-F33); kernels read the bit."""
        high = np.unpackbits(self.high_need_bits, count=self.m, bitorder="little").view(bool)
        return np.where(high, np.float32(self.high_need), np.float32(1.0))

    @property
    def high_need32(self) -> np.float32:
        """The high need's level as the float32 every kernel reads it in."""
        return np.float32(self.high_need)

    def active(self) -> np.ndarray:
        return self.stance != OPT_OUT

    def churn(self, key: tuple[int, int], month: int, volatility: float, home_provider: np.ndarray, n_rows: int,
              unit_sizes: np.ndarray, unit_starts: np.ndarray, habitual: np.ndarray | None = None,
              last_participation: np.ndarray | None = None) -> int:
        """Pass a share ``volatility`` of slots to residents of the same unit who do not need the service yet
        (drawn by rejection; where none is found the holder stays and her need starts afresh). The new need
        starts with the holder's civic habit: she contributes if ``habitual`` (per citizen: took part in the
        last 12 months), otherwise she uses only; she expects what her provider's users (``n_rows`` rows) feel
        now. Every draw is the model's keyed stream ``key`` at ``month`` (``sim.kernels.need_churn.churn_sector``,
        ODD §9 D-F35). Returns how many slots moved to someone new. Given ``last_participation`` (every adult's month
        of last participation), the habit is read from it where a need starts: she took part after month - 13, in the
        12 months to last month (``Citizens.participated(month - 1)``'s, with no array of every adult, ODD §9
        D-F298)."""
        if volatility <= 0.0 or self.m == 0:
            return 0
        if last_participation is not None:
            since = month - 13
        else:  # a habit given per citizen (or none), as months: 1 after month 0 where she has the habit
            since = 0
            last_participation = (np.zeros(self.holds.size, dtype=np.int16) if habitual is None
                                  else habitual.astype(np.int16))
        # membership and seats belong to the need that ended
        if self.row_users.size != n_rows:  # int32: a row's users of one sector (ODD §9 D-F173)
            self.row_users = np.zeros(n_rows, dtype=np.int32)
        self.row_users_month = month
        return need_churn.churn_sector(
            key[0], key[1], month, self.sector_index, float(volatility), self.provider, self.satisfaction, n_rows,
            self.unit_start, self.unit_count, unit_starts, unit_sizes, self.holds, self.bit, last_participation, since,
            home_provider,
            self.unit_pref_mean, float(self.pref_spread), float(self.high_need_share), CONTRIBUTE, USE_ONLY,
            self.holders, self.xq, self.high_need_bits, self.stance, self.civic, self.row_users)


@dataclass(frozen=True)
class ServiceView:
    sector: str
    need: float
    preferred_design: tuple[float, ...]  # one value per dimension of the design (ODD §9 D-Q1)
    stance: str
    satisfaction: float
    provider_row: int


class Citizen:
    """A read-only view of one adult, assembled from the arrays: for following one person in a notebook."""

    def __init__(self, model, index: int):
        if not 0 <= index < model.population.n:
            raise IndexError(f"citizen {index} does not exist; there are {model.population.n}")
        self._model = model
        self.unique_id = index

    @property
    def _p(self) -> Citizens:
        return self._model.population

    unit = property(lambda self: self._p.unit_of(self.unique_id))
    deprivation_quintile = property(lambda self: int(self._p.deprivation[self.unique_id]))
    civic_resources = property(lambda self: float(self._p.resources[self.unique_id]))
    efficacy = property(lambda self: float(self._p.efficacy[self.unique_id]))
    trust = property(lambda self: float(self._p.trust[self.unique_id]))
    savings = property(lambda self: float(self._p.savings[self.unique_id]))
    invested = property(lambda self: float(self._p.invested[self.unique_id]))

    @property
    def participated_last_year(self) -> bool:
        return bool(self._p.participated(self._model.month)[self.unique_id])

    @property
    def services(self) -> list[ServiceView]:
        """The services this person needs now, with her stance and satisfaction in each."""
        out = []
        for name, users in zip(self._model.sector_names, self._model.users, strict=True):
            for slot in np.flatnonzero(users.citizen == self.unique_id):
                high = (users.high_need_bits[slot >> 3] >> (slot & 7)) & 1
                out.append(ServiceView(name, float(np.float32(users.high_need) if high else 1.0),
                                       tuple(float(v) for v in preferences.decode(users.xq[slot])),
                                       STANCES[users.stance[slot]], float(users.satisfaction[slot]),
                                       int(users.provider[slot])))
        return out

    @property
    def memberships(self) -> list[str]:
        """Sectors in which she is a member of the service she uses (where it has a member board, ODD §7.3):
        the ``MEMBER`` bit of her slot's participation byte."""
        return [name for name, users in zip(self._model.sector_names, self._model.users, strict=True)
                if (users.civic[users.citizen == self.unique_id] & MEMBER).any()]

    def __repr__(self) -> str:
        return (f"Citizen({self.unique_id}, unit={self.unit}, quintile={self.deprivation_quintile}, "
                f"resources={self.civic_resources:.2f}, services={[s.sector for s in self.services]})")


class CitizenRegistry:
    """``model.citizens``: indexable like a list, yielding ``Citizen`` views."""

    def __init__(self, model):
        self._model = model

    def __len__(self) -> int:
        return self._model.population.n

    def __getitem__(self, index: int) -> Citizen:
        if index < 0:
            index += len(self)
        return Citizen(self._model, index)

    def __iter__(self):
        return (Citizen(self._model, i) for i in range(len(self)))
