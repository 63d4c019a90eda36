"""The dashboard's three pages, a module each: ``compare`` (the regimes side by side under the proposal's levers),
``explore`` (one run, month by month) and ``results`` (a batch's report); ``common`` holds what they share.
``sim.dashboard.app`` routes to them and frames them; their state lives in ``sim.dashboard.state``.
"""
