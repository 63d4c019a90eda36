"""Kernels of the participation audit's report (ODD §7.3, "the participation audit"; ``sim.views.
participation_report``): its counts by deprivation quintile, in one pass over each sector's slots and one over
the people, without the masks, gathers and boolean arrays of every adult the NumPy code made (ODD §9 D-F91).

Every count is a whole number, so each share the report gives (a count over a count, as Python floats) is the
mean NumPy took of a boolean array: its float64 sum is exact and is divided once."""

from __future__ import annotations

import numpy as np

from . import compiled
from .holders import holder, slot_count

#: The columns of a quintile's counts: users (or adults), co-producers (or who took part in the last 12 months),
#: then one column a form of ``FORM_BITS`` in ``views`` (member, voted, consulted, seated)
USERS, TAKING_PART, FIRST_FORM = 0, 1, 2


@compiled
def add_sector_counts(citizen, deprivation, stance, civic, contribute, form_bits, person_forms, counts):
    """One sector's row of the audit (ODD §7.3): adds to ``counts[q]`` (quintiles, 2 + forms; int64) her
    quintile q's users, co-producers (``stance == contribute``) and holders of each form (``civic & form_bits[k]``
    set), and marks each form she holds in ``person_forms[her]`` (bit k), for the authority's row
    (``add_people_counts``). Quintiles outside 0 ... rows - 1 are not counted (as the NumPy masks did not)."""
    n_quintiles = counts.shape[0]
    for slot in range(slot_count(citizen)):
        person = holder(citizen, slot)
        quintile = deprivation[person]
        forms = np.uint8(0)
        for k in range(form_bits.size):
            if (civic[slot] & form_bits[k]) != 0:
                forms |= np.uint8(1 << k)
        person_forms[person] |= forms
        if quintile < 0 or quintile >= n_quintiles:
            continue
        counts[quintile, USERS] += 1
        counts[quintile, TAKING_PART] += stance[slot] == contribute
        for k in range(form_bits.size):
            counts[quintile, FIRST_FORM + k] += (forms >> k) & 1


@compiled
def add_people_counts(deprivation, last_participation, since, person_forms, counts):
    """The authority's row of the audit (ODD §7.3): adds to ``counts[q]`` her quintile q's adults, who took part
    in some service's governance or co-production after month ``since`` (``Citizens.participated``), and who holds
    each form in some service (bit k of ``person_forms``, from ``add_sector_counts``)."""
    n_quintiles = counts.shape[0]
    n_forms = counts.shape[1] - FIRST_FORM
    for person in range(deprivation.size):
        quintile = deprivation[person]
        if quintile < 0 or quintile >= n_quintiles:
            continue
        counts[quintile, USERS] += 1
        counts[quintile, TAKING_PART] += last_participation[person] > since
        for k in range(n_forms):
            counts[quintile, FIRST_FORM + k] += (person_forms[person] >> k) & 1
