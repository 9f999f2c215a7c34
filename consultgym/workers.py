"""Processes for cores: one run played by N worker processes, each with its own event loop, HTTP pool and cap.

One Python process tops out at one core: with many LLM calls in flight (or offline episodes, which are pure CPU) the
client's own work is the ceiling. ``consultgym run --workers N`` (`RunConfig.workers`; the command defaults to the
cores available) spreads the episodes over N processes on this machine; Ray (`consultgym.integrations.ray_rollouts`)
stays the way to use many machines.

- `run_workers(config)` is the entry (``consultgym run`` calls it; `runner.run` plays in one process only, Ray's
  `run_ray` across machines). The parent plans and resumes exactly as `runner.arun` (`runner.prepare`: same plan,
  manifest check and skipping of finished episodes), then deals the episodes still to play to the workers in turn.
- Each worker is a child process that builds sessions with `envs.builder.session_factory` and plays its share with
  `runner.play_planned` on its own event loop, at most ``ceil(concurrency / workers)`` episodes in flight:
  ``--concurrency`` is the run's total, as with Ray, so a rate-limited server sees the same load whatever the workers.
  A parent with no other thread (the ``consultgym`` command) forks its workers, which start at once with the library
  already loaded; a parent that runs threads (an app, a trainer, an env's loop) uses a fork server instead, since
  forking a threaded process can copy a lock another thread holds (the server preloads the LLM client, and each
  child gets the library pickled). The run's progress bar starts no thread (tqdm's monitor is off), so a process
  that has run before still forks.
- Only the parent writes the run file: a worker sends each finished episode, already serialised, over a pipe; the
  parent appends it as one line in one write (`runfile.append_line`). A worker that dies has its unfinished episodes
  recorded with an error, so a rerun with the same file plays them again; none is lost or written twice. Workers end
  with their parent (Linux), so a killed run leaves no orphan calling a model.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import math
import multiprocessing as mp
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Any

from consultgym.envs.builder import session_factory
from consultgym.envs.driver import RecordLabels
from consultgym.records import Episode
from consultgym.runfile import append_line
from consultgym.runner import Key, RunSummary, Tally, play_planned, prepare
from consultgym.runner import run as run_here
from consultgym.scenarios.schema import Scenario
from consultgym.settings import RunConfig

PR_SET_PDEATHSIG = 1  # prctl(2)
FORKSERVER_LLM_PRELOAD = tuple(
    f"consultgym.agents.{module}" for module in ("llm", "doctor.llm", "patient.llm", "guardian.llm", "judge.llm")
)
DONE = "done"  # what a worker sends, with the CPU seconds it used, once its share is played


def run_workers(config: RunConfig) -> RunSummary:
    """Run (or resume) `config` in ``config.workers`` processes; the run file is the one `runner.run` writes in one.

    With one worker (or at most one episode in flight) the run is played in this process, by `runner.run`.

    Raises:
        ConfigError: bad settings, or a run file written with other settings (before any process starts).
    """
    if min(config.workers, config.concurrency) == 1:
        return run_here(config.model_copy(update={"workers": 1}))
    started = time.perf_counter()
    run = prepare(config)
    todo = run.todo
    count = max(1, min(config.workers, config.concurrency, len(todo)))
    shares = [share for share in (todo[i::count] for i in range(count)) if share]
    local = config.model_copy(update={"concurrency": math.ceil(config.concurrency / count), "workers": 1})
    pending = _start(local, run.library, run.labels, shares)  # before the progress bar, whose monitor is a thread
    bar = run.progress(config)
    tally, cpu = Tally(), [0.0]
    try:
        _collect(config, run.labels, pending, tally, cpu, bar)
    finally:
        bar.close()
    summary = RunSummary.of(config, len(run.planned), len(todo), tally, run.warnings, started)
    summary.worker_cpu_s = round(cpu[0], 3)
    return summary


def _start(
    config: RunConfig, library: list[Scenario], labels: RecordLabels, shares: list[list[Key]]
) -> dict[Connection, tuple[Any, set[Key]]]:
    """One worker per share; each worker's process and the episodes it still owes, by the pipe it reports on."""
    method = "fork" if threading.active_count() == 1 else "forkserver"
    context = mp.get_context(method)
    if method == "forkserver":
        # What every child would import again otherwise: the HTTP client alone is a quarter of a second of CPU each.
        context.set_forkserver_preload(["consultgym.workers", *(FORKSERVER_LLM_PRELOAD if config.llm_roles() else ())])
    pending: dict[Connection, tuple[Any, set[Key]]] = {}
    # Frozen while forking (Python's advice for fork without exec): a child's garbage collector then never walks
    # what it inherits (the library, every module), nor copies those pages by writing to them. The parent's own
    # collector is as it was once the children are started.
    freeze = method == "fork" and gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        for share in shares:
            receiver, sender = context.Pipe(duplex=False)
            # A forked child inherits the library; a fork server's child gets it pickled, some 30 times faster than
            # loading it from its files again.
            process = context.Process(target=_work, args=(config, library, labels, share, sender), daemon=True)
            process.start()
            sender.close()  # the child holds the only writing end: a dead child means EOF here
            pending[receiver] = (process, set(share))
    finally:
        if freeze:
            gc.unfreeze()
    return pending


def _collect(
    config: RunConfig,
    labels: RecordLabels,
    pending: dict[Connection, tuple[Any, set[Key]]],
    tally: Tally,
    cpu: list[float],
    bar: Any,
) -> None:
    """Append each episode as it arrives; record what a dead worker still owed; add up the CPU workers report."""
    try:
        while pending:
            for receiver in wait(list(pending)):
                process, left = pending[receiver]
                message = _receive(receiver)
                if message is not None and message[0] != DONE:
                    key, line, error = message
                    left.discard(tuple(key))
                    _record(config, line, error, tally, bar)
                    continue
                if message is not None:
                    cpu[0] += message[1]
                process.join()
                for key in sorted(left):  # the worker ended without sending these: record them, a rerun plays them
                    episode = _lost(labels, key, process.exitcode)
                    _record(config, episode.model_dump_json().encode("utf-8"), episode.error, tally, bar)
                del pending[receiver]
    finally:
        for process, _ in pending.values():
            process.terminate()
            process.join(5)


def _receive(receiver: Connection) -> Any:
    """The worker's next message, or None when it is gone (its pipe closed)."""
    try:
        return receiver.recv()
    except (EOFError, OSError):
        return None


def _record(config: RunConfig, line: bytes, error: str, tally: Tally, bar: Any) -> None:
    append_line(config.out, line)
    tally.count(error)
    bar.update(1)


def _lost(labels: RecordLabels, key: Key, exitcode: int | None) -> Episode:
    return labels.unplayed(
        key, f"worker process ended (exit code {exitcode}) before this episode finished; rerun to play it"
    )


# ------------------------------------------------------------------------------------------- in a worker process
def _work(
    config: RunConfig, library: list[Scenario] | None, labels: RecordLabels, share: list[Key], sender: Connection
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    _die_with_parent()
    try:
        asyncio.run(_play_share(config, library, labels, share, sender))
        sender.send((DONE, time.process_time()))
    finally:
        sender.close()


async def _play_share(
    config: RunConfig, library: list[Scenario] | None, labels: RecordLabels, share: list[Key], sender: Connection
) -> None:
    build = session_factory(config, library)

    def send(episode: Episode) -> None:
        # Serialised here, in the worker: the parent only appends bytes, so it never becomes the bottleneck.
        sender.send((episode.key, episode.model_dump_json().encode("utf-8"), episode.error))

    await play_planned(config, build, share, labels, send)


def _die_with_parent() -> None:
    """Ask Linux to end this worker when its parent dies (kill -9 included): an orphan would go on calling a paid
    model until its first episode ended. Elsewhere the first episode it cannot hand over ends it."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
