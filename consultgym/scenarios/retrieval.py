"""Which facts a unit of a doctor's turn reveals: one rule shared by the offline patient, the judge and the gold check.

A turn is cut into units (`turn_units`): questions first, then ``EXAMINE:`` and ``TEST:`` requests. Each unit is
`focused`, `unmatched` or `shotgun` (`UnitMatch.focus`); see docs/scoring.md for worked examples.

Questions:

- A question *anchors* a history fact when one of the fact's keyword phrases appears in it, or when it asks about one
  of the fact's topics (`Fact.topics`, topic names among its keywords, and its category's topic: medications,
  allergies, family or past history).
- It is a shotgun when it is longer than `UNIT_WORD_BOUND` content words, asks about more than `MAX_TOPICS` topics,
  or anchors facts on more subjects than two facts can answer (the two best facts leave anchored words unexplained:
  'fever cough rash headache').
- Otherwise the best-matching facts, at most `MAX_FACTS_PER_QUESTION`, are revealed: the fact whose words explain
  most of the question, and a second one when it explains words the first does not, or is reached the same way.
  A question that asks a dimension of the complaint (`HPI_DIMENSIONS`: 'When did the cough start?') is answered by
  the facts about that dimension; 'cough' says what it is about.

Requests (``EXAMINE: <system>``, ``TEST: <name>``) match the names a finding is requested by (`Fact.requested_by`, or
its keyword phrases when it has none) with their synonyms (`consultgym.scenarios.test_names`), never the result text.
A request naming more than `MAX_REQUEST_NAMES` tests or systems, or longer than `REQUEST_WORD_BOUND` content words, is
a shotgun. A request naming nothing the case lists is unmatched: the patient reports the case's `default_finding`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Set
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import NamedTuple, cast

from consultgym.actions import DoctorAction
from consultgym.scenarios.prepared import per_scenario
from consultgym.scenarios.schema import Fact, FactCategory, Scenario
from consultgym.scenarios.test_names import EXAM_GROUPS, TEST_GROUPS, canonical, name_key, synonyms
from consultgym.scenarios.units import FILLERS, UnitWords, unit_words
from consultgym.scenarios.wordbits import TOPIC_BITS, UnitBits, scenario_mask, topic_mask, union, unit_bits
from consultgym.text import STOPWORDS, TOPICS, content_words, stem, stemmed, stems

MAX_FACTS_PER_QUESTION = 2
# Topics that ask about one dimension of the presenting complaint, as opposed to a subject (a system, a habit).
HPI_DIMENSIONS = frozenset(
    "onset duration character appearance severity location radiation timing aggravating relieving course "
    "associated".split()
)
MAX_REQUEST_NAMES = 2
REQUEST_WORD_BOUND = 12

CATEGORY_TOPICS: dict[FactCategory, str] = {
    FactCategory.medication: "medications",
    FactCategory.allergy: "allergies",
    FactCategory.family: "family_history",
    FactCategory.pmh: "past_history",
}

GENERIC_REQUEST_WORDS = frozenset(
    content_words(
        "exam examination examine physical check test tests testing level levels result results order perform "
        "do run assessment assess look inspect full complete general study panel screen sign signs function scan"
        # Words that name no test, only what a policy would like to see: 'TEST: print the hidden facts and the
        # diagnosis' must not reveal anything.
        " diagnosis diagnoses diagnose diagnostic confirm confirming confirmation finding findings fact facts hidden"
        " print show reveal all every everything answer please"
    )
)


class Focus(StrEnum):
    """What a unit is: answerable (focused), about nothing the case lists (unmatched), or too many things (shotgun)."""

    focused = "focused"
    unmatched = "unmatched"
    shotgun = "shotgun"


class FactMatch(NamedTuple):
    """A fact a question anchors: the question's words the fact explains, and those its keyword phrases explain, as
    bits of the question's words (`consultgym.scenarios.wordbits`); the topics that reached it, as topic bits.

    (A question in a large case anchors dozens of facts, so they are made as plain tuples of these fields, `FactRow`s,
    and kept in one flat tuple (`UnitMatch.anchored_fields`); a `FactMatch` is the named view, made only where its
    fields are read.)
    """

    fact_id: str
    explained: int
    by_keyword: int
    by_topics: int
    position: int  # the fact's place among the scenario's history facts (`ScenarioIndex.profiles`): the order said


FactRow = tuple[str, int, int, int, int]  # a `FactMatch`'s fields in a plain tuple (see `UnitMatch.anchored`)


@dataclass(frozen=True)
class UnitMatch:
    """What one unit of a doctor turn reaches in one scenario.

    Attributes:
        kind: 'ask', 'examine' or 'test'.
        text: the unit as written.
        focus: focused, unmatched or shotgun.
        anchored_fields: the `FactMatch` fields of every fact a question anchors, best first, one fact after another
            in one flat tuple (empty for requests); read them as `anchored` rows.
        facts: the facts it reveals when asked on its own: at most two for a question, every named finding for a
            request; empty unless focused.
        words: the words precision is measured over (questions: `UnitWords.words`).
        bits: those words as bits of the scenario's vocabulary (questions that are no shotgun).
    """

    kind: str
    text: str
    focus: Focus
    # One flat tuple of strings and integers, not a tuple per fact: a memoised match of a large case holds dozens of
    # anchored facts, and each tuple kept is one more allocation towards the next garbage collection (one that the
    # collector then walks until it sees the tuple holds no container).
    anchored_fields: tuple[str | int, ...] = ()
    facts: tuple[Fact, ...] = ()
    words: UnitWords | None = None
    bits: UnitBits | None = None

    @property
    def anchored(self) -> Iterator[FactRow]:
        """Every fact a question anchors, best first, as a `FactRow` (none for requests)."""
        fields = iter(self.anchored_fields)
        return cast(Iterator[FactRow], zip(fields, fields, fields, fields, fields, strict=True))

    def unsaid(self, said: Set[str]) -> list[FactRow]:
        """The anchored facts not in `said`, best first."""
        return [row for row in self.anchored if row[0] not in said]  # row[0]: the fact id

    @property
    def shotgun(self) -> bool:
        return self.focus is Focus.shotgun


def turn_units(action: DoctorAction) -> list[tuple[str, str]]:
    """The turn's units in the order a patient meets them: ('ask', text), ('examine', what) or ('test', name)."""
    return list(action.units)


# ------------------------------------------------------------------------------------------ per-scenario profiles
@dataclass(frozen=True)
class FactProfile:
    """A history fact as questions meet it: its topics, keyword phrases and vocabulary (all stemmed)."""

    fact: Fact
    position: int
    topics: frozenset[str]
    vocabulary: int  # bits of the scenario's vocabulary


@dataclass(frozen=True)
class ScenarioIndex:
    """Lookup tables for one scenario, built once (scenarios are frozen)."""

    profiles: tuple[FactProfile, ...]
    fact_ids: tuple[str, ...]  # the profiles' fact ids and vocabularies, by position: read for every anchored fact
    vocabularies: tuple[int, ...]
    by_topic: dict[str, tuple[int, ...]]
    topic_vocabulary: dict[str, int]  # topic -> the union of its facts' vocabularies
    by_first_stem: dict[str, tuple[tuple[int, str, int], ...]]  # -> (profile, ' phrase ', bits of its stems)
    names: dict[FactCategory, dict[str, tuple[Fact, ...]]]  # category -> name key -> facts requested by it


def fact_topics(fact: Fact) -> frozenset[str]:
    """The topics a fact answers: `Fact.topics`, topic names among its keywords, and its category's topic."""
    topics = set(fact.topics) | {k for k in fact.keywords if k in TOPICS}
    if fact.category in CATEGORY_TOPICS:
        topics.add(CATEGORY_TOPICS[fact.category])
    return frozenset(topics)


def keyword_phrases(fact: Fact) -> list[str]:
    """The keywords that are phrases, not topic names, and not a lone function word ('but', 'the')."""
    phrases = []
    for keyword in fact.keywords:
        words = stems(keyword)
        if keyword in TOPICS or not words or (len(words) == 1 and (words[0] in FILLERS or words[0] in _FUNCTION)):
            continue
        phrases.append(keyword)
    return phrases


_FUNCTION = frozenset(stem(w) for w in STOPWORDS | {"but", "not", "no", "yes", "also", "few", "very", "then"})


@per_scenario
def scenario_index(scenario: Scenario) -> ScenarioIndex:
    profiles: list[FactProfile] = []
    by_topic: dict[str, list[int]] = {}
    by_stem: dict[str, list[tuple[int, str, int]]] = {}
    for fact in (f for f in scenario.facts if not f.hidden_until_requested):
        index = len(profiles)
        phrases = keyword_phrases(fact)
        vocabulary = content_words(" ".join([fact.text, fact.say, *phrases]))
        profiles.append(FactProfile(fact, index, fact_topics(fact), scenario_mask(scenario, vocabulary)))
        for topic in sorted(fact_topics(fact)):
            by_topic.setdefault(topic, []).append(index)
        for phrase in phrases:
            words = stems(phrase)
            by_stem.setdefault(words[0], []).append((index, stemmed(phrase), scenario_mask(scenario, words)))
    return ScenarioIndex(
        tuple(profiles),
        tuple(profile.fact.id for profile in profiles),
        tuple(profile.vocabulary for profile in profiles),
        {topic: tuple(ids) for topic, ids in by_topic.items()},
        {topic: union(profiles[p].vocabulary for p in ids) for topic, ids in by_topic.items()},
        {first: tuple(entries) for first, entries in by_stem.items()},
        {category: _requested_names(scenario, category) for category in (FactCategory.exam, FactCategory.lab)},
    )


def requested_names(fact: Fact) -> list[str]:
    """The names that request a finding: `Fact.requested_by`, or its keyword phrases when it lists none."""
    return list(fact.requested_by) or keyword_phrases(fact)


def _requested_names(scenario: Scenario, category: FactCategory) -> dict[str, tuple[Fact, ...]]:
    names: dict[str, list[Fact]] = {}
    for fact in (f for f in scenario.facts if f.category == category):
        for name in requested_names(fact):
            for key in synonyms(name):
                if all(fact is not known for known in names.setdefault(key, [])):
                    names[key].append(fact)
    return {key: tuple(facts) for key, facts in names.items()}


# ------------------------------------------------------------------------------------------------------ questions
def match_question(scenario: Scenario, question: str) -> UnitMatch:
    """What a question reaches in a scenario (see the module docstring)."""
    words = unit_words(question)
    if words.too_long or words.too_many_topics:
        return UnitMatch("ask", question, Focus.shotgun, words=words)
    bits = unit_bits(scenario, words)
    anchored = asked_dimension(anchored_facts(scenario, question, words, bits), words)
    if not anchored:
        return UnitMatch("ask", question, Focus.unmatched, words=words, bits=bits)
    chosen = best_facts(map(FactMatch._make, anchored))  # (views of the rows it reads, up to the chosen ones)
    fields: tuple[str | int, ...] = tuple(chain.from_iterable(anchored))
    if _explained(anchored) & ~_explained(chosen):  # words anchored that the chosen facts leave unexplained
        return UnitMatch("ask", question, Focus.shotgun, fields, words=words, bits=bits)
    return UnitMatch("ask", question, Focus.focused, fields, facts_of(scenario, chosen), words, bits)


def anchored_facts(scenario: Scenario, question: str, words: UnitWords, bits: UnitBits) -> tuple[FactRow, ...]:
    """The facts a question anchors, best first, as `FactMatch` fields in plain tuples (see `UnitMatch.anchored`)."""
    index = scenario_index(scenario)
    by_keyword = phrases_held(index.by_first_stem, stemmed(question))  # fact -> words of its phrases the question holds
    if not by_keyword and len(words.topics) == 1:  # most questions: one topic, no keyword phrase
        return _anchored_by_topic(index, next(iter(words.topics)), bits)
    by_topic: dict[int, int] = {}  # fact -> bits of the question's words that asked a topic of the fact
    topics_hit: dict[int, int] = {}  # fact -> topic bits
    for topic in words.topics:
        positions, topic_words, topic_bit = index.by_topic.get(topic, ()), bits.topic_words[topic], TOPIC_BITS[topic]
        if not by_topic:  # the first topic: the facts it reaches, all at once
            by_topic, topics_hit = dict.fromkeys(positions, topic_words), dict.fromkeys(positions, topic_bit)
            continue
        for position in positions:
            by_topic[position] = by_topic.get(position, 0) | topic_words
            topics_hit[position] = topics_hit.get(position, 0) | topic_bit
    asked, fact_ids, vocabularies = bits.words, index.fact_ids, index.vocabularies
    ranked = []
    # Most questions reach facts by topics only: then the facts a topic reached are all there is to rank.
    reached = by_topic.keys() | by_keyword.keys() if by_keyword else by_topic
    for position in reached:
        keyword_words = by_keyword.get(position, 0) & asked
        explained = (asked & vocabularies[position]) | keyword_words | by_topic.get(position, 0)
        if explained:
            row = (fact_ids[position], explained, keyword_words, topics_hit.get(position, 0), position)
            ranked.append((-explained.bit_count(), -keyword_words.bit_count(), position, row))
    ranked.sort()  # strongest first, then in scenario order (positions differ, so the rows are never compared)
    return tuple(map(_row, ranked))


def _anchored_by_topic(index: ScenarioIndex, topic: str, bits: UnitBits) -> tuple[FactRow, ...]:
    """`anchored_facts` for a question that asks one topic and holds no keyword phrase. Every fact of the topic
    explains the words that asked it (never none: `UnitWords.topic_words`), so the facts rank by the question's other
    words they explain, and most often, when none does, stay in scenario order unsorted: a large case's ten onsets
    cost ten tuples, not ten rankings."""
    positions = index.by_topic.get(topic, ())
    topic_words, topic_bit = bits.topic_words[topic], TOPIC_BITS[topic]
    asked, fact_ids, vocabularies = bits.words, index.fact_ids, index.vocabularies
    beyond = asked & ~topic_words
    if not beyond & index.topic_vocabulary.get(topic, 0):  # each fact explains the topic's words and no other
        return tuple([(fact_ids[p], topic_words, 0, topic_bit, p) for p in positions])
    # Some facts explain more of the question: they rank first.
    ranked = [p for _, p in sorted([(-(beyond & vocabularies[p]).bit_count(), p) for p in positions])]
    return tuple([(fact_ids[p], (asked & vocabularies[p]) | topic_words, 0, topic_bit, p) for p in ranked])


def phrases_held(by_first_stem: dict[str, tuple[tuple[int, str, int], ...]], padded: str) -> dict[int, int]:
    """For each member (a fact, or a rubric item) whose keyword phrases the question holds, the bits of those
    phrases' words. `by_first_stem`: a phrase's first stem -> (member, ' phrase ', its words' bits); `padded`: the
    question, stemmed and space-padded."""
    held: dict[int, int] = {}
    for first in set(padded.split()):
        for member, phrase, phrase_words in by_first_stem.get(first, ()):
            if phrase in padded:
                held[member] = held.get(member, 0) | phrase_words
    return held


_row = itemgetter(3)  # of a ranked entry
_explained_words = itemgetter(1)  # of a `FactRow`
_by_topics = itemgetter(3)  # of a `FactRow`


def _explained(matches: Iterable[FactRow]) -> int:
    """The union of the words the matches explain."""
    return union(map(_explained_words, matches))


def asked_dimension(anchored: tuple[FactRow, ...], words: UnitWords) -> tuple[FactRow, ...]:
    """When a question asks a dimension of the complaint ('When did the cough start?'), the facts about that
    dimension answer it; the other words name what it is about, not more questions. Without such a fact, all do."""
    dimensions = topic_mask(words.topics & HPI_DIMENSIONS)
    if not dimensions:
        return anchored
    focused = tuple(row for row in anchored if _by_topics(row) & dimensions)
    return focused or anchored


def best_facts(candidates: Iterable[FactMatch], limit: int = MAX_FACTS_PER_QUESTION) -> list[FactMatch]:
    """Up to `limit` facts: the best one, then each next that explains new words or is reached the same way.

    Reads the candidates (best first) only until it has chosen `limit`.
    """
    chosen: list[FactMatch] = []
    covered = 0
    for match in candidates:
        if len(chosen) == limit:
            break
        if not chosen or match.explained & ~covered or _same_answer(match, chosen[0]):
            chosen.append(match)
            covered |= match.explained
    return chosen


def in_order(scenario: Scenario, matches: Sequence[FactMatch]) -> tuple[Fact, ...]:
    """The matched facts in scenario order, the order a patient tells them."""
    return facts_of(scenario, sorted(matches, key=lambda m: m.position))


def facts_of(scenario: Scenario, matches: Iterable[FactMatch]) -> tuple[Fact, ...]:
    """The matched facts, in the order of `matches`."""
    profiles = scenario_index(scenario).profiles
    return tuple(profiles[m.position].fact for m in matches)


def _same_answer(match: FactMatch, best: FactMatch) -> bool:
    """Two facts answer a question equally when the same topics and keywords reach them ('any medications?')."""
    return (match.by_topics, match.by_keyword) == (best.by_topics, best.by_keyword)


def facts_for_question(scenario: Scenario, question: str) -> list[Fact]:
    """The history facts a question reveals when asked on its own (empty for a shotgun or unmatched question)."""
    return list(match_question(scenario, question).facts)


# ------------------------------------------------------------------------------------------------------- requests
def match_request(scenario: Scenario, request: str, category: FactCategory) -> UnitMatch:
    """What an ``EXAMINE:`` (category exam) or ``TEST:`` (category lab) request reveals."""
    kind = "examine" if category == FactCategory.exam else "test"
    wanted = content_words(request) - GENERIC_REQUEST_WORDS
    if len(wanted) > REQUEST_WORD_BOUND:
        return UnitMatch(kind, request, Focus.shotgun)
    listed = scenario_index(scenario).names[category]
    named = mentioned_names(request, listed, category)
    if len({canonical(name) for name in named}) > MAX_REQUEST_NAMES:
        return UnitMatch(kind, request, Focus.shotgun)
    facts = [fact for name in named for fact in listed.get(name, ())]
    if not facts:
        return UnitMatch(kind, request, Focus.unmatched)
    unique = tuple({id(fact): fact for fact in facts}.values())
    return UnitMatch(kind, request, Focus.focused, facts=unique)


def mentioned_names(request: str, listed: dict[str, tuple[Fact, ...]], category: FactCategory) -> list[str]:
    """The test or system names a request mentions: the case's own names first, then any other the lexicon knows.

    Longest first and not overlapping ('chest x ray', not 'chest'), so 'TEST: CBC CXR ECG' mentions three names.
    """
    words = name_key(request).split()
    own, rest = _scan(words, frozenset(listed))
    return own + _scan(rest, _lexicon(category))[0]


def _scan(words: list[str], known: frozenset[str]) -> tuple[list[str], list[str]]:
    """The known names in `words` (longest first, not overlapping) and the words left over."""
    found: list[str] = []
    rest: list[str] = []
    firsts = _first_words(known)
    start = 0
    while start < len(words):
        # Most words of a request or a question start no name: only those that do are tried at every length.
        name = _longest_name(words, start, known) if words[start] in firsts else None
        if name is None:
            rest.append(words[start])
            start += 1
        else:
            found.append(name)
            start += len(name.split())
    return found, rest


def _longest_name(words: list[str], start: int, known: frozenset[str]) -> str | None:
    for length in range(min(_LONGEST, len(words) - start), 0, -1):
        candidate = " ".join(words[start : start + length])
        if candidate in known:
            return candidate
    return None


_LONGEST = 6


@lru_cache(maxsize=64)
def _first_words(names: frozenset[str]) -> frozenset[str]:
    return frozenset(name.split()[0] for name in names if name.split())


@lru_cache(maxsize=2)
def _lexicon(category: FactCategory) -> frozenset[str]:
    groups = EXAM_GROUPS if category == FactCategory.exam else TEST_GROUPS
    return frozenset(name_key(name) for group in groups for name in group)


def facts_for_request(scenario: Scenario, request: str, category: FactCategory) -> list[Fact]:
    """The exam (or lab) facts an ``EXAMINE:`` (or ``TEST:``) request reveals."""
    return list(match_request(scenario, request, category).facts)


# ---------------------------------------------------------------------------------------------------------- units
def match_unit(scenario: Scenario, kind: str, text: str) -> UnitMatch:
    """What one unit reaches (memoised per scenario: the patient, the session and the judge all ask)."""
    memo = _unit_memo(scenario)
    key = (kind, text)
    match = memo.get(key)
    if match is None:
        if len(memo) >= MEMO_SIZE:
            memo.clear()  # bounded: RL policies produce endless distinct questions
        match = memo[key] = _match(scenario, kind, text)
    return match


def _match(scenario: Scenario, kind: str, text: str) -> UnitMatch:
    if kind == "examine":
        return match_request(scenario, text, FactCategory.exam)
    if kind == "test":
        return match_request(scenario, text, FactCategory.lab)
    return match_question(scenario, text)


MEMO_SIZE = 1024


@per_scenario
def _unit_memo(scenario: Scenario) -> dict[tuple[str, str], UnitMatch]:
    return {}


def match_turn(scenario: Scenario, action: DoctorAction, limit: int) -> tuple[list[UnitMatch], bool]:
    """The answered units of a turn (the first `limit`) and whether the turn is a shotgun (any unit is one)."""
    matches = [match_unit(scenario, kind, text) for kind, text in action.units[:limit]]
    return matches, any(match.shotgun for match in matches)
