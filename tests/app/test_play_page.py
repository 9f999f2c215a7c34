"""The play page: a person plays the doctor against the offline patient, sees the judgement and saves the episode."""

from __future__ import annotations

from pathlib import Path

from builders import SCENARIO_ID, usage_shown

from consultgym.app.safe import escape
from consultgym.runfile import load_run


def start(app):
    at = app(page="play")
    at.selectbox(key="play_scenario").set_value(SCENARIO_ID)
    next(b for b in at.button if b.label == "Start consultation").click().run()
    assert not at.exception and not at.error
    return at


def send_form(at, name: str, text: str) -> None:
    at.text_input(key=f"play_{name}_text").input(text)
    at.button(key=f"play_{name}_send").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]


def test_play_an_episode_to_the_judgement_and_save_it(app, workdir: Path) -> None:
    at = start(app)
    assert [m.name for m in at.main.chat_message] == ["patient"]  # the opening
    assert any("Turn 1 of 12" in m.value and "12 left" in m.value for m in at.markdown)
    at.chat_input(key="play_chat").set_value("When did the pain start?").run()
    assert any("Turn 2 of 12" in m.value and "11 left" in m.value for m in at.markdown)
    at.chat_input(key="play_chat").set_value("Does the pain spread anywhere?").run()
    assert len(at.main.chat_message) == 5
    said = escape("started about 2 hours ago")
    assert any(said in m.value for m in at.main.chat_message[2].markdown)
    send_form(at, "test", "ECG")
    assert any(escape("ST elevation") in m.value for m in at.markdown)
    assert not at.get("arrow_vega_lite_chart")  # no judgement before the end
    send_form(at, "diagnosis", "inferior STEMI")

    assert "The consultation is over" in at.success[0].value
    assert [m.value for m in at.metric][2] == "correct"
    assert any("Must-ask checklist" in h.value for h in at.subheader)
    assert [b.label for b in at.button if b.label.startswith("turn")] == ["turn 1", "turn 2", "turn 3"]
    assert not at.get("chat_input")  # no chat box once the episode is over

    target = workdir / "runs" / "mine.jsonl"
    at.text_input(key="play_save_path").input(str(target))
    at.button(key="play_save").click().run()
    assert not at.exception and not at.error
    run = load_run(target)
    assert [e.index for e in run.episodes] == [0] and not run.warnings
    episode = run.episodes[0]
    assert episode.scenario_id == SCENARIO_ID and episode.run_id == "play"
    assert episode.config["doctor"] == {"kind": "human"} and episode.config["patient"]["kind"] == "offline"
    assert [t.kind for t in episode.turns] == ["ask", "ask", "test", "diagnose"]
    assert episode.judgement is not None and episode.judgement.diagnosis_correct
    assert at.button(key="play_save").disabled  # saved once


def test_second_save_appends_with_the_next_index(app, workdir: Path) -> None:
    target = workdir / "runs" / "play.jsonl"
    for expected in (0, 1):
        at = start(app)
        at.button(key="play_end").click().run()
        at.text_input(key="play_save_path").input(str(target))
        at.button(key="play_save").click().run()
        assert [e.index for e in load_run(target).episodes][-1] == expected


def test_llm_patient_without_a_model_fails_with_a_message(app, workdir: Path) -> None:
    at = app(page="play")
    at.radio(key="play_patient").set_value("llm")
    at.text_input(key="play_model").input("")
    next(b for b in at.button if b.label == "Start consultation").click().run()
    assert not at.exception
    assert any("Cannot start the consultation" in e.value for e in at.error)


def test_llm_patient_from_the_form_key_from_the_environment(app, fake_openai, monkeypatch) -> None:
    secret = "sk-test-never-shown"
    monkeypatch.setenv("CONSULTGYM_TEST_KEY", secret)
    fake_openai.script("It started about 2 hours ago while I was sitting watching TV.")
    at = app(page="play")
    at.selectbox(key="play_scenario").set_value(SCENARIO_ID)
    at.radio(key="play_patient").set_value("llm")
    at.text_input(key="play_model").input("fake-model")
    next(t for t in at.text_input if t.label == "Base URL").input(fake_openai.base_url)
    next(t for t in at.text_input if t.label.startswith("Environment variable")).input("CONSULTGYM_TEST_KEY")
    next(b for b in at.button if b.label == "Start consultation").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.chat_input(key="play_chat").set_value("When did the pain start?").run()
    assert any(escape("2 hours ago") in m.value for m in at.main.chat_message[2].markdown)
    assert fake_openai.chat_requests, "the LLM patient was not called"
    at.button(key="play_end").click().run()
    assert int(usage_shown(at)["patient"]["calls"]) >= 1
    rendered = [e.value for e in (*at.markdown, *at.caption, *at.success, *at.error) if isinstance(e.value, str)]
    assert not any(secret in text for text in rendered)
    assert not any(secret in str(value) for value in at.session_state.to_dict().values() if isinstance(value, str))


def test_the_page_shows_each_node_of_the_patient_turn(app, workdir: Path) -> None:
    at = start(app)
    at.chat_input(key="play_chat").set_value("When did the pain start?").run()
    assert not at.exception and not at.error
    [status] = at.get("status")  # st.status: LangGraph's node events, as they happened
    assert status.label == "Patient turn: draft → guard → emit"
    notes = ["patient: drafted a reply", "guardian: approved", "patient: replied"]
    assert [m.value for m in status.markdown] == [escape(note) for note in notes]


def test_play_streams_node_events_from_the_graph_while_an_llm_patient_answers(chest_scenario, fake_openai) -> None:
    import threading

    from consultgym.app.playing import LLMChoice, start_play

    hallucinated, grounded = "I take metformin 500 mg twice a day.", "It started about 2 hours ago."
    fake_openai.script([hallucinated, grounded])
    play = start_play(chest_scenario, patient="llm", llm=LLMChoice("m", fake_openai.base_url))
    try:
        assert play.session.turn_loop.loop == "graph" and not play.session.synchronous
        seen: list[tuple[str, str, bool]] = []
        caller = threading.get_ident()
        step = play.send(
            "Do you take any medicines?",
            on_event=lambda e: seen.append((e.node, e.note, threading.get_ident() == caller)),
        )
    finally:
        play.close()
    assert [node for node, _, _ in seen] == ["draft", "guard", "revise", "guard", "emit"]
    assert seen[1][1] == "guardian: flagged 1 issue(s)" and seen[3][1] == "guardian: approved"
    assert all(in_caller for _, _, in_caller in seen)  # delivered in the caller's thread, where Streamlit draws
    assert not any("metformin" in note for _, note, _ in seen)  # a rejected draft never shows before the end
    assert step.observation == grounded
