"""Play: you are the doctor. Interview a simulated patient, examine, order tests, diagnose, and see the judgement."""

from __future__ import annotations

import streamlit as st

from consultgym.app import judgement
from consultgym.app.cache import scenario_catalog
from consultgym.app.dialogue import dialogue
from consultgym.app.playing import DEFAULT_SAVE_PATH, LLMChoice, Play, start_play
from consultgym.app.safe import escape
from consultgym.errors import ConsultGymError
from consultgym.scenarios.schema import Scenario

PLAY_KEY, TURN_KEY, SAVE_ERROR_KEY = "play", "play_turn", "play_save_error"


def render() -> None:
    st.title("Play")
    play: Play | None = st.session_state.get(PLAY_KEY)
    if play is None:
        _setup()
        return
    st.sidebar.button("New consultation", on_click=_reset, key="play_new")
    st.subheader(escape(play.scenario.title))
    if not play.done:
        action = _doctor_action()  # the sidebar and the chat box: nothing drawn in the main column yet
        if action:
            _send(play, action)
    _turn_counter(play)  # after the turn just sent
    show_guardian = play.done  # rejected drafts may name the diagnosis: only after the end
    show_facts = play.done and st.toggle("Show the hidden facts each turn revealed", key="play_facts")
    dialogue(
        play.scenario.opening,
        play.session.turns,
        scenario=play.scenario,
        show_facts=show_facts,
        show_guardian=show_guardian,
        selected=st.session_state.get(TURN_KEY),
    )
    if play.done:
        _judgement(play)
        _save(play)


def _turn_counter(play: Play) -> None:
    """How many doctor turns are used and how many the scenario allows (the consultation is cut off at the limit)."""
    used, limit = play.turns_used, play.turn_limit
    left = limit - used
    note = "over" if play.done else (f"{left} left" if left > 1 else ":orange[last turn]")
    st.markdown(f":material/timer: **Turn {min(used + (0 if play.done else 1), limit)} of {limit}** · {note}")


def _setup() -> None:
    """Choose a scenario and the patient's backend, then start."""
    catalog = scenario_catalog()
    titles = {entry.scenario_id: f"{entry.title} ({entry.scenario_id})" for entry in catalog.listings()}
    if not titles:
        st.error("No scenario file found.")
        return
    llm = LLMChoice.from_environment()
    with st.form("play_setup"):
        scenario_id = st.selectbox("Scenario", list(titles), format_func=titles.__getitem__, key="play_scenario")
        seed = st.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1, key="play_seed")
        patient = st.radio("Patient", ["offline", "llm"], horizontal=True, key="play_patient")
        guardian = st.radio("Guardian", ["offline", "off"], horizontal=True, key="play_guardian")
        with st.expander("LLM patient (any OpenAI-compatible endpoint)"):
            llm.model = st.text_input("Model", llm.model, key="play_model")
            llm.base_url = st.text_input("Base URL", llm.base_url, placeholder="default of the backend")
            llm.api_key_env = st.text_input("Environment variable holding the API key", llm.api_key_env)
            st.caption("The key is read from that variable when the patient is built; it is never shown or saved.")
        started = st.form_submit_button("Start consultation", type="primary")
    if started:
        scenario = catalog.get(scenario_id)
        if scenario is None:
            problems = "; ".join(catalog.errors.values()) or f"no file holds scenario {scenario_id}"
            st.error("Cannot load the scenario: " + escape(problems))
            return
        _start(scenario, int(seed), patient, guardian, llm)


def _start(scenario: Scenario, seed: int, patient: str, guardian: str, llm: LLMChoice) -> None:
    try:
        st.session_state[PLAY_KEY] = start_play(scenario, seed, patient, guardian, llm)
    except (ConsultGymError, ImportError) as exc:
        st.error("Cannot start the consultation: " + escape(exc))
        return
    st.session_state.pop(TURN_KEY, None)
    st.rerun()


def _reset() -> None:
    play: Play | None = st.session_state.pop(PLAY_KEY, None)
    if play is not None:
        play.close()
    st.session_state.pop(TURN_KEY, None)


def _doctor_action() -> str | None:
    """The doctor's next turn, from the chat box or one of the sidebar's forms (each sends one convention)."""
    action = None
    with st.sidebar:
        st.subheader("Actions")
        action = _directive_form("play_examine", "Examine", "EXAMINE", "e.g. chest, abdomen, vital signs") or action
        action = _directive_form("play_test", "Order test", "TEST", "e.g. ECG, full blood count") or action
        action = _directive_form("play_diagnosis", "Give diagnosis", "DIAGNOSIS", "your diagnosis") or action
        if st.button("End inquiry (no diagnosis)", key="play_end"):
            action = "END INQUIRY"
    question = st.chat_input("Ask the patient…", key="play_chat")
    return question or action


def _directive_form(key: str, label: str, directive: str, placeholder: str) -> str | None:
    with st.form(key, clear_on_submit=True, border=False):
        value = st.text_input(label, placeholder=placeholder, key=f"{key}_text")
        sent = st.form_submit_button(label, key=f"{key}_send")
    if sent and value.strip():
        return f"{directive}: {value.strip()}"
    if sent:
        st.toast(f"Type what to {label.lower()} first.")
    return None


def _send(play: Play, action: str) -> None:
    try:
        play.send(action)
    except ConsultGymError as exc:
        st.error(escape(exc))
        return
    if play.done:
        st.rerun()  # the action widgets of this run were drawn before the end: draw the page again without them


def _judgement(play: Play) -> None:
    episode = play.episode()
    how = "with a diagnosis" if episode.judgement and episode.judgement.diagnosis_given else "without a diagnosis"
    st.success(f"The consultation is over ({'turn limit reached' if play.session.truncated else how}).")
    judgement.episode_metrics(episode)
    judgement.judgement_panel(episode, play.scenario, TURN_KEY)


def _save(play: Play) -> None:
    st.subheader("Save")
    st.text_input("Run file", DEFAULT_SAVE_PATH, key="play_save_path")
    # A callback, so that the button is drawn disabled in the very run that follows the save.
    st.button(
        "Save episode", key="play_save", disabled=bool(play.saved), type="primary", on_click=_save_to, args=(play,)
    )
    problem = st.session_state.pop(SAVE_ERROR_KEY, None)
    if problem:
        st.error(escape(problem))
    for saved in play.saved:
        st.success("Saved to " + escape(saved))


def _save_to(play: Play) -> None:
    path = st.session_state.get("play_save_path") or DEFAULT_SAVE_PATH
    try:
        play.save(path)
    except (OSError, ConsultGymError) as exc:
        st.session_state[SAVE_ERROR_KEY] = f"{path}: cannot save the episode ({exc})"


if __name__ == "__main__":
    render()
