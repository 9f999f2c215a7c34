"""Does a patient reply answer the doctor, as the patient? The checks every guardian runs beside fact checking.

A real small model showed what fact checking alone misses (SmolLM2-135M as the patient, see docs/security.md):

- **role breaks**: the model speaks as the doctor or an assistant ("This is a medical consultation... I'm here to help
  you", "How can I assist you?", "As an AI"), labels speakers ("Doctor: ..."), writes headings, gives medical advice
  ("you should see a doctor") or talks about "your symptoms". A patient says none of these. Words the persona itself
  uses are allowed ("I'm a nurse" from a nurse).
- **non-answers**: the reply loops (a sentence four times, or a statement of five words or more, not in the
  scenario's own words, twice), or it repeats word for word an earlier reply to a different doctor turn while
  stating nothing the current question asks about (measured: SmolLM2 gave "It started 3 days ago..." to four
  different questions). The offline patient legitimately repeats denials ("No, nothing like that."), and a fact that
  answers several questions: neither is flagged (none of 7,833 offline turns over the libraries is).

Both kinds of issue quote the offending sentence of the reply, so guidance can point at it.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from consultgym.agents.base import PatientContext
from consultgym.agents.patient import offline as offline_patient
from consultgym.records import GuardianIssue, IssueKind
from consultgym.scenarios.prepared import per_scenario
from consultgym.scenarios.retrieval import facts_for_question, turn_units
from consultgym.scenarios.schema import Fact, Scenario
from consultgym.text import content_words, is_negated, normalize

LOOP_REPEATS = 4  # a sentence this many times, and more often than the turn asked things, is a loop
LOOP_STATEMENT_WORDS = 5  # an affirmative sentence this long, twice in one reply, is a loop
GROUNDED = 1.0  # a repeated sentence made only of the scenario's words restates a fact
RESTATES_SHARE = 0.5  # a sentence restates a fact when at least this share of its content words are the fact's

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
# What the offline patient says when no fact answers: never a statement, so repeating it is no non-answer.
_FILLERS = sorted({normalize(f) for fs in offline_patient.FILLERS.values() for f in fs if normalize(f)}, key=len)[::-1]
STOCK_LINES = frozenset(
    normalize(line)
    for line in (
        *offline_patient.DENIALS,
        *offline_patient.NOT_THAT_I_KNOW,
        *offline_patient.DONT_KNOW,
        *offline_patient.UNSURE,
        offline_patient.ONE_THING,
        offline_patient.TOO_MANY,
        offline_patient.NOTHING_ASKED,
        *offline_patient.DEFAULT_FINDINGS.values(),
        *_FILLERS,
    )
)
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
        (
            r"\byour (?:health|symptoms?|condition|diagnosis|treatment|medical history)\b",
            "speaks to the doctor about 'your' health",
        ),
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


# One search over all the patterns first: almost every sentence breaks no role, and then the loop below never runs.
_ANY_ROLE_BREAK = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _ROLE_BREAKS), re.I | re.M)


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
    return [
        GuardianIssue(kind=IssueKind.role_break, text=sentence, start=start, detail=why)
        for sentence, start, why in _role_break_sentences(reply, _persona_words(scenario))
    ]


@lru_cache(maxsize=4096)  # a reply is checked again on every turn it comes back (the offline patient's often do)
def _role_break_sentences(reply: str, persona: frozenset[str]) -> tuple[tuple[str, int, str], ...]:
    """(sentence, offset, why) for each distinct sentence that breaks the patient's role."""
    found, seen = [], set()
    for sentence, start, key, _ in _said(reply):
        if key in seen:
            continue  # a looping reply gets one issue per distinct sentence
        seen.add(key)
        if not _ANY_ROLE_BREAK.search(sentence):
            continue
        for pattern, why in _ROLE_BREAKS:
            match = pattern.search(sentence)
            if match and _last_word(match.group()) not in persona:
                found.append((sentence, start, why))
                break
    return tuple(found)


@per_scenario
def _persona_words(scenario: Scenario) -> frozenset[str]:
    return frozenset(normalize(f"{scenario.patient.persona} {scenario.patient.informant}").split())


@lru_cache(maxsize=4096)
def _said(reply: str) -> tuple[tuple[str, int, str, int], ...]:
    """The reply's sentences with their offsets, normalised words, and how often those words come in the reply."""
    said = [(sentence, start, normalize(sentence)) for sentence, start in sentences(reply)]
    counts = Counter(key for _, _, key in said)
    return tuple((sentence, start, key, counts[key]) for sentence, start, key in said)


def _last_word(text: str) -> str:
    words = normalize(text).split()
    return words[-1] if words else ""


def _non_answers(reply: str, ctx: PatientContext) -> list[GuardianIssue]:
    loop = max(LOOP_REPEATS, len(turn_units(ctx.action)) + 1)  # one stock answer per unit asked is no loop
    for sentence, start, key, count in _said(reply):
        if not key or count < 2:
            continue
        repeated_statement = len(key.split()) >= LOOP_STATEMENT_WORDS and _new_statement(sentence, ctx.scenario)
        if count >= loop or repeated_statement:
            detail = f"does not answer: says the same sentence {count} times"
            return [GuardianIssue(kind=IssueKind.non_answer, text=sentence, start=start, detail=detail)]
    return _repeated_reply(reply, ctx)


def _repeated_reply(reply: str, ctx: PatientContext) -> list[GuardianIssue]:
    """The whole reply said before, to a different doctor turn, stating nothing the current question asks about."""
    key, question = normalize(reply), normalize(ctx.action.text)
    earlier = [e for e in ctx.history if e.normalized[1] == key and e.normalized[0] != question]
    if not key or not earlier:
        return []
    statements = [(s, start) for s, start in sentences(reply) if _asserts(s)]
    asked = [fact for unit in ctx.action.questions for fact in facts_for_question(ctx.scenario, unit)]
    if not statements or any(_restates(s, fact) for s, _ in statements for fact in asked):
        return []  # denials again, or the fact this question asks about (it may answer several questions)
    text, start = statements[0]
    detail = f'does not answer: repeats word for word the reply to "{earlier[0].doctor[:80]}"'
    return [GuardianIssue(kind=IssueKind.non_answer, text=text, start=start, detail=detail)]


def _restates(sentence: str, fact: Fact) -> bool:
    """Whether most of the sentence's content words are the fact's."""
    words = content_words(sentence)
    return bool(words) and len(words & content_words(f"{fact.spoken} {fact.text}")) >= RESTATES_SHARE * len(words)


def _asserts(sentence: str) -> bool:
    """Neither a denial, an 'I'm not sure', nor another of the offline patient's stock lines ('One thing at a time,
    please', 'That test is within normal limits.', a filler alone)."""
    key = normalize(sentence)
    return not is_negated(sentence) and not _UNSURE.search(key) and _without_filler(key) not in STOCK_LINES


def _without_filler(key: str) -> str:
    for filler in _FILLERS:
        if key.startswith(filler + " "):
            return key[len(filler) + 1 :]
    return key


def _new_statement(sentence: str, scenario: Scenario) -> bool:
    """A sentence that asserts something (neither a denial nor an 'I'm not sure') in words not all the scenario's.

    A fact restated in the scenario's own words may come twice: it answers every question it is the answer to.
    """
    from consultgym.agents.guardian.offline import grounded_share  # here: the offline guardian runs these checks

    return _asserts(sentence) and grounded_share(sentence, scenario) < GROUNDED
