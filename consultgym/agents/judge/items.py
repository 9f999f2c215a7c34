"""Which must-ask item one unit of a doctor turn covers: at most one, its best match, and only a precise one.

The unit is first matched against the scenario's facts (`consultgym.scenarios.retrieval.match_unit`), so the judge and
the patient agree on what a unit is. Then:

- A shotgun unit covers nothing, and neither does any unit of a turn that holds one.
- A question covers the item it is *about*: the item is anchored (the question anchors one of the item's facts, asks
  one of its topics or names one of its keywords; an item with neither facts nor keywords is anchored by two words of
  its own wording) and at least half of the question's words belong to the item (`consultgym.scenarios.units`
  precision: its wording, keywords, topics and its facts' words). Among such items the best is the one explaining the
  largest share, then the most words of its own wording (ask, examples, keywords), then the fewest own words the
  question leaves out (the more specific item: 'Any allergies?' is the allergy item, not the family-allergy one), then
  the most words, then the first in the rubric; it is credited unless already covered, whatever the coverage so far
  (asking the same question again never reaches a second item).
- A request (``EXAMINE:``/``TEST:``) covers the item whose facts it reveals best (the largest share of the item's
  facts, then the heaviest item, then the first).
"""

from __future__ import annotations

from dataclasses import dataclass

from consultgym.actions import parse_action
from consultgym.config import DEFAULT_QUESTIONS_PER_TURN
from consultgym.scenarios.prepared import per_scenario
from consultgym.scenarios.retrieval import Focus, UnitMatch, fact_topics, keyword_phrases, match_turn, match_unit
from consultgym.scenarios.schema import RubricItem, Scenario
from consultgym.scenarios.units import PRECISION, precision
from consultgym.text import TOPICS, content_words, stemmed

# Words of a rubric item's wording that say how to ask, not what: 'Ask about ...', 'Establish whether ...'.
META_WORDS = frozenset(content_words("ask establish whether enquire inquire explore clarify elicit determine assess"))
RESTATEMENT_WORDS = 2


@dataclass(frozen=True)
class ItemProfile:
    """A must-ask item as questions meet it."""

    item: RubricItem
    position: int
    facts: frozenset[str]
    topics: frozenset[str]
    phrases: tuple[str, ...]  # stemmed, space-padded keyword phrases of the item and its history facts
    vocabulary: frozenset[str]
    wording: frozenset[str]  # the item's own words (ask, examples, keywords): what makes it the more specific match


@per_scenario
def item_profiles(scenario: Scenario) -> tuple[ItemProfile, ...]:
    profiles = []
    for position, item in enumerate(scenario.must_ask):
        facts = [scenario.fact_index[f] for f in item.facts if f in scenario.fact_index]
        history = [f for f in facts if not f.hidden_until_requested]
        wording = [t for t in (item.ask, *item.examples) if not t.lstrip().upper().startswith(("EXAMINE", "TEST"))]
        own_phrases = [k for k in item.keywords if k not in TOPICS]
        phrases = own_phrases + [p for f in history for p in keyword_phrases(f)]
        own = content_words(" ".join([*wording, *own_phrases])) - META_WORDS
        vocabulary = own | content_words(" ".join([*phrases, *(t for f in history for t in (f.text, f.say))]))
        topics = {k for k in item.keywords if k in TOPICS}.union(*(fact_topics(f) for f in history))
        profiles.append(
            ItemProfile(
                item,
                position,
                frozenset(item.facts),
                frozenset(topics),
                tuple(stemmed(p) for p in phrases),
                frozenset(vocabulary),
                frozenset(own),
            )
        )
    return tuple(profiles)


def item_for_unit(scenario: Scenario, match: UnitMatch) -> RubricItem | None:
    """The one must-ask item a unit covers, or None (see the module docstring)."""
    if match.focus is Focus.shotgun:
        return None
    if match.kind != "ask":
        return _item_for_findings(scenario, match)
    memo = _item_memo(scenario)
    if match.text not in memo:
        if len(memo) >= 4096:
            memo.clear()
        memo[match.text] = _item_for_question(scenario, match)
    return memo[match.text]


@per_scenario
def _item_memo(scenario: Scenario) -> dict[str, RubricItem | None]:
    return {}


def _item_for_question(scenario: Scenario, match: UnitMatch) -> RubricItem | None:
    assert match.words is not None
    words, anchored_facts = match.words, {m.fact.id: m.explained for m in match.candidates}
    padded = stemmed(match.text)
    best: tuple[float, int, int, int, int] | None = None
    chosen = None
    for profile in item_profiles(scenario):
        explained = set(words.words & profile.vocabulary)
        for topic in words.topics & profile.topics:
            explained |= words.topic_words[topic]
        for fact_id in profile.facts & anchored_facts.keys():
            explained |= anchored_facts[fact_id]
        share = precision(frozenset(explained), words.words)
        if share < PRECISION or not _anchored(profile, anchored_facts, words.topics, padded, explained):
            continue
        own = len(explained & profile.wording)
        key = (share, own, own - len(profile.wording), len(explained), -profile.position)
        if best is None or key > best:
            best, chosen = key, profile.item
    return chosen


def _anchored(
    profile: ItemProfile, facts: dict[str, frozenset[str]], topics: frozenset[str], padded: str, explained: set[str]
) -> bool:
    if profile.facts & facts.keys() or topics & profile.topics or any(p in padded for p in profile.phrases):
        return True
    return not profile.facts and not profile.phrases and len(explained) >= RESTATEMENT_WORDS


def _item_for_findings(scenario: Scenario, match: UnitMatch) -> RubricItem | None:
    revealed = {fact.id for fact in match.facts}
    scored = [
        (len(revealed & p.facts) / len(p.facts), p.item.priority.weight, -p.position, p.item)
        for p in item_profiles(scenario)
        if revealed & p.facts
    ]
    return max(scored, key=lambda row: row[:3])[3] if scored else None


def items_covered_in_turn(
    scenario: Scenario, turn: str, already: set[str], limit: int = DEFAULT_QUESTIONS_PER_TURN
) -> list[tuple[str, str]]:
    """(item id, evidence) for the items this turn newly covers: one per unit at most, of its first `limit` units.

    `already` (the ids covered before) is updated in place.
    """
    matches, shotgun = match_turn(scenario, parse_action(turn), limit)
    if shotgun:
        return []
    covered = []
    for match in matches:
        item = item_for_unit(scenario, match)
        if item is not None and item.id not in already:
            already.add(item.id)
            covered.append((item.id, match.text if match.kind == "ask" else f"{match.kind.upper()}: {match.text}"))
    return covered


def item_covered_by(item: RubricItem, scenario: Scenario, kind: str, unit: str) -> bool:
    """Whether one unit, asked on its own, covers the item."""
    covering = item_for_unit(scenario, match_unit(scenario, kind, unit))
    return covering is not None and covering.id == item.id
