"""The offline patient: answers only from the scenario's facts, deterministically.

Closed-world policy (what the patient says when the script has no fact for a question):

- A yes/no history question about something no fact mentions is denied ("No, I haven't noticed that."): whatever the
  scenario does not state is taken to be absent, as in a standardised-patient script.
- An open question with no matching fact gets "I'm not sure" wording, never an invented detail.
- ``EXAMINE:`` a part with no exam fact reports no abnormal findings; ``TEST:`` with no lab fact reports a normal
  result.
- Only the first `questions_per_turn` questions of a turn are answered; the patient asks for the rest one at a time.

The persona's `style` picks fillers and phrasings from fixed lists with a generator seeded by (seed, turn), so the
same episode always reads the same and no style ever changes which facts are said.
"""

from __future__ import annotations

import random
import re

from consultgym.actions import DoctorAction
from consultgym.agents.base import PatientAgent, PatientContext
from consultgym.config import DEFAULT_QUESTIONS_PER_TURN
from consultgym.scenarios.prepared import per_scenario
from consultgym.scenarios.retrieval import facts_for_question, facts_for_request
from consultgym.scenarios.schema import Fact, FactCategory, Scenario
from consultgym.text import split_questions

_YES_NO = re.compile(
    r"^\s*(do|does|did|have|has|had|is|are|was|were|any|ever|can|could|would|will|anything|been)\b", re.I
)

FILLERS: dict[str, list[str]] = {
    "plain": ["", "", "Well, "],
    "terse": [""],
    "chatty": ["Well, ", "Oh, let me think. ", "Right, so ", "Now that you mention it, "],
    "anxious": ["Um, ", "Okay... ", "Sorry, I'm a bit nervous. ", "Hmm, "],
    "stoic": ["", "Mm. "],
}
DENIALS = [
    "No, I haven't noticed anything like that.",
    "No, not that I know of.",
    "No.",
    "No, nothing like that.",
]
UNSURE = ["I'm not sure, nothing comes to mind.", "I don't really know, to be honest.", "I couldn't say."]
TOO_MANY = "Sorry, that's a lot at once. Could you ask me the rest one at a time?"


def answer_units(action: DoctorAction) -> list[tuple[str, str]]:
    """The turn's units in the order a patient meets them: ('ask', text), ('examine', what) or ('test', name)."""
    units = [("ask", q) for line in action.questions for q in split_questions(line)]
    units += [("examine", what) for what in action.exams]
    units += [("test", name) for name in action.tests]
    return units


def facts_for_unit(scenario: Scenario, kind: str, text: str) -> list[Fact]:
    """The facts one unit of a doctor turn elicits (memoised per scenario: patient and judge both ask)."""
    memo = _unit_memo(scenario)
    key = (kind, text)
    facts = memo.get(key)
    if facts is None:
        if len(memo) >= MEMO_SIZE:
            memo.clear()  # bounded: RL policies produce endless distinct questions
        facts = memo[key] = _retrieve(scenario, kind, text)
    return facts


def _retrieve(scenario: Scenario, kind: str, text: str) -> list[Fact]:
    if kind == "examine":
        return facts_for_request(scenario, text, FactCategory.exam)
    if kind == "test":
        return facts_for_request(scenario, text, FactCategory.lab)
    return facts_for_question(scenario, text)


MEMO_SIZE = 4096


@per_scenario
def _unit_memo(scenario: Scenario) -> dict[tuple[str, str], list[Fact]]:
    return {}


def fact_only_reply(ctx: PatientContext, questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN) -> tuple[str, list[str]]:
    """The reply built only from facts, and the ids of the facts it reveals.

    This is the offline patient's answer and the fallback of the patient-turn loop for any patient.
    """
    rng = random.Random(f"{ctx.seed}:{ctx.turn}")
    style = ctx.scenario.patient.style
    units = answer_units(ctx.action)
    answered = answered_facts(ctx.scenario, units[:questions_per_turn])
    sentences = [_say(kind, text, facts, rng) for kind, text, facts in answered]
    if len(units) > questions_per_turn:
        sentences.append(TOO_MANY)
    if not sentences:
        sentences.append(rng.choice(UNSURE) if ctx.action.text.strip() else "Sorry, did you want to ask me something?")
    filler = rng.choice(FILLERS.get(style, FILLERS["plain"])) if units and units[0][0] == "ask" else ""
    return _with_filler(filler, " ".join(sentences)), [f.id for _, _, facts in answered for f in facts]


def revealed_facts(ctx: PatientContext, questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN) -> list[str]:
    """The ids of the facts a turn's questions elicit: what `fact_only_reply` reveals, without wording it."""
    answered = answered_facts(ctx.scenario, answer_units(ctx.action)[:questions_per_turn])
    return [f.id for _, _, facts in answered for f in facts]


def answered_facts(scenario: Scenario, units: list[tuple[str, str]]) -> list[tuple[str, str, list[Fact]]]:
    """Each unit with the facts it newly reveals: a fact is said once per turn, however many questions reach it."""
    seen: set[str] = set()
    answered = []
    for kind, text in units:
        facts = [f for f in facts_for_unit(scenario, kind, text) if f.id not in seen]
        seen.update(f.id for f in facts)
        answered.append((kind, text, facts))
    return answered


def _with_filler(filler: str, reply: str) -> str:
    if filler and not reply.startswith(("I ", "I'")):
        reply = reply[:1].lower() + reply[1:]
    return filler + reply


def _say(kind: str, text: str, facts: list[Fact], rng: random.Random) -> str:
    if facts:
        return " ".join(_sentence(f.spoken) for f in facts)
    if kind == "examine":
        return f"Examination of the {text.strip().rstrip('.')}: no abnormal findings."
    if kind == "test":
        return f"{text.strip().rstrip('.')}: within normal limits."
    return rng.choice(DENIALS if _YES_NO.match(text) else UNSURE)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


class OfflinePatient(PatientAgent):
    """A patient who says only what the facts say, in the persona's wording. Deterministic per (seed, turn)."""

    def __init__(self, questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN) -> None:
        super().__init__(name="offline")
        self.questions_per_turn = questions_per_turn

    async def respond(self, ctx: PatientContext) -> str:
        return fact_only_reply(ctx, self.questions_per_turn)[0]

    def revealed(self, ctx: PatientContext) -> list[str]:
        return revealed_facts(ctx, self.questions_per_turn)
