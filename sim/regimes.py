"""The regimes a user can choose, what they are called in words and how they are drawn: defined once here.

Every surface that names or draws a regime (the report, the command line, the dashboard, the figures, the
notebooks) imports these, so that a regime reads and looks the same everywhere (ODD §1).
"""

from __future__ import annotations

from .providers.catalogue import INITIAL_KIND
from .providers.table import KIND_NAMES

#: The regimes of ``MutualStateModel(regime=...)``: who runs services at the start, and who takes them over.
REGIMES = ("state", "privatised", "mutual", "conversion")

#: A regime's providers in words, as a sentence names them ("mutuals cost more than state departments").
REGIME_NOUNS = {"state": "state departments", "privatised": "private contractors", "mutual": "mutuals",
                "conversion": "conversion to mutuals"}

#: One colour per regime (Okabe & Ito's colour-blind-safe palette), the same in every figure and on the page.
REGIME_COLOURS = {"state": "#0072B2", "privatised": "#D55E00", "mutual": "#009E73", "conversion": "#E69F00"}

#: What tells regimes apart without colour (a figure printed in grey, a reader who cannot tell the colours): a
#: line style, a marker and a bar hatch per regime, used with the colour wherever a regime is drawn.
REGIME_LINESTYLES = {"state": "-", "privatised": "--", "mutual": "-.", "conversion": ":"}
REGIME_MARKERS = {"state": "o", "privatised": "s", "mutual": "^", "conversion": "D"}
REGIME_HATCHES = {"state": "", "privatised": "///", "mutual": "...", "conversion": "xx"}

#: One colour per provider kind: the colour of the regime whose services start as that kind
#: (``sim.providers.INITIAL_KIND``; a converting regime starts with departments and keeps their colour).
KIND_COLOURS = {KIND_NAMES[kind.kind]: REGIME_COLOURS[regime] for regime, kind in INITIAL_KIND.items()
                if regime != "conversion"}

#: The palette other categories take in order (components of cost, levels of a factor that is not a regime),
#: with the regimes' own colours left out so that no other meaning borrows a regime's colour, and without
#: black, which figures keep for totals and reference lines.
OTHER_COLOURS = ("#CC79A7", "#56B4E9", "#F0E442", "#999999", "#882255", "#44AA99", "#DDCC77", "#117733")


#: Hatches that other categories take in order with ``OTHER_COLOURS`` (components of cost), for grey prints.
OTHER_HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo", "--")


def regime_noun(regime: str) -> str:
    """A regime's providers in words; an unknown name is returned as given (a level of another factor)."""
    return REGIME_NOUNS.get(regime, regime)
