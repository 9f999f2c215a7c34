"""The honest fallback: composed from facts alone, itself checked, replaced by a neutral line when it fails too."""

from __future__ import annotations

import asyncio

from consultgym.actions import parse_action
from consultgym.agents.base import GuardianAgent, PatientAgent, PatientContext
from consultgym.agents.guardian.offline import OfflineGuardian
from consultgym.agents.judge.offline import RubricJudge
from consultgym.agents.patient.offline import fact_only_reply, revealed_facts
from consultgym.agents.patient.turn import NEUTRAL_REPLY, PatientTurn
from consultgym.envs.driver import run_sync
from consultgym.envs.session import ConsultationSession
from consultgym.records import Episode, GuardianIssue, IssueKind, Verdict
from consultgym.report import format_report, summarize


class LeakingPatient(PatientAgent):
    """A patient model that always names the diagnosis."""

    async def respond(self, ctx: PatientContext) -> str:
        return "I read online that it is a heart attack."

    def revealed(self, ctx: PatientContext) -> list[str]:
        return revealed_facts(ctx)


class RejectingGuardian(GuardianAgent):
    """A guardian that rejects every reply, as a strict LLM guardian might."""

    def __init__(self) -> None:
        super().__init__(name="rejecting")
        self.checked: list[str] = []

    async def check(self, reply: str, ctx: PatientContext) -> Verdict:
        self.checked.append(reply)
        issue = GuardianIssue(kind=IssueKind.unsupported, text=reply, detail="rejected for the test")
        return Verdict(ok=False, issues=[issue], source="rejecting")


def ctx(scenario, text: str) -> PatientContext:
    return PatientContext(scenario, parse_action(text))


def test_a_fallback_that_passes_its_check_is_emitted(chest_scenario):
    turn = PatientTurn(LeakingPatient(), OfflineGuardian(), max_revisions=1)
    result = run_sync(turn.run_direct(ctx(chest_scenario, "Do you smoke?")))
    assert result.fallback and not result.fallback_issue
    assert result.reply == fact_only_reply(ctx(chest_scenario, "Do you smoke?"))[0]
    assert result.verdicts[-1].ok and result.drafts[-1] == result.reply  # the fallback was checked and recorded


def test_a_fallback_that_fails_its_check_becomes_the_neutral_line(chest_scenario):
    guardian = RejectingGuardian()
    turn = PatientTurn(LeakingPatient(), guardian, max_revisions=1)
    result = run_sync(turn.run_direct(ctx(chest_scenario, "Do you smoke?")))
    assert result.fallback and result.fallback_issue and result.reply == NEUTRAL_REPLY
    assert guardian.checked[-1] == fact_only_reply(ctx(chest_scenario, "Do you smoke?"))[0]
    graph = asyncio.run(turn.run_graph(ctx(chest_scenario, "Do you smoke?")))
    assert graph == result  # both drivers run the same nodes


def test_an_offline_fallback_reuses_the_verdict_on_the_same_words(chest_scenario):
    from consultgym.agents.patient.offline import OfflinePatient

    guardian = RejectingGuardian()
    result = run_sync(PatientTurn(OfflinePatient(), guardian, max_revisions=2).run_direct(ctx(chest_scenario, "Hi")))
    assert len(guardian.checked) == 3  # draft and two revisions; the identical fallback is not checked again
    assert result.fallback_issue and result.reply == NEUTRAL_REPLY


def test_the_neutral_line_reveals_nothing_and_is_counted(chest_scenario):
    session = ConsultationSession([chest_scenario], LeakingPatient(), RejectingGuardian(), RubricJudge())
    run_sync(session.areset(seed=0))
    step = run_sync(session.astep("Do you smoke?"))
    assert step.observation == NEUTRAL_REPLY and step.info["guardian"]["fallback_issue"]
    turn = session.turns[-1]
    assert turn.fallback_issue and turn.facts_revealed == [] and not turn.emitted_with_issues
    run_sync(session.astep("DIAGNOSIS: STEMI"))
    summary = summarize([Episode.model_validate(session.to_episode().model_dump())])
    assert summary["fallback_issue_count"] == 1 and summary["emitted_flag_rate"] == 0.0
    assert summary["fallback_issues"][0]["issue"] == "unsupported: rejected for the test"
    assert "neutral line said: 1" in format_report(summary)


def test_every_emitted_reply_counts_in_the_emitted_issue_rate(chest_scenario):
    session = ConsultationSession([chest_scenario], LeakingPatient(), RejectingGuardian(), RubricJudge())
    run_sync(session.areset(seed=0))
    run_sync(session.astep("Do you smoke?"))
    turn = session.turns[-1].model_copy(update={"fallback_issue": False, "reply": "unchecked words"})
    assert turn.emitted_with_issues  # a fallback whose failed check was ignored would now count
