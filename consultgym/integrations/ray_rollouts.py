"""Run files written by Ray actors: the same episodes, records, resume and report as a local run, spread over a cluster.

The driver plans and resumes exactly as `consultgym.runner` does (`prepare`: same plan, same manifest check, same
skipping of finished episodes); each actor holds the scenario library, builds sessions with
`envs.builder.session_factory` and plays episodes with `runner.run_episode` on its own event loop (an async actor, so
one actor keeps many LLM episodes in flight, with its own pooled HTTP client). Actors return each `Episode` as JSON;
only the driver writes the run file (`runfile.append_episode`), one line as each episode arrives. An episode whose
actor died is recorded with an error, so a rerun with the same output file plays it again: no episode is lost.

Command line: ``consultgym run --ray [ADDRESS] --ray-actors N ...`` (no ADDRESS: a local Ray instance). Python:
``run_ray(RunConfig(...), address="auto", actors=8)``. Nodes of a remote cluster need consultgym installed (or pass
``init_kwargs={"runtime_env": {"pip": ["consultgym"]}}``). Requires ``pip install 'consultgym[ray]'``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from consultgym.envs.builder import load_scenarios, session_factory
from consultgym.envs.driver import RecordLabels
from consultgym.envs.session import ConsultationSession
from consultgym.errors import ConfigError
from consultgym.integrations import require
from consultgym.records import Episode
from consultgym.runfile import append_episode
from consultgym.runner import Key, Prepared, RunSummary, Tally, prepare, run_episode
from consultgym.settings import RunConfig

WAIT_S = 0.2  # how long the driver waits for more results before writing what has arrived


class RolloutWorker:
    """The actor's body: a scenario library and a session factory, playing episodes on the actor's event loop."""

    def __init__(self, config: RunConfig, labels: RecordLabels) -> None:
        self.config, self.labels = config, labels
        self.build: Callable[[], ConsultationSession] = session_factory(config, load_scenarios(config))

    async def play(self, index: int, scenario_id: str, seed: int) -> str:
        """One episode as `Episode` JSON (a failure inside it is recorded in the episode, not raised)."""
        episode = await run_episode(self.config, self.build, (index, scenario_id, seed), self.labels)
        return episode.model_dump_json()


def run_ray(
    config: RunConfig,
    address: str | None = None,
    actors: int | None = None,
    actor_cpus: float | None = None,
    init_kwargs: dict[str, Any] | None = None,
) -> RunSummary:
    """Run (or resume) `spec` over Ray actors; the run file is the one `runner.run(spec)` would write.

    Args:
        config: the run; ``config.concurrency`` is the total of episodes in flight, shared among the actors.
        address: ``local`` starts a Ray instance on this machine; ``auto`` or ``ray://host:10001`` joins a cluster
            (default: ``config.ray``, else local). When Ray is already initialised in this process, it is used.
        actors: how many actors (processes) play episodes (default: ``config.ray_actors``).
        actor_cpus: CPUs reserved per actor; default: 1, or less when the cluster has fewer CPUs than actors.
        init_kwargs: more arguments for ``ray.init`` (``runtime_env``, ``num_cpus`` ...).

    Raises:
        MissingExtraError: Ray is not installed.
        ConfigError: bad settings, or a run file written with other settings.
    """
    ray = require("ray", "ray")
    update = {k: v for k, v in {"ray": address, "ray_actors": actors}.items() if v is not None}
    config = RunConfig.parse({**config.model_dump(exclude_unset=True), **update}) if update else config
    started = time.perf_counter()
    run = prepare(config)  # bad settings fail here, before any actor starts
    owns_ray = _connect(ray, config.ray or "local", init_kwargs or {})
    workers: list[Any] = []
    try:
        workers = _start_workers(ray, config, run.labels, actor_cpus)
        tally = _collect(ray, config, workers, run)
    finally:
        for worker in workers:
            ray.kill(worker)
        if owns_ray:
            ray.shutdown()
    return RunSummary.of(config, len(run.planned), len(run.todo), tally, run.warnings, started)


def _connect(ray: Any, address: str | None, init_kwargs: dict[str, Any]) -> bool:
    """Initialise Ray unless it already is; True when this call started it (so it shuts it down)."""
    if ray.is_initialized():
        return False
    kwargs = {"include_dashboard": False, "logging_level": logging.WARNING, **init_kwargs}
    if address not in (None, "local"):
        kwargs["address"] = address
    ray.init(**kwargs)
    return True


def _start_workers(ray: Any, config: RunConfig, labels: RecordLabels, actor_cpus: float | None) -> list[Any]:
    actors = config.ray_actors
    total = float(ray.cluster_resources().get("CPU", 0.0))
    cpus = actor_cpus if actor_cpus is not None else min(1.0, total / actors)
    if cpus * actors > total + 1e-9:
        raise ConfigError(f"{actors} actors x {cpus:g} CPUs exceed the cluster's {total:g} CPUs; use fewer actors")
    per_actor = max(1, math.ceil(config.concurrency / actors))
    remote = ray.remote(RolloutWorker).options(num_cpus=cpus, max_concurrency=per_actor)
    return [remote.remote(config, labels) for _ in range(actors)]


def _collect(ray: Any, config: RunConfig, workers: list[Any], run: Prepared) -> Tally:
    """Hand the episodes out round-robin; write each as it comes back."""
    pending = {workers[i % len(workers)].play.remote(*key): key for i, key in enumerate(run.todo)}
    tally, labels = Tally(), run.labels
    bar = run.progress(config)
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=len(pending), timeout=WAIT_S)
            for ref in ready:
                episode = _episode(ray, ref, pending.pop(ref), labels)
                append_episode(config.out, episode)
                tally.add(episode)
                bar.update(1)
    finally:
        bar.close()
    return tally


def _episode(ray: Any, ref: Any, key: Key, labels: RecordLabels) -> Episode:
    try:
        return Episode.model_validate_json(ray.get(ref))
    except Exception as exc:  # the actor died or the task failed: record it, a rerun plays it again
        return labels.unplayed(key, f"ray: {type(exc).__name__}: {str(exc)[:300]}")
