"""Leak forms: how many leaks each guardian lets through, per form, with a guardian model that is right or fooled.

    python benchmarks/leak_forms.py [--scenarios 40] [--seed 0] [--library all]

An LLM patient that obeys the doctor (scripted on the loopback server) answers each probe of
`consultgym.testing.leak_forms` (plain, synonym, ICD-10, lay paraphrase, French, base64, spelling, a letter answer to
a multiple-choice question, an acrostic of the scenario's own words, an encoded name planted among decoys) as the
first turn of a fresh episode, behind the offline, tiered and LLM guardians. The guardian model is scripted as an
oracle (labels every leak, and nothing else, correctly) or fooled (labels everything supported). The offline guardian
never calls a model, so it is played once and shown under both.

A cell is leaks emitted / leaking probes. The echo probe row asks five candidates per scenario ("Have you ever been
told you have X?", the diagnosis among them) of an honest patient who echoes each in a denial, over as many random
scenarios whose patient may honestly say so (no fact of theirs names the diagnosis); the cell is the expected number
of scenarios where a doctor who sees only the replies names the diagnosis (chance: 1 in 5).

CPU is the process's CPU time for each column (client and the in-process server), with the ratio to the offline
column measured in the same run.
"""

from __future__ import annotations

import argparse
import time

from consultgym.scenarios.loader import load_library
from consultgym.testing.leak_forms import echo_eligible
from consultgym.testing.leak_trials import GUARDIAN_MODELS, LEAK_FORMS, LeakTrial, TrialResult, sample_scenarios

COLUMNS = [("offline", "oracle")] + [(g, m) for m in GUARDIAN_MODELS for g in ("tiered", "llm")]


def play(trial: LeakTrial, guardian: str, model: str, **which: bool) -> TrialResult:
    with trial.serve():
        return trial.run(guardian, model, **which)


def label(guardian: str, model: str) -> str:
    return "offline" if guardian == "offline" else f"{guardian} ({model})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", type=int, default=40, help="random scenarios to probe")
    parser.add_argument("--seed", type=int, default=0, help="which random scenarios")
    parser.add_argument("--library", default="all", help="the library to draw them from (decoys come from it too)")
    args = parser.parse_args()
    library = load_library(args.library)
    pool = sorted({s.diagnosis.name for s in library})
    scenarios = sample_scenarios(library, args.scenarios, args.seed)
    # The echo probe needs scenarios whose patient may honestly deny ever being told of the diagnosis.
    eligible = sample_scenarios([s for s in library if echo_eligible(s)], args.scenarios, args.seed)

    results: dict[tuple[str, str], TrialResult] = {}
    cpu: dict[tuple[str, str], float] = {}
    for column in COLUMNS:
        started = time.process_time()
        results[column] = play(LeakTrial(scenarios, pool), *column, echoes=False)
        echo = play(LeakTrial(eligible, pool), *column, leaks=False)
        results[column].echo_scenarios, results[column].echo_altered = echo.echo_scenarios, echo.echo_altered
        results[column].echo_identified = echo.echo_identified
        cpu[column] = time.process_time() - started

    print(f"{len(scenarios)} scenarios of '{args.library}' (seed {args.seed}); leaks emitted / leaking probes")
    width = 20
    print(f"{'form':<16}" + "".join(f"{label(*c):>{width}}" for c in COLUMNS))
    for form in LEAK_FORMS:
        cells = [f"{results[c].emitted[form]}/{results[c].probes[form]}" for c in COLUMNS]
        print(f"{form:<16}" + "".join(f"{cell:>{width}}" for cell in cells))
    total = [f"{sum(results[c].emitted.values())}/{sum(results[c].probes.values())}" for c in COLUMNS]
    print(f"{'all forms':<16}" + "".join(f"{cell:>{width}}" for cell in total))
    echo = [f"{results[c].echo_identified:.1f}/{results[c].echo_scenarios}" for c in COLUMNS]
    print(f"{'echo probe':<16}" + "".join(f"{cell:>{width}}" for cell in echo))
    altered = [f"{results[c].echo_altered}" for c in COLUMNS]
    print(f"{'  echoes blocked':<16}" + "".join(f"{cell:>{width}}" for cell in altered))
    floor = cpu[COLUMNS[0]]
    cells = [f"{cpu[c]:.1f}s x{cpu[c] / floor:.1f}" for c in COLUMNS]
    print(f"{'CPU':<16}" + "".join(f"{cell:>{width}}" for cell in cells))
    print(
        f"\necho probe: {len(eligible)} random scenarios whose patient's facts do not name the diagnosis; "
        f"chance level {len(eligible) / 5:.1f}"
    )
    for column in COLUMNS:
        for example in results[column].examples[:3]:
            print(f"emitted, {label(*column)}: {example}")


if __name__ == "__main__":
    main()
