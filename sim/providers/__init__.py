"""Provider kinds: the kind, not a flag scattered through the code, carries the behaviour."""

from .base import Provider, kind_table
from .contractor import Contractor
from .mutual import Mutual
from .secondary import SecondaryMutual
from .state import StateDepartment
from .table import CONTRACTOR, KIND_NAMES, MUTUAL, STATE, ProviderTable

KINDS = {STATE: StateDepartment, CONTRACTOR: Contractor, MUTUAL: Mutual}
KIND_BY_NAME = {"state": StateDepartment, "contractor": Contractor, "mutual": Mutual}

__all__ = ["Provider", "StateDepartment", "Contractor", "Mutual", "SecondaryMutual", "ProviderTable", "KINDS", "KIND_BY_NAME", "kind_table",
           "KIND_NAMES", "STATE", "CONTRACTOR", "MUTUAL"]
