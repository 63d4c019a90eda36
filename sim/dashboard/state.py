"""The dashboard's session state: what one browser session has set, kept in ``solara.reactive`` values (Solara
keeps a copy of each per browser session), and its link with the page's address (a link reproduces the view).

The pages read and set these values; nothing here draws anything.
"""

from __future__ import annotations

from typing import Any

import solara

from . import controls

# ------------------------------------------------------------------------------------------------ Compare page
params = solara.reactive({})  # the parameter values that differ from the registry defaults (Explore uses them too)
run_settings = solara.reactive(controls.RunSettings())
preset_name: solara.Reactive[str | None] = solara.reactive(None)
extra_metrics: solara.Reactive[list[str]] = solara.reactive([])
link_messages: solara.Reactive[list[str]] = solara.reactive([])
run_progress: solara.Reactive[tuple[float | None, str]] = solara.reactive((None, ""))  # (percent, words): one update
explain_progress: solara.Reactive[tuple[float | None, str]] = solara.reactive((None, ""))  # "Explain why"
url_loaded = solara.reactive(False)
run_on_open = solara.reactive(False)  # the link said run=1: run the comparison once its settings are read

# ------------------------------------------------------------------------------------------------ Explore page
explore_model = solara.reactive(None)
explore_tick = solara.reactive(0)  # counts steps and resets, so that the page re-renders after each
explore_regime = solara.reactive("mutual")
explore_seed = solara.reactive(1)
explore_error = solara.reactive("")
follow_unit = solara.reactive(0)
follow_citizen = solara.reactive(0)

# ------------------------------------------------------------------------------------------------ Results page
results_path = solara.reactive("")


def set_param(name: str, value: Any) -> None:
    """Set one parameter; a value equal to the registry default is dropped, so the link names only changes."""
    current = dict(params.value)
    if controls.is_default(name, value):
        current.pop(name, None)
    else:
        current[name] = value
    params.value = current


def use_url_settings(page: dict[str, solara.Reactive] | None = None) -> str:
    """Read the settings from the URL once, then keep the URL's query in step with them; ``page`` names the
    page's own settings kept in its link (``controls.PAGE_KEYS``: Explore's regime and seed, the Results
    folder) and the session's values that hold them."""
    router = solara.use_router()
    page = page or {}

    def load():
        """Once per session: the link's settings (a preset first, then its own values), and what was ignored."""
        if url_loaded.value:
            return
        linked, run, preset, problems = controls.from_query(router.search)
        own, own_problems = controls.page_values(router.search)
        for key, value in own.items():
            if key in page:
                page[key].value = value
        problems = problems + own_problems
        if preset:
            linked = {**controls.presets()[preset].params, **linked}
        params.value = {name: value for name, value in linked.items() if not controls.is_default(name, value)}
        run_settings.value = run
        preset_name.value = preset
        link_messages.value = problems
        url_loaded.value = True

    solara.use_effect(load, [])
    query = "&".join(part for part in (controls.to_query(params.value, run_settings.value, preset_name.value),
                                       controls.page_query({key: value.value for key, value in page.items()}))
                     if part)

    def push():
        if url_loaded.value and (router.search or "") != query:
            router.push(f"{router.path}?{query}" if query else router.path)

    solara.use_effect(push, [query])
    return query
