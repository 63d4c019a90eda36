"""The served dashboard in a real browser (headless Chromium): offline, clean, and doing what the pages say.

Few and small on purpose (the whole CI must stay under 20 minutes on 2 cores): a 4-unit district over 2 years.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

import sim
from sim.dashboard import readout, runs
from sim.estimation.draws import shipped_posterior_fields

SMALL_QUERY = "n_units=4&unit_size=100-150&years=2&replicates=3&seed=7"


def api_differences(**params):
    """The API's comparison at the page's settings: replicate k at the shipped posterior's draw k, as every
    comparison the dashboard runs."""
    scenario = sim.scenario_from_dict({
        "name": "api", "steps": 24, "replicates": 3, "seed": 7, "params": {"n_units": 4, "unit_size": [100, 150],
                                                                            **params},
        "design": {"kind": "factorial", "factors": {"regime": ["state", "privatised", "mutual"]}},
        **shipped_posterior_fields(params, 3)})
    return sim.run_batch(scenario, save=False, progress=False).compare("regime", baseline="state",
                                                                       metrics=list(sim.HEADLINE_METRICS))


def run_and_wait(page) -> str:
    """Run, wait for a new comparison (a new number), and return its readout."""
    count = page.locator(".ms-run-count")
    before = count.inner_text() if count.count() else ""
    page.locator(".ms-run").click()
    expect(count).to_contain_text("Comparison no.", timeout=120_000)
    expect(count).not_to_have_text(before, timeout=120_000)
    return page.locator(".ms-readout").inner_text()


def pounds(text: str) -> float:
    return float(text.strip().replace("−", "-").replace("£", "").replace(",", ""))


def cost_table(page) -> dict[str, list[float]]:
    """The cost card's table: regime -> [component values..., total]."""
    table = page.locator("#ms-cost")
    regimes = table.locator("thead th").all_inner_texts()[1:]
    rows = [row.locator("td").all_inner_texts()[1:] for row in table.locator("tbody tr").all()]
    return {r: [pounds(row[i]) for row in rows] for i, r in enumerate(regimes)}


def test_compare_runs_matches_the_api_and_a_lever_changes_the_answer(watched):
    """What a policymaker reads is the API's numbers, and pulling a lever changes them as the API says."""
    page = watched.open("?" + SMALL_QUERY, ready=".ms-run")
    first = run_and_wait(page)
    for r in api_differences().itertuples():  # the page's numbers are the API's for the same settings and seeds
        assert readout.value_text(r.metric, r.mean_diff, signed=True) in first
    chart = page.locator("img").nth(0).get_attribute("src")
    assert page.locator("#ms-outcomes").is_visible()
    # the public cost by component: a chart and its table, the components summing to the total (to the penny
    # each is rounded to), which is the outcome table's cost per adult
    expect(page.get_by_text("Public cost per adult a month, by component")).to_be_visible()
    assert page.locator("img[src^='blob:']").count() >= 5  # series, three unit maps, cost bars
    costs = cost_table(page)
    assert list(costs) == ["state departments", "private contractors", "mutuals"]
    assert all(len(v) == len(runs.component_metrics()) + 1 for v in costs.values())
    outcomes = page.locator("#ms-outcomes tr[data-metric='cost_per_capita'] td").all_inner_texts()
    for i, (regime, values) in enumerate(costs.items()):
        *parts, total = values
        assert abs(sum(parts) - total) <= 0.005 * len(parts) + 1e-9, (regime, parts, total)
        assert pounds(outcomes[i + 1].split("\n")[0]) == total
    assert "−£0.00" not in page.locator("body").inner_text()
    watched.screenshot("compare")

    page.get_by_text("channel user panels", exact=True).click()  # a Vuetify checkbox is clicked on its label
    expect(page).to_have_url(re.compile("channel_user_panels=true"))
    second = run_and_wait(page)
    assert second != first
    assert page.locator("img").nth(0).get_attribute("src") != chart
    for r in api_differences(channel_user_panels=True).itertuples():
        assert readout.value_text(r.metric, r.mean_diff, signed=True) in second
    watched.assert_clean()


def test_cancel_stops_a_run_and_the_page_answers_meanwhile(watched):
    """A long comparison must neither freeze the page nor be impossible to stop."""
    page = watched.open("?years=30&replicates=20", ready=".ms-run")
    page.locator(".ms-run").click()
    expect(page.locator(".ms-progress")).to_be_visible()
    page.get_by_text("2. Decentralisation").click()  # the page answers while the run goes on
    expect(page.get_by_text("local autonomy: 0.5")).to_be_visible(timeout=5_000)
    page.locator(".ms-cancel").click()
    expect(page.get_by_text("Cancelled")).to_be_visible(timeout=30_000)
    expect(page.locator(".ms-run")).to_be_enabled()
    assert not page.get_by_text("What it means").is_visible()
    watched.assert_clean()


def test_bad_text_input_shows_the_registry_message(watched):
    """A bad entry is explained where it was typed, and a good one goes into the link."""
    page = watched.open(ready=".ms-run")
    page.get_by_text("2. Decentralisation").click()
    field = page.get_by_label("unit size")
    field.fill("abc")
    field.press("Enter")
    expect(page.get_by_text("unit_size: 'abc' is not a number")).to_be_visible()
    field.fill("50-5000")
    field.press("Enter")
    expect(page.get_by_text("unit_size: 'abc' is not a number")).to_be_hidden()
    expect(page).to_have_url(re.compile("unit_size=50-5000"))
    watched.assert_clean()


def test_explore_steps_plays_and_follows_a_citizen(watched):
    """Every button of the Explore page does what it says, and a bad index is refused in words."""
    page = watched.open("explore?n_units=4&unit_size=100-150", ready=".ms-month")
    page.wait_for_timeout(1500)
    month = page.locator(".ms-month")
    expect(month).to_have_text("month 0")
    page.get_by_role("button", name="Step").click()
    expect(month).to_have_text("month 1")
    page.get_by_role("button", name="Play").click()
    expect(month).to_have_text(re.compile(r"month ([3-9]|\d\d+)"), timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_enabled()
    citizen = page.get_by_label("citizen")
    citizen.fill("abc")
    citizen.press("Enter")
    expect(page.get_by_text("citizen: 'abc' is not a whole number")).to_be_visible()
    citizen.fill("12")
    citizen.press("Enter")
    expect(page.get_by_text("citizen: 'abc' is not a whole number")).to_be_hidden()
    expect(page.locator("#ms-citizen")).to_contain_text("deprivation quintile")
    expect(page.locator("#ms-unit")).to_contain_text("primary_education")
    watched.screenshot("explore")
    page.get_by_role("button", name="Reset").click()
    expect(month).to_have_text("month 0")
    watched.assert_clean()


def test_results_page_opens_a_batch_and_says_what_is_wrong_with_a_bad_folder(watched, small_batch):
    """A batch's report opens from its folder (small_batch, in tests/conftest.py); a wrong folder says why."""
    page = watched.open("results", ready=".ms-nav-results")
    folder = page.get_by_label("or type a folder")
    folder.fill(str(small_batch.parent / "nowhere"))
    folder.press("Enter")
    expect(page.locator(".ms-results-error")).to_contain_text("no such folder")
    folder.fill(str(small_batch))
    folder.press("Enter")
    expect(page.locator(".ms-report").first).to_contain_text("Outcomes")
    expect(page.locator(".ms-report table").first).to_be_visible()
    assert page.locator(".ms-report img").count() >= 1
    watched.screenshot("results")
    watched.assert_clean()


def choose(page, select_class: str, option: str) -> None:
    """Pick an option of a Vuetify select: open its menu, click the option's text."""
    page.locator(f".{select_class}").click()
    page.locator(".v-menu__content:visible").get_by_text(option, exact=True).click()


def test_the_headline_first_then_today_against_the_proposal(watched, four_units):
    """A policymaker reads three sentences first, then asks what the proposal would change against today."""
    from sim.dashboard import controls, headline
    from sim.proposal import THE_PROPOSAL

    page = watched.open("?" + SMALL_QUERY, ready=".ms-run")
    run_and_wait(page)
    answers = page.locator(".ms-answer").all_inner_texts()
    assert [a.split("?")[0] + "?" for a in answers] == ["More participatory?", "Cheaper?", "More responsive?"]
    assert all(" with mutuals against " in a and "95% CI" in a and "Why: " in a for a in answers)

    choose(page, "ms-mode", "today's services against a package")
    page.locator(".ms-control-preset, .v-select").filter(has_text="preset").first.click()
    page.locator(".v-menu__content:visible").get_by_text("the proposal", exact=True).click()
    expect(page).to_have_url(re.compile("against_today=true"))
    expect(page.locator(".ms-run").locator("xpath=..")).to_contain_text("today against the package (mutuals)")
    run_and_wait(page)
    answers = page.locator(".ms-answer").all_inner_texts()
    assert all("with the package (mutuals) against" in a and "today's services (state departments)" in a
               for a in answers)
    expected = runs.run_comparison({"n_units": 4, "unit_size": (100, 150), **THE_PROPOSAL},
                                   controls.RunSettings(years=2, replicates=3, seed=7, regimes=("state", "mutual"),
                                                        against_today=True), executor=None, preset="the proposal")
    for page_sentence, answer in zip(answers, headline.headline(expected), strict=True):
        assert page_sentence.split(" Why: ")[0] == answer.sentence.split(" Why: ")[0]
    watched.screenshot("against_today")
    watched.assert_clean()


def test_explores_run_and_the_results_folder_are_in_the_link(watched, small_batch):
    """A link to Explore opens the same run (regime and seed); a link to Results opens the same report."""
    page = watched.open("explore?n_units=4&unit_size=100-150&explore_regime=state&explore_seed=5", ready=".ms-month")
    page.wait_for_timeout(1500)
    expect(page).to_have_url(re.compile("explore_regime=state&explore_seed=5"))  # not the defaults written back
    expect(page.locator(".v-select__selection").first).to_have_text("state")
    page.goto(watched.base + f"results?folder={small_batch}")
    expect(page.locator(".ms-report").first).to_contain_text("Outcomes", timeout=60_000)
    expect(page).to_have_url(re.compile("folder="))
    watched.assert_clean()


def seconds_of(page) -> float:
    """The time the page says the last comparison took ("Comparison no. 3; ran in 4.2 s.")."""
    return float(re.search(r"ran in ([0-9.]+) s", page.locator(".ms-run-count").inner_text()).group(1))


def test_a_short_comparison_beside_a_long_one_is_not_queued_behind_it(browser, served):
    """Two browser sessions: one runs a long comparison (20 paired runs, 63 runs in all), the other a short one (3
    paired runs of the same length) beside it; the short one ends while the long one has done fewer than half of
    its runs (the workers are shared by least attained service: first come, first served would finish all 63
    first; ``tests/test_dashboard.py`` has the ablation on the pool itself). Read from the pages' progress, not a
    clock: the short one takes about a second alone, so a bound on its time beside the long one measured the
    machine's load more than the scheduling. The page says what each comparison asks before it runs."""
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1200}) for _ in range(2)]
    short, long_ = (context.new_page() for context in contexts)
    try:
        for page in (short, long_):
            page.set_default_timeout(180_000)
        short.goto(served + "?n_units=4&unit_size=100-150&years=10&replicates=3&seed=7")
        short.locator(".ms-run").wait_for()
        expect(short.locator(".ms-estimate")).to_contain_text("run-years")
        run_and_wait(short)  # the first comparison pays one-off costs
        run_and_wait(short)
        alone = seconds_of(short)
        long_.goto(served + "?n_units=4&unit_size=100-150&years=10&replicates=20&seed=3")
        long_.locator(".ms-run").wait_for()
        expect(long_.locator(".ms-estimate")).to_contain_text("63 runs of 10 years")
        long_.locator(".ms-run").click()
        expect(long_.locator(".ms-progress")).to_contain_text("runs", timeout=60_000)
        short.wait_for_timeout(1000)
        run_and_wait(short)
        beside = seconds_of(short)
        assert long_.locator(".ms-progress").count() == 1, "the long comparison was still running"
        progress = long_.locator(".ms-progress").inner_text()
        done = re.search(r"(\d+) of 63 runs", progress)
        done = int(done.group(1)) if done else 0  # "running 63 runs": none done yet
        assert done < 63 // 2, f"the long one had done {progress!r} (short: {alone:.1f} s alone, {beside:.1f} beside)"
        long_.locator(".ms-cancel").click()
    finally:
        for context in contexts:
            context.close()


def test_a_shared_link_reproduces_the_result_as_it_opens(watched):
    """The Share card's link carries run=1: opening it runs the comparison with no click, and gives the numbers
    the first page showed (same settings, same seed)."""
    page = watched.open("?" + SMALL_QUERY, ready=".ms-run")
    first = run_and_wait(page)
    link = page.locator(".ms-share-link").get_attribute("href")
    assert link.endswith("run=1") and "n_units=4" in link
    page.goto(watched.base + link)
    expect(page.locator(".ms-run-count")).to_contain_text("Comparison no.", timeout=180_000)
    assert page.locator(".ms-readout").inner_text().split("Comparison no.")[0] == first.split("Comparison no.")[0]
    watched.assert_clean()
