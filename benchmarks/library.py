"""The shipped scenario library, per source: size, content, how the baseline doctors do, and whether the patient hears
a clinician's generic questions.

    python benchmarks/library.py

For each library (starter = hand-written, generated = DDXPlus, agentclinic = imported): scenario count, mean facts and
must-ask items, then mean coverage and diagnosis accuracy of

- the systematic-history doctor, the baseline (a generic checklist; it knows nothing about any case), and
- the knowledge doctor, reported apart: it reads the DDXPlus knowledge base the generated library is built from, so
  its generated figures measure that knowledge base, not history taking

(one episode per scenario, seed 0, through `consultgym run` and `consultgym report --json`). Then, per library, the
share of the cases with an answer in which each generic question ('Where on your body is it?', ...) reaches it
(`consultgym.testing.generic_questions`). Last, the time to load the whole library and to validate it (gold check).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from consultgym.authoring.gold import gold_check
from consultgym.scenarios.loader import load_library
from consultgym.testing.generic_questions import QUESTIONS, reach

LIBRARIES = ("starter", "generated", "agentclinic")
DOCTORS = ("systematic", "knowledge")


def report(library: str, doctor: str, folder: Path) -> dict:
    out = folder / f"{library}-{doctor}.jsonl"
    cli = [sys.executable, "-m", "consultgym.cli"]
    run = [*cli, "run", "--scenarios", library, "--doctor", doctor, "--concurrency", "2", "--out", str(out), "--quiet"]
    subprocess.run(run, check=True, capture_output=True)
    printed = subprocess.run([*cli, "report", str(out), "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(printed)


def doctors_table(folder: Path) -> None:
    print(f"{'library':12s} {'scenarios':>9s} {'facts':>6s} {'items':>6s}   systematic cov/acc   knowledge cov/acc")
    for library in LIBRARIES:
        scenarios = load_library(library)
        facts = sum(len(s.facts) for s in scenarios) / len(scenarios)
        items = sum(len(s.must_ask) for s in scenarios) / len(scenarios)
        systematic, knowledge = (report(library, doctor, folder) for doctor in DOCTORS)
        note = "  (reads its own source)" if library == "generated" else ""
        print(
            f"{library:12s} {len(scenarios):9d} {facts:6.1f} {items:6.1f}   "
            f"{systematic['coverage_mean']:10.3f}/{systematic['diagnosis_accuracy']:.3f}   "
            f"{knowledge['coverage_mean']:9.3f}/{knowledge['diagnosis_accuracy']:.3f}{note}"
        )


def generic_questions_table() -> None:
    print("\ngeneric question reaches the answer (cases reached / cases with an answer)")
    print(f"{'question':34s}" + "".join(f"{library:>14s}" for library in LIBRARIES))
    for topic, question in QUESTIONS.items():
        cells = []
        for library in LIBRARIES:
            with_answer, missed = reach(library, topic)
            cells.append(f"{with_answer - len(missed):>7d}/{with_answer:<6d}" if with_answer else f"{'-':>14s}")
        print(f"{question:34s}" + "".join(cells))


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="consultgym-library-"))
    doctors_table(folder)
    generic_questions_table()
    started = time.process_time()
    everything = load_library("all")
    loaded = time.process_time() - started
    started = time.process_time()
    failures = sum(bool(gold_check(s)) for s in everything)
    checked = time.process_time() - started
    print(
        f"\nload all {len(everything)} scenarios: {loaded:.2f} CPU s; validate (gold check) all: {checked:.2f} CPU s, "
        f"{failures} failing"
    )


if __name__ == "__main__":
    main()
