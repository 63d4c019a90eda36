"""The dashboard as Solara serves it (``mutual-state dashboard``): the routes to its three pages and the frame
around them. The pages are in ``sim.dashboard.pages``, the session's state in ``sim.dashboard.state``.
"""

from __future__ import annotations

import threading
import warnings

import solara

from . import runs
from .pages.compare import ComparePage
from .pages.explore import ExplorePage
from .pages.results import ResultsPage

# Served over plain http on 127.0.0.1, Solara sets its session cookie same-site "lax" (right for a page that no other
# site embeds) and warns about it in thirteen lines per browser session: a note for deployers, not for users.
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)


@solara.component
def SiteLayout(children=[]):  # noqa: B006 - Solara's layout signature
    """The frame of every page: the title bar with a tab per page (the current one underlined)."""
    route, siblings = solara.use_route()
    # the first comparison should not pay for starting the process pool: start it beside the first page
    solara.use_effect(lambda: threading.Thread(target=runs.warm_up, daemon=True, name="warm-up").start(), [])
    with solara.AppLayout(title="Mutual State — public services as mutuals?", navigation=False,
                          color="#2e6f9e") as main:
        with solara.AppBar():
            for sibling in siblings:
                with solara.Link(solara.resolve_path(sibling)):
                    solara.Button(sibling.label, text=True, dark=True, classes=[f"ms-nav-{sibling.label.lower()}"],
                                  style={"font-weight": "bold" if sibling is route else "normal",
                                         "text-decoration": "underline" if sibling is route else "none"})
        for child in children:
            solara.display(child)
    return main


routes = [
    # the "/" route's layout frames every page (Solara applies the root route's layout to its siblings)
    solara.Route(path="/", component=ComparePage, label="Compare", layout=SiteLayout),
    solara.Route(path="explore", component=ExplorePage, label="Explore"),
    solara.Route(path="results", component=ResultsPage, label="Results"),
]
