"""The interfaces every participant implements, offline or LLM-backed, so that they swap freely.

All speaking and judging methods are coroutines. Offline implementations never await anything, so the environment can
drive them synchronously without an event loop (see `consultgym.envs.driver.run_sync`). The session talks to its
roles through these classes only: which facts a turn revealed and which must-ask items it covered are the patient's
and the judge's to say.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Set
from dataclasses import dataclass, field
from functools import cached_property

from consultgym.actions import DoctorAction
from consultgym.records import Judgement, Usage, Verdict
from consultgym.scenarios.schema import Scenario
from consultgym.text import normalize


@dataclass(frozen=True)
class Exchange:
    """One finished doctor/patient exchange, as the patient remembers it."""

    doctor: str
    patient: str

    @cached_property
    def normalized(self) -> tuple[str, str]:
        """The doctor's and the patient's words, normalised once: every later turn compares its reply with them."""
        return normalize(self.doctor), normalize(self.patient)


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

    @abstractmethod
    def revealed(self, ctx: PatientContext) -> list[str]:
        """The ids of the facts that answer this turn (recorded in `Turn.facts_revealed`), without wording a reply."""


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

    @abstractmethod
    def items_covered(self, scenario: Scenario, action: DoctorAction, already: Set[str]) -> list[str]:
        """The must-ask items one doctor turn (as the session parsed it) newly covers, beyond `already` (the running
        `Turn.coverage`).

        Synchronous and cheap, since it runs on every turn; the episode's score is `judge`'s.
        """


class DoctorAgent(Participant, ABC):
    """Plays the doctor: sees only the patient's words, returns the next turn's text."""

    @abstractmethod
    def reset(self, opening: str, seed: int = 0) -> None:
        """Start a new consultation that begins with the patient's opening words."""

    @abstractmethod
    async def act(self, observation: str) -> str:
        """The next doctor turn, given the patient's latest reply."""
