"""Processes for cores: one run played by N worker processes, each with its own event loop, HTTP pool and cap.

One Python process tops out at one core: with many LLM calls in flight (or offline episodes, which are pure CPU) the
client's own work is the ceiling. ``consultgym run --workers N`` (`RunSpec.workers`) spreads the episodes over N
processes on this machine; Ray (`consultgym.integrations.ray_rollouts`) stays the way to use many machines.

- The parent plans and resumes exactly as `runner.arun` (`runner.prepare`: same plan, manifest check and skipping of
  finished episodes), then deals the episodes still to play to the workers in turn.
- Each worker is a child process that builds sessions with `runner.session_factory` and plays its share with
  `runner.play_planned` on its own event loop, at most ``ceil(concurrency / workers)`` episodes in flight:
  ``--concurrency`` is the run's total, as with Ray. A parent with no other thread (the ``consultgym`` command)
  forks its workers, which start at once with the library already loaded; a parent that runs threads (an app, a
  trainer, an env's loop) uses a fork server instead, since forking a threaded process can copy a held lock.
- Only the parent writes the run file: a worker sends each finished episode, already serialised, over a pipe; the
  parent appends it as one line in one write (`runfile.append_line`). A worker that dies has its unfinished episodes
  recorded with an error, so a rerun with the same file plays them again; none is lost or written twice.
"""

from __future__ import annotations

import asyncio
import ctypes
import math
import multiprocessing as mp
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection, wait
from typing import Any

from tqdm import tqdm

from consultgym.records import Episode
from consultgym.runfile import append_line
from consultgym.runner import RunSpec, RunSummary, play_planned, prepare, session_factory
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.schema import Scenario

Key = tuple[int, str, int]
PR_SET_PDEATHSIG = 1  # prctl(2)
DONE = "done"  # what a worker sends, with the CPU seconds it used, once its share is played


def run_workers(spec: RunSpec) -> RunSummary:
    """Run (or resume) `spec` in ``spec.workers`` processes; the run file is the one `runner.run` writes in one.

    Raises:
        ConfigError: bad settings, or a run file written with other settings (before any process starts).
    """
    started = time.perf_counter()
    library, planned, finished, warnings = prepare(spec)
    todo = [p for p in planned if p not in finished]
    count = max(1, min(spec.workers, max(1, spec.concurrency), len(todo)))
    shares = [share for share in (todo[i::count] for i in range(count)) if share]
    cap = math.ceil(max(1, spec.concurrency) / count)
    pending = _start(spec, library, shares, cap)  # before the progress bar, whose monitor is a thread
    bar = tqdm(
        total=len(planned),
        initial=len(planned) - len(todo),
        disable=not spec.progress,
        unit="episode",
        desc=spec.out.name,
    )
    try:
        counts = _collect(spec, pending, bar)
    finally:
        bar.close()
    summary = RunSummary.of(spec, len(planned), len(todo), counts, warnings, started)
    summary.worker_cpu_s = round(counts.pop("cpu_s"), 3)
    return summary


def _start(spec: RunSpec, library: list[Scenario], shares: list[list[Key]], cap: int) -> dict[Connection, Any]:
    """One worker per share; each worker's process and the episodes it still owes, by the pipe it reports on."""
    method = "fork" if threading.active_count() == 1 else "forkserver"
    context = mp.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["consultgym.workers"])
    pending: dict[Connection, tuple[Any, set[Key]]] = {}
    for share in shares:
        receiver, sender = context.Pipe(duplex=False)
        given = library if method == "fork" else None  # a forked child inherits it; anything else would pickle it
        process = context.Process(target=_work, args=(spec, given, share, cap, sender), daemon=True)
        process.start()
        sender.close()  # the child holds the only writing end: a dead child means EOF here
        pending[receiver] = (process, set(share))
    return pending


def _collect(spec: RunSpec, pending: dict[Connection, Any], bar: Any) -> dict[str, int]:
    """Append each episode as it arrives; account for workers that die; add up the CPU the workers report."""
    counts: dict[str, Any] = {"completed": 0, "errored": 0, "cpu_s": 0.0}
    try:
        while pending:
            for receiver in wait(list(pending)):
                process, left = pending[receiver]
                if not _receive(spec, receiver, left, counts, bar):
                    continue
                process.join()
                for key in sorted(left):  # the worker ended without sending these: record them, a rerun plays them
                    _record(spec, _lost(spec, key, process.exitcode).model_dump_json().encode(), False, counts, bar)
                del pending[receiver]
    finally:
        for process, _ in pending.values():
            process.terminate()
            process.join(5)
    return counts


def _receive(spec: RunSpec, receiver: Connection, left: set[Key], counts: dict[str, Any], bar: Any) -> bool:
    """Take one message from a worker; True when the worker is finished (its done mark, or it died)."""
    try:
        message = receiver.recv()
    except (EOFError, OSError):
        return True
    if message[0] == DONE:
        counts["cpu_s"] += message[1]
        return True
    key, ok, line = message
    left.discard(tuple(key))
    _record(spec, line, ok, counts, bar)
    return False


def _record(spec: RunSpec, line: bytes, ok: bool, counts: dict[str, Any], bar: Any) -> None:
    append_line(spec.out, line)
    counts["completed" if ok else "errored"] += 1
    bar.update(1)


def _lost(spec: RunSpec, key: Key, exitcode: int | None) -> Episode:
    index, scenario_id, seed = key
    return Episode(
        run_id=spec.out.stem,
        index=index,
        scenario_id=scenario_id,
        seed=seed,
        env_id=spec.env_id,
        config=spec.role_config(),
        error=f"worker process ended (exit code {exitcode}) before this episode finished; rerun to play it",
    )


# ------------------------------------------------------------------------------------------- in a worker process
def _work(spec: RunSpec, library: list[Scenario] | None, share: list[Key], cap: int, sender: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    _die_with_parent()
    try:
        asyncio.run(_play_share(spec, library, share, cap, sender))
        sender.send((DONE, time.process_time()))
    finally:
        sender.close()


async def _play_share(
    spec: RunSpec, library: list[Scenario] | None, share: list[Key], cap: int, sender: Connection
) -> None:
    local = RunSpec(**{**spec.__dict__, "concurrency": cap, "workers": 1, "progress": False})
    build = session_factory(local, library if library is not None else load_library(local.scenarios))

    def send(episode: Episode) -> None:
        # Serialised here, in the worker: the parent only appends bytes, so it never becomes the bottleneck.
        sender.send((episode.key, not episode.error, episode.model_dump_json().encode("utf-8")))

    await play_planned(local, build, share, send)


def _die_with_parent() -> None:
    """Ask Linux to end this worker when its parent dies (kill -9 included): an orphan would go on calling a paid
    model until its first episode ended. Elsewhere the first episode it cannot hand over ends it."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
