"""ODD §7.3 Forms of participation, governance and efficacy: the institutions people take part through, why
they take part, and how governance hears them.

Forms of participation are institutions, not kinds (``sim.providers.institutions``): which of them a service
runs is given by a table per sector and kind, each entry sourced or neutral (every kind has it), and the
proposal's channels create theirs. The forms:

* **co-production** (monthly; the stance ``contribute`` of the co-production game, cost ``c_i``);
* **membership** where the service has a member board (users join at the rate ``membership_uptake``; no
  cost);
* **voting** in the yearly election of a member board (members) or of user (parent) governors (active users);
* **answering a consultation** (yearly; contacting a named contact instead, where one exists, costs less);
* **a seat** on a member board, as an elected user governor, on a user panel or as a pupils' representative
  (filled yearly from those who co-produce; the term is a year).

Why people take part: named motives, each a registry parameter (ODD §7.3): instrumental voice (``voice_value``
times efficacy times dissatisfaction; Hirschman 1970), habit (``habit_value``; Gerber, Green & Shachar 2003),
duty and social reward (``duty_value``; Riker & Ordeshook 1968, Blais 2000) and being asked (``asked_value``,
for the forms that invite her: ballots and consultations; Verba, Schlozman & Brady 1995). A form is taken up
with the logit chance ``logistic(s_f * (b_i + delta_j - cost_i))``: part of the idiosyncratic taste is her lasting
civic disposition ``delta_j`` (the share ``taste_persistence`` of its variance), the rest a fresh draw at the
slope ``s_f``. With every motive and the disposition at zero nothing but the fresh draw's tail makes anyone take
part.

Governance aggregates voice: a row hears its voters' mean preference (the mandate), its consultation
respondents' and this month's contributors', each weighted by how many took part (``heard_pref``); the kinds
move their design toward it (``move_toward_voice``).

Efficacy is learnt from being heeded: a person who took part through the service's institutions learns how far
its delivered design has moved from the centre's design toward her wish, times one voice's weight among those
heard (Olson 1965). The same rule for every kind: a kind that hears more but moves less teaches less.
"""

from __future__ import annotations

import math
from weakref import WeakKeyDictionary

import numpy as np
from scipy.special import expit

from ..kernels import elections, formula_funding, membership, provider_tallies, voice
from ..kernels.bitgen import address
from ..kernels.draws import uniform_chunks
from ..population import (
    BOARD,
    CONSULTED,
    CONTRIBUTE,
    GOVERNOR,
    MEMBER,
    N_QUINTILES,
    OPT_OUT,
    PANEL,
    POPCOUNT,
    PUPIL,
    USE_ONLY,
    VOTED,
    Citizens,
    ServiceUsers,
)
from ..providers import ProviderTable
from ..providers.institutions import present
from .rationing import stance_served
from .service_use import cost_factor
from .structure import Structure

SEATED = BOARD | PANEL | GOVERNOR | PUPIL
TOOK_PART = SEATED | VOTED | CONSULTED  # through the service's institutions this year (co-production aside)
NO_SWITCHERS = np.zeros(0, dtype=np.int32)  # where exit does not crowd out voice: no switchers read
NO_FACTOR = np.zeros(0, dtype=np.float32)  # the forms' costs divide c_i by c (``standard_cost_factor``)
GATHER_CHUNK = 1 << 16  # slots gathered at a time where a whole sector's gather is not needed at once
ELECTION_CHUNK = 1 << 16  # a sector's slots the yearly elections take at a time, from costs to ballots (D-F92)
COPY_SEED = np.random.SeedSequence(0)  # seeds ``generator_ahead``'s copy, whose state is then set (ODD §9 D-F164)
FORM_BITS = np.array([MEMBER, VOTED, CONSULTED, SEATED], dtype=np.uint8)  # the forms counted by ``measure``
# the elections' bits as their kernel takes them (``hold_governance``): member, voted, consulted, seated, the year's
# bits cleared, and the seats' (board, elected governor, pupils' representative, panel)
MEMBER8, VOTED8, CONSULTED8, SEATED8 = np.uint8(MEMBER), np.uint8(VOTED), np.uint8(CONSULTED), np.uint8(SEATED)
CLEAR8 = ~np.uint8(VOTED | CONSULTED | SEATED)
SEAT_BITS = np.array([BOARD, GOVERNOR, PUPIL, PANEL], dtype=np.uint8)
# each provider table's month and its rows' part of the funding formula (the weighted users times unit cost that
# ``Guarantor.payments`` starts from), summed by the month's tallies (``tally_month``, ODD §9 D-F96)
FORMULA_USERS: WeakKeyDictionary = WeakKeyDictionary()
# each provider table's month of elections and each sector's contributors' personal costs summed in the same pass
# (``metrics.volunteer_costs`` at a fiscal year's end: the stances and resources of step 9 are those of the
# month's end before capacity building, ODD §9 D-F144)
VOLUNTEER_COSTS: WeakKeyDictionary = WeakKeyDictionary()
# each provider table's two copies of its model's generator for the elections' answers and seats, kept between
# sectors and years (their states are set afresh each time, ``generator_ahead``): a new copy's C interface is built
# at its first kernel call (ODD §9 D-F181)
ELECTION_COPIES: WeakKeyDictionary = WeakKeyDictionary()


def voice_benefit(params: dict, structure: Structure, population: Citizens, users: ServiceUsers,
                  table: ProviderTable, stream_key: tuple[int, int], month: int, slots: np.ndarray) -> np.ndarray:
    """The motives every form shares: b_i = voice_value * efficacy_i * dissatisfaction_i + habit_value *
    [took part in the last 12 months] + duty_value.

    Dissatisfaction is relative to what she gets now or, where exit is open and crowds out voice, to the best
    exit option (Hirschman 1970): this month's, as service use valued it, from the keyed exit option and, for
    this month's switchers, the row they left (``users.switched``, ODD §9 D-F81); none before the first month's
    exit. One compiled pass over the slots (``sim.kernels.voice.voice_benefit``)."""
    sector = users.sector_index
    crowd_out = bool(structure.choice_in[sector] and params["exit_crowds_out_voice"] and users.switched is not None)
    moved, left = users.switched if crowd_out else (NO_SWITCHERS, NO_SWITCHERS)
    return voice.voice_benefit(  # the kernel; the Hirschman reference is its max(U, U + exit gain)
        slots, users.provider, users.xq, users.holders, crowd_out, stream_key[0], stream_key[1], month, sector,
        users.unit_start, users.unit_count, structure.home_row[sector], structure.row_neighbours,
        structure.row_neighbour_count, population.quality_sensitivity, float(params["switch_cost"]), moved, left,
        table.q_c, table.q_n, table.design, float(params["service_weight"]),
        float(structure.sector_array("mismatch_weight")[sector]), float(params["aspiration"]),
        float(params["voice_value"]), float(params["habit_value"]), float(params["duty_value"]), population.efficacy,
        population.last_participation, month - 12)


def take_up_chance(params: dict, benefit: np.ndarray, cost: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The logit chance of taking a form up, ``logistic(s_f * (b_i - cost_i))``, the benefit with her lasting
    disposition (``lasting_disposition``) and ``s_f`` the fresh taste's slope (``fresh_sensitivity``); one
    temporary: the difference, scaled and passed through the logistic in place, as NumPy's whole-array
    expression gives it. ``out``: where to write it (the cost array itself, of the difference's dtype, saves the
    temporary: the same values, element by element)."""
    chance = np.subtract(benefit, cost, out=out)
    chance *= fresh_sensitivity(params)
    return expit(chance, out=chance)


def fresh_sensitivity(params: dict) -> float:
    """The logit slope of the part of the idiosyncratic taste for taking part that is drawn afresh at each choice
    (ODD §7.3, "A lasting disposition"): s / sqrt(1 - rho), so that with the lasting part (a share rho of the
    taste's variance) the taste's whole variance is the logit's at ``motive_sensitivity`` s. A Python float, as
    the registry's s is, so that at rho = 0 every product is computed as before."""
    return float(params["motive_sensitivity"]) / math.sqrt(1.0 - float(params["taste_persistence"]))


def lasting_disposition(params: dict, population: Citizens, citizen: np.ndarray,
                        slots: np.ndarray) -> np.ndarray | np.float32:
    """The lasting part of the taste of the listed slots' holders (``citizen``: the sector's slot holders) for
    taking part, in utility (ODD §7.3, "A lasting disposition"): sqrt(rho) * pi / (sqrt(3) s) * z_j, z_j her
    civic disposition (standard normal, drawn once), so that it has the share rho of the variance of the logit's
    taste at slope s. Zero where the disposition is switched off (``civic_disposition``: the zero-benefit
    counterfactual), or rho or s is zero (a scalar zero: nothing to gather)."""
    persistence, sensitivity = params["taste_persistence"], params["motive_sensitivity"]
    if not params["civic_disposition"] or persistence <= 0 or sensitivity <= 0:
        return np.float32(0.0)
    disposition = population.civic_disposition[citizen[slots]]
    disposition *= np.float32(math.sqrt(persistence) * math.pi / (math.sqrt(3.0) * sensitivity))
    return disposition


def add_lasting_disposition(params: dict, population: Citizens, citizen: np.ndarray, slots: np.ndarray,
                            benefit: np.ndarray) -> None:
    """``benefit += lasting_disposition(params, population, citizen, slots)``, the same float32 values, gathered
    a chunk of slots at a time so that the whole sector's gather is never made (ODD §9 D-F62)."""
    persistence, sensitivity = params["taste_persistence"], params["motive_sensitivity"]
    if not params["civic_disposition"] or persistence <= 0 or sensitivity <= 0:
        benefit += np.float32(0.0)
        return
    scale = np.float32(math.sqrt(persistence) * math.pi / (math.sqrt(3.0) * sensitivity))
    for first in range(0, slots.size, GATHER_CHUNK):
        disposition = population.civic_disposition[citizen[slots[first:first + GATHER_CHUNK]]]
        disposition *= scale
        benefit[first:first + GATHER_CHUNK] += disposition


def lasting_disposition_scale(params: dict) -> float:
    """What her civic disposition z_j is multiplied by to give the lasting part of her taste in utility,
    sqrt(rho) * pi / (sqrt(3) s) (``lasting_disposition``); 0 where the disposition is off or rho or s is 0."""
    persistence, sensitivity = params["taste_persistence"], params["motive_sensitivity"]
    if not params["civic_disposition"] or persistence <= 0 or sensitivity <= 0:
        return 0.0
    return float(np.float32(math.sqrt(persistence) * math.pi / (math.sqrt(3.0) * sensitivity)))


def take_up(params: dict, benefit: np.ndarray, cost: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Who takes a form up: logit in its benefit net of its cost. ``uniform`` is drawn for every slot, whatever
    the state, so that runs on common random numbers stay in step."""
    return uniform < take_up_chance(params, benefit, cost)


def standard_cost_factor(params: dict, structure: Structure, population: Citizens, users: ServiceUsers) -> np.ndarray:
    """What the forms' costs are scaled by where the standard cost is zero in float32 (then c_i / c would divide
    0 by 0: the cost factor itself); empty otherwise (the kernels divide c_i by c)."""
    if np.float32(params["participation_cost"]) > 0:
        return NO_FACTOR
    return cost_factor(params, structure, population, users)


def update_membership(params: dict, structure: Structure, population: Citizens, service_users: list[ServiceUsers],
                      table: ProviderTable, rng: np.random.Generator, month: int) -> None:
    """Monthly: users of a service with a member board join at the rate ``membership_uptake``; membership and
    board seats lapse where the row no longer has one. Seat holders take part every month of their term."""
    has_board = present(params, structure.sector_names, table, "member_board")
    join = 1.0 - (1.0 - params["membership_uptake"]) ** (1.0 / 12.0)
    for users in service_users:  # the kernel: ``sim.kernels.membership.update_membership``, a chunk at a time
        for start, uniform in uniform_chunks(rng, users.m):
            membership.update_membership(start, uniform, users.provider, has_board, join, users.civic,
                                         users.holders, population.last_participation, month, np.uint8(MEMBER),
                                         np.uint8(MEMBER | BOARD), np.uint8(SEATED))


def tally_month(params: dict, structure: Structure, population: Citizens, service_users: list[ServiceUsers],
                table: ProviderTable, key: tuple[int, int], month: int, hear: bool) -> None:
    """ODD §3.1 steps 8-9 in one pass over each sector's slots (``sim.kernels.provider_tallies.tally_and_join``,
    ODD §9 D-F30): the rows' tallies of users (``production.aggregate_users``), monthly membership (its join
    uniforms from the model's keyed stream ``key``, D-F32) and, if ``hear`` (a month without the fiscal year's
    elections), what governance hears (``heard_preference``); then what each derives from its tallies.
    Membership changes only the membership and board bits, which neither tally reads. The same pass sums the rows'
    part of the guarantor's funding formula for step 13's payments (ODD §7.8), kept in ``FORMULA_USERS`` for this
    month (ODD §9 D-F96; block funding's too, D-F131)."""
    n, dimensions = table.n, table.contributor_pref.shape[1]
    has_board = present(params, structure.sector_names, table, "member_board")
    any_board = bool(np.count_nonzero(has_board))
    counts, prefs = np.zeros((n, provider_tallies.N_COUNTS)), np.zeros((n, 3, dimensions))
    sector_counts, sector_prefs = np.empty_like(counts), np.empty_like(prefs)
    formula_users = np.zeros(n)  # the formula's weighted users times unit cost per row, as ``Guarantor.payments``
    join, normalised, need_weighted, weight_of, unit_cost = structure.terms(
        "tally_month", -1, lambda: tally_terms(params, structure))
    for sector, users in enumerate(service_users):
        # money follows users (their rows) or, block funding, every eligible resident counts at her unit's home
        # row, the row that serves her where users do not choose (ODD §9 D-F131)
        block_funded = not structure.choice_in[sector]
        provider_tallies.tally_and_join(
            key[0], key[1], month, sector, users.provider, stance_served(users), users.high_need_bits,
            users.high_need32, users.xq,
            users.unit_start, users.unit_count, structure.home_row[sector], users.civic, users.holders,
            population.last_participation, has_board, any_board, join, hear, sector_counts, sector_prefs, counts,
            prefs, True, bool(block_funded), users.stance, population.deprivation, weight_of, normalised,
            need_weighted, unit_cost[sector], formula_users)
    FORMULA_USERS[table] = (month, formula_users)
    # the rows' counts, ``finish_aggregation`` and, if ``hear``, ``finish_heard``, in one call (ODD §9 D-F293)
    relief_per_contributor = params["coproduction_substitution"] * params["value_of_time"] * params[
        "participation_cost"]
    provider_tallies.finish_tallies(
        counts, prefs, hear, table.users, table.weighted_users, table.eligible, table.contributors, table.voice_design,
        table.sector, structure.sector_array("unit_cost"), float(relief_per_contributor), table.participation,
        table.contributor_pref, table.coproduction_relief, table.voters, table.respondents, table.mandate,
        table.consulted_pref, table.heard, table.heard_pref)


def tally_terms(params: dict, structure: Structure) -> tuple:
    """``tally_month``'s scalars and the formula's quintile weights (kept by ``Structure.terms``): the monthly join
    chance, the formula's switches, each quintile's weight, each sector's unit cost."""
    weight_of = formula_funding.quintile_weights(float(params["deprivation_weight"]), N_QUINTILES)
    return (1.0 - (1.0 - params["membership_uptake"]) ** (1.0 / 12.0), bool(params["formula_normalised"]),
            bool(params["need_weighted_capitation"]), weight_of, structure.sector_array("unit_cost").tolist())


def hold_governance(params: dict, structure: Structure, population: Citizens, service_users: list[ServiceUsers],
                    table: ProviderTable, rng: np.random.Generator, month: int,
                    stream_key: tuple[int, int]) -> dict[str, float]:
    """Once a fiscal year, each row runs the institutions the table (and the open channels) give it: member
    boards and user (parent) governors are elected, users are consulted (or contact a named contact), and the
    seats of boards, elected governors, pupils' representatives and user panels are filled from those who
    co-produce. Marks voters and respondents (``VOTED``, ``CONSULTED``) for the year. Returns each election's
    electorate and voters: members and their votes at member boards, users and theirs at governor elections.

    Who knows the candidates (ODD §7.3): candidates stand from those who co-produce, so she who co-produces in
    the service or holds one of its seats knows them; anyone else must first find out, which takes the time a
    month of taking part takes her (c_i) on top of ``vote_cost``. Uninformed voters abstain rather than vote
    blind (Feddersen & Pesendorfer 1996, the swing voter's curse) and being informed raises turnout (Lassen
    2005); the cost of voting is mostly the cost of information (Downs 1957). The same rule for every kind.

    The costs, the ballots, the answers and the seats are the kernels of ``sim.kernels.elections``, which draw
    three uniforms a slot (vote, answer, seat); the chances are ``take_up_chance``'s, the benefits
    ``voice_benefit``'s plus ``asked_value`` and ``add_lasting_disposition``'s. The costs, chances, ballots and
    answers are taken ``ELECTION_CHUNK`` slots at a time, so that no array of a whole sector's active slots is made
    (ODD §9 D-F92), all in one compiled call a sector (``elections.hold_sector_elections``, D-F140), which also adds
    up what each row hears of its voters and respondents: the rows' heard designs are set here, as
    ``heard_preference`` would set them after the elections (the contributors' part from this month's tallies).
    The same call fills the seats (``fill_seats``' rule, D-F181), its three streams given as their generators'
    addresses (``sim.kernels.bitgen``)."""
    n, names = table.n, structure.sector_names
    board, governors, panels, pupils, consults, contact = (
        present(params, names, table, name) for name in ("member_board", "user_governors", "user_panel",
                                                         "pupil_seats", "consultation", "named_contact"))
    (gradient, effort, vote_cost, candidate_information, switch_cost, service_weight, mismatch_weight, aspiration,
     voice_value, habit_value, duty_value, asked_value, disposition_on, disposition_scale, sensitivity, seats,
     contact_cost, consultation_cost, exit_crowds_out) = structure.terms(
        "hold_governance", -1, lambda: governance_terms(params, structure))
    answer_cost = np.where(contact, contact_cost, consultation_cost)
    answerable = consults | contact
    tally = {name: np.zeros(n) for name in ("members", "voters", "electorate", "governor_voters")}
    dimensions = table.voice_design.shape[1]
    heard_voters, heard_respondents = np.zeros(n), np.zeros(n)  # what governance hears (``heard_preference``)
    vote_pref, answer_pref = np.zeros((n, dimensions)), np.zeros((n, dimensions))
    sector_voters, sector_respondents = np.empty(n), np.empty(n)
    sector_vote_pref, sector_answer_pref = np.empty((n, dimensions)), np.empty((n, dimensions))
    volunteer_costs = [0.0] * len(service_users)
    month16 = np.int16(month)
    copies = ELECTION_COPIES.get(table)
    vote_gen = address(rng)
    for users in service_users:
        if users.m == 0:
            continue
        # a chunk of slots at a time from the costs to the ballots (ODD §9 D-F92): the answers draw from a copy of
        # the stream m draws ahead and the seats from one 2m ahead, which the stream then goes on from (the numbers
        # the three calls over the sector drew, ODD §9 D-F181)
        state = rng.bit_generator.state  # read once for both copies (ODD §9 D-F182)
        answer_rng = generator_ahead(rng, users.m, copies[0] if copies else None, state)
        seat_rng = generator_ahead(rng, 2 * users.m, copies[1] if copies else None, state)
        if copies is None:
            copies = ELECTION_COPIES[table] = (answer_rng, seat_rng)
        standard_factor = standard_cost_factor(params, structure, population, users)
        sector = users.sector_index
        crowd_out = bool(structure.choice_in[sector] and exit_crowds_out and users.switched is not None)
        moved, left = users.switched if crowd_out else (NO_SWITCHERS, NO_SWITCHERS)
        for array in (sector_voters, sector_respondents, sector_vote_pref, sector_answer_pref):
            array[...] = 0.0
        volunteer_costs[sector] = elections.hold_sector_elections(  # costs, benefits, chances, ballots, answers,
            # the rows' sums (ODD §9 D-F140), the volunteers' costs (D-F144) and the seats (D-F181)
            vote_gen, address(answer_rng), address(seat_rng), ELECTION_CHUNK, users.stance, OPT_OUT, users.provider,
            users.civic, users.holders, users.xq, population.resources, gradient, effort, standard_factor, vote_cost,
            effort, candidate_information, CONTRIBUTE, SEATED8, answer_cost, crowd_out, stream_key[0], stream_key[1],
            month, sector, users.unit_start, users.unit_count, structure.home_row[sector], structure.row_neighbours,
            structure.row_neighbour_count, population.quality_sensitivity, switch_cost, moved, left, table.q_c,
            table.q_n, table.design, service_weight, mismatch_weight[sector], aspiration, voice_value, habit_value,
            duty_value, population.efficacy, population.last_participation, month - 12, asked_value, disposition_on,
            population.civic_disposition, disposition_scale, sensitivity, board, governors, answerable, MEMBER8,
            VOTED8, CONSULTED8, CLEAR8, month16, tally["members"], tally["voters"], tally["electorate"],
            tally["governor_voters"], sector_voters, sector_vote_pref, sector_respondents, sector_answer_pref,
            stance_served(users), pupils, panels, seats, SEAT_BITS)
        heard_voters += sector_voters
        vote_pref += sector_vote_pref
        heard_respondents += sector_respondents
        answer_pref += sector_answer_pref
        go_on(rng, seat_rng, state, 2 * users.m)
    finish_heard(table, heard_voters, vote_pref, heard_respondents, answer_pref)
    VOLUNTEER_COSTS[table] = (month, volunteer_costs)
    table.members = tally["members"]
    return {name: float(values.sum()) for name, values in tally.items()}


def governance_terms(params: dict, structure: Structure) -> tuple:
    """``hold_governance``'s scalars, which a run does not change (kept by ``Structure.terms``, ODD §9 D-F182): the
    same floats, bools and ints it converted at every call, each sector's mismatch weight, the seats' numbers, the
    answers' two costs and whether exit crowds out voice."""
    disposition_on = bool(params["civic_disposition"] and params["taste_persistence"] > 0
                          and params["motive_sensitivity"] > 0)
    seats = np.array([params["board_size"], params["user_governor_seats"], params["pupil_seats"],
                      params["panel_size"]], dtype=np.int64)
    return (float(params["resource_gradient"]), float(params["participation_cost"]), float(params["vote_cost"]),
            bool(params["candidate_information"]), float(params["switch_cost"]), float(params["service_weight"]),
            [float(weight) for weight in structure.sector_array("mismatch_weight")], float(params["aspiration"]),
            float(params["voice_value"]), float(params["habit_value"]), float(params["duty_value"]),
            float(params["asked_value"]), disposition_on, lasting_disposition_scale(params),
            fresh_sensitivity(params), seats, min(params["contact_cost"], params["consultation_cost"]),
            params["consultation_cost"], bool(params["exit_crowds_out_voice"]))


def go_on(rng: np.random.Generator, ahead: np.random.Generator, state: dict, draws: int) -> None:
    """``catch_up(rng, ahead)`` where ``ahead`` is ``draws`` doubles ahead of ``rng``, ``state`` being ``rng``'s
    state when the copy was made: a PCG64's (or PCG64DXSM's) that held no spare half-word (``has_uint32`` and
    ``uinteger`` zero, which advancing leaves) is advanced ``draws`` doubles instead, without reading and setting
    the two states (ODD §9 D-F182); the same state."""
    if (isinstance(rng.bit_generator, (np.random.PCG64, np.random.PCG64DXSM))
            and not state.get("has_uint32") and not state.get("uinteger")):
        rng.bit_generator.advance(draws)
    else:
        catch_up(rng, ahead)


def generator_ahead(rng: np.random.Generator, draws: int, into: np.random.Generator | None = None,
                    state: dict | None = None) -> np.random.Generator:
    """A copy of ``rng`` that is ``draws`` doubles ahead of it: its next ``random()`` is the one ``rng`` would
    give after ``draws`` more (ODD §9 D-F92). PCG64's (NumPy's default) and PCG64DXSM's are advanced in one
    step (a double is one 64-bit word of theirs); any other generator's copy draws them, a chunk at a time.
    ``into``: a copy made before, of the same bit generator's type, to set rather than a new one (ODD §9 D-F181);
    ``state``: ``rng``'s state, if already read (D-F182)."""
    if state is None:
        state = rng.bit_generator.state
    if into is not None and type(into.bit_generator) is type(rng.bit_generator):
        ahead = into
        bit_generator = ahead.bit_generator
        bit_generator.state = state  # the whole state: the copy is as a new one would be
    else:
        bit_generator = type(rng.bit_generator)(COPY_SEED)  # seeded from a fixed sequence, not the OS: its state is set
        bit_generator.state = state
        ahead = np.random.Generator(bit_generator)
    if isinstance(bit_generator, (np.random.PCG64, np.random.PCG64DXSM)):
        bit_generator.advance(draws)
    else:
        for first in range(0, draws, GATHER_CHUNK):
            ahead.random(min(GATHER_CHUNK, draws - first))
    return ahead


def catch_up(rng: np.random.Generator, ahead: np.random.Generator) -> None:
    """Move ``rng`` to where ``ahead`` (a ``generator_ahead`` copy of it) is, keeping what ``rng`` holds besides
    the stream's position (PCG64's spare 32-bit half-word, which drawing doubles neither uses nor changes and
    advancing clears)."""
    state, kept = ahead.bit_generator.state, rng.bit_generator.state
    for key in ("has_uint32", "uinteger"):
        if key in kept:
            state[key] = kept[key]
    rng.bit_generator.state = state


def heard_preference(service_users: list[ServiceUsers], table: ProviderTable) -> None:
    """What each row's governance hears this month: the mean current preference of those who voted at its
    last election (the elected members' mandate), of those who answered its last consultation and of this
    month's contributors, weighted by how many of each took part, in every dimension of the design (the sums:
    ``sim.kernels.voice``)."""
    n = table.n
    voters, respondents = np.zeros(n), np.zeros(n)
    vote_pref, answer_pref = np.zeros_like(table.voice_design), np.zeros_like(table.voice_design)
    for users in service_users:
        if users.m:
            voice.add_heard_tallies(users.provider, users.civic, users.xq, VOTED, CONSULTED, voters, vote_pref,
                                    respondents, answer_pref)
    finish_heard(table, voters, vote_pref, respondents, answer_pref)


def finish_heard(table: ProviderTable, voters: np.ndarray, vote_pref: np.ndarray, respondents: np.ndarray,
                 answer_pref: np.ndarray) -> None:
    """``heard_preference`` from the rows' tallies: voters and respondents and the sums of their preferred
    designs (rows, D), in one pass over the rows (``sim.kernels.voice.heard_designs``, written over the rows' own
    arrays)."""
    voice.heard_designs(voters, vote_pref, respondents, answer_pref, table.contributors, table.contributor_pref,
                        table.voice_design, table.voters, table.respondents, table.mandate, table.consulted_pref,
                        table.heard, table.heard_pref)


def learn_efficacy(params: dict, population: Citizens, service_users: list[ServiceUsers],
                   table: ProviderTable, central_design: np.ndarray, sums=None) -> None:
    """Efficacy learns whether voice is heeded (ODD §7.3: how far the delivered design moved toward her wish, times one voice's
    weight among those heard), by those who took part through the service's
    institutions this year (voted, answered, sat on a board or panel) or co-produce this month; the others have
    no news and keep their belief. The same rule for every kind. Each service at the rate divided by the number
    of services she needs. One compiled pass per sector (``sim.kernels.voice.learn_efficacy``); given the month's
    ``sums`` (``sim.metrics.MonthSums``, outside a fiscal year's end), the same pass adds up the metrics' per-slot
    sums (``voice.learn_and_measure``, ODD §9 D-F95), with or without learning."""
    rate = params["efficacy_learning"]
    if sums is None and rate <= 0:
        return
    # the scalars as the kernels take them, once for every sector
    rate, distance, crowd, dilution = (float(rate), float(params["heeded_distance"]), float(params["voice_crowd"]),
                                       bool(params["voice_dilution"]))
    gradient, effort = float(params["resource_gradient"]), float(params["participation_cost"])
    for sector, users in enumerate(service_users):
        if not users.m:
            continue
        common = (users.civic, users.stance, users.provider, users.xq, users.holders, TOOK_PART, CONTRIBUTE, OPT_OUT,
                  population.holds, POPCOUNT, population.efficacy, table.sector, central_design, table.design,
                  table.heard, rate, distance, crowd, dilution)
        if sums is None:
            voice.learn_efficacy(*common)
        else:
            sums.sectors[sector] = voice.learn_and_measure(
                *common, rate > 0, population.deprivation, users.satisfaction, stance_served(users),
                population.resources, gradient, effort, sums.satisfaction_by_quintile, sums.users_by_quintile,
                sums.person_bits, sums.stance_counts)


def measure(n_people: int, holders: list[int], stance_counts: list[int],
            last_election: dict[str, float] | None) -> dict[str, float]:
    """The participation reporters, by form: member share, turnout at member-board and at governor elections,
    voters, consultation respondents and seat holders as shares of adults, and the co-production share. From the
    counts ``sim.metrics.measure`` makes in its passes over the slots and the people (``sim.kernels.metric_sums``):
    the people who hold each form of ``FORM_BITS`` in some service, and the slots by stance."""
    n = max(n_people, 1)
    members, voted, consulted, seated = holders
    contributors = stance_counts[CONTRIBUTE]
    active = stance_counts[CONTRIBUTE] + stance_counts[USE_ONLY]
    election = last_election or {}
    election_members, electorate = election.get("members", 0.0), election.get("electorate", 0.0)
    return {
        "member_share": float(members) / n,
        "election_turnout": election.get("voters", 0.0) / election_members if election_members > 0 else 0.0,
        "governor_election_turnout": election.get("governor_voters", 0.0) / electorate if electorate > 0 else 0.0,
        "voted_share": float(voted) / n,
        "consultation_share": float(consulted) / n,
        "active_share": float(seated) / n,
        "coproduction_share": contributors / active if active else 0.0,
    }
