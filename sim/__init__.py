"""Mutual State: does running public services as mutuals beat state and private provision?

The public API, nothing else: build a model, run it, load and run scenario batches.
"""

from .model import MutualStateModel
from .parameters import REGISTRY, ParameterError, optional_public_goods_game

__all__ = ["MutualStateModel", "REGISTRY", "ParameterError", "optional_public_goods_game"]
__version__ = "0.1.0"
