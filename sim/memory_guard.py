"""The memory guard: refuse a district whose arrays would not fit in this machine's memory, before anything is
allocated (``sim.parameters.validate`` raises its problem), rather than let the operating system kill the run.

The model's memory is its person-level arrays (ODD §2.1) and its per-sector slots (ODD §2.2); the sizes below
were measured, not derived.
"""

from __future__ import annotations

import os
from typing import Any

# Memory a district needs at its peak (tracemalloc over construction and two months, 4*10^4 and 10^5 adults,
# one, three and twelve sectors: 63, 71 and 209 bytes per adult), rounded up by a quarter: per adult for the
# person-level arrays, and per (adult, sector) slot of a needed service.
BYTES_PER_ADULT = 64
BYTES_PER_SLOT = 48


def model_bytes(params: dict[str, Any]) -> int:
    """Upper estimate of the memory a model with these (validated) parameters allocates."""
    adults = params["n_units"] * params["unit_size"][1]
    slots = sum(adults * params[f"{sector}.need_prevalence"] for sector in params["sectors"])
    return int(adults * BYTES_PER_ADULT + slots * BYTES_PER_SLOT)


def available_memory() -> int:
    """Bytes this process can still allocate: MemAvailable from /proc/meminfo (physical memory elsewhere)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def memory_problem(params: dict[str, Any]) -> str | None:
    """Why a district with these (validated) parameters would not fit in the memory available, or None."""
    need, have = model_bytes(params), available_memory()
    if need <= have:
        return None
    adults = params["n_units"] * params["unit_size"][1]
    per_adult = need / max(adults, 1)
    return (f"n_units x unit_size: {params['n_units']} units of up to {params['unit_size'][1]} adults "
            f"({adults:,} adults) need about {need / 2**30:.1f} GiB, but only {have / 2**30:.1f} GiB of memory "
            f"is available; expected at most about {int(have / per_adult):,} adults with these sectors")
