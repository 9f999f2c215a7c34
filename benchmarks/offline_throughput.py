"""Offline env throughput in CPU time: steps per CPU-second, as calibration units, against another checkout.

    python benchmarks/offline_throughput.py [--steps 20000] [--warmup 20000] [--chunk 1000] [--library starter]
                                            [--inflate 10] [--baseline DIR] [--guardian off] [--repeat]

Every figure is CPU time of the process that steps (`time.process_time`), and each is also given in units of a fixed
pure-Python workload measured in the same process (`harness.calibration`), so it holds on a loaded machine.

- ``current``: this checkout, on the library as shipped and on the library inflated `--inflate` times: every
  scenario gets the facts and rubric items of the next N-1 scenarios too (renamed, so the case is N times as large
  while the questions stay the same). A step whose cost follows the words of the question, not the size of the case,
  costs about the same on both, but for what the answer holds: the added facts are the same kinds as the case's own
  (ten onsets, ten blood counts), so a question reaches about ten times the facts and items and the patient says more
  (each line gives the facts said a step and their characters, counted outside the timed steps).
- ``--baseline DIR``: the same measurement over another checkout of consultgym (e.g. an old commit extracted with
  ``git archive <commit> | tar -x -C DIR``), run in its own processes with ``PYTHONPATH=DIR``. The ratio of steps
  per CPU-second is the speed-up.

A round starts one fresh process per measurement (current, current x10, and the baseline's two) and has them take
turns: each steps `--chunk` times (1,000: a fraction of a second) while the others wait, until every one has stepped
its steps. Sharing the machine chunk by chunk, they meet the same drift of its speed, which moved the ratio of two
measurements taken a few seconds apart by a quarter; and as each has its own process, none pays for another's heap
or garbage collections. Both ratios (the inflated case's cost per step, the speed-up) are taken within each round,
and the median of the rounds is reported with every round's value. A process steps 20,000 times by default: a full
garbage collection of its heap (tens of milliseconds) then falls in every measurement, where 4,000 steps moved the
figures by a tenth either way.

Each measuring process steps `--warmup` times (in turns with the others), then `--steps` times: the figures are of
the later steps, and the last line gives the ratios over the first ones. What a case's patient says is checked once
per sentence and per reply and kept per scenario (the guardian's clause and reply checks), so a fresh process spends
its first thousands of steps filling those caches, a case ten times the size about ten times as long; a training run,
which steps millions of times, pays that once. The questions stay fresh throughout (below), so no figure comes from a
memo of questions.

A step is one `env.step` of the unwrapped env (patient, guardian, coverage); the last step of each episode also runs
the judge. Questions come from history-taking templates with a random detail appended, so (almost) every question is
new to any memo, as with a policy being trained (``--repeat``: the templates as they are, memo hits). Resets are not
counted. ``--guardian off`` times the patient and the judge alone.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TEMPLATES = [
    "When did this start?",
    "How long does it last?",
    "Can you describe it?",
    "How severe is it out of 10?",
    "Does it spread anywhere?",
    "What makes it better or worse?",
    "Any other symptoms?",
    "Have you had a fever?",
    "Any nausea or vomiting?",
    "Do you take any medications?",
    "Any allergies?",
    "Any past medical history?",
    "Does anything run in your family?",
    "Do you smoke?",
    "Do you drink alcohol?",
    "What do you do for work?",
    "Any recent travel?",
    "Have you lost weight?",
    "Any cough?",
    "Are you short of breath?",
    "EXAMINE: chest",
    "EXAMINE: abdomen",
    "TEST: blood count",
    "TEST: ECG",
]
WORDS = "today lately recently really exactly please honestly now again also though overall".split()


def question(rng: random.Random, repeat: bool = False) -> str:
    text = rng.choice(TEMPLATES)
    if repeat or text.startswith(("EXAMINE", "TEST")):
        return text
    return f"{text[:-1]} {rng.choice(WORDS)} {rng.randrange(10_000)}?"


# ------------------------------------------------------------------------------------- inside the measuring process
def inflate(library: list[Any], factor: int) -> list[Any]:
    """Each scenario with the facts and rubric items of the next `factor - 1` scenarios added under new ids.

    A donor whose facts would make the scenario invalid (they name its diagnosis) is passed over for the next one.
    """
    from consultgym.scenarios.schema import Scenario

    inflated = []
    for index, scenario in enumerate(library):
        data = scenario.model_dump(mode="json")
        added, offset = 0, 1
        while added < factor - 1 and offset < len(library) * 2:
            donor = library[(index + offset) % len(library)].model_dump(mode="json")
            offset += 1
            tag = f"x{offset}"
            rename = {fact["id"]: f"{fact['id']}-{tag}" for fact in donor["facts"]}
            for fact in donor["facts"]:
                fact["id"] = rename[fact["id"]]
            for item in donor["must_ask"]:
                item["id"] = f"{item['id']}-{tag}"
                item["facts"] = [rename[f] for f in item["facts"]]
            candidate = {
                **data,
                "facts": data["facts"] + donor["facts"],
                "must_ask": data["must_ask"] + donor["must_ask"],
            }
            try:
                Scenario.model_validate(candidate)
            except ValueError:
                continue
            data, added = candidate, added + 1
        inflated.append(Scenario.model_validate(data))
    return inflated


class Stepper:
    """One measuring process's env: built, warmed on every scenario, then stepped a chunk at a time."""

    def __init__(self, library_name: str, factor: int, turns: int, seed: int, guardian: str, repeat: bool) -> None:
        import gymnasium as gym

        import consultgym  # noqa: F401  (registers the env ids)
        from consultgym.scenarios.loader import load_library

        library = load_library(library_name)
        if factor > 1:
            library = inflate(library, factor)
        self.env = gym.make(
            "consultgym/Consultation-v0", scenarios=library, max_turns=turns + 1, guardian=guardian
        ).unwrapped
        self.rng, self.repeat, self.turns = random.Random(seed), repeat, turns
        self.ids = [s.id for s in library]
        self.episodes = 0
        self.facts = statistics.mean(len(s.facts) for s in library)
        self.items = statistics.mean(len(s.must_ask) for s in library)
        # Warm up on every scenario first: per-scenario caches are built once per run, not per step.
        for index, scenario_id in enumerate(self.ids):
            self.env.reset(seed=index, options={"scenario": scenario_id})
            self.env.step(question(self.rng, repeat))

    def play(self, steps: int) -> dict[str, Any]:
        """The next episodes, until `steps` steps (`play`)."""
        figures = play(self.env, self.ids, self.rng, self.repeat, self.turns, steps, self.episodes)
        self.episodes += figures["episodes"]
        return figures


def serve(args: argparse.Namespace) -> None:
    """A measuring process: reads ``<steps>`` lines from the driver and answers each with the figures of that many
    steps as one JSON line; an empty line ends it, answered with the calibration unit and the case's size."""
    from harness import calibration

    stepper = Stepper(args.library, args.inflate, args.turns, args.seed, args.guardian, args.repeat)
    print("ready", flush=True)
    for line in sys.stdin:
        if not line.strip():
            break
        print(json.dumps(stepper.play(int(line))), flush=True)
    print(json.dumps({"unit_s": calibration(), "facts": stepper.facts, "items": stepper.items}), flush=True)


def play(
    env: Any, ids: list[str], rng: random.Random, repeat: bool, turns: int, steps: int, episode: int
) -> dict[str, Any]:
    """Episodes from `episode` on until `steps` steps: their CPU seconds, the last steps' (with the judge), and the
    facts and characters the patient said (counted outside the timed steps: a larger case can mean longer answers)."""
    import time

    done = step_cpu = judge_cpu = 0.0
    episodes = revealed = reply_chars = 0
    while done < steps:
        env.reset(seed=episode + episodes, options={"scenario": ids[(episode + episodes) % len(ids)]})
        started = time.process_time()
        for _ in range(turns):
            env.step(question(rng, repeat))
        middle = time.process_time()
        env.step("DIAGNOSIS: unknown")
        ended = time.process_time()
        step_cpu += ended - started
        judge_cpu += ended - middle
        done += turns + 1
        episodes += 1
        revealed += sum(len(turn.facts_revealed) for turn in env.session.turns)
        reply_chars += sum(len(turn.reply) for turn in env.session.turns)
    return {
        "steps": int(done),
        "episodes": episodes,
        "cpu_s": step_cpu,
        "last_step_cpu_s": judge_cpu,
        "revealed": revealed,
        "reply_chars": reply_chars,
    }


# ------------------------------------------------------------------------------------------------------ the driver
class Child:
    """A measuring process (`serve`) over the checkout `code` (None: the installed consultgym), driven over pipes."""

    def __init__(self, code: Path | None, factor: int, seed: int, args: argparse.Namespace) -> None:
        env = dict(os.environ)
        paths = [str(HERE)] + ([str(code)] if code is not None else [])
        env["PYTHONPATH"] = os.pathsep.join(paths[::-1] + [env.get("PYTHONPATH", "")])
        command = [sys.executable, str(Path(__file__)), "--child", "--library", args.library, "--inflate", str(factor)]
        command += ["--turns", str(args.turns), "--seed", str(seed), "--guardian", args.guardian]
        command += ["--repeat"] if args.repeat else []
        self.code = code
        self.errors = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: warnings can never fill it and block
        self.process = subprocess.Popen(
            command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, text=True
        )

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def read(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.errors.seek(0)
            stderr = self.errors.read()
            raise SystemExit(f"the measuring process over {self.code or 'this checkout'} failed:\n{stderr[-2000:]}")
        return line

    def play(self, steps: int) -> dict[str, Any]:
        self.send(str(steps))
        return dict(json.loads(self.read()))

    def finish(self) -> dict[str, Any]:
        self.send("")
        closing = dict(json.loads(self.read()))
        self.process.wait()
        self.errors.close()
        return closing


def measure_round(codes: dict[str, tuple[Path | None, int]], seed: int, args: argparse.Namespace) -> dict[str, Any]:
    """One round: a fresh process per measurement, all started at once, then stepped in turns of `args.chunk` steps,
    one process at a time, through the first `args.warmup` steps and the next `args.steps`. The processes see the
    same machine, chunk by chunk, so a drift of its speed moves every measurement of the round alike."""
    children = {name: Child(code, factor, seed, args) for name, (code, factor) in codes.items()}
    for child in children.values():
        if child.read().strip() != "ready":
            raise SystemExit(f"the measuring process over {child.code or 'this checkout'} did not start")
    phases = {name: {"first": _empty(), "later": _empty()} for name in children}
    for phase, total in (("first", args.warmup), ("later", args.steps)):
        while any(figures[phase]["steps"] < total for figures in phases.values()):
            for name, child in children.items():
                done = phases[name][phase]
                if done["steps"] < total:
                    chunk = child.play(min(args.chunk, total - done["steps"]))
                    phases[name][phase] = {key: done[key] + chunk[key] for key in done}
    results = {}
    for name, child in children.items():
        later, first = (_per_step_figures(phases[name][phase]) for phase in ("later", "first"))
        results[name] = {**later, "first": first, **child.finish()}
    return results


def _empty() -> dict[str, Any]:
    return dict.fromkeys(("steps", "episodes", "cpu_s", "last_step_cpu_s", "revealed", "reply_chars"), 0)


def _per_step_figures(figures: dict[str, Any]) -> dict[str, Any]:
    steps = max(1, figures["steps"])
    return {
        **figures,
        "revealed_per_step": figures["revealed"] / steps,
        "reply_chars_per_step": figures["reply_chars"] / steps,
    }


def describe(name: str, runs: list[dict[str, Any]]) -> None:
    """Median figures of a few rounds."""
    per_step = statistics.median(r["cpu_s"] / r["steps"] for r in runs)
    units = statistics.median(r["cpu_s"] / r["steps"] / r["unit_s"] for r in runs)
    judge = statistics.median(r["last_step_cpu_s"] / r["episodes"] for r in runs)
    facts, items = runs[0]["facts"], runs[0]["items"]
    # What the patient said in the first round (the rounds differ only in their random questions).
    said, characters = runs[0]["revealed_per_step"], runs[0]["reply_chars_per_step"]
    print(
        f"  {name:34s} {1 / per_step:8,.0f} steps/CPU-s  {per_step * 1e6:7.1f} us/step  = {units:6.1f} calibration "
        f"units  (last step with judge {judge * 1e3:.2f} ms; {facts:.0f} facts, {items:.0f} items per case; "
        f"a step: the patient says {said:.2f} facts in {characters:.0f} characters)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20_000, help="steps per measurement")
    parser.add_argument("--turns", type=int, default=10, help="questions per episode before the diagnosis")
    parser.add_argument("--library", default="starter")
    parser.add_argument("--inflate", type=int, default=10, help="the larger case is this many times the facts+rubric")
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with (its folder)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are reported")
    parser.add_argument("--warmup", type=int, default=20_000, help="steps first, timed apart (0: none)")
    parser.add_argument("--chunk", type=int, default=1_000, help="steps a process takes in its turn")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--guardian", default="offline", help="offline, or off to time the patient and judge alone")
    parser.add_argument("--repeat", action="store_true", help="the templates as they are (memo hits)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        serve(args)
        return

    from harness import machine_line

    print(machine_line())
    print(
        f"library {args.library}, {args.turns} questions + a diagnosis per episode, {args.steps} steps a round after "
        f"a process's first {args.warmup} (timed apart), guardian {args.guardian}, "
        f"{'repeated' if args.repeat else 'fresh'} questions"
    )
    codes: dict[str, tuple[Path | None, int]] = {"current": (None, 1), f"current x{args.inflate}": (None, args.inflate)}
    if args.baseline is not None:
        codes[f"baseline {args.baseline}"] = (args.baseline.resolve(), 1)
        codes[f"baseline x{args.inflate}"] = (args.baseline.resolve(), args.inflate)
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in codes}
    for round_ in range(args.rounds):
        for name, figures in measure_round(codes, args.seed + round_, args).items():
            results[name].append(figures)
    print(
        f"medians of {args.rounds} rounds, CPU time of the stepping process (the steps after its first {args.warmup}):"
    )
    for name, runs in results.items():
        describe(name, runs)
    # Ratios are taken within each round, whose processes took turns, then their median: the machine's speed drifts
    # between rounds more than within one.
    large, shipped = results[f"current x{args.inflate}"], results["current"]
    big = _round_ratios(large, shipped)
    print(
        f"x{args.inflate} facts+rubric costs x{statistics.median(big):.2f} per step "
        f"(current code; rounds: {_listed(big)}), where the patient says "
        f"x{large[0]['revealed_per_step'] / shipped[0]['revealed_per_step']:.2f} the facts a step"
    )
    if args.baseline is not None:
        speedup = _round_ratios(results[f"baseline {args.baseline}"], results["current"])
        old_big = _round_ratios(results[f"baseline x{args.inflate}"], results[f"baseline {args.baseline}"])
        print(
            f"speed-up over the baseline: x{statistics.median(speedup):.2f} steps per CPU-second (rounds: "
            f"{_listed(speedup)}); the baseline's x{args.inflate} case costs x{statistics.median(old_big):.2f} per step"
        )
    if args.warmup:
        first_big = _round_ratios(large, shipped, "first")
        line = f"x{statistics.median(first_big):.2f} (rounds: {_listed(first_big)})"
        if args.baseline is not None:
            first_speedup = _round_ratios(results[f"baseline {args.baseline}"], results["current"], "first")
            line += f", speed-up x{statistics.median(first_speedup):.2f} (rounds: {_listed(first_speedup)})"
        print(f"over a fresh process's first {args.warmup} steps instead: x{args.inflate} case {line}")


def _round_ratios(numerators: list[dict[str, Any]], denominators: list[dict[str, Any]], phase: str = "") -> list[float]:
    """CPU per step of one measurement over another's, round by round (``phase="first"``: of the first steps)."""
    pairs = zip(numerators, denominators, strict=True)
    return [_per_step(a, phase) / _per_step(b, phase) for a, b in pairs]


def _per_step(result: dict[str, Any], phase: str) -> float:
    figures = result[phase] if phase else result
    return float(figures["cpu_s"] / figures["steps"])


def _listed(ratios: list[float]) -> str:
    return " ".join(f"{ratio:.2f}" for ratio in ratios)


if __name__ == "__main__":
    main()
