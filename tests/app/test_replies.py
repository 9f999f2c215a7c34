"""What the guardian made of each emitted reply, fallbacks included."""

from __future__ import annotations

from builders import EMITTED_REPLY, REJECTED_DRAFT, ask, fallback_with_issue, flagged

from consultgym.app.replies import ReplyStatus, emitted_issues, reply_status
from consultgym.records import GuardianIssue, Turn, Verdict

LEAK = GuardianIssue(kind="leak", text="heart attack")


def test_clean_revised_and_ended() -> None:
    assert reply_status(ask(0, "Q?", "A.", 0.1)) is ReplyStatus.clean
    assert reply_status(flagged(1, 0.2)) is ReplyStatus.revised
    ended = Turn(index=2, doctor="DIAGNOSIS: x", kind="diagnose", reply="The consultation has ended.")
    assert reply_status(ended) is ReplyStatus.ended
    unguarded = Turn(index=0, doctor="Q?", kind="ask", drafts=["A."], reply="A.")
    assert reply_status(unguarded) is ReplyStatus.unguarded


def test_a_fallback_that_repeats_a_rejected_draft_is_not_clean() -> None:
    turn = fallback_with_issue(1, 0.3)
    assert turn.emitted_with_issues  # the record's own property and the app agree
    assert reply_status(turn) is ReplyStatus.issue and not reply_status(turn).clean_reply
    assert emitted_issues(turn) == [LEAK.model_copy(update={"detail": "names the diagnosis"})]


def test_a_checked_fallback_is_clean_and_an_unchecked_one_is_not() -> None:
    rejected = Verdict(ok=False, issues=[LEAK])
    checked = Turn(index=0, doctor="Q?", kind="ask", drafts=[REJECTED_DRAFT, EMITTED_REPLY],
                   verdicts=[rejected, Verdict(ok=True)], reply=EMITTED_REPLY, fallback=True)  # fmt: skip
    assert reply_status(checked) is ReplyStatus.fallback and reply_status(checked).clean_reply
    unchecked = checked.model_copy(update={"drafts": [REJECTED_DRAFT], "verdicts": [rejected]})
    assert reply_status(unchecked) is ReplyStatus.unchecked_fallback and not emitted_issues(unchecked)


def test_an_emitted_draft_with_issues() -> None:
    turn = Turn(index=0, doctor="Q?", kind="ask", drafts=[REJECTED_DRAFT], verdicts=[Verdict(ok=False, issues=[LEAK])],
                reply=REJECTED_DRAFT)  # fmt: skip
    assert reply_status(turn) is ReplyStatus.issue and emitted_issues(turn) == [LEAK]
