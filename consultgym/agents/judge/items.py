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

Only the items a unit can reach are weighed: a per-scenario inverted index (`ItemIndex`) finds those that share one of
the unit's topics, keyword phrases or two words of their wording, so a step costs what the question's words
reach, not what the rubric holds. An item outside that set could not be anchored, so the choice is the one a scan of
every item makes (`tests/agents/test_judge_items.py` compares them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from consultgym.actions import DoctorAction, parse_action
from consultgym.config import DEFAULT_QUESTIONS_PER_TURN
from consultgym.scenarios.prepared import per_scenario
from consultgym.scenarios.retrieval import Focus, UnitMatch, fact_topics, keyword_phrases, match_turn, match_unit
from consultgym.scenarios.schema import RubricItem, Scenario
from consultgym.scenarios.units import PRECISION, UnitWords
from consultgym.scenarios.wordbits import TOPIC_BITS, scenario_mask, topic_mask
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
    topic_bits: int  # the same topics as bits (`consultgym.scenarios.wordbits.TOPIC_BITS`)
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
                topic_mask(topics),
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
    """Which items a unit can reach, by what it holds: positions into `item_profiles`, or sets of them as bits.

    The items a question can cover (not finding-only) are found as bits, so that the items a question reaches by its
    topics, phrases and words are one integer, read in rubric order.
    """

    by_fact: dict[str, tuple[int, ...]]  # every item linking the fact, finding-only items included (requests)
    by_topic: dict[str, int]
    # The first stem of a keyword phrase -> (item, ' phrase ', the bits of the phrase's stems).
    by_first_stem: dict[str, tuple[tuple[int, str, int], ...]]
    by_word: dict[str, int]  # a word of the item's own wording -> items


@per_scenario
def item_index(scenario: Scenario) -> ItemIndex:
    by_fact: dict[str, list[int]] = {}
    by_topic: dict[str, int] = {}
    by_first_stem: dict[str, list[tuple[int, str, int]]] = {}
    by_word: dict[str, int] = {}
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
        for word in profile.wording:
            by_word[word] = by_word.get(word, 0) | bit
    return ItemIndex(
        {fact_id: tuple(items) for fact_id, items in by_fact.items()},
        by_topic,
        {first: tuple(entries) for first, entries in by_first_stem.items()},
        by_word,
    )


def _reachable(scenario: Scenario, words: UnitWords, padded: str) -> tuple[int, dict[int, int]]:
    """The items a question can anchor (see `_anchor`), as bits of their positions, and for each item whose keyword
    phrases the question holds, the bits of those phrases' words."""
    index = item_index(scenario)
    found = _at_least((index.by_word.get(word, 0) for word in words.words), RESTATEMENT_WORDS)
    for topic in words.topics:
        found |= index.by_topic.get(topic, 0)
    by_phrase: dict[int, int] = {}
    for first in set(padded.split()):
        for position, phrase, phrase_words in index.by_first_stem.get(first, ()):
            if phrase in padded:
                by_phrase[position] = by_phrase.get(position, 0) | phrase_words
                found |= 1 << position
    return found, by_phrase


def _at_least(masks: Iterable[int], count: int) -> int:
    """The bits set in at least `count` of `masks`."""
    reached = [-1] + [0] * count  # reached[k]: the bits set in at least k of the masks so far (-1: every bit)
    for mask in masks:
        for k in range(count, 0, -1):
            reached[k] |= reached[k - 1] & mask
    return reached[count]


def _positions(bits: int) -> Iterator[int]:
    """The positions of the set bits, lowest first."""
    while bits:
        lowest = bits & -bits
        yield lowest.bit_length() - 1
        bits ^= lowest


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
    if match.words is None or match.bits is None or not match.words.words:
        return None  # a question without words explains no item's words
    words, asked = match.words, match.bits.words
    total = len(words.words)
    asked_topics = topic_mask(words.topics)
    topic_words = [(TOPIC_BITS[topic], match.bits.topic_words[topic]) for topic in words.topics]
    profiles = item_profiles(scenario)
    best: tuple[int, int, int, int, int] | None = None
    chosen = None
    # Finding-only items are not reachable: an examination or a test is asked for with EXAMINE:/TEST:, not by talk.
    reachable, by_phrase = _reachable(scenario, words, stemmed(match.text))
    for position in _positions(reachable):
        profile = profiles[position]
        # All it explains are the unit's words: those of its vocabulary, of the keyword phrases the question holds
        # (stopwords included: 'like this'), of the topics it answers.
        explained = asked & (profile.vocabulary | by_phrase.get(position, 0))
        topics_asked = profile.topic_bits & asked_topics
        if topics_asked:
            for topic_bit, words_of_topic in topic_words:
                if topics_asked & topic_bit:
                    explained |= words_of_topic
        count = explained.bit_count()
        if count / total < PRECISION:
            continue
        own = (explained & profile.wording_bits).bit_count()
        anchor = _anchor(bool(topics_asked), position in by_phrase, own)
        if not anchor:
            continue
        # The share explained first: every item shares the question's word count, so its count orders the same.
        key = (count, anchor, own, own - len(profile.wording), -position)
        if best is None or key > best:
            best, chosen = key, profile.item
    return chosen


def _anchor(asks_topic: bool, holds_phrase: bool, own: int) -> int:
    """2: the question reaches the item's facts, topics or keywords; 1: it only repeats its wording (`own`: how many
    of its words the question holds); 0: neither.

    A question reaches one of the item's facts only through that fact's topics or keyword phrases, which are the
    item's too (`item_profiles`), so asking one of the item's topics or holding one of its phrases is enough.
    """
    if asks_topic or holds_phrase:
        return 2
    return int(own >= RESTATEMENT_WORDS)  # it restates the item's own wording


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
