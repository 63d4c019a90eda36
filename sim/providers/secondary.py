"""Secondary mutuals: federations of neighbouring mutuals of one sector, pooling fixed costs and reserves.

The seed's "local education authorities reformed as secondary mutuals". Federations are the connected groups
of mutual rows of a sector on the unit graph, re-formed each fiscal year. Members pay a share
(1 - federation_saving) of the fixed cost, and a member whose cash is negative is covered from the pooled
reserves of the others before it can be insolvent.
"""

from __future__ import annotations

import numpy as np
from mesa import Agent

from ..kernels.federations import component_labels
from .table import MUTUAL


class SecondaryMutual(Agent):
    def __init__(self, model, sector: int, rows: list[int]):
        super().__init__(model)
        self.sector = sector
        self.rows = np.array(sorted(rows), dtype=np.int64)

    def __repr__(self) -> str:
        return f"SecondaryMutual(sector={self.model.sector_names[self.sector]}, members={len(self.rows)})"


def form_federations(model) -> list[SecondaryMutual]:
    """Group each sector's mutual rows into connected federations of at least two members: the connected
    components of the sector's mutual rows on the row-neighbour graph (``federation_labels``),
    numbered in the order a breadth-first search from each node in turn meets them, as NetworkX's
    ``connected_components`` did over the nodes in the order of the set of rows (ODD §9 D-F113)."""
    for old in list(model.agents_by_type.get(SecondaryMutual, [])):
        old.remove()
    table = model.providers
    table.federation[:] = -1
    federations = []
    for s in range(len(model.sector_names)):
        rows = np.flatnonzero((table.sector == s) & (table.kind == MUTUAL))
        if rows.size < 2:
            continue
        label = federation_labels(rows, model.structure.row_neighbours, table.n)
        met: dict[int, list[int]] = {}
        for r in set(rows.tolist()):  # the nodes in the set's order: the order components were met
            met.setdefault(int(label[r]), []).append(r)
        for component in met.values():
            if len(component) < 2:
                continue
            members = sorted(component)
            fed = SecondaryMutual(model, s, members)
            table.federation[members] = len(federations)
            federations.append(fed)
    return federations


def federation_labels(rows: np.ndarray, row_neighbours: np.ndarray, n_rows: int) -> np.ndarray:
    """Each row's connected component among ``rows`` on the row-neighbour graph (-1 marks no neighbour): a label
    per row of the table (meaningful for ``rows``), by union-find (``sim.kernels.federations``, ODD §9 D-F243)."""
    return component_labels(rows, row_neighbours, n_rows)


def pool_reserves(table, ledger) -> None:
    """Cover members' negative cash from their federation's positive cash, pro rata (ledger-recorded)."""
    cash = ledger.provider_cash
    if (table.federation < 0).all():
        return
    moves = np.zeros_like(cash)
    n_fed = int(table.federation.max()) + 1
    member = table.federation >= 0
    fed = np.where(member, table.federation, 0)
    deficit = np.where(member, np.maximum(-cash, 0.0), 0.0)
    surplus = np.where(member, np.maximum(cash, 0.0), 0.0)
    need = np.bincount(fed, weights=deficit, minlength=n_fed)
    have = np.bincount(fed, weights=surplus, minlength=n_fed)
    cover = np.minimum(need, have)
    if not cover.any():
        return
    moves += np.where(member, deficit * np.divide(cover, need, out=np.zeros(n_fed), where=need > 0)[fed], 0.0)
    moves -= np.where(member, surplus * np.divide(cover, have, out=np.zeros(n_fed), where=have > 0)[fed], 0.0)
    ledger.move_between_providers(moves, "federation pooling")
