"""The Results page's map of a national run, in a real browser: what it shows by region, by deprivation decile
and by authority is what the run's report and tables say (ODD §9, D-NAT6)."""

from __future__ import annotations

import pandas as pd
import pytest
from playwright.sync_api import expect

from sim.national import run_national

# Four regions, every tier: two districts of Cambridgeshire, a unitary, a metropolitan district, the City of London.
COUNTRY = ["E06000001", "E07000008", "E07000009", "E08000025", "E09000001"]


@pytest.fixture(scope="module")
def small_country(tmp_path_factory):
    """A small national run written as ``mutual-state national`` writes one."""
    out = tmp_path_factory.mktemp("national") / "england"
    run_national(out, scale=1000, months=13, seed=3, authorities=COUNTRY)
    return out


def report_table(report: str, heading: str) -> list[list[str]]:
    """The rows of cells (head first) of the report's pipe table under ``## heading``."""
    section = report.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row] for row in rows if not set("".join(row)) <= set("-")]


def shown_table(page) -> list[list[str]]:
    """The rows of cells (head first) of the map's table as the page shows them."""
    table = page.locator(".ms-national-table")
    head = [t.replace(" ", "_") for t in table.locator("thead th").all_inner_texts()]
    return [head] + [row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all()]


def test_the_map_shows_the_reports_numbers_by_region_decile_and_authority(watched, small_country):
    report = (small_country / "report.md").read_text()
    page = watched.open(f"results?folder={small_country}", ready=".ms-nav-results")
    card = page.locator(".ms-national")
    expect(card).to_contain_text("5 local authorities", timeout=60_000)
    expect(page.locator(".ms-national-table[data-by='region']")).to_be_visible()
    assert shown_table(page) == report_table(report, "By region")
    assert shown_table(page)[-1][0] == "England" and len(shown_table(page)) == 1 + 4 + 1
    first_figure = page.locator(".ms-national-figure img, img.ms-national-figure").first.get_attribute("src")
    watched.screenshot("national_map_region")

    page.locator(".ms-national-view").get_by_text("by deprivation decile").click()
    expect(page.locator(".ms-national-table[data-by='deprivation_decile']")).to_be_visible()
    assert shown_table(page) == report_table(report, "By deprivation decile of authorities (1 = most deprived tenth)")
    expect(page.locator(".ms-national-figure img, img.ms-national-figure").first).not_to_have_attribute(
        "src", first_figure)  # the figure's rows are now deciles
    watched.screenshot("national_map_decile")

    page.locator(".ms-national-view").get_by_text("by authority").click()
    expect(page.locator(".ms-national-table[data-by='authority']")).to_be_visible()
    shown = shown_table(page)
    authorities = pd.read_parquet(small_country / "authorities.parquet").set_index("authority")
    assert [row[0] for row in shown[1:]] == COUNTRY
    for row in shown[1:]:
        values = dict(zip(shown[0], row, strict=True))
        written = authorities.loc[row[0]]
        assert values["name"] == written["name"] and int(values["adults"].replace(",", "")) == written["adults"]
        for metric in ("participation_rate", "satisfaction", "responsiveness"):
            assert values[metric] == f"{written[metric]:.4f}", (row[0], metric)
    watched.screenshot("national_map_authority")
    watched.assert_clean()
