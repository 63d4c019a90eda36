"""Kernel of monthly membership (ODD §7.3, "membership" and "a seat"): who joins a member board, whose
membership lapses, and who sits on a board or panel this month, in one pass over a sector's slots."""

from __future__ import annotations

from . import compiled
from .holders import holder


@compiled
def update_membership(start, uniform, provider, has_board, join_chance, civic, citizen, last_participation, month,
                      member_bit, board_bits, seated_bits):
    """ODD §7.3, for the slots ``start`` to ``start + uniform.size``: a user of a row with a member board joins
    with chance ``join_chance`` (one ``uniform`` a slot); at a row without one her membership and board seat
    (``board_bits``) lapse; whoever holds a seat (``seated_bits``) took part this month."""
    for k in range(uniform.size):
        slot = start + k
        if has_board[provider[slot]]:
            if uniform[k] < join_chance:
                civic[slot] |= member_bit
        else:
            civic[slot] &= ~board_bits
        if civic[slot] & seated_bits:
            last_participation[holder(citizen, slot)] = month
