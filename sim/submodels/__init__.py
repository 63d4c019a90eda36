"""The submodels of ODD §7, one module each; ``sim/model.py`` builds the state and calls them in the order of
the schedule (ODD §3).

Each function takes the state it needs (the population, the service users, the provider table, the workforce,
the ledger, the parameters, the random generator, the static ``Structure``) and never the model. Where a
mechanism differs by provider kind it asks the kind's attribute or hook (``sim/providers/``); those hooks,
like Mesa agents, are given the model they belong to.

======================================  =========================================================
ODD section                             module
======================================  =========================================================
§7.1 service use and co-production      ``service_use`` (``sim/coproduction.py``: the game)
§7.2 stance revision                    ``stances``
§7.3 participation and governance       ``participation``
§7.4 Hirschman exit                     ``exit``
§7.5 design revision                    ``design`` (kinds' ``update_voice_design``)
§7.6 aggregation and production         ``production``
§7.7 effort learning                    ``sim/providers/base.py: revise_efforts`` (kinds' ``objective``)
§7.8 money and accounts                 ``money`` (``sim/ledger.py``, ``sim/public_cost.py``)
§7.9 workers                            ``work`` (``sim/workforce.py``)
§7.10-7.11 failure and the guarantor    ``sim/guarantor.py``
§7.12 recognised status                 ``investment``, ``demutualisation``, ``trust``
§7.13 secondary mutuals                 ``sim/providers/secondary.py``
§7.14 need churn and shocks             ``needs``
======================================  =========================================================
"""
