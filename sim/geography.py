"""Units of the local authority and who neighbours whom.

Units are laid out on a near-square grid (so a map can be drawn) and joined to their grid neighbours; the
resulting graph is Mesa's ``discrete_space.Network``. Neighbours matter for imitation across unit borders,
for exit to a neighbouring provider, for conversion spill-overs and for federations of mutuals.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from mesa import Agent
from mesa.discrete_space import Network


class Unit(Agent):
    """A decentralised unit: a neighbourhood of a few hundred adults, the level at which services are run."""

    def __init__(self, model, index: int, position: tuple[int, int], population: int, start: int):
        super().__init__(model)
        self.index = index
        self.position = position  # (column, row) on the map
        self.population = population
        self.start = start  # first citizen of this unit in the population arrays (citizens are contiguous)
        self.cell = None

    @property
    def neighbours(self) -> list[Unit]:
        return [a for cell in self.cell.neighborhood for a in cell.agents]


def grid_graph(n_units: int) -> tuple[nx.Graph, list[tuple[int, int]]]:
    """A connected near-square grid of ``n_units`` nodes: node k at column k % width, row k // width."""
    width = max(1, math.ceil(math.sqrt(n_units)))
    positions = [(k % width, k // width) for k in range(n_units)]
    graph = nx.Graph()
    graph.add_nodes_from(range(n_units))
    for k, (x, _row) in enumerate(positions):
        if x + 1 < width and k + 1 < n_units:
            graph.add_edge(k, k + 1)
        if k + width < n_units:
            graph.add_edge(k, k + width)
    return graph, positions


def neighbour_table(graph: nx.Graph, n_units: int) -> tuple[np.ndarray, np.ndarray]:
    """Padded array of each unit's neighbours (-1 beyond the count) and the counts, for vectorised draws."""
    counts = np.array([graph.degree(u) for u in range(n_units)], dtype=np.int32)
    table = np.full((n_units, max(1, int(counts.max(initial=0)))), -1, dtype=np.int32)
    for u in range(n_units):
        nbrs = sorted(graph.neighbors(u))
        table[u, : len(nbrs)] = nbrs
    return table, counts


def build_units(model, sizes: np.ndarray) -> tuple[list[Unit], Network, np.ndarray, np.ndarray]:
    graph, positions = grid_graph(len(sizes))
    space = Network(graph, random=model.random)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    units = []
    for k in range(len(sizes)):
        unit = Unit(model, k, positions[k], int(sizes[k]), int(starts[k]))
        unit.cell = space[k]
        space[k].add_agent(unit)
        units.append(unit)
    table, counts = neighbour_table(graph, len(sizes))
    return units, space, table, counts
