"""Batch runs: N episodes of a doctor over a scenario library, concurrently, resumable, one JSON line per episode.

Episodes are planned up front: the scenarios in a seeded order, cycled until N, episode i getting seed `seed + i`.
An episode's key (index, scenario id, seed) identifies it; a rerun with the same output file skips the keys already
finished, reruns the ones recorded with an error, and never writes one twice. A failure inside an episode (an LLM that
stays down, a bug) is recorded in the episode's `error` field and the run goes on.
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from consultgym.agents.factory import make_doctor
from consultgym.config import DEFAULT_MAX_TURNS
from consultgym.envs.builder import load_scenarios, session_factory
from consultgym.envs.driver import RecordLabels, play_episode
from consultgym.envs.session import ConsultationSession
from consultgym.errors import ConfigError, RecordError
from consultgym.records import Episode, RunManifest
from consultgym.runfile import append_episode, compact, load_run, manifest_path, read_manifest
from consultgym.scenarios.schema import Scenario
from consultgym.settings import RunConfig

Key = tuple[int, str, int]
ERROR_EXAMPLES = 3  # distinct error messages a summary quotes


@dataclass
class Tally:
    """Episodes finished so far, and the most common reasons of those that errored."""

    completed: int = 0
    errored: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, episode: Episode) -> None:
        self.count(episode.error)

    def count(self, error: str) -> None:
        """One more episode, errored with `error` (or completed, when it is empty)."""
        if error:
            self.errored += 1
            self.errors[error] += 1
        else:
            self.completed += 1


@dataclass
class RunSummary:
    out: Path
    planned: int
    skipped: int
    completed: int
    errored: int
    warnings: list[str]
    seconds: float
    errors: list[tuple[str, int]] = field(default_factory=list)  # the most common error messages, with counts
    worker_cpu_s: float = 0.0  # CPU seconds the worker processes of a `--workers` run used (0 when in-process)

    @classmethod
    def of(
        cls, config: RunConfig, planned: int, todo: int, tally: Tally, warnings: list[str], started: float
    ) -> RunSummary:
        """The summary of a run that planned `planned` episodes, of which `todo` still had to be played."""
        seconds = round(time.perf_counter() - started, 3)
        examples = sorted(tally.errors.items(), key=lambda item: (-item[1], item[0]))[:ERROR_EXAMPLES]
        return cls(config.out, planned, planned - todo, tally.completed, tally.errored, warnings, seconds, examples)


def plan(scenario_ids: list[str], episodes: int, seed: int) -> list[tuple[int, str, int]]:
    """(index, scenario id, episode seed) for every episode: a seeded shuffle of the scenarios, cycled."""
    order = sorted(scenario_ids)
    random.Random(seed).shuffle(order)
    return [(i, order[i % len(order)], seed + i) for i in range(episodes)]


async def run_episode(
    config: RunConfig,
    build: Callable[[], ConsultationSession],
    key: Key,
    labels: RecordLabels,
) -> Episode:
    """Play one planned episode; any failure is recorded in the returned episode instead of raised."""
    started = time.perf_counter()
    index, scenario_id, seed = key
    doctor = make_doctor(config.doctor, config.questions_per_turn, config.max_turns or DEFAULT_MAX_TURNS)
    result = await play_episode(build(), doctor, scenario_id, seed, index, labels)
    result.episode.duration_s = round(time.perf_counter() - started, 4)
    return result.episode


class _Bar(tqdm):  # type: ignore[misc]
    """tqdm without its monitor thread (tqdm starts one for every bar, disabled ones included, and it outlives the
    run): a process that ran once would otherwise have a thread, and its next ``--workers`` run could not fork."""

    monitor_interval = 0


@dataclass
class Prepared:
    """A run ready to play: its library, plan, what is already finished, and how records are labelled."""

    library: list[Scenario]
    planned: list[Key]
    finished: set[Key]
    warnings: list[str]
    labels: RecordLabels

    @property
    def todo(self) -> list[Key]:
        return [key for key in self.planned if key not in self.finished]

    def progress(self, config: RunConfig) -> tqdm:
        """The run's progress bar, counting the episodes a resume already finished."""
        return _Bar(
            total=len(self.planned),
            initial=len(self.planned) - len(self.todo),
            disable=not config.progress,
            unit="episode",
            desc=config.out.name,
        )


def prepare(config: RunConfig) -> Prepared:
    """Load the library, plan the episodes, check the role settings and endpoints, and resume from the output file.

    Everything that can be refused is refused here, before anything is written.
    """
    library = load_scenarios(config)
    episodes = config.episodes if config.episodes is not None else len(library)
    planned = plan([s.id for s in library], episodes, config.seed)
    session_factory(config, library)  # bad role settings fail here, before the manifest writes them to disk
    check_endpoints(config)
    previous = read_manifest(config.out) if config.out.exists() else None
    run_id = previous.run_id if previous is not None else config.out.stem  # a renamed run file keeps its run id
    manifest = RunManifest(
        run_id=run_id,
        scenarios=sorted(s.id for s in library),
        seed=config.seed,
        env_id=config.env,
        config=config.record(),
    )
    _check_manifest(config.out, manifest, previous)
    finished: set[Key] = set()
    warnings: list[str] = []
    if config.out.exists():
        existing = load_run(config.out, run_id=run_id)
        keep = [e for e in existing.episodes if e.ok]
        finished = {e.key for e in keep}
        warnings = existing.warnings
        compact(config.out, keep, existing.rejected)  # drops errored episodes (rerun now) and broken lines
    return Prepared(library, planned, finished, warnings, RecordLabels(run_id, config.env, manifest.config))


def check_endpoints(config: RunConfig) -> None:
    """Refuse a run whose model servers cannot be reached, in seconds instead of after every episode's retries.

    Raises:
        ConfigError: a role's endpoint does not resolve or refuses connections.
    """
    from consultgym.agents.llm import probe_endpoint

    problems: dict[str, str | None] = {}
    for role, settings in config.llm_roles().items():
        endpoint = settings.endpoint
        if endpoint not in problems:
            problems[endpoint] = probe_endpoint(endpoint)
        if problems[endpoint]:
            option = "--" + role.split(":")[0] + "-base-url"
            raise ConfigError(
                f"{role}: cannot reach {endpoint} ({problems[endpoint]}); start the server or fix {option}"
            )


def _check_manifest(out: Path, manifest: RunManifest, previous: RunManifest | None) -> None:
    if previous is not None:
        for name in ("scenarios", "seed", "env_id", "config"):
            if getattr(previous, name) != getattr(manifest, name):
                raise ConfigError(
                    f"{out} was written by a run with a different {name}; resume only with the same settings, "
                    f"or choose another --out"
                )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        manifest_path(out).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    except OSError as exc:
        raise RecordError(f"{manifest_path(out)}: cannot write the run manifest ({exc.strerror or exc})") from None


async def arun(config: RunConfig) -> RunSummary:
    """Run (or resume) a batch of episodes in this process; see the module docstring."""
    started = time.perf_counter()
    run = prepare(config)
    todo = run.todo
    tally = Tally()
    bar = run.progress(config)

    def record(episode: Episode) -> None:
        append_episode(config.out, episode)
        tally.add(episode)
        bar.update(1)

    try:
        await play_planned(config, session_factory(config, run.library), todo, run.labels, record)
    finally:
        bar.close()
    return RunSummary.of(config, len(run.planned), len(todo), tally, run.warnings, started)


async def play_planned(
    config: RunConfig,
    build: Callable[[], ConsultationSession],
    todo: list[Key],
    labels: RecordLabels,
    record: Callable[[Episode], None],
) -> None:
    """Play the planned episodes, ``config.concurrency`` at a time, handing each finished one to `record`.

    ``config.concurrency`` tasks each play the next planned episode until none is left: the episodes start in plan
    order, and a run of a million episodes holds as many tasks as it has episodes in flight, not a million.
    """
    keys = iter(todo)

    async def play() -> None:
        for key in keys:  # one iterator shared by every task: each key is played once
            record(await run_episode(config, build, key, labels))

    try:
        with batch_gc():
            await asyncio.gather(*(play() for _ in range(min(config.concurrency, len(todo)))))
    finally:
        await _close_llm_clients()


GC_GEN0_THRESHOLD = 20_000  # while a batch plays (CPython's default is 700)


@contextmanager
def batch_gc() -> Iterator[None]:
    """Run the cyclic garbage collector's youngest generation at most every `GC_GEN0_THRESHOLD` allocations.

    With hundreds of episodes in flight, nearly every object a collection finds alive belongs to an episode that will
    end within the second; at CPython's default (every 700 net allocations) each of those survives into older
    generations and the full collections that follow walk the whole heap (the scenario library, every module):
    measured at 256 episodes in flight, a fifth of the client's CPU. A higher threshold lets them die young, freed by
    reference counting. The setting is the process's, so it is restored when the batch ends (unless something else
    changed it meanwhile); cyclic garbage is still collected, only in larger batches.
    """
    before = gc.get_threshold()
    ours = (max(before[0], GC_GEN0_THRESHOLD), *before[1:]) if before[0] else before  # 0: automatic collection off
    gc.set_threshold(*ours)
    try:
        yield
    finally:
        if gc.get_threshold() == ours:
            gc.set_threshold(*before)


async def _close_llm_clients() -> None:
    """Pooled HTTP clients are bound to this run's event loop: close them before it goes."""
    import sys

    if "consultgym.agents.llm" in sys.modules:
        await sys.modules["consultgym.agents.llm"].aclose_clients()


def run(config: RunConfig) -> RunSummary:
    """Synchronous entry point of `arun`: the run in this process.

    Raises:
        ConfigError: ``config.workers`` asks for more processes: `consultgym.workers.run_workers` plays those.
    """
    if config.workers > 1:
        raise ConfigError(
            f"workers={config.workers}: runner.run plays in this process; use consultgym.workers.run_workers(config) "
            "(what `consultgym run --workers` does), or workers=1"
        )
    return asyncio.run(arun(config))
