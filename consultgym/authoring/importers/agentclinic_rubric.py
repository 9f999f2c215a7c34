"""Must-ask items for an imported AgentClinic case, each checked against the retrieval rules before it is kept.

The items follow what an OSCE examiner expects: when the complaint started and how long it has lasted, each
secondary symptom, the relevant history, the review of systems, each examination and each test; and, when the
diagnosis is a DDXPlus condition, the evidences that separate it from its differentials that the case reports
(critical). An item's first example is a question (or an ``EXAMINE:`` / ``TEST:`` request) that reveals every fact
it links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from consultgym.authoring.importers.wording import clean_phrase, humanise
from consultgym.errors import ScenarioError
from consultgym.scenarios.knowledge import load_knowledge
from consultgym.scenarios.retrieval import facts_for_question, facts_for_request
from consultgym.scenarios.schema import Fact, FactCategory, Priority, RubricItem, Scenario
from consultgym.text import TOPICS, contains_phrase, keyword_matches, normalize

SOCIAL_QUESTION = "Do you smoke or drink alcohol?"
ROS_PER_ITEM = 2  # one question may ask about two things; more is a checklist the patient answers one at a time


@dataclass(frozen=True)
class CaseOutline:
    """What the item derivation needs to know about a converted case besides its facts."""

    origin: str  # 'file.jsonl: line N', for error messages
    groups: dict[str, list[str]]  # named groups of fact ids: history, primary, secondary, ros, exam:<section>, ...
    condition: str | None  # the DDXPlus condition the diagnosis names, if any


def derive_must_ask(draft: Scenario, outline: CaseOutline) -> list[RubricItem]:
    """The must-ask items of a converted case (`draft` holds its facts and opening).

    Raises:
        ScenarioError: no item could be derived.
    """
    return _MustAsk(draft, outline).items()


class _MustAsk:
    """Derives the must-ask items of one converted case, checking each first example against the retrieval rules."""

    def __init__(self, draft: Scenario, outline: CaseOutline) -> None:
        self.case = outline
        self.draft = draft
        self.by_id = {f.id: f for f in draft.facts}

    def items(self) -> list[RubricItem]:
        items = [
            *self._time_course(),
            *self._secondary_symptoms(),
            *self._history_items(),
            *self._review(),
            *self._examinations(),
            *self._tests(),
        ]
        items = self._ddxplus(items)
        if not items:
            raise ScenarioError(f"{self.case.origin}: no must-ask item could be derived")
        return _unique_item_ids(items)

    def _asked(self, question: str, allowed: Iterable[str]) -> list[str]:
        wanted = set(allowed)
        return [f.id for f in facts_for_question(self.draft, question) if f.id in wanted]

    def _time_course(self) -> list[RubricItem]:
        question = "When did this start, and how long has it been going on?"
        story = [fid for g in ("history", "primary", "secondary") for fid in self.case.groups.get(g, [])]
        timed = [fid for fid in story if {"onset", "duration"} & set(self.by_id[fid].topics)]
        facts = self._asked(question, timed)
        if not facts:
            return []
        return [
            RubricItem(
                id="ask_onset_duration",
                ask="Establish when the main complaint started and how long it has lasted",
                priority=Priority.important,
                facts=facts,
                examples=[question, "How long have you had this?"],
            )
        ]

    def _secondary_symptoms(self) -> list[RubricItem]:
        items = []
        for fid in self.case.groups.get("secondary", [])[:5]:
            fact = self.by_id[fid]
            phrase = _askable_phrase(fact)
            if phrase is None:
                continue
            question = f"Have you noticed any {phrase}?"
            if fid not in self._asked(question, [fid]):
                continue
            priority = Priority.important if fact.present else Priority.routine
            items.append(
                RubricItem(
                    id=f"ask_{fid}",
                    ask=f"Ask about {phrase}",
                    priority=priority,
                    facts=[fid],
                    examples=[question, f"Tell me about any {phrase}."],
                )
            )
        return items

    def _history_items(self) -> list[RubricItem]:
        plan = [
            (
                "ask_past_history",
                "Ask about past medical history",
                FactCategory.pmh,
                "Do you have any medical conditions, or have you been ill in the past?",
            ),
            (
                "ask_medications",
                "Ask about current medications",
                FactCategory.medication,
                "Do you take any medications?",
            ),
            ("ask_allergies", "Ask about allergies", FactCategory.allergy, "Do you have any allergies?"),
            (
                "ask_family_history",
                "Ask about family history",
                FactCategory.family,
                "Does anything run in your family?",
            ),
            (
                "ask_social_history",
                "Ask about smoking and alcohol",
                FactCategory.social,
                SOCIAL_QUESTION,
            ),
        ]
        items = []
        for item_id, ask, category, question in plan:
            facts = self._asked(question, [f.id for f in self.draft.facts if f.category == category])
            if facts:
                items.append(
                    RubricItem(id=item_id, ask=ask, priority=Priority.routine, facts=facts, examples=[question])
                )
        return items

    def _review(self) -> list[RubricItem]:
        ros = [fid for fid in self.case.groups.get("ros", []) if fid in self.by_id and _askable_phrase(self.by_id[fid])]
        items = []
        for number, chunk in enumerate(_chunks(ros, ROS_PER_ITEM)[:2], start=1):
            phrases = list(dict.fromkeys(_askable_phrase(self.by_id[fid]) or "" for fid in chunk))
            question = f"Have you had any {_or(phrases)}?"
            facts = self._asked(question, chunk)
            if facts:
                items.append(
                    RubricItem(
                        id=f"ask_review_of_systems_{number}",
                        ask=f"Review of systems: {_or(phrases)}",
                        priority=Priority.routine,
                        facts=facts,
                        examples=[question],
                    )
                )
        return items

    def _examinations(self) -> list[RubricItem]:
        return self._requests("exam", FactCategory.exam, "EXAMINE", "examine", 5)

    def _tests(self) -> list[RubricItem]:
        return self._requests("lab", FactCategory.lab, "TEST", "test", 5)

    def _requests(self, prefix: str, category: FactCategory, verb: str, slug: str, limit: int) -> list[RubricItem]:
        items = []
        for group, fact_ids in self.case.groups.items():
            if not group.startswith(f"{prefix}:") or len(items) == limit:
                continue
            name = _request_name(group.split(":", 1)[1])
            revealed = {f.id for f in facts_for_request(self.draft, name, category)}
            facts = [fid for fid in fact_ids if fid in revealed]
            if not facts:
                continue
            routine = "vital" in name
            items.append(
                RubricItem(
                    id=f"{slug}_{re.sub(r'[^a-z0-9]+', '_', name).strip('_')}",
                    ask=f"{'Examine' if category == FactCategory.exam else 'Order'}: {name}",
                    priority=Priority.routine if routine else Priority.important,
                    facts=facts,
                    examples=[f"{verb}: {name}"],
                )
            )
        return items

    def _ddxplus(self, items: list[RubricItem]) -> list[RubricItem]:
        """Mark or add the items a DDXPlus condition's discriminating evidences call for, when the case has them."""
        condition = self.case.condition
        if condition is None:
            return items
        kb = load_knowledge()
        opening = self.draft.opening
        spoken = [f for f in self.draft.facts if f.present and not f.hidden_until_requested]
        added = 0
        for code in kb.discriminating_evidences(condition, kb.differentials(condition)):
            evidence = kb.evidence(code)
            if any(k not in TOPICS and contains_phrase(opening, k) for k in evidence.keywords):
                continue  # the opening already says it: asking about it separates nothing
            matched = [
                f.id
                for f in spoken
                if any(keyword_matches(k, f.text) for k in evidence.keywords) and not _mentions(opening, f.keywords)
            ][:2]
            facts = self._asked(evidence.question, matched)
            if not facts or added == 3:
                continue
            for index, item in enumerate(items):
                if set(item.facts) == set(facts):
                    items[index] = item.model_copy(update={"priority": Priority.critical})
                    break
            else:
                items.append(
                    RubricItem(
                        id=f"ddx_{evidence.fact_id}",
                        ask=f"Ask about {evidence.label}",
                        priority=Priority.critical,
                        facts=facts,
                        examples=list(dict.fromkeys([evidence.question, evidence.question_en])),
                    )
                )
            added += 1
        return items


_REPORTED = re.compile(
    r"^(?:the patient |patient |he |she )?(?:also )?(?:reports|mentions|notes|complains of|describes|"
    r"has|experiences|endorses)\s+",
    re.IGNORECASE,
)


def _request_name(key: str) -> str:
    name = re.sub(r"\b(examination|exam|findings)\b", "", humanise(key)).strip()
    return {"general": "general appearance", "": "general appearance"}.get(name, name)


def _question_phrase(fact: Fact) -> str:
    """A short noun phrase for a fact, worded for the doctor ('weakness in your arms')."""
    base = _REPORTED.sub("", fact.text.removeprefix("Denies ")).rstrip(".")
    phrase = clean_phrase(base)
    phrase = re.sub(r"\b(her|his|their)\b", "your", phrase)
    return phrase or normalize(base)


def _askable_phrase(fact: Fact) -> str | None:
    """The phrase a doctor's question names the fact by ('weakness in your arms'), or None when the fact is a whole
    sentence no question could name in a few words ('the patient appears tired ...')."""
    phrase = re.sub(r"^(?:the|a|an)\s+", "", _question_phrase(fact))
    whole_sentence = re.search(r"\b(is|are|was|were|has|have|had|appears?|shows?|patient|does|did)\b", phrase)
    return None if whole_sentence or len(phrase.split()) > 8 or not phrase else phrase


def _mentions(opening: str, keywords: Iterable[str]) -> bool:
    """Whether the opening already says one of a fact's keywords (the patient has volunteered it)."""
    return any(k not in TOPICS and contains_phrase(opening, k) for k in keywords)


def _chunks(values: list[str], size: int) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _unique_item_ids(items: list[RubricItem]) -> list[RubricItem]:
    seen: set[str] = set()
    unique = []
    for item in items:
        item_id, n = item.id[:60].rstrip("_"), 2
        while item_id in seen:
            item_id, n = f"{item.id[:56]}_{n}", n + 1
        seen.add(item_id)
        unique.append(item if item_id == item.id else item.model_copy(update={"id": item_id}))
    return unique
