"""A consultation played by a person in the app, without Streamlit: build the session, step, save the episode.

The session is built and driven as the env does it (`envs.builder.build_session`, `envs.driver.SessionDriver`): offline
roles without an event loop, an LLM patient on a loop that outlives one step (async HTTP clients bind to the loop they
first ran on).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from consultgym.app.data import next_episode_index
from consultgym.config import DEFAULT_API_KEY_ENV
from consultgym.envs.builder import build_session
from consultgym.envs.driver import SessionDriver
from consultgym.envs.session import ConsultationSession, StepResult
from consultgym.records import Episode
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

    def send(self, doctor_text: str) -> StepResult:
        """Play one doctor turn (a question, ``EXAMINE:``, ``TEST:``, ``DIAGNOSIS:`` or ``END INQUIRY``)."""
        return self.driver.run(self.session.astep(doctor_text))

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
    scenario: Scenario, seed: int = 0, patient: str = "offline", guardian: str = "offline", llm: LLMChoice | None = None
) -> Play:
    """Build the roles and open the consultation.

    Raises:
        ConsultGymError: a role cannot be built (e.g. an LLM patient without a model).
        ImportError: the LLM patient's module is not installed.
    """
    options = llm.options() if patient == "llm" and llm else {}
    config = EnvConfig.parse({"scenarios": [scenario], "patient": patient, "guardian": guardian, **options})
    session = build_session(config, [scenario])
    play = Play(session, SessionDriver(session))
    play.driver.run(session.areset(scenario.id, seed))
    return play
