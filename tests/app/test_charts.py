"""Chart specs: fixed 0..1 axes, legends that name only what is drawn, and item markers."""

from __future__ import annotations

from builders import make_episode

from consultgym.app.charts import BOTH, JUDGE, TALLY, coverage_by_turn, rate_bars, run_coverage
from consultgym.app.comparison import rates
from consultgym.app.data import summarize


def y_scales(spec: dict) -> list:
    return [layer["encoding"]["y"]["scale"]["domain"] for layer in spec["layer"] if "scale" in layer["encoding"]["y"]]


def test_coverage_axis_is_fixed_and_one_line_when_judge_and_tally_agree() -> None:
    episode = make_episode()
    spec = coverage_by_turn(episode.turns, episode.judgement, {"ask_onset": "When it started"})
    assert y_scales(spec) == [[0, 1], [0, 1]]
    assert {row["series"] for row in spec["layer"][0]["data"]["values"]} == {BOTH}
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == [BOTH]
    markers = spec["layer"][1]["data"]["values"]
    assert markers == [{"turn": 1, "coverage": 0.15, "items": "When it started"},
                       {"turn": 2, "coverage": 0.45, "items": "ask_radiation"}]  # fmt: skip


def test_two_lines_when_they_differ() -> None:
    episode = make_episode()
    judgement = episode.judgement.model_copy(update={"curve": [0.1, 0.2, 0.2]})
    spec = coverage_by_turn(episode.turns, judgement, {})
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == [JUDGE, TALLY]
    assert coverage_by_turn([], None, {}) is None


def test_run_curve_carries_an_ended_episode_forward() -> None:
    spec = run_coverage([[0.2, 0.4], [0.2, 0.6, 0.8]])
    rows = spec["data"]["values"]
    assert [round(r["mean"], 6) for r in rows] == [0.2, 0.5, 0.6] and [r["ongoing"] for r in rows] == [2, 2, 1]
    assert run_coverage([]) is None


def test_rate_bars_on_a_unit_axis() -> None:
    summary = summarize([make_episode(0)])
    spec = rate_bars(rates(summary, summary, "diagnosis"), "accuracy")
    assert y_scales(spec) == [[0, 1]] * 4
