"""England as one run (``sim.national``, ODD §9 D-NAT1-D-NAT6): on a small synthetic country, one process,
authority partitions on a new local Dask cluster and on an existing scheduler give identical tables; an
authority's stream does not depend on which authorities share its run; the couplings act only where a tier
groups authorities; an interrupted run resumes to the same numbers."""

from __future__ import annotations

import json
from pathlib import Path

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


class Stop(Exception):
    """Raised to cut a national run short."""


def run_cut_after_first_year(out) -> Path:
    """A two-thread run of ``SMALL`` that saves every year, stopped once its first year is reported; its checkpoint."""

    def stop_after_first_year(text: str) -> None:
        if text.startswith("year 1/"):
            raise Stop

    with pytest.raises(Stop):
        run_national(out, progress=stop_after_first_year, threads=2, checkpoint_minutes=0, **SMALL)
    return out / "checkpoint.pkl"


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    """The small country run once in this process, one authority after another: what every other way of
    running it must reproduce."""
    out = tmp_path_factory.mktemp("national") / "one"
    run_national(out, threads=1, **SMALL)
    return out


def test_partitions_on_threads_in_one_process_give_identical_tables(one_process, tmp_path):
    """ODD D-NAT12: three partitions advanced side by side on threads of this process (the default uses one per
    core) give the tables of one partition advanced alone, to the last bit."""
    manifest = run_national(tmp_path / "threads", threads=3, **SMALL)
    assert manifest["where"] == "this process, 3 threads"
    one, threaded = tables(one_process), tables(tmp_path / "threads")
    for name in one:
        assert_frame_equal(one[name], threaded[name], check_exact=True)


def test_one_process_and_dask_partitions_give_identical_tables(one_process, tmp_path):
    run_national(tmp_path / "dask", dask_workers=2, **SMALL)
    one, dask = tables(one_process), tables(tmp_path / "dask")
    for name in one:
        assert_frame_equal(one[name], dask[name], check_exact=True)
    assert len(one["authorities"]) == len(COUNTRY) and len(one["monthly"]) == len(COUNTRY) * 26
    assert (one_process / "report.md").exists() and (one_process / "national.png").exists()


def test_the_command_on_an_existing_scheduler_gives_the_one_process_tables(one_process, tmp_path, capsys):
    """``mutual-state national --scheduler ADDRESS``: a cluster started elsewhere (here a LocalCluster of two
    worker processes, as a user starts one with ``dask scheduler`` and ``dask worker``) runs the partitions."""
    import dask
    from dask.distributed import LocalCluster

    from sim.cli import main

    dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None})
    args = ["national", "--out", str(tmp_path / "on_scheduler"), "--quiet", "--scale", str(SMALL["scale"]),
            "--months", str(SMALL["months"]), "--seed", str(SMALL["seed"]), "--authorities", ",".join(COUNTRY)]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert main([*args, "--scheduler", address]) == 0
    assert f"England: {len(COUNTRY)} authorities" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "on_scheduler" / "manifest.json").read_text())
    assert manifest["where"] == address and manifest["status"] == "complete"
    one, on_scheduler = tables(one_process), tables(tmp_path / "on_scheduler")
    for name in one:
        assert_frame_equal(one[name], on_scheduler[name], check_exact=True)


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


@pytest.mark.parametrize("where", [{}, {"dask_workers": 2}], ids=["one_process", "on_dask"])
def test_an_interrupted_run_resumes_to_the_same_numbers(one_process, tmp_path, where):
    """Cut after the first year of a one-process run; started again (in one process, or on Dask from the same
    checkpoint, written as a stream: D-NAT11), it ends with the one-process run's tables."""
    class Stop(Exception):
        pass

    def stop_after_first_year(text: str) -> None:
        if text.startswith("year 1/"):
            raise Stop

    if not where:  # saved only once checkpoint_minutes have passed (D-NAT14): not after a quick first year
        with pytest.raises(Stop):
            run_national(tmp_path / "unsaved", progress=stop_after_first_year, checkpoint_minutes=60, **SMALL)
        assert not (tmp_path / "unsaved" / "checkpoint.pkl").exists()
    with pytest.raises(Stop):
        run_national(tmp_path / "cut", progress=stop_after_first_year, threads=2, checkpoint_minutes=0, **SMALL)
    assert (tmp_path / "cut" / "checkpoint.pkl").exists() and not (tmp_path / "cut" / "authorities.parquet").exists()
    run_national(tmp_path / "cut", **where, **SMALL)
    whole, cut = tables(one_process), tables(tmp_path / "cut")
    for name in whole:
        assert_frame_equal(whole[name], cut[name], check_exact=True)
    assert not (tmp_path / "cut" / "checkpoint.pkl").exists()


def test_a_checkpoint_saved_by_partitions_resumes_on_the_authorities_queue(one_process, tmp_path):
    """ODD §9 D-NAT16: a checkpoint written before the authorities were dealt one at a time (the header, then
    one state per partition of several authorities) still resumes, to the one-process run's tables."""
    from sim.national.files import read_checkpoint, write_checkpoint

    checkpoint = run_cut_after_first_year(tmp_path / "cut")
    saved = read_checkpoint(checkpoint)
    assert len(saved["partitions"]) == len(COUNTRY)  # one authority a state
    models = {code: m for state in saved["partitions"] for code, m in state["models"].items()}
    scale = {code: s for state in saved["partitions"] for code, s in state["scale"].items()}
    old = [{"models": {c: models[c] for c in codes}, "scale": {c: scale[c] for c in codes}}
           for codes in (COUNTRY[0::2], COUNTRY[1::2])]  # as two partitions' __dict__ were saved (D-NAT11)
    write_checkpoint(checkpoint, {"year": saved["year"], "couplings": saved["couplings"]}, old)
    run_national(tmp_path / "cut", threads=2, **SMALL)
    whole, cut = tables(one_process), tables(tmp_path / "cut")
    for name in whole:
        assert_frame_equal(whole[name], cut[name], check_exact=True)


def test_a_year_cut_while_its_checkpoint_is_written_leaves_the_last_one(one_process, tmp_path, monkeypatch):
    """ODD §9 D-NAT17: the threads write each authority's state as its year ends; a year that fails part way
    leaves the last checkpoint as it was (no temporary file), and the run resumes from it to the same tables."""
    from sim.national.files import read_checkpoint
    from sim.national.partition import Partition

    checkpoint = run_cut_after_first_year(tmp_path / "cut")
    kept = checkpoint.read_bytes()
    summary = Partition.summary

    def fail_in_year_two(self, code):
        if self.models[code].month == 24 and code == COUNTRY[2]:
            raise Stop
        return summary(self, code)

    monkeypatch.setattr(Partition, "summary", fail_in_year_two)
    with pytest.raises(Stop):
        run_national(tmp_path / "cut", threads=2, checkpoint_minutes=0, **SMALL)
    assert checkpoint.read_bytes() == kept and read_checkpoint(checkpoint)["year"] == 1
    assert not list((tmp_path / "cut").glob("*.tmp"))
    monkeypatch.setattr(Partition, "summary", summary)
    run_national(tmp_path / "cut", threads=2, **SMALL)
    whole, cut = tables(one_process), tables(tmp_path / "cut")
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
                                                                        "not allowed with argument"),
                         (["--threads", "0"], "0 is not allowed"),
                         (["--checkpoint-minutes", "-1"], "expected a number of minutes from 0")):
        try:
            code = main(["national", "--out", str(tmp_path / "bad"), *bad])
        except SystemExit as exit_:
            code = exit_.code
        assert code == 2 and message in capsys.readouterr().err
    assert main([*args[:2], str(tmp_path / "e"), "--scale", "999", *args[5:]]) == 2  # other settings, same folder
    assert "other settings" in capsys.readouterr().err


def test_the_public_api_reads_the_reports_tables_cells_and_figure(one_process, tmp_path):
    """``sim.load_national_results`` (what the dashboard's map reads) gives the report's tables cell for cell,
    and the report's figure by region or by decile; a folder that is not a finished national run is refused."""
    import sim

    results = sim.load_national_results(one_process)
    report = (one_process / "report.md").read_text()
    for by in ("region", "deprivation_decile"):
        header, rows = results.cells(by)
        for cells in [header, *rows]:
            assert "| " + " | ".join(cells) + " |" in report, (by, cells)
        assert rows[-1][0] == "England"
    header, rows = results.cells("authority")
    assert [row[0] for row in rows] == COUNTRY and header[:2] == ["authority", "name"]
    by_decile = results.figure("satisfaction", rows="deprivation_decile")
    labels = [t.get_text() for t in by_decile.axes[0].get_yticklabels()]
    assert len(labels) == results.deciles["deprivation_decile"].nunique() - 1  # England's row is not a decile
    assert [t.get_text() for t in results.figure().axes[0].get_yticklabels()][0] in set(results.regions["region"])
    with pytest.raises(ValueError, match="metric: 'cake' is not allowed"):
        results.figure("cake")
    assert not sim.is_national_folder(tmp_path)
    with pytest.raises(sim.NationalResultsError, match="not a national run's folder"):
        sim.load_national_results(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"config": {"authorities": COUNTRY, "scale": 400},
                                                        "status": "running"}))
    with pytest.raises(sim.NationalResultsError, match="not finished"):
        sim.load_national_results(tmp_path)


@pytest.mark.parametrize("params", [{"sectors": ("health", "primary_education", "elderly_care")},
                                    {"sectors": ("health", "primary_education", "elderly_care"), "user_choice": "on",
                                     "budget_basis": "formula"}])
def test_the_yearly_summary_reuses_the_months_formula(params):
    """ODD §9 D-F142: a partition's summary after a fiscal year reads the unpriced formula from the month's tallies'
    sums (``Guarantor.month_formula``) instead of a pass of its own: the standard cost is the pass's, to the bit."""
    import numpy as np

    from sim.national.partition import Partition

    part = Partition(plan_country(2000, ["E06000001", "E09000033"]), 1, params)
    part.advance(12, {})
    for code, model in part.models.items():
        kept = part.summary(code)["standard_cost"]
        assert model.guarantor.month_formula[0] == model.month == 12
        model.guarantor.month_formula = None  # the formula's own pass
        assert part.summary(code)["standard_cost"].tobytes() == kept.tobytes()
        assert np.isfinite(kept).all()
