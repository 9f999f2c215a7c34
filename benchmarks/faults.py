"""Runs under a faulty LLM server: episodes completed, errored, lost and duplicated, first pass and after reruns.

    python benchmarks/faults.py [--episodes 200] [--concurrency 16] [--retries 1] [--seed 0]

The loopback server (`consultgym.testing.FakeOpenAIServer`) injects 10% HTTP 503s, 5% timeouts, 5% malformed JSON
bodies and 5% dropped connections into the LLM patient's calls (offline guardian and judge, scripted doctor). The first
pass records every failed episode with its error; each rerun with the same output file plays only the errored ones.
'lost' counts planned episodes missing from the file, 'duplicated' episodes written more than once: both must be 0.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from collections import Counter
from pathlib import Path

from consultgym.records import Episode
from consultgym.runfile import load_run
from consultgym.runner import plan, run
from consultgym.scenarios.loader import load_library
from consultgym.settings import RunConfig
from consultgym.testing import FakeOpenAIServer

FAULT_MIX = {"http": 0.10, "timeout": 0.05, "malformed": 0.05, "drop": 0.05}
REPLY = "I'm not sure, nothing comes to mind."
CAUSES = {  # the last attempt's failure, as ChatBackend words it
    "HTTP 503": r"HTTP 503",
    "timeout": r"timed out",
    "malformed JSON": r"malformed",
    "dropped connection": r"connection failed or was dropped",
}


def tally(out: Path, planned: set[tuple[int, str, int]]) -> dict[str, int]:
    """Completed, errored, lost and duplicated episodes in a run file, and the LLM calls behind them."""
    episodes = load_run(out).episodes
    keys = Counter(e.key for e in episodes)
    calls = sum(u.calls for e in episodes for u in e.usage.values())
    failed = sum(u.errors for e in episodes for u in e.usage.values())
    return {
        "completed": sum(e.ok for e in episodes),
        "errored": sum(bool(e.error) for e in episodes),
        "lost": len(planned - set(keys)),
        "duplicated": sum(count - 1 for count in keys.values()),
        "calls": calls,
        "failed_calls": failed,
    }


def causes(episodes: list[Episode]) -> Counter[str]:
    found: Counter[str] = Counter()
    for episode in episodes:
        if episode.error:
            found[next((name for name, pattern in CAUSES.items() if re.search(pattern, episode.error)), "other")] += 1
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--retries", type=int, default=1, help="retries per LLM call after a failed attempt")
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault draws")
    parser.add_argument("--passes", type=int, default=10, help="at most this many passes in all")
    args = parser.parse_args()

    planned = set(plan([s.id for s in load_library("starter")], args.episodes, 0))
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeOpenAIServer(REPLY, faults=FAULT_MIX, fault_seed=args.seed, timeout_delay=1.0) as server,
    ):
        out = Path(tmp) / "faults.jsonl"
        spec = RunConfig(
            out=out,
            scenarios=["starter"],
            episodes=args.episodes,
            concurrency=args.concurrency,
            patient="llm",
            patient_model="patient",
            patient_base_url=server.base_url,
            patient_timeout=0.25,
            patient_max_retries=args.retries,
            patient_backoff=0.0,
            progress=False,
        )
        print(
            "fault mix: 10% HTTP 503, 5% timeouts, 5% malformed JSON, 5% dropped connections; "
            f"{args.episodes} episodes of the starter library, concurrency {args.concurrency}, LLM patient with "
            f"{args.retries} retr{'y' if args.retries == 1 else 'ies'} per call"
        )
        print(f"{'pass':<14}{'completed':>10}{'errored':>9}{'lost':>6}{'duplicated':>12}{'LLM calls':>11}{'failed':>8}")
        for number in range(1, args.passes + 1):
            run(spec)
            counts = tally(out, planned)
            label = "first pass" if number == 1 else f"after rerun {number - 1}"
            print(
                f"{label:<14}{counts['completed']:>10}{counts['errored']:>9}{counts['lost']:>6}"
                f"{counts['duplicated']:>12}{counts['calls']:>11}{counts['failed_calls']:>8}"
            )
            if number == 1:
                first_causes = causes(load_run(out).episodes)
            if counts["errored"] == 0:
                break
        print("errors of the first pass by cause: " + ", ".join(f"{k} {v}" for k, v in first_causes.most_common()))
        print("('LLM calls' and 'failed' count the attempts recorded in the file; errored episodes rerun are replaced)")


if __name__ == "__main__":
    main()
