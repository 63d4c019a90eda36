"""Outcomes by group: participation, satisfaction and public funding by deprivation quintile and by sector.

A regime's average can hide who gains: the proposal claims that mutuals draw in the people least heard. The
model's view ``outcomes_by_group`` (``sim.views``; its docstring defines each tally) is read every month of the
outcome window and averaged over it, in the run the page also draws as a unit map (the first paired run of each
regime, on the batch's first replicate's seed): one run per regime, not a mean over replicates, and the page
says so. Commissioning, inspection and the other parts of public cost are not split by group.
"""

from __future__ import annotations

import pandas as pd

QUINTILE = "deprivation quintile"
SECTOR = "sector"
GROUP_METRICS = ("participation", "satisfaction", "public funding")

#: The unit each tally is read in, for a chart's axis and a table's column.
GROUP_UNITS = {"participation": "share", "satisfaction": "utility", "public funding": "£ per adult a month"}


def window_means(months: list[pd.DataFrame]) -> pd.DataFrame:
    """The mean of each (grouping, group, metric) over the months read, in the order first seen."""
    frame = pd.concat(months, ignore_index=True)
    return frame.groupby(["grouping", "group", "metric"], sort=False, as_index=False)["value"].mean()
