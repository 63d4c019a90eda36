"""The compiled kernels (``sim/kernels/``) against the NumPy code they replaced, kept here as the reference: on
random inputs of every shape the model makes (empty sectors, one provider, lone participants, opt-outs, choice
on and off), the two agree to the last bit, and the random streams they leave behind are the same."""

from __future__ import annotations

from types import SimpleNamespace

import numba
import numpy as np
import pytest
from scipy.special import expit

from sim import design_space
from sim.coproduction import (
    form_groups,
    game_payoffs,
    imitation_chance,
    pick_models,
    recruit,
    revise_stances,
)
from sim.kernels import (
    audit,
    catchment,
    draws,
    elections,
    exit_choice,
    federations,
    formula_funding,
    membership,
    metric_sums,
    need_churn,
    preferences,
    provider_tallies,
    residents,
    service_month,
    service_value,
    stance_revision,
    stream_blocks,
    streams,
    voice,
)
from sim.kernels.bitgen import address, next_double
from sim.kernels.holders import block_floors, holder, set_holder, slot_count
from sim.kernels.preferences import decode, encode
from sim.kernels.prefetch import PREFETCH_AHEAD, prefetch
from sim.population import (
    BOARD,
    CONSULTED,
    CONTRIBUTE,
    GOVERNOR,
    MAX_DRAWS,
    MEMBER,
    OPT_OUT,
    PANEL,
    POPCOUNT,
    PUPIL,
    USE_ONLY,
    VOTED,
)
from sim.submodels import participation
from sim.submodels.participation import FORM_BITS, SEATED, TOOK_PART
from sim.workforce import Workforce

SEEDS = range(6)


# --- the NumPy references: the code each kernel replaced ----------------------------------------------------------
def form_groups_reference(rng, provider, n_providers, group_size):
    """ODD §7.1 Groups as a permutation and a stable radix sort by provider."""
    m = provider.size
    if m == 0:
        return np.zeros(0, dtype=np.int32), 0
    perm = rng.permutation(m)
    key_type = np.uint16 if n_providers <= np.iinfo(np.uint16).max + 1 else np.int64
    shuffled_provider = provider[perm]
    order = np.argsort(shuffled_provider.astype(key_type), kind="stable")
    slots = perm[order]
    provider_sorted = shuffled_provider[order]
    counts = np.bincount(provider, minlength=n_providers)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.arange(m) - starts[provider_sorted]
    groups_per_provider = -(-counts // group_size)
    group_offset = np.concatenate([[0], np.cumsum(groups_per_provider)[:-1]])
    group_id = np.empty(m, dtype=np.int32)  # a group id in 4 bytes, as the kernel's
    group_id[slots] = group_offset[provider_sorted] + position // group_size
    return group_id, int(groups_per_provider.sum())


def game_payoffs_reference(group_id, n_groups, stance, effort, personal_cost, r, sigma):
    """ODD §7.1 Game payoff with two bincounts and whole-array gathers."""
    contributes = stance == CONTRIBUTE
    participates = stance != OPT_OUT
    n_c = np.bincount(group_id, weights=contributes, minlength=n_groups)
    n_s = np.bincount(group_id, weights=participates, minlength=n_groups)
    share = np.divide(r * effort * n_c, n_s, out=np.zeros(n_groups), where=n_s > 0)
    s_slot = n_s[group_id]
    playing = participates & (s_slot >= 2)
    payoff = np.where(playing, share[group_id], sigma)
    payoff = payoff - np.where(playing & contributes, personal_cost, 0.0)
    return payoff.astype(np.float32), s_slot


def month_of_service_reference(group, n_groups, stance, effort, cost, r, sigma, utility, reference, citizens,
                               efficacy, satisfaction, last_participation, month, aspiration, voice_value,
                               service_weight, memory):
    """ODD §7.1 Voice value, Payoff and Satisfaction as whole-array expressions (the body of ``use_services``)."""
    game, group_players = game_payoffs_reference(group, n_groups, stance, effort, cost, r, sigma)
    participates = stance != OPT_OUT
    playing = participates & (group_players >= 2)
    dissatisfaction = np.maximum(aspiration - reference, 0.0)
    voice = voice_value * efficacy[citizens] * dissatisfaction
    lone = participates & ~playing
    payoff = np.where(lone, utility + (1.0 - service_weight) * game, game + np.where(playing, utility, 0.0))
    payoff = payoff + np.where(playing & (stance == CONTRIBUTE), voice, 0.0)
    last_participation[citizens[stance == CONTRIBUTE]] = month
    return ((1.0 - memory) * satisfaction + memory * payoff).astype(np.float32)


def revise_stances_reference(rng, stance, satisfaction, revising, models, strength, exploration, rule="fermi"):
    """ODD §7.2 Imitation and exploration as whole-array selections."""
    new = stance.copy()
    if revising.size == 0:
        return new
    has_model = models >= 0
    safe = np.where(has_model, models, revising)
    gain = satisfaction[safe] - satisfaction[revising]
    imitate = has_model & (rng.random(revising.size) < imitation_chance(gain, strength, rule))
    new[revising[imitate]] = stance[safe[imitate]]
    explore = rng.random(revising.size) < exploration
    new[revising[explore]] = rng.integers(0, 3, int(explore.sum()), dtype=np.int8)
    return new


def service_utility_reference(rows, x, q_c, q_n, design, service_weight, mismatch_weight):
    """ODD §7.1 Service utility as whole-array gathers (x the preferences' uint16 codes, read as ``decode``)."""
    x = decode(x)
    quality = q_c[rows] + q_n[rows]
    mismatch = design_space.distance(x, design[rows])  # over the design's dimensions (ODD §9 D-Q1)
    return (service_weight * (quality - mismatch_weight * mismatch)).astype(np.float32)


def alternative_rows_reference(rng, current, units, home_row, row_neighbours, row_neighbour_count):
    """ODD §7.1 Exit option as whole-array gathers."""
    home = home_row[units]
    count = row_neighbour_count[home]
    pick = (rng.random(units.size) * np.maximum(count, 1)).astype(np.int64)
    neighbour = np.where(count > 0, row_neighbours[home, np.minimum(pick, row_neighbours.shape[1] - 1)], home)
    return np.where(current != home, home, neighbour)


def sector_tallies_reference(provider, stance, need, x, unit, home_row, totals):
    """ODD §7.6 aggregation as five bincounts added to the totals (x the preferences' codes, ``decode``d)."""
    x = decode(x)
    n = totals[0].size
    active = stance != OPT_OUT
    contributes = stance == CONTRIBUTE
    totals[0] += np.bincount(provider, weights=active, minlength=n)
    totals[1] += np.bincount(provider, weights=active * need, minlength=n)
    totals[2] += np.bincount(home_row[unit], minlength=n)
    totals[3] += np.bincount(provider, weights=contributes, minlength=n)
    totals[4] += design_space.sum_by_row(provider, contributes, x, n)


def exit_reference(rng, stance, provider, alternative, exit_gain, civic, revision_rate, exit_sensitivity):
    """ODD §7.4 exit as whole-array expressions."""
    reviewing = (stance != OPT_OUT) & (rng.random(stance.size) < revision_rate)
    chance = expit(exit_sensitivity * exit_gain)
    switch = reviewing & (alternative != provider) & (rng.random(stance.size) < chance)
    provider[switch] = alternative[switch]
    civic[switch] = 0


def metric_sums_reference(citizen, deprivation, satisfaction, x, provider, design, stance, personal_cost, sat_q,
                          sat_qn):
    """ODD §8: satisfaction by quintile as two bincounts; mismatch as a gather (of the ``decode``d preferences);
    NumPy's pairwise sums."""
    x = decode(x)
    q = deprivation[citizen]
    sat_q += np.bincount(q, weights=satisfaction, minlength=5)
    sat_qn += np.bincount(q, minlength=5)
    gap = design_space.distance(x, design[provider])
    return (float(satisfaction.sum(dtype=np.float64)), float(gap.sum(dtype=np.float64)),
            float(gap.sum(where=stance != OPT_OUT, dtype=np.float64)),
            float(personal_cost.sum(where=stance == CONTRIBUTE, dtype=np.float64)))


def sector_measures_reference(citizen, deprivation, satisfaction, x, provider, design, seen, resources,
                              resource_gradient, participation_cost, contribute, opt_out, civic, stance, sat_q, sat_qn,
                              person_bits, stance_counts):
    """``add_sector_measures`` as NumPy: ``metric_sums_reference``'s pairwise sums over the stances the service
    sees, with the personal costs of ``personal_cost_reference``, each holder's bits OR'ed in
    (``np.bitwise_or.at``: a person may hold two slots of the inputs) and the slots' own stances counted by
    ``bincount``."""
    personal_cost = personal_cost_reference(citizen, resources, resource_gradient, participation_cost)
    sums = metric_sums_reference(citizen, deprivation, satisfaction, x, provider, design, seen, personal_cost, sat_q,
                                 sat_qn)
    np.bitwise_or.at(person_bits, citizen, civic)
    stance_counts += np.bincount(stance, minlength=3)
    return sums


def count_people_reference(person_bits, last_participation, since, deprivation, n_quintiles, last_failure,
                           failed_since):
    """``count_people`` as NumPy: holders of each form, ``bincount`` of who took part, failed rows."""
    holders = [int(((person_bits & mask) != 0).sum()) for mask in FORM_BITS]
    took_part = np.bincount(deprivation[last_participation > since], minlength=n_quintiles).astype(np.int64)
    return holders, took_part, int((last_failure > failed_since).sum())


def forms_by_kernels(n_people, sectors, rng):
    """Participation by form as ``sim.metrics.measure`` counts it: ``add_sector_measures`` a sector (its slot
    sums on made-up slots, not read) and ``count_people``; the holders and the stance counts."""
    person_bits, stance_counts = np.zeros(n_people, dtype=np.uint8), np.zeros(3, dtype=np.int64)
    deprivation = rng.integers(0, 5, n_people).astype(np.int8)
    for citizen, civic, stance in sectors:
        m = citizen.size
        metric_sums.add_sector_measures(
            citizen, deprivation, rng.random(m).astype(np.float32), encode(rng.random((m, 2)).astype(np.float32)),
            rng.integers(0, 3, m).astype(np.int16), rng.random((3, 2)), stance,
            rng.random(n_people).astype(np.float32), 1.5, 0.12, CONTRIBUTE, OPT_OUT, civic, stance, np.zeros(5), np.zeros(5), person_bits, stance_counts)
    holders, _, _ = metric_sums.count_people(person_bits, FORM_BITS, np.zeros(n_people, np.int16), 0, deprivation, 5,
                                             np.zeros(0, np.int32), 0)
    assert not person_bits.any()  # cleared for next month's use
    return [int(h) for h in holders], stance_counts


def rebalance_reference(workforce, rng, target, sector_of_row):
    """ODD §7.9 staffing transfers with a scan of the whole workforce for each donor row."""
    staff = workforce.staff_counts(target.size).astype(np.int64)
    moved = 0
    for s in np.unique(sector_of_row):
        rows = np.flatnonzero(sector_of_row == s)
        excess = np.maximum(staff[rows] - target[rows], 0)
        shortfall = np.maximum(target[rows] - staff[rows], 0)
        n_move = int(min(excess.sum(), shortfall.sum()))
        if n_move == 0:
            continue
        donors = [rng.choice(np.flatnonzero(workforce.row == row), size=int(k), replace=False)
                  for row, k in zip(rows[excess > 0], excess[excess > 0], strict=True)]
        donors = rng.permutation(np.concatenate(donors))[:n_move]
        destinations = rng.permutation(np.repeat(rows[shortfall > 0], shortfall[shortfall > 0]))[:n_move]
        workforce.row[donors] = destinations
        moved += n_move
    return moved


def heard_tallies_reference(provider, civic, x, totals):
    """ODD §7.3 heard_pref's sums as four weighted bincounts per sector (of the ``decode``d preferences)."""
    x = decode(x)
    n = totals[0].size
    voted, answered = (civic & VOTED) != 0, (civic & CONSULTED) != 0
    totals[0] += np.bincount(provider, weights=voted, minlength=n)
    totals[1] += design_space.sum_by_row(provider, voted, x, n)
    totals[2] += np.bincount(provider, weights=answered, minlength=n)
    totals[3] += design_space.sum_by_row(provider, answered, x, n)


def learn_efficacy_reference(civic, stance, provider, x, citizen, holds, efficacy, row_sector, central_design, design,
                             heard, rate, heeded_distance, voice_crowd, voice_dilution):
    """ODD §7.3 Efficacy as whole-array gathers (``heeded_signal`` and the update of ``learn_efficacy``; the
    preferences ``decode``d)."""
    x = decode(x)
    took_part = ((civic & TOOK_PART) != 0) | (stance == CONTRIBUTE)
    slots = np.flatnonzero(took_part & (stance != OPT_OUT))
    rows, wish, citizens = provider[slots], x[slots], citizen[slots]
    gap_central = design_space.distance(wish, central_design[row_sector[rows]])
    moved = (gap_central - design_space.distance(wish, design[rows])) / np.maximum(gap_central, heeded_distance)
    weight = 1.0 / (1.0 + heard[rows] / voice_crowd) if voice_dilution else 1.0
    signal = (np.clip(moved, 0.0, 1.0) * weight).astype(np.float32)
    step = rate / np.maximum(POPCOUNT[holds[citizens]], 1)
    efficacy[citizens] += (step * (signal - efficacy[citizens])).astype(np.float32)


def forms_reference(n_people, sectors):
    """ODD §8 participation by form: a boolean per person and form, set sector by sector, and stance counts."""
    holds = {bit: np.zeros(n_people, dtype=bool) for bit in (MEMBER, VOTED, CONSULTED, SEATED)}
    contributors = active = 0
    for citizen, civic, stance in sectors:
        for bit, who in holds.items():
            who[citizen[(civic & bit) != 0]] = True
        counts = np.bincount(stance, minlength=3)
        contributors += int(counts[CONTRIBUTE])
        active += int(counts[CONTRIBUTE] + counts[USE_ONLY])
    return [int(who.sum()) for who in holds.values()], contributors, active


def churn_draws_reference(rng, units, old, unit_starts, unit_sizes, holds, bit):
    """ODD §7.14 rejection draws with a sort per round (``np.unique``) for the first draw of each person."""
    new = old.copy()
    pending = np.ones(units.size, dtype=bool)
    for _ in range(MAX_DRAWS):
        idx = np.flatnonzero(pending)
        if idx.size == 0:
            break
        draw = (unit_starts[units[idx]] + rng.random(idx.size) * unit_sizes[units[idx]]).astype(np.int32)
        free = (holds[draw] & bit) == 0
        _, first = np.unique(draw, return_index=True)
        unique = np.zeros(idx.size, dtype=bool)
        unique[first] = True
        ok = free & unique
        holds[draw[ok]] |= bit
        new[idx[ok]] = draw[ok]
        pending[idx[ok]] = False
    changed = new != old
    holds[old[changed]] &= ~bit
    return new, int(changed.sum())


def personal_cost_reference(citizen, resources, resource_gradient, participation_cost):
    """ODD §7.1 Cost of contributing as whole-array expressions (``cost_factor`` and ``personal_cost``)."""
    factor = np.maximum(1.0 + resource_gradient * (0.5 - resources[citizen]), 0.05).astype(np.float32)
    return (participation_cost * factor).astype(np.float32)


def exit_value_reference(alternative, current, x, citizen, sensitivity, q_c, q_n, design, service_weight,
                         mismatch_weight, switch_cost):
    """ODD §7.1 Exit option's value as the sum of the service utility and ``quality_weight_gap``."""
    utility = service_utility_reference(alternative, x, q_c, q_n, design, service_weight, mismatch_weight)
    quality = q_c + q_n
    gap = ((sensitivity[citizen] - 1.0) * service_weight * (quality[alternative] - quality[current])).astype(
        np.float32)
    return utility + gap - np.float32(switch_cost)


def membership_reference(rng, provider, has_board, join, civic, citizen, last_participation, month):
    """ODD §7.3 monthly membership as whole-array expressions."""
    at_board = has_board[provider]
    joins = at_board & (rng.random(provider.size) < join)
    civic |= (joins * MEMBER).astype(np.uint8)
    civic &= np.where(at_board, 0xFF, ~np.uint8(MEMBER | BOARD)).astype(np.uint8)
    last_participation[citizen[(civic & SEATED) != 0]] = month


def formula_users_reference(citizen, deprivation, deprivation_weight, normalised, need, need_weighted, choice, stance,
                            provider, unit, home_row, unit_cost, per_row):
    """ODD §7.8 the funding formula's users per row as a selection, gathers and a weighted bincount."""
    weight = 1.0 + deprivation_weight * deprivation[citizen]
    if normalised and citizen.size:
        weight = weight / weight.mean()
    if choice:
        funded = stance != OPT_OUT
        rows, weight, need = provider[funded], weight[funded], need[funded]
    else:
        rows = home_row[unit]
    weight = weight * need if need_weighted else weight
    per_row += np.bincount(rows, weights=weight, minlength=per_row.size) * unit_cost


def voice_benefit_reference(slots, provider, x, citizen, exit_gain, crowd_out, q_c, q_n, design, service_weight,
                            mismatch_weight, aspiration, voice_value, habit_value, duty_value, efficacy,
                            last_participation, since):
    """ODD §7.3 the motives every form shares, as whole-array expressions (the body of ``voice_benefit``)."""
    citizens = citizen[slots]
    utility = service_utility_reference(provider[slots], x[slots], q_c, q_n, design, service_weight,
                                        mismatch_weight)
    reference = np.maximum(utility, utility + exit_gain[slots]) if crowd_out else utility
    dissatisfaction = np.maximum(aspiration - reference, 0.0)
    habit = habit_value * (last_participation[citizens] > since)
    return (voice_value * efficacy[citizens] * dissatisfaction + habit + duty_value).astype(np.float32)


def pick_models_reference(rng, unit, unit_start, unit_count, neighbours, neighbour_count, neighbour_share):
    """ODD §7.2 Models as whole-array selections and gathers (the body ``pick_models`` had)."""
    n = unit.size
    source = unit.copy()
    if neighbour_share > 0.0 and neighbours.shape[1] > 0:
        go = (rng.random(n) < neighbour_share) & (neighbour_count[unit] > 0)
        if go.any():
            k = (rng.random(int(go.sum())) * neighbour_count[unit[go]]).astype(np.int64)
            source[go] = neighbours[unit[go], k]
    count = unit_count[source]
    model = unit_start[source] + (rng.random(n) * count).astype(np.int64)
    return np.where(count > 0, model, -1)


def motive_choice_reference(rng, slots, provider, x, personal_cost, benefit, q_c, q_n, design, service_weight,
                            mismatch_weight, pool_return, effort, group_size, sigma, participation, sensitivity):
    """ODD §7.2 Deliberation by motives as whole-array expressions (the body of ``choose_stance_by_motive``, with
    the float64 scalars r and sigma the model passes)."""
    rows = provider[slots]
    gain_contribute = benefit + pool_return * effort / group_size - personal_cost[slots]
    utility = service_utility_reference(rows, x[slots], q_c, q_n, design, service_weight, mismatch_weight)
    gain_leave = sigma - (utility + pool_return * effort * participation[rows])
    weight_contribute = np.exp(np.clip(sensitivity * gain_contribute, -50, 50))
    weight_leave = np.exp(np.clip(sensitivity * gain_leave, -50, 50))
    total = 1.0 + weight_contribute + weight_leave
    uniform = rng.random(slots.size) * total
    return np.where(uniform < weight_contribute, CONTRIBUTE,
                    np.where(uniform < weight_contribute + weight_leave, OPT_OUT, USE_ONLY)).astype(np.int8)


def governance_reference(rng, provider, stance, civic, citizen, personal_cost, effort, standard_factor, benefit,
                         institutions, answer_cost, costs, candidate_information, seats, sensitivity,
                         last_participation, month, n):
    """ODD §7.3 a sector's yearly governance as whole-array expressions (the body ``hold_governance`` had, with
    ``ballot_cost``, ``form_cost`` and ``fill_seats``); ``benefit`` is every slot's b_i + asked_value."""
    board, governors, pupils, panels, consults, contact = institutions
    vote_cost, participation_cost = costs

    def take_up(benefit, cost, uniform):
        return uniform < expit(sensitivity * (benefit - cost))

    def form_cost(slots, base):
        factor = personal_cost[slots] / effort if np.float32(effort) > 0 else standard_factor[slots]
        return base * factor

    def fill(candidates, count, bit, priority):
        candidates = candidates[(civic[candidates] & SEATED) == 0]
        if candidates.size == 0 or count <= 0:
            return
        rows = provider[candidates]
        order = np.lexsort((priority[candidates], rows))
        rows_sorted = rows[order]
        rank = np.arange(candidates.size) - np.searchsorted(rows_sorted, rows_sorted, side="left")
        civic[candidates[order[rank < count]]] |= np.uint8(bit)

    active = np.flatnonzero(stance != OPT_OUT)
    vote = form_cost(active, vote_cost)
    if candidate_information:
        informed = (stance[active] == CONTRIBUTE) | ((civic[active] & SEATED) != 0)
        vote = np.where(informed, vote, vote + form_cost(active, participation_cost))
    civic &= ~np.uint8(VOTED | CONSULTED | SEATED)
    rows = provider[active]
    invited = benefit[active]
    member = ((civic[active] & MEMBER) != 0) & board[rows]
    voter = (member | governors[rows]) & take_up(invited, vote, rng.random(provider.size)[active])
    answer = (consults[rows] | contact[rows]) & take_up(invited, form_cost(active, answer_cost[rows]),
                                                        rng.random(provider.size)[active])
    u_seat = rng.random(provider.size)
    civic[active] |= (voter * VOTED + answer * CONSULTED).astype(np.uint8)
    tally = [np.bincount(rows, weights=counted, minlength=n)
             for counted in (member, voter & member, governors[rows], voter & governors[rows])]
    last_participation[citizen[active[voter | answer]]] = month
    stands = active[stance[active] == CONTRIBUTE]
    stand_rows = provider[stands]
    fill(stands[((civic[stands] & MEMBER) != 0) & board[stand_rows]], seats[0], BOARD, u_seat)
    fill(stands[governors[stand_rows]], seats[1], GOVERNOR, u_seat)
    fill(stands[pupils[stand_rows]], seats[2], PUPIL, u_seat)
    fill(stands[panels[stand_rows]], seats[3], PANEL, u_seat)
    return tally


def workforce_update_reference(workforce, rng, autonomy, owned, pay_ratio, workload, failing, incentive,
                               quit_ratio=None):
    """ODD §7.9 a month of work as whole-array expressions (the body ``Workforce.update`` had)."""
    params, worker_row = workforce.params, workforce.row
    target = (params["morale_baseline"] + params["autonomy_morale"] * autonomy[worker_row]
              + params["ownership_morale"] * owned[worker_row]
              + params["pay_morale"] * (pay_ratio[worker_row] - 1.0)
              - params["workload_morale"] * np.maximum(workload[worker_row] - 1.0, 0.0)
              - params["failing_morale"] * failing[worker_row])
    target = np.clip(target, 0.0, 1.0)
    workforce.morale += params["morale_adjustment"] * (target - workforce.morale)
    workforce.burnout += params["burnout_rate"] * (np.clip(workload[worker_row] - 1.0, 0.0, 1.0) - workforce.burnout)
    workforce.effort = np.clip(workforce.motivation * workforce.morale * (1.0 - workforce.burnout)
                               * (1.0 + incentive[worker_row]), 0.0, 1.0)
    base = params["quit_base_rate"] if quit_ratio is None else params["quit_base_rate"] * quit_ratio[worker_row]
    chance = np.clip(2.0 * base * expit(-params["quit_morale_sensitivity"] * (workforce.morale
                                                                             - params["reference_morale"])), 0.0, 1.0)
    quits = rng.random(workforce.n) < chance
    k = int(quits.sum())  # the body ``Workforce.replace_quitters`` had
    if k:
        workforce.motivation[quits] = np.clip(rng.normal(params["worker_motivation"], params["motivation_spread"], k),
                                              0.0, 1.0)
        workforce.skill[quits] = rng.uniform(0.8, 1.2, k)
        workforce.trained[quits] = 0.0
        workforce.tenure[quits] = 0.0
        workforce.morale[quits] = params["reference_morale"]
        workforce.burnout[quits] = 0.0
    workforce.tenure += 1.0
    return quits


# --- random inputs of the shapes the model makes -------------------------------------------------------------------
def random_slots(seed, m=None, n_providers=None):
    """A sector's slots: providers (some rows empty), stances (all three, sometimes one only), float32 state;
    preferred designs of 1, 2 or 3 dimensions (``dimensions(seed)``) as the model keeps them, uint16 codes
    (``sim.kernels.preferences``, ODD §9 D-F211)."""
    rng = np.random.default_rng(1000 + seed)
    m = int(rng.integers(0, 400)) if m is None else m
    n_providers = int(rng.integers(1, 12)) if n_providers is None else n_providers
    stance = rng.integers(0, 3, m).astype(np.int8)
    if seed % 3 == 1:
        stance[:] = rng.integers(0, 3)  # everyone contributes, uses only or opts out
    return dict(
        provider=rng.integers(0, n_providers, m).astype(np.int32), n_providers=n_providers, stance=stance,
        cost=rng.uniform(0.0, 2.0, m).astype(np.float32), utility=rng.normal(0.5, 0.6, m).astype(np.float32),
        reference=rng.normal(0.6, 0.6, m).astype(np.float32), citizen=rng.integers(0, 50, m).astype(np.int32),
        efficacy=rng.random(50).astype(np.float32), satisfaction=rng.normal(0.4, 0.3, m).astype(np.float32),
        x=encode(rng.random((m, dimensions(seed))).astype(np.float32)), need=np.where(rng.random(m) < 0.2, 2.5, 1.0).astype(np.float32),
        unit=np.sort(rng.integers(0, 8, m)).astype(np.int32))


def high_need_bits(need):
    """The slots' high-need bits as ``ServiceUsers.high_need_bits`` keeps them (need 2.5 or 1 in the inputs)."""
    return np.packbits(need > 1.0, bitorder="little")


def dimensions(seed):
    """The number of dimensions of the design in the inputs of ``seed``: 1, 2 or 3 (ODD §9 D-Q1)."""
    return 1 + seed % 3


def same(a, b):
    """Equal to the last bit, and of the same dtype."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rule", ["fermi", "proportional"])
def test_imitation_and_exploration_match(seed, rule):
    """Imitation and exploration in two kernel passes: the same stances and the same stream as the selections."""
    slots = random_slots(seed)
    rng = np.random.default_rng(seed)
    m = slots["stance"].size
    revising = np.flatnonzero(rng.random(m) < 0.4)
    models = np.where(rng.random(revising.size) < 0.8, rng.integers(0, max(m, 1), revising.size), -1)
    for exploration in (0.0, 0.3):
        a_rng, b_rng = np.random.default_rng(seed + 10), np.random.default_rng(seed + 10)
        args = (slots["stance"], slots["satisfaction"], revising, models, 0.2, exploration, rule)
        assert same(revise_stances(a_rng, *args), revise_stances_reference(b_rng, *args))
        assert a_rng.random() == b_rng.random()


@pytest.mark.parametrize("seed", SEEDS)
def test_game_payoffs_match(seed):
    slots = random_slots(seed)
    group, n_groups = form_groups_reference(np.random.default_rng(seed), slots["provider"], slots["n_providers"], 3)
    args = (group, n_groups, slots["stance"], 1.0, slots["cost"], np.float64(2.7), np.float64(0.3))
    got, want = game_payoffs(*args), game_payoffs_reference(*args)
    assert same(got[0], want[0]) and same(got[1], want[1])


@pytest.mark.parametrize("seed", SEEDS)
def test_service_utility_and_alternative_rows_match(seed):
    rng = np.random.default_rng(seed)
    slots = random_slots(seed)
    n_rows = slots["n_providers"]
    q_c, q_n, design = rng.random(n_rows), rng.random(n_rows), rng.random((n_rows, dimensions(seed)))
    for rows in (slots["provider"], slots["provider"].astype(np.int64)):
        args = (rows, slots["x"], q_c, q_n, design, 0.8, np.float64(1.3))
        assert same(service_value.service_utility(*args), service_utility_reference(*args))
    home_row = rng.integers(0, n_rows, 8)
    count = rng.integers(0, 4, n_rows).astype(np.int32)
    neighbours = np.where(np.arange(4) < count[:, None], rng.integers(0, n_rows, (n_rows, 4)), -1)
    got = service_value.alternative_rows(np.random.default_rng(seed).random(slots["unit"].size), slots["provider"],
                                         slots["unit"], home_row, neighbours, count)
    want = alternative_rows_reference(np.random.default_rng(seed), slots["provider"], slots["unit"], home_row,
                                      neighbours, count)
    assert same(got, want.astype(np.int32))  # a row index in 4 bytes, as the slots' provider


@pytest.mark.parametrize("seed", SEEDS)
def test_sector_tallies_match(seed):
    rng = np.random.default_rng(seed)
    n_rows = 14
    preferences = (n_rows, dimensions(10 * seed))  # every sector's inputs have as many dimensions
    kernel_totals = [np.zeros(n_rows) for _ in range(4)] + [np.zeros(preferences)]
    reference_totals = [np.zeros(n_rows) for _ in range(4)] + [np.zeros(preferences)]
    for sector in range(0, 9, 3):  # the totals add up over sectors
        slots = random_slots(10 * seed + sector, n_providers=n_rows)
        home_row = rng.integers(0, n_rows, 8)
        inputs = (slots["provider"], slots["stance"], slots["need"], slots["x"], slots["unit"], home_row)
        provider_tallies.add_sector_tallies(*inputs, *kernel_totals)
        sector_tallies_reference(*inputs, reference_totals)
    assert all(same(a, b) for a, b in zip(kernel_totals, reference_totals, strict=True))


@pytest.mark.parametrize("seed", SEEDS)
def test_metric_sums_match(seed):
    """Per quintile to the last bit; the authority-wide sums in slot order within rounding of the pairwise ones."""
    rng = np.random.default_rng(seed)
    deprivation = rng.integers(0, 5, 50).astype(np.int8)
    design = rng.random((12, dimensions(10 * seed)))
    kernel_sums = [np.zeros(5), np.zeros(5), np.zeros(50, np.uint8), np.zeros(3, np.int64)]
    reference_sums = [np.zeros(5), np.zeros(5), np.zeros(50, np.uint8), np.zeros(3, np.int64)]
    for sector in range(0, 9, 3):  # inputs with as many dimensions as the design
        slots = random_slots(10 * seed + sector, m=int(rng.integers(0, 3000)), n_providers=12)
        seen = np.where(rng.random(slots["stance"].size) < 0.1, np.int8(OPT_OUT), slots["stance"])  # some unserved
        civic = rng.integers(0, 128, slots["stance"].size).astype(np.uint8)
        resources = rng.random(50).astype(np.float32)  # a slot's personal cost from her resources (ODD §9 D-F80)
        inputs = (slots["citizen"], deprivation, slots["satisfaction"], slots["x"], slots["provider"], design,
                  seen, resources, 1.5, 0.12, CONTRIBUTE, OPT_OUT, civic, slots["stance"])
        got = metric_sums.add_sector_measures(*inputs, *kernel_sums)
        want = sector_measures_reference(*inputs, *reference_sums)
        assert np.allclose(got, want, rtol=1e-12, atol=1e-12)
    assert all(same(a, b) for a, b in zip(kernel_sums, reference_sums, strict=True))


@pytest.mark.parametrize("seed", SEEDS)
def test_rebalancing_matches_the_scan_of_the_whole_workforce(seed):
    from sim.parameters import defaults

    rng = np.random.default_rng(seed)
    staff = rng.integers(0, 9, 12)
    sector_of_row = np.repeat(np.arange(3), 4)
    fast = Workforce(np.random.default_rng(seed), staff, defaults())
    slow = Workforce(np.random.default_rng(seed), staff, defaults())
    rng_fast, rng_slow = np.random.default_rng(seed + 50), np.random.default_rng(seed + 50)
    for _ in range(3):  # after the first round the workers of a row are no longer contiguous
        target = rng.integers(0, 9, 12)
        assert fast.rebalance(rng_fast, target, sector_of_row) == rebalance_reference(slow, rng_slow, target,
                                                                                     sector_of_row)
        assert same(fast.row, slow.row) and rng_fast.random() == rng_slow.random()


@pytest.mark.parametrize("seed", SEEDS)
def test_heard_tallies_match(seed):
    preferences = (12, dimensions(10 * seed))  # the sums of preferred designs, per dimension
    kernel_totals = [np.zeros(12), np.zeros(preferences), np.zeros(12), np.zeros(preferences)]
    reference_totals = [np.zeros(12), np.zeros(preferences), np.zeros(12), np.zeros(preferences)]
    for sector in range(0, 9, 3):
        slots = random_slots(10 * seed + sector, n_providers=12)
        civic = np.random.default_rng(seed + sector).integers(0, 128, slots["provider"].size).astype(np.uint8)
        voice.add_heard_tallies(slots["provider"], civic, slots["x"], VOTED, CONSULTED, *kernel_totals)
        heard_tallies_reference(slots["provider"], civic, slots["x"], reference_totals)
    assert all(same(a, b) for a, b in zip(kernel_totals, reference_totals, strict=True))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("voice_dilution", [True, False])
def test_efficacy_learning_matches(seed, voice_dilution):
    rng = np.random.default_rng(seed)
    m = 40
    slots = random_slots(seed, m=m, n_providers=9)
    citizen = rng.permutation(60)[:m].astype(np.int32)  # one slot a person in a sector, as in the model
    civic = rng.integers(0, 128, m).astype(np.uint8)
    holds = rng.integers(0, 1 << 12, 60).astype(np.uint16)
    row_sector = rng.integers(0, 3, 9)
    shape = dimensions(seed)
    central, design = rng.random((3, shape)), rng.random((9, shape))
    heard = rng.integers(0, 200, 9).astype(np.float64)
    design[0] = central[row_sector[0]]  # a row at the centre's design: nothing moved
    efficacy_kernel = rng.random(60).astype(np.float32)
    efficacy_reference = efficacy_kernel.copy()
    common = (civic, slots["stance"], slots["provider"], slots["x"], citizen)
    voice.learn_efficacy(*common, TOOK_PART, CONTRIBUTE, OPT_OUT, holds, POPCOUNT, efficacy_kernel, row_sector,
                         central, design, heard, 0.1, 0.1, 50.0, voice_dilution)
    learn_efficacy_reference(*common, holds, efficacy_reference, row_sector, central, design, heard, 0.1, 0.1, 50.0,
                             voice_dilution)
    assert same(efficacy_kernel, efficacy_reference)


def sector_sums_in_order(citizen, satisfaction, x, provider, design, seen, resources, resource_gradient,
                         participation_cost):
    """ODD §8 a sector's four slot sums one slot at a time in Python (float64, slot order), branching on the
    stance the service sees; the mismatch ``design_space.distance``'s (of the ``decode``d preferences), the costs
    ``personal_cost_reference``'s."""
    gap = design_space.distance(decode(x), design[provider])
    costs = personal_cost_reference(citizen, resources, resource_gradient, participation_cost)
    total = mismatch = active = cost = 0.0
    for slot in range(citizen.size):
        total += float(satisfaction[slot])
        mismatch += float(gap[slot])
        if seen[slot] != OPT_OUT:
            active += float(gap[slot])
        if seen[slot] == CONTRIBUTE:
            cost += float(costs[slot])
    return total, mismatch, active, cost


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("learn", [True, False])
@pytest.mark.parametrize("voice_dilution", [True, False])
def test_efficacy_learning_and_the_metrics_sums_in_one_pass_match(seed, learn, voice_dilution):
    """ODD §9 D-F95: ``learn_and_measure`` moves efficacy as ``learn_efficacy_reference`` (or not at all) and adds
    up the metrics' sums as ``sector_measures_reference`` (quintiles, people's bits, stance counts to the bit) and
    its slot-order sums as ``sector_sums_in_order`` (to the bit), over three sectors in turn."""
    rng = np.random.default_rng(seed)
    n_people, n_rows = 60, 9
    shape = dimensions(seed)
    holds = rng.integers(0, 1 << 12, n_people).astype(np.uint16)
    deprivation = rng.integers(0, 5, n_people).astype(np.int8)
    resources = rng.random(n_people).astype(np.float32)
    row_sector = rng.integers(0, 3, n_rows)
    central, design = rng.random((3, shape)), rng.random((n_rows, shape))
    design[0] = central[row_sector[0]]  # a row at the centre's design: nothing moved
    heard = rng.integers(0, 200, n_rows).astype(np.float64)
    efficacy_kernel = rng.random(n_people).astype(np.float32)
    efficacy_reference = efficacy_kernel.copy()
    kernel_sums = [np.zeros(5), np.zeros(5), np.zeros(n_people, np.uint8), np.zeros(3, np.int64)]
    reference_sums = [np.zeros(5), np.zeros(5), np.zeros(n_people, np.uint8), np.zeros(3, np.int64)]
    for sector in range(3):
        m = int(rng.integers(0, 50))
        slots = random_slots(10 * seed + sector, m=m, n_providers=n_rows)
        x = encode(rng.random((m, shape)).astype(np.float32))
        citizen = rng.permutation(n_people)[:m].astype(np.int32)  # one slot a person in a sector, as in the model
        civic = rng.integers(0, 128, m).astype(np.uint8)
        seen = np.where(rng.random(m) < 0.1, np.int8(OPT_OUT), slots["stance"])  # some unserved
        common = (civic, slots["stance"], slots["provider"], x, citizen)
        got = voice.learn_and_measure(
            *common, TOOK_PART, CONTRIBUTE, OPT_OUT, holds, POPCOUNT, efficacy_kernel, row_sector, central, design,
            heard, 0.1, 0.1, 50.0, voice_dilution, learn, deprivation, slots["satisfaction"], seen, resources, 1.5,
            0.12, *kernel_sums)
        if learn:
            learn_efficacy_reference(*common, holds, efficacy_reference, row_sector, central, design, heard, 0.1, 0.1,
                                     50.0, voice_dilution)
        want = sector_measures_reference(citizen, deprivation, slots["satisfaction"], x, slots["provider"], design,
                                         seen, resources, 1.5, 0.12, CONTRIBUTE, OPT_OUT, civic, slots["stance"],
                                         *reference_sums)
        assert np.allclose(got, want, rtol=1e-12, atol=1e-12)
        assert got == sector_sums_in_order(citizen, slots["satisfaction"], x, slots["provider"], design, seen,
                                           resources, 1.5, 0.12)
        assert all(same(a, b) for a, b in zip(kernel_sums, reference_sums, strict=True))
        assert same(efficacy_kernel, efficacy_reference)


@pytest.mark.parametrize("seed", SEEDS)
def test_forms_of_participation_match(seed):
    rng = np.random.default_rng(seed)
    sectors = []
    for sector in range(3):
        slots = random_slots(10 * seed + sector)
        sectors.append((slots["citizen"], rng.integers(0, 128, slots["citizen"].size).astype(np.uint8),
                        slots["stance"]))
    got_holders, stance_counts = forms_by_kernels(50, sectors, rng)
    holders, contributors, active = forms_reference(50, sectors)
    assert got_holders == holders
    assert (int(stance_counts[CONTRIBUTE]), int(stance_counts[CONTRIBUTE] + stance_counts[USE_ONLY])) == (
        contributors, active)
    person_bits = rng.integers(0, 256, 50).astype(np.uint8)
    last = rng.integers(-30000, 30, 50).astype(np.int16)
    deprivation = rng.integers(0, 5, 50).astype(np.int8)
    last_failure = rng.integers(-40, 30, 9).astype(np.int32)
    want = count_people_reference(person_bits, last, 17, deprivation, 5, last_failure, 11)
    holders, took_part, failed = metric_sums.count_people(person_bits, FORM_BITS, last, 17, deprivation, 5,
                                                          last_failure, 11)
    assert list(holders) == want[0] and same(took_part, want[1]) and failed == want[2]


@pytest.mark.parametrize("seed", SEEDS)
def test_need_churn_draws_match(seed):
    rng = np.random.default_rng(seed)
    unit_sizes = rng.integers(1, 9, 6)  # small units: repeated draws, people who already hold the need
    unit_starts = np.concatenate([[0], np.cumsum(unit_sizes)[:-1]])
    n, bit = int(unit_sizes.sum()), np.uint16(1 << 3)
    holds = np.where(rng.random(n) < 0.5, bit, 0).astype(np.uint16) | rng.integers(0, 8, n).astype(np.uint16)
    units = np.sort(rng.integers(0, 6, 12)).astype(np.int32)
    old = (unit_starts[units] + rng.integers(0, 100, 12) % unit_sizes[units]).astype(np.int32)
    holds_kernel, holds_reference = holds.copy(), holds.copy()
    rng_kernel, rng_reference = np.random.default_rng(seed + 3), np.random.default_rng(seed + 3)
    new = old.copy()
    pending = np.ones(units.size, dtype=bool)
    remaining = units.size
    for _ in range(MAX_DRAWS):
        if remaining == 0:
            break
        remaining = need_churn.place_needs(rng_kernel.random(remaining), pending, units, unit_starts, unit_sizes,
                                           holds_kernel, bit, new)
    passed = need_churn.release_needs(old, new, holds_kernel, bit)
    want_new, want_passed = churn_draws_reference(rng_reference, units, old, unit_starts, unit_sizes,
                                                  holds_reference, bit)
    assert same(new, want_new) and passed == want_passed and same(holds_kernel, holds_reference)
    assert rng_kernel.random() == rng_reference.random()
    slots = random_slots(seed)
    count = np.bincount(slots["provider"], minlength=slots["n_providers"])
    want = np.divide(np.bincount(slots["provider"], weights=slots["satisfaction"], minlength=slots["n_providers"]),
                     count, out=np.zeros(slots["n_providers"]), where=count > 0)
    assert same(need_churn.mean_by_row(slots["provider"], slots["satisfaction"], slots["n_providers"]), want)


@pytest.mark.parametrize("seed", SEEDS)
def test_personal_cost_and_exit_value_match(seed):
    rng = np.random.default_rng(seed)
    slots = random_slots(seed)
    m, n_rows = slots["provider"].size, slots["n_providers"]
    resources = np.clip(rng.normal(0.5, 0.6, 50), 0.0, 1.0).astype(np.float32)
    for gradient in (1.0, 3.5):  # 3.5: some costs at the floor
        cost = np.full(m, np.nan, np.float32)  # last month's, written over
        assert same(service_value.personal_cost(slots["citizen"], resources, gradient, 0.12, cost),
                    personal_cost_reference(slots["citizen"], resources, gradient, 0.12))
    sensitivity = np.exp(rng.normal(0.0, 0.5, 50)).astype(np.float32)
    q_c, q_n, design = rng.random(n_rows), rng.random(n_rows), rng.random((n_rows, dimensions(seed)))
    alternative = rng.integers(0, n_rows, m).astype(np.int32)
    args = (alternative, slots["provider"], slots["x"], slots["citizen"], sensitivity, q_c, q_n, design, 0.8, 1.3,
            0.05)
    assert same(service_value.exit_value(*args), exit_value_reference(*args))


@pytest.mark.parametrize("seed", SEEDS)
def test_membership_matches(seed):
    rng = np.random.default_rng(seed)
    slots = random_slots(seed)
    m = slots["provider"].size
    has_board = rng.random(slots["n_providers"]) < 0.5
    civic = rng.integers(0, 128, m).astype(np.uint8)
    civic_kernel, last_kernel = civic.copy(), np.full(50, -30000, dtype=np.int16)
    last_reference = last_kernel.copy()
    for start, uniform in draws.uniform_chunks(np.random.default_rng(seed + 1), m, chunk=7):
        membership.update_membership(start, uniform, slots["provider"], has_board, 0.3, civic_kernel,
                                     slots["citizen"], last_kernel, 9, np.uint8(MEMBER), np.uint8(MEMBER | BOARD),
                                     np.uint8(SEATED))
    membership_reference(np.random.default_rng(seed + 1), slots["provider"], has_board, 0.3, civic,
                         slots["citizen"], last_reference, 9)
    assert same(civic_kernel, civic) and same(last_kernel, last_reference)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("normalised", "need_weighted", "choice"),
                         [(True, True, True), (True, True, False), (False, False, True), (False, True, False)])
def test_formula_funding_matches(seed, normalised, need_weighted, choice):
    rng = np.random.default_rng(seed)
    deprivation = rng.integers(0, 5, 50).astype(np.int8)
    kernel_rows, reference_rows = np.zeros(12), np.zeros(12)
    for sector in range(3):
        slots = random_slots(10 * seed + sector, n_providers=12)
        home_row = rng.integers(0, 12, 8)
        weight = 1.0 + 0.6 * deprivation[slots["citizen"]]
        normaliser = float(weight.mean()) if normalised and weight.size else None
        unit_count = np.bincount(slots["unit"], minlength=8)  # the unit-sorted layout the kernel reads units from
        unit_start = np.concatenate([[0], np.cumsum(unit_count)[:-1]]).astype(np.int64)
        formula_funding.add_formula_users(slots["citizen"], deprivation, formula_funding.quintile_weights(0.6, 5),
                                          normaliser, high_need_bits(slots["need"]), np.float32(2.5), need_weighted,
                                          choice, slots["stance"], OPT_OUT, slots["provider"], unit_start, unit_count,
                                          home_row, 2.3, kernel_rows)
        formula_users_reference(slots["citizen"], deprivation, 0.6, normalised, slots["need"], need_weighted, choice,
                                slots["stance"], slots["provider"], slots["unit"], home_row, 2.3, reference_rows)
    assert same(kernel_rows, reference_rows)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("targeted", [True, False])
def test_stance_revision_matches(seed, targeted):
    rng = np.random.default_rng(seed)
    slots = random_slots(seed)
    draw = rng.random(slots["stance"].size)
    social, deliberating = stance_revision.split_revisers(draw, 0.07, 0.1)
    assert same(social, np.flatnonzero(draw < 0.07))
    assert same(deliberating, np.flatnonzero((draw >= 0.07) & (draw < 0.1)))
    deprivation = rng.integers(0, 5, 50).astype(np.int8)
    targeting, resources = rng.uniform(0.0, 3.0, 5), rng.random(50).astype(np.float32)
    mean = max(float(resources.mean()), 1e-6)
    reach = targeting[deprivation[slots["citizen"]]] if targeted else resources[slots["citizen"]] / mean
    want = recruit(np.random.default_rng(seed + 5), slots["stance"], np.minimum(2 * 0.35 * reach, 1.0))
    got = stance_revision.recruit(np.random.default_rng(seed + 5).random(slots["stance"].size), slots["stance"],
                                  slots["citizen"], targeted, 2 * 0.35, targeting, deprivation, resources,
                                  1.0 if targeted else mean, CONTRIBUTE, USE_ONLY)
    assert same(got, want)


def pairwise_slot_sums(*inputs):
    """``add_sector_measures`` as the metrics computed it before: NumPy's pairwise sums (the reference of D-F4),
    of the holders as an array (the model passes them packed, D-F120)."""
    citizen, *rest = inputs
    return sector_measures_reference(unpack_holders(citizen) if isinstance(citizen, tuple) else citizen, *rest)


def equivalent(differences, margin, alpha=0.05):
    """Two one-sided tests (TOST) that the mean paired difference lies within (-margin, margin); a difference
    the same in every pair is judged by its value (a t-test needs some spread)."""
    from scipy.stats import ttest_1samp

    differences = np.asarray(differences)
    if np.ptp(differences) == 0:
        return bool(abs(differences[0]) < margin)
    above = ttest_1samp(differences, -margin, alternative="greater").pvalue
    below = ttest_1samp(differences, margin, alternative="less").pvalue
    return bool(max(above, below) < alpha)


def test_metrics_summed_in_slot_order_are_equivalent_over_twenty_seeds(monkeypatch):
    """ODD D-F4: the metrics summed in slot order (the kernel) against NumPy's pairwise sums, paired by seed in a
    default-size district converting to mutuals with user choice: each metric's mean over months 13-36 differs
    by less than 1e-9 of its size in a TOST over 20 seeds (every headline metric included), only the metrics
    the sums feed move, and responsiveness does (in its last bits). The same test refuses equivalence for a
    difference of twice the margin, so it can fail."""
    import sim
    import sim.metrics
    from sim.metrics_catalogue import HEADLINE_METRICS, METRIC_NAMES

    def window_means(seed, slot_sums):
        monkeypatch.setattr(sim.metrics, "add_sector_measures", slot_sums)
        monkeypatch.setattr(sim.metrics, "begin_month", lambda model: None)  # the metrics' own pass every month
        frame = sim.MutualStateModel(rng=seed, regime="conversion", user_choice="on",
                                     participation_audit=True, channel_user_panels=True).run(36)
        return frame.iloc[13:].mean()

    differences = {name: [] for name in METRIC_NAMES}
    sizes = {name: [] for name in METRIC_NAMES}
    for seed in range(20):
        kernel = window_means(seed, metric_sums.add_sector_measures)
        reference = window_means(seed, pairwise_slot_sums)
        for name in METRIC_NAMES:
            differences[name].append(kernel[name] - reference[name])
            sizes[name].append(abs(reference[name]))
    assert set(HEADLINE_METRICS) <= set(METRIC_NAMES)
    for name in METRIC_NAMES:
        margin = 1e-9 * max(1.0, float(np.mean(sizes[name])))
        assert equivalent(differences[name], margin), name
        assert not equivalent(np.asarray(differences[name]) + 2 * margin, margin), name
    moved = {name for name in METRIC_NAMES if np.any(differences[name])}
    assert "responsiveness" in moved and moved <= {"satisfaction", "responsiveness", "static_fit",
                                                  "total_cost_per_capita"}, moved


@pytest.mark.parametrize("seed", SEEDS)
def test_new_needs_and_drift_match(seed):
    """ODD §7.14: a moved slot's fresh start and the drift of preferences against their whole-array form."""
    rng = np.random.default_rng(seed)
    slots = random_slots(seed, m=300, n_providers=9)
    kernel = {name: slots[name].copy() for name in ("citizen", "x", "need", "stance", "satisfaction", "provider")}
    kernel["need"] = high_need_bits(kernel["need"])  # the slots keep the bit (ODD §9 D-F33)
    kernel["civic"] = rng.integers(0, 128, 300).astype(np.uint8)
    reference = {name: values.copy() for name, values in kernel.items()}
    reference["need"] = slots["need"].copy()  # the levels, kept as bits below
    moved = np.flatnonzero(rng.random(300) < 0.2)
    units, new = slots["unit"][moved], rng.integers(0, 50, moved.size).astype(np.int32)
    shape = dimensions(seed)
    unit_pref_mean, home_provider = rng.random((8, shape)).astype(np.float32), rng.integers(0, 9, 8).astype(np.int32)
    last_participation, mean_satisfaction = rng.integers(-20, 40, 50).astype(np.int16), rng.normal(0.4, 0.3, 9)
    habitual = last_participation > 17  # her habit, as the kernel reads it (ODD §9 D-F298)
    normal, uniform = rng.normal(0.0, 0.4, (moved.size, shape)), rng.random(moved.size)  # wide: some clipped
    need_churn.start_needs(moved, units, new, normal, uniform, unit_pref_mean, 0.2, 2.5, last_participation, 17,
                           home_provider,
                           mean_satisfaction, CONTRIBUTE, USE_ONLY, *(kernel[name] for name in (
                               "citizen", "x", "need", "stance", "civic", "provider", "satisfaction")))
    reference["citizen"][moved] = new
    reference["x"][moved] = encode(np.clip(unit_pref_mean[units] + normal.astype(np.float32), 0.0, 1.0))
    reference["need"][moved] = np.where(uniform < 0.2, 2.5, 1.0).astype(np.float32)
    reference["stance"][moved] = np.where(habitual[new], CONTRIBUTE, USE_ONLY).astype(np.int8)
    reference["civic"][moved] = 0
    reference["provider"][moved] = home_provider[units]
    reference["satisfaction"][moved] = mean_satisfaction[reference["provider"][moved]]
    reference["need"] = high_need_bits(reference["need"])
    assert all(same(kernel[name], reference[name]) for name in kernel)
    shift = rng.normal(0.0, 0.3, (8, shape))
    x = slots["x"].copy()
    need_churn.drift_preferences(x, slots["unit"], shift)
    assert same(x, encode(np.clip(decode(slots["x"]) + shift[slots["unit"]], 0.0, 1.0)))
    # a month's drift of the units' means (some pushed past the bounds) and of their users, as drift_needs had it
    means = rng.random((8, shape)).astype(np.float32)
    step = rng.normal(0.0, 0.4, (8, shape))
    persistence = float(np.exp(-0.06 / 12.0))
    drifted = np.clip(0.5 + persistence * (means - 0.5) + step, 0.0, 1.0)
    want_x = x.copy()
    need_churn.drift_preferences(want_x, slots["unit"], drifted - means)
    counts = np.bincount(slots["unit"], minlength=8).astype(np.int64)
    need_churn.drift_unit_means(means, step, persistence, 0.5, x, np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    assert same(means, drifted.astype(np.float32)) and same(x, want_x)
    edge = encode(np.array([[0.0, 0.25], [0.0, 1.0], [0.5, 1.0]]))  # the clip as selects gives what min(max(.))
    edge_shift = np.array([[-0.5, 0.0], [0.0, 0.5], [0.25, -0.0]])  # gave: the bounds, passed and kept, as codes
    want_edge = edge.copy()
    need_churn.drift_preferences(want_edge, np.array([0, 1, 2]), edge_shift)
    need_churn.drift_preferences_by_unit(edge, np.array([0, 1, 2]), np.array([1, 1, 1]), edge_shift)
    assert same(edge, want_edge) and same(edge, np.array([[0, 16384], [0, 65535], [49152, 65535]], np.uint16))
    # the same in runs long enough for the compiler's vector loop over the codes (ODD §9 D-F251), a run of each
    long_edge = np.repeat(encode(np.array([[0.0, 0.25], [0.0, 1.0], [0.5, 1.0]])), 37, axis=0)
    long_unit = np.repeat(np.arange(3), 37)
    want_long = long_edge.copy()
    need_churn.drift_preferences(want_long, long_unit, edge_shift)
    need_churn.drift_preferences_by_unit(long_edge, np.array([0, 37, 74]), np.array([37, 37, 37]), edge_shift)
    assert same(long_edge, want_long)


@pytest.mark.parametrize("seed", SEEDS)
def test_drift_codes_clipped_in_integers(seed):
    """ODD §9 D-F260: two-dimensional drift clips a moved coordinate's code in integers; the same codes as NumPy's
    clip to [0, 1] and ``encode`` for every code plus any shift a drift gives (in [-1, 1]: the bounds, just past
    them, a negative zero, codes' own readings), and 0 for a NaN, as the compiled clip and ``encoded`` gave."""
    rng = np.random.default_rng(seed)
    m = 4096
    x = rng.integers(0, 65536, (m, 2)).astype(np.uint16)
    x[:8] = [[0, 65535], [65535, 0], [1, 65534], [32768, 32767], [0, 0], [65535, 65535], [2, 3], [40000, 1]]
    unit = np.sort(rng.integers(0, 64, m))
    shift = rng.uniform(-1.0, 1.0, (64, 2))
    shift[:8] = [[-0.0, 0.0], [1.0, -1.0], [-1.0, 1.0], [0.5 / 65535, -0.5 / 65535], [1e-300, -1e-300],
                 [np.nextafter(0.0, 1.0), np.nextafter(0.0, -1.0)], [0.25, -0.75], [1.0 / 65535, -2.0 / 65535]]
    counts = np.bincount(unit, minlength=64).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    want = encode(np.clip(decode(x).astype(np.float64) + shift[unit], 0.0, 1.0))
    got = x.copy()
    need_churn.drift_preferences_by_unit(got, starts, counts, shift)
    assert same(got, want)
    nan = x[:4].copy()
    need_churn.drift_preferences_by_unit(nan, np.array([0]), np.array([4]), np.array([[np.nan, 0.0]]))
    assert same(nan[:, 0], np.zeros(4, np.uint16)) and same(nan[:, 1], x[:4, 1])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("crowd_out", [True, False])
def test_voice_benefit_matches(seed, crowd_out):
    rng = np.random.default_rng(seed)
    slots = random_slots(seed)
    n_rows = slots["n_providers"]
    listed = np.flatnonzero(slots["stance"] != OPT_OUT)
    q_c, q_n, design = rng.random(n_rows), rng.random(n_rows), rng.random((n_rows, dimensions(seed)))
    last = rng.integers(-30000, 30, 50).astype(np.int16)
    # the exit gain as service use valued it, from the row each slot was served by then: some switched this month
    # and now use another row (ODD §9 D-F81)
    _, rows = service_inputs(seed)
    key, month, sector = rows["key"], 12, 1
    moved = np.sort(rng.choice(listed, size=min(listed.size, 7), replace=False)) if listed.size else listed
    left = rng.integers(0, n_rows, moved.size)
    served = slots["provider"].copy()
    served[moved] = left
    unit_count = np.bincount(slots["unit"], minlength=8)
    unit_start = np.concatenate([[0], np.cumsum(unit_count)[:-1]]).astype(np.int64)
    exit_gain = exit_gain_reference(key, month, sector, served, slots["unit"], slots["x"], slots["citizen"],
                                    rows["sensitivity"], q_c, q_n, design, rows["home_row"], rows["neighbours"],
                                    rows["count"], 0.8, 1.3, 0.05)
    tail = (q_c, q_n, design, 0.8, 1.3, 0.9, 0.35, 0.2, 0.05, slots["efficacy"], last, 17)
    exit_args = (key[0], key[1], month, sector, unit_start, unit_count, rows["home_row"], rows["neighbours"],
                 rows["count"], rows["sensitivity"], 0.05, moved.astype(np.int64), left.astype(np.int64))
    half = listed.size // 2  # in two calls, as the elections call it a chunk at a time
    got = np.concatenate([voice.voice_benefit(part, slots["provider"], slots["x"], slots["citizen"], crowd_out,
                                              *exit_args, *tail) for part in (listed[:half], listed[half:])])
    want = voice_benefit_reference(listed, slots["provider"], slots["x"], slots["citizen"], exit_gain, crowd_out,
                                   *tail)
    assert same(got, want)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("neighbour_share", [0.0, 0.3, 1.0])
def test_models_match(seed, neighbour_share):
    rng = np.random.default_rng(seed)
    unit_count = rng.integers(0, 6, 8)  # some units without users
    unit_start = np.concatenate([[0], np.cumsum(unit_count)[:-1]])
    neighbour_count = rng.integers(0, 4, 8).astype(np.int32)
    neighbours = np.where(np.arange(3) < neighbour_count[:, None], rng.integers(0, 8, (8, 3)), -1)
    revisers = rng.integers(0, 8, int(rng.integers(0, 60))).astype(np.int32)
    a_rng, b_rng = np.random.default_rng(seed + 9), np.random.default_rng(seed + 9)
    got = pick_models(a_rng, revisers, unit_start, unit_count, neighbours, neighbour_count, neighbour_share)
    want = pick_models_reference(b_rng, revisers, unit_start, unit_count, neighbours, neighbour_count,
                                 neighbour_share)
    assert same(got, want) and a_rng.random() == b_rng.random()


@pytest.mark.parametrize("seed", SEEDS)
def test_motive_choice_matches(seed):
    rng = np.random.default_rng(seed)
    slots = random_slots(seed)
    m, n_rows = slots["provider"].size, slots["n_providers"]
    listed = np.flatnonzero(rng.random(m) < 0.5)
    q_c, q_n, design = rng.random(n_rows), rng.random(n_rows), rng.random((n_rows, dimensions(seed)))
    benefit = rng.normal(0.2, 0.3, listed.size).astype(np.float32)
    participation = rng.random(n_rows)
    pool_return, sigma = np.float64(2.7), np.float64(0.3) + 0.05  # NumPy scalars, as the sector table gives them
    common = (listed, slots["provider"], slots["x"], slots["cost"], benefit, q_c, q_n, design, 0.8, 1.3)
    gain_contribute, gain_leave = stance_revision.motive_gains(
        *common, float(pool_return * 0.12 / 5), float(sigma), float(pool_return * 0.12), participation)
    rows = slots["provider"][listed]
    assert same(gain_contribute, benefit + pool_return * 0.12 / 5 - slots["cost"][listed])  # float64, as NumPy's
    assert same(gain_leave, sigma - (service_utility_reference(rows, slots["x"][listed], q_c, q_n, design, 0.8, 1.3)
                                     + pool_return * 0.12 * participation[rows]))
    sensitivity = 12.0  # strong: some weights clipped at exp(50)
    got = stance_revision.choose_by_weights(
        np.random.default_rng(seed + 2).random(listed.size), np.exp(np.clip(sensitivity * gain_contribute, -50, 50)),
        np.exp(np.clip(sensitivity * gain_leave, -50, 50)), CONTRIBUTE, OPT_OUT, USE_ONLY)
    want = motive_choice_reference(np.random.default_rng(seed + 2), *common, pool_return, 0.12, 5, sigma,
                                   participation, sensitivity)
    assert same(got, want)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("effort", "candidate_information", "seats"),
                         [(0.24, True, (3, 2, 1, 4)), (0.24, False, (1, 0, 2, 1)), (0.0, True, (2, 2, 0, 0))])
@pytest.mark.parametrize(("chunk", "bit_generator"),
                         [(None, np.random.PCG64), (7, np.random.PCG64), (64, np.random.MT19937),
                          (5, np.random.Philox)])
def test_governance_matches(seed, effort, candidate_information, seats, chunk, bit_generator):
    """The elections' kernels, taken a chunk of slots at a time from the costs to the ballots (the answers from a
    copy of the stream a sector ahead, ODD §9 D-F92), against the whole-array governance, with NumPy's default
    generator and with others (whose copy draws its way ahead); the stream is left where NumPy leaves it."""
    rng = np.random.default_rng(seed)
    slots = random_slots(seed)
    m, n_rows = slots["provider"].size, slots["n_providers"]
    civic = rng.integers(0, 256, m).astype(np.uint8)
    institutions = tuple(rng.random(n_rows) < share for share in (0.5, 0.5, 0.3, 0.4, 0.7, 0.3))
    board, governors, pupils, panels, consults, contact = institutions
    answer_cost = np.where(contact, 0.02, 0.05)
    standard_factor = rng.uniform(0.05, 1.5, m).astype(np.float32)
    benefit = rng.normal(0.05, 0.05, m).astype(np.float32)
    costs, sensitivity, month = (0.03, 0.24), 40.0, 12
    last = rng.integers(-30000, 12, 50).astype(np.int16)
    resources = rng.random(50).astype(np.float32)  # a slot's personal cost from her resources (ODD §9 D-F80)
    civic_reference, last_reference = civic.copy(), last.copy()
    a_rng = np.random.Generator(bit_generator(seed + 3))
    b_rng = np.random.Generator(bit_generator(seed + 3))
    a_rng.integers(0, 2**32, dtype=np.uint32)  # a spare 32-bit half-word held (PCG64): kept by the copy's catch-up
    b_rng.integers(0, 2**32, dtype=np.uint32)
    want = governance_reference(a_rng, slots["provider"], slots["stance"], civic_reference, slots["citizen"],
                                personal_cost_reference(slots["citizen"], resources, 1.5, effort), effort, standard_factor, benefit, institutions, answer_cost, costs,
                                candidate_information, seats, sensitivity, last_reference, month, n_rows)
    assert same(elections.active_slots(slots["stance"], OPT_OUT, 0, m),
                np.flatnonzero(slots["stance"] != OPT_OUT).astype(np.int32))  # int32 (ODD §9 D-F62)
    params = {"motive_sensitivity": sensitivity, "taste_persistence": 0.0}  # the logit at slope s (ODD §7.3)
    got = [np.zeros(n_rows) for _ in range(4)]
    answer_rng = participation.generator_ahead(b_rng, m)
    step = chunk or max(m, 1)
    for first in range(0, m, step):
        end = min(first + step, m)
        active = elections.active_slots(slots["stance"], OPT_OUT, first, end)
        assert same(active, (first + np.flatnonzero(slots["stance"][first:end] != OPT_OUT)).astype(np.int32))
        vote_cost, answer_cost_of = elections.form_costs(
            active, slots["provider"], slots["stance"], civic, slots["citizen"], resources, 1.5, effort,
            standard_factor if np.float32(effort) == 0 else np.zeros(0, np.float32), costs[0], costs[1],
            candidate_information, CONTRIBUTE, np.uint8(SEATED), answer_cost)
        civic[first:end] &= ~np.uint8(VOTED | CONSULTED | SEATED)
        vote_chance = participation.take_up_chance(params, benefit[active], vote_cost)
        answer_chance = participation.take_up_chance(params, benefit[active], answer_cost_of)
        elections.cast_ballots_and_answers(b_rng, answer_rng, active, first, end, slots["provider"], civic,
                                           slots["citizen"], vote_chance, answer_chance, board, governors,
                                           consults | contact, np.uint8(MEMBER), np.uint8(VOTED),
                                           np.uint8(CONSULTED), last, np.int16(month), *got)
    participation.catch_up(b_rng, answer_rng)
    elections.fill_seats(b_rng, slots["provider"], slots["stance"], civic, CONTRIBUTE, np.uint8(MEMBER),
                         np.uint8(SEATED), board, governors, pupils, panels, *seats, np.uint8(BOARD),
                         np.uint8(GOVERNOR), np.uint8(PUPIL), np.uint8(PANEL))
    assert same(civic, civic_reference) and same(last, last_reference)
    assert all(same(a, b) for a, b in zip(got, want, strict=True))
    assert a_rng.integers(0, 2**32, dtype=np.uint32) == b_rng.integers(0, 2**32, dtype=np.uint32)
    assert a_rng.random() == b_rng.random()


def participation_report_reference(population, service_users, sector_names, month):
    """``views.participation_report`` before D-F91: masks and gathers of each sector's slots and boolean arrays of
    every adult, NumPy's means (the reference of ``sim.kernels.audit``)."""
    import pandas as pd

    from sim.population import ANY_SERVICE
    from sim.views import FORM_BITS as REPORT_FORMS

    rows = []
    took_part = population.participated(month)
    by_person = {form: np.zeros(population.n, dtype=bool) for form in REPORT_FORMS}
    for name, users in zip(sector_names, service_users, strict=True):
        quintile = population.deprivation[users.citizen]
        contributes = users.stance == CONTRIBUTE
        holds = {form: (users.civic & bit) != 0 for form, bit in REPORT_FORMS.items()}
        for form, who in holds.items():
            by_person[form][users.citizen[who]] = True
        for quint in range(5):
            mask = quintile == quint
            rows.append({"sector": name, "quintile": quint, "users": int(mask.sum()),
                         "participation_rate": float(contributes[mask].mean()) if mask.any() else 0.0,
                         **{form: float(who[mask].mean()) if mask.any() else 0.0 for form, who in holds.items()}})
    for quint in range(5):
        mask = population.deprivation == quint
        rows.append({"sector": ANY_SERVICE, "quintile": quint, "users": int(mask.sum()),
                     "participation_rate": float(took_part[mask].mean()) if mask.any() else 0.0,
                     **{form: float(who[mask].mean()) if mask.any() else 0.0 for form, who in by_person.items()}})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("seed", "settings"), [
    (1, {"n_units": 5, "sectors": "all", "participation_audit": True, "channel_user_panels": True,
         "regime": "conversion", "user_choice": "on"}),
    (2, {"n_units": 2, "participation_audit": True}),
])
def test_participation_report_matches(seed, settings):
    """ODD §9 D-F91: the audit's report from ``sim.kernels.audit``'s counts equals, to the last bit and dtype, the
    report of masks and NumPy means, every month of 14 (a fiscal year's end included), and with every slot's
    participation bits and every adult's quintile and last participation drawn at random (an empty quintile,
    an empty sector)."""
    import pandas as pd

    import sim
    from sim.views import participation_report

    model = sim.MutualStateModel(rng=seed, **settings)
    for _ in range(14):
        model.step()
        got = participation_report(model.population, model.users, model.sector_names, model.month)
        want = participation_report_reference(model.population, model.users, model.sector_names, model.month)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    rng = np.random.default_rng(seed)
    population = model.population
    population.deprivation[:] = rng.choice([0, 1, 3, 4], population.n)  # quintile 2 empty
    population.last_participation[:] = rng.integers(-5, 15, population.n)
    for users in model.users:
        users.civic[:] = rng.integers(0, 256, users.m)
    model.users[0].holder_offset = model.users[0].holder_offset[:0]  # an empty sector
    model.users[0].stance, model.users[0].civic = model.users[0].stance[:0], model.users[0].civic[:0]
    got = participation_report(population, model.users, model.sector_names, model.month)
    want = participation_report_reference(population, model.users, model.sector_names, model.month)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert audit.FIRST_FORM == 2


@pytest.mark.parametrize("seed", SEEDS)
def test_volunteer_cost_matches(seed):
    """ODD §9 D-F93: a sector's contributors' personal costs summed in float64 in slot order, as
    ``add_sector_measures`` sums them, against the whole-array costs added one by one."""
    slots = random_slots(seed)
    resources = np.random.default_rng(seed).random(50).astype(np.float32)
    for gradient, effort in ((1.5, 0.24), (0.0, 0.3), (4.0, 0.0)):
        costs = personal_cost_reference(slots["citizen"], resources, gradient, effort)
        want = 0.0
        for cost in costs[slots["stance"] == CONTRIBUTE]:
            want += float(cost)
        got = metric_sums.volunteer_cost(slots["citizen"], slots["stance"], resources, gradient, effort, CONTRIBUTE)
        assert type(got) is float and got == want and np.signbit(got) == np.signbit(want)
        measured = metric_sums.add_sector_measures(
            slots["citizen"], np.zeros(50, np.int8), slots["satisfaction"], slots["x"], slots["provider"],
            np.zeros((slots["n_providers"], slots["x"].shape[1])), slots["stance"], resources, gradient, effort,
            CONTRIBUTE, OPT_OUT, np.zeros(slots["provider"].size, np.uint8), slots["stance"], np.zeros(5),
            np.zeros(5), np.zeros(50, np.uint8), np.zeros(3, np.int64))
        assert measured[3] == got


@pytest.mark.parametrize("m", [0, 1, 7, 100])
def test_uniform_chunks_are_numpys_draw(m):
    """Chunks of a few draws into one buffer give ``rng.random(m)`` and leave the generator where it leaves it."""
    a_rng, b_rng = np.random.default_rng(m), np.random.default_rng(m)
    got = [uniform.copy() for _, uniform in draws.uniform_chunks(a_rng, m, chunk=7)]
    assert same(np.concatenate(got) if got else np.zeros(0), b_rng.random(m)) and a_rng.random() == b_rng.random()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("by_sector", [True, False])
def test_a_month_of_work_matches(seed, by_sector):
    """Morale, burnout, effort, quits and replacements of ``Workforce.update`` against the whole-array month
    (rows under and over their workload, failing or not), three months running."""
    from sim.parameters import defaults

    rng = np.random.default_rng(seed)
    staff = rng.integers(0, 30, 8)
    fast = Workforce(np.random.default_rng(seed), staff, defaults())
    slow = Workforce(np.random.default_rng(seed), staff, defaults())
    rows = dict(autonomy=rng.random(8), owned=(rng.random(8) < 0.5).astype(float), pay_ratio=rng.uniform(0.8, 1.2, 8),
                workload=rng.uniform(0.3, 2.5, 8), failing=(rng.random(8) < 0.3).astype(float),
                incentive=rng.uniform(-0.2, 0.4, 8))
    quit_ratio = rng.uniform(0.5, 20.0, 8) if by_sector else None  # large ratios: chances clipped at 1
    a_rng, b_rng = np.random.default_rng(seed + 4), np.random.default_rng(seed + 4)
    for _ in range(3):
        quits = fast.update(a_rng, **rows, quit_ratio=quit_ratio)
        want = workforce_update_reference(slow, b_rng, **rows, quit_ratio=quit_ratio)
        assert same(quits, want)
        assert all(same(getattr(fast, name), getattr(slow, name))
                   for name in ("morale", "burnout", "effort", "motivation", "skill", "tenure"))
    assert a_rng.random() == b_rng.random()


def test_the_quit_chances_logistic_is_scipys_expit():
    """``workers.expit`` (the quit chance's logistic inside ``morale_and_quits``, ODD §9 D-F290) against SciPy's
    ``expit``, to the bit: a million arguments at each of several scales, and the edge cases."""
    from sim.kernels import workers

    @numba.njit
    def logistic_of(x, out):
        for i in range(x.size):
            out[i] = workers.expit(x[i])

    rng = np.random.default_rng(5)
    edges = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 709.0, -709.0, 710.0, -710.0, 745.2, -745.2, 5e-324,
                      -5e-324, 1e-300, 37.0, -37.0])
    for x in [edges, *(rng.normal(0.0, scale, 1_000_000) for scale in (1e-3, 0.3, 3.0, 40.0, 800.0))]:
        got = np.empty_like(x)
        logistic_of(x, got)
        assert same(got, expit(x))


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_a_month_of_work_reads_failing_rows_as_bools_or_floats(seed):
    """``Workforce.update`` given the rows' failing flags as bools (as ``sim.submodels.work`` passes the table's)
    gives what it gives them as 0.0 and 1.0, and draws the same quits (ODD §9 D-F290)."""
    from sim.parameters import defaults

    rng = np.random.default_rng(seed)
    staff = rng.integers(0, 30, 8)
    a, b = (Workforce(np.random.default_rng(seed), staff, defaults()) for _ in range(2))
    rows = dict(autonomy=rng.random(8), owned=(rng.random(8) < 0.5).astype(float), pay_ratio=rng.uniform(0.8, 1.2, 8),
                workload=rng.uniform(0.3, 2.5, 8), incentive=rng.uniform(-0.2, 0.4, 8))
    failing = rng.random(8) < 0.5
    a_rng, b_rng = np.random.default_rng(seed + 4), np.random.default_rng(seed + 4)
    for _ in range(3):
        assert same(a.update(a_rng, failing=failing, **rows), b.update(b_rng, failing=failing.astype(float), **rows))
        assert all(same(getattr(a, name), getattr(b, name))
                   for name in ("morale", "burnout", "effort", "motivation", "skill", "tenure"))
    assert a_rng.random() == b_rng.random()


# --- service helper (session 12): keyed streams (sim.kernels.streams, ODD §9 D-F18) -------------------------------
def philox4x32_reference(key, counters):
    """Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011) in plain NumPy uint64 arithmetic, vectorised over the rows
    of ``counters`` (n, 4): the reference the compiled ``streams.philox4x32`` is checked against."""
    mask, shift = np.uint64(0xFFFFFFFF), np.uint64(32)
    c = [np.asarray(counters, dtype=np.uint64)[:, j] & mask for j in range(4)]
    k0, k1 = np.uint64(key[0]), np.uint64(key[1])
    for _ in range(10):
        p0, p1 = np.uint64(0xD2511F53) * c[0], np.uint64(0xCD9E8D57) * c[2]
        c = [(p1 >> shift) ^ c[1] ^ k0, p1 & mask, (p0 >> shift) ^ c[3] ^ k1, p0 & mask]
        k0, k1 = (k0 + np.uint64(0x9E3779B9)) & mask, (k1 + np.uint64(0xBB67AE85)) & mask
    return np.stack(c, axis=1)


# Random123's known answers for philox4x32 with 10 rounds (the kat_vectors file of the Random123 distribution, as
# quoted in D. E. Shaw Research's fs123, core123/ut/ut_philox.cpp): counter (4 words), key (2 words) -> output.
PHILOX_KNOWN_ANSWERS = [
    ((0x00000000, 0x00000000, 0x00000000, 0x00000000), (0x00000000, 0x00000000),
     (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF),
     (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]



@numba.njit
def philox_of_counters(key0, key1, counters):
    """``streams.philox4x32`` on each row of ``counters``, the words as uint64."""
    out = np.empty((counters.shape[0], 4), np.uint64)
    for k in range(counters.shape[0]):
        out[k, 0], out[k, 1], out[k, 2], out[k, 3] = streams.philox4x32(
            key0, key1, counters[k, 0], counters[k, 1], counters[k, 2], counters[k, 3])
    return out


@numba.njit
def stream_uniforms(key0, key1, n, month, sector, purpose):
    """``streams.uniform`` and the four of ``streams.uniforms4`` for indices 0..n-1."""
    one = np.empty(n)
    four = np.empty((n, 4))
    for index in range(n):
        one[index] = streams.uniform(key0, key1, index, month, sector, purpose)
        four[index, 0], four[index, 1], four[index, 2], four[index, 3] = streams.uniforms4(
            key0, key1, index, month, sector, purpose, 1)
    return one, four


@numba.njit
def stream_bounded(key0, key1, n, month, sector, purpose, bound):
    out = np.empty(n, np.int64)
    for index in range(n):
        out[index] = streams.bounded(key0, key1, index, month, sector, purpose, bound)
    return out


def test_reference_philox_gives_random123s_known_answers():
    for counter, key, expected in PHILOX_KNOWN_ANSWERS:
        assert philox4x32_reference(key, np.array([counter])).tolist() == [list(expected)]


def test_philox_kernel_gives_the_known_answers_and_matches_the_reference_on_many_counters():
    for counter, key, expected in PHILOX_KNOWN_ANSWERS:
        assert philox_of_counters(key[0], key[1], np.array([counter], dtype=np.uint64)).tolist() == [list(expected)]
    rng = np.random.default_rng(5)
    counters = rng.integers(0, 2**32, (20_000, 4), dtype=np.uint64)
    counters[:100] = 0  # small counters, as slots and months are
    counters[:100, 0] = np.arange(100)
    for key in [(0, 0), (0xFFFFFFFF, 1), tuple(int(w) for w in rng.integers(0, 2**32, 2))]:
        np.testing.assert_array_equal(philox_of_counters(key[0], key[1], counters),
                                      philox4x32_reference(key, counters))


def test_a_stream_looks_uniform_and_its_purposes_months_and_sectors_differ():
    from scipy import stats
    key = streams.stream_key(np.random.default_rng(3))
    one, four = stream_uniforms(key[0], key[1], 50_000, 7, 2, streams.EXIT_REVIEW)
    assert one.min() > 0.0 and one.max() < 1.0
    assert stats.kstest(one, "uniform").pvalue > 0.001
    for word in range(4):
        assert stats.kstest(four[:, word], "uniform").pvalue > 0.001
    assert abs(np.corrcoef(four[:, 0], four[:, 1])[0, 1]) < 0.03
    others = [stream_uniforms(key[0], key[1], 1000, 8, 2, streams.EXIT_REVIEW)[0],  # another month
              stream_uniforms(key[0], key[1], 1000, 7, 3, streams.EXIT_REVIEW)[0],  # another sector
              stream_uniforms(key[0], key[1], 1000, 7, 2, streams.EXIT_SWITCH)[0],  # another purpose
              stream_uniforms(key[0] ^ 1, key[1], 1000, 7, 2, streams.EXIT_REVIEW)[0]]  # another model
    for other in others:
        assert np.count_nonzero(other == one[:1000]) == 0
        assert abs(np.corrcoef(other, one[:1000])[0, 1]) < 0.15
    # the same counter gives the same number, whoever asks and in whatever order
    again, _ = stream_uniforms(key[0], key[1], 1000, 7, 2, streams.EXIT_REVIEW)
    np.testing.assert_array_equal(again, one[:1000])


def test_bounded_draws_are_uniform_and_in_range():
    from scipy import stats
    key = streams.stream_key(np.random.default_rng(4))
    for bound in (1, 2, 7, 1000):
        draws_ = stream_bounded(key[0], key[1], 70_000, 3, 0, streams.GROUP_SHUFFLE, bound)
        assert draws_.min() >= 0 and draws_.max() < bound
        if bound > 1:
            counts = np.bincount(draws_, minlength=bound)
            assert stats.chisquare(counts).pvalue > 0.001


def test_purposes_are_registered_once_and_the_key_leaves_the_model_stream_alone():
    numbers = list(streams.PURPOSES.values())
    assert len(set(numbers)) == len(numbers) and all(0 < n < streams.SECTOR_LANES for n in numbers)
    rng, untouched = np.random.default_rng(9), np.random.default_rng(9)
    key = streams.stream_key(rng)
    assert key == streams.stream_key(np.random.default_rng(9)) != streams.stream_key(np.random.default_rng(10))
    assert rng.random() == untouched.random()
    assert rng.spawn(1)[0].random() == untouched.spawn(1)[0].random()


# --- overhead (session 12): production, the ledger and NumPy's sum (ODD §9 D-F42...) -------------------------------
def production_reference(rows, sector_fields, params):
    """ODD §7.6 and §7.8: the whole-array ``produce`` that ``sim.kernels.production`` replaced (each row's kind's
    rates given per row; the contractor's wage factor 1 - wage_cut * c(e) with wage_cut 0 for the other kinds)."""
    r, p = SimpleNamespace(**rows), params
    n = r.last_payment.size
    budget = r.last_payment
    standard = budget / r.price
    federation_saving = np.where(r.federation >= 0, p["federation_saving"], 0.0)
    fixed = sector_fields["fixed_cost"][r.sector] * (1.0 - federation_saving)
    own_overhead = r.own_rate * np.maximum(standard - r.last_lump / r.price, 0.0)
    service_budget = np.maximum(standard - fixed - own_overhead, 0.0)
    reinvest = r.drawdown * np.maximum(r.cash - budget, 0.0)
    unit_cost = sector_fields["unit_cost"][r.sector]
    served = r.weighted_users > 0
    resources = np.divide(service_budget + reinvest, unit_cost * r.weighted_users, out=np.ones(n), where=served)
    cut = 2.0 * p["cost_reduction_scale"] * np.sqrt(np.maximum(r.effort_e, 0.0))
    saved = np.minimum(cut, 1.0)
    standard_cost = unit_cost * r.weighted_users
    replaced = np.minimum(p["coproduction_cost_share"] * r.coproduction_relief * standard_cost,
                          service_budget * (1.0 - saved))
    paid_replaced = np.divide(replaced, standard_cost, out=np.zeros(n), where=served)
    spending_index = resources - paid_replaced + r.coproduction_relief
    capital_quality = p["capital_productivity"] * r.capital / (12.0 * unit_cost * np.maximum(r.weighted_users, 1.0))
    base = spending_index ** p["quality_elasticity"] * r.workforce_index + capital_quality
    contractibility = sector_fields["contractibility"][r.sector]
    q_c = contractibility * base
    q_n = ((1.0 - contractibility) * base + 2.0 * p["innovation_scale"] * np.sqrt(np.maximum(r.effort_i, 0.0))
           - sector_fields["theta"][r.sector] * cut)
    spend = service_budget * (1.0 - saved) - replaced + reinvest
    wage_factor = 1.0 - r.wage_cut * saved
    wages = r.fte * p["market_wage"] * wage_factor
    rates = p["business_rates_share"] * fixed
    return dict(spending_index=spending_index, q_c=q_c, q_n=q_n, overhead=own_overhead, cut=cut,
                saving=service_budget * saved + replaced, wage_factor=wage_factor, wages=wages,
                running_costs=fixed - rates + own_overhead + np.maximum(spend - wages, 0.0),
                rates_paid=rates * (1.0 - r.relief))


@pytest.mark.parametrize("seed", SEEDS)
def test_production_matches(seed):
    """``row_costs`` and ``quality`` against the whole-array production: rows with and without users, in and
    out of a federation, with cash above and below the payment, efforts past the whole budget (c(e) > 1)."""
    from sim.kernels import production

    rng = np.random.default_rng(seed)
    n, sectors = 11, 3
    rows = dict(last_payment=rng.uniform(0, 5e4, n), price=rng.uniform(0.8, 1.0, n), last_lump=rng.uniform(0, 1e4, n),
                federation=rng.integers(-1, 2, n).astype(np.int32), sector=rng.integers(0, sectors, n),
                kind=rng.integers(0, 3, n).astype(np.int8), cash=rng.uniform(-2e4, 1e5, n),
                weighted_users=np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0, 300, n)),
                effort_e=rng.uniform(-0.01, 4.0, n), coproduction_relief=rng.uniform(0, 0.3, n),
                fte=rng.uniform(0, 40, n), capital=rng.uniform(0, 1e5, n), workforce_index=rng.uniform(0.5, 1.5, n),
                effort_i=rng.uniform(-0.01, 1.0, n))
    fields = dict(fixed_cost=rng.uniform(0, 2e4, sectors), unit_cost=rng.uniform(50, 500, sectors),
                  contractibility=rng.random(sectors), theta=rng.random(sectors))
    params = dict(federation_saving=0.1, cost_reduction_scale=rng.uniform(0.1, 0.6), coproduction_cost_share=0.5,
                  capital_productivity=0.3, quality_elasticity=0.7, innovation_scale=0.3, market_wage=2000.0,
                  business_rates_share=0.3)
    # each kind's rates, read at the row's kind by the kernel (ODD §9 D-F295) and gathered for the reference
    by_kind = dict(own_rate=rng.uniform(0, 0.2, 3), drawdown=rng.uniform(0, 0.1, 3), wage_cut=rng.uniform(0, 0.5, 3),
                   relief=rng.uniform(0, 0.8, 3))
    rows.update({name: rate[rows["kind"]] for name, rate in by_kind.items()})
    want = production_reference(rows, fields, params)
    r = SimpleNamespace(**rows)
    spending_index = np.full(n, np.nan)
    costs = production.row_costs(
        r.last_payment, r.price, r.last_lump, r.federation, params["federation_saving"], r.sector,
        fields["fixed_cost"], fields["unit_cost"], by_kind["own_rate"], by_kind["drawdown"], by_kind["wage_cut"],
        by_kind["relief"], r.kind, r.cash,
        r.weighted_users, r.effort_e, r.coproduction_relief, r.fte, params["cost_reduction_scale"],
        params["coproduction_cost_share"], params["market_wage"], params["business_rates_share"], spending_index)
    q_c, q_n = production.quality(spending_index ** params["quality_elasticity"], r.workforce_index, r.capital,
                                  r.weighted_users, r.sector, fields["unit_cost"], fields["contractibility"],
                                  fields["theta"], r.effort_i, costs[production.CUT], params["capital_productivity"],
                                  params["innovation_scale"])
    got = dict(spending_index=spending_index, q_c=q_c, q_n=q_n, overhead=costs[production.OVERHEAD],
               cut=costs[production.CUT], saving=costs[production.SAVING],
               wage_factor=costs[production.WAGE_FACTOR], wages=costs[production.WAGES],
               running_costs=costs[production.RUNNING_COSTS], rates_paid=costs[production.RATES_PAID])
    assert all(same(got[name], want[name]) for name in want), [name for name in want if not same(got[name], want[name])]


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 15, 16, 17, 127, 128, 129, 130, 255, 256, 257, 1000, 8191, 8193, 20001])
def test_the_kernels_sum_is_numpys(n):
    """``pairwise_sum`` gives ``ndarray.sum`` to the last bit, for lengths around NumPy's unrolling by eight, its
    block of 128 and its buffer of 8,192, contiguous and strided, and for magnitudes far apart."""
    from sim.kernels.pairwise import pairwise_sum

    rng = np.random.default_rng(n)
    values = rng.standard_normal(3 * n) * 10.0 ** rng.integers(-4, 7, 3 * n)
    for array in (values[:n], values[::3]):
        assert pairwise_sum(array) == float(array.sum())
    assert str(pairwise_sum(np.array([-0.0] * min(n, 3)))) == str(float(np.array([-0.0] * min(n, 3)).sum()))


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 127, 128, 129, 255, 256, 257, 1000, 8191, 8193, 20001])
def test_the_kernels_sum_of_a_gather_is_numpys(n):
    """``pairwise_sum_of_table`` gives ``table[key[index]].sum()`` to the last bit without the gathered array
    (the funding formula's deprivation weights, ODD §9 D-F82)."""
    from sim.kernels.pairwise import pairwise_sum_of_table

    rng = np.random.default_rng(n)
    table = rng.standard_normal(7) * 10.0 ** rng.integers(-4, 7, 7)
    key = rng.integers(0, 7, 300).astype(np.int8)
    index = rng.integers(0, 300, n).astype(np.int32)
    assert pairwise_sum_of_table(table, key, index) == float(table[key[index]].sum())


@pytest.mark.parametrize("seed", SEEDS)
def test_ledger_flows_match(seed):
    """``move_cash`` against the NumPy ledger it replaced: the total journalled, the cash and the month's inflows
    or outflows, and nothing moved where every amount is zero (a total of zero from amounts that are not is
    still a flow)."""
    from sim.kernels.books import move_cash, unexplained_row

    rng = np.random.default_rng(seed)
    n = 13
    for amounts in (rng.uniform(-1e4, 1e4, n), np.zeros(n), np.array([1.0, -1.0] + [0.0] * (n - 2)),
                    rng.uniform(0, 1e3, n) * (rng.random(n) < 0.3)):
        for into in (True, False):
            cash, moved = rng.uniform(-1e5, 1e5, n), rng.uniform(0, 1e4, n)
            want_cash, want_moved = cash.copy(), moved.copy()
            total = float(amounts.sum())
            want_booked = not (total == 0.0 and not np.any(amounts))
            if want_booked:
                want_cash = want_cash + amounts if into else want_cash - amounts
                want_moved += amounts
            got_total, booked = move_cash(cash, moved, amounts, into)
            assert got_total == total and booked == want_booked and same(cash, want_cash) and same(moved, want_moved)
    opening, inflow, outflow = rng.uniform(-1e5, 1e5, n), rng.uniform(0, 1e4, n), rng.uniform(0, 1e4, n)
    cash = opening + inflow - outflow
    assert unexplained_row(cash, opening, inflow, outflow, 1e-6) == (-1, float((inflow - outflow).sum()),
                                                                     float(cash.sum()))
    for n_rows in (0, 1, 7, 8, 9, 127, 128, 129, 1000):  # the cash's total as NumPy sums it (its pairwise blocks)
        some = rng.uniform(-1e9, 1e9, n_rows)
        assert unexplained_row(some, some.copy(), np.zeros(n_rows), np.zeros(n_rows), 1e-6)[2] == float(some.sum())
    cash[[4, 9]] += 1.0
    assert unexplained_row(cash, opening, inflow, outflow, 1e-6)[0] == 4


def cover_deficits_reference(cash, inflow, covers_by_kind, kind):
    """The treasury's cover of deficits as ``sim.submodels.money.cover_deficits`` made it with NumPy and
    ``Ledger.pay_providers`` (``move_cash``'s NumPy reference): (total, booked), the cash and inflows moved."""
    if not np.count_nonzero(cash < 0):
        return 0.0, False
    cover = np.where(covers_by_kind[kind] & (cash < 0), -cash, 0.0)
    total = float(cover.sum())
    booked = not (total == 0.0 and not np.any(cover))
    if booked:
        cash += cover
        inflow += cover
    return total, booked


@pytest.mark.parametrize("seed", SEEDS)
def test_the_treasurys_cover_of_deficits_matches(seed):
    """``books.cover_deficits`` (ODD §9 D-F292) against the NumPy cover it replaced: rows in deficit or not, kinds
    covered or not, every row in credit, deficits only where no kind is covered, a zero and a NaN cash."""
    from sim.kernels.books import cover_deficits

    rng = np.random.default_rng(seed)
    n = 17
    kind = rng.integers(0, 3, n).astype(np.int8)
    for covers in (np.array([True, False, True]), np.array([False, False, False]), np.ones(3, bool)):
        for cash in (rng.uniform(-1e5, 1e5, n), rng.uniform(0, 1e5, n), np.array([-0.0, 0.0, np.nan] + [-5.0] * (n - 3))):
            inflow = rng.uniform(0, 1e4, n)
            got_cash, got_inflow, want_cash, want_inflow = cash.copy(), inflow.copy(), cash.copy(), inflow.copy()
            got = cover_deficits(got_cash, got_inflow, covers, kind)
            want = cover_deficits_reference(want_cash, want_inflow, covers, kind)
            assert got == want and same(got_cash, want_cash) and same(got_inflow, want_inflow)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_rows_month_of_work_matches(seed):
    """``workload`` and ``rows_after_work`` against the whole-array code of ``submodels.work`` and
    ``Workforce.workforce_index`` / ``mean_by_row`` they replaced: rows without capacity, without workers, with
    no staff counted, co-production relief above the cap of one half."""
    from sim.kernels import workers

    rng = np.random.default_rng(seed)
    n, sectors = 9, 3
    sector = rng.integers(0, sectors, n)
    fte = np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0.1, 30, n))
    ratio = rng.uniform(1, 10, sectors)
    weighted_users, relief = rng.uniform(0, 400, n), rng.uniform(0, 0.8, n)
    capacity = fte * 100.0 / ratio[sector]
    want = np.divide(weighted_users, capacity, out=np.zeros(n), where=capacity > 0) * (1.0 - np.minimum(relief, 0.5))
    assert same(workers.workload(fte, ratio, sector, weighted_users, relief), want)

    worker_row = rng.integers(0, n - 2, 60)  # the last two rows have no workers
    quits, output, morale = rng.random(60) < 0.2, rng.uniform(0, 1.2, 60), rng.random(60)
    staff = np.where(rng.random(n) < 0.3, 0.0, rng.integers(1, 12, n).astype(float))
    hiring_cost, reference = rng.uniform(100, 2000), rng.uniform(0.3, 0.8)
    fte_per_head = np.divide(fte, staff, out=np.ones(n), where=staff > 0)
    hires = np.bincount(worker_row[quits], minlength=n) * hiring_cost * fte_per_head
    headcount = np.bincount(worker_row, minlength=n).astype(np.float64)
    index = np.divide(np.bincount(worker_row, weights=output, minlength=n), headcount * reference, out=np.ones(n),
                      where=headcount > 0)
    mean_morale = np.divide(np.bincount(worker_row, weights=morale, minlength=n), headcount, out=np.zeros(n),
                            where=headcount > 0)
    got = workers.rows_after_work(worker_row, quits, output, morale, fte, staff, hiring_cost, reference)
    assert all(same(a, b) for a, b in zip(got, (hires, index, mean_morale), strict=True))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dimensions", [1, 2, 3])
def test_row_shares_match(seed, dimensions):
    """``row_shares`` against the whole-array tail of ``production.aggregate_users``: rows without users, without
    contributors, without need-weighted users."""
    from sim.kernels import production

    rng = np.random.default_rng(seed)
    n, sectors = 10, 3
    users = np.where(rng.random(n) < 0.2, 0.0, rng.integers(1, 300, n).astype(float))
    contributors = np.minimum(users, np.where(rng.random(n) < 0.3, 0.0, rng.integers(0, 40, n).astype(float)))
    weighted = np.where(rng.random(n) < 0.2, 0.0, users * rng.uniform(0.5, 2.0, n))
    preference_sum = contributors[:, None] * rng.random((n, dimensions))
    voice_design, sector, unit_cost = rng.random((n, dimensions)), rng.integers(0, sectors, n), rng.uniform(50, 500, 3)
    factor = 0.5 * 12.0 * 0.3
    participation = np.divide(contributors, users, out=np.zeros(n), where=users > 0)
    preference = np.divide(preference_sum, contributors[:, None], out=voice_design.copy(),
                           where=contributors[:, None] > 0)
    relief = np.divide(factor * contributors, unit_cost[sector] * weighted, out=np.zeros(n), where=weighted > 0)
    got = np.full(n, np.nan), np.full((n, dimensions), np.nan), np.full(n, np.nan)
    production.row_shares(users, weighted, contributors, preference_sum, voice_design, sector, unit_cost, factor, *got)
    assert all(same(a, b) for a, b in zip(got, (participation, preference, relief), strict=True))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dimensions", [1, 2, 3])
def test_design_blend_matches(seed, dimensions):
    """``design.blend`` against ``central + a * (voice - central)`` with the centre's design gathered by sector."""
    from sim.kernels import design

    rng = np.random.default_rng(seed)
    central, sector, voice = rng.random((3, dimensions)), rng.integers(0, 3, 11), rng.random((11, dimensions))
    autonomy = float(rng.random())
    gathered = central[sector]
    got = np.full_like(voice, np.nan)
    design.blend(central, sector, voice, autonomy, got)
    assert same(got, gathered + autonomy * (voice - gathered))


@pytest.mark.parametrize("seed", SEEDS)
def test_row_metric_sums_match(seed):
    """``users_and_kind_sums`` against NumPy's sums of the rows and of one kind's rows (none of that kind too)."""
    from sim.kernels.row_metrics import users_and_kind_sums

    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 300))
    users, capital = rng.uniform(0, 500, n), rng.uniform(0, 1e5, n) * (rng.random(n) < 0.5)
    kind = rng.integers(0, 3 if seed else 2, n).astype(np.int8)  # seed 0: no row of kind 2
    want = (float(users.sum()), float(users[kind == 2].sum()), float(capital[kind == 2].sum()))
    assert users_and_kind_sums(users, capital, kind, 2) == want


# --- the revision helper's kernels (session 12, ODD §9 D-F30...D-F41) ------------------------------------------------
class KeyedUniforms:
    """A stand-in for a generator whose ``random(m)`` gives the keyed join uniforms of a sector's slots
    (``streams.MEMBERSHIP``: word slot % 4 of the counter slot // 4), for the NumPy references that draw them."""

    def __init__(self, key, month, sector):
        self.key, self.month, self.sector = key, month, sector

    def random(self, m):
        slots = np.arange(m)
        words = keyed_words_reference(self.key, slots // 4, self.month, self.sector, streams.MEMBERSHIP, 0)
        return words[slots, slots % 4]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("hear", [True, False])
@pytest.mark.parametrize("funding", ["users", "residents", None])
@pytest.mark.parametrize("long_runs", [False, True])
def test_tallies_membership_and_heard_in_one_pass_match(seed, hear, funding, long_runs):
    """``tally_and_join`` against the three passes it folds, one after another as the month ran them: the rows'
    tallies (five bincounts), monthly membership on the keyed join uniforms, what governance hears (four
    bincounts); and the funding formula's rows (``formula_users_reference``: a weighted bincount), where money
    follows users (``funding = "users"``: a selection by the users' own stances, not the stances served; ODD §9
    D-F96) or under block funding (``"residents"``: every slot at her unit's home row, which serves her; D-F131),
    normalised or not, need-weighted or not; over three sectors of up to 600 slots (more than a block of
    counters), their rows at random or in long runs (sorted, as a unit's users are: the kernel's one walk carries
    a run's sums, D-F97)."""
    funded, every_resident = funding is not None, funding == "residents"
    n_rows = 14
    normalised, need_weighted = seed % 2 == 0, seed % 3 != 0
    formula_kernel, formula_reference = np.zeros(n_rows), np.zeros(n_rows)
    deprivation = np.random.default_rng(seed).integers(0, 5, 50).astype(np.int8)
    preferences = (n_rows, dimensions(10 * seed))
    reference_tallies = [np.zeros(n_rows) for _ in range(4)] + [np.zeros(preferences)]
    reference_heard = [np.zeros(n_rows), np.zeros(preferences), np.zeros(n_rows), np.zeros(preferences)]
    counts, prefs = np.zeros((n_rows, provider_tallies.N_COUNTS)), np.zeros((n_rows, 3, preferences[1]))
    sector_counts, sector_prefs = np.empty_like(counts), np.empty_like(prefs)
    last_kernel = np.full(50, -30000, dtype=np.int16)
    last_reference = last_kernel.copy()
    key = (12345 + seed, 678)
    for sector in range(0, 9, 3):
        rng = np.random.default_rng(100 * seed + sector)
        slots = random_slots(10 * seed + sector, m=int(rng.integers(0, 600)), n_providers=n_rows)
        if long_runs:
            slots["provider"] = np.sort(slots["provider"])
        m = slots["provider"].size
        unit_count = np.bincount(slots["unit"], minlength=8)
        unit_start = np.concatenate([[0], np.cumsum(unit_count)[:-1]]).astype(np.int64)
        home_row, has_board = rng.integers(0, n_rows, 8), rng.random(n_rows) < 0.5
        civic = rng.integers(0, 128, m).astype(np.uint8)
        civic_kernel = civic.copy()
        own_stance = np.where(rng.random(m) < 0.15, np.int8(USE_ONLY), slots["stance"])  # some unserved users
        if every_resident:  # without choice a slot's row is her unit's home row
            slots["provider"] = home_row[slots["unit"]].astype(slots["provider"].dtype)
        if funded:
            formula_users_reference(slots["citizen"], deprivation, 0.6, normalised, slots["need"], need_weighted,
                                    not every_resident, own_stance, slots["provider"], slots["unit"], home_row, 2.3,
                                    formula_reference)
        inputs = (slots["provider"], slots["stance"], slots["need"], slots["x"], slots["unit"], home_row)
        sector_tallies_reference(*inputs, reference_tallies)
        membership_reference(KeyedUniforms(key, 9, sector), slots["provider"], has_board, 0.3, civic,
                             slots["citizen"], last_reference, 9)
        if hear:
            heard_tallies_reference(slots["provider"], civic, slots["x"], reference_heard)
        provider_tallies.tally_and_join(key[0], key[1], 9, sector, slots["provider"], slots["stance"],
                                        high_need_bits(slots["need"]), np.float32(2.5), slots["x"], unit_start,
                                        unit_count, home_row, civic_kernel, slots["citizen"], last_kernel, has_board, bool(has_board.any()), 0.3, hear, sector_counts,
                                        sector_prefs, counts, prefs, funded, every_resident, own_stance, deprivation,
                                        formula_funding.quintile_weights(0.6, 5), normalised, need_weighted, 2.3,
                                        formula_kernel)
        assert same(civic_kernel, civic)
    assert same(last_kernel, last_reference)
    assert same(formula_kernel, formula_reference)
    columns = (provider_tallies.USERS, provider_tallies.WEIGHTED_USERS, provider_tallies.ELIGIBLE,
               provider_tallies.CONTRIBUTORS)
    assert all(same(counts[:, column], want) for column, want in zip(columns, reference_tallies[:4], strict=True))
    assert same(prefs[:, provider_tallies.CONTRIBUTOR_PREF], reference_tallies[4])
    if hear:
        got = [counts[:, provider_tallies.VOTERS], prefs[:, provider_tallies.VOTE_PREF],
               counts[:, provider_tallies.RESPONDENTS], prefs[:, provider_tallies.ANSWER_PREF]]
        assert all(same(a, b) for a, b in zip(got, reference_heard, strict=True))


# --- service helper (session 12): the month of service and exit on keyed streams (ODD §9 D-F19-D-F21) -------------
def keyed_uniforms_reference(key, slots, month, sector, purpose):
    """``streams.slot_uniform`` for each of ``slots``, from the NumPy Philox: word slot % 4 of the counter
    (slot // 4, month, lane, 0), as (w + 0.5) * 2^-32."""
    slots = np.asarray(slots, dtype=np.int64)
    counters = np.zeros((slots.size, 4), dtype=np.uint64)
    counters[:, 0], counters[:, 1], counters[:, 2] = slots // 4, month, sector * streams.SECTOR_LANES + purpose
    words = philox4x32_reference(key, counters)
    return (words[np.arange(slots.size), slots % 4].astype(np.float64) + 0.5) * 2.0**-32


def exit_gain_reference(key, month, sector, here, unit, x, citizen, sensitivity, q_c, q_n, design, home_row,
                        row_neighbours, row_neighbour_count, service_weight, mismatch_weight, switch_cost):
    """ODD §7.1 the exit gain V_i - U_i of every slot served by ``here``, its exit option drawn from the keyed
    uniform (purpose ``EXIT_OPTION``) by the NumPy Philox, as whole-array expressions (ODD §9 D-F81)."""
    draw = keyed_uniforms_reference(key, np.arange(here.size), month, sector, streams.EXIT_OPTION)
    alternative = alternative_rows_reference(SimpleNamespace(random=lambda n: draw), here, unit, home_row,
                                             row_neighbours, row_neighbour_count)
    value = exit_value_reference(alternative.astype(np.int32), here, x, citizen, sensitivity, q_c, q_n, design,
                                 service_weight, mismatch_weight, switch_cost)
    return value - service_utility_reference(here, x, q_c, q_n, design, service_weight, mismatch_weight)


def keyed_units53_reference(key, slots, month, sector, purpose):
    """``streams.slot_unit53`` for each of ``slots``: words 0-1 (an even slot) or 2-3 (an odd one) of the counter
    (slot // 2, month, lane, 0), 27 and 26 bits, times 2^-53."""
    slots = np.asarray(slots, dtype=np.int64)
    counters = np.zeros((slots.size, 4), dtype=np.uint64)
    counters[:, 0], counters[:, 1], counters[:, 2] = slots // 2, month, sector * streams.SECTOR_LANES + purpose
    words = philox4x32_reference(key, counters)
    odd = slots % 2
    high, low = words[np.arange(slots.size), 2 * odd], words[np.arange(slots.size), 2 * odd + 1]
    return ((high >> np.uint64(5)).astype(np.float64) * 67108864.0
            + (low >> np.uint64(6)).astype(np.float64)) * 2.0**-53


def keyed_groups_reference(key, month, sector, provider, n_providers, group_size):
    """ODD §7.1 Groups on keyed streams, in NumPy and a Python loop: the inside-out Fisher-Yates shuffle of each
    provider's users in slot order (the user of rank i takes place j = floor(u (i + 1)), u of 53 bits from the
    two words of her slot's counter, ``keyed_units53_reference``, and the holder of j moves to i), the places cut
    into groups of ``group_size``, numbered provider by provider. Returns each slot's group id and the number of
    groups."""
    m = provider.size
    unit = keyed_units53_reference(key, np.arange(m), month, sector, streams.GROUP_SHUFFLE)
    places = [[] for _ in range(n_providers)]
    rank = np.empty(m, dtype=np.int64)
    for slot in range(m):
        listed = places[provider[slot]]
        i = len(listed)
        rank[slot] = i
        j = min(int(unit[slot] * (i + 1)), i)
        listed.append(None)
        listed[i] = listed[j]
        listed[j] = i
    users_of = np.bincount(provider, minlength=n_providers)
    groups_of = -(-users_of // group_size)
    offset = np.concatenate([[0], np.cumsum(groups_of)[:-1]])
    group_id = np.array([offset[provider[slot]] + places[provider[slot]][rank[slot]] // group_size
                         for slot in range(m)], dtype=np.int32)
    return group_id, int(groups_of.sum())


def service_inputs(seed, crowd_out=True):
    """A sector's slots, the provider table's rows, the neighbours, the people's resources and sensitivities, a key."""
    rng = np.random.default_rng(seed)
    slots = random_slots(seed)
    n_rows = slots["n_providers"]
    return slots, dict(
        q_c=rng.random(n_rows), q_n=rng.random(n_rows), design=rng.random((n_rows, dimensions(seed))),
        home_row=rng.integers(0, n_rows, 8), count=(count := rng.integers(0, 4, n_rows).astype(np.int32)),
        neighbours=np.where(np.arange(4) < count[:, None], rng.integers(0, n_rows, (n_rows, 4)), -1),
        sensitivity=np.exp(rng.normal(0.0, 0.5, 50)).astype(np.float32),
        resources=np.clip(rng.normal(0.5, 0.6, 50), 0.0, 1.0).astype(np.float32), key=(int(rng.integers(2**32)), 77))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("choice, crowd_out, counted, group_size", [
    (False, False, False, 4), (True, False, True, 4), (True, True, False, 4), (True, True, True, 4),
    (True, True, False, 300)])
def test_the_keyed_month_of_service_matches_its_numpy_statement(seed, choice, crowd_out, counted, group_size):
    """The fused kernel against the whole-array month (the references of the kernels it replaced: utility, exit
    option, exit value, personal cost, game and satisfaction) on groups and exit options drawn by the NumPy Philox;
    each provider's users counted by the kernel or (``counted``) given, as need churn counts them (ODD §9 D-F151);
    groups of 300 take the lists' four-byte entries and counts, groups of four the narrow ones (D-F171)."""
    slots, rows = service_inputs(seed)
    m, n_rows, key, month, sector = slots["provider"].size, slots["n_providers"], rows["key"], 9, 2
    scalars = dict(group_size=4, service_weight=0.8, mismatch_weight=1.3, switch_cost=0.05, gradient=1.5,
                   effort=0.12, r=3.1, sigma=0.45, aspiration=0.9, voice_value=0.35, memory=0.3)
    satisfaction = slots["satisfaction"].copy()
    last = np.full(50, -30000, dtype=np.int16)
    unit_count = np.bincount(slots["unit"], minlength=8)  # the unit-sorted layout the kernel reads units from
    unit_start = np.concatenate([[0], np.cumsum(unit_count)[:-1]]).astype(np.int64)
    service_month.month_of_service(
        key[0], key[1], month, sector, slots["provider"], n_rows, slots["stance"], slots["x"], slots["citizen"],
        unit_start, unit_count, rows["resources"], rows["sensitivity"], slots["efficacy"], rows["q_c"], rows["q_n"],
        rows["design"], rows["home_row"], rows["neighbours"], rows["count"], choice, crowd_out, group_size, 0.8, 1.3, 0.05,
        1.5, 0.12, 3.1, 0.45, 0.9, 0.35, 0.3, satisfaction, last,
        np.bincount(slots["provider"], minlength=n_rows) if counted else np.zeros(0, np.int64), counted)
    utility = service_utility_reference(slots["provider"], slots["x"], rows["q_c"], rows["q_n"], rows["design"], 0.8,
                                        1.3)
    reference = utility
    if choice:
        draw = keyed_uniforms_reference(key, np.arange(m), month, sector, streams.EXIT_OPTION)
        alternative = alternative_rows_reference(SimpleNamespace(random=lambda n: draw), slots["provider"],
                                                 slots["unit"], rows["home_row"], rows["neighbours"], rows["count"])
        value = exit_value_reference(alternative.astype(np.int32), slots["provider"], slots["x"], slots["citizen"],
                                     rows["sensitivity"], rows["q_c"], rows["q_n"], rows["design"], 0.8, 1.3, 0.05)
        reference = np.maximum(utility, value) if crowd_out else utility
    want_cost = personal_cost_reference(slots["citizen"], rows["resources"], scalars["gradient"], scalars["effort"])
    group, n_groups = keyed_groups_reference(key, month, sector, slots["provider"], n_rows, group_size)
    last_reference = np.full(50, -30000, dtype=np.int16)
    want = month_of_service_reference(group, n_groups, slots["stance"], 0.12, want_cost, 3.1, 0.45, utility,
                                      reference, slots["citizen"], slots["efficacy"], slots["satisfaction"],
                                      last_reference, month, 0.9, 0.35, 0.8, 0.3)
    assert same(satisfaction, want) and same(last, last_reference)


@numba.njit
def groups_by_multiply(places, group_size):
    """``service_month.place_group`` of each of ``places`` with ``group_divisor(group_size)``."""
    magic, shift = service_month.group_divisor(group_size)
    out = np.empty(places.size, np.int64)
    for k in range(places.size):
        out[k] = service_month.place_group(places[k], magic, shift)
    return out


@pytest.mark.parametrize("group_size", [*range(1, 70), 127, 128, 129, 1000, 65_537, 2**31 - 1])
def test_the_groups_multiply_divides_exactly(group_size):
    """floor(place m / 2^s) is place // group_size for places from 0 to 2^31 - 1 (the places are int32): around
    every multiple of the group size near 0 and near 2^31, and at random."""
    rng = np.random.default_rng(group_size)
    near = np.array([0, 2**31 - 1]) // group_size * group_size
    places = np.concatenate([np.arange(0, min(3 * group_size + 2, 10_000)), (near[:, None] + np.arange(-2, 3)).ravel(),
                             rng.integers(0, 2**31, 5000)])
    places = places[(places >= 0) & (places < 2**31)]
    assert same(groups_by_multiply(places, group_size), places // group_size)


@pytest.mark.parametrize("seed", SEEDS)
def test_keyed_groups_match_their_numpy_statement(seed):
    slots, rows = service_inputs(seed)
    for group_size in (1, 2, 5):
        got = form_groups(rows["key"], 4, 1, slots["provider"], slots["n_providers"], group_size)
        want = keyed_groups_reference(rows["key"], 4, 1, slots["provider"], slots["n_providers"], group_size)
        assert same(got[0], want[0]) and got[1] == want[1]


def test_keyed_groups_are_a_uniform_random_partition():
    """Over months, each of a provider's users is equally likely to share a group with each other (four users in
    groups of two: each pairing a third of the time), and in groups of one every order of three users is equally
    likely."""
    from scipy import stats
    key = streams.stream_key(np.random.default_rng(2))
    provider = np.array([1, 0, 1, 0, 1, 1, 0], dtype=np.int32)  # row 1: slots 0, 2, 4, 5; row 0: slots 1, 3, 6
    partner_of_0, orders = [], []
    for month in range(6000):
        pairs, _ = service_month.group_ids(key[0], key[1], month, 0, provider, 2, 2)
        partner_of_0.append(next(s for s in (2, 4, 5) if pairs[s] == pairs[0]))
        singles, _ = service_month.group_ids(key[0], key[1], month, 1, provider, 2, 1)
        orders.append(tuple(singles[[1, 3, 6]].tolist()))
    counts = np.unique(partner_of_0, return_counts=True)[1]
    assert counts.size == 3 and stats.chisquare(counts).pvalue > 0.001
    counts = np.unique(np.array(orders), axis=0, return_counts=True)[1]
    assert counts.size == 6 and stats.chisquare(counts).pvalue > 0.001


@pytest.mark.parametrize("seed", SEEDS)
def test_keyed_exit_matches_its_numpy_statement(seed):
    """Exit on keyed streams against the whole-array exit given the same three uniforms a slot (review, the exit
    option's, switch): the same switches and civic bits."""
    slots, rows = service_inputs(seed)
    m, key, month, sector = slots["provider"].size, rows["key"], 5, 3
    rng = np.random.default_rng(seed)
    switch_cost = 0.05 if seed % 2 else 4.0  # large losses too: exp(-s * gain) overflows
    exit_gain = exit_gain_reference(key, month, sector, slots["provider"], slots["unit"], slots["x"], slots["citizen"],
                                    rows["sensitivity"], rows["q_c"], rows["q_n"], rows["design"], rows["home_row"],
                                    rows["neighbours"], rows["count"], 0.8, 1.3, switch_cost)
    civic = rng.integers(0, 32, m).astype(np.uint8)
    provider, got_civic = slots["provider"].copy(), civic.copy()
    unit_count = np.bincount(slots["unit"], minlength=8)  # the unit-sorted layout the kernel reads units from
    unit_start = np.concatenate([[0], np.cumsum(unit_count)[:-1]]).astype(np.int64)
    moved, left = exit_choice.exit_month(
        key[0], key[1], month, sector, slots["stance"], provider, unit_start, unit_count, rows["home_row"],
        rows["neighbours"], rows["count"], slots["x"], slots["citizen"], rows["sensitivity"], rows["q_c"],
        rows["q_n"], rows["design"], 0.8, 1.3, switch_cost, got_civic, 0.4, 25.0)
    option = keyed_uniforms_reference(key, np.arange(m), month, sector, streams.EXIT_OPTION)
    alternative = alternative_rows_reference(SimpleNamespace(random=lambda n: option), slots["provider"],
                                             slots["unit"], rows["home_row"], rows["neighbours"], rows["count"])
    review_and_switch = iter([keyed_uniforms_reference(key, np.arange(m), month, sector, purpose)
                              for purpose in (streams.EXIT_REVIEW, streams.EXIT_SWITCH)])
    want_provider = slots["provider"].copy()
    exit_reference(SimpleNamespace(random=lambda n: next(review_and_switch)), slots["stance"], want_provider,
                   alternative.astype(np.int32), exit_gain, civic, 0.4, 25.0)
    assert same(provider, want_provider) and same(got_civic, civic)
    want_moved = np.flatnonzero(want_provider != slots["provider"])  # the switchers and the rows they left
    assert same(moved, want_moved.astype(np.int32))  # int32 (ODD §9 D-F221)
    assert same(left, slots["provider"][want_moved].astype(np.int32))

# --- the revision helper (session 12), continued: stance revision on keyed streams (ODD §9 D-F31) ------------
def keyed_words_reference(key, indices, month, sector, purpose, block):
    """The uniforms of words 0-3 of (index, month, sector * 256 + purpose, block) for each index, (n, 4)."""
    counters = np.zeros((indices.size, 4), np.uint64)
    counters[:, 0], counters[:, 1] = indices, month
    counters[:, 2], counters[:, 3] = sector * streams.SECTOR_LANES + purpose, block
    return (philox4x32_reference(key, counters).astype(np.float64) + 0.5) * 2.0**-32


def revise_and_recruit_reference(key, month, sector, stance, satisfaction, unit, unit_start, unit_count, neighbours,
                                 neighbour_count, social_share, revision_rate, neighbour_share, proportional, strength,
                                 exploration, provider, x, citizen, personal_cost, q_c, q_n, design, benefit_args,
                                 disposition, scale, own_share, sigma, pool_effort, participation, sensitivity,
                                 reach):
    """ODD §7.2 on keyed streams as whole-array expressions: who revises, models, imitation and exploration, the
    motives' logit choice, then recruitment (``reach`` per slot, None without channels)."""
    m = stance.size
    slots = np.arange(m)
    pairs = keyed_words_reference(key, slots // 2, month, sector, streams.STANCE_REVISION, 0)
    revise, ask = pairs[slots, 2 * (slots % 2)], pairs[slots, 2 * (slots % 2) + 1]  # two slots a counter
    second = keyed_words_reference(key, slots, month, sector, streams.STANCE_REVISION, 1)
    new = stance.copy()
    social = np.flatnonzero(revise < social_share)
    source = unit[social].astype(np.int64)
    looks = (neighbour_share > 0) & (neighbour_count[source] > 0) & (second[social, 0] < neighbour_share)
    which = (second[social[looks], 0] / neighbour_share * neighbour_count[source[looks]]).astype(int)
    source[looks] = neighbours[source[looks], np.minimum(which, neighbour_count[source[looks]] - 1)]
    has = unit_count[source] > 0
    model = np.where(has, unit_start[source] + (second[social, 1] * unit_count[source]).astype(np.int64), social)
    gain = (satisfaction[model] - satisfaction[social]).astype(np.float64)
    chance = np.minimum(strength * np.maximum(gain, 0.0), 1.0) if proportional else 1.0 / (1.0 + np.exp(-strength * gain))
    copies = has & (second[social, 2] < chance)
    new[social[copies]] = stance[model[copies]]
    explores = second[social, 3] < exploration
    new[social[explores]] = np.minimum((second[social[explores], 3] / exploration * 3.0).astype(np.int64), 2)
    deliberating = np.flatnonzero((revise >= social_share) & (revise < revision_rate))
    benefit = voice_benefit_reference(deliberating, provider, x, citizen, *benefit_args)
    if scale:
        benefit = benefit + disposition[citizen[deliberating]] * np.float32(scale)
    rows = provider[deliberating]
    utility = service_utility_reference(rows, x[deliberating], q_c, q_n, design, benefit_args[5], benefit_args[6])
    gain_contribute = (benefit.astype(np.float64) + own_share) - personal_cost[deliberating]
    gain_leave = sigma - (utility.astype(np.float64) + pool_effort * participation[rows])
    weight_contribute = np.exp(np.clip(sensitivity * gain_contribute, -50, 50))
    weight_leave = np.exp(np.clip(sensitivity * gain_leave, -50, 50))
    pick = second[deliberating, 2] * ((1.0 + weight_contribute) + weight_leave)
    new[deliberating] = np.where(pick < weight_contribute, CONTRIBUTE,
                                 np.where(pick < weight_contribute + weight_leave, OPT_OUT, USE_ONLY))
    if reach is not None:
        new[(new == USE_ONLY) & (ask < reach)] = CONTRIBUTE
    return new


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("proportional", "crowd_out", "targeted", "exits"),
                         [(False, False, True, False), (False, True, False, True), (True, False, None, False),
                          (True, False, None, True)])
def test_keyed_stance_revision_matches(seed, proportional, crowd_out, targeted, exits):
    """``revise_and_recruit`` against the keyed uniforms and whole-array expressions of ODD §7.2, over more
    slots than a block of words, with neighbours, units without users, crowding out and both reaches; with
    ``exits``, followed by ODD §7.4's exit as whole-array expressions on the new stances (``exit_reference``,
    as ``test_keyed_exit_matches_its_numpy_statement``): the same switches, rows left and civic bits as exit's
    own pass after revision (ODD §9 D-F150)."""
    rng = np.random.default_rng(seed)
    few = int(rng.integers(0, 400))  # odd seeds: two or three of the kernel's blocks
    slots = random_slots(seed, m=few + (2 * stance_revision.SLOTS if seed % 2 else 0))
    n_rows = slots["n_providers"]
    unit_count = np.bincount(slots["unit"], minlength=8)
    unit_start = np.concatenate([[0], np.cumsum(unit_count)[:-1]]).astype(np.int64)
    neighbour_count = rng.integers(0, 3, 8)
    neighbours = np.where(np.arange(2) < neighbour_count[:, None], rng.integers(0, 8, (8, 2)), -1)
    q_c, q_n, design = rng.random(n_rows), rng.random(n_rows), rng.random((n_rows, dimensions(seed)))
    last = rng.integers(-30, 12, 50).astype(np.int16)
    disposition = rng.normal(0.0, 1.0, 50).astype(np.float32)
    participation = rng.random(n_rows)
    deprivation = rng.integers(0, 5, 50).astype(np.int8)
    targeting, resources = rng.uniform(0.0, 3.0, 5), rng.random(50).astype(np.float32)
    mean = max(float(resources.mean()), 1e-6)
    key, month, sector = (int(rng.integers(0, 2**32)), int(rng.integers(0, 2**32))), 17, 2
    # the rows' exit options and the people's quality sensitivities: the exit gain derived as service use valued
    # it (ODD §9 D-F81)
    exit_rng = np.random.default_rng(seed + 100)
    home_row, row_count = exit_rng.integers(0, n_rows, 8), exit_rng.integers(0, 4, n_rows).astype(np.int32)
    row_neighbours = np.where(np.arange(4) < row_count[:, None], exit_rng.integers(0, n_rows, (n_rows, 4)), -1)
    quality_sensitivity = np.exp(exit_rng.normal(0.0, 0.5, 50)).astype(np.float32)
    exit_gain = exit_gain_reference(key, month, sector, slots["provider"], slots["unit"], slots["x"], slots["citizen"],
                                    quality_sensitivity, q_c, q_n, design, home_row, row_neighbours, row_count, 0.8,
                                    1.3, 0.05)
    strength = 0.4 if proportional else 3.0
    satisfaction = (slots["satisfaction"] * (0.5 if proportional else 1.0)).astype(np.float32)
    scale = 0.0 if seed % 2 else 0.37
    benefit_args = (exit_gain, crowd_out, q_c, q_n, design, 0.8, 1.3, 0.9, 0.6, 0.2, 0.1, slots["efficacy"], last, 5)
    if targeted is None:
        reach = None
    elif targeted:
        reach = np.minimum(0.3 * targeting[deprivation[slots["citizen"]]], 1.0)
    else:
        reach = np.minimum(np.float32(0.3) * (resources[slots["citizen"]] / np.float32(mean)), np.float32(1.0))
    provider, civic = slots["provider"].copy(), rng.integers(0, 32, slots["provider"].size).astype(np.uint8)
    got_civic = civic.copy()
    got, largest, moved, left = stance_revision.revise_and_recruit(
        key[0], key[1], month, sector, slots["stance"], satisfaction, unit_start, unit_count, neighbours,
        neighbour_count, 0.2, 0.4, 0.5, proportional, strength, 0.1, provider, slots["x"], slots["citizen"],
        1.5, 0.12, crowd_out, home_row, row_neighbours, row_count, quality_sensitivity, 0.05, q_c, q_n, design, 0.8,
        1.3, 0.9, 0.6, 0.2, 0.1, slots["efficacy"], last, 5,
        disposition, scale, 0.05, 0.3, 0.25, participation, 4.0, reach is not None, bool(targeted), 0.3, targeting,
        deprivation, resources, 1.0 if targeted else mean, exits, got_civic, 25.0)
    want = revise_and_recruit_reference(
        key, month, sector, slots["stance"], satisfaction, slots["unit"], unit_start, unit_count, neighbours,
        neighbour_count, 0.2, 0.4, 0.5, proportional, strength, 0.1, slots["provider"], slots["x"], slots["citizen"],
        personal_cost_reference(slots["citizen"], resources, 1.5, 0.12), q_c, q_n, design, benefit_args, disposition, scale, 0.05, 0.3, 0.25, participation, 4.0, reach)
    assert same(got, want)
    assert largest <= 1.0 or proportional
    want_provider = slots["provider"].copy()
    if exits:  # exit on the new stances, its three keyed uniforms a slot (review, the exit option's, switch)
        m = want_provider.size
        option = keyed_uniforms_reference(key, np.arange(m), month, sector, streams.EXIT_OPTION)
        alternative = alternative_rows_reference(SimpleNamespace(random=lambda n: option), slots["provider"],
                                                 slots["unit"], home_row, row_neighbours, row_count)
        review_and_switch = iter([keyed_uniforms_reference(key, np.arange(m), month, sector, purpose)
                                  for purpose in (streams.EXIT_REVIEW, streams.EXIT_SWITCH)])
        exit_reference(SimpleNamespace(random=lambda n: next(review_and_switch)), want, want_provider,
                       alternative.astype(np.int32), exit_gain, civic, 0.4, 25.0)
    want_moved = np.flatnonzero(want_provider != slots["provider"])  # the switchers and the rows they left
    assert same(provider, want_provider) and same(got_civic, civic)
    assert same(moved, want_moved.astype(np.int32))  # int32 (ODD §9 D-F221)
    assert same(left, slots["provider"][want_moved].astype(np.int32))


def test_blocks_of_keyed_words_are_the_streams():
    """``stream_blocks.philox_words`` (a block of consecutive counters) and ``philox_words_at`` (listed ones) give
    ``streams.philox4x32``'s words."""
    words = np.empty((4, stream_blocks.BLOCK), np.uint64)
    block_words(5, 7, 1000, 50, 3, 4, 1, words)
    counters = np.array([[1000 + j, 3, 4, 1] for j in range(50)], dtype=np.uint64)
    assert same(words[:, :50].T.copy(), philox_of_counters(5, 7, counters))
    offsets = np.array([0, 3, 9, 63])
    listed_words(5, 7, 64, offsets, 4, 3, 4, 1, words)
    counters = np.array([[64 + o, 3, 4, 1] for o in offsets], dtype=np.uint64)
    assert same(words[:, :4].T.copy(), philox_of_counters(5, 7, counters))


@numba.njit
def block_words(key0, key1, first, count, counter1, counter2, counter3, words):
    stream_blocks.philox_words(key0, key1, first, count, counter1, counter2, counter3, words)


@numba.njit
def listed_words(key0, key1, first, offsets, count, counter1, counter2, counter3, words):
    stream_blocks.philox_words_at(key0, key1, first, offsets, count, counter1, counter2, counter3, words)


# --- the revision helper (session 12), continued: need churn on keyed streams (ODD §9 D-F35) --------------------
def churn_reference(key, month, sector, volatility, slots, n_rows, unit_starts, unit_sizes, holds, bit, habitual,
                    home_provider, unit_pref_mean, spread, share):
    """ODD §7.14 need churn on keyed uniforms, as whole-array expressions and a loop over the rounds: returns the
    slots' new state and holds, and how many needs passed on."""
    provider, satisfaction, unit = slots["provider"].copy(), slots["satisfaction"].copy(), slots["unit"]
    citizen, x, need = slots["citizen"].copy(), slots["x"].copy(), slots["need"].copy()
    stance, civic, holds = slots["stance"].copy(), slots["civic"].copy(), holds.copy()
    m = provider.size
    index = np.arange(m)
    counts = np.bincount(provider, minlength=n_rows)
    mean = np.divide(np.bincount(provider, weights=satisfaction, minlength=n_rows), counts, out=np.zeros(n_rows),
                     where=counts > 0)
    ends = keyed_words_reference(key, index // 4, month, sector, streams.NEED_CHURN, 0)[index, index % 4]
    moved = np.flatnonzero(ends < volatility)
    units = unit[moved]
    old, new = citizen[moved].copy(), citizen[moved].copy()
    rounds = np.concatenate([keyed_words_reference(key, moved, month, sector, streams.NEED_CHURN, block)
                             for block in (1, 2)], axis=1)
    pending = np.ones(moved.size, bool)
    for draw in range(MAX_DRAWS):
        for k in np.flatnonzero(pending):
            person = int(unit_starts[units[k]] + rounds[k, draw] * unit_sizes[units[k]])
            if not holds[person] & bit:
                holds[person] |= bit
                new[k], pending[k] = person, False
    passed = new != old
    holds[old[passed]] &= ~bit
    fresh = keyed_words_reference(key, moved, month, sector, streams.NEED_CHURN, 3)
    variation = keyed_words_reference(key, moved, month, sector, streams.NEED_CHURN, 4)
    pairs = [(fresh[:, 2], fresh[:, 3]), (variation[:, 0], variation[:, 1])]
    normal = np.stack([np.sqrt(-2.0 * np.log(pairs[d // 2][0])) * (np.cos if d % 2 == 0 else np.sin)(
        2.0 * np.pi * pairs[d // 2][1]) for d in range(x.shape[1])], axis=1)
    citizen[moved] = new
    wish = np.clip(unit_pref_mean[units] + (spread * normal).astype(np.float32), 0.0, 1.0)
    x[moved] = encode(wish)
    need[moved] = np.where(fresh[:, 0] < share, 2.5, 1.0)
    stance[moved] = np.where(habitual[new], CONTRIBUTE, USE_ONLY)
    civic[moved] = 0
    provider[moved] = home_provider[units]
    satisfaction[moved] = mean[provider[moved]]
    wishes = np.full(x.shape, np.nan)  # the fresh designs before they were encoded (NaN: not moved)
    wishes[moved] = wish
    return dict(citizen=citizen, x=x, need=need, stance=stance, civic=civic, provider=provider,
                satisfaction=satisfaction, holds=holds, wishes=wishes), int(passed.sum())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("volatility", [0.1, 0.9])
@pytest.mark.parametrize("long_runs", [False, True])
@pytest.mark.parametrize("packed", [False, True])
def test_keyed_need_churn_matches(seed, volatility, long_runs, packed):
    """``churn_sector`` against keyed uniforms from the NumPy Philox and the rules of ODD §7.14: who churns, the
    rounds of rejection draws (some units full, so some needs stay), release, a fresh start in 1-3 dimensions;
    rows at random (their sums added in memory) or in long runs (summed a run at a time, ODD §9 D-F115). With
    ``packed`` the holders are the kernel's as the model keeps them, offsets from blocks of 8 slots (D-F120)."""
    rng = np.random.default_rng(seed)
    slots = random_slots(seed, m=int(rng.integers(0, 600)), n_providers=9)
    if long_runs:
        slots["provider"] = np.sort(slots["provider"])
    assert slots["provider"].size < 200 or need_churn.runs_are_long(slots["provider"]) == long_runs
    m = slots["provider"].size
    unit_count = np.bincount(slots["unit"], minlength=8)
    unit_start = np.concatenate([[0], np.cumsum(unit_count)[:-1]]).astype(np.int64)
    unit_sizes = unit_count + rng.integers(0, 40, 8)  # residents: the unit's holders and some who do not hold
    unit_starts = np.concatenate([[0], np.cumsum(unit_sizes)[:-1]]).astype(np.int64)
    holds = np.zeros(int(unit_sizes.sum()), np.uint16)
    citizen = np.concatenate([unit_starts[u] + np.sort(rng.choice(unit_sizes[u], unit_count[u], replace=False))
                              for u in range(8)]).astype(np.int32)
    slots["citizen"] = citizen
    holds[citizen] |= np.uint16(4)
    slots["civic"] = rng.integers(0, 128, m).astype(np.uint8)
    last_participation = rng.integers(-20, 40, holds.size).astype(np.int16)
    habitual = last_participation > 17  # her habit, as the kernel reads it (ODD §9 D-F298)
    home_provider = rng.integers(0, 9, 8).astype(np.int32)
    unit_pref_mean = rng.random((8, dimensions(seed))).astype(np.float32)
    key, month, sector = (int(rng.integers(0, 2**32)), 77), 31, 4
    want, want_passed = churn_reference(key, month, sector, volatility, slots, 9, unit_starts, unit_sizes, holds,
                                        np.uint16(4), habitual, home_provider, unit_pref_mean, 0.3, 0.2)
    got = {name: slots[name].copy() for name in ("citizen", "x", "stance", "civic", "provider", "satisfaction")}
    got["need"], got["holds"] = high_need_bits(slots["need"]), holds.copy()
    row_users = np.full(9, 7, np.int64)  # each row's users after churn, whatever it held (ODD §9 D-F151)
    holders = pack_holders(got["citizen"], unit_start, unit_count, unit_starts, unit_sizes, 3) if packed else None
    passed = need_churn.churn_sector(
        key[0], key[1], month, sector, volatility, got["provider"], got["satisfaction"], 9, unit_start, unit_count,
        unit_starts, unit_sizes, got["holds"], np.uint16(4), last_participation, 17, home_provider, unit_pref_mean,
        0.3, 0.2,
        CONTRIBUTE, USE_ONLY, got["citizen"] if holders is None else holders, got["x"], got["need"], got["stance"],
        got["civic"], row_users)
    if packed:
        got["citizen"] = unpack_holders(holders)
    assert passed == want_passed
    assert same(row_users, np.bincount(want["provider"], minlength=9).astype(np.int64))
    want["need"] = high_need_bits(want["need"])
    for name in ("citizen", "stance", "civic", "provider", "satisfaction", "need", "holds"):
        assert same(got[name], want[name]), name
    # the C library's and NumPy's log, cos differ by up to 1e-7 (as before the codes): the same code, or the next
    # one where the reference's design is within 1e-7 of the half step where the code changes (ODD §9 D-F211)
    apart = got["x"].astype(np.int64) - want["x"].astype(np.int64)
    assert np.abs(apart).max(initial=0) <= 1
    halfway = want["wishes"][apart != 0] * 65535.0
    assert np.all(np.abs(halfway - np.floor(halfway) - 0.5) <= 65535.0 * 1e-7)


def finish_heard_reference(voters, vote_pref, respondents, answer_pref, contributors, contributor_pref, voice_design):
    """ODD §7.3 what rows hear from their tallies, as ``participation.finish_heard``'s whole-array expressions."""
    voters_, respondents_ = voters[:, None], respondents[:, None]
    mandate = np.divide(vote_pref, voters_, out=voice_design.copy(), where=voters_ > 0)
    consulted = np.divide(answer_pref, respondents_, out=voice_design.copy(), where=respondents_ > 0)
    weight = voters + respondents + contributors
    total = voters_ * mandate + respondents_ * consulted + contributors[:, None] * contributor_pref
    heard = np.divide(total, weight[:, None], out=voice_design.copy(), where=weight[:, None] > 0)
    return voters, respondents, mandate, consulted, weight, heard


@pytest.mark.parametrize("seed", SEEDS)
def test_heard_designs_match(seed):
    rng = np.random.default_rng(seed)
    n, d = 15, dimensions(seed)
    counts = [np.where(rng.random(n) < 0.4, 0.0, rng.integers(1, 9, n).astype(float)) for _ in range(3)]
    sums = [rng.random((n, d)) * 5 for _ in range(2)]
    inputs = (counts[0], sums[0], counts[1], sums[1], counts[2], rng.random((n, d)), rng.random((n, d)))
    got = np.full(n, np.nan), np.full(n, np.nan), np.full((n, d), np.nan), np.full((n, d), np.nan), np.full(n, np.nan), \
        np.full((n, d), np.nan)
    voice.heard_designs(*inputs, *got)
    want = finish_heard_reference(*inputs)
    assert all(same(a, b) for a, b in zip(got, want, strict=True))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("hear", [True, False])
def test_the_tallies_finished_in_one_call_match(seed, hear):
    """``provider_tallies.finish_tallies`` (ODD §9 D-F293) against the whole-array code it replaced: the rows'
    counts copied from their columns, ``production.aggregate_users``' tail (``test_row_shares_match``'s NumPy) and,
    if ``hear``, ``finish_heard_reference``; the heard arrays left alone otherwise."""
    from sim.kernels import provider_tallies as tallies

    rng = np.random.default_rng(seed)
    n, d, sectors = 12, dimensions(seed), 3
    counts = np.where(rng.random((n, tallies.N_COUNTS)) < 0.25, 0.0, rng.integers(1, 300, (n, tallies.N_COUNTS)) * 1.0)
    counts[:, tallies.CONTRIBUTORS] = np.minimum(counts[:, tallies.CONTRIBUTORS], counts[:, tallies.USERS])
    prefs = rng.random((n, 3, d)) * counts[:, [tallies.CONTRIBUTORS, tallies.VOTERS, tallies.RESPONDENTS]][:, :, None]
    voice_design, sector, unit_cost = rng.random((n, d)), rng.integers(0, sectors, n), rng.uniform(50, 500, sectors)
    factor = 0.5 * 12.0 * 0.3
    users, weighted, eligible, contributors = (counts[:, column].copy() for column in range(4))
    participation = np.divide(contributors, users, out=np.zeros(n), where=users > 0)
    preference = np.divide(prefs[:, 0], contributors[:, None], out=voice_design.copy(), where=contributors[:, None] > 0)
    relief = np.divide(factor * contributors, unit_cost[sector] * weighted, out=np.zeros(n), where=weighted > 0)
    old_heard = (np.full(n, 7.0), np.full(n, 7.0), np.full((n, d), 7.0), np.full((n, d), 7.0), np.full(n, 7.0),
                 np.full((n, d), 7.0))
    heard = (finish_heard_reference(counts[:, tallies.VOTERS], prefs[:, 1], counts[:, tallies.RESPONDENTS],
                                    prefs[:, 2], contributors, preference, voice_design) if hear else old_heard)
    rows = [np.full(n, np.nan) for _ in range(4)]
    shares = np.full(n, np.nan), np.full((n, d), np.nan), np.full(n, np.nan)
    got_heard = tuple(array.copy() for array in old_heard)
    tallies.finish_tallies(counts, prefs, hear, *rows, voice_design, sector, unit_cost, factor, *shares, *got_heard)
    assert all(same(a, b) for a, b in zip(rows, (users, weighted, eligible, contributors), strict=True))
    assert all(same(a, b) for a, b in zip(shares, (participation, preference, relief), strict=True))
    assert all(same(a, b) for a, b in zip(got_heard, heard, strict=True))


# --- the metrics helper (session 12): measuring a month (ODD §9 D-F54-D-F60) -------------------------------------
def measure_reference(model, costed=None):
    """``sim.metrics.measure`` before D-F54: NumPy's arrays and ``Ledger.flow`` for each flow (the reference);
    ``costed``: the resources the month's costs were taken from, where a fiscal year's capacity building has
    changed them since (the copy the model took before D-F93), else the resources."""
    from sim.metrics import VFM_COST_FLOOR
    from sim.providers import MUTUAL
    from sim.submodels.rationing import RATIONING_RULES, unserved_share

    pop, table, params = model.population, model.providers, model.params
    n = pop.n
    took_part = np.bincount(pop.deprivation[pop.last_participation > model.month - 12], minlength=5)
    rate_q = took_part / np.maximum(model.quintile_sizes, 1)
    act_n = float(table.users.sum())
    mutual = table.kind == MUTUAL
    mutual_n, mutual_capital = float(table.users[mutual].sum()), float(table.capital[mutual].sum())
    qc_sum, qn_sum = float(table.q_c @ table.users), float(table.q_n @ table.users)
    sat_sum = sat_n = mis_sum = gap_sum = volunteer_value = 0.0
    sat_q, sat_qn = np.zeros(5), np.zeros(5)
    for users in model.users:
        if users.m == 0:
            continue
        costs = personal_cost_reference(users.citizen, pop.resources if costed is None else costed,
                                        model.params["resource_gradient"],
                                        model.params["participation_cost"])
        satisfaction, gap, gap_active, volunteer_cost = slot_sums_in_order(users, pop.deprivation, table.design,
                                                                           sat_q, sat_qn, costs)
        sat_sum += satisfaction
        sat_n += users.m
        mis_sum += gap_active
        gap_sum += gap
        volunteer_value += volunteer_cost * params["value_of_time"]
    public = model.public_cost.total() / n
    private = (model.ledger.flow(source="private_investors") + model.ledger.flow(source="households", sink="providers")
               + model.ledger.flow(source="households", purpose="user charges")) / n
    mean_quality = (qc_sum + qn_sum) / act_n if act_n else 0.0
    sat_by_q = np.divide(sat_q, sat_qn, out=np.zeros(5), where=sat_qn > 0)
    workers, quits = model.workforce.n, model.workforce.quits_this_month
    rule = params["budget_rule"]
    unserved = unserved_share(model.users) if rule in RATIONING_RULES else 0.0
    holders, contributors, active = forms_reference(n, [(u.citizen, u.civic, u.stance) for u in model.users])
    return {
        "participation_rate": float(took_part.sum()) / n if n else 0.0,
        "participation_gap": float(rate_q[0] - rate_q[4]),
        "satisfaction": sat_sum / sat_n if sat_n else 0.0,
        "responsiveness": 1.0 - gap_sum / sat_n if sat_n else 0.0,
        "static_fit": 1.0 - mis_sum / act_n if act_n else 0.0,
        "quality_contractible": qc_sum / act_n if act_n else 0.0,
        "quality_noncontractible": qn_sum / act_n if act_n else 0.0,
        "cost_per_capita": public,
        "total_cost_per_capita": public + private + volunteer_value / n,
        "value_for_money": 100.0 * mean_quality / max(public, VFM_COST_FLOOR),
        "worker_morale": float(model.workforce.morale.mean()) if workers else 0.0,
        "worker_turnover": 12.0 * quits / workers if workers else 0.0,
        "provider_failures": float(model.guarantor.services_failed_last_year()),
        "mutual_share": mutual_n / act_n if act_n else 0.0,
        "conversions": float(model.guarantor.conversions),
        "demutualisations": float(model.guarantor.demutualisations),
        "social_investment_per_capita": mutual_capital / n,
        "social_finance_per_capita": model.ledger.flow(purpose="social finance") / n,
        "social_finance_interest_per_capita": model.ledger.flow(purpose="social finance interest") / n,
        "satisfaction_gap": float(sat_by_q[0] - sat_by_q[4]),
        "budget_cut_share": model.guarantor.budget_cut_share,
        "refused_share": unserved if rule == "ration_by_need" else 0.0,
        "waiting_share": unserved if rule == "waiting_list" else 0.0,
        **{f"cost_{c}": v / n for c, v in model.public_cost.month.items()},
        **participation.measure(n, holders, [contributors, active - contributors, 0], model.last_election),
    }


def slot_sums_in_order(users, deprivation, design, sat_q, sat_qn, costs):
    """A sector's slot sums (``add_sector_measures``) one slot at a time in Python, branching on the stance the
    service sees; the quintiles' sums by ``bincount`` (in slot order too)."""
    from sim.submodels.rationing import stance_served

    seen, satisfaction = stance_served(users), users.satisfaction.astype(np.float64)
    gap = design_space.distance(users.x, design[users.provider])
    total = mismatch = active = cost = 0.0
    for slot in range(users.m):
        total += satisfaction[slot]
        mismatch += gap[slot]
        if seen[slot] != OPT_OUT:
            active += gap[slot]
        if seen[slot] == CONTRIBUTE:
            cost += float(costs[slot])
    quintile = deprivation[users.citizen]
    sat_q += np.bincount(quintile, weights=satisfaction, minlength=5)
    sat_qn += np.bincount(quintile, minlength=5)
    return float(total), float(mismatch), float(active), cost


@pytest.mark.parametrize("settings", [
    {"n_units": 6},
    {"n_units": 4, "sectors": "all", "regime": "conversion", "user_choice": "on", "social_investment": True,
     "local_bonds": True, "budget_rule": "ration_by_need", "budget_real_change": -0.05, "budget_change_from_year": 1,
     "capacity_building": 10.0},  # a fiscal year's end changes the resources after the month's costs (D-F93)
])
def test_a_months_metrics_are_their_numpy_statement(settings):
    """ODD §9 D-F54: every metric of a month, as Python floats, equal to the last bit to the arrays and journal
    queries the metrics were computed from before (``measure_reference``), over 30 months."""
    import sim
    from sim.metrics import measure

    model = sim.MutualStateModel(rng=3, **settings)
    served = {}  # the resources before a fiscal year's capacity building, copied by the test (ODD §9 D-F93)
    build_capacity = model.guarantor.build_capacity

    def copy_then_build():
        served[model.month] = model.population.resources.copy()
        build_capacity()

    model.guarantor.build_capacity = copy_then_build
    for _ in range(30):
        model.step()
        got, want = measure(model), measure_reference(model, served.get(model.month))
        assert list(got) == list(want) == list(model.current_metrics)
        for name, value in got.items():
            assert type(value) is float, name
            assert value == want[name] or (value != value and want[name] != want[name]), name
            # the month's metrics from efficacy learning's pass (ODD §9 D-F95) are the metrics' own pass's
            stepped = model.current_metrics[name]
            assert type(stepped) is float, name
            assert stepped == value or (value != value and stepped != stepped), name


@pytest.mark.parametrize("settings", [
    {"n_units": 6},
    {"n_units": 4, "sectors": "all", "regime": "conversion", "user_choice": "on", "social_investment": True,
     "local_bonds": True, "budget_rule": "ration_by_need", "budget_real_change": -0.05, "budget_change_from_year": 1},
])
def test_the_formula_summed_by_the_tallies_is_the_payments_own(settings, monkeypatch):
    """ODD §9 D-F96: the funding formula's rows summed in the month's tallies (money following users: in the
    tallies' pass, reading users' own stances under rationing; block funding: every resident, in the same pass,
    D-F131) pay every row what the payments' own call of the formula pays it, to the bit, each of 26 months (two
    fiscal years' ends), and every metric is the same."""
    from weakref import WeakKeyDictionary

    import sim
    import sim.guarantor

    summed = sim.MutualStateModel(rng=3, **settings)
    months = []
    for _ in range(26):
        summed.step()
        months.append((summed.providers.last_payment.copy(), dict(summed.current_metrics)))
    monkeypatch.setattr(sim.guarantor, "FORMULA_USERS", WeakKeyDictionary())  # nothing summed: the payments' call
    apart = sim.MutualStateModel(rng=3, **settings)
    for payments, metrics in months:
        apart.step()
        assert same(apart.providers.last_payment, payments)
        assert np.array_equal(np.array(list(apart.current_metrics.values())), np.array(list(metrics.values())),
                              equal_nan=True)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_people", [0, 1, 4095, 4096, 20_001])
def test_took_part_counted_a_word_at_a_time_matches(seed, n_people):
    """ODD §9 D-F56, D-F59: the packed count of who took part by quintile (``count_people``), across the words'
    4,095-person runs, is NumPy's ``bincount`` of the selection; with more quintiles than a word holds, the count
    one at a time."""
    rng = np.random.default_rng(seed)
    last = rng.integers(-30000, 40, n_people).astype(np.int16)
    if seed % 2:
        last[:] = 39  # everyone took part: a word's count at its most (4,095 of one quintile)
    for quintiles in (5, 7):
        deprivation = rng.integers(0, quintiles, n_people).astype(np.int8)
        if seed % 3 == 0:
            deprivation[:] = quintiles - 1
        person_bits = np.zeros(n_people, np.uint8)
        _, got, _ = metric_sums.count_people(person_bits, FORM_BITS, last, 17, deprivation, quintiles,
                                             np.zeros(0, np.int32), 0)
        assert same(got, np.bincount(deprivation[last > 17], minlength=quintiles).astype(np.int64))


@pytest.mark.parametrize("seed", SEEDS)
def test_holders_counted_without_a_branch_match(seed):
    """ODD §9 D-F55, D-F59: forms of participation over 70,000 people (32-bit lanes' counts) and three sectors."""
    rng = np.random.default_rng(seed)
    n_people = 70_000
    sectors = [(rng.choice(n_people, 30_000, replace=False).astype(np.int32),
                (rng.integers(0, 128, 30_000) * (rng.random(30_000) < 0.3)).astype(np.uint8),
                rng.integers(0, 3, 30_000).astype(np.int8)) for _ in range(3)]
    got_holders, stance_counts = forms_by_kernels(n_people, sectors, rng)
    holders, contributors, active = forms_reference(n_people, sectors)
    assert got_holders == holders
    assert (int(stance_counts[CONTRIBUTE]), int(stance_counts[CONTRIBUTE] + stance_counts[USE_ONLY])) == (
        contributors, active)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("normalised", "need_weighted", "choice"),
                         [(True, True, True), (True, True, False), (False, False, True), (False, True, False)])
def test_a_sectors_formula_in_one_call_matches(seed, normalised, need_weighted, choice):
    """ODD §9 D-F57: a sector's weights, normaliser and rows' sums in one call (rows in runs, as the slots sorted
    by unit give them, and at random) equal the selection, gathers and weighted ``bincount``."""
    rng = np.random.default_rng(seed)
    deprivation = rng.integers(0, 5, 50).astype(np.int8)
    kernel_rows, reference_rows = np.zeros(12), np.zeros(12)
    for sector in range(4):
        slots = random_slots(10 * seed + sector, n_providers=12)
        if sector % 2:
            slots["provider"] = np.sort(slots["provider"])  # runs of a row
        home_row = rng.integers(0, 12, 8)
        unit_count = np.bincount(slots["unit"], minlength=8)  # the unit-sorted layout the kernel reads units from
        unit_start = np.concatenate([[0], np.cumsum(unit_count)[:-1]]).astype(np.int64)
        formula_funding.sector_formula_users(
            slots["citizen"], deprivation, 0.6, normalised, high_need_bits(slots["need"]), np.float32(2.5),
            need_weighted, choice, slots["stance"], OPT_OUT, slots["provider"], unit_start, unit_count, home_row, 2.3,
            kernel_rows, 5)
        formula_users_reference(slots["citizen"], deprivation, 0.6, normalised, slots["need"], need_weighted, choice,
                                slots["stance"], slots["provider"], slots["unit"], home_row, 2.3, reference_rows)
    assert same(kernel_rows, reference_rows)


@numba.njit
def slot_draws(key0, key1, first, n, month, sector, purpose):
    """The batch fills and the one-slot functions of ``streams`` for slots first..first+n-1 (n a multiple of 4)."""
    filled, filled53 = np.empty(n), np.empty(n)
    streams.fill_slot_uniforms(key0, key1, first, month, sector, purpose, filled)
    streams.fill_slot_units53(key0, key1, first, month, sector, purpose, filled53)
    one, one53 = np.empty(n), np.empty(n)
    for k in range(n):
        one[k] = streams.slot_uniform(key0, key1, first + k, month, sector, purpose)
        one53[k] = streams.slot_unit53(key0, key1, first + k, month, sector, purpose)
    return filled, filled53, one, one53


def test_slot_draws_pack_slots_into_counters_as_stated():
    """Four slots a counter (uniforms) and two (53-bit uniforms): the batch fills equal the one-slot functions and
    the NumPy statements, and the draws look uniform."""
    from scipy import stats
    key = streams.stream_key(np.random.default_rng(6))
    filled, filled53, one, one53 = slot_draws(key[0], key[1], 128, 4096, 5, 3, streams.EXIT_OPTION)
    slots = np.arange(128, 128 + 4096)
    assert same(filled, one) and same(filled53, one53)
    assert same(one, keyed_uniforms_reference(key, slots, 5, 3, streams.EXIT_OPTION))
    assert same(one53, keyed_units53_reference(key, slots, 5, 3, streams.EXIT_OPTION))
    assert stats.kstest(one, "uniform").pvalue > 0.001 and stats.kstest(one53, "uniform").pvalue > 0.001
    assert abs(np.corrcoef(one[0::4], one[1::4])[0, 1]) < 0.1  # words of one counter are independent


def catchment_sums_reference(stance, need, x, unit, home_row, flat, n_rows):
    """``catchment_target``'s NumPy sums before ODD §9 D-F64: each home row's weight and weighted preferences
    (``decode``d from their codes)."""
    x = decode(x)
    active = stance != OPT_OUT
    weight = active / need if flat else active.astype(float)
    home = home_row[unit]
    weights = np.bincount(home, weights=weight, minlength=n_rows).astype(np.float64)
    weighted = np.array([np.bincount(home, weights=weight * x[:, dimension], minlength=n_rows)
                         for dimension in range(x.shape[1])]).reshape(x.shape[1], n_rows)
    return weights, weighted


@pytest.mark.parametrize("flat", [True, False])
@pytest.mark.parametrize("seed", SEEDS)
def test_catchment_sums_match(seed, flat):
    """A contractor's design target's sums (``sim.kernels.catchment``) equal NumPy's bincounts to the last bit."""
    slots = random_slots(seed)
    n_rows, n_units = 9, 8
    home_row = np.random.default_rng(seed).integers(0, n_rows, n_units)
    counts = np.bincount(slots["unit"], minlength=n_units).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    weights, weighted = np.zeros(n_rows), np.zeros((slots["x"].shape[1], n_rows))
    catchment.catchment_sums(slots["stance"], OPT_OUT, high_need_bits(slots["need"]), np.float32(2.5), flat, slots["x"],
                             starts, counts, home_row, weights, weighted)
    want_weights, want_weighted = catchment_sums_reference(slots["stance"], slots["need"], slots["x"], slots["unit"],
                                                           home_row, flat, n_rows)
    assert same(weights, want_weights) and same(weighted, want_weighted)


def payments_reference(per_row, funding_level, fixed_cost, sector, price, priced, last_lump):
    """``guarantor.payments``' whole-array expressions after the formula's per-row sums (before D-F60)."""
    lump = funding_level * fixed_cost[sector]
    if not priced:
        return funding_level * per_row + lump
    last_lump[:] = lump * price
    return (funding_level * per_row + lump) * price


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n_sectors", [1, 3, 12])
def test_payments_a_pass_over_the_rows_match(seed, n_sectors):
    """ODD §9 D-F60: the rows' payment due, the open-ended budget's excess and the charges and overhead after the
    payment, each one pass over the rows, equal to the last bit NumPy's whole-array expressions (``bincount``,
    ``np.maximum``, ``ndarray.sum``), with sectors above, at and below their month's budget and 3-40 rows."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 41))
    sector = rng.integers(0, n_sectors, n).astype(np.int64)
    kind = rng.integers(0, 5, n).astype(np.int8)
    per_row, price = rng.uniform(0, 5e5, n), rng.uniform(0.8, 1.1, n)
    fixed_cost, funding_level = rng.uniform(0, 4e4, n_sectors), float(rng.uniform(0.8, 1.2))
    for priced in (True, False):
        got_lump, want_lump = np.zeros(n), np.zeros(n)
        got = formula_funding.formula_due(per_row, funding_level, fixed_cost, sector, price, priced, got_lump)
        want = payments_reference(per_row, funding_level, fixed_cost, sector, price, priced, want_lump)
        assert same(got, want) and same(got_lump, want_lump)
    due = want
    asked = np.bincount(sector, weights=due, minlength=n_sectors)
    budget = 12.0 * asked * rng.choice([0.9, 1.0, 1.1], n_sectors)  # above, at and below the month's budget
    got_year, want_year = np.full(n_sectors, 7.5), np.full(n_sectors, 7.5)
    got_over = formula_funding.open_ended_budget(sector, due, budget, got_year)
    want_year += asked
    assert got_over == float(np.maximum(asked - budget / 12.0, 0.0).sum()) and same(got_year, want_year)
    charge_share, overhead_rate = rng.uniform(0, 0.2, n_sectors), rng.uniform(0, 0.05, 5)
    last_payment = np.zeros(n)
    charges, charges_total, overhead_total = formula_funding.charges_and_overhead(
        due, last_payment, charge_share, overhead_rate, sector, kind)
    want_charges = due * charge_share[sector]
    assert same(last_payment, due) and same(charges, want_charges)
    assert charges_total == float(want_charges.sum())
    assert overhead_total == float((due * overhead_rate[kind]).sum())


# --- the month's row-level kernels called together (ODD §9 D-F191) ------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_one_call_of_the_payments_is_the_four_it_replaced(seed):
    """``pay_open_ended`` against ``formula_due``, ``open_ended_budget``, ``move_cash`` and ``charges_and_overhead``
    called in turn (each checked against NumPy above): the same outputs and the same arrays written, to the bit."""
    from sim.kernels.books import move_cash

    rng = np.random.default_rng(seed)
    n, n_sectors = int(rng.integers(3, 41)), int(rng.integers(1, 13))
    sector = np.sort(rng.integers(0, n_sectors, n)).astype(np.int64)
    kind = rng.integers(0, 5, n).astype(np.int8)
    per_row, price = rng.uniform(0, 5e5, n) * (rng.random(n) < 0.9), rng.uniform(0.8, 1.1, n)
    fixed_cost, level = rng.uniform(0, 4e4, n_sectors), float(rng.uniform(0.8, 1.2))
    budget = 12.0 * rng.uniform(0, 1e6, n_sectors)
    charge_share, overhead_rate = rng.uniform(0, 0.2, n_sectors), rng.uniform(0, 0.05, 5)
    state = [rng.uniform(0, 1e4, n), np.full(n_sectors, 3.0), rng.uniform(-1e5, 1e5, n), rng.uniform(0, 1e4, n),
             np.zeros(n)]  # last lump, cost this year, cash, inflows, last payment
    got_state, want_state = [a.copy() for a in state], [a.copy() for a in state]
    got_charges = np.full(n, np.nan)
    got = formula_funding.pay_open_ended(per_row, level, fixed_cost, sector, price, got_state[0], budget, got_state[1],
                                         got_state[2], got_state[3], got_state[4], charge_share, overhead_rate, kind,
                                         got_charges)
    lump, year, cash, inflow, last_payment = want_state
    due = formula_funding.formula_due(per_row, level, fixed_cost, sector, price, True, lump)
    over = formula_funding.open_ended_budget(sector, due, budget, year)
    total, booked = move_cash(cash, inflow, due, True)
    charges, charges_total, overhead_total = formula_funding.charges_and_overhead(due, last_payment, charge_share,
                                                                                  overhead_rate, sector, kind)
    assert got == (over, total, booked, charges_total, overhead_total) and same(got_charges, charges)
    assert all(same(a, b) for a, b in zip(got_state, want_state, strict=True))


@pytest.mark.parametrize("seed", SEEDS)
def test_one_call_of_quality_and_the_costs_books_is_the_four_it_replaced(seed):
    """``quality_and_books`` against ``quality``, the overhead's ``ndarray.sum`` and three ``move_cash`` calls in
    turn (wages, running costs, business rates; each checked against NumPy): the same numbers, the same cash."""
    from sim.kernels import production
    from sim.kernels.books import move_cash

    rng = np.random.default_rng(seed)
    n, sectors = int(rng.integers(1, 30)), 3
    sector = rng.integers(0, sectors, n)
    costs = rng.uniform(0, 1e4, (production.N_COSTS, n)) * (rng.random((production.N_COSTS, n)) < 0.8)
    if seed % 2:
        costs[production.RUNNING_COSTS] = 0.0  # a flow of zeros is not booked
    arrays = (rng.uniform(0.5, 1.5, n), rng.uniform(0.5, 1.2, n), rng.uniform(0, 1e5, n), rng.uniform(0, 300, n),
              sector, rng.uniform(500, 3000, sectors), rng.uniform(0, 1, sectors), rng.uniform(0, 1, sectors),
              rng.uniform(-0.1, 0.3, n))
    scalars = (float(rng.uniform(0, 0.2)), float(rng.uniform(0, 0.5)))
    cash, outflow = rng.uniform(-1e5, 1e5, n), rng.uniform(0, 1e4, n)
    got_cash, got_out = cash.copy(), outflow.copy()
    got_q = np.full(n, np.nan), np.full(n, np.nan)
    got = [*got_q, *production.quality_and_books(*arrays, costs, *scalars, got_cash, got_out, *got_q)]
    q_c, q_n = production.quality(*arrays, costs[production.CUT], *scalars)
    want = [q_c, q_n, float(costs[production.OVERHEAD].sum())]
    for flow in (production.WAGES, production.RUNNING_COSTS, production.RATES_PAID):
        want.extend(move_cash(cash, outflow, costs[flow], False))
    assert same(got[0], want[0]) and same(got[1], want[1]) and tuple(got[2:]) == tuple(want[2:])
    assert same(got_cash, cash) and same(got_out, outflow)


@pytest.mark.parametrize("seed", SEEDS)
def test_one_call_of_the_rows_after_work_and_hiring_is_the_two_it_replaced(seed):
    """``rows_after_work_and_hiring`` against ``rows_after_work`` and ``move_cash`` in turn (each checked above)."""
    from sim.kernels import workers
    from sim.kernels.books import move_cash

    rng = np.random.default_rng(seed)
    n = 9
    worker_row = rng.integers(0, n - 2, 60)
    quits = rng.random(60) < (0.2 if seed % 2 else 0.0)  # a month without quits books no hiring
    output, morale, fte = rng.uniform(0, 1.2, 60), rng.random(60), rng.uniform(0.1, 30, n)
    staff = np.where(rng.random(n) < 0.3, 0.0, rng.integers(1, 12, n).astype(float))
    cash, outflow = rng.uniform(-1e5, 1e5, n), rng.uniform(0, 1e4, n)
    got_cash, got_out = cash.copy(), outflow.copy()
    got_rows = np.full(n, np.nan), np.full(n, np.nan)
    got = workers.rows_after_work_and_hiring(worker_row, quits, output, morale, fte, staff, 800.0, 0.6, got_cash,
                                             got_out, *got_rows)
    hires, index, mean_morale = workers.rows_after_work(worker_row, quits, output, morale, fte, staff, 800.0, 0.6)
    total, booked = move_cash(cash, outflow, hires, False)
    assert same(got_rows[0], index) and same(got_rows[1], mean_morale) and got == (total, booked)
    assert same(got_cash, cash) and same(got_out, outflow)


def test_the_tenure_decay_table_is_numpys_exp_wherever_a_tenure_stands():
    """``TENURE_DECAY`` (ODD §9 D-F297) holds what NumPy's ``np.exp(-tenure / 12.0)`` gives a whole month of tenure
    in an array of any length and alignment (NumPy's vectorised ``exp``, which differs from the C library's for
    some arguments: the kernel reads the table, not ``math.exp``)."""
    from sim.workforce import TENURE_DECAY

    rng = np.random.default_rng(11)
    size = TENURE_DECAY.size
    for n in [*range(1, 80), 127, 128, 129, 255, 256, 257, 1000, 4097]:
        months = rng.integers(0, size, n).astype(np.float64)
        offset = int(rng.integers(0, 8))
        buffer = np.empty(n + offset)
        buffer[offset:] = months
        assert same(np.exp(-buffer[offset:] / 12.0), TENURE_DECAY[months.astype(np.int64)])
    assert same(np.exp(-np.arange(size, dtype=np.float64) / 12.0), TENURE_DECAY)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_rows_after_work_with_output_from_tenure_match(seed):
    """``rows_after_work_from_tenure`` (ODD §9 D-F297) against ``rows_after_work_and_hiring`` given NumPy's
    ``effort * Workforce.productivity()``: whole-month tenures (new hires' 0 and 1 among them), and where a tenure
    is not a whole month of the table (a fraction, past the table, negative, NaN) it moves nothing and says so."""
    from sim.kernels import workers
    from sim.workforce import TENURE_DECAY

    rng = np.random.default_rng(seed)
    n, staff_n = 9, 60
    worker_row = rng.integers(0, n - 2, staff_n).astype(np.int32)
    quits = rng.random(staff_n) < (0.2 if seed % 2 else 0.0)
    effort, skill, morale = rng.uniform(0, 1, staff_n), rng.uniform(0.8, 1.2, staff_n), rng.random(staff_n)
    tenure = rng.integers(0, 500, staff_n).astype(np.float64)
    tenure[:3] = [0.0, 1.0, TENURE_DECAY.size - 1]
    fte, staff = rng.uniform(0.1, 30, n), np.where(rng.random(n) < 0.3, 0.0, rng.integers(1, 12, n).astype(float))
    penalty = 0.3
    cash, outflow = rng.uniform(-1e5, 1e5, n), rng.uniform(0, 1e4, n)
    output = effort * (skill * (1.0 - penalty * np.exp(-tenure / 12.0)))  # ``effort * productivity()``
    want_cash, want_out, want_rows = cash.copy(), outflow.copy(), (np.full(n, np.nan), np.full(n, np.nan))
    want = workers.rows_after_work_and_hiring(worker_row, quits, output, morale, fte, staff, 800.0, 0.6, want_cash,
                                              want_out, *want_rows)
    got_rows = np.full(n, np.nan), np.full(n, np.nan)
    got = workers.rows_after_work_from_tenure(worker_row, quits, effort, skill, tenure, penalty, TENURE_DECAY, morale,
                                              fte, staff, 800.0, 0.6, cash, outflow, *got_rows)
    assert got == (*want, True) and same(cash, want_cash) and same(outflow, want_out)
    assert all(same(a, b) for a, b in zip(got_rows, want_rows, strict=True))
    for odd in (2.5, float(TENURE_DECAY.size), -1.0, np.nan):
        tenure[5] = odd
        before = cash.copy(), outflow.copy(), got_rows[0].copy()
        assert workers.rows_after_work_from_tenure(worker_row, quits, effort, skill, tenure, penalty, TENURE_DECAY,
                                                   morale, fte, staff, 800.0, 0.6, cash, outflow,
                                                   *got_rows) == (0.0, False, False)
        assert same(cash, before[0]) and same(outflow, before[1]) and same(got_rows[0], before[2])


@pytest.mark.parametrize("seed", SEEDS)
def test_one_call_of_the_rows_and_people_sums_is_the_three_it_replaced(seed):
    """``row_and_people_sums`` against ``users_and_kind_sums``, ``pairwise_sum`` and ``count_people`` in turn (each
    checked against NumPy): the same sums and counts, and the people's bits cleared."""
    from sim.kernels.metric_sums import count_people
    from sim.kernels.pairwise import pairwise_sum
    from sim.kernels.row_metrics import row_and_people_sums, users_and_kind_sums

    rng = np.random.default_rng(seed)
    n, people = int(rng.integers(1, 40)), int(rng.integers(1, 9000))
    users, capital, kind = rng.uniform(0, 500, n), rng.uniform(0, 1e5, n), rng.integers(0, 3, n).astype(np.int8)
    morale = rng.random(int(rng.integers(0, 200)))
    bits = rng.integers(0, 256, people).astype(np.uint8)
    last, deprivation = rng.integers(-30, 40, people).astype(np.int16), rng.integers(0, 5, people).astype(np.int8)
    last_failure = rng.integers(-50, 40, n).astype(np.int32)
    got_bits = bits.copy()
    got = row_and_people_sums(users, capital, kind, 2, morale, got_bits, FORM_BITS, last, 24, deprivation, 5,
                              last_failure, 20)
    want = (*users_and_kind_sums(users, capital, kind, 2), pairwise_sum(morale))
    holders, took_part, failed = count_people(bits, FORM_BITS, last, 24, deprivation, 5, last_failure, 20)
    assert got[:4] == want and same(got[4], holders) and same(got[5], took_part) and got[6] == failed
    assert same(got_bits, bits) and not got_bits.any()


# --- trust (ODD §7.12, §9 D-F110) --------------------------------------------------------------------------------
def update_trust_reference(satisfaction, provider, citizen, holds, quality_mark, trust, sensitivity, aspiration,
                           mark_trust, adjustment):
    """The NumPy code ``update_sector_trust`` replaced (a sector's slots at once)."""
    target = expit(sensitivity * (satisfaction - aspiration + 0.5))
    target = np.clip(target + mark_trust * quality_mark[provider], 0.0, 1.0)
    step = adjustment / np.maximum(POPCOUNT[holds[citizen]], 1)
    trust[citizen] += (step * (target - trust[citizen])).astype(np.float32)


@pytest.mark.parametrize("seed", SEEDS)
def test_trust_update_matches(seed):
    """The same trust to the last bit (a NaN may differ in its payload), extreme satisfactions and people who
    need no service included."""
    from sim.kernels.trust import update_sector_trust

    rng = np.random.default_rng(seed)
    n, m = 5_000, 3_000
    satisfaction = (rng.normal(0.8, 1.5, m) * (10 if seed % 3 == 0 else 1)).astype(np.float32)
    satisfaction[:4] = [np.nan, np.inf, -np.inf, -0.0]
    provider = rng.integers(0, 40, m).astype(np.int16)
    citizen = rng.choice(n, m, replace=False).astype(np.int32)
    holds = rng.integers(0, 1 << 12, n).astype(np.uint16)
    holds[citizen[:50]] = 0
    quality_mark = rng.random(40) < 0.5
    trust = rng.random(n).astype(np.float32)
    args = (float(rng.uniform(0.5, 8)), float(rng.uniform(0, 1.5)), float(rng.uniform(0, 0.3)) * (seed % 2),
            float(rng.uniform(0, 0.5)))
    expected, got = trust.copy(), trust.copy()
    update_trust_reference(satisfaction, provider, citizen, holds, quality_mark, expected, *args)
    update_sector_trust(satisfaction, provider, citizen, holds, quality_mark, got, *args)
    assert np.isnan(got[citizen[0]]) and np.isnan(expected[citizen[0]])
    got[citizen[0]] = expected[citizen[0]] = 0.0
    assert same(expected, got)


@pytest.mark.parametrize("seed", SEEDS)
def test_trust_and_the_metrics_sums_in_one_pass_match(seed):
    """ODD §9 D-F180: ``update_trust_and_measure`` moves trust as ``update_trust_reference`` (and as
    ``update_sector_trust``) and adds up the metrics' sums as ``sector_measures_reference`` (quintiles, people's bits,
    stance counts to the bit) and its three slot-order sums as ``sector_sums_in_order`` and ``add_sector_measures``
    (to the bit), over three sectors in turn (one a person each, as in the model; one sector may be empty)."""
    from sim.kernels.trust import update_sector_trust, update_trust_and_measure

    rng = np.random.default_rng(seed)
    n_people, n_rows = 60, 9
    shape = dimensions(seed)
    holds = rng.integers(0, 1 << 12, n_people).astype(np.uint16)
    holds[:5] = 0
    deprivation = rng.integers(0, 5, n_people).astype(np.int8)
    resources = rng.random(n_people).astype(np.float32)
    design = rng.random((n_rows, shape))
    quality_mark = rng.random(n_rows) < 0.5
    trust_fused = rng.random(n_people).astype(np.float32)
    trust_reference, trust_kernel = trust_fused.copy(), trust_fused.copy()
    fused_sums = [np.zeros(5), np.zeros(5), np.zeros(n_people, np.uint8), np.zeros(3, np.int64)]
    reference_sums = [np.zeros(5), np.zeros(5), np.zeros(n_people, np.uint8), np.zeros(3, np.int64)]
    kernel_sums = [np.zeros(5), np.zeros(5), np.zeros(n_people, np.uint8), np.zeros(3, np.int64)]
    args = (float(rng.uniform(0.5, 8)), float(rng.uniform(0, 1.5)), float(rng.uniform(0, 0.3)) * (seed % 2),
            float(rng.uniform(0, 0.5)))
    for sector in range(3):
        m = 0 if (seed, sector) == (1, 1) else int(rng.integers(1, 50))
        slots = random_slots(10 * seed + sector, m=m, n_providers=n_rows)
        satisfaction = slots["satisfaction"]
        if m and seed % 3 == 0:
            satisfaction[0] = np.inf
        x = encode(rng.random((m, shape)).astype(np.float32))
        citizen = rng.permutation(n_people)[:m].astype(np.int32)
        civic = rng.integers(0, 128, m).astype(np.uint8)
        seen = np.where(rng.random(m) < 0.1, np.int8(OPT_OUT), slots["stance"])  # some unserved
        got = update_trust_and_measure(satisfaction, slots["provider"], citizen, holds, quality_mark, trust_fused,
                                       *args, deprivation, x, design, seen, OPT_OUT, civic, slots["stance"],
                                       *fused_sums)
        update_trust_reference(satisfaction, slots["provider"], citizen, holds, quality_mark, trust_reference, *args)
        update_sector_trust(satisfaction, slots["provider"], citizen, holds, quality_mark, trust_kernel, *args)
        inputs = (citizen, deprivation, satisfaction, x, slots["provider"], design, seen, resources, 1.5, 0.12,
                  CONTRIBUTE, OPT_OUT, civic, slots["stance"])
        want = sector_measures_reference(*inputs, *reference_sums)
        assert np.allclose(got, want[:3], rtol=1e-12, atol=1e-12, equal_nan=True)
        in_order = sector_sums_in_order(citizen, satisfaction, x, slots["provider"], design, seen, resources, 1.5,
                                        0.12)
        measured = metric_sums.add_sector_measures(*inputs, *kernel_sums)
        assert same(np.array(got), np.array(in_order[:3])) and same(np.array(got), np.array(measured[:3]))
        assert all(same(a, b) for a, b in zip(fused_sums, reference_sums, strict=True))
        assert all(same(a, b) for a, b in zip(fused_sums, kernel_sums, strict=True))
        assert same(trust_fused, trust_kernel)
        assert same(np.nan_to_num(trust_fused), np.nan_to_num(trust_reference))


# --- the compiled code's cache (ODD §9 D-F77) ----------------------------------------------------------------------
def test_the_kernels_import_from_no_model_module_outside_the_cache_digest():
    """The cache's digest covers the kernel modules and ``sim/population.py``; a kernel that read a constant or
    inlined a function from any other model module would keep stale machine code when that module changed."""
    import ast

    from sim import kernels

    for path in kernels.KERNEL_SOURCES[:-1]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                assert node.level == 2 and node.module == "population", (path.name, node.module)
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert not (node.module or "").startswith("sim"), (path.name, node.module)


def test_the_cache_folder_changes_with_any_kernel_source(tmp_path, monkeypatch):
    """A change to any file the kernels compile from (here: a copy of them, one byte added to the last) names a
    new cache folder; the same sources name the same one."""
    from sim import kernels

    copies = []
    for path in kernels.KERNEL_SOURCES:
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    monkeypatch.setattr(kernels, "KERNEL_SOURCES", tuple(copies))
    assert kernels.sources_digest() == kernels.CACHE_DIR.name.removeprefix("numba-")
    copies[-1].write_bytes(copies[-1].read_bytes() + b"\n")
    assert kernels.sources_digest() != kernels.CACHE_DIR.name.removeprefix("numba-")


@numba.njit
def count_words_below(p):
    return stream_blocks.words_below(p)


@pytest.mark.parametrize("seed", SEEDS)
def test_words_below_a_share_are_the_uniforms_below_it(seed):
    """``stream_blocks.words_below(p)`` is the count of words whose uniform ((w + 0.5) 2^-32) is below p, so
    comparing a word with it is comparing its uniform with p: at the count and next to it, for random shares,
    shares on and next to a uniform, and 0, 1, NaN and shares outside (0, 1)."""
    rng = np.random.default_rng(seed)
    words = rng.integers(0, 2**32, 20)
    on = (words + 0.5) * 2.0**-32
    shares = np.concatenate([rng.random(20), on, np.nextafter(on, 0.0), np.nextafter(on, 1.0),
                             [0.0, 1.0, 0.1, 0.5, 2.0**-33, 1.0 - 2.0**-33, -0.5, 1.5, np.inf, -np.inf, np.nan]])
    for p in shares:
        count = int(count_words_below(p))
        assert 0 <= count <= 2**32
        for w in (count - 2, count - 1, count, count + 1):
            if 0 <= w < 2**32:
                assert ((w + 0.5) * 2.0**-32 < p) == (w < count), (p, w, count)


def hold_governance_reference(params, structure, population, service_users, table, rng, month, stream_key):
    """ODD §7.3 the fiscal year's governance as ``hold_governance`` did it before D-F140, then what rows hear
    (``heard_preference``): a chunk of slots at a time, the active slots, the forms' costs, the year's bits
    cleared, the shared motives (``voice_benefit``) plus the benefit of being asked and the lasting disposition
    (NumPy's gathers), the logit chances (``take_up_chance``, SciPy's ``expit``), the ballots and answers, then the
    seats; the rows' heard sums in a pass of their own afterwards. Each step is checked against its own NumPy
    reference above (``test_governance_matches``, ``test_heard_matches``...)."""
    from sim.submodels.participation import (
        ELECTION_CHUNK,
        add_lasting_disposition,
        catch_up,
        generator_ahead,
        heard_preference,
        present,
        standard_cost_factor,
        take_up_chance,
        voice_benefit,
    )

    n, names = table.n, structure.sector_names
    board, governors, panels, pupils, consults, contact = (
        present(params, names, table, name) for name in ("member_board", "user_governors", "user_panel",
                                                         "pupil_seats", "consultation", "named_contact"))
    answer_cost = np.where(contact, min(params["contact_cost"], params["consultation_cost"]),
                           params["consultation_cost"])
    answerable = consults | contact
    tally = {name: np.zeros(n) for name in ("members", "voters", "electorate", "governor_voters")}
    for users in service_users:
        if users.m == 0:
            continue
        answer_rng = generator_ahead(rng, users.m)
        standard_factor = standard_cost_factor(params, structure, population, users)
        for first in range(0, users.m, ELECTION_CHUNK):
            last = min(first + ELECTION_CHUNK, users.m)
            active = elections.active_slots(users.stance, OPT_OUT, first, last)
            vote_chance, answer_chance = elections.form_costs(
                active, users.provider, users.stance, users.civic, users.citizen, population.resources,
                float(params["resource_gradient"]), float(params["participation_cost"]), standard_factor,
                float(params["vote_cost"]), float(params["participation_cost"]), bool(params["candidate_information"]),
                CONTRIBUTE, np.uint8(SEATED), answer_cost)
            users.civic[first:last] &= ~np.uint8(VOTED | CONSULTED | SEATED)
            invited = voice_benefit(params, structure, population, users, table, stream_key, month, active)
            invited += np.float32(params["asked_value"])
            add_lasting_disposition(params, population, users.citizen, active, invited)
            take_up_chance(params, invited, vote_chance, out=vote_chance)
            take_up_chance(params, invited, answer_chance, out=answer_chance)
            elections.cast_ballots_and_answers(
                rng, answer_rng, active, first, last, users.provider, users.civic, users.citizen, vote_chance,
                answer_chance, board, governors, answerable, np.uint8(MEMBER), np.uint8(VOTED), np.uint8(CONSULTED),
                population.last_participation, np.int16(month), tally["members"], tally["voters"],
                tally["electorate"], tally["governor_voters"])
        catch_up(rng, answer_rng)
        elections.fill_seats(rng, users.provider, users.stance, users.civic, CONTRIBUTE, np.uint8(MEMBER),
                             np.uint8(SEATED), board, governors, pupils, panels, int(params["board_size"]),
                             int(params["user_governor_seats"]), int(params["pupil_seats"]),
                             int(params["panel_size"]), np.uint8(BOARD), np.uint8(GOVERNOR), np.uint8(PUPIL),
                             np.uint8(PANEL))
    table.members = tally["members"]
    heard_preference(service_users, table)
    return {name: float(values.sum()) for name, values in tally.items()}


@pytest.mark.parametrize("settings", [
    {"n_units": 6},
    {"n_units": 4, "sectors": "all", "regime": "conversion", "user_choice": "on"},  # exit crowds out voice
    {"n_units": 3, "sectors": "all", "user_choice": "on", "exit_crowds_out_voice": False, "civic_disposition": False},
    {"n_units": 3, "participation_cost": 0.0, "candidate_information": False},  # the standard cost zero
    {"n_units": 3, "taste_persistence": 0.0, "asked_value": 0.3},
    {"n_units": 3, "sectors": "all", "regime": "mutual"},  # member boards' seats too (ODD §9 D-F181)
])
@pytest.mark.parametrize("chunk", [None, 97])
def test_a_sectors_elections_in_one_call_match(settings, chunk, monkeypatch):
    """ODD §9 D-F140: ``hold_governance`` with a sector's costs, benefits, chances, ballots, answers and the rows'
    heard sums in one compiled call (``elections.hold_sector_elections``) against the chunked kernels and NumPy
    steps it replaced, then ``heard_preference``'s pass: the same participation bits, last participation, tallies,
    members, heard designs and generator state, to the bit, at a fiscal year's end after eleven months (and with
    chunks of 97 slots). The seats filled in the same call (D-F181) against ``fill_seats`` after it, each stream
    drawn from its generator's address (``sim.kernels.bitgen``) against the generators passed to the kernels."""
    import pickle

    import sim

    if chunk is not None:
        monkeypatch.setattr(participation, "ELECTION_CHUNK", chunk)
    model = sim.MutualStateModel(rng=5, **settings)
    for _ in range(11):
        model.step()
    blob = pickle.dumps(model)
    fused, reference = pickle.loads(blob), pickle.loads(blob)
    args = lambda m: (m.params, m.structure, m.population, m.users, m.providers, m.np_rng, 12, m.stream_key)  # noqa: E731
    got = participation.hold_governance(*args(fused))
    want = hold_governance_reference(*args(reference))
    assert got == want
    for a, b in zip(fused.users, reference.users, strict=True):
        assert same(a.civic, b.civic)
    assert same(fused.population.last_participation, reference.population.last_participation)
    for name in ("members", "voters", "respondents", "mandate", "consulted_pref", "heard", "heard_pref"):
        assert same(getattr(fused.providers, name), getattr(reference.providers, name)), name
    assert fused.np_rng.bit_generator.state == reference.np_rng.bit_generator.state
    # the volunteers' costs summed in the same pass (ODD §9 D-F144) are ``metrics.volunteer_costs``'s own pass's
    from sim.metrics import volunteer_costs

    month, costs = participation.VOLUNTEER_COSTS[fused.providers]
    participation.VOLUNTEER_COSTS.pop(fused.providers)
    assert month == 12 and all(type(cost) is float for cost in costs)
    fused.month = 12
    assert np.array(costs).tobytes() == np.array(volunteer_costs(fused)).tobytes()


@numba.njit(cache=False)
def prefetched_sum(values, order):
    """The sum of ``values[order]`` in order, each element prefetched ``PREFETCH_AHEAD`` reads before it and the
    elements past either end asked for too (``sim.kernels.prefetch.prefetch``)."""
    total = values.dtype.type(0)
    for k in range(order.size):
        prefetch(values, order[min(k + PREFETCH_AHEAD, order.size - 1)])
        prefetch(values, values.size + k)  # past the end: the processor drops it
        prefetch(values, -1 - k)
        total += values[order[k]]
    return total


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint16])
def test_a_prefetch_changes_nothing(dtype):
    """ODD §9 D-F250: prefetching elements, within the array or past it, reads nothing into the kernel and writes
    nothing: the gathers it runs beside give what they give without it."""
    rng = np.random.default_rng(7)
    values = (rng.random(5000) * 3).astype(dtype)  # sums within uint16
    order = rng.permutation(5000)
    before = values.copy()
    expected = dtype(0)
    for k in order:
        expected = dtype(expected + values[k])
    assert prefetched_sum(values, order) == expected
    assert same(values, before)


@numba.njit(cache=False)
def draws_from_address(bitgen, out):
    """``out``'s doubles from the bit generator at ``bitgen`` (``sim.kernels.bitgen.next_double``)."""
    for i in range(out.size):
        out[i] = next_double(bitgen)


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937,
                                           np.random.Philox, np.random.SFC64])
def test_a_generators_doubles_from_its_address_are_its_own(bit_generator):
    """ODD §9 D-F181: the doubles a kernel draws from a generator's address are ``Generator.random``'s, and the
    generator is left where ``random`` leaves it (a spare 32-bit half-word held included)."""
    for seed in range(3):
        a, b = np.random.Generator(bit_generator(seed)), np.random.Generator(bit_generator(seed))
        a.integers(0, 2**32, dtype=np.uint32)
        b.integers(0, 2**32, dtype=np.uint32)
        got = np.empty(1001)
        draws_from_address(address(a), got)
        assert same(got, b.random(1001))
        assert a.integers(0, 2**32, dtype=np.uint32) == b.integers(0, 2**32, dtype=np.uint32)
        assert a.random() == b.random()


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937])
@pytest.mark.parametrize("spare", [False, True])
def test_going_on_from_a_copy_is_catching_up(bit_generator, spare):
    """ODD §9 D-F182: ``go_on`` (advancing the stream where it held no spare half-word) leaves the generator in the
    state ``catch_up`` leaves it, a spare 32-bit half-word held or not, copies made from the state read once."""
    for count in (0, 1, 999):
        a, b = np.random.Generator(bit_generator(count)), np.random.Generator(bit_generator(count))
        if spare:
            a.integers(0, 2**32, dtype=np.uint32)
            b.integers(0, 2**32, dtype=np.uint32)
        state = a.bit_generator.state
        ahead_a = participation.generator_ahead(a, 2 * count, None, state)
        ahead_b = participation.generator_ahead(b, 2 * count)
        a.random(count), b.random(count), ahead_a.random(count), ahead_b.random(count)
        participation.go_on(a, ahead_a, state, 2 * count)
        participation.catch_up(b, ahead_b)
        assert str(a.bit_generator.state) == str(b.bit_generator.state)
        assert a.integers(0, 2**32, dtype=np.uint32) == b.integers(0, 2**32, dtype=np.uint32)
        assert a.random() == b.random()


def pack_holders(citizen, unit_start, unit_count, unit_starts, unit_sizes, largest_shift=16):
    """``citizen`` as ``ServiceUsers`` keeps it (ODD §9 D-F120): ``(offset, floor, shift)`` from ``block_floors``."""
    floor, shift, dtype = block_floors(unit_start, unit_count, unit_starts, unit_sizes, largest_shift)
    return (citizen - floor[np.arange(citizen.size) >> shift]).astype(dtype), floor, shift


def unpack_holders(holders):
    """The holders of ``pack_holders``'s tuple as an int32 array."""
    offset, floor, shift = holders
    return (floor[np.arange(offset.size) >> shift] + offset).astype(np.int32)


def random_layout(rng, n_units, largest_unit):
    """A sector's unit-sorted slots (some units empty) and the units' adults, with each slot's holder drawn from her
    unit's adults, as the build draws them."""
    unit_sizes = rng.integers(1, largest_unit + 1, n_units).astype(np.int64)
    unit_count = np.where(rng.random(n_units) < 0.2, 0, rng.binomial(unit_sizes, rng.random()))
    unit_start = np.concatenate([[0], np.cumsum(unit_count)[:-1]]).astype(np.int64)
    unit_starts = np.concatenate([[0], np.cumsum(unit_sizes)[:-1]]).astype(np.int64)
    citizen = np.concatenate([np.zeros(0, np.int64)] + [
        unit_starts[u] + np.sort(rng.choice(unit_sizes[u], unit_count[u], replace=False))
        for u in range(n_units)]).astype(np.int32)
    return citizen, unit_start, unit_count, unit_starts, unit_sizes


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("largest_unit", [3, 600, 40000, 70000])
def test_block_floors_keep_every_adult_of_a_slots_unit_in_range(seed, largest_unit):
    """ODD §9 D-F120: every adult of a slot's unit (whom churn may make her holder) is her block's floor plus an
    offset the offsets' dtype holds: uint16 where each block's run fits, int32 where a unit alone is longer."""
    rng = np.random.default_rng(seed)
    n_units = int(rng.integers(0, 300 if largest_unit <= 600 else 6))
    citizen, unit_start, unit_count, unit_starts, unit_sizes = random_layout(rng, n_units, largest_unit)
    floor, shift, dtype = block_floors(unit_start, unit_count, unit_starts, unit_sizes)
    assert floor.dtype == np.int64 and floor.size == -(-citizen.size // (1 << shift))
    slot_unit = np.repeat(np.arange(n_units), unit_count)
    slot_floor = floor[np.arange(citizen.size) >> shift]
    lowest = unit_starts[slot_unit] - slot_floor
    highest = unit_starts[slot_unit] + unit_sizes[slot_unit] - 1 - slot_floor
    info = np.iinfo(dtype)
    assert (lowest >= 0).all() and (highest <= info.max).all()
    assert dtype == (np.int32 if unit_sizes[unit_count > 0].max(initial=0) > 1 << 16 else np.uint16)
    if dtype == np.uint16 and shift < 16:  # the longest blocks that fit: twice as long would not
        wider, _, wider_dtype = block_floors(unit_start, unit_count, unit_starts, unit_sizes, shift + 1)
        assert wider_dtype == np.uint16 and wider.size == floor.size
    holders = pack_holders(citizen, unit_start, unit_count, unit_starts, unit_sizes)
    assert same(unpack_holders(holders), citizen)


@numba.njit(cache=False)
def holders_roundtrip(citizen, people):
    """Reads every slot's holder, writes ``people`` over them, reads them back (``holders``' compiled helpers)."""
    before = np.empty(slot_count(citizen), np.int64)
    for slot in range(slot_count(citizen)):
        before[slot] = holder(citizen, slot)
        set_holder(citizen, slot, people[slot])
    return before


@pytest.mark.parametrize("seed", SEEDS)
def test_holders_read_and_write_packed_as_plain(seed):
    """The compiled ``holder``, ``set_holder`` and ``slot_count`` give a packed sector's holders as a plain array
    gives them, and write a holder of the slot's unit so that she reads back (ODD §9 D-F120); the Python ones
    do the same."""
    rng = np.random.default_rng(seed)
    citizen, unit_start, unit_count, unit_starts, unit_sizes = random_layout(rng, 60, 500)
    slot_unit = np.repeat(np.arange(60), unit_count)
    people = (unit_starts[slot_unit] + (rng.random(citizen.size) * unit_sizes[slot_unit]).astype(np.int64))
    plain = citizen.copy()
    for largest_shift in (0, 3, 16):
        packed = pack_holders(citizen, unit_start, unit_count, unit_starts, unit_sizes, largest_shift)
        assert same(holders_roundtrip(packed, people), holders_roundtrip(plain.copy(), people).astype(np.int64))
        assert same(unpack_holders(packed), people.astype(np.int32))
        assert slot_count(packed) == citizen.size
        if citizen.size:
            assert holder(packed, citizen.size - 1) == people[-1]
            set_holder(packed, 0, people[0] + 0)
            assert holder(packed, 0) == people[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_kernels_read_packed_holders_as_plain(seed):
    """The kernels that read a slot's holder give the same answer with the packed holders as with the array
    (ODD §9 D-F120): the audit's counts, the volunteers' costs and the funding formula's pairwise sum of weights
    (``pairwise_sum_of_table``); the model's every kernel is checked by the fingerprint."""
    from sim.kernels.pairwise import pairwise_sum_of_table
    rng = np.random.default_rng(seed)
    citizen, unit_start, unit_count, unit_starts, unit_sizes = random_layout(rng, 40, 30)
    m, n = citizen.size, int(unit_sizes.sum())
    packed = pack_holders(citizen, unit_start, unit_count, unit_starts, unit_sizes, 2)
    stance = rng.integers(0, 3, m).astype(np.int8)
    civic = rng.integers(0, 128, m).astype(np.uint8)
    deprivation = rng.integers(0, 5, n).astype(np.int8)
    resources = rng.random(n).astype(np.float32)
    bits = FORM_BITS  # the forms, as the audit counts four
    results = []
    for holders in (citizen, packed):
        forms, counts = np.zeros(n, np.uint8), np.zeros((5, 2 + bits.size), np.int64)
        audit.add_sector_counts(holders, deprivation, stance, civic, CONTRIBUTE, bits, forms, counts)
        cost = metric_sums.volunteer_cost(holders, stance, resources, 1.5, 0.24, CONTRIBUTE)
        total = pairwise_sum_of_table(formula_funding.quintile_weights(0.6, 5), deprivation, holders)
        results.append((forms, counts, cost, total))
    for got, want in zip(results[1], results[0], strict=True):
        assert same(got, want)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.MT19937, np.random.Philox, np.random.SFC64])
def test_residents_drawn_as_numpys_choice(seed, bit_generator):
    """ODD §9 D-F141: the build's compiled draw of who in each unit needs a service against NumPy's own
    ``rng.choice(n, size=k, replace=False)``, sorted, unit by unit: populations from 1 to 10,000 (Floyd's
    algorithm's whole range), samples from none to the whole unit, and the generator left in the same state
    (a spare 32-bit half-word held before, and after: the Lemire draws are 32-bit words)."""
    picker = np.random.default_rng(seed)
    n_units = 60
    sizes = picker.integers(1, 700, n_units)
    sizes[:3] = (1, 10000, 9999)
    per_unit = np.minimum(picker.integers(0, 700, n_units), sizes)
    per_unit[3:8] = sizes[3:8]  # whole units
    per_unit[8:10] = 0
    per_unit[10] = 1
    unit_first = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    slot_start = np.concatenate([[0], np.cumsum(per_unit)[:-1]]).astype(np.int64)
    a_rng, b_rng = np.random.Generator(bit_generator(seed)), np.random.Generator(bit_generator(seed))
    if seed % 2:
        a_rng.integers(0, 2**32, dtype=np.uint32)
        b_rng.integers(0, 2**32, dtype=np.uint32)
    want = np.empty(per_unit.sum(), np.int32)
    for u in np.flatnonzero(per_unit):
        chosen = a_rng.choice(sizes[u], size=per_unit[u], replace=False)
        want[slot_start[u]:slot_start[u] + per_unit[u]] = unit_first[u] + np.sort(chosen)
    got = np.empty(per_unit.sum(), np.int32)
    residents.choose_residents(b_rng, sizes, per_unit, unit_first, slot_start, got)
    assert same(got, want)
    assert same(a_rng.integers(0, 2**32, 3, dtype=np.uint32), b_rng.integers(0, 2**32, 3, dtype=np.uint32))
    assert a_rng.random() == b_rng.random()


# --- the preferences in two bytes a dimension (session 17, ODD §9 D-F211) --------------------------------------------
@numba.njit
def decoded_in_a_kernel(codes):
    """Every code's reading by the kernels' ``preferences.decoded``."""
    out = np.empty(codes.size, np.float32)
    for i in range(codes.size):
        out[i] = preferences.decoded(codes[i])
    return out


@numba.njit
def encoded_in_a_kernel(values):
    """Every value's code by the kernels' ``preferences.encoded``."""
    out = np.empty(values.size, np.uint16)
    for i in range(values.size):
        out[i] = preferences.encoded(values[i])
    return out


def test_preference_codes_round_trip_within_half_a_step_and_exactly_at_the_ends():
    """ODD §9 D-F211: ``encode`` then ``decode`` gives 0 and 1 back exactly and any design in [0, 1] within half a
    step (1 / 131070) of the code's value, whose float32 reading is the nearest float32 (half an ulp more at most);
    every code reads back as itself; the kernels' ``decoded`` and ``encoded`` give NumPy's numbers to the bit (all
    65,536 codes; float32 and float64 designs, the ends and the one tie, 0.5, included)."""
    codes = np.arange(preferences.SCALE + 1, dtype=np.uint16)
    readings = decode(codes)
    assert readings.dtype == np.float32 and readings[0] == 0.0 and readings[-1] == 1.0
    assert same(encode(readings), codes)  # a code's reading encodes to the code
    exact = codes / float(preferences.SCALE)  # float64, within 2^-53 of q / 65535
    assert np.all(np.abs(readings - exact) <= np.spacing(readings) / 2 + 1e-15)
    assert same(decoded_in_a_kernel(codes), readings)
    rng = np.random.default_rng(211)
    for designs in (rng.random(100_000), rng.random(100_000).astype(np.float32)):
        designs[:4] = [0.0, 1.0, 0.5, 0.25]
        got = encode(designs)
        assert got.dtype == np.uint16 and same(got[:2], np.array([0, preferences.SCALE], np.uint16))
        assert np.abs(got / float(preferences.SCALE) - designs).max() <= 0.5 / preferences.SCALE
        assert np.abs(decode(got) - designs).max() <= 0.5 / preferences.SCALE + 2.0**-25
        assert same(encoded_in_a_kernel(designs), got)
    assert same(encode(np.array([-0.5, 1.5])), np.array([0, preferences.SCALE], np.uint16))  # clipped
    means = preferences.column_means(got.reshape(-1, 2))
    assert np.allclose(means, got.reshape(-1, 2).astype(np.float64).mean(axis=0) / preferences.SCALE, rtol=1e-12)
    with pytest.raises(TypeError):
        decode(designs)  # a float array is not read as codes
    with pytest.raises(numba.core.errors.TypingError):
        decoded_in_a_kernel(designs)


def component_labels_reference(rows, row_neighbours, n_rows):
    """``secondary.federation_labels`` before ODD §9 D-F243: the rows' edges to their neighbours among ``rows`` as
    a sparse matrix, labelled by SciPy's ``connected_components`` (undirected)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    member = np.zeros(n_rows, dtype=bool)
    member[rows] = True
    neighbours = row_neighbours[rows]
    linked = (neighbours >= 0) & member[np.maximum(neighbours, 0)]
    heads = np.repeat(rows, linked.sum(axis=1))
    tails = neighbours[linked]
    graph = coo_matrix((np.ones(heads.size, dtype=np.int8), (heads, tails)), shape=(n_rows, n_rows))
    return connected_components(graph, directed=False)[1]


@pytest.mark.parametrize("seed", range(12))
def test_component_labels_match_scipys_components(seed):
    """The federations' union-find (``sim.kernels.federations``) puts two rows of ``rows`` in one group exactly
    where SciPy's components do, on random neighbour tables (not always symmetric, -1 padded), each group
    labelled by its smallest row."""
    rng = np.random.default_rng(seed)
    n_rows, width = int(rng.integers(2, 400)), int(rng.integers(1, 7))
    row_neighbours = np.where(rng.random((n_rows, width)) < 0.3, -1, rng.integers(0, n_rows, (n_rows, width)))
    row_neighbours = row_neighbours.astype([np.int64, np.int32][seed % 2])
    rows = np.flatnonzero(rng.random(n_rows) < rng.uniform(0.1, 0.9))
    got = federations.component_labels(rows, row_neighbours, n_rows)
    want = component_labels_reference(rows, row_neighbours, n_rows)
    same_got = got[rows][:, None] == got[rows][None, :]
    same_want = want[rows][:, None] == want[rows][None, :]
    assert (same_got == same_want).all()
    for label in np.unique(got[rows]):
        assert label == rows[got[rows] == label].min()

