"""Does a patient reply answer the doctor, as the patient? The checks every guardian runs beside fact checking.

A real small model showed what fact checking alone misses (SmolLM2-135M as the patient, see docs/security.md):

- **role breaks**: the model speaks as the doctor or an assistant ("This is a medical consultation... I'm here to help
  you", "How can I assist you?", "As an AI"), labels speakers ("Doctor: ..."), writes headings, gives medical advice
  ("you should see a doctor") or talks about "your symptoms". A patient says none of these. Words the persona itself
  uses are allowed ("I'm a nurse" from a nurse).
- **non-answers**: the reply loops (one sentence again and again: a sentence four times, or a statement of five words
  or more twice), or it repeats word for word an earlier reply that answered a different doctor turn and states
  something that is neither a denial, an "I'm not sure", nor a fact of the scenario. The offline patient legitimately
  repeats short denials ("No, nothing like that.") and the fact that answers two questions: neither is flagged.

Both kinds of issue quote the offending sentence of the reply, so guidance can point at it.
"""

from __future__ import annotations

import re
from collections import Counter

from consultgym.agents.base import PatientContext
from consultgym.records import GuardianIssue, IssueKind
from consultgym.scenarios.schema import Scenario
from consultgym.text import is_negated, normalize

LOOP_REPEATS = 4  # any sentence this many times in one reply is a loop (three denials answer three questions)
LOOP_STATEMENT_WORDS = 5  # an affirmative sentence this long, twice in one reply, is a loop
GROUNDED = 1.0  # a repeated sentence made only of the scenario's words restates a fact

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_UNSURE = re.compile(r"\b(?:not sure|could not say|do not know|nothing comes to mind)\b")  # on normalized text
_ROLE_BREAKS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE | re.MULTILINE), why)
    for pattern, why in (
        (r"\b(?:I'?m|I am) here to help\b", "speaks as a helper, not the patient"),
        (r"\bhow (?:can|may|could) I (?:help|assist)\b", "speaks as an assistant"),
        (r"\bis there anything else (?:I can|you(?:'d| would) like)\b", "speaks as an assistant"),
        (r"\bthis is a (?:medical )?consultation\b", "narrates the consultation instead of answering"),
        (r"\bas an? (?:AI|language model|assistant|chatbot|virtual assistant)\b", "speaks as an AI"),
        (r"\b(?:I'?m|I am) (?:an? )?(?:AI|language model|chatbot|virtual assistant)\b", "speaks as an AI"),
        (r"\bas (?:a|your) (?:doctor|physician|clinician|medical professional)\b", "speaks as the doctor"),
        (
            r"\b(?:I'?m|I am) (?:a |an |your )?(?:doctor|physician|clinician|nurse|medical professional)\b",
            "speaks as the doctor",
        ),
        (r"\byour (?:symptoms?|condition|diagnosis|treatment)\b", "speaks to the doctor about 'your' health"),
        (
            r"\b(?:I (?:would )?recommend|I(?:'d| would) (?:suggest|advise)|you should (?:see|consult|take|get))\b",
            "gives medical advice",
        ),
        (r"\blet me (?:examine|check|take a look at) you\b", "speaks as the doctor"),
        (r"\bthank you for (?:sharing|reaching out|your question|coming in)\b", "speaks as the doctor"),
        (r"^\s*\**\s*(?:doctor|patient|assistant|user|system)\s*\**\s*:", "labels speakers like a transcript"),
        (r"^\s*#{1,6}\s", "writes a heading, not speech"),
    )
)


def sentences(reply: str) -> list[tuple[str, int]]:
    """The reply's sentences with their character offsets."""
    return [
        (m.group().strip(), m.start() + len(m.group()) - len(m.group().lstrip()))
        for m in _SENTENCE.finditer(reply)
        if m.group().strip()
    ]


def conduct_issues(reply: str, ctx: PatientContext) -> list[GuardianIssue]:
    """Role breaks and non-answers in `reply` (see the module docstring), in reading order."""
    return _role_breaks(reply, ctx.scenario) + _non_answers(reply, ctx)


def _role_breaks(reply: str, scenario: Scenario) -> list[GuardianIssue]:
    persona = f"{scenario.patient.persona} {scenario.patient.informant} {scenario.opening}".lower()
    issues = []
    for sentence, start in sentences(reply):
        for pattern, why in _ROLE_BREAKS:
            match = pattern.search(sentence)
            if match and _last_word(match.group()) not in persona:
                issues.append(GuardianIssue(kind=IssueKind.role_break, text=sentence, start=start, detail=why))
                break
    return issues


def _last_word(text: str) -> str:
    words = normalize(text).split()
    return words[-1] if words else ""


def _non_answers(reply: str, ctx: PatientContext) -> list[GuardianIssue]:
    said = sentences(reply)
    counts = Counter(normalize(sentence) for sentence, _ in said)
    for sentence, start in said:
        key = normalize(sentence)
        statement = _states_something(sentence) and len(key.split()) >= LOOP_STATEMENT_WORDS
        if key and (counts[key] >= LOOP_REPEATS or (statement and counts[key] >= 2)):
            detail = f"does not answer: says the same sentence {counts[key]} times"
            return [GuardianIssue(kind=IssueKind.non_answer, text=sentence, start=start, detail=detail)]
    return _repeated_reply(reply, ctx)


def _repeated_reply(reply: str, ctx: PatientContext) -> list[GuardianIssue]:
    """The whole reply said before, to a different doctor turn, with a statement that is not a fact of the scenario."""
    key = normalize(reply)
    earlier = [
        e for e in ctx.history if normalize(e.patient) == key and normalize(e.doctor) != normalize(ctx.action.text)
    ]
    if not key or not earlier:
        return []
    from consultgym.agents.guardian import grounded_share  # here: the guardian module runs these checks

    new = [
        (s, start)
        for s, start in sentences(reply)
        if _states_something(s) and grounded_share(s, ctx.scenario) < GROUNDED
    ]
    if not new:
        return []
    text, start = new[0]
    detail = f'does not answer: repeats word for word the reply to "{earlier[0].doctor[:80]}"'
    return [GuardianIssue(kind=IssueKind.non_answer, text=text, start=start, detail=detail)]


def _states_something(sentence: str) -> bool:
    """Neither a denial nor an 'I'm not sure': a sentence that asserts something."""
    return not is_negated(sentence) and not _UNSURE.search(normalize(sentence))
