"""The shipped scenario library, per source: size, content, and how the two baseline doctors do on it.

    python benchmarks/library.py

For each library (starter = hand-written, generated = DDXPlus, agentclinic = imported): scenario count, mean facts and
must-ask items, and the scripted doctor's mean coverage and diagnosis accuracy without and with the knowledge graph
(one episode per scenario, through `consultgym run` and `consultgym report --json`). Then the time to load the whole
library and to validate it (schema + gold check).
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

LIBRARIES = ("starter", "generated", "agentclinic")


def report(library: str, doctor: str, folder: Path) -> dict:
    out = folder / f"{library}-{doctor}.jsonl"
    cli = [sys.executable, "-m", "consultgym.cli"]
    run = [*cli, "run", "--scenarios", library, "--doctor", doctor, "--concurrency", "4", "--out", str(out), "--quiet"]
    subprocess.run(run, check=True, capture_output=True)
    printed = subprocess.run([*cli, "report", str(out), "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(printed)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="consultgym-library-"))
    print(f"{'library':12s} {'scenarios':>9s} {'facts':>6s} {'items':>6s}   scripted cov/acc   knowledge cov/acc")
    for library in LIBRARIES:
        scenarios = load_library(library)
        facts = sum(len(s.facts) for s in scenarios) / len(scenarios)
        items = sum(len(s.must_ask) for s in scenarios) / len(scenarios)
        scripted, knowledge = (report(library, doctor, folder) for doctor in ("scripted", "knowledge"))
        print(
            f"{library:12s} {len(scenarios):9d} {facts:6.1f} {items:6.1f}   "
            f"{scripted['coverage_mean']:8.3f}/{scripted['diagnosis_accuracy']:.3f}   "
            f"{knowledge['coverage_mean']:9.3f}/{knowledge['diagnosis_accuracy']:.3f}"
        )
    started = time.perf_counter()
    everything = load_library("all")
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    failures = sum(bool(gold_check(s)) for s in everything)
    checked = time.perf_counter() - started
    print(
        f"load all {len(everything)} scenarios: {loaded:.2f} s; validate (gold check) all: {checked:.2f} s, "
        f"{failures} failing"
    )


if __name__ == "__main__":
    main()
