"""Mutual State: does running public services as mutuals beat state and private provision?

The public API, nothing else: build a model and run it; load scenario files and run them as batches;
open a national run's results.
"""

from .calibration import calibrate
from .estimation import posterior
from .estimation.verdict import verdict_probabilities
from .experiments import (
    BatchResult,
    Scenario,
    ScenarioError,
    load_results,
    load_scenario,
    run_batch,
    scenario_from_dict,
)
from .experiments.attribution import attribute_differences
from .metrics_catalogue import HEADLINE_METRICS, METRICS
from .model import MutualStateModel
from .national.results import NationalResults, NationalResultsError, is_national_folder, load_national_results
from .parameters import REGISTRY, ParameterError, neutral_kinds
from .presets import optional_public_goods_game
from .proposal import the_proposal
from .recovery import recovery_half_life
from .regimes import REGIMES

__all__ = ["MutualStateModel", "REGISTRY", "ParameterError", "optional_public_goods_game", "neutral_kinds", "Scenario",
           "ScenarioError", "BatchResult", "load_scenario", "scenario_from_dict", "run_batch", "load_results",
           "attribute_differences", "calibrate", "posterior", "METRICS", "HEADLINE_METRICS", "the_proposal", "REGIMES",
           "recovery_half_life", "verdict_probabilities", "load_national_results", "is_national_folder",
           "NationalResults", "NationalResultsError"]
__version__ = "0.1.0"
