"""Driving sessions: the one episode loop, and how a synchronous caller runs a session's coroutines.

- `play_episode` plays one whole episode of a doctor in a session: the runner, `rollout_batch`, and through them Ray
  actors all use it, so there is one episode loop.
- `SessionDriver` runs a session's coroutines for synchronous callers (the Gymnasium env, the TRL tool env, the app):
  with `run_sync` when nothing awaits I/O (offline roles and the direct turn loop: no event loop, about 1 µs instead of
  300), otherwise on the process's `SharedLoop`: one thread and one HTTP connection pool for every env of a process.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import os
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


class SharedLoop:
    """The process's one event loop for synchronous callers, on one daemon thread started on first use.

    Every LLM-backed gym env, TRL tool env and Play page of a process runs its coroutines here, so they share one
    thread and one pool of HTTP connections (`agents.chat_client` keeps one per loop): 200 envs cost 200 sessions,
    not 200 threads, loops and clients. A thread, so a caller already inside a running event loop (Jupyter, an async
    trainer) can still step synchronously. A forked child starts its own on first use; at exit the connections are
    closed before the loop stops.
    """

    _lock = threading.Lock()
    _instance: SharedLoop | None = None

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="consultgym-loop", daemon=True)
        self.thread.start()

    @classmethod
    def get(cls) -> SharedLoop:
        """This process's loop (started now if it is not running yet, or was inherited from a parent by fork)."""
        with cls._lock:
            if cls._instance is None or cls._instance.pid != os.getpid():
                cls._instance = cls()
                atexit.register(cls._instance.close)
            return cls._instance

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Start `coro` on the loop; its future, to wait on from the calling thread.

        Raises:
            RuntimeError: called from the loop's own thread, where waiting would block the loop forever.
        """
        if threading.current_thread() is self.thread:
            coro.close()
            raise RuntimeError(
                "a consultgym session was stepped synchronously from inside consultgym's event loop; "
                "await the session's coroutines (session.areset / session.astep) there instead"
            )
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.submit(coro).result()

    def close(self) -> None:
        """Close the pooled HTTP connections, then stop the loop (at interpreter exit)."""
        if self.pid != os.getpid() or self.loop.is_closed():
            return
        from consultgym.agents.llm import aclose_clients

        try:
            asyncio.run_coroutine_threadsafe(aclose_clients(), self.loop).result(timeout=5)
        except (RuntimeError, TimeoutError, concurrent.futures.TimeoutError):
            pass  # a loop that cannot finish closing in time: the process is exiting anyway
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        if not self.thread.is_alive():
            self.loop.close()


class SessionDriver:
    """Runs one session's coroutines synchronously: `run_sync` when the session allows it, else the `SharedLoop`.

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

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self.session.synchronous:
            return run_sync(coro)
        return SharedLoop.get().run(coro)

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Start `coro`; its future (already done when the session runs synchronously)."""
        if not self.session.synchronous:
            return SharedLoop.get().submit(coro)
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        try:
            future.set_result(run_sync(coro))
        except BaseException as exc:  # handed to the caller by future.result(), as from the loop
            future.set_exception(exc)
        return future

    def close(self) -> None:
        """Nothing to release: the loop and its connections belong to the process, shared by every driver."""


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

    def unplayed(self, key: tuple[int, str, int], error: str) -> Episode:
        """The record of an episode that never finished (its worker or actor died): only the error, so a rerun
        plays it again."""
        index, scenario_id, seed = key
        return Episode(
            run_id=self.run_id, index=index, scenario_id=scenario_id, seed=seed, env_id=self.env_id,
            config=dict(self.config or {}), error=error,
        )  # fmt: skip


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
