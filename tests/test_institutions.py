"""Forms of participation are institutions, not kinds (ODD §7.3): the table, who runs what, and the channels that
create their institution."""

import numpy as np
import pytest

import sim
from sim.population import GOVERNOR, PANEL, PUPIL
from sim.providers import KIND_NAMES
from sim.providers.institutions import INSTITUTIONS, institution_frame, load_institutions, present

SECTORS = ["primary_education", "elderly_care", "leisure"]


def rows_with(model, name):
    """Sector names of the rows that run institution ``name``."""
    has = present(model.params, model.sector_names, model.providers, name)
    return sorted({model.sector_names[s] for s in model.providers.sector[has]})


def test_every_entry_has_a_basis_and_a_source_and_the_frame_shows_each_kind():
    for institution in INSTITUTIONS.values():
        assert institution.basis in ("sourced", "neutral") and len(institution.source) > 20
    frame = institution_frame(tuple(SECTORS))
    assert set(KIND_NAMES) <= set(frame.columns)
    schools = frame[(frame["sector"] == "primary_education") & (frame["institution"] == "user_governors")]
    assert schools[list(KIND_NAMES)].all(axis=None)


def test_every_kind_runs_the_institutions_the_table_gives_it():
    """Consultations everywhere, parent governors in every kind's schools, user panels in every kind's care, a
    member board for mutuals only; with kind_governance off every kind runs a department's institutions."""
    for regime in ("state", "privatised", "mutual"):
        model = sim.MutualStateModel(regime=regime, rng=1, n_units=4, sectors=SECTORS)
        assert rows_with(model, "consultation") == sorted(SECTORS)
        assert rows_with(model, "user_governors") == ["primary_education"]
        assert rows_with(model, "user_panel") == ["elderly_care"]
        assert rows_with(model, "member_board") == (sorted(SECTORS) if regime == "mutual" else [])
    neutral = sim.MutualStateModel(regime="mutual", rng=1, n_units=4, sectors=SECTORS, kind_governance=False)
    assert rows_with(neutral, "member_board") == []


def test_a_state_school_elects_parent_governors_and_a_care_home_fills_its_panel():
    model = sim.MutualStateModel(regime="state", rng=1, n_units=6, sectors=SECTORS)
    model.run(12)
    seats = {name: int(((users.civic & (GOVERNOR | PANEL)) != 0).sum())
             for name, users in zip(model.sector_names, model.users, strict=True)}
    assert seats["primary_education"] > 0 and seats["elderly_care"] > 0 and seats["leisure"] == 0
    assert model.current_metrics["active_share"] > 0 and model.current_metrics["governor_election_turnout"] > 0


def test_the_elections_channel_creates_elected_seats_with_turnout_where_there_were_none():
    """The proposal's 'elections to hospital trusts' create elections of user governors at every provider: in
    a leisure-only district under state departments, voters and seats appear. Ablation twin: without the
    channel there is no election to vote in."""
    def late(**params):
        return sim.MutualStateModel(regime="state", rng=2, n_units=6, sectors=["leisure"], **params).run(36).iloc[-12:]
    without, with_elections = late(), late(channel_elections=True)
    assert without["voted_share"].max() == 0 and without["governor_election_turnout"].max() == 0
    assert with_elections["voted_share"].mean() > 0.01 and with_elections["active_share"].mean() > 0
    assert 0 < with_elections["governor_election_turnout"].mean() < 1


def test_the_childrens_channel_creates_pupil_seats_in_schools_only():
    model = sim.MutualStateModel(regime="state", rng=1, n_units=6, sectors=SECTORS, channel_children=True)
    model.run(12)
    pupils = {name: int(((users.civic & PUPIL) != 0).sum())
              for name, users in zip(model.sector_names, model.users, strict=True)}
    assert pupils["primary_education"] > 0 and pupils["elderly_care"] == pupils["leisure"] == 0


def test_named_contacts_lower_the_cost_of_voicing_a_view_and_the_twin_is_identical():
    """A named contact costs less to reach than a consultation to answer, so more voice their view. Ablation
    twin: a contact that costs what a consultation does changes nothing, bit for bit (the channel's recruitment,
    being asked to co-produce, is held off in all three runs)."""
    def consulted(**params):
        return sim.MutualStateModel(regime="state", rng=3, n_units=6, channel_recruitment=0.0,
                                    **params).run(36)["consultation_share"]
    base = consulted()
    contacts = consulted(channel_named_contacts=True)
    assert contacts.iloc[-12:].mean() > base.iloc[-12:].mean() + 0.01
    same_cost = consulted(channel_named_contacts=True,
                          contact_cost=sim.parameters.REGISTRY["consultation_cost"].default)
    assert np.array_equal(same_cost.to_numpy(), base.to_numpy())


def test_a_bad_table_entry_names_its_field(tmp_path):
    bad = tmp_path / "institutions.toml"
    bad.write_text('[[institution]]\nname = "x"\ndescription = "d"\nsectors = ["nowhere"]\nkinds = "all"\n'
                   'basis = "neutral"\nsource = "s"\n')
    with pytest.raises(ValueError, match="institution 'x': sectors"):
        load_institutions(bad)
    bad.write_text('[[institution]]\nname = "x"\ndescription = "d"\nsectors = "all"\nkinds = "all"\n'
                   'basis = "guess"\nsource = "s"\n')
    with pytest.raises(ValueError, match="basis 'guess'"):
        load_institutions(bad)


def test_the_kept_answer_follows_the_rows_kinds_and_the_parameters():
    """``present`` gives its kept answer again only while the rows' kinds and the parameters it reads are those it
    was derived from (ODD §9 D-F296): after an operator changes, kind governance is switched off or a channel
    opens, it answers as a fresh table would."""
    from sim.providers.institutions import PRESENT

    model = sim.MutualStateModel(regime="mutual", rng=1, n_units=4, sectors=SECTORS)
    table, params, names = model.providers, model.params, model.sector_names

    def fresh(name):
        PRESENT.pop(table, None)
        answer = present(params, names, table, name).copy()
        PRESENT.pop(table, None)
        return answer

    first = present(params, names, table, "member_board")
    assert present(params, names, table, "member_board") is first and first.all()
    table.kind[0] = KIND_NAMES.index("state")
    assert np.array_equal(present(params, names, table, "member_board"), fresh("member_board"))
    assert not present(params, names, table, "member_board")[0]
    params["kind_governance"] = False
    assert not present(params, names, table, "member_board").any()
    params["kind_governance"] = True
    before = present(params, names, table, "user_panel").copy()
    params["channel_user_panels"] = True
    assert np.array_equal(present(params, names, table, "user_panel"), fresh("user_panel"))
    assert present(params, names, table, "user_panel").sum() >= before.sum()
