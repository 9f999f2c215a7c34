"""What the guardian made of the reply a patient actually said, from the fields a record has.

A turn records every draft, the guardian's verdict on each, the emitted reply and whether it was the fact-only
fallback. The emitted reply is clean only when a verdict approved that very text. A fallback is not clean by being a
fallback: older runs emitted a fallback identical to a draft the guardian had just rejected, so its issues are the
rejected draft's. A fallback no verdict looked at is shown as unchecked, never as clean. When the fact-only fallback
itself failed the guardian's check, the patient said a neutral line that reveals nothing (`Turn.fallback_issue`).
"""

from __future__ import annotations

from enum import StrEnum

from consultgym.records import GuardianIssue, Turn

# Turns of these kinds end the consultation: the session records no draft and no patient reply for them.
ENDING_KINDS = ("diagnose", "end")


class ReplyStatus(StrEnum):
    clean = "clean"  # the first draft passed
    revised = "revised"  # a later draft passed after the guardian rejected earlier ones
    fallback = "fallback"  # a fact-only fallback that a verdict approved
    unchecked_fallback = "unchecked fallback"  # a fallback no verdict looked at
    neutral = "neutral line"  # the fallback failed its check too; the patient said a line that reveals nothing
    issue = "emitted with issues"  # the emitted reply still had guardian issues
    unguarded = "unguarded"  # no guardian ran on this turn
    ended = "ended"  # the doctor ended the consultation: no patient reply

    @property
    def clean_reply(self) -> bool:
        """True only when a guardian verdict approved the emitted text."""
        return self in {ReplyStatus.clean, ReplyStatus.revised, ReplyStatus.fallback, ReplyStatus.neutral}


def is_ending(turn: Turn) -> bool:
    return turn.kind in ENDING_KINDS and not turn.drafts


def reply_status(turn: Turn) -> ReplyStatus:
    """How the emitted reply of `turn` stands with the guardian (see the module docstring)."""
    if is_ending(turn):
        return ReplyStatus.ended
    if not turn.verdicts:
        return ReplyStatus.unguarded
    if turn.fallback_issue:
        return ReplyStatus.neutral
    verdict_index = _verdict_of_reply(turn)
    if verdict_index is None and turn.fallback:  # an older run's fallback: no verdict was given on its text
        return ReplyStatus.unchecked_fallback
    if verdict_index is None:  # a reply that is not among the drafts: the last verdict is all there is
        verdict_index = len(turn.verdicts) - 1
    if not turn.verdicts[verdict_index].ok:
        return ReplyStatus.issue
    if turn.fallback:
        return ReplyStatus.fallback
    return ReplyStatus.clean if verdict_index == 0 else ReplyStatus.revised


def emitted_issues(turn: Turn) -> list[GuardianIssue]:
    """The guardian issues the emitted reply carried (empty when it was approved, unchecked or unguarded)."""
    if reply_status(turn) is not ReplyStatus.issue:
        return []
    verdict_index = _verdict_of_reply(turn)
    return list(turn.verdicts[-1 if verdict_index is None else verdict_index].issues)


def _verdict_of_reply(turn: Turn) -> int | None:
    """The index of the last verdict given on a draft whose text is the emitted reply, if any."""
    for index in range(min(len(turn.drafts), len(turn.verdicts)) - 1, -1, -1):
        if turn.drafts[index].strip() == turn.reply.strip():
            return index
    return None
