"""The authority's static structure (ODD §2.5, §5): built once, read by many submodels, changed by none."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..population import EDUCATION
from ..proposal import PARTICIPATION_CHANNELS
from ..providers import regime_lets_users_choose
from ..providers.rates import KindRates
from ..sectors import SECTOR_FIELDS


@dataclass(eq=False)
class Structure:
    """What every month's submodels share and none changes: sectors and their parameters, units and their
    neighbours, each unit's home row per sector and the rows' neighbours, who may choose, the open channels,
    and the kinds' monthly rates (read once from the parameters, as the sector fields are)."""

    sector_names: tuple[str, ...]
    sector_fields: dict[str, np.ndarray]  # one value per sector of each field of ``sim.sectors.SECTOR_FIELDS``
    sector_regimes: tuple[str, ...]  # the regime in force in each sector
    unit_sizes: np.ndarray
    unit_starts: np.ndarray
    neighbours: np.ndarray  # unit graph: neighbouring units of each unit, -1 padded
    neighbour_count: np.ndarray
    home_row: list[np.ndarray]  # home_row[s][u]: the provider row that serves unit u in sector s
    row_neighbours: np.ndarray  # neighbouring rows of each row in its sector, -1 padded
    row_neighbour_count: np.ndarray
    choice_in: np.ndarray  # do the users of sector s choose their provider?
    channels: tuple[str, ...]  # the participation channels open (ODD §7.3)
    kind_rates: KindRates  # every kind's monthly rates and flags (``sim.providers.rates``)
    # each monthly kernel's per-sector scalar arguments, as its submodel derives them from the parameters and the
    # fields above: derived at a sector's first month and kept (``terms``), since nothing derives them otherwise
    kernel_terms: dict = field(default_factory=dict)

    def sector_array(self, field: str) -> np.ndarray:
        """A sector parameter, one value per sector (``theta``, ``unit_cost`` ...)."""
        return self.sector_fields[field]

    def terms(self, submodel: str, sector: int, derive) -> tuple:
        """A monthly kernel's per-sector scalars: ``derive()`` at the first call for (``submodel``, ``sector``),
        kept after it. For scalars drawn from the parameters and this structure only, which a run does not change
        (as ``sector_fields`` and ``kind_rates``): a month then makes no dictionary look-ups and conversions for
        them, a few dozen a sector (ODD §9 D-F130)."""
        key = (submodel, sector)
        kept = self.__dict__.setdefault("kernel_terms", {})  # (a structure pickled before it had any: none kept)
        found = kept.get(key)
        if found is None:
            found = kept[key] = derive()
        return found

    @property
    def n_units(self) -> int:
        return len(self.unit_sizes)

    @property
    def converting(self) -> np.ndarray:
        """Sectors whose services are converted to mutuals by yearly conversion rounds (ODD §7.11)."""
        return np.array([regime == "conversion" for regime in self.sector_regimes])

    def channel_count(self, sector: int) -> int:
        """Channels that reach users of ``sector``: children's participation applies only in schools."""
        return sum(1 for c in self.channels if c != "children" or self.sector_names[sector] in EDUCATION)


def units_per_catchment(params: dict, sector: str) -> int:
    """Units one organisation of ``sector`` serves. With ``organisation_scale = "catchment"`` an organisation
    serves the catchment that gives it about a unit's population in users: round(1 / need prevalence)
    units (so ``unit_size`` is the size of the organisation a user belongs to); with ``"unit"``, one unit."""
    if params["organisation_scale"] == "unit":
        return 1
    return max(1, round(1.0 / params[f"{sector}.need_prevalence"]))


def sector_regimes(params: dict) -> tuple[str, ...]:
    """The regime in force in each sector: the authority's, unless the sector sets its own."""
    return tuple(params["regime"] if params[f"{s}.regime"] == "inherit" else params[f"{s}.regime"]
                 for s in params["sectors"])


def choice_by_sector(params: dict, regimes: tuple[str, ...]) -> np.ndarray:
    """Who chooses (ODD §7.4): everyone with ``user_choice = "on"``; by default, users of sectors whose
    regime starts with a kind that lets users choose (contractors: choice comes with privatisation)."""
    return np.array([params["user_choice"] == "on" or (params["user_choice"] == "regime_default"
                                                       and regime_lets_users_choose(regime)) for regime in regimes])


def sector_fields(params: dict) -> dict[str, np.ndarray]:
    """Each sector parameter as one array over the sectors in force."""
    return {field: np.array([params[f"{s}.{field}"] for s in params["sectors"]]) for field in SECTOR_FIELDS}


def open_channels(params: dict) -> tuple[str, ...]:
    """The participation channels the guarantor opens (``channel_*`` parameters)."""
    return tuple(c for c in PARTICIPATION_CHANNELS if params[f"channel_{c}"])  # "children" needs a school
