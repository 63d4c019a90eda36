"""The policymakers' dashboard (Solara): pull the proposal's levers, compare the regimes, read what it means.

Pure parts (no Solara): ``controls`` (levers and presets from ``sim.REGISTRY``, settings in a URL), ``runs``
(the comparison of regimes on common random numbers through ``sim.run_batch``), ``readout`` (the comparison in
plain words), ``figures`` (Matplotlib figures), ``share`` (CSV and Markdown downloads), ``results_view`` (a
batch's report, rendered safely). Solara parts: ``state`` (one browser session's settings and runs),
``pages`` (Compare, Explore and Results, a module each), ``app`` (the routes and the frame around the pages);
``server`` serves them offline. The dashboard calls only the public API in ``sim/__init__.py`` and the modules
that say what regimes and the proposal are (``sim.regimes``, ``sim.proposal``); the model never imports it.
"""
