"""Scenario-independent gaming policies built from a scenario library: the adversaries the reward must withstand.

A policy trained with RL will find whatever earns reward without doing the work. The cheapest such policies know
nothing about the case in front of them: they say the same thing to every patient, built from the words the library
uses most. `LibraryVocabulary` counts those words per scenario (document frequency), so the bags for one scenario can be
built from the rest of the library alone (`without`), and `POLICIES` turns a vocabulary into turns:

- ``keyword_stuffing``: one run-on unit of the most frequent fact words (no '?', no sentence breaks), one ``EXAMINE:``
  and one ``TEST:`` line of frequent exam and lab words; the same turn every turn, no diagnosis.
- ``keyword_units``: the same words, cut into three units per turn of at most `unit_words` words each, fresh words
  every turn (the stuffing of a policy that knows the unit bound).
- ``rubric_wording``: the library's most frequent must-ask wording (``ask`` texts) pasted into one unit per turn.
- ``rubric_sentences``: the same texts as separate sentences, three per turn.
- ``checklist_one_unit``: a generic history checklist crammed into one run-on unit, every turn.
- ``shotgun_tests``: every frequent exam and test name on one ``EXAMINE:`` and one ``TEST:`` line, every turn.
- ``test_lines``: the most frequent test and exam names, one per line, three lines per turn.
- ``bag_of_words_diagnosis``: ``DIAGNOSIS:`` followed by the most frequent diagnosis words, no separators.
- ``hedge_<separator>``: the most frequent diagnosis names joined by one separator (or, comma, slash, ...).

The honest counterpart, ``checklist_per_unit``, asks the same generic checklist one question per unit, three a turn.

Example:
    >>> from consultgym.scenarios.loader import load_library
    >>> library = load_library("starter")
    >>> vocabulary = LibraryVocabulary.of(library)
    >>> turns = POLICIES["keyword_stuffing"](vocabulary.without(library[0]), 12)
    >>> len(turns), "?" in turns[0]
    (12, False)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from consultgym.scenarios.schema import Scenario
from consultgym.text import STOPWORDS, TOPICS, normalize

GENERIC_CHECKLIST: tuple[str, ...] = (
    "When did it start?",
    "How long has it lasted?",
    "Where is it?",
    "What does it feel like?",
    "How severe is it?",
    "Does it spread anywhere?",
    "What makes it worse?",
    "What makes it better?",
    "Any other symptoms?",
    "Have you had a fever?",
    "Do you take any medications?",
    "Do you have any allergies?",
    "Any past medical history?",
    "Does anything run in your family?",
    "Do you smoke?",
    "Do you drink alcohol?",
    "What do you do for work?",
    "Have you travelled recently?",
    "Have you lost weight?",
    "Any cough?",
    "Are you short of breath?",
    "Any nausea or vomiting?",
    "Any change in your bowels?",
    "Any problems passing urine?",
    "Any headache?",
    "Any rash?",
    "Any chest pain?",
    "Any dizziness?",
)
HEDGE_SEPARATORS: dict[str, str] = {
    "or": " or ",
    "comma": ", ",
    "slash": " / ",
    "and": " and ",
    "semicolon": "; ",
    "vs": " vs ",
    "newline": "\n",
    "space": " ",
    "plus": " + ",
    "ampersand": " & ",
    "pipe": " | ",
    "dash": " - ",
}


def _words(text: str) -> list[str]:
    """Plain lowercase words (not stems): what a policy would type."""
    return [word for word in normalize(text).split() if word not in STOPWORDS and not word.isdigit() and len(word) > 2]


def _word_counts(texts: Iterable[str]) -> Counter[str]:
    """Each word once: document frequency is counted per scenario."""
    return Counter({word: 1 for text in texts for word in _words(text)})


def _phrase(text: str) -> str:
    return " ".join(normalize(text).split())


@dataclass(frozen=True)
class LibraryVocabulary:
    """Document frequencies (in how many scenarios a term occurs) of the terms a gaming policy draws on."""

    fact_words: Counter[str] = field(default_factory=Counter)
    exam_words: Counter[str] = field(default_factory=Counter)
    lab_words: Counter[str] = field(default_factory=Counter)
    exam_names: Counter[str] = field(default_factory=Counter)
    test_names: Counter[str] = field(default_factory=Counter)
    asks: Counter[str] = field(default_factory=Counter)
    diagnosis_words: Counter[str] = field(default_factory=Counter)
    diagnosis_names: Counter[str] = field(default_factory=Counter)
    per_scenario: dict[str, LibraryVocabulary] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of_scenario(cls, scenario: Scenario) -> LibraryVocabulary:
        history = [f for f in scenario.facts if not f.hidden_until_requested]
        exams = [f for f in scenario.facts if f.category.value == "exam"]
        labs = [f for f in scenario.facts if f.category.value == "lab"]
        return cls(
            fact_words=Counter(set(w for f in history for t in (f.text, f.spoken, *f.keywords) for w in _words(t))),
            exam_words=Counter(
                set(w for f in exams for t in (f.text, *f.keywords, *f.requested_by) for w in _words(t))
            ),
            lab_words=Counter(set(w for f in labs for t in (f.text, *f.keywords, *f.requested_by) for w in _words(t))),
            exam_names=Counter(set(_names(exams))),
            test_names=Counter(set(_names(labs))),
            asks=Counter(set(_phrase(item.ask) for item in scenario.must_ask if not _directive(item.ask))),
            diagnosis_words=Counter(set(w for name in scenario.diagnosis.names for w in _words(name))),
            diagnosis_names=Counter({_phrase(scenario.diagnosis.name): 1}),
        )

    @classmethod
    def of(cls, library: Sequence[Scenario]) -> LibraryVocabulary:
        """The vocabulary of a whole library, remembering each scenario's share so it can be left out."""
        parts = {scenario.id: cls.of_scenario(scenario) for scenario in library}
        total = cls()
        for part in parts.values():
            total = total.plus(part)
        return cls(**{name: getattr(total, name) for name in _COUNTERS}, per_scenario=parts)

    def plus(self, other: LibraryVocabulary) -> LibraryVocabulary:
        return LibraryVocabulary(**{name: getattr(self, name) + getattr(other, name) for name in _COUNTERS})

    def without(self, scenario: Scenario) -> LibraryVocabulary:
        """The vocabulary of the library with `scenario` left out: what a policy may know when it meets that case."""
        own = self.per_scenario.get(scenario.id) or LibraryVocabulary.of_scenario(scenario)
        return LibraryVocabulary(**{name: getattr(self, name) - getattr(own, name) for name in _COUNTERS})


_COUNTERS = (
    "fact_words",
    "exam_words",
    "lab_words",
    "exam_names",
    "test_names",
    "asks",
    "diagnosis_words",
    "diagnosis_names",
)


def _directive(text: str) -> bool:
    return text.lstrip().upper().startswith(("EXAMINE", "TEST", "ORDER"))


def _names(facts: list) -> list[str]:
    names = []
    for fact in facts:
        named = fact.requested_by or [k for k in fact.keywords if k not in TOPICS and len(k.split()) > 1]
        names += [_phrase(name) for name in named if _phrase(name)]
    return names


def top(counter: Counter[str], n: int) -> list[str]:
    """The `n` most frequent terms, ties broken alphabetically (so the bags never depend on hash order)."""
    return [term for term, _ in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])) if _][:n]


Policy = Callable[[LibraryVocabulary, int], list[str]]


def keyword_stuffing(vocabulary: LibraryVocabulary, turns: int, words: int = 60) -> list[str]:
    stuffed = " ".join(top(vocabulary.fact_words, words))
    exam = " ".join(top(vocabulary.exam_words, 12))
    lab = " ".join(top(vocabulary.lab_words, 12))
    return [f"{stuffed}\nEXAMINE: {exam}\nTEST: {lab}"] * turns


def keyword_units(vocabulary: LibraryVocabulary, turns: int, unit_words: int = 4) -> list[str]:
    words = top(vocabulary.fact_words, turns * 3 * unit_words)
    units = [" ".join(words[i : i + unit_words]) for i in range(0, len(words), unit_words)]
    return [". ".join(units[3 * t : 3 * t + 3]) + "." for t in range(turns)]


def rubric_wording(vocabulary: LibraryVocabulary, turns: int, per_turn: int = 8) -> list[str]:
    asks = top(vocabulary.asks, turns * per_turn)
    return [" ".join(asks[per_turn * t : per_turn * (t + 1)]) or asks[0] for t in range(turns)]


def rubric_sentences(vocabulary: LibraryVocabulary, turns: int) -> list[str]:
    asks = top(vocabulary.asks, turns * 3)
    return [
        " ".join(f"{ask.capitalize()}?" for ask in asks[3 * t : 3 * t + 3]) or "Anything else?" for t in range(turns)
    ]


def checklist_one_unit(vocabulary: LibraryVocabulary, turns: int) -> list[str]:
    crammed = " and ".join(question.rstrip("?").lower() for question in GENERIC_CHECKLIST)
    return [crammed] * turns


def checklist_per_unit(vocabulary: LibraryVocabulary, turns: int) -> list[str]:
    """The honest counterpart: the generic checklist, one question per unit, three per turn."""
    questions = list(GENERIC_CHECKLIST)
    return [" ".join(questions[3 * t : 3 * t + 3]) for t in range(turns) if questions[3 * t : 3 * t + 3]]


def shotgun_tests(vocabulary: LibraryVocabulary, turns: int) -> list[str]:
    exams = " ".join(top(vocabulary.exam_names, 15))
    tests = " ".join(top(vocabulary.test_names, 15))
    return [f"EXAMINE: {exams}\nTEST: {tests}"] * turns


def test_lines(vocabulary: LibraryVocabulary, turns: int) -> list[str]:
    names = [f"TEST: {n}" for n in top(vocabulary.test_names, 2 * turns)]
    names += [f"EXAMINE: {n}" for n in top(vocabulary.exam_names, turns)]
    return ["\n".join(names[3 * t : 3 * t + 3]) or "TEST: full blood count" for t in range(turns)]


def bag_of_words_diagnosis(vocabulary: LibraryVocabulary, words: int = 0) -> str:
    """The diagnosis of a bag: the most frequent diagnosis words (all of them when `words` is 0)."""
    bag = top(vocabulary.diagnosis_words, words or len(vocabulary.diagnosis_words))
    return "DIAGNOSIS: " + " ".join(bag)


def hedged_diagnosis(vocabulary: LibraryVocabulary, separator: str, names: int = 8) -> str:
    return "DIAGNOSIS: " + separator.join(top(vocabulary.diagnosis_names, names))


POLICIES: dict[str, Policy] = {
    "keyword_stuffing": keyword_stuffing,
    "keyword_units": keyword_units,
    "rubric_wording": rubric_wording,
    "rubric_sentences": rubric_sentences,
    "checklist_one_unit": checklist_one_unit,
    "shotgun_tests": shotgun_tests,
    "test_lines": test_lines,
}
DIAGNOSES: dict[str, Callable[[LibraryVocabulary], str]] = {
    "bag_of_words_diagnosis": bag_of_words_diagnosis,
    "bag_of_5_words": lambda vocabulary: bag_of_words_diagnosis(vocabulary, 5),
    "bag_of_3_words": lambda vocabulary: bag_of_words_diagnosis(vocabulary, 3),
    **{
        f"hedge_{name}": (lambda vocabulary, sep=sep: hedged_diagnosis(vocabulary, sep))
        for name, sep in HEDGE_SEPARATORS.items()
    },
}
