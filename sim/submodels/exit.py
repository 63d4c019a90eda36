"""ODD §7.4 Hirschman exit: where users may choose, dissatisfied users switch provider and money follows."""

from __future__ import annotations

from ..kernels.exit_choice import exit_month
from ..population import Citizens, ServiceUsers
from ..providers import ProviderTable
from .structure import Structure


def exit_providers(params: dict, structure: Structure, population: Citizens, users: ServiceUsers,
                   table: ProviderTable, stream_key: tuple[int, int], month: int) -> None:
    """Where users may choose, reviewing users compare their provider with this month's alternative (the one
    service use valued, drawn again from the same keyed uniform) and switch with a logit chance in the utility
    gain net of the switching cost (what service use valued, derived again, ODD §9 D-F81). One who leaves gives up
    her membership and seat at the old provider; her stance (a civic habit) goes with her. The kernel:
    ``sim.kernels.exit_choice.exit_month``, on the model's keyed streams (ODD §9 D-F21). Keeps this month's
    switchers and the rows they left (``users.switched``), for a year-end ballot's voice benefit. The model's month
    runs this same review inside stance revision's pass (``sim.submodels.stances.revise_stances_of``, ODD §9
    D-F150, the same numbers); this is §7.4 on its own, for a sector's exit alone."""
    if users.m == 0:
        return
    sector = users.sector_index
    service_weight, mismatch_weight, switch_cost, revision_rate, sensitivity = structure.terms(
        "exit", sector, lambda: (float(params["service_weight"]), float(structure.sector_array("mismatch_weight")[sector]),
                                 float(params["switch_cost"]), float(params["revision_rate"]),
                                 float(params["exit_sensitivity"])))
    users.switched = exit_month(
        stream_key[0], stream_key[1], month, sector, users.stance, users.provider, users.unit_start, users.unit_count,
        structure.home_row[sector], structure.row_neighbours, structure.row_neighbour_count, users.xq, users.holders,
        population.quality_sensitivity, table.q_c, table.q_n, table.design, service_weight, mismatch_weight,
        switch_cost, users.civic, revision_rate, sensitivity)
