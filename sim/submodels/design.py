"""ODD §7.5 Design revision and the autonomy blend: each kind's channel moves what it asks for; the delivered
design blends the centre's design with it as far as local autonomy allows."""

from __future__ import annotations

import numpy as np

from ..providers import KINDS


def revise_designs(model, central_design: np.ndarray, fiscal_year_end: bool) -> None:
    """Each kind moves what its channel asks for (its ``update_voice_design`` hook, given the model it
    belongs to); the delivered design is d = d_central + a (d_channel - d_central), a = ``local_autonomy``."""
    table = model.providers
    for code, kind in KINDS.items():
        kind.update_voice_design(model, np.flatnonzero(table.kind == code), fiscal_year_end)
    central = central_design[table.sector]
    table.design = central + model.params["local_autonomy"] * (table.voice_design - central)
