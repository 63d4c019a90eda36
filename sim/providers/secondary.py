"""Secondary mutuals: federations of neighbouring mutuals of one sector, pooling fixed costs and reserves.

The seed's "local education authorities reformed as secondary mutuals". Federations are the connected groups
of mutual rows of a sector on the unit graph, re-formed each fiscal year. Members pay a share
(1 - federation_saving) of the fixed cost, and a member whose cash is negative is covered from the pooled
reserves of the others before it can be insolvent.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from mesa import Agent

from .table import MUTUAL


class SecondaryMutual(Agent):
    def __init__(self, model, sector: int, rows: list[int]):
        super().__init__(model)
        self.sector = sector
        self.rows = np.array(sorted(rows), dtype=np.int64)

    def __repr__(self) -> str:
        return f"SecondaryMutual(sector={self.model.sector_names[self.sector]}, members={len(self.rows)})"


def form_federations(model) -> list[SecondaryMutual]:
    """Group each sector's mutual rows into connected federations of at least two members."""
    for old in list(model.agents_by_type.get(SecondaryMutual, [])):
        old.remove()
    table = model.providers
    table.federation[:] = -1
    federations = []
    for s in range(len(model.sector_names)):
        rows = np.flatnonzero((table.sector == s) & (table.kind == MUTUAL))
        if rows.size < 2:
            continue
        members_of = set(rows.tolist())
        graph = nx.Graph()
        graph.add_nodes_from(members_of)
        for r in rows:
            graph.add_edges_from((int(r), int(b)) for b in model.structure.row_neighbours[r] if b in members_of)
        for component in nx.connected_components(graph):
            if len(component) < 2:
                continue
            members = sorted(component)
            fed = SecondaryMutual(model, s, members)
            table.federation[members] = len(federations)
            federations.append(fed)
    return federations


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
