import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def small():
    """Keyword arguments for a small, fast district."""
    return {"n_units": 6, "unit_size": (150, 250)}
