"""Provider kinds: the kind, not a flag scattered through the code, carries the behaviour."""

from .base import Provider, kind_table, replace_operator
from .catalogue import (
    COMMISSIONED_KIND,
    CONVERSION_KIND,
    INITIAL_KIND,
    KIND_DIFFERENCES,
    KIND_MECHANISM_BASIS,
    KIND_MECHANISMS,
    NEUTRAL_KINDS,
    neutral_kinds,
    regime_lets_users_choose,
)
from .contractor import Contractor
from .mutual import Mutual
from .secondary import SecondaryMutual
from .state import StateDepartment
from .table import CONTRACTOR, KIND_NAMES, MUTUAL, STATE, ProviderTable

KINDS = {code: Provider.by_code[code] for code in (STATE, CONTRACTOR, MUTUAL)}
KIND_BY_NAME = {"state": StateDepartment, "contractor": Contractor, "mutual": Mutual}

__all__ = ["Provider", "StateDepartment", "Contractor", "Mutual", "SecondaryMutual", "ProviderTable", "KINDS",
           "KIND_BY_NAME", "kind_table", "replace_operator", "KIND_NAMES", "STATE", "CONTRACTOR", "MUTUAL",
           "INITIAL_KIND", "COMMISSIONED_KIND", "CONVERSION_KIND", "KIND_DIFFERENCES", "NEUTRAL_KINDS",
           "neutral_kinds", "KIND_MECHANISMS", "KIND_MECHANISM_BASIS", "regime_lets_users_choose"]
