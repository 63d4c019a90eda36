"""Institutions of participation (ODD §7.3, §2.4): which forms of taking part a service offers, by sector and
provider kind, read from ``institutions.toml``.

Participation forms are institutions, not kinds. A consultation, an election of user (parent) governors, a
member board, a user panel, pupils' seats, a named contact: each exists in the sectors and for the kinds the
table gives it, with its source, or for every kind where no source says otherwise (neutral). The proposal's
participation channels create their institution in every sector they name and for every kind. With
``kind_governance`` off every row runs the neutral kind's institutions (a department's), so that
``sim.neutral_kinds()`` keeps the regimes identical.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from weakref import WeakKeyDictionary

import numpy as np

from .table import KIND_NAMES, STATE

INSTITUTIONS_FILE = Path(__file__).with_name("institutions.toml")
BASES = ("sourced", "neutral")


@dataclass(frozen=True)
class Institution:
    """One institution of participation: where it exists (sectors x kinds), why, and the channel that creates it."""

    name: str
    description: str
    sectors: tuple[str, ...] | str  # sector names, or "all"
    kinds: tuple[str, ...] | str  # kind names, or "all"
    basis: str
    source: str
    channel: str = ""
    channel_sectors: tuple[str, ...] | str = ()

    def in_sector(self, sector: str) -> bool:
        return self.sectors == "all" or sector in self.sectors

    def for_kind(self, kind: str) -> bool:
        return self.kinds == "all" or kind in self.kinds

    def channel_reaches(self, sector: str) -> bool:
        return bool(self.channel) and (self.channel_sectors == "all" or sector in self.channel_sectors)


def load_institutions(path: Path = INSTITUTIONS_FILE) -> dict[str, Institution]:
    """Read and check the table: known sectors and kinds, a basis, a source for every entry."""
    from ..proposal import PARTICIPATION_CHANNELS
    from ..sectors import SECTOR_NAMES

    with open(path, "rb") as f:
        entries = tomllib.load(f)["institution"]
    table = {}
    for entry in entries:
        where = f"{path.name}: institution {entry.get('name', '?')!r}"
        for field, known in (("sectors", SECTOR_NAMES), ("kinds", KIND_NAMES), ("channel_sectors", SECTOR_NAMES)):
            value = entry.get(field, ())
            if value != "all" and not set(value) <= set(known):
                raise ValueError(f"{where}: {field} {sorted(set(value) - set(known))} not among {', '.join(known)}")
            entry[field] = value if value == "all" else tuple(value)
        if entry["basis"] not in BASES:
            raise ValueError(f"{where}: basis {entry['basis']!r} is not one of {', '.join(BASES)}")
        if entry.get("channel", "") not in ("", *PARTICIPATION_CHANNELS):
            raise ValueError(f"{where}: channel {entry['channel']!r} is not one of {', '.join(PARTICIPATION_CHANNELS)}")
        table[entry["name"]] = Institution(**entry)
    return table


INSTITUTIONS: dict[str, Institution] = load_institutions()


#: each table's last answer of ``present`` for each institution, with what it was derived from (ODD §9 D-F296)
PRESENT: WeakKeyDictionary = WeakKeyDictionary()


def present(params: dict, sector_names: tuple[str, ...], table, name: str) -> np.ndarray:
    """Per provider row: does it run institution ``name``? By the table for its sector and kind (the neutral
    kind's where ``kind_governance`` is off), or because the channel that creates it is open.

    The answer is kept for the table and given again while what it is derived from is unchanged (the sectors, the
    rows' sectors and kinds, the two parameters it reads): the rows' kinds change only when an operator changes,
    and the month's tallies ask every month (ODD §9 D-F296). The array given is shared between the calls that get
    it: read it, do not write it."""
    institution = INSTITUTIONS[name]
    governed, channel = bool(params["kind_governance"]), institution.channel
    channel_open = bool(channel and params[f"channel_{channel}"])
    basis = (sector_names, governed, channel_open, table.sector.tobytes(), table.kind.tobytes() if governed else b"")
    kept = PRESENT.get(table)
    if kept is None:
        kept = PRESENT[table] = {}
    found = kept.get(name)
    if found is not None and found[0] == basis:
        return found[1]
    by_sector_kind, reached = institution_tables(name, sector_names)
    kind = table.kind if governed else np.full(table.n, STATE)
    has = by_sector_kind[table.sector, kind]
    if channel_open:
        has |= reached[table.sector]
    kept[name] = (basis, has)
    return has


@lru_cache(maxsize=256)
def institution_tables(name: str, sector_names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Institution ``name``'s table (sectors x kinds: does the kind run it by default?) and the sectors its channel
    reaches: built once for a set of sectors, since the table never changes and ``present`` is asked monthly."""
    institution = INSTITUTIONS[name]
    by_sector_kind = np.array([[institution.in_sector(sector) and institution.for_kind(kind) for kind in KIND_NAMES]
                               for sector in sector_names], dtype=bool)
    reached = np.array([institution.channel_reaches(s) for s in sector_names], dtype=bool)
    by_sector_kind.flags.writeable = reached.flags.writeable = False
    return by_sector_kind, reached


def institution_frame(sector_names: tuple[str, ...]):
    """The table as people read it: one row per sector and institution, whether each kind runs it by default,
    the channel that creates it, its basis and source (ODD §2.4)."""
    import pandas as pd

    rows = []
    for sector in sector_names:
        for inst in INSTITUTIONS.values():
            rows.append({"sector": sector, "institution": inst.name,
                         **{kind: inst.in_sector(sector) and inst.for_kind(kind) for kind in KIND_NAMES},
                         "channel": inst.channel if inst.channel_reaches(sector) else "", "basis": inst.basis,
                         "source": inst.source})
    return pd.DataFrame(rows)
