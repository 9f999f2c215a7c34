"""Regenerate the shipped libraries `generated` (DDXPlus) and `agentclinic` from their sources, deterministically.

Usage::

    python -m consultgym.authoring.build_library                      # both libraries
    python -m consultgym.authoring.build_library --only generated --per-condition 3
    python -m consultgym.authoring.build_library --agentclinic path/to/agentclinic_medqa_extended.jsonl

Each library folder is emptied of YAML files and rewritten, so a rerun gives byte-identical files. Every scenario must
pass the gold check before anything is written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from consultgym.authoring.generator import generate_many, write_scenarios
from consultgym.authoring.gold import gold_check
from consultgym.authoring.importers.agentclinic import SOURCE_NAME, import_agentclinic
from consultgym.errors import ConsultGymError, ScenarioError
from consultgym.scenarios.loader import LIBRARY_ROOT
from consultgym.scenarios.schema import Scenario

# The AgentClinic-MedQA cases ship with their MIT licence beside them, so the importer can always be rerun.
DEFAULT_AGENTCLINIC = Path(__file__).parents[1] / "scenarios" / "data" / "agentclinic" / SOURCE_NAME
PER_CONDITION = 3


def build_generated(per_condition: int = PER_CONDITION, folder: Path = LIBRARY_ROOT / "generated") -> list[Path]:
    """Write `per_condition` scenarios (seeds 1..N) for each of the 49 DDXPlus conditions to `folder`."""
    return _replace(folder, generate_many(per_condition=per_condition))


def build_agentclinic(
    source: str | Path = DEFAULT_AGENTCLINIC, folder: Path = LIBRARY_ROOT / "agentclinic"
) -> list[Path]:
    """Write every AgentClinic-MedQA case of `source` to `folder`."""
    return _replace(folder, import_agentclinic(source))


def _replace(folder: Path, scenarios: Sequence[Scenario]) -> list[Path]:
    problems = [f"{s.id}: {p}" for s in scenarios for p in gold_check(s)]
    if problems:
        raise ScenarioError(f"{len(problems)} gold-check problems, nothing written: " + "; ".join(problems[:10]))
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    return write_scenarios(scenarios, folder)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m consultgym.authoring.build_library", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--only", choices=["generated", "agentclinic"], help="rebuild one library only")
    parser.add_argument("--per-condition", type=int, default=PER_CONDITION, help="generated scenarios per condition")
    parser.add_argument("--agentclinic", type=Path, default=DEFAULT_AGENTCLINIC, help="AgentClinic-MedQA JSONL file")
    args = parser.parse_args(argv)
    try:
        if args.only in (None, "generated"):
            print(f"generated: wrote {len(build_generated(args.per_condition))} scenarios")
        if args.only in (None, "agentclinic"):
            print(f"agentclinic: wrote {len(build_agentclinic(args.agentclinic))} scenarios")
    except ConsultGymError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
