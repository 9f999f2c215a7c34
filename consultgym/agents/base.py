"""The interfaces every participant implements, offline or LLM-backed, so that they swap freely.

All speaking and judging methods are coroutines. Offline implementations never await anything, so the environment can
drive them synchronously without an event loop (see `consultgym.envs.session.run_sync`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from consultgym.actions import DoctorAction
from consultgym.records import Judgement, Usage, Verdict
from consultgym.scenarios.schema import Scenario

T = TypeVar("T")


@dataclass(frozen=True)
class Exchange:
    """One finished doctor/patient exchange, as the patient remembers it."""

    doctor: str
    patient: str


@dataclass(frozen=True)
class PatientContext:
    """Everything a patient may use to answer one doctor turn."""

    scenario: Scenario
    action: DoctorAction
    history: tuple[Exchange, ...] = ()
    turn: int = 0
    seed: int = 0
    revealed: frozenset[str] = frozenset()  # ids of the facts said in earlier turns


@dataclass
class Participant:
    """Common to every role: a name for records, and LLM usage (zero for offline roles)."""

    name: str = "offline"
    usage: Usage = field(default_factory=Usage)

    @property
    def offline(self) -> bool:
        """True when the role never awaits I/O, so it can be driven without an event loop."""
        return True

    def describe(self) -> dict[str, object]:
        """Settings written into run records (never secrets)."""
        return {"kind": self.name}


class PatientAgent(Participant, ABC):
    """Answers the doctor's turns from the scenario's facts."""

    @abstractmethod
    async def respond(self, ctx: PatientContext) -> str:
        """A first draft of the reply to `ctx.action`."""

    async def revise(self, ctx: PatientContext, draft: str, verdict: Verdict) -> str:
        """A new draft after the guardian rejected `draft`; the offline patient just answers again."""
        return await self.respond(ctx)


class GuardianAgent(Participant, ABC):
    """Checks a candidate patient reply against the scenario's facts."""

    @abstractmethod
    async def check(self, reply: str, ctx: PatientContext) -> Verdict:
        """The verdict on `reply` (fail closed: an error is never a pass)."""


class JudgeAgent(Participant, ABC):
    """Scores a finished consultation against the scenario's rubric."""

    @abstractmethod
    async def judge(self, scenario: Scenario, doctor_turns: list[str], diagnosis: str | None) -> Judgement:
        """The judgement of one episode from the doctor's turns (in order) and the diagnosis given."""


class DoctorAgent(Participant, ABC):
    """Plays the doctor: sees only the patient's words, returns the next turn's text."""

    @abstractmethod
    def reset(self, opening: str, seed: int = 0) -> None:
        """Start a new consultation that begins with the patient's opening words."""

    @abstractmethod
    async def act(self, observation: str) -> str:
        """The next doctor turn, given the patient's latest reply."""


class ScenarioCache(Generic[T]):
    """Data derived from a scenario, computed once per scenario object (scenarios are frozen)."""

    def __init__(self, build: Callable[[Scenario], T]) -> None:
        self._build = build
        self._store: dict[int, tuple[Scenario, T]] = {}

    def __call__(self, scenario: Scenario) -> T:
        hit = self._store.get(id(scenario))
        if hit is None or hit[0] is not scenario:
            hit = (scenario, self._build(scenario))
            self._store[id(scenario)] = hit
        return hit[1]
