"""Batched stepping: many consultations at once, on one event loop or over Gymnasium's vector envs.

Two ways to run N consultations side by side:

- `rollout_batch` plays N whole episodes concurrently on the caller's event loop: each episode is a
  `ConsultationSession` (from `envs.builder.session_factory`) driven by a `DoctorAgent` (the systematic baseline, an
  `LLMDoctor`, or your own policy) through `envs.driver.play_episode`. While one episode waits for a model, the others
  run, so N episodes against an LLM take about as long as the slowest one.
- `make_vec` builds a Gymnasium vector env with the settings text spaces need (see `VECTOR_KWARGS`).

Example:
    >>> import asyncio
    >>> from consultgym.agents.doctor.systematic import SystematicDoctor
    >>> from consultgym.envs.builder import session_factory
    >>> build = session_factory(scenarios="starter")
    >>> results = asyncio.run(rollout_batch(build, SystematicDoctor, ["chest-pain-58m", "back-pain-42m"], [0, 1]))
    >>> [(r.error, r.judgement is not None) for r in results]
    [('', True), ('', True)]
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import gymnasium as gym

from consultgym.agents.base import DoctorAgent
from consultgym.envs.driver import EpisodeResult, play_episode
from consultgym.envs.session import ConsultationSession
from consultgym.errors import ConfigError
from consultgym.scenarios.schema import Scenario

T = TypeVar("T")

# Text observations cannot live in shared memory: gymnasium decodes a `Text` from it once, when the vector env is built
# (so `UnicodeText` refuses it with a TypeError naming this fix, see envs.spaces). SAME_STEP resets a
# finished sub-env inside the step that finished it; with NEXT_STEP (gymnasium's default) the following step only
# resets it and ignores that sub-env's action, so the policy's generation for it is wasted.
VECTOR_KWARGS: dict[str, dict[str, Any]] = {
    "sync": {"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP},
    "async": {"shared_memory": False, "autoreset_mode": gym.vector.AutoresetMode.SAME_STEP},
}


def make_vec(
    env_id: str = "consultgym/Consultation-v0", num_envs: int = 2, mode: str = "sync", **env_kwargs: Any
) -> gym.vector.VectorEnv:
    """`gymnasium.make_vec` with the vector settings consultgym's text spaces need (`VECTOR_KWARGS`).

    Args:
        env_id: a registered consultgym id.
        num_envs: sub-environments.
        mode: ``sync`` (one process; the sub-envs step one after another, so N envs waiting on an LLM take N
            calls' time: prefer `rollout_batch` there) or ``async`` (one process per sub-env: the sub-envs step in
            parallel, and CPU-bound offline steps use every core).
        env_kwargs: passed to every sub-env, like `gym.make` kwargs (``patient="llm"``, ``patient_model=...``).
    """
    if mode not in VECTOR_KWARGS:
        raise ConfigError(f"mode={mode!r}: use 'sync' or 'async'")
    return gym.make_vec(
        env_id, num_envs=num_envs, vectorization_mode=mode, vector_kwargs=dict(VECTOR_KWARGS[mode]), **env_kwargs
    )


Source = Sequence[T] | Callable[[], T]


class _Pool(Generic[T]):
    """Hands out objects for one episode at a time: fresh ones from a factory, or reusable ones from a list."""

    def __init__(self, source: Source[T], what: str) -> None:
        self.factory: Callable[[], T] | None = None
        self.free: asyncio.Queue[T] = asyncio.Queue()
        if callable(source) and not isinstance(source, Sequence):
            self.factory = source
            self.size: int | None = None
            return
        items = list(source)
        if not items:
            raise ConfigError(f"rollout_batch needs at least one {what}, or a function that builds one")
        for item in items:
            self.free.put_nowait(item)
        self.size = len(items)

    async def take(self) -> T:
        return self.factory() if self.factory is not None else await self.free.get()

    def give(self, item: T) -> None:
        if self.factory is None:
            self.free.put_nowait(item)


async def rollout_batch(
    sessions: Source[ConsultationSession],
    doctors: Source[DoctorAgent],
    scenarios: Sequence[str | Scenario | None],
    seeds: Sequence[int],
    concurrency: int | None = None,
) -> list[EpisodeResult]:
    """Play one episode per (scenario, seed) pair concurrently; results come back in input order.

    Args:
        sessions: a function building a fresh session (`envs.builder.session_factory(...)`), or a list of sessions
            reused one episode at a time. Concurrent episodes never share a session.
        doctors: likewise for doctors: a class or factory (``SystematicDoctor``), or a list of instances.
        scenarios: the scenario of each episode (an id, a `Scenario`, or None to draw one from the seed).
        seeds: the seed of each episode; the same (scenario, seed) always meets the same patient.
        concurrency: episodes in flight at once (default: all); also bounded by the size of a list given above.

    A failing episode (a model that stays down, a bad action) does not stop the others: its `error` says why.
    """
    if len(scenarios) != len(seeds):
        raise ConfigError(f"{len(scenarios)} scenarios but {len(seeds)} seeds; give one seed per episode")
    session_pool, doctor_pool = _Pool(sessions, "session"), _Pool(doctors, "doctor")
    gate = asyncio.Semaphore(max(1, concurrency or len(seeds) or 1))

    async def one(index: int) -> EpisodeResult:
        async with gate:
            session, doctor = await session_pool.take(), await doctor_pool.take()
            try:
                return await play_episode(session, doctor, scenarios[index], seeds[index], index)
            finally:
                session_pool.give(session)
                doctor_pool.give(doctor)

    return list(await asyncio.gather(*(one(i) for i in range(len(seeds)))))
