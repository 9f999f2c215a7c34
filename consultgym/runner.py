"""Batch runs: N episodes of a doctor over a scenario library, concurrently, resumable, one JSON line per episode.

Episodes are planned up front: the scenarios in a seeded order, cycled until N, episode i getting seed `seed + i`.
An episode's key (index, scenario id, seed) identifies it; a rerun with the same output file skips the keys already
finished, reruns the ones recorded with an error, and never writes one twice. A failure inside an episode (an LLM that
stays down, a bug) is recorded in the episode's `error` field and the run goes on.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from consultgym.agents.factory import llm_options, make_doctor
from consultgym.config import (
    DEFAULT_LIBRARY,
    DEFAULT_MAX_REVISIONS,
    DEFAULT_QUESTIONS_PER_TURN,
    LLMSettings,
    is_secret_option,
)
from consultgym.envs.session import ConsultationSession, build_session
from consultgym.errors import ConfigError, ConsultGymError
from consultgym.records import Episode, RunManifest
from consultgym.runfile import append_episode, compact, load_run
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.schema import Scenario


@dataclass
class RunSpec:
    """Everything that defines a run. `options` carries the `<role>_*` LLM settings (model, base_url, ...)."""

    out: Path
    scenarios: list[str] = field(default_factory=lambda: [DEFAULT_LIBRARY])
    episodes: int | None = None  # default: one per scenario
    seed: int = 0
    concurrency: int = 1
    doctor: str = "scripted"
    patient: str = "offline"
    guardian: str = "offline"
    judge: str = "offline"
    env_id: str = "consultgym/Consultation-v0"
    max_turns: int | None = None
    max_revisions: int = DEFAULT_MAX_REVISIONS
    questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN
    options: dict[str, Any] = field(default_factory=dict)
    progress: bool = True

    def role_config(self) -> dict[str, Any]:
        """Settings written into records and manifests: role kinds, options and the LLM roles' effective settings
        (defaults such as the token cap filled in), never a secret. A resume must match them."""
        options = {k: v for k, v in self.options.items() if not is_secret_option(k)}
        return {
            "doctor": self.doctor,
            "patient": self.patient,
            "guardian": self.guardian,
            "judge": self.judge,
            "max_turns": self.max_turns,
            "max_revisions": self.max_revisions,
            "questions_per_turn": self.questions_per_turn,
            **options,
            **self._effective_llm_settings(),
        }

    def _effective_llm_settings(self) -> dict[str, Any]:
        roles = {"doctor": self.doctor, "patient": self.patient, "guardian": self.guardian, "judge": self.judge}
        effective: dict[str, Any] = {}
        for role, kind in roles.items():
            # A panel judge's members are built from judge_models; its shared options are recorded as given.
            if kind in ("llm", "tiered") and f"{role}_model" in self.options:
                settings = LLMSettings.from_options(role, **llm_options(role, self.options)).describe()
                effective |= {f"{role}_{name}": value for name, value in settings.items()}
        return effective


@dataclass
class RunSummary:
    out: Path
    planned: int
    skipped: int
    completed: int
    errored: int
    warnings: list[str]
    seconds: float

    @classmethod
    def of(
        cls, spec: RunSpec, planned: int, todo: int, counts: dict[str, int], warnings: list[str], started: float
    ) -> RunSummary:
        """The summary of a run that planned `planned` episodes, of which `todo` still had to be played."""
        seconds = round(time.perf_counter() - started, 3)
        return cls(spec.out, planned, planned - todo, counts["completed"], counts["errored"], warnings, seconds)


def plan(scenario_ids: list[str], episodes: int, seed: int) -> list[tuple[int, str, int]]:
    """(index, scenario id, episode seed) for every episode: a seeded shuffle of the scenarios, cycled."""
    order = sorted(scenario_ids)
    random.Random(seed).shuffle(order)
    return [(i, order[i % len(order)], seed + i) for i in range(episodes)]


def _history_only(env_id: str) -> bool:
    if env_id not in {"consultgym/Consultation-v0", "consultgym/HistoryTaking-v0"}:
        raise ConfigError(
            f"--env {env_id!r} is not a consultgym env id; use consultgym/Consultation-v0 or HistoryTaking-v0"
        )
    return env_id.endswith("HistoryTaking-v0")


def session_factory(spec: RunSpec, library: list[Scenario]) -> Callable[[], ConsultationSession]:
    """A function building fresh roles for each episode (roles keep per-episode usage and state)."""
    diagnosis = not _history_only(spec.env_id)

    def build() -> ConsultationSession:
        return build_session(
            library,
            spec.patient,
            spec.guardian,
            spec.judge,
            diagnosis=diagnosis,
            max_turns=spec.max_turns,
            max_revisions=spec.max_revisions,
            questions_per_turn=spec.questions_per_turn,
            **spec.options,
        )

    build()  # fail fast on bad settings, before any episode starts
    return build


async def run_episode(
    spec: RunSpec,
    build: Callable[[], ConsultationSession],
    index: int,
    scenario_id: str,
    seed: int,
    run_id: str,
) -> Episode:
    """Play one episode; any failure is recorded in the returned episode instead of raised."""
    started = time.perf_counter()
    session = build()
    doctor = make_doctor(spec.doctor, **spec.options)
    try:
        observation, _ = await session.areset(scenario_id, seed)
        doctor.reset(observation, seed)
        while not session.done:
            observation = (await session.astep(await doctor.act(observation))).observation
        episode = session.to_episode(index, run_id, spec.env_id, spec.role_config())
    except Exception as exc:  # a bad rollout is data, not a crash
        episode = _failed_episode(session, spec, index, scenario_id, seed, run_id, exc)
    episode.duration_s = round(time.perf_counter() - started, 4)
    return episode


def _failed_episode(
    session: ConsultationSession,
    spec: RunSpec,
    index: int,
    scenario_id: str,
    seed: int,
    run_id: str,
    exc: Exception,
) -> Episode:
    error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ConsultGymError) else str(exc)
    if session.scenario is not None:
        episode = session.to_episode(index, run_id, spec.env_id, spec.role_config())
        episode.error = error or type(exc).__name__
        return episode
    return Episode(
        run_id=run_id,
        index=index,
        scenario_id=scenario_id,
        seed=seed,
        env_id=spec.env_id,
        config=spec.role_config(),
        error=error or type(exc).__name__,
    )


def prepare(
    spec: RunSpec,
) -> tuple[list[Scenario], list[tuple[int, str, int]], set[tuple[int, str, int]], list[str]]:
    """Load the library, plan the episodes, and resume from the output file when it exists."""
    library = load_library(spec.scenarios)
    episodes = spec.episodes if spec.episodes is not None else len(library)
    if episodes < 1:
        raise ConfigError(f"--episodes must be at least 1, got {episodes}")
    planned = plan([s.id for s in library], episodes, spec.seed)
    manifest = RunManifest(
        run_id=spec.out.stem,
        scenarios=sorted(s.id for s in library),
        seed=spec.seed,
        env_id=spec.env_id,
        config=spec.role_config(),
    )
    session_factory(spec, library)  # bad role settings fail here, before the manifest writes them to disk
    _check_manifest(spec.out, manifest)
    finished: set[tuple[int, str, int]] = set()
    warnings: list[str] = []
    if spec.out.exists():
        existing = load_run(spec.out)
        keep = _latest_finished(existing.episodes)
        finished = {e.key for e in keep}
        warnings = existing.warnings
        compact(spec.out, keep, existing.rejected)  # drops errored episodes (rerun now) and broken lines
    return library, planned, finished, warnings


def _latest_finished(episodes: list[Episode]) -> list[Episode]:
    by_key: dict[tuple[int, str, int], Episode] = {}
    for episode in episodes:
        if episode.ok and episode.key not in by_key:
            by_key[episode.key] = episode
    return list(by_key.values())


def _check_manifest(out: Path, manifest: RunManifest) -> None:
    path = out.with_suffix(out.suffix + ".manifest.json")
    if path.exists() and out.exists():
        previous = RunManifest.model_validate_json(path.read_text(encoding="utf-8"))
        for name in ("scenarios", "seed", "env_id", "config"):
            if getattr(previous, name) != getattr(manifest, name):
                raise ConfigError(
                    f"{out} was written by a run with a different {name}; resume only with the same settings, "
                    f"or choose another --out"
                )
    out.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(manifest.model_dump_json(indent=2), encoding="utf-8")


async def arun(spec: RunSpec) -> RunSummary:
    """Run (or resume) a batch of episodes; see the module docstring."""
    started = time.perf_counter()
    library, planned, finished, warnings = prepare(spec)
    todo = [p for p in planned if p not in finished]
    build = session_factory(spec, library)
    gate = asyncio.Semaphore(max(1, spec.concurrency))
    counts = {"completed": 0, "errored": 0}
    bar = tqdm(
        total=len(planned),
        initial=len(planned) - len(todo),
        disable=not spec.progress,
        unit="episode",
        desc=spec.out.name,
    )

    async def one(index: int, scenario_id: str, seed: int) -> None:
        async with gate:
            episode = await run_episode(spec, build, index, scenario_id, seed, spec.out.stem)
        append_episode(spec.out, episode)
        counts["errored" if episode.error else "completed"] += 1
        bar.update(1)

    try:
        await asyncio.gather(*(one(*p) for p in todo))
    finally:
        bar.close()
        await _close_llm_clients()
    return RunSummary.of(spec, len(planned), len(todo), counts, warnings, started)


async def _close_llm_clients() -> None:
    """Pooled HTTP clients are bound to this run's event loop: close them before it goes."""
    import sys

    if "consultgym.agents.llm" in sys.modules:
        await sys.modules["consultgym.agents.llm"].aclose_clients()


def run(spec: RunSpec) -> RunSummary:
    """Synchronous entry point of `arun`."""
    return asyncio.run(arun(spec))
