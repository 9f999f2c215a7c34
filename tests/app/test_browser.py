"""What only a real browser shows: the app served by streamlit, driven by Debian's chromium through playwright.

AppTest sees the server's state; these tests read what the browser draws: the episode picker's label after a filter,
a deep link opened as a URL, the chart's axis, the editor validating while the author types. CI needs
``apt-get install -y chromium`` and ``pip install playwright`` (never ``playwright install``: the browser comes from
Debian); without either, the tests skip and say which is missing. Screenshots land in tests/app/artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from builders import XSS, ask, make_episode, write_run
from serving import CHROMIUM, browser_page, prepare_workdir, screenshot, served

from consultgym.records import ItemResult, Judgement, Turn

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install playwright (the browser is Debian's)"
)
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: apt-get install -y chromium"
)
TIMEOUT_MS = 120_000  # generous: CI machines are shared
SCENARIOS = [f"case-{n:02d}" for n in range(12)]


def low_coverage_episode(index: int, scenario_id: str) -> object:
    """An episode that never gets past 20% coverage: on a fitted axis its line would fill the plot."""
    episode = make_episode(index, scenario_id, index, reward=0.14)
    turns = [ask(0, "How are you?", "Not great.", 0.05), ask(1, "Since when?", "Two days.", 0.2, ["onset"]),
             Turn(index=2, doctor="DIAGNOSIS: flu", kind="diagnose", reply="The consultation has ended.",
                  coverage=0.2)]  # fmt: skip
    judgement = Judgement(items=[ItemResult(id="ask_onset", covered=True, turn=1, evidence="Since when?", weight=2),
                                 ItemResult(id="ask_smoking", covered=False, weight=2)],
                          coverage=0.2, curve=[0.05, 0.2, 0.2], diagnosis_given="flu", reward=0.14)  # fmt: skip
    return episode.model_copy(update={"turns": turns, "judgement": judgement})


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server for the module: a 12-episode run (one flagged episode), the episode with XSS, a low-coverage one."""
    workdir = prepare_workdir(tmp_path_factory.mktemp("browser"))
    episodes = [make_episode(n, scenario, n, reward=0.3 + n / 20) for n, scenario in enumerate(SCENARIOS)]
    for episode in episodes[1:]:  # only episode 0 keeps its flagged turn
        episode.turns[1] = ask(1, "Does the pain spread anywhere?", "Down my left arm.", 0.45, ["radiation"])
    demo = write_run(workdir / "runs" / "demo.jsonl", episodes)
    other = write_run(
        workdir / "runs" / "xss.jsonl", [make_episode(doctor_text=XSS), low_coverage_episode(1, "case-low")]
    )
    with served([demo, other], workdir) as url:  # the demo run first: what the app shows without a link
        yield url


def open_page(page, url: str) -> None:
    page.goto(url)
    page.locator('[data-testid="stChatMessage"], [data-testid="stAlert"], [data-testid="stDataFrame"]').first.wait_for(
        timeout=TIMEOUT_MS
    )
    wait_idle(page)


def wait_idle(page) -> None:
    """Until the app has finished running the script (its status widget gone) and drawn the result."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=TIMEOUT_MS)
    page.wait_for_timeout(300)


def picker(page) -> str:
    return page.get_by_role("combobox", name="Episode").input_value()


def header(page) -> str:
    return page.locator("h3").filter(has_text=re.compile(r"^Episode \d+ ·")).first.inner_text()


def choose(page, label: str, option: str) -> None:
    """Pick an option of a sidebar selectbox the way a person does: open it, type, press Enter."""
    page.get_by_role("combobox", name=label).click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    wait_idle(page)


def wait_for_header(page, text: str) -> None:
    """Until the episode header reads `text` (the page has finished drawing the episode just chosen)."""
    page.locator("h3").filter(has_text=text).first.wait_for(timeout=TIMEOUT_MS)
    wait_idle(page)


def choose_scenario(page, scenario: str) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Scenario").click()
    page.keyboard.type(scenario)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_idle(page)


def y_axis(page) -> list[str]:
    """The y-axis tick labels of the first chart on the page."""
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.locator("svg").wait_for(timeout=TIMEOUT_MS)
    axes = chart.locator('g[aria-label^="Y-axis"]').first
    return axes.locator(".role-axis-label text").all_text_contents()


def legend(page) -> list[str]:
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    return chart.locator(".role-legend-label text").all_text_contents()


def test_the_picker_shows_the_episode_a_filter_leaves(app_url: str, tmp_path: Path) -> None:
    """The bug: after a filter removed the current episode, the picker kept the old label above a new episode."""
    with playwright_api.sync_playwright() as driver, browser_page(driver, tmp_path) as page:
        open_page(page, app_url)
        assert picker(page).startswith("#0 case-00")
        choose_scenario(page, "case-07")
        screenshot(page, "picker-after-scenario-filter")
        page.get_by_text("1 of 12 episodes").wait_for(timeout=TIMEOUT_MS)
        assert header(page).startswith("Episode 7 · case-07")
        assert picker(page).startswith("#7 case-07"), f"the picker shows {picker(page)!r} above episode 7"
        page.get_by_text("Clear filters").click()
        wait_idle(page)
        page.locator('[data-testid="stSidebar"]').get_by_text("Only episodes with flagged turns").click()
        wait_idle(page)
        screenshot(page, "picker-after-flagged-filter")
        page.get_by_text("1 of 12 episodes").wait_for(timeout=TIMEOUT_MS)
        assert header(page).startswith("Episode 0 · case-00") and picker(page).startswith("#0 case-00")


def test_a_deep_link_opens_page_run_episode_and_filters(app_url: str, tmp_path: Path) -> None:
    with playwright_api.sync_playwright() as driver, browser_page(driver, tmp_path) as page:
        open_page(page, app_url + "/?page=replay&run=runs/demo.jsonl&episode=3&scenario=case-03&scenario=case-05")
        screenshot(page, "deep-link-replay")
        assert header(page).startswith("Episode 3 · case-03")
        assert picker(page).startswith("#3 case-03")
        page.get_by_text("2 of 12 episodes").wait_for(timeout=TIMEOUT_MS)
        # The filters hold on another page, and the address bar always links to what is on screen.
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Run", exact=True).click()
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=TIMEOUT_MS)
        wait_idle(page)
        screenshot(page, "deep-link-run-page")
        page.get_by_text("Summary of the 2 filtered episodes (of 12)").wait_for(timeout=TIMEOUT_MS)
        assert re.search(r"/run\?run=runs%2Fdemo\.jsonl.*scenario=case-03&scenario=case-05", page.url), page.url
        open_page(page, app_url + "/run?run=runs/demo.jsonl&flagged=1")
        page.get_by_text("Summary of the 1 filtered episodes (of 12)").wait_for(timeout=TIMEOUT_MS)


def test_the_coverage_axis_is_fixed_from_0_to_1(app_url: str, tmp_path: Path) -> None:
    with playwright_api.sync_playwright() as driver, browser_page(driver, tmp_path) as page:
        open_page(page, app_url)
        choose(page, "Run", "runs/xss.jsonl")
        choose(page, "Episode", "#1 case-low")
        wait_for_header(page, "Episode 1 · case-low")
        page.get_by_text("Coverage by turn").scroll_into_view_if_needed()
        labels = y_axis(page)
        screenshot(page, "coverage-axis")
        values = sorted(float(label.rstrip("%")) / (100 if label.endswith("%") else 1) for label in labels)
        assert (values[0], values[-1]) == (0.0, 1.0), f"the y-axis runs {labels}, not 0 to 1"
        assert legend(page) == ["judge = offline tally"]  # one line drawn, one line named


def test_replay_escapes_record_text(app_url: str, tmp_path: Path) -> None:
    with (
        playwright_api.sync_playwright() as driver,
        browser_page(driver, tmp_path, {"width": 1400, "height": 1800}) as page,
    ):
        open_page(page, app_url)
        choose(page, "Run", "runs/xss.jsonl")
        wait_for_header(page, "Episode 0 · fixture-chest-pain")
        jump = page.get_by_role("button", name="turn 2")
        jump.wait_for(timeout=TIMEOUT_MS)
        bubbles = page.locator('[data-testid="stChatMessage"]')
        assert bubbles.count() == 6  # opening, 3 doctor turns, 2 replies
        doctor = bubbles.nth(1)
        assert XSS in doctor.inner_text()  # shown as the literal characters
        assert doctor.locator("script, strong").count() == 0  # not as markup
        jump.click()
        link = page.get_by_role("link", name="show in the dialogue")
        link.wait_for()
        assert link.get_attribute("href").endswith("#turn-2")
        assert page.locator("#turn-2").count() == 1
        screenshot(page, "replay-escaped")
        assert page.dialogs == []


def test_the_author_editor_validates_while_typing(app_url: str, tmp_path: Path) -> None:
    with (
        playwright_api.sync_playwright() as driver,
        browser_page(driver, tmp_path, {"width": 1400, "height": 1200}) as page,
    ):
        page.goto(app_url + "/author")
        editor = page.get_by_role("textbox", name="Scenario YAML")
        editor.wait_for(timeout=TIMEOUT_MS)
        page.get_by_text("Valid: 2 facts").wait_for(timeout=TIMEOUT_MS)
        start = editor.input_value().index("category: ros") + len("category: ")
        editor.evaluate(f"e => {{ e.focus(); e.setSelectionRange({start}, {start + 3}); }}")
        page.keyboard.type("rumour", delay=20)
        page.get_by_text("Invalid scenario: 1 problem").wait_for(timeout=TIMEOUT_MS)  # no Ctrl+Enter, no blur
        screenshot(page, "author-live-validation")
        assert "line 15: facts.1.category" in page.locator('[data-testid="stAlert"]').first.inner_text()
        marked = editor.evaluate("e => [...e.parentElement.querySelectorAll('.bad')].map(x => x.textContent)")
        assert marked == ["15"]
        assert "rumour" in editor.input_value()  # the rerun did not overwrite what was typed
