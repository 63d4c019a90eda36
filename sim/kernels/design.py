"""Kernel of design revision (ODD §7.5, the autonomy blend): each row's delivered design from the centre's
design for its sector and what its own channel asks for, in one pass over the rows instead of a gather and
three whole-array expressions (ODD §9 D-F45)."""

from __future__ import annotations

from . import compiled


@compiled
def blend(central_design, sector, voice_design, autonomy, design):
    """ODD §7.5: d_p = c_s + a (v_p - c_s) in every dimension, c_s the centre's design for the row's sector,
    v_p its channel's design (``voice_design``), a = ``local_autonomy``. Written into ``design`` (rows, D), the rows'
    delivered designs, which no argument shares: a month boxes no new array (ODD §9 D-F231)."""
    rows, dimensions = voice_design.shape
    for row in range(rows):
        for dimension in range(dimensions):
            central = central_design[sector[row], dimension]
            design[row, dimension] = central + autonomy * (voice_design[row, dimension] - central)
