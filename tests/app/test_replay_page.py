"""The replay page, driven by AppTest over run files built from records.Episode."""

from __future__ import annotations

import json
from pathlib import Path

from builders import EMITTED_REPLY, REJECTED_DRAFT, XSS, make_episode, usage_shown, write_run

from consultgym.app.dialogue import REVEALED, SELECTED
from consultgym.app.safe import escape
from consultgym.records import Usage


def markdown_values(at) -> list[str]:
    return [m.value for m in at.markdown] + [c.value for c in at.caption]


def test_dialogue_renders_one_bubble_per_utterance(app, workdir: Path) -> None:
    run = write_run(workdir / "a.jsonl", [make_episode()])
    at = app([run])
    names = [m.name for m in at.main.chat_message]
    # opening + 3 doctor turns + 2 patient replies (the diagnosis turn ends without one)
    assert names == ["patient", "doctor", "patient", "doctor", "patient", "doctor"]


def test_flagged_turn_shows_rejected_draft_issue_and_emitted_reply(app, workdir: Path) -> None:
    at = app([write_run(workdir / "a.jsonl", [make_episode()])])
    flagged = [e for e in at.expander if e.label.startswith("Guardian flagged")]
    assert len(flagged) == 1
    texts = [m.value for m in flagged[0].markdown]
    assert escape(REJECTED_DRAFT) in texts
    assert escape(EMITTED_REPLY) in texts
    assert any("leak" in t and escape("heart attack") in t for t in texts)


def test_checklist_button_selects_the_covering_turn(app, workdir: Path) -> None:
    at = app([write_run(workdir / "a.jsonl", [make_episode()])])
    assert [b.label for b in at.button if b.label.startswith("turn")] == ["turn 1", "turn 2"]
    assert any("Must-ask checklist" in h.value for h in at.subheader)
    next(b for b in at.button if b.label == "turn 2").click().run()
    assert at.session_state["replay_turn"] == 1
    assert SELECTED in [c.value for c in at.caption]
    assert any(m.value.startswith("**Turn 2**") and "#turn-2" in m.value for m in at.markdown)


def test_coverage_diagnosis_and_usage_are_shown(app, workdir: Path) -> None:
    at = app([write_run(workdir / "a.jsonl", [make_episode()])])
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    diagnosis = next(m.value for m in at.markdown if m.value.startswith("**Given:**"))
    assert escape("inferior STEMI") in diagnosis and "correct" in diagnosis
    assert usage_shown(at) == {"patient": {"calls": "2", "prompt tokens": "300", "completion tokens": "40",
                                           "total tokens": "340", "latency (s)": "0.00", "errors": "0",
                                           "cache hits": "0"}}  # fmt: skip


def test_usage_roles_are_escaped_one_line_cells_and_the_config_is_escaped_json(app, workdir: Path) -> None:
    episode = make_episode().model_copy(update={"usage": {f"a|b\n{XSS}": Usage(calls=1)}})
    at = app([write_run(workdir / "a.jsonl", [episode])])
    table = next(m.value for m in at.markdown if m.value.startswith("|  | "))
    assert table.splitlines()[0] == f"|  | {escape(f'a|b {XSS}')} |" and "<script>" not in table
    assert len(table.splitlines()) == 2 + 7  # header, rule, one line per figure: the table is intact
    config = next(e for e in at.expander if e.label == "Run configuration").markdown[0].value
    assert config == f"**doctor**: {escape(json.dumps('scripted'))}  \n**patient**: {escape(json.dumps('offline'))}"


def test_hidden_facts_toggle(app, workdir: Path) -> None:
    at = app([write_run(workdir / "a.jsonl", [make_episode()])])
    assert not any(c.value.startswith(REVEALED) for c in at.caption)
    at.toggle(key="replay_facts").set_value(True).run()
    revealed = [c.value for c in at.caption if c.value.startswith(REVEALED)]
    assert any(escape("onset (hpi): Pain began 2 hours ago at rest.") in c for c in revealed)


def test_record_text_is_escaped(app, workdir: Path) -> None:
    episode = make_episode(doctor_text=XSS)
    at = app([write_run(workdir / "a.jsonl", [episode])])
    values = markdown_values(at)
    assert escape(XSS) in values
    assert not any("<script>" in v or "**x**" in v for v in values)
    assert not any(m.proto.allow_html for m in at.markdown)


def test_filters(app, workdir: Path) -> None:
    episodes = [
        make_episode(0, reward=0.2),
        make_episode(1, scenario_id="other-scenario", reward=0.9),
        make_episode(2, error="backend timed out"),
    ]
    at = app([write_run(workdir / "a.jsonl", episodes)])
    assert len(at.selectbox(key="_episode").options) == 3
    at.multiselect(key="_filter_scenarios").set_value(["other-scenario"]).run()
    assert len(at.selectbox(key="_episode").options) == 1
    at.multiselect(key="_filter_scenarios").set_value([]).run()
    at.slider(key="_filter_reward").set_value((0.5, 1.0)).run()
    assert len(at.selectbox(key="_episode").options) == 1
    at.slider(key="_filter_reward").set_value((0.0, 1.0)).run()
    at.radio(key="_filter_status").set_value("errors").run()
    assert len(at.selectbox(key="_episode").options) == 1
    assert any("backend timed out" in e.value for e in at.error)


def test_a_filter_that_hides_the_episode_moves_picker_and_page_together(app, workdir: Path) -> None:
    episodes = [make_episode(0, "first-case"), make_episode(1, "second-case"), make_episode(2, "third-case")]
    at = app([write_run(workdir / "a.jsonl", episodes)])
    at.selectbox(key="_episode").set_value(0).run()
    at.multiselect(key="_filter_scenarios").set_value(["third-case"]).run()
    assert at.selectbox(key="_episode").value == 2 and at.session_state["episode"] == 2
    assert at.subheader[0].value.startswith("Episode 2 ·")
    assert at.query_params["episode"] == "2" and at.query_params["scenario"] == "third-case"


def test_search_filters_by_dialogue_text(app, workdir: Path) -> None:
    episodes = [make_episode(0), make_episode(1, doctor_text="Any palpitations at night?")]
    at = app([write_run(workdir / "a.jsonl", episodes)])
    at.text_input(key="_filter_search").input("palpitations").run()
    assert at.selectbox(key="_episode").options == ["#1 fixture-chest-pain (seed 0) 0.50, 1 flagged"]


def test_a_fallback_that_still_leaks_is_not_shown_as_clean(app, workdir: Path) -> None:
    at = app([write_run(workdir / "a.jsonl", [make_episode(fallback=True)])])
    notes = [c.value for c in at.caption if "Emitted with guardian issues" in c.value]
    assert len(notes) == 1 and "leak" in notes[0] and escape("heart attack") in notes[0]
    assert [m.value for m in at.metric][5] == "1"  # replies with issues
    at.checkbox(key="_filter_issues").check().run()
    assert len(at.selectbox(key="_episode").options) == 1


def test_checklist_shows_evidence_and_critical_items(app, workdir: Path) -> None:
    at = app([write_run(workdir / "a.jsonl", [make_episode()])])
    texts = [m.value for m in at.markdown]
    radiation = next(t for t in texts if "weight 3" in t)
    assert "critical" in radiation and escape("Does the pain spread?") in radiation
    assert any("covers" in c.value for c in at.caption)  # the doctor's turn names the items it covered


def test_episode_export_is_offered(app, workdir: Path) -> None:
    at = app([write_run(workdir / "a.jsonl", [make_episode()])])
    assert any(b.label == "Download this episode (HTML)" for b in at.get("download_button"))


def test_corrupt_file_names_file_and_line(app, workdir: Path) -> None:
    run = workdir / "broken.jsonl"
    run.write_text('{"not": "an episode"}\nthis is not json\n', encoding="utf-8")
    at = app([run])
    assert not at.exception
    message = at.error[0].value
    assert escape(f"{run}:1") in message and escape(f"{run}:2") in message


def test_truncated_last_line_is_a_warning_not_an_error(app, workdir: Path) -> None:
    run = write_run(workdir / "cut.jsonl", [make_episode()], tail='{"index": 1, "scenario_id": "x", "tu')
    at = app([run])
    assert not at.error
    assert any("skipped" in e.label for e in at.expander)
    assert len(at.main.chat_message) == 6


def test_runs_under_cwd_are_found(app, workdir: Path) -> None:
    write_run(workdir / "runs" / "found.jsonl", [make_episode()])
    at = app()
    assert [Path(o).name for o in at.selectbox(key="_run").options] == ["found.jsonl"]
    assert len(at.main.chat_message) == 6


def test_no_run_gives_a_hint(app, workdir: Path) -> None:
    at = app()
    assert "No run file yet" in at.info[0].value
