"""ODD §7.12 Demutualisation: members of a mutual with large reserves may sell up, as far as the asset lock lets."""

from __future__ import annotations

import numpy as np

from ..ledger import Ledger
from ..providers import ProviderTable, kind_table


def demutualise(params: dict, table: ProviderTable, ledger: Ledger, provider_agents: dict) -> None:
    """Kinds that ``may_demutualise`` consider it once a year, by their reserves in months of income
    (``consider_demutualising``, ``demutualise``)."""
    for row in np.flatnonzero(kind_table(params, table, "may_demutualise")):
        agent = provider_agents[row]
        if agent.consider_demutualising(ledger.provider_cash[row] / max(table.last_payment[row], 1.0)):
            agent.demutualise()
