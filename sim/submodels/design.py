"""ODD §7.5 Design revision and the autonomy blend: each kind's channel moves what it asks for; the delivered
design blends the centre's design with it as far as local autonomy allows."""

from __future__ import annotations

import numpy as np

from ..kernels.design import blend
from ..providers import KINDS


def revise_designs(model, central_design: np.ndarray, fiscal_year_end: bool) -> None:
    """Each kind that runs a row moves what its channel asks for (its ``update_voice_design`` hook, given the
    model it belongs to; a kind without rows has nothing to move, and outside a fiscal year's end nor has a kind
    whose channel moves only then, ``moves_design_monthly``: ODD §9 D-F291); the delivered design is
    d = d_central + a (d_channel - d_central), a = ``local_autonomy`` (``sim.kernels.design.blend``, written over
    the rows' designs)."""
    table = model.providers
    moving = [(code, kind) for code, kind in KINDS.items()
              if fiscal_year_end or kind.moves_design_monthly(model.params)]
    if moving:
        rows_of_kind = np.bincount(table.kind, minlength=len(KINDS))
        for code, kind in moving:
            if rows_of_kind[code]:
                kind.update_voice_design(model, np.flatnonzero(table.kind == code), fiscal_year_end)
    blend(central_design, table.sector, table.voice_design, float(model.params["local_autonomy"]), table.design)
