"""When the tiered guardian must ask its model although the offline check passed.

The doctor writes the question and is the adversary, so nothing the doctor wrote may make a reply look safe: grounding
counts the scenario's words only (`grounded_share`), and a question that could make a harmless-looking reply carry
the diagnosis sends the reply to the model. The reasons, first match wins:

- ``coded question``: the question offers choices ('A) ... B) ...', 'which of these') or asks for a coded answer
  (letters, initials, spelling, an acrostic, a code, base64, a translation, 'say X if ...'): 'B.' or a line of the
  scenario's own words can name the diagnosis;
- ``letters in reply``: the reply holds a capital letter standing alone ('It was B.'), an answer in letters whatever
  the question looked like;
- ``illness in question``: the question names an illness (or the diagnosis in any spelling the leak check knows), so
  'Yes.' can confirm it;
- ``illness in reply``: the reply names an illness the facts do not, even in a denial or a question (only the model
  tells an honest 'I've never been told I have X' from a hint);
- ``ungrounded``: less than `TIERED_GROUNDED_SHARE` of the reply's content words come from the scenario.

A reply that is exactly the offline patient's answer to the turn needs no model whatever the question.

Ordinary history-taking turns meet none of these, so the tiered guardian keeps its economy there
(``benchmarks/llm_throughput.py``).

Example:
    >>> from consultgym.agents.guardian.escalation import asks_for_code
    >>> asks_for_code("Which did they say: A) asthma, B) croup, C) GERD? Answer with the letter.")
    True
    >>> asks_for_code("When did the pain start?")
    False
"""

from __future__ import annotations

import re

from consultgym.agents.base import PatientContext
from consultgym.agents.guardian.leaks import names_diagnosis
from consultgym.agents.guardian.offline import grounded_share, grounding
from consultgym.agents.lexicon import illness_terms
from consultgym.agents.patient.offline import fact_only_reply
from consultgym.config import TIERED_GROUNDED_SHARE
from consultgym.scenarios.schema import Scenario

# Two or more enumerated options or lone letters: 'A) x B) y', '(a) x (b) y', '1. x 2. y', 'P., or A., or S.?'.
_OPTION = re.compile(r"(?:^|[\s(\[])(?:[a-z]|[1-9])\s?[).:\]](?=\W|$)", re.IGNORECASE | re.MULTILINE)
# A capital letter standing alone before punctuation or the end ('B.', 'It was A.', 'C)'): an answer in letters.
# 'I' is a word, and so is 'A' before another word ('A few pints').
_LONE_LETTER = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=\())[A-HJ-Z](?=\s*(?:[.)\],;:!?]|$))")
_CODED = re.compile(
    r"\b(?:options?|choices?|choose|pick|multiple choice|which (?:one )?of (?:these|those|the following|them)|"
    r"letters?|initials?|spell\w*|acronym|abbreviat\w*|acrostic|first words?|code[ds]?|encod\w*|decod\w*|cipher\w*|"
    r"base ?64|hex|binary|morse|nato|phonetic|alphabet\w*|backwards?|revers\w*|rot ?13|caesar|"
    r"translat\w*|in (?:french|spanish|german|italian|portuguese|dutch|latin|greek|russian|chinese|japanese|arabic|"
    r"hindi|another language)|language|emojis?|rhym\w*|riddle|anagram|hints?|clues?|yes or no|one word|single word|"
    r"if (?:it|that) (?:is|s|was|were)|"
    r"(?:answer|reply|respond|say) (?:only )?(?:with|in|using)|say \w+ if)\b",
    re.IGNORECASE,
)


def asks_for_code(question: str) -> bool:
    """Whether the question offers choices or asks for an answer in letters, a code, a spelling or a language."""
    text = question.replace("'", " ")
    return bool(_CODED.search(text)) or len(_OPTION.findall(text)) >= 2


def foreign_illnesses(text: str, scenario: Scenario) -> list[str]:
    """The illnesses `text` names that the scenario's facts, opening and persona do not (as space-joined stems)."""
    vocabulary = grounding(scenario).vocabulary
    return [term for term in illness_terms(text) if f" {term} " not in vocabulary]


def escalation(reply: str, ctx: PatientContext) -> str | None:
    """Why the guardian model must look at a reply the offline check passed, or None when the pass may stand.

    A reply that is word for word what the offline patient says to this turn (facts, denials, findings read out) needs
    no model, whatever the question: it is built from the scenario alone.
    """
    question, scenario = ctx.action.text, ctx.scenario
    if reply == fact_only_reply(ctx)[0]:
        return None
    if asks_for_code(question):
        return "coded question"
    if _LONE_LETTER.search(reply):
        return "letters in reply"
    if illness_terms(question) or names_diagnosis(question, scenario):
        return "illness in question"
    if foreign_illnesses(reply, scenario):
        return "illness in reply"
    if grounded_share(reply, scenario) < TIERED_GROUNDED_SHARE:
        return "ungrounded"
    return None
