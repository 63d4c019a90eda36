"""A slot's holder (the adult whose need the slot is), read and written inside a kernel (ODD §2.2, §9 D-F120).

A sector's slots are sorted by unit and so are the people, so the holders of a block of consecutive slots lie
within a short run of adults: from the first adult of the block's first slot's unit to the last adult of its last
slot's unit. ``ServiceUsers`` keeps each slot's holder as an offset (``uint16`` where every block's run is at most
65,536 adults, ``int32`` otherwise) from her block's first adult (``floor``, one int64 a block of ``1 << shift``
slots), the three as the tuple ``(offset, floor, shift)``: 2 bytes a slot where a number was 4. Need churn moves a
need to another adult of the same unit, so a holder stays within her block's run and her offset in range.

A kernel takes ``citizen`` as either that tuple or a plain array of the holders (the tests' references), and reads
it with ``holder``, writes it with ``set_holder`` and counts it with ``slot_count``: each is resolved when the
kernel compiles, so a plain array's kernel is the one it was.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload


def holder(citizen, slot):
    """Slot ``slot``'s holder: ``floor[slot >> shift] + offset[slot]`` of a packed ``(offset, floor, shift)``,
    ``citizen[slot]`` of an array."""
    if isinstance(citizen, tuple):
        offset, floor, shift = citizen
        return floor[slot >> shift] + offset[slot]
    return citizen[slot]


def set_holder(citizen, slot, person):
    """Make ``person`` slot ``slot``'s holder (she is within the slot's block's run of adults, as ``holder``)."""
    if isinstance(citizen, tuple):
        offset, floor, shift = citizen
        offset[slot] = person - floor[slot >> shift]
    else:
        citizen[slot] = person


def slot_count(citizen):
    """How many slots ``citizen`` holds."""
    return citizen[0].size if isinstance(citizen, tuple) else citizen.size


@overload(holder, inline="always")
def holder_compiled(citizen, slot):
    if isinstance(citizen, types.BaseTuple):
        def packed(citizen, slot):
            return citizen[1][np.uint64(slot) >> np.uint64(citizen[2])] + np.int64(citizen[0][slot])
        return packed
    return lambda citizen, slot: citizen[slot]


@overload(set_holder, inline="always")
def set_holder_compiled(citizen, slot, person):
    if isinstance(citizen, types.BaseTuple):
        def packed(citizen, slot, person):
            citizen[0][slot] = np.int64(person) - citizen[1][np.uint64(slot) >> np.uint64(citizen[2])]
        return packed

    def plain(citizen, slot, person):
        citizen[slot] = person
    return plain


@overload(slot_count, inline="always")
def slot_count_compiled(citizen):
    if isinstance(citizen, types.BaseTuple):
        return lambda citizen: citizen[0].size
    return lambda citizen: citizen.size


def block_floors(unit_start: np.ndarray, unit_count: np.ndarray, people_unit_starts: np.ndarray,
                 people_unit_sizes: np.ndarray, largest_shift: int = 16) -> tuple[np.ndarray, int, type]:
    """The packing of a sector's holders (``holder``): each block's first adult (``floor``, int64), the block's
    length as a power of two (``shift``, the largest up to ``largest_shift`` whose every block's run of adults
    fits in ``uint16``) and the offsets' dtype (``int32`` where no block length fits, a unit of more than 65,536
    adults). Slot units are unit-sorted: unit u's slots are ``unit_start[u]`` to ``unit_start[u] +
    unit_count[u]``, its adults ``people_unit_starts[u]`` to that plus ``people_unit_sizes[u]``."""
    m = int(unit_count.sum())
    occupied = np.flatnonzero(unit_count)
    first_slot = np.asarray(unit_start, dtype=np.int64)[occupied]  # the slot runs in order, empty units left out
    run_start = np.asarray(people_unit_starts, dtype=np.int64)[occupied]
    run_end = run_start + np.asarray(people_unit_sizes, dtype=np.int64)[occupied]
    for shift in range(largest_shift, -1, -1):
        starts = np.arange(0, m, 1 << shift, dtype=np.int64)
        first_unit = np.searchsorted(first_slot, starts, side="right") - 1
        last_unit = np.searchsorted(first_slot, np.minimum(starts + (1 << shift), m) - 1, side="right") - 1
        floor = run_start[first_unit]
        if m == 0 or int((run_end[last_unit] - floor).max()) <= 1 << 16:
            return floor, shift, np.uint16
    starts = np.arange(0, m, 1 << largest_shift, dtype=np.int64)
    return run_start[np.searchsorted(first_slot, starts, side="right") - 1], largest_shift, np.int32
