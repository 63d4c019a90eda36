"""The ways people take part, and how governance hears them.

The proposal names five forms of participation; each has its own cost, frequency and reward:

* **co-production** (monthly; the stance ``contribute`` of the optional public goods game, cost ``c_i``,
  reward: the pool and the expressive value of voice);
* **membership** of a mutual (users; joined once at the rate ``membership_uptake``, no cost; reward: the vote;
  contributors are members ex officio — taking part in a mutual's governance is what its members do);
* **voting** in the yearly board election of a mutual (members only; cost ``vote_cost``);
* **answering a consultation** (yearly, every provider whose kind hears voice; cost ``consultation_cost``);
* **sitting on a board or user panel** (seats filled yearly from those who take part; the term is a year).

The voice forms share one motive, after the civic voluntarism model (Verba, Schlozman & Brady 1995: people take
part because they can, want to and are asked) and Hirschman (1970): a form is taken up with the logit chance
``logistic(s * (b_i - cost_i))`` where the benefit ``b_i = voice_value * efficacy_i * dissatisfaction_i +
habit_value * [took part in the last 12 months]`` (habit: Gerber, Green & Shachar 2003), the cost is the form's
cost scaled by her civic resources as ``c_i`` is, and ``s = motive_sensitivity``. Civic habits are a person's
(efficacy, last participation), so they survive a change of need or provider.

Governance aggregates voice: a row hears the voters' mean preference (the board's mandate, renewed at each
election), the consultation respondents' and this month's contributors', each weighted by how many took part
(``heard_pref``); the kinds move their design toward it with inertia (``move_toward_voice``).

Efficacy is learnt from whether one's voice was heeded: the fit one gets from the channel's design, times the
channel's response to voice (the share of the gap to what it hears that it closes in a year), times one voice's
weight among those heard (Olson 1965). Everything is vectorised over slots and rows.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .population import CONTRIBUTE, OPT_OUT, USE_ONLY
from .providers.base import governance_strength, kind_table

# Bits of ServiceUsers.civic (one byte per slot).
MEMBER, BOARD, PANEL, VOTED, CONSULTED = 1, 2, 4, 8, 16
SEATED = BOARD | PANEL


def voice_benefit(model, s: int, slots: np.ndarray) -> np.ndarray:
    """b_i = voice_value * efficacy_i * dissatisfaction_i + habit_value * [took part in the last 12 months].

    Dissatisfaction is relative to what she gets now or, where exit is open and crowds out voice, to the best
    exit option (Hirschman 1970)."""
    p, pop, users = model.params, model.population, model.users[s]
    cit = users.citizen[slots]
    utility = model.service_utility(s, users.provider[slots], users.x[slots])
    reference = utility
    if model.choice_in[s] and p["exit_crowds_out_voice"] and model._alternatives[s] is not None:
        reference = utility + np.maximum(model._alternatives[s][1][slots], 0.0)
    dissatisfaction = np.maximum(p["aspiration"] - reference, 0.0)
    habit = p["habit_value"] * (pop.last_participation[cit] > model.month - 12)
    return (p["voice_value"] * pop.efficacy[cit] * dissatisfaction + habit).astype(np.float32)


def take_up(model, benefit: np.ndarray, cost: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Who takes a form up: logit in its benefit net of its cost. ``uniform`` is drawn for every slot, whatever
    the state, so that runs on common random numbers stay in step."""
    chance = expit(model.params["motive_sensitivity"] * (benefit - cost))
    return uniform < chance


def choose_stance_by_motive(model, s: int, slots: np.ndarray) -> np.ndarray:
    """Stances of deliberating revisers: a logit choice over the three stances' expected payoffs to her.

    Relative to using only: contributing adds b_i + r c / N - c_i (her voice, her own share of what she puts
    in, her cost); opting out swaps the service and the expected pool share (r c times the row's participation)
    for the outside option sigma."""
    p, users, t = model.params, model.users[s], model.providers
    rows = users.provider[slots]
    r = model.sector_array("coproduction_r")[s]
    c = p["participation_cost"]
    gain_c = voice_benefit(model, s, slots) + r * c / p["group_size"] - model.personal_cost[s][slots]
    sigma = model.sector_array("outside_option")[s] + (p["choice_outside_bonus"] if model.choice_in[s] else 0.0)
    utility = model.service_utility(s, rows, users.x[slots])
    gain_l = sigma - (utility + r * c * t.participation[rows])
    k = p["motive_sensitivity"]
    w_c, w_l = np.exp(np.clip(k * gain_c, -50, 50)), np.exp(np.clip(k * gain_l, -50, 50))
    total = 1.0 + w_c + w_l
    u = model.np_rng.random(slots.size) * total
    return np.where(u < w_c, CONTRIBUTE, np.where(u < w_c + w_l, OPT_OUT, USE_ONLY)).astype(np.int8)


def form_cost(model, s: int, slots: np.ndarray, base: float) -> np.ndarray:
    """A form's cost for each slot: ``base`` scaled as the co-production cost c_i is (civic resources,
    channels)."""
    c = model.params["participation_cost"]
    factor = model.personal_cost[s][slots] / c if c > 0 else model.cost_factor(s)[slots]
    return base * factor


def update_membership(model) -> None:
    """Monthly: users of a mutual join at the rate ``membership_uptake`` (contributors at once); membership
    and seats lapse where the row is no longer a mutual. Seat holders take part every month of their term."""
    p, pop = model.params, model.population
    is_mutual = kind_table(model, "members_own_it").astype(bool)
    join = 1.0 - (1.0 - p["membership_uptake"]) ** (1.0 / 12.0)
    for users in model.users:
        if users.m == 0:
            continue
        at_mutual = is_mutual[users.provider]
        joins = at_mutual & ((users.stance == CONTRIBUTE) | (model.np_rng.random(users.m) < join))
        users.civic |= (joins * MEMBER).astype(np.uint8)
        users.civic &= np.where(at_mutual, 0xFF, ~np.uint8(MEMBER | BOARD)).astype(np.uint8)
        seated = (users.civic & SEATED) != 0
        pop.last_participation[users.citizen[seated]] = model.month


def hold_governance(model) -> None:
    """Once a fiscal year: every mutual elects its board (members vote), every provider that hears voice
    consults its users, and seats on boards and (where the channel exists) user panels are filled from those
    who take part. Marks voters and respondents (``VOTED``, ``CONSULTED``) for the year."""
    p, t, pop = model.params, model.providers, model.population
    n = t.n
    is_mutual = kind_table(model, "members_own_it").astype(bool)
    consults = kind_table(model, "hearings_per_year") > 0
    votes = np.zeros(n)
    members = np.zeros(n)
    panels = p["channel_user_panels"]
    for s, users in enumerate(model.users):
        if users.m == 0:
            continue
        users.civic &= ~np.uint8(VOTED | CONSULTED | SEATED)
        rows = users.provider
        active = np.flatnonzero(users.stance != OPT_OUT)
        benefit = voice_benefit(model, s, active)
        member = (users.civic[active] & MEMBER) != 0
        u_vote, u_answer, u_seat = (model.np_rng.random(users.m) for _ in range(3))
        voter = member & take_up(model, benefit, form_cost(model, s, active, p["vote_cost"]), u_vote[active])
        answer = consults[rows[active]] & take_up(model, benefit, form_cost(model, s, active, p["consultation_cost"]),
                                                  u_answer[active])
        users.civic[active] |= (voter * VOTED + answer * CONSULTED).astype(np.uint8)
        r_act = rows[active]
        members += np.bincount(r_act, weights=member, minlength=n)
        votes += np.bincount(r_act, weights=voter, minlength=n)
        took_part = active[voter | answer]
        pop.last_participation[users.citizen[took_part]] = model.month
        # Seats: candidates are members who take part (boards of mutuals) or users who take part (panels).
        stands = users.stance[active] == CONTRIBUTE
        fill_seats(users, active[stands & member & is_mutual[r_act]], p["board_size"], BOARD, u_seat)
        if panels:
            fill_seats(users, active[stands & consults[r_act]], p["panel_size"], PANEL, u_seat)
    t.members = members
    elected = is_mutual & (members > 0)
    model.last_election = {"members": float(members[elected].sum()), "voters": float(votes[elected].sum())}


def fill_seats(users, candidates: np.ndarray, seats: int, bit: int, priority: np.ndarray) -> None:
    """Give up to ``seats`` seats per row to the candidates (slots) with the lowest random ``priority`` (drawn
    for every slot); seats without a candidate stay vacant, as uncontested and vacant governor seats do."""
    if candidates.size == 0 or seats <= 0:
        return
    rows = users.provider[candidates]
    order = np.lexsort((priority[candidates], rows))
    rows_sorted = rows[order]
    first = np.searchsorted(rows_sorted, rows_sorted, side="left")
    rank = np.arange(candidates.size) - first
    users.civic[candidates[order[rank < seats]]] |= np.uint8(bit)


def heard_preference(model) -> None:
    """What each row's governance hears this month: the mean current preference of those who voted at its
    last election (the board's mandate: the board answers to its voters), of those who answered its last
    consultation and of this month's contributors, weighted by how many of each took part."""
    t = model.providers
    n = t.n
    voters, vote_pref, respondents, answer_pref = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    for users in model.users:
        if users.m == 0:
            continue
        voted = (users.civic & VOTED) != 0
        answered = (users.civic & CONSULTED) != 0
        voters += np.bincount(users.provider, weights=voted, minlength=n)
        vote_pref += np.bincount(users.provider, weights=voted * users.x, minlength=n)
        respondents += np.bincount(users.provider, weights=answered, minlength=n)
        answer_pref += np.bincount(users.provider, weights=answered * users.x, minlength=n)
    t.voters, t.respondents = voters, respondents
    t.mandate = np.divide(vote_pref, voters, out=t.voice_design.copy(), where=voters > 0)
    t.consulted_pref = np.divide(answer_pref, respondents, out=t.voice_design.copy(), where=respondents > 0)
    weight = voters + respondents + t.contributors
    total = voters * t.mandate + respondents * t.consulted_pref + t.contributors * t.contributor_pref
    t.heard = weight
    t.heard_pref = np.divide(total, weight, out=t.voice_design.copy(), where=weight > 0)


def voice_response(model) -> np.ndarray:
    """Each row's response to voice: the share of the gap between its design and what it hears that its channel
    closes in a year, 1 - (1 - omega f(p))^H, with H the hearings a year of its kind (0 for a contract)."""
    p, t = model.params, model.providers
    pull = p["voice_speed"] * governance_strength(t.participation, p["voice_half_participation"])
    return 1.0 - (1.0 - pull) ** kind_table(model, "hearings_per_year")


def learn_efficacy(model) -> None:
    """Efficacy learns whether voice is heeded: signal_i = response_p * fit_i * weight_p, where fit_i =
    max(0, 1 - |x_i - voice_design_p| / heeded_distance) is how well the channel's design fits her, and one
    voice's weight among the n heard is 1 / (1 + n / voice_crowd) (Olson 1965; 1 with ``voice_dilution``
    off). Every active user learns (opt-outs do not), each service at the rate divided by the number of
    services she needs."""
    p, t, pop = model.params, model.providers, model.population
    rate = p["efficacy_learning"]
    if rate <= 0:
        return
    weight = 1.0 / (1.0 + t.heard / p["voice_crowd"]) if p["voice_dilution"] else np.ones(t.n)
    row_signal = (voice_response(model) * weight).astype(np.float32)
    inv_distance = np.float32(1.0 / p["heeded_distance"])
    for users in model.users:
        slots = np.flatnonzero(users.stance != OPT_OUT)
        if slots.size == 0:
            continue
        rows = users.provider[slots]
        fit = np.maximum(1.0 - np.abs(users.x[slots] - t.voice_design[rows].astype(np.float32)) * inv_distance, 0.0)
        cit = users.citizen[slots]
        step = rate / pop.services_needed(cit)
        pop.efficacy[cit] += (step * (row_signal[rows] * fit - pop.efficacy[cit])).astype(np.float32)


def measure(model) -> dict[str, float]:
    """The participation reporters: member share, election turnout, consultation share, active share and
    co-production share."""
    pop = model.population
    n = max(pop.n, 1)
    member = np.zeros(pop.n, dtype=bool)
    consulted = np.zeros(pop.n, dtype=bool)
    seated = np.zeros(pop.n, dtype=bool)
    contributors = active = 0
    for users in model.users:
        if users.m == 0:
            continue
        member[users.citizen[(users.civic & MEMBER) != 0]] = True
        consulted[users.citizen[(users.civic & CONSULTED) != 0]] = True
        seated[users.citizen[(users.civic & SEATED) != 0]] = True
        counts = np.bincount(users.stance, minlength=3)
        contributors += int(counts[CONTRIBUTE])
        active += int(counts[CONTRIBUTE] + counts[USE_ONLY])
    election = getattr(model, "last_election", None) or {"members": 0.0, "voters": 0.0}
    return {
        "member_share": float(member.sum()) / n,
        "election_turnout": election["voters"] / election["members"] if election["members"] > 0 else 0.0,
        "consultation_share": float(consulted.sum()) / n,
        "active_share": float(seated.sum()) / n,
        "coproduction_share": contributors / active if active else 0.0,
    }
