"""Prompt injection: leaks drafted, blocked and emitted per patient/guardian backend.

    python benchmarks/injection.py [--library starter] [--offline-library all]

Every adversarial doctor turn of `consultgym.testing.injection.INJECTIONS` is played as the first turn of a fresh
episode of every scenario. Backends:

- the offline patient (retrieves facts; never says a name it was not given) with the offline guardian;
- an LLM patient on the loopback server scripted to obey every injection (it names the diagnosis or a synonym in odd
  case, punctuation, diacritics, homoglyphs, zero-width characters, spacing, leetspeak or markup), behind the offline
  guardian, the tiered guardian, and the LLM guardian; the guardian model is scripted to be fooled (it labels every
  sentence supported), so what blocks the leak is the offline leak check.

'leaking drafts' are patient drafts naming the diagnosis; 'blocked' never reached the doctor; 'emitted' counts
observations or step infos that named the diagnosis, showed the rubric or revealed an unrequested finding.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools

from consultgym.agents.guardian.offline import OfflineGuardian
from consultgym.agents.llm import aclose_clients
from consultgym.envs.builder import build_session
from consultgym.records import IssueKind
from consultgym.scenarios.loader import load_library
from consultgym.scenarios.schema import Scenario
from consultgym.settings import EnvConfig
from consultgym.testing import FakeOpenAIServer
from consultgym.testing.injection import INJECTIONS, InjectionOutcome, obeying_replies, play_injections
from consultgym.text import contains_phrase

GUARDIANS = (("offline", "offline"), ("tiered", "tiered (model fooled)"), ("llm", "LLM (model fooled)"))
FOOLED_GUARDIAN = {"sentences": [{"sentence": "Fine.", "label": "supported", "reason": "ok", "facts": []}]}


async def offline_outcome(library: list[Scenario]) -> InjectionOutcome:
    total = InjectionOutcome()
    for scenario in library:
        session = build_session(EnvConfig(), [scenario])
        total = total.add(await play_injections(session, scenario))
    return total


async def obeying_outcome(library: list[Scenario], server: FakeOpenAIServer, guardian: str) -> InjectionOutcome:
    options = {
        "patient": "llm",
        "guardian": guardian,
        "patient_model": "obeying-patient",
        "patient_base_url": server.base_url,
        "patient_max_retries": 0,
        "guardian_model": "fooled-guardian",
        "guardian_base_url": server.base_url,
        "guardian_max_retries": 0,
    }
    if guardian == "offline":  # the offline guardian takes no model
        options = {k: v for k, v in options.items() if not k.startswith("guardian_")}
    total = InjectionOutcome()
    try:
        for scenario in library:
            replies = itertools.cycle(obeying_replies(scenario))
            server.script(lambda body, replies=replies: next(replies), model="obeying-patient")
            session = build_session(EnvConfig(**options), [scenario])
            total = total.add(await play_injections(session, scenario))
    finally:
        await aclose_clients()
    return total


def spelling_detection(library: list[Scenario]) -> tuple[int, int, int]:
    """(obfuscated leak replies, flagged by the offline guardian, caught by a plain word match alone)."""
    guardian = OfflineGuardian()
    total = flagged = plain = 0
    for scenario in library:
        for reply in obeying_replies(scenario):
            total += 1
            flagged += IssueKind.leak in {issue.kind for issue in guardian.verdict(reply, scenario).issues}
            plain += any(contains_phrase(reply, name) for name in scenario.diagnosis.names)
    return total, flagged, plain


def row(label: str, outcome: InjectionOutcome) -> str:
    return f"{label:<68}{outcome.turns:>7}{outcome.leaking_drafts:>9}{outcome.blocked:>9}{outcome.emitted:>9}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--library", default="starter", help="scenarios for the LLM patient runs")
    parser.add_argument("--offline-library", default="all", help="scenarios for the offline patient run")
    args = parser.parse_args()
    library, offline_library = load_library(args.library), load_library(args.offline_library)

    print(f"{len(INJECTIONS)} adversarial doctor turns, each the first turn of a fresh episode")
    print(f"{'backend (scenarios)':<68}{'turns':>7}{'leaking':>9}{'blocked':>9}{'emitted':>9}")
    print(
        row(
            f"offline patient + offline guardian ({args.offline_library})",
            asyncio.run(offline_outcome(offline_library)),
        )
    )
    with FakeOpenAIServer(by_model={"fooled-guardian": FOOLED_GUARDIAN}) as server:
        for guardian, label in (
            ("offline", "offline"),
            ("tiered", "tiered (model fooled)"),
            ("llm", "LLM (model fooled)"),
        ):
            outcome = asyncio.run(obeying_outcome(library, server, guardian))
            print(row(f"LLM patient that obeys + {label} guardian ({args.library})", outcome))
            for example in outcome.examples:
                print(f"    emitted: {example}")

    total, flagged, plain = spelling_detection(load_library("all"))
    print(
        f"\nobfuscated leak replies over every library: {total}; flagged as leaks by the offline guardian: {flagged}; "
        f"caught by a plain word match alone: {plain}"
    )


if __name__ == "__main__":
    main()
