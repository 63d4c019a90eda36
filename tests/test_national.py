"""England as one run (``sim.national``, ODD §9 D-NAT1-D-NAT6): on a small synthetic country, one process and
authority partitions on a local Dask cluster give identical tables; an authority's stream does not depend on
which authorities share its run; the couplings act only where a tier groups authorities; an interrupted run
resumes to the same numbers."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from sim.national import authority_seed, plan_country, run_national
from sim.national.files import read_monthly

# Two districts of Cambridgeshire (a county: care shared), a unitary, the Isles of Scilly, a metropolitan
# district and the City of London: every tier, three regions.
COUNTRY = ["E06000001", "E06000053", "E07000008", "E07000009", "E08000025", "E09000001"]
SMALL = {"scale": 400, "months": 26, "seed": 7, "authorities": COUNTRY}
TABLES = ("authorities", "regions", "deciles")


def tables(out) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(out / f"{name}.parquet") for name in TABLES} | {"monthly": read_monthly(out)}


def test_one_process_and_dask_partitions_give_identical_tables(tmp_path):
    run_national(tmp_path / "one", **SMALL)
    run_national(tmp_path / "dask", dask_workers=2, **SMALL)
    one, dask = tables(tmp_path / "one"), tables(tmp_path / "dask")
    for name in one:
        assert_frame_equal(one[name], dask[name], check_exact=True)
    assert len(one["authorities"]) == len(COUNTRY) and len(one["monthly"]) == len(COUNTRY) * 26
    assert (tmp_path / "one" / "report.md").exists() and (tmp_path / "one" / "national.png").exists()


def test_streams_are_keyed_by_seed_and_authority():
    assert authority_seed(1, "E06000001") == authority_seed(1, "E06000001")
    assert len({authority_seed(1, c) for c in COUNTRY} | {authority_seed(2, c) for c in COUNTRY}) == 12


def test_couplings_act_only_through_shared_tiers(tmp_path):
    """A district service (leisure) runs alone as in a run with others; a national one (schools) shares its
    budget and design, so the same authority's numbers change when other authorities join (the ablation)."""
    alone = dict(SMALL, authorities=["E06000001"])
    for sectors, same in ((("leisure",), True), (("primary_education",), False)):
        run_national(tmp_path / f"alone_{sectors[0]}", sectors=sectors, **alone)
        run_national(tmp_path / f"all_{sectors[0]}", sectors=sectors, **SMALL)
        solo = read_monthly(tmp_path / f"alone_{sectors[0]}")
        joint = read_monthly(tmp_path / f"all_{sectors[0]}")
        joint = joint[joint["authority"] == "E06000001"].reset_index(drop=True)
        first_year = slice(0, 12)  # the couplings start after the first fiscal year
        assert_frame_equal(solo.iloc[first_year], joint.iloc[first_year], check_exact=True)
        assert solo.equals(joint) is same


def test_an_interrupted_run_resumes_to_the_same_numbers(tmp_path):
    run_national(tmp_path / "whole", **SMALL)

    class Stop(Exception):
        pass

    def stop_after_first_year(text: str) -> None:
        if text.startswith("year 1/"):
            raise Stop

    with pytest.raises(Stop):
        run_national(tmp_path / "cut", progress=stop_after_first_year, **SMALL)
    assert (tmp_path / "cut" / "checkpoint.pkl").exists() and not (tmp_path / "cut" / "authorities.parquet").exists()
    run_national(tmp_path / "cut", **SMALL)
    whole, cut = tables(tmp_path / "whole"), tables(tmp_path / "cut")
    for name in whole:
        assert_frame_equal(whole[name], cut[name], check_exact=True)


def test_each_authority_has_its_own_deprivation_mix_and_size():
    plan = plan_country(100)
    assert len(plan) == 317 and plan["deprivation_decile"].between(1, 10).all()
    assert abs(plan["n_units"].sum() * 500 - plan["adults"].sum() / 100) / (plan["adults"].sum() / 100) < 0.05
    assert plan.loc["E06000002", "q4"] > 0.4 > plan.loc["E07000089", "q4"]  # Middlesbrough vs Hart
    with pytest.raises(Exception, match="authorities"):
        plan_country(100, ["W06000001"])


def test_the_national_command_runs_resumes_and_refuses_bad_input(tmp_path, capsys):
    from sim.cli import main

    args = ["national", "--out", str(tmp_path / "e"), "--scale", "1000", "--months", "13", "--quiet",
            "--authorities", "E07000008,E07000009", "--sectors", "elderly_care,leisure"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "England: 2 authorities" in out and "report.md" in out
    regions = pd.read_parquet(tmp_path / "e" / "regions.parquet")
    assert list(regions["region"]) == ["East of England", "England"]
    assert main(args) == 0  # a finished run is read, not run again
    # The dashboard's Results page shows a national folder read-only: its report, tables and figure.
    from sim.dashboard.results_view import open_report, results_folders

    view = open_report(tmp_path / "e")
    assert view.title == "England as one run" and view.figures == 1 and "By region" in view.sections
    assert tmp_path / "e" in results_folders(tmp_path)
    for bad, message in ((["--sectors", "cake"], "cake not allowed"), (["--scale", "0"], "0 is not allowed"),
                         (["--authorities", "W06000001"], "W06000001"), (["--dask", "2", "--scheduler", "x:1"],
                                                                        "not allowed with argument")):
        try:
            code = main(["national", "--out", str(tmp_path / "bad"), *bad])
        except SystemExit as exit_:
            code = exit_.code
        assert code == 2 and message in capsys.readouterr().err
    assert main([*args[:2], str(tmp_path / "e"), "--scale", "999", *args[5:]]) == 2  # other settings, same folder
    assert "other settings" in capsys.readouterr().err
