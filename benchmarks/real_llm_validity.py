"""A real small model in the loop: what the guardian catches, what gets through, and at what cost.

    python benchmarks/real_llm_validity.py [--episodes 2] [--max-turns 6] [--threads 1] [--modes offline,tiered,llm]
                                           [--sample tests/fixtures/real_llm_drafts.jsonl] [--sample-limit 0]

Needs the local tier (README: "A real model on this machine"): SmolLM2-135M behind llama.cpp's server, started here
on a free loopback port with `consultgym.testing.local_llm.LocalLLM`.

1. Episodes, per guardian mode: the LLM patient and the LLM judge against the systematic doctor over the starter
   library. Printed per mode: the draft issue rate (first drafts the mode's guardian rejected), the emitted issue
   rate (replies that still had issues by that guardian's own verdict, and re-checked by the offline guardian, the
   same yardstick for every mode), revision success (rejected turns whose revised draft passed), the fact-only
   fallback rate, the guardian's model-failure fallback rate, LLM calls per turn, the share of structured calls
   (guardian and judge) that returned valid JSON, unscored episodes, and CPU seconds per turn: the client process
   and the server process, both measured (process CPU time), beside wall time.
2. The labelled sample: real patient drafts of the same model, labelled by hand (guide:
   tests/fixtures/real_llm_labelling.md). Each guardian mode judges every draft; printed: precision and recall per
   draft and per span, and recall per label kind.

Output of a real model at temperature 0 still varies with thread count and prompt caching: figures move a little from
run to run.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from consultgym.agents.base import PatientContext
from consultgym.agents.guardian.llm import LLMGuardian
from consultgym.agents.guardian.offline import OfflineGuardian
from consultgym.agents.llm import aclose_clients
from consultgym.config import LLMSettings
from consultgym.records import Episode, Usage, Verdict
from consultgym.runfile import load_run
from consultgym.runner import run
from consultgym.scenarios.loader import load_library
from consultgym.settings import RunConfig
from consultgym.testing.labelled_drafts import KINDS, LabelledDraft, agreement, load_labelled
from consultgym.testing.local_llm import LocalLLM, unavailable_reason

SAMPLE = Path(__file__).parents[1] / "tests" / "fixtures" / "real_llm_drafts.jsonl"
TIMEOUT = 600.0
INVALID = ("invalid structured reply", "reply cut at max_tokens")


@dataclass
class Cost:
    """CPU and wall seconds of a stretch of work, for the client (this process) and the server process."""

    client_cpu: float
    server_cpu: float
    wall: float


class Meter:
    def __init__(self, server: LocalLLM) -> None:
        self.server = server
        self.started = (time.process_time(), server.cpu_seconds(), time.perf_counter())

    def stop(self) -> Cost:
        client, server, wall = self.started
        return Cost(time.process_time() - client, self.server.cpu_seconds() - server, time.perf_counter() - wall)


def llm_options(server: LocalLLM, roles: tuple[str, ...]) -> dict[str, object]:
    values = {"model": server.model, "base_url": server.base_url, "timeout": TIMEOUT, "max_retries": 1}
    return {f"{role}_{key}": value for role in roles for key, value in values.items()}


def valid_json_rate(usages: list[Usage]) -> tuple[int, int]:
    """(structured calls that returned valid JSON, structured calls)."""
    calls = sum(u.calls for u in usages)
    invalid = sum(u.failures.get(kind, 0) for u in usages for kind in INVALID)
    return calls - invalid, calls


# ------------------------------------------------------------------------------------------------------ episodes
def play(server: LocalLLM, mode: str, episodes: int, max_turns: int) -> tuple[list[Episode], Cost]:
    roles = ("patient", "judge") + (("guardian",) if mode != "offline" else ())
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"{mode}.jsonl"
        config = RunConfig(
            out=out,
            scenarios=["starter"],
            episodes=episodes,
            doctor="systematic",
            patient="llm",
            guardian=mode,
            judge="llm",
            max_turns=max_turns,
            progress=False,
            **llm_options(server, roles),
        )
        meter = Meter(server)
        run(config)
        cost = meter.stop()
        return load_run(out).episodes, cost


def episode_row(mode: str, episodes: list[Episode], cost: Cost) -> dict[str, object]:
    library = {s.id: s for s in load_library("starter")}
    turns = [(e, t) for e in episodes for t in e.turns if t.verdicts]
    n = max(1, len(turns))
    flagged = [t for _, t in turns if t.flagged]
    recheck = OfflineGuardian()
    emitted_offline = 0
    for episode, turn in turns:
        ctx = _context(library[episode.scenario_id], episode, turn.index)
        emitted_offline += not recheck.verdict(turn.reply, ctx.scenario, ctx).ok
    asked = [v for _, t in turns for v in t.verdicts if "llm" in v.source]
    structured = [e.usage[role] for e in episodes for role in ("guardian", "judge") if role in e.usage]
    valid, calls = valid_json_rate(structured)
    roles = sorted({role for e in episodes for role in e.usage})
    return {
        "mode": mode,
        "episodes": f"{sum(e.ok for e in episodes)}/{len(episodes)}",
        "turns": len(turns),
        "draft": len(flagged) / n,
        "emitted": sum(t.emitted_with_issues for _, t in turns) / n,
        "emitted_offline": emitted_offline / n,
        "revised_ok": sum(not t.fallback and t.verdicts[-1].ok for t in flagged) / max(1, len(flagged)),
        "fallback": sum(t.fallback for _, t in turns) / n,
        "guardian_failed": f"{sum('llm-failed' in v.source for v in asked)}/{len(asked)}",
        "calls": " ".join(f"{r} {sum(e.usage[r].calls for e in episodes if r in e.usage) / n:.2f}" for r in roles),
        "json": f"{valid}/{calls}",
        "unscored": sum(bool(e.judgement and not e.judgement.scored) for e in episodes),
        "cpu": f"{cost.client_cpu / n:.2f}+{cost.server_cpu / n:.2f}",
        "wall": cost.wall / n,
    }


def _context(scenario, episode: Episode, index: int) -> PatientContext:
    from consultgym.actions import parse_action
    from consultgym.agents.base import Exchange

    history = tuple(Exchange(t.doctor, t.reply) for t in episode.turns[:index])
    return PatientContext(scenario, parse_action(episode.turns[index].doctor), history, turn=index)


# ---------------------------------------------------------------------------------------------- labelled sample
async def judge_sample(server: LocalLLM, mode: str, drafts: list[LabelledDraft]) -> tuple[list[Verdict], Usage]:
    library = {s.id: s for s in load_library("starter")}
    if mode == "offline":
        guardian = OfflineGuardian()
        return [guardian.verdict(d.draft, library[d.scenario_id], d.context(library)) for d in drafts], Usage()
    settings = LLMSettings(**{k.removeprefix("guardian_"): v for k, v in llm_options(server, ("guardian",)).items()})
    guardian = LLMGuardian(settings, tiered=mode == "tiered")
    try:
        verdicts = [await guardian.check(d.draft, d.context(library)) for d in drafts]
    finally:
        await aclose_clients()
    return verdicts, guardian.usage


def sample_row(mode: str, drafts: list[LabelledDraft], verdicts: list[Verdict], usage: Usage, cost: Cost) -> dict:
    result = agreement(drafts, verdicts)
    valid, calls = valid_json_rate([usage])
    per_kind = " ".join(
        f"{kind} {caught}/{total}"
        for kind in KINDS
        for caught, total in [result.caught_by_kind.get(kind, [0, 0])]
        if total
    )
    return {
        "mode": mode,
        "precision": result.precision,
        "recall": result.recall,
        "span_p": result.span_precision,
        "span_r": result.span_recall,
        "calls": usage.calls,
        "json": f"{valid}/{calls}",
        "cpu": f"{cost.client_cpu / len(drafts):.3f}+{cost.server_cpu / len(drafts):.2f}",
        "recall_by_kind": per_kind,
    }


def print_table(rows: list[dict[str, object]]) -> None:
    columns = list(rows[0])
    cells = [[f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=2, help="episodes per guardian mode (0: skip the episodes)")
    parser.add_argument("--max-turns", type=int, default=6)
    parser.add_argument("--threads", type=int, default=1, help="server CPU threads (1 on a loaded machine)")
    parser.add_argument("--modes", default="offline,tiered,llm")
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--sample-limit", type=int, default=0, help="judge only the first N labelled drafts (0: all)")
    args = parser.parse_args()
    reason = unavailable_reason()
    if reason:
        parser.exit(2, f"error: {reason}\n")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    drafts = load_labelled(args.sample)
    drafts = drafts[: args.sample_limit] if args.sample_limit else drafts
    with LocalLLM(threads=args.threads) as server:
        print(f"SmolLM2-135M Q4_1 on llama.cpp (xllamacpp), {args.threads} thread(s), {server.base_url}")
        if args.episodes:
            print(
                f"\n1. {args.episodes} episode(s) per mode, starter library, systematic doctor, LLM patient and judge, "
                f"at most {args.max_turns} turns; rates per patient turn; cpu = client+server seconds per turn"
            )
            rows = []
            for mode in modes:
                episodes, cost = play(server, mode, args.episodes, args.max_turns)
                rows.append(episode_row(mode, episodes, cost))
            print_table(rows)
        positives = sum(not d.supported for d in drafts)
        print(
            f"\n2. labelled sample: {len(drafts)} drafts ({positives} with issues, "
            f"{sum(len(d.labels) for d in drafts)} labelled spans) from {args.sample.name}; "
            "cpu = client+server seconds per draft"
        )
        rows = []
        for mode in modes:
            meter = Meter(server)
            verdicts, usage = asyncio.run(judge_sample(server, mode, drafts))
            rows.append(sample_row(mode, drafts, verdicts, usage, meter.stop()))
        print_table(rows)


if __name__ == "__main__":
    main()
