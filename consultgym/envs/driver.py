"""Driving sessions: the one episode loop, and how a synchronous caller runs a session's coroutines.

- `play_episode` plays one whole episode of a doctor in a session: the runner, `rollout_batch`, and through them Ray
  actors all use it, so there is one episode loop.
- `SessionDriver` runs a session's coroutines for synchronous callers (the Gymnasium env, the TRL tool env, the app):
  with `run_sync` when every role is offline (no event loop: about 1 µs instead of 300), on a `LoopRunner` otherwise.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from consultgym.agents.base import DoctorAgent
from consultgym.envs.session import ConsultationSession
from consultgym.errors import ConsultGymError
from consultgym.records import Episode, Judgement, Turn
from consultgym.scenarios.schema import Scenario

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (offline roles) without an event loop.

    Raises:
        RuntimeError: the coroutine awaited real I/O, so it needs an event loop.
    """
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coro.close()
    raise RuntimeError("run_sync() was given a coroutine that awaits I/O; run it in an event loop instead")


class LoopRunner:
    """Runs coroutines of LLM roles on one private event loop in a daemon thread.

    One loop for the runner's lifetime, because async HTTP clients bind to the loop they first ran on; a thread, so a
    caller that is already inside a running event loop (Jupyter, async trainers) can still call synchronously.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="consultgym-env-loop", daemon=True)
            self._thread.start()
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def close(self) -> None:
        if self._loop is not None:
            from consultgym.agents.llm import aclose_clients

            # The pooled HTTP clients are bound to this loop: close their connections before the loop goes.
            asyncio.run_coroutine_threadsafe(aclose_clients(), self._loop).result(timeout=5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._loop.close()
            self._loop = self._thread = None


class SessionDriver:
    """Runs one session's coroutines synchronously: `run_sync` when every role is offline, a `LoopRunner` otherwise.

    Example:
        >>> from consultgym.envs.builder import session_factory
        >>> driver = SessionDriver(session_factory(scenarios="starter")())
        >>> opening, info = driver.run(driver.session.areset("chest-pain-58m", seed=0))
        >>> driver.run(driver.session.astep("When did the pain start?")).terminated
        False
        >>> driver.close()
    """

    def __init__(self, session: ConsultationSession) -> None:
        self.session = session
        self._runner: LoopRunner | None = None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self.session.offline:
            return run_sync(coro)
        self._runner = self._runner or LoopRunner()
        return self._runner.run(coro)

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
            self._runner = None


@dataclass
class EpisodeResult:
    """One finished (or failed) episode.

    Attributes:
        messages: the dialogue in OpenAI chat format from the doctor's side (patient = user, doctor = assistant).
        transcript: every turn, with drafts, verdicts and coverage so far.
        reward: the episode's reward (the judge's; 0 when it failed or was unscored).
        judgement: the judge's full breakdown, None when the episode did not finish.
        error: why the episode failed; empty when it completed.
        episode: the same episode as a run record (`records.Episode`).
    """

    index: int
    scenario_id: str
    seed: int
    messages: list[dict[str, str]]
    transcript: list[Turn]
    reward: float
    judgement: Judgement | None
    error: str
    episode: Episode


@dataclass(frozen=True)
class RecordLabels:
    """What a run writes beside each episode: its run id, env id and the settings (never a key)."""

    run_id: str = ""
    env_id: str = ""
    config: Mapping[str, Any] | None = None


async def play_episode(
    session: ConsultationSession,
    doctor: DoctorAgent,
    scenario: str | Scenario | None,
    seed: int,
    index: int = 0,
    labels: RecordLabels = RecordLabels(),
) -> EpisodeResult:
    """Play one whole episode of `doctor` in `session`; a failure is returned in `EpisodeResult.error`, not raised.

    A bad rollout is data, not a crash: the episode record keeps the turns played before the failure.
    """
    reward, error = 0.0, ""
    try:
        observation, _ = await session.areset(scenario, seed)
        doctor.reset(observation, seed)
        while not session.done:
            step = await session.astep(await doctor.act(observation))
            observation, reward = step.observation, reward + step.reward
    except Exception as exc:  # noqa: BLE001 - any failure of a rollout is recorded in it
        error = str(exc) if isinstance(exc, ConsultGymError) else f"{type(exc).__name__}: {exc}"
        error = error or type(exc).__name__
    return _result(session, scenario, seed, index, reward, error, labels)


def _result(
    session: ConsultationSession,
    scenario: str | Scenario | None,
    seed: int,
    index: int,
    reward: float,
    error: str,
    labels: RecordLabels,
) -> EpisodeResult:
    config = dict(labels.config) if labels.config is not None else None
    if session.scenario is None:  # failed before the episode started (e.g. an unknown scenario id)
        scenario_id = scenario.id if isinstance(scenario, Scenario) else str(scenario)
        episode = Episode(
            run_id=labels.run_id,
            index=index,
            scenario_id=scenario_id,
            seed=seed,
            env_id=labels.env_id or "consultgym/Consultation-v0",
            config=config or {},
            error=error,
        )
        return EpisodeResult(index, scenario_id, seed, [], [], 0.0, None, error, episode)
    episode = session.to_episode(index, labels.run_id, labels.env_id, config)
    episode.error = error
    return EpisodeResult(
        index,
        session.scenario.id,
        seed,
        session.messages(),
        session.transcript(),
        reward,
        session.judgement,
        error,
        episode,
    )
