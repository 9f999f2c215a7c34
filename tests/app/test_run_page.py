"""The run page: figures with intervals, the episode table and its links, item hit rates, curves, exports."""

from __future__ import annotations

import json
from pathlib import Path

from builders import make_episode, write_run


def run_file(workdir: Path) -> Path:
    episodes = [make_episode(i, "fixture-chest-pain" if i % 2 else "other-case", i, 0.2 + 0.1 * i) for i in range(6)]
    episodes.append(make_episode(6, "other-case", 6, error="backend timed out"))
    episodes.append(make_episode(7, "fixture-chest-pain", 7, 0.5, fallback=True))
    return write_run(workdir / "runs" / "r.jsonl", episodes)


def test_summary_figures(app, workdir: Path) -> None:
    at = app([run_file(workdir)], page="run")
    values = {m.label: m.value for m in at.metric}
    assert values["Episodes"] == "8" and values["Reward"] == "0.457" and values["Diagnosis accuracy"] == "1.000"
    line = next(m.value for m in at.markdown if m.value.startswith("Reward 95% CI"))
    assert "errors 1" in line and "emitted with issues 7.1%" in line  # 1 fallback with a leak of 14 guarded replies
    assert any(e.label == "How the reward is computed" for e in at.expander)


def test_episode_table_links_and_opens_in_replay(app, workdir: Path) -> None:
    at = app([run_file(workdir)], page="run")
    table = at.dataframe[0].value
    assert table["index"].tolist() == list(range(8))
    assert table.loc[3, "replay"] == "replay?run=runs%2Fr.jsonl&episode=3"
    assert table.loc[7, "emitted_issues"] == 1 and table.loc[6, "error"] == "backend timed out"


def test_filters_narrow_the_table_and_survive_a_page_change(app, workdir: Path) -> None:
    at = app([run_file(workdir)], page="run")
    at.multiselect(key="_filter_scenarios").set_value(["other-case"]).run()
    assert at.dataframe[0].value["scenario_id"].unique().tolist() == ["other-case"]
    assert at.subheader[0].value.startswith("Summary of the 4 filtered episodes")
    at.switch_page("views/replay.py").run()
    assert len(at.selectbox(key="_episode").options) == 4  # the same filter, on the other page
    at.switch_page("views/run.py").run()
    assert at.multiselect(key="_filter_scenarios").value == ["other-case"]


def test_item_hit_rates_and_exports(app, workdir: Path) -> None:
    at = app([run_file(workdir)], page="run")
    items = at.dataframe[1].value
    assert items["item"].tolist()[0] == "ask_smoking" and items.loc[0, "rate"] == 0.0  # never covered: first
    assert items.set_index("item").loc["ask_radiation", "priority"] == "⚠ critical"
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("CSV") == 2 and labels.count("Parquet") == 2
    at.radio(key="_items_by").set_value("scenario").run()
    assert at.dataframe[1].value.columns[0] == "scenario_id"


def test_charts_are_on_a_unit_axis(app, workdir: Path) -> None:
    at = app([run_file(workdir)], page="run")
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    curve = specs[0]
    assert curve["layer"][1]["encoding"]["y"]["scale"]["domain"] == [0, 1]
    assert {s["encoding"]["y"]["field"] for s in specs[1:3]} == {"share"}
