"""The offline patient: answers only from the scenario's facts, deterministically.

What a unit of the doctor's turn reveals is decided by `consultgym.scenarios.retrieval` (the rule the judge uses too):

- A focused question gets its best-matching facts, at most two; a fact already said in this consultation gives way to
  one not yet said, so asking again about the same topic brings out the rest.
- A shotgun turn (any answered unit is too long, asks too many topics or tests at once, or reaches more subjects than
  two facts answer) gets `ONE_THING` and reveals nothing.
- A question the script says nothing about gets a plain denial only when it asks about a symptom; "Not that I know
  of" when it asks about a past illness; "I don't know" when it asks something a patient could not know (a test, a
  result, a level); "I'm not sure" otherwise. An open question, or one about anything else ('What makes it worse?'),
  is never denied on the script's silence.
- ``EXAMINE:`` and ``TEST:`` read out the findings requested by that name; an unlisted examination or test returns
  the case's `default_finding` (no abnormal findings, or not available). The doctor's words are never echoed.
- Only the first `questions_per_turn` units of a turn are answered; the patient asks for the rest one at a time.

The persona's `style` picks fillers and phrasings from fixed lists with a generator seeded by (seed, turn), so the
same episode always reads the same and no style ever changes which facts are said.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from consultgym.agents.base import PatientAgent, PatientContext
from consultgym.agents.lexicon import CONDITIONS, SYMPTOMS
from consultgym.config import DEFAULT_QUESTIONS_PER_TURN
from consultgym.scenarios.retrieval import (
    FactMatch,
    Focus,
    UnitMatch,
    best_facts,
    in_order,
    match_turn,
    mentioned_names,
    turn_units,
)
from consultgym.scenarios.schema import Fact, FactCategory, Scenario
from consultgym.text import ROS_SYSTEMS, content_words, stems

answer_units = turn_units  # the name the LLM patient imports

_YES_NO = re.compile(
    r"^\s*(do|does|did|have|has|had|is|are|was|were|any|ever|can|could|would|will|anything|been)\b", re.I
)
_OPEN = re.compile(r"^\s*(how|what|when|where|why|which|who|describe|tell)\b", re.I)

FILLERS: dict[str, list[str]] = {
    "plain": ["", "", "Well, "],
    "terse": [""],
    "chatty": ["Well, ", "Oh, let me think. ", "Right. ", "Now that you mention it, "],
    "anxious": ["Um, ", "Okay... ", "Sorry, I'm a bit nervous. ", "Hmm, "],
    "stoic": ["", "Well, "],
}
DENIALS = ["No.", "No, I haven't.", "No, nothing like that.", "No, I haven't noticed that.", "Not that I've noticed."]
NOT_THAT_I_KNOW = ["Not that I know of.", "No, not as far as I know.", "Nobody's ever told me that."]
DONT_KNOW = ["I don't know, doctor.", "I wouldn't know that, sorry.", "I've no idea, I'm afraid."]
UNSURE = ["I'm not sure.", "I couldn't say.", "I'm not sure, nothing comes to mind."]
ONE_THING = "One thing at a time, please - what did you want to know first?"
TOO_MANY = "Sorry, that's a lot at once. Could you ask me the rest one at a time?"
NOTHING_ASKED = "Sorry, did you want to ask me something?"
DEFAULT_FINDINGS = {
    ("examine", "normal"): "No abnormal findings on that examination.",
    ("test", "normal"): "That test is within normal limits.",
    ("examine", "not_available"): "That examination is not available.",
    ("test", "not_available"): "That test is not available.",
}
SYMPTOM_TOPICS = frozenset(ROS_SYSTEMS)
CONDITION_TOPICS = frozenset({"past_history", "surgery"})


def _phrase_index(terms: frozenset[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted({tuple(stems(term)) for term in terms} - {()}):
        index.setdefault(phrase[0], []).append(phrase)
    return {first: tuple(phrases) for first, phrases in index.items()}


_SYMPTOMS = _phrase_index(SYMPTOMS)
_CONDITIONS = _phrase_index(CONDITIONS)
UNKNOWABLE_WORDS = frozenset(
    content_words("result results level levels reading readings value values count scan scans lab labs x-ray xray")
)


@dataclass(frozen=True)
class Answer:
    """One answered unit and the facts it newly reveals."""

    match: UnitMatch
    facts: tuple[Fact, ...]


def answer_turn(ctx: PatientContext, limit: int = DEFAULT_QUESTIONS_PER_TURN) -> tuple[list[Answer], bool]:
    """The answered units of a turn with the facts each reveals, and whether the turn is a shotgun.

    A fact is said once per turn however many units reach it; facts said in earlier turns (`ctx.revealed`) give way
    to facts not yet said.
    """
    matches, shotgun = match_turn(ctx.scenario, ctx.action, limit)
    if shotgun:
        return [], True
    said: set[str] = set()
    answers = []
    for match in matches:
        facts = _pick(ctx.scenario, match, said, ctx.revealed)
        said.update(fact.id for fact in facts)
        answers.append(Answer(match, facts))
    return answers, False


def _pick(scenario: Scenario, match: UnitMatch, said: set[str], earlier: frozenset[str]) -> tuple[Fact, ...]:
    if match.focus is not Focus.focused:
        return ()
    if match.kind != "ask":
        return tuple(fact for fact in match.facts if fact.id not in said)
    fresh = match.unsaid(earlier | said) or match.unsaid(said)  # facts said in earlier turns give way to new ones
    return in_order(scenario, best_facts(map(FactMatch._make, fresh)))


def fact_only_reply(ctx: PatientContext, questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN) -> tuple[str, list[str]]:
    """The reply built only from facts, and the ids of the facts it reveals.

    This is the offline patient's answer and the fallback of the patient-turn loop for any patient.
    """
    answers, shotgun = answer_turn(ctx, questions_per_turn)
    if shotgun:
        return ONE_THING, []
    rng = random.Random(f"{ctx.seed}:{ctx.turn}")
    used: set[str] = set()
    sentences = [s for a in answers if (s := _say(a, ctx.scenario, rng, used))]
    if len(turn_units(ctx.action)) > questions_per_turn:
        sentences.append(TOO_MANY)
    if not sentences:
        sentences.append(rng.choice(UNSURE) if ctx.action.text.strip() else NOTHING_ASKED)
    asks_first = bool(answers) and answers[0].match.kind == "ask"
    filler = rng.choice(FILLERS.get(ctx.scenario.patient.style, FILLERS["plain"])) if asks_first else ""
    return _with_filler(filler, " ".join(sentences)), [f.id for a in answers for f in a.facts]


def revealed_facts(ctx: PatientContext, questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN) -> list[str]:
    """The ids of the facts a turn reveals: what `fact_only_reply` says, without wording it."""
    answers, _ = answer_turn(ctx, questions_per_turn)
    return [fact.id for answer in answers for fact in answer.facts]


def _with_filler(filler: str, reply: str) -> str:
    # 'Well, it started ...' but 'Right. It started ...'; 'I' stays upper case either way.
    if filler.endswith(", ") and not reply.startswith(("I ", "I'")):
        reply = reply[:1].lower() + reply[1:]
    return filler + reply


def _say(answer: Answer, scenario: Scenario, rng: random.Random, used: set[str]) -> str:
    match = answer.match
    if answer.facts:
        return " ".join(_sentence(fact.spoken) for fact in answer.facts)
    if match.focus is Focus.focused:
        return ""  # everything it reaches was said earlier in this reply
    if match.kind != "ask":
        return DEFAULT_FINDINGS[(match.kind, scenario.default_finding)]
    return _varied(_no_fact_replies(match), rng, used)


def _no_fact_replies(match: UnitMatch) -> list[str]:
    if asks_unknowable(match.text):
        return DONT_KNOW
    if _OPEN.match(match.text):
        return UNSURE
    if asks_about(match, SYMPTOM_TOPICS, _SYMPTOMS):
        return DENIALS
    if asks_about(match, CONDITION_TOPICS, _CONDITIONS):
        return NOT_THAT_I_KNOW
    return UNSURE


def asks_unknowable(question: str) -> bool:
    """A question about something a patient could not know: a test, a result, a level ('What was your troponin?')."""
    return bool(UNKNOWABLE_WORDS & content_words(question)) or bool(mentioned_names(question, {}, FactCategory.lab))


def asks_about(match: UnitMatch, topics: frozenset[str], terms: dict[str, tuple[tuple[str, ...], ...]]) -> bool:
    """Whether a question asks one of `topics` or names one of the indexed `terms` (a symptom, a condition)."""
    if match.words is not None and match.words.topics & topics:
        return True
    words = stems(match.text)
    return any(
        tuple(words[i : i + len(phrase)]) == phrase for i, word in enumerate(words) for phrase in terms.get(word, ())
    )


def _varied(replies: list[str], rng: random.Random, used: set[str]) -> str:
    """A reply from the list that this answer has not used yet ('No. No.' reads like a template)."""
    fresh = [reply for reply in replies if reply not in used] or replies
    reply = rng.choice(fresh)
    used.add(reply)
    return reply


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


class OfflinePatient(PatientAgent):
    """A patient who says only what the facts say, in the persona's wording. Deterministic per (seed, turn)."""

    def __init__(self, questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN) -> None:
        super().__init__(name="offline")
        self.questions_per_turn = questions_per_turn
        # The turn last answered and the facts it revealed: the session asks for them right after the reply.
        self._last: tuple[PatientContext, list[str]] | None = None

    async def respond(self, ctx: PatientContext) -> str:
        reply, revealed = fact_only_reply(ctx, self.questions_per_turn)
        self._last = (ctx, revealed)
        return reply

    def revealed(self, ctx: PatientContext) -> list[str]:
        last = self._last
        if last is not None and last[0] is ctx:
            return list(last[1])
        return revealed_facts(ctx, self.questions_per_turn)
