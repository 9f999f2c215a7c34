"""How long the Streamlit app takes to load: a 1,000-episode run in Python, and Replay's cold start in a browser.

1. Index: generates a realistic run file (drafts, guardian verdicts on a fifth of the turns, LLM usage per role, a
   judgement with a coverage curve), then times the app's loading path, `consultgym.app.data.index_run` (read and
   validate every episode, build the summary, item and search tables the pages work on), which `st.cache_data`
   keeps per path and mtime; and a warm rerun: a cache hit (unpickling the cached index) plus parsing one episode.
2. Browser cold load (`--browser`, on by default when chromium and playwright are here): a fresh server process and a
   fresh headless chromium, from spawning the server to the first dialogue bubble of Replay, for a 12-episode run of
   the systematic doctor on the starter library, with every shipped library installed (373 scenarios); against the
   floor measured in the same run, an empty Streamlit app served the same way (from spawning it to its title).
   A second floor is the consultgym app itself with no run to show (its "No run file yet" hint). Trials
   alternate (empty, no run, Replay, empty, ...). Figures: the server's CPU seconds when the page is drawn, the CPU
   of the whole process tree over the trial (server, chromium, playwright driver), and wall seconds; medians, and
   the ratios Replay / floor (target <= 1.5).

Prints figures; asserts nothing.

    python benchmarks/app_load.py [--episodes 1000] [--turns 10] [--out PATH] [--trials 5] [--no-browser]
"""

from __future__ import annotations

import argparse
import os
import pickle
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from consultgym.app.data import index_run
from consultgym.app.launch import RUNS_ENV, streamlit_command
from consultgym.records import Episode, GuardianIssue, ItemResult, Judgement, Turn, Usage, Verdict

QUESTIONS = [
    "When did the pain start, and what were you doing at the time?",
    "Can you describe the pain for me: is it sharp, dull, pressing or burning?",
    "Does the pain spread anywhere, for example to your arm, neck, jaw or back?",
    "Have you noticed any other symptoms, like sweating, nausea or shortness of breath?",
    "Do you take any medications regularly, including anything over the counter?",
    "Do you smoke, or have you ever smoked? How much and for how long?",
    "Does anything like this run in your family, heart problems or strokes?",
    "EXAMINE: cardiovascular examination and vital signs",
    "TEST: ECG",
    "Any allergies to medicines that you know of?",
]
REPLIES = [
    "It started about two hours ago while I was sitting watching TV, completely out of the blue.",
    "It feels like a heavy weight pressing down on the middle of my chest, it won't let up.",
    "It goes down my left arm and up into my jaw, which is what frightened me most.",
    "I've been sweating buckets and I feel sick to my stomach, but I haven't been sick.",
    "I take ramipril, 5 mg every day, for my blood pressure. Nothing else really.",
    "I smoke about 20 a day, have done for 30 years. I know, I know.",
    "My father had a heart attack when he was 60.",
    "Pale and sweaty; BP 150/90, HR 98; heart sounds normal.",
    "ECG shows ST elevation in II, III and aVF.",
    "No allergies that I know of.",
]


def make_episode(index: int, turns: int, rng: random.Random) -> Episode:
    """One synthetic but realistically sized episode."""
    scenario = rng.choice(["chest-pain-58m", "headache-44f", "abdominal-pain-19m", "breathlessness-34f"])
    curve, coverage, recorded = [], 0.0, []
    for t in range(turns):
        coverage = min(1.0, coverage + rng.choice([0.0, 0.1, 0.15]))
        curve.append(round(coverage, 3))
        recorded.append(_turn(t, coverage, rng))
    items = [
        ItemResult(
            id=f"ask_{k}",
            covered=rng.random() < 0.7,
            turn=rng.randrange(turns),
            evidence=QUESTIONS[k],
            weight=2,
        )
        for k in range(8)
    ]
    judgement = Judgement(
        items=items,
        coverage=coverage,
        curve=curve,
        diagnosis_given="inferior STEMI",
        diagnosis_expected="Inferior ST-elevation myocardial infarction",
        diagnosis_correct=rng.random() < 0.6,
        reward=round(0.7 * coverage + 0.3 * rng.random(), 3),
        judge="llm",
    )
    usage = {
        "patient": Usage(calls=turns, prompt_tokens=900 * turns, completion_tokens=60 * turns, latency_s=0.8 * turns)
    }
    return Episode(
        run_id="bench",
        index=index,
        scenario_id=scenario,
        seed=index,
        opening="I've got this terrible pressure.",
        config={"patient": {"kind": "llm", "model": "m"}, "guardian": {"kind": "offline"}},
        turns=recorded,
        judgement=judgement,
        terminated=True,
        usage=usage,
        duration_s=12.5,
    )


def _turn(t: int, coverage: float, rng: random.Random) -> Turn:
    reply = REPLIES[t % len(REPLIES)]
    drafts, verdicts = [reply], [Verdict(ok=True)]
    if rng.random() < 0.2:  # a fifth of the turns: a rejected draft first
        bad = reply + " I think it might be a heart attack, and my wife says I had a fever."
        issue = GuardianIssue(kind="leak", text="heart attack", start=len(reply) + 20, detail="names the diagnosis")
        drafts, verdicts = [bad, reply], [Verdict(ok=False, issues=[issue], source="llm"), Verdict(ok=True)]
    return Turn(
        index=t,
        doctor=QUESTIONS[t % len(QUESTIONS)],
        kind="ask",
        drafts=drafts,
        verdicts=verdicts,
        reply=reply,
        facts_revealed=[f"fact_{t}"],
        coverage=round(coverage, 3),
        usage={"patient": Usage(calls=len(drafts), prompt_tokens=900, completion_tokens=60, latency_s=0.8)},
    )


def write_run(path: Path, episodes: int, turns: int, seed: int = 0) -> None:
    """Write a synthetic run file of `episodes` episodes."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(episodes):
            out.write(make_episode(i, turns, rng).model_dump_json() + "\n")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
EMPTY_APP = 'import streamlit as st\n\nst.title("Empty app")\n'
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def index_figures(episodes: int, turns: int, repeat: int, out: Path | None) -> None:
    """Section 1: `index_run` on a synthetic run, cold and as a warm rerun."""
    with tempfile.TemporaryDirectory() as tmp:
        path = out or Path(tmp) / "bench_run.jsonl"
        write_run(path, episodes, turns)
        print(f"run file: {path} ({path.stat().st_size / 1e6:.1f} MB, {episodes} episodes x {turns} turns)")
        cold, cold_cpu, warm = [], [], []
        for _ in range(repeat):
            start, cpu = time.perf_counter(), time.process_time()
            index = index_run(path)
            cold.append(time.perf_counter() - start)
            cold_cpu.append(time.process_time() - cpu)
            cached = pickle.dumps(index)
            start = time.perf_counter()
            pickle.loads(cached).episode(episodes // 2)
            warm.append(time.perf_counter() - start)
        if len(index.records) != episodes:
            raise SystemExit(f"loaded {len(index.records)} of {episodes} episodes: {index.warnings[:3]}")
        print(
            f"cold load (index_run): median {statistics.median(cold_cpu):.3f} s CPU, "
            f"{statistics.median(cold):.3f} s wall, best {min(cold):.3f} s over {repeat} runs (budget 3 s)"
        )
        print(f"warm rerun (cache hit + parse one episode): median {statistics.median(warm) * 1e3:.1f} ms wall")


def browser_figures(trials: int) -> None:
    """Section 2: Replay's cold start in a browser against an empty Streamlit app, in one run."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("browser cold load: skipped (pip install playwright; the browser is Debian's chromium)")
        return
    if not Path(CHROMIUM).exists():
        print(f"browser cold load: skipped ({CHROMIUM} is missing: apt-get install -y chromium)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        run = workdir / "demo.jsonl"
        subprocess.run(
            [sys.executable, "-m", "consultgym.cli", "run", "--doctor", "systematic", "--scenarios", "starter",
             "--episodes", "12", "--seed", "0", "--out", str(run)],
            check=True, capture_output=True, cwd=workdir,
        )  # fmt: skip
        empty = workdir / "empty_app.py"
        empty.write_text(EMPTY_APP, encoding="utf-8")
        app_command = lambda port: streamlit_command([run], port, [])  # noqa: E731
        empty_command = lambda port: [sys.executable, "-m", "streamlit", "run", str(empty), *app_command(port)[5:]]  # noqa: E731
        no_run_command = lambda port: streamlit_command([], port, [])  # noqa: E731
        apps = [  # (name, command, environment, what the browser waits for)
            ("empty Streamlit app", empty_command, {}, "h1:has-text('Empty app')"),
            ("consultgym, no run", no_run_command, {RUNS_ENV: ""}, "text=No run file yet"),
            ("consultgym Replay", app_command, {RUNS_ENV: str(run)}, '[data-testid="stChatMessage"]'),
        ]
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name, *_ in apps}
        with sync_playwright() as driver:
            for trial in range(trials):
                for name, command, env, ready in apps:
                    profile = workdir / f"profile-{trial}-{len(results[name])}-{name.split()[0]}"
                    results[name].append(_cold_load(driver, command, env, ready, profile))
        print(f"browser cold load, {trials} trials each (12-episode run, {_library_size()} scenarios installed):")
        medians = {name: [statistics.median(column) for column in zip(*rows, strict=True)]
                   for name, rows in results.items()}  # fmt: skip
        for name, (server_cpu, total_cpu, wall) in medians.items():
            print(f"  {name:20s} server CPU {server_cpu:.2f} s · all CPU {total_cpu:.2f} s · wall {wall:.2f} s")
        app = medians["consultgym Replay"]
        for floor in ("empty Streamlit app", "consultgym, no run"):
            ratios = [a / f for a, f in zip(app, medians[floor], strict=True)]
            print(
                f"  ratio Replay / {floor}: server CPU {ratios[0]:.2f}x · all CPU {ratios[1]:.2f}x · "
                f"wall {ratios[2]:.2f}x (target <= 1.5x)"
            )


def _cold_load(driver, command, env: dict[str, str], ready: str, profile: Path) -> tuple[float, float, float]:
    """One fresh server and one fresh browser: (server CPU s at first paint, all children's CPU s, wall s)."""
    port = _free_port()
    before = _tree_cpu()
    started = time.perf_counter()
    server = subprocess.Popen(command(port), env={**os.environ, **env}, cwd=profile.parent,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, server)
        context = driver.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )  # fmt: skip
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(url)
            page.locator(ready).first.wait_for(timeout=120_000)
            wall = time.perf_counter() - started
            server_cpu = _process_cpu(server.pid)
            total = _tree_cpu() - before
        finally:
            context.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return server_cpu, total, wall


def _tree_cpu() -> float:
    """CPU seconds of every live descendant of this process (server, playwright driver, chromium), plus what the
    ones already reaped left in this process's children's usage."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    mine, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - mine
        mine |= frontier
    live = 0.0
    for pid in mine:
        try:
            live += _process_cpu(pid)
        except (OSError, IndexError, ValueError):
            continue  # exited meanwhile
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return live + reaped.ru_utime + reaped.ru_stime


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of a live process and its waited-for children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS  # utime, stime, cutime, cstime


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the server did not answer at {url} within {timeout:.0f} s")


def _library_size() -> int:
    from consultgym.scenarios.loader import scenario_files

    return len(scenario_files("all"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None, help="where to write the run file (default: a temp dir)")
    parser.add_argument("--trials", type=int, default=5, help="browser cold loads of each app")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser cold load")
    args = parser.parse_args()
    index_figures(args.episodes, args.turns, args.repeat, args.out)
    if not args.no_browser:
        browser_figures(args.trials)


if __name__ == "__main__":
    main()
