"""A consultation played by a person in the app, without Streamlit: build the session, step, save the episode.

The session is built and driven as the env does it (`envs.builder.build_session`, `envs.driver.SessionDriver`). Its
patient turns run through the LangGraph graph here (``loop="graph"``), where the graph pays for itself: `Play.send`
hands each node's event (draft, guard, revise, emit, fallback) to the page as the node finishes.
"""

from __future__ import annotations

import os
import queue
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from consultgym.app.data import next_episode_index
from consultgym.config import DEFAULT_API_KEY_ENV
from consultgym.envs.builder import build_session
from consultgym.envs.driver import SessionDriver
from consultgym.envs.session import ConsultationSession, StepResult
from consultgym.records import Episode, Verdict
from consultgym.runfile import append_episode
from consultgym.scenarios.schema import Scenario
from consultgym.settings import EnvConfig

PLAY_RUN_ID = "play"
HUMAN_DOCTOR = {"kind": "human"}  # who played the doctor, as a played episode's config records it
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
        """The ``patient_*`` settings (empty fields left to the backend's defaults)."""
        given = {"model": self.model, "base_url": self.base_url, "api_key_env": self.api_key_env}
        return {f"patient_{name}": value.strip() for name, value in given.items() if value.strip()}


@dataclass(frozen=True)
class NodeEvent:
    """One finished node of a patient turn, described without the draft's words (a draft may name the diagnosis)."""

    node: str
    note: str


def node_event(node: str, update: dict) -> NodeEvent:
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
    driver: SessionDriver
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
        events: queue.SimpleQueue[NodeEvent] = queue.SimpleQueue()
        self.session.turn_loop.on_node = lambda node, update: events.put(node_event(node, update))
        try:
            future = self.driver.submit(self.session.astep(doctor_text))
            while on_event is not None and not (future.done() and events.empty()):
                try:
                    on_event(events.get(timeout=0.05))
                except queue.Empty:
                    pass
            return future.result()
        finally:
            self.session.turn_loop.on_node = None

    @property
    def turns_used(self) -> int:
        return len(self.session.turns)

    @property
    def turn_limit(self) -> int:
        return self.session.turn_limit

    def episode(self, index: int = 0) -> Episode:
        """The consultation as a record; its config names the doctor (a person) beside the simulated roles."""
        roles = {name: role.describe() for name, role in self.session.roles.items()}
        return self.session.to_episode(index=index, run_id=PLAY_RUN_ID, config={"doctor": HUMAN_DOCTOR, **roles})

    def save(self, path: str | Path) -> int:
        """Append the episode to a run file (one JSON line) and return the index it was given."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        index = next_episode_index(path)
        append_episode(path, self.episode(index))
        self.saved.append(f"{path}#{index}")
        return index

    def close(self) -> None:
        self.driver.close()


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
    config = EnvConfig.parse(
        {"scenarios": [scenario], "patient": patient, "guardian": guardian, "loop": loop, **options}
    )
    session = build_session(config, [scenario])
    play = Play(session, SessionDriver(session))
    play.driver.run(session.areset(scenario.id, seed))
    return play
