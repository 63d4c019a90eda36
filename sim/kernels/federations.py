"""Kernel of the secondary mutuals' federations (ODD §7.13, "Secondary mutuals"): the connected groups of a
sector's mutual rows on the row-neighbour graph, found by union-find in one pass over their neighbours instead of
a sparse graph and SciPy's ``connected_components`` (a fixed cost of about 35 µs a sector, ODD §9 D-F243)."""

from __future__ import annotations

import numpy as np

from . import compiled, inlined


@inlined
def root(parent, row):
    """The root of ``row``'s group, halving the path on the way (each row visited points to its grandparent)."""
    while parent[row] != row:
        parent[row] = parent[parent[row]]
        row = parent[row]
    return row


@compiled
def component_labels(rows, row_neighbours, n_rows):
    """Each row's connected component among ``rows`` on the graph whose edges join a row of ``rows`` to each of its
    neighbours (``row_neighbours``, -1 padded) that is also in ``rows``, taken as undirected: a label per row of the
    table (``n_rows``), the smallest row of the component for ``rows``, the row itself elsewhere. Only which rows
    share a label matters (``sim.providers.secondary.form_federations``)."""
    member = np.zeros(n_rows, dtype=np.bool_)
    for row in rows:
        member[row] = True
    parent = np.arange(n_rows)
    for row in rows:
        for k in range(row_neighbours.shape[1]):
            neighbour = row_neighbours[row, k]
            if neighbour >= 0 and member[neighbour]:
                a, b = root(parent, row), root(parent, neighbour)
                if a != b:  # the larger root joins the smaller: a group's root is its smallest row
                    parent[max(a, b)] = min(a, b)
    for row in rows:
        parent[row] = root(parent, row)
    return parent
