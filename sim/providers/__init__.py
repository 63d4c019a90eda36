"""Provider kinds: the kind, not a flag scattered through the code, carries the behaviour."""

from .base import Provider
from .contractor import Contractor
from .mutual import Mutual
from .secondary import SecondaryMutual
from .state import StateDepartment
from .table import CONTRACTOR, KIND_NAMES, MUTUAL, STATE, ProviderTable

KINDS = {STATE: StateDepartment, CONTRACTOR: Contractor, MUTUAL: Mutual}

__all__ = ["Provider", "StateDepartment", "Contractor", "Mutual", "SecondaryMutual", "ProviderTable", "KINDS",
           "KIND_NAMES", "STATE", "CONTRACTOR", "MUTUAL"]
