"""Estimation: the behavioural parameters the record can identify, fitted by approximate Bayesian computation.

``fit_posterior`` fits the estimated parameters (``estimated.ESTIMATED``) to the fitting targets of
``sim/calibration_targets.toml`` by ABC-SMC (pyabc's components, driven generation by generation on the
project's executors, seeded per particle so the posterior does not depend on the number of workers);
``posterior`` reads a fit's draws back; ``diagnostics`` checks the fit against every target and recovers known
parameters from synthetic data; ``verdict`` turns draws of a comparison into a claim's probability.
"""

from .estimated import ESTIMATED, EstimatedParameter, parameter_role
from .store import PosteriorError, posterior, read_posterior

__all__ = ["ESTIMATED", "EstimatedParameter", "parameter_role", "PosteriorError", "posterior", "read_posterior",
           "fit_posterior"]


def __getattr__(name: str):
    # pyabc takes seconds to import: load the fit only when asked for, so `import sim` stays quick.
    if name == "fit_posterior":
        from .fit import fit_posterior

        return fit_posterior
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
