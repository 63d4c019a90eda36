"""ODD §7.3 Forms of participation, governance and efficacy: the ways people take part, and how governance
hears them.

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

from ..population import CONTRIBUTE, OPT_OUT, USE_ONLY, Citizens, ServiceUsers
from ..providers import ProviderTable
from ..providers.base import governance_strength, kind_table
from .service_use import cost_factor, hirschman_reference, outside_option, service_utility
from .structure import Structure

# Bits of ServiceUsers.civic (one byte per slot).
MEMBER, BOARD, PANEL, VOTED, CONSULTED = 1, 2, 4, 8, 16
SEATED = BOARD | PANEL


def voice_benefit(params: dict, structure: Structure, population: Citizens, users: ServiceUsers,
                  table: ProviderTable, month: int, slots: np.ndarray) -> np.ndarray:
    """b_i = voice_value * efficacy_i * dissatisfaction_i + habit_value * [took part in the last 12 months].

    Dissatisfaction is relative to what she gets now or, where exit is open and crowds out voice, to the best
    exit option (Hirschman 1970)."""
    sector = users.sector_index
    citizens = users.citizen[slots]
    utility = service_utility(params, structure, table, sector, users.provider[slots], users.x[slots])
    reference = utility
    if structure.choice_in[sector] and params["exit_crowds_out_voice"] and users.exit_gain is not None:
        reference = hirschman_reference(utility, utility + users.exit_gain[slots])
    dissatisfaction = np.maximum(params["aspiration"] - reference, 0.0)
    habit = params["habit_value"] * (population.last_participation[citizens] > month - 12)
    return (params["voice_value"] * population.efficacy[citizens] * dissatisfaction + habit).astype(np.float32)


def take_up(params: dict, benefit: np.ndarray, cost: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Who takes a form up: logit in its benefit net of its cost. ``uniform`` is drawn for every slot, whatever
    the state, so that runs on common random numbers stay in step."""
    chance = expit(params["motive_sensitivity"] * (benefit - cost))
    return uniform < chance


def choose_stance_by_motive(params: dict, structure: Structure, population: Citizens, users: ServiceUsers,
                            table: ProviderTable, rng: np.random.Generator, month: int,
                            slots: np.ndarray) -> np.ndarray:
    """Stances of deliberating revisers: a logit choice over the three stances' expected payoffs to her.

    Relative to using only: contributing adds b_i + r c / N - c_i (her voice, her own share of what she puts
    in, her cost); opting out swaps the service and the expected pool share (r c times the row's participation)
    for the outside option sigma."""
    sector = users.sector_index
    rows = users.provider[slots]
    pool_return = structure.sector_array("coproduction_r")[sector]
    effort = params["participation_cost"]
    gain_contribute = (voice_benefit(params, structure, population, users, table, month, slots)
                       + pool_return * effort / params["group_size"] - users.personal_cost[slots])
    sigma = outside_option(params, structure, sector)
    utility = service_utility(params, structure, table, sector, rows, users.x[slots])
    gain_leave = sigma - (utility + pool_return * effort * table.participation[rows])
    sensitivity = params["motive_sensitivity"]
    weight_contribute = np.exp(np.clip(sensitivity * gain_contribute, -50, 50))
    weight_leave = np.exp(np.clip(sensitivity * gain_leave, -50, 50))
    total = 1.0 + weight_contribute + weight_leave
    uniform = rng.random(slots.size) * total
    return np.where(uniform < weight_contribute, CONTRIBUTE,
                    np.where(uniform < weight_contribute + weight_leave, OPT_OUT, USE_ONLY)).astype(np.int8)


def form_cost(params: dict, structure: Structure, population: Citizens, users: ServiceUsers, slots: np.ndarray,
              base: float) -> np.ndarray:
    """A form's cost for each slot: ``base`` scaled as the co-production cost c_i is (civic resources,
    channels)."""
    effort = params["participation_cost"]
    # personal_cost is float32: an effort that is positive but rounds to zero in float32 would divide 0 by 0
    factor = (users.personal_cost[slots] / effort if np.float32(effort) > 0
              else cost_factor(params, structure, population, users)[slots])
    return base * factor


def update_membership(params: dict, population: Citizens, service_users: list[ServiceUsers],
                      table: ProviderTable, rng: np.random.Generator, month: int) -> None:
    """Monthly: users of a mutual join at the rate ``membership_uptake`` (contributors at once); membership
    and seats lapse where the row is no longer a mutual. Seat holders take part every month of their term."""
    is_mutual = kind_table(params, table, "members_own_it").astype(bool)
    join = 1.0 - (1.0 - params["membership_uptake"]) ** (1.0 / 12.0)
    for users in service_users:
        if users.m == 0:
            continue
        at_mutual = is_mutual[users.provider]
        joins = at_mutual & ((users.stance == CONTRIBUTE) | (rng.random(users.m) < join))
        users.civic |= (joins * MEMBER).astype(np.uint8)
        users.civic &= np.where(at_mutual, 0xFF, ~np.uint8(MEMBER | BOARD)).astype(np.uint8)
        seated = (users.civic & SEATED) != 0
        population.last_participation[users.citizen[seated]] = month


def hold_governance(params: dict, structure: Structure, population: Citizens, service_users: list[ServiceUsers],
                    table: ProviderTable, rng: np.random.Generator, month: int) -> dict[str, float]:
    """Once a fiscal year: every mutual elects its board (members vote), every provider that hears voice
    consults its users, and seats on boards and (where the channel exists) user panels are filled from those
    who take part. Marks voters and respondents (``VOTED``, ``CONSULTED``) for the year. Returns the
    election's members and voters over the mutuals that held one."""
    n = table.n
    is_mutual = kind_table(params, table, "members_own_it").astype(bool)
    consults = kind_table(params, table, "hearings_per_year") > 0
    votes = np.zeros(n)
    members = np.zeros(n)
    panels = params["channel_user_panels"]
    for users in service_users:
        if users.m == 0:
            continue
        users.civic &= ~np.uint8(VOTED | CONSULTED | SEATED)
        rows = users.provider
        active = np.flatnonzero(users.stance != OPT_OUT)
        benefit = voice_benefit(params, structure, population, users, table, month, active)
        member = (users.civic[active] & MEMBER) != 0
        u_vote, u_answer, u_seat = (rng.random(users.m) for _ in range(3))
        voter = member & take_up(params, benefit, form_cost(params, structure, population, users, active,
                                                            params["vote_cost"]), u_vote[active])
        answer = consults[rows[active]] & take_up(
            params, benefit, form_cost(params, structure, population, users, active, params["consultation_cost"]),
            u_answer[active])
        users.civic[active] |= (voter * VOTED + answer * CONSULTED).astype(np.uint8)
        active_rows = rows[active]
        members += np.bincount(active_rows, weights=member, minlength=n)
        votes += np.bincount(active_rows, weights=voter, minlength=n)
        took_part = active[voter | answer]
        population.last_participation[users.citizen[took_part]] = month
        # Seats: candidates are members who take part (boards of mutuals) or users who take part (panels).
        stands = users.stance[active] == CONTRIBUTE
        fill_seats(users, active[stands & member & is_mutual[active_rows]], params["board_size"], BOARD, u_seat)
        if panels:
            fill_seats(users, active[stands & consults[active_rows]], params["panel_size"], PANEL, u_seat)
    table.members = members
    elected = is_mutual & (members > 0)
    return {"members": float(members[elected].sum()), "voters": float(votes[elected].sum())}


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


def heard_preference(service_users: list[ServiceUsers], table: ProviderTable) -> None:
    """What each row's governance hears this month: the mean current preference of those who voted at its
    last election (the board's mandate: the board answers to its voters), of those who answered its last
    consultation and of this month's contributors, weighted by how many of each took part."""
    n = table.n
    voters, vote_pref, respondents, answer_pref = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    for users in service_users:
        if users.m == 0:
            continue
        voted = (users.civic & VOTED) != 0
        answered = (users.civic & CONSULTED) != 0
        voters += np.bincount(users.provider, weights=voted, minlength=n)
        vote_pref += np.bincount(users.provider, weights=voted * users.x, minlength=n)
        respondents += np.bincount(users.provider, weights=answered, minlength=n)
        answer_pref += np.bincount(users.provider, weights=answered * users.x, minlength=n)
    table.voters, table.respondents = voters, respondents
    table.mandate = np.divide(vote_pref, voters, out=table.voice_design.copy(), where=voters > 0)
    table.consulted_pref = np.divide(answer_pref, respondents, out=table.voice_design.copy(), where=respondents > 0)
    weight = voters + respondents + table.contributors
    total = voters * table.mandate + respondents * table.consulted_pref + table.contributors * table.contributor_pref
    table.heard = weight
    table.heard_pref = np.divide(total, weight, out=table.voice_design.copy(), where=weight > 0)


def voice_response(params: dict, table: ProviderTable) -> np.ndarray:
    """Each row's response to voice: the share of the gap between its design and what it hears that its channel
    closes in a year, 1 - (1 - omega f(p))^H, with H the hearings a year of its kind (0 for a contract)."""
    pull = params["voice_speed"] * governance_strength(table.participation, params["voice_half_participation"])
    return 1.0 - (1.0 - pull) ** kind_table(params, table, "hearings_per_year")


def learn_efficacy(params: dict, population: Citizens, service_users: list[ServiceUsers],
                   table: ProviderTable) -> None:
    """Efficacy learns whether voice is heeded: signal_i = response_p * fit_i * weight_p, where fit_i =
    max(0, 1 - |x_i - voice_design_p| / heeded_distance) is how well the channel's design fits her, and one
    voice's weight among the n heard is 1 / (1 + n / voice_crowd) (Olson 1965; 1 with ``voice_dilution``
    off). Every active user learns (opt-outs do not), each service at the rate divided by the number of
    services she needs."""
    rate = params["efficacy_learning"]
    if rate <= 0:
        return
    weight = 1.0 / (1.0 + table.heard / params["voice_crowd"]) if params["voice_dilution"] else np.ones(table.n)
    row_signal = (voice_response(params, table) * weight).astype(np.float32)
    inv_distance = np.float32(1.0 / params["heeded_distance"])
    for users in service_users:
        slots = np.flatnonzero(users.stance != OPT_OUT)
        if slots.size == 0:
            continue
        rows = users.provider[slots]
        fit = np.maximum(1.0 - np.abs(users.x[slots] - table.voice_design[rows].astype(np.float32)) * inv_distance,
                         0.0)
        citizens = users.citizen[slots]
        step = rate / population.services_needed(citizens)
        population.efficacy[citizens] += (step * (row_signal[rows] * fit - population.efficacy[citizens])).astype(
            np.float32)


def measure(population: Citizens, service_users: list[ServiceUsers],
            last_election: dict[str, float] | None) -> dict[str, float]:
    """The participation reporters: member share, election turnout, consultation share, active share and
    co-production share."""
    n = max(population.n, 1)
    member = np.zeros(population.n, dtype=bool)
    consulted = np.zeros(population.n, dtype=bool)
    seated = np.zeros(population.n, dtype=bool)
    contributors = active = 0
    for users in service_users:
        if users.m == 0:
            continue
        member[users.citizen[(users.civic & MEMBER) != 0]] = True
        consulted[users.citizen[(users.civic & CONSULTED) != 0]] = True
        seated[users.citizen[(users.civic & SEATED) != 0]] = True
        counts = np.bincount(users.stance, minlength=3)
        contributors += int(counts[CONTRIBUTE])
        active += int(counts[CONTRIBUTE] + counts[USE_ONLY])
    election = last_election or {"members": 0.0, "voters": 0.0}
    return {
        "member_share": float(member.sum()) / n,
        "election_turnout": election["voters"] / election["members"] if election["members"] > 0 else 0.0,
        "consultation_share": float(consulted.sum()) / n,
        "active_share": float(seated.sum()) / n,
        "coproduction_share": contributors / active if active else 0.0,
    }
