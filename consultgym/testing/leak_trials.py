"""Play the leak-form probes through real sessions: an LLM patient that obeys, behind each guardian, on the loopback
server. Used by ``benchmarks/leak_forms.py`` and the security tests.

Every probe is the first turn of a fresh episode. A leak is *emitted* when the observation the doctor gets is the
leaking reply itself (anything else is a revision or the fact-only fallback, which the obeying patient never
changes). The echo probe counts how well the doctor can tell the diagnosis from the observations
(`consultgym.testing.leak_forms.echo_identification`).

Example:
    >>> from consultgym.scenarios.loader import load_library
    >>> trial = LeakTrial(load_library("starter")[:1])
    >>> with trial.serve():
    ...     result = trial.run("offline", "oracle")
    >>> result.emitted["plain"], result.probes["plain"]
    (0, 1)
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from consultgym.agents.llm import aclose_clients
from consultgym.envs.builder import build_session
from consultgym.envs.session import ConsultationSession
from consultgym.scenarios.schema import Scenario
from consultgym.settings import EnvConfig
from consultgym.testing.fake_openai import FakeOpenAIServer
from consultgym.testing.leak_forms import FORMS, LeakProbe, echo_identification, echo_probes, leak_probes
from consultgym.testing.scripted_models import ObeyingPatient, OracleGuardian, fooled_guardian

GUARDIANS = ("offline", "tiered", "llm")
LEAK_FORMS = tuple(form for form in FORMS if form != "echo")
GUARDIAN_MODELS = ("oracle", "fooled")


def sample_scenarios(library: Sequence[Scenario], count: int, seed: int = 0) -> list[Scenario]:
    """`count` scenarios drawn without replacement, the same ones for the same library and seed."""
    ordered = sorted(library, key=lambda s: s.id)
    return random.Random(seed).sample(ordered, min(count, len(ordered)))


@dataclass
class TrialResult:
    """Per leak form: probes played and leaks emitted. For the echo probe: scenarios, honest echoes the guardian
    altered (blocked), and the expected number of scenarios whose diagnosis the doctor identifies."""

    probes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEAK_FORMS, 0))
    emitted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEAK_FORMS, 0))
    echo_scenarios: int = 0
    echo_altered: int = 0
    echo_identified: float = 0.0  # the sum over scenarios of the chance the doctor names the diagnosis
    examples: list[str] = field(default_factory=list)

    @property
    def echo_rate(self) -> float:
        return self.echo_identified / self.echo_scenarios if self.echo_scenarios else 0.0


class LeakTrial:
    """The probes of some scenarios, the loopback server that plays the models, and sessions for each guardian.

    Args:
        scenarios: the scenarios to probe.
        pool: illness names for decoys (default: every diagnosis of `scenarios`).
        max_revisions: revisions before the fact-only fallback (the obeying patient repeats itself anyway).
    """

    def __init__(
        self, scenarios: Sequence[Scenario], pool: Sequence[str] | None = None, max_revisions: int = 2
    ) -> None:
        self.scenarios = list(scenarios)
        pool = sorted(pool or {s.diagnosis.name for s in self.scenarios})
        self.leaks = {s.id: leak_probes(s, pool) for s in self.scenarios}
        self.echoes = {s.id: echo_probes(s, pool) for s in self.scenarios}
        self.max_revisions = max_revisions
        self.patient = ObeyingPatient()
        self.server: FakeOpenAIServer | None = None

    @property
    def all_probes(self) -> list[LeakProbe]:
        return [p for s in self.scenarios for p in (*self.leaks[s.id], *self.echoes[s.id])]

    @contextmanager
    def serve(self) -> Iterator[FakeOpenAIServer]:
        """Run the loopback server with the obeying patient and both guardian models."""
        probes = self.all_probes
        scripts = {
            "obeying-patient": self.patient,
            "oracle": OracleGuardian(probes),
            "fooled": fooled_guardian,
        }
        with FakeOpenAIServer(by_model=scripts) as server:
            self.server = server
            try:
                yield server
            finally:
                self.server = None

    def run(self, guardian: str, model: str, *, leaks: bool = True, echoes: bool = True) -> TrialResult:
        """Play the probes of every scenario behind `guardian` (offline, tiered, llm) with guardian model `model`.

        Args:
            leaks: play the leak-form probes.
            echoes: play the echo probe.
        """
        return asyncio.run(self.arun(guardian, model, leaks=leaks, echoes=echoes))

    async def arun(self, guardian: str, model: str, *, leaks: bool = True, echoes: bool = True) -> TrialResult:
        result = TrialResult()
        try:
            for scenario in self.scenarios:
                session = self._session(scenario, guardian, model)
                if leaks:
                    await self._play_leaks(scenario, session, result)
                if echoes:
                    await self._play_echoes(scenario, session, result)
        finally:
            await aclose_clients()
        return result

    def _session(self, scenario: Scenario, guardian: str, model: str) -> ConsultationSession:
        if self.server is None:
            raise RuntimeError("LeakTrial.run() needs the server: call it inside `with trial.serve():`")
        roles = {"patient": "obeying-patient"} | ({} if guardian == "offline" else {"guardian": model})
        settings: dict[str, object] = {"patient": "llm", "guardian": guardian, "max_revisions": self.max_revisions}
        for role, served in roles.items():
            settings |= {f"{role}_model": served, f"{role}_base_url": self.server.base_url}
            settings |= {f"{role}_max_retries": 0, f"{role}_timeout": 30.0}
        return build_session(EnvConfig.parse(settings), [scenario])

    async def _play_leaks(self, scenario: Scenario, session: ConsultationSession, result: TrialResult) -> None:
        for probe in self.leaks[scenario.id]:
            observation = await self._first_turn(session, scenario, probe)
            result.probes[probe.form] += 1
            if observation == probe.reply:
                result.emitted[probe.form] += 1
                if len(result.examples) < 5:
                    result.examples.append(f"{scenario.id} {probe.form}/{probe.variant}: {probe.reply[:80]!r}")

    async def _play_echoes(self, scenario: Scenario, session: ConsultationSession, result: TrialResult) -> None:
        echoes = self.echoes[scenario.id]
        if not echoes:
            return  # the scenario's facts name the diagnosis: an honest patient would not deny it
        observations = [await self._first_turn(session, scenario, probe) for probe in echoes]
        result.echo_scenarios += 1
        result.echo_identified += echo_identification(echoes, observations, scenario.diagnosis.name)
        result.echo_altered += sum(seen != probe.reply for probe, seen in zip(echoes, observations, strict=True))

    async def _first_turn(self, session: ConsultationSession, scenario: Scenario, probe: LeakProbe) -> str:
        self.patient.expect(probe)
        await session.areset(scenario.id, 0)
        return (await session.astep(probe.question)).observation
