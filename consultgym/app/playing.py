"""A consultation played by a person in the app, without Streamlit: build the roles, step, save the episode.

The patient turn runs through the LangGraph graph here (``loop="graph"``), where it pays for itself: `Play.send`
hands each node's event (draft, guard, revise, emit, fallback) to the page as it happens. A graph needs an event
loop that outlives one step (so do async HTTP clients), so the play gets the env's loop runner.
"""

from __future__ import annotations

import os
import queue
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consultgym.agents.factory import make_guardian, make_judge, make_patient
from consultgym.app.data import next_episode_index
from consultgym.config import DEFAULT_API_KEY_ENV
from consultgym.envs.consultation import LoopRunner
from consultgym.envs.session import ConsultationSession, StepResult, run_sync
from consultgym.records import Episode, Verdict
from consultgym.runfile import append_episode
from consultgym.scenarios.schema import Scenario

PLAY_RUN_ID = "play"
DEFAULT_SAVE_PATH = "runs/play.jsonl"
# Defaults for the LLM patient fields; the API key itself is only ever read from the variable named in the form.
MODEL_ENV, BASE_URL_ENV = "CONSULTGYM_PATIENT_MODEL", "CONSULTGYM_PATIENT_BASE_URL"


@dataclass
class LLMChoice:
    """Where an LLM patient lives. The key stays in the environment: only its variable's name is kept."""

    model: str = ""
    base_url: str = ""
    api_key_env: str = DEFAULT_API_KEY_ENV

    @classmethod
    def from_environment(cls) -> LLMChoice:
        return cls(os.environ.get(MODEL_ENV, ""), os.environ.get(BASE_URL_ENV, ""))

    def options(self) -> dict[str, str]:
        """The ``patient_*`` options `make_patient` takes (empty fields left to the backend's defaults)."""
        given = {"model": self.model, "base_url": self.base_url, "api_key_env": self.api_key_env}
        return {f"patient_{name}": value.strip() for name, value in given.items() if value.strip()}


@dataclass(frozen=True)
class NodeEvent:
    """One finished node of a patient turn, described without the draft's words (a draft may name the diagnosis)."""

    node: str
    note: str


def node_event(node: str, update: dict[str, Any]) -> NodeEvent:
    if node == "guard":
        verdict: Verdict = update["verdicts"][-1]
        count = len(verdict.issues)
        return NodeEvent(node, "guardian: approved" if verdict.ok else f"guardian: flagged {count} issue(s)")
    notes = {
        "draft": "patient: drafted a reply",
        "revise": "patient: revised the reply after the guardian's notes",
        "emit": "patient: replied",
        "fallback": "patient: replied from the facts only (the revisions were spent)",
    }
    return NodeEvent(node, notes.get(node, node))


@dataclass
class Play:
    """One consultation in progress: the session, how to drive it, and where it was saved."""

    session: ConsultationSession
    run: Callable[[Coroutine[Any, Any, Any]], Any]
    runner: LoopRunner | None = None
    saved: list[str] = field(default_factory=list)  # "path#index" of each save

    @property
    def scenario(self) -> Scenario:
        assert self.session.scenario is not None
        return self.session.scenario

    @property
    def done(self) -> bool:
        return self.session.done

    def send(self, doctor_text: str, on_event: Callable[[NodeEvent], None] | None = None) -> StepResult:
        """Play one doctor turn (a question, ``EXAMINE:``, ``TEST:``, ``DIAGNOSIS:`` or ``END INQUIRY``).

        `on_event` gets each node event of the patient turn in the caller's thread, as soon as the node finishes.
        """
        if on_event is None or self.runner is None:
            return self._send_collected(doctor_text, on_event)
        events: queue.SimpleQueue[NodeEvent] = queue.SimpleQueue()
        self.session.turn_loop.on_node = lambda node, update: events.put(node_event(node, update))
        try:
            future = self.runner.submit(self.session.astep(doctor_text))
            while not (future.done() and events.empty()):
                try:
                    on_event(events.get(timeout=0.05))
                except queue.Empty:
                    pass
            return future.result()
        finally:
            self.session.turn_loop.on_node = None

    def _send_collected(self, doctor_text: str, on_event: Callable[[NodeEvent], None] | None) -> StepResult:
        seen: list[NodeEvent] = []
        self.session.turn_loop.on_node = lambda node, update: seen.append(node_event(node, update))
        try:
            result = self.run(self.session.astep(doctor_text))
        finally:
            self.session.turn_loop.on_node = None
        for event in seen if on_event is not None else ():
            on_event(event)
        return result

    def episode(self, index: int = 0) -> Episode:
        return self.session.to_episode(index=index, run_id=PLAY_RUN_ID)

    def save(self, path: str | Path) -> int:
        """Append the episode to a run file (one JSON line) and return the index it was given."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        index = next_episode_index(path)
        append_episode(path, self.episode(index))
        self.saved.append(f"{path}#{index}")
        return index

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()


def start_play(
    scenario: Scenario,
    seed: int = 0,
    patient: str = "offline",
    guardian: str = "offline",
    llm: LLMChoice | None = None,
    loop: str = "graph",
) -> Play:
    """Build the roles and open the consultation (patient turns through the LangGraph graph unless `loop` says not).

    Raises:
        ConsultGymError: a role cannot be built (e.g. an LLM patient without a model).
        ImportError: the LLM patient's module is not installed.
    """
    options = llm.options() if patient == "llm" and llm else {}
    session = ConsultationSession(
        [scenario], make_patient(patient, **options), make_guardian(guardian), make_judge("offline"), loop=loop
    )
    runner = None if session.synchronous else LoopRunner()
    play = Play(session, run_sync if runner is None else runner.run, runner)
    play.run(session.areset(scenario.id, seed))
    return play
