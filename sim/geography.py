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


def catchments(n_units: int, units_per_catchment: int) -> np.ndarray:
    """Catchment of each unit: the grid's units in boustrophedon order (row by row, alternating direction, so
    consecutive units are neighbours; the directions are chosen so that a ragged last row starts below the
    end of the row above) cut into max(1, round(n_units / units_per_catchment)) runs of near-equal length.
    Every catchment is connected on the unit graph. A catchment is the area one organisation serves."""
    width = max(1, math.ceil(math.sqrt(n_units)))
    rows = math.ceil(n_units / width) if n_units else 0
    flip = (rows - 1) % 2 if rows and n_units % width else 0  # a ragged last row must run left to right
    order = []
    for r in range(rows):
        columns = range(width) if (r + flip) % 2 == 0 else range(width - 1, -1, -1)
        order += [r * width + c for c in columns if r * width + c < n_units]
    n_catchments = max(1, min(n_units, round(n_units / max(units_per_catchment, 1))))
    out = np.empty(n_units, dtype=np.int64)
    for c, run in enumerate(np.array_split(np.array(order, dtype=np.int64), n_catchments)):
        out[run] = c
    return out


def row_neighbour_table(graph: nx.Graph, home_row: list[np.ndarray], n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Padded table of each provider row's neighbouring rows in the same sector (rows whose catchments share a
    border on the unit graph; -1 beyond the count) and the counts."""
    nbrs: list[set[int]] = [set() for _ in range(n_rows)]
    for u, v in graph.edges():
        for rows in home_row:
            a, b = int(rows[u]), int(rows[v])
            if a != b:
                nbrs[a].add(b)
                nbrs[b].add(a)
    counts = np.array([len(x) for x in nbrs], dtype=np.int32)
    table = np.full((n_rows, max(1, int(counts.max(initial=0)))), -1, dtype=np.int64)
    for r, x in enumerate(nbrs):
        table[r, : len(x)] = sorted(x)
    return table, counts


def build_units(model, sizes: np.ndarray) -> tuple[list[Unit], Network, np.ndarray, np.ndarray]:
    """The units on their grid as Mesa agents in a network space, and the unit-neighbour table (ODD §2.5)."""
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
