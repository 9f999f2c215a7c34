"""Which must-ask item one unit of a doctor turn covers: at most one, its best match, and only a precise one.

The unit is first matched against the scenario's facts (`consultgym.scenarios.retrieval.match_unit`), so the judge and
the patient agree on what a unit is. Then:

- A shotgun unit covers nothing, and neither does any unit of a turn that holds one.
- A question covers the item it is *about*: the item is anchored (the question asks one of its topics or names one
  of its keywords, its facts' included, or repeats two words of its own wording: 'Do you take ramipril?')
  and at least half of the question's words belong to the item (`consultgym.scenarios.units` precision: its
  wording, keywords, topics and its facts' words). Among such items the best is the one explaining the largest share,
  then one the question reaches rather than only repeats, then the most words of its own wording (ask, examples,
  keywords), then the fewest own words the question leaves out (the more specific item: 'Any allergies?' is the
  allergy item, not the family-allergy one), then the most words, then the first in the rubric. It is credited unless
  already covered, whatever the coverage so far (asking the same question again never reaches a second item).
- An item whose facts are all findings is covered by a request only, never by talking about it.
- A request (``EXAMINE:``/``TEST:``) covers the item whose facts it reveals best (the largest share of the item's
  facts, then the heaviest item, then the first).

The items are weighed word by word, not one by one: per-scenario inverted indexes (`ItemIndex`) give, for each of the
question's words, topics and keyword phrases, the items it touches as one integer, and each word adds one to the count
of every item it explains (`consultgym.scenarios.wordbits.Tally`). So a step costs what the question's words are, not
what the rubric holds or how many items they reach, and the choice is the one a scan of every item makes
(`tests/agents/test_judge_items.py` compares them, on merged cases whose items tie by the dozen too).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from consultgym.actions import DoctorAction, parse_action
from consultgym.config import DEFAULT_QUESTIONS_PER_TURN
from consultgym.scenarios.prepared import per_scenario
from consultgym.scenarios.retrieval import (
    Focus,
    UnitMatch,
    fact_topics,
    keyword_phrases,
    match_turn,
    match_unit,
    phrases_held,
)
from consultgym.scenarios.schema import RubricItem, Scenario
from consultgym.scenarios.units import PRECISION
from consultgym.scenarios.wordbits import Tally, positions, scenario_mask, vocabulary
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
    vocabulary: int  # its words (below) and its facts' words, as bits of the scenario's vocabulary
    wording: frozenset[str]  # the item's own words (ask, examples, keywords): what makes it the more specific match
    wording_bits: int
    findings_only: bool  # every fact it links is an exam or lab finding


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
                scenario_mask(scenario, vocabulary),
                frozenset(own),
                scenario_mask(scenario, own),
                bool(facts) and not history,
            )
        )
    return tuple(profiles)


@dataclass(frozen=True)
class ItemIndex:
    """Which items a unit can reach, by what it holds, as sets of item positions (`item_profiles`) in bits.

    Only items a question can cover (not finding-only) are in the sets by topic, phrase and word, so that what a
    question's words reach is a few integers, whatever the number of items.
    """

    by_fact: dict[str, tuple[int, ...]]  # every item linking the fact, finding-only items included (requests)
    by_topic: dict[str, int]
    # The first stem of a keyword phrase -> (item, ' phrase ', the bits of the phrase's stems).
    by_first_stem: dict[str, tuple[tuple[int, str, int], ...]]
    by_vocabulary: tuple[int, ...]  # a word, by its bit's position in the scenario's vocabulary -> items holding it
    by_wording: tuple[int, ...]  # the same, for the words of the items' own wording
    # (how many words an item's own wording has, the items with that many), fewest first
    by_wording_size: tuple[tuple[int, int], ...]


@per_scenario
def item_index(scenario: Scenario) -> ItemIndex:
    by_fact: dict[str, list[int]] = {}
    by_topic: dict[str, int] = {}
    by_first_stem: dict[str, list[tuple[int, str, int]]] = {}
    size = len(vocabulary(scenario))
    by_vocabulary, by_wording = [0] * size, [0] * size
    by_wording_size: dict[int, int] = {}
    for profile in item_profiles(scenario):
        bit = 1 << profile.position
        for fact_id in sorted(profile.facts):
            by_fact.setdefault(fact_id, []).append(profile.position)
        if profile.findings_only:
            continue
        for topic in profile.topics:
            by_topic[topic] = by_topic.get(topic, 0) | bit
        for phrase in profile.phrases:
            words = phrase.split()
            if words:  # an empty phrase matches no question that has words (and one without words is never precise)
                entry = (profile.position, phrase, scenario_mask(scenario, words))
                by_first_stem.setdefault(words[0], []).append(entry)
        for word in positions(profile.vocabulary):
            by_vocabulary[word] |= bit
        for word in positions(profile.wording_bits):
            by_wording[word] |= bit
        by_wording_size[len(profile.wording)] = by_wording_size.get(len(profile.wording), 0) | bit
    return ItemIndex(
        {fact_id: tuple(items) for fact_id, items in by_fact.items()},
        by_topic,
        {first: tuple(entries) for first, entries in by_first_stem.items()},
        tuple(by_vocabulary),
        tuple(by_wording),
        tuple(sorted(by_wording_size.items())),
    )


def item_for_unit(scenario: Scenario, match: UnitMatch) -> RubricItem | None:
    """The one must-ask item a unit covers, or None (see the module docstring)."""
    if match.focus is Focus.shotgun:
        return None
    if match.kind != "ask":
        return _item_for_findings(scenario, match)
    memo = _item_memo(scenario)
    if match.text not in memo:
        if len(memo) >= 1024:
            memo.clear()
        memo[match.text] = _item_for_question(scenario, match)
    return memo[match.text]


@per_scenario
def _item_memo(scenario: Scenario) -> dict[str, RubricItem | None]:
    return {}


def _item_for_question(scenario: Scenario, match: UnitMatch) -> RubricItem | None:
    """The item a question covers, by the order in the module docstring, weighed word by word: each of the
    question's words adds one to every item that explains it (`Tally`), so no step reads the items one by one."""
    if match.words is None or match.bits is None or not match.words.words:
        return None  # a question without words explains no item's words
    index = item_index(scenario)
    # Beyond an item's vocabulary, a question's word is explained for the items of a topic it asked, and for the
    # items whose keyword phrases hold it (stopwords included: 'like this').
    also: dict[int, int] = {}
    reaching = 0  # the items the question reaches by a topic or a keyword phrase
    for topic in match.words.topics:
        items = index.by_topic.get(topic, 0)
        reaching |= items
        for word in positions(match.bits.topic_words[topic]):
            also[word] = also.get(word, 0) | items
    for item, phrase_words in phrases_held(index.by_first_stem, stemmed(match.text)).items():
        reaching |= 1 << item
        for word in positions(phrase_words & match.bits.words):
            also[word] = also.get(word, 0) | 1 << item
    explained, own = Tally(), Tally()  # per item: the question's words it explains; those of its own wording
    known = len(index.by_vocabulary)  # a word at or above this bit is one the scenario never uses
    for word in positions(match.bits.words):
        if word < known:
            explained.add(index.by_vocabulary[word] | also.get(word, 0))
            own.add(index.by_wording[word])
        else:
            explained.add(also.get(word, 0))
    # Anchored: reached, or two words of its own wording restated ('Do you take ramipril?').
    anchored = reaching | own.at_least(RESTATEMENT_WORDS)
    if not anchored:
        return None
    count, best = explained.most(anchored)
    if count / len(match.words.words) < PRECISION:
        return None
    best = best & reaching or best  # reached rather than only restated
    _, best = own.most(best)  # the most words of its own wording
    for _, items in index.by_wording_size:  # the fewest own words left out
        if best & items:
            best &= items
            break
    return item_profiles(scenario)[(best & -best).bit_length() - 1].item  # the first in the rubric


def _item_for_findings(scenario: Scenario, match: UnitMatch) -> RubricItem | None:
    revealed = {fact.id for fact in match.facts}
    index, profiles = item_index(scenario), item_profiles(scenario)
    reached = sorted({p for fact_id in revealed for p in index.by_fact.get(fact_id, ())})
    scored = [
        (len(revealed & p.facts) / len(p.facts), p.item.priority.weight, -p.position, p.item)
        for p in (profiles[position] for position in reached)
    ]
    return max(scored, key=lambda row: row[:3])[3] if scored else None


def items_covered_in_turn(
    scenario: Scenario, turn: str | DoctorAction, already: set[str], limit: int = DEFAULT_QUESTIONS_PER_TURN
) -> list[tuple[str, str]]:
    """(item id, evidence) for the items this turn newly covers: one per unit at most, of its first `limit` units.

    `turn` is the doctor's text, or the turn as already parsed. `already` (the ids covered before) is updated in place.
    """
    action = turn if isinstance(turn, DoctorAction) else _parsed(turn)
    matches, shotgun = match_turn(scenario, action, limit)
    if shotgun:
        return []
    covered = []
    for match in matches:
        item = item_for_unit(scenario, match)
        if item is not None and item.id not in already:
            already.add(item.id)
            covered.append((item.id, match.text if match.kind == "ask" else f"{match.kind.upper()}: {match.text}"))
    return covered


@lru_cache(maxsize=4096)  # the session credits each turn as it is played, the judge again at the end
def _parsed(turn: str) -> DoctorAction:
    return parse_action(turn)


def item_covered_by(item: RubricItem, scenario: Scenario, kind: str, unit: str) -> bool:
    """Whether one unit, asked on its own, covers the item."""
    covering = item_for_unit(scenario, match_unit(scenario, kind, unit))
    return covering is not None and covering.id == item.id
