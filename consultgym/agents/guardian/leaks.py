"""Leak detection: does a text name the scenario's diagnosis, in any spelling meant to slip past a plain match?

Used by the offline guardian (a leak is an issue) and by the session (a guardian issue that names the diagnosis is
redacted before it reaches the policy through ``info``). Spellings handled: odd case, diacritics, homoglyphs
(Cyrillic 'а'), zero-width characters, fullwidth letters, leetspeak, separators inside a word ('S.T.E.M.I',
'appendi-citis') and spelled-out letters ('a p p e n d i c i t i s'); see `leak_forms`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from consultgym.agents.lexicon import RELATIVES
from consultgym.scenarios.prepared import per_scenario
from consultgym.scenarios.schema import FactCategory, Scenario
from consultgym.text import contains_phrase, normalize, normalize_apostrophes

# Letters that look like Latin ones (Cyrillic, Greek, IPA), folded so 'аppendicitis' with a Cyrillic 'а' is caught.
_HOMOGLYPHS = str.maketrans(
    "авеёкмнорстухіїјѕԁԛԝӏɑαβεηικνορτυχϲɡıłøðþ",
    "abeekmhopctyxiijsdqwlaabenikvoptuxcgilodp",
)
_LEET = str.maketrans("013457@$", "oieastas")
_LEET_MARKS = frozenset("013457@$")
_MARKED_WORD = re.compile(r"(?<!\S)[^\s013457@$]*[013457@$]\S*")  # a whole word holding a leet mark
_INNER_SEPARATORS = re.compile(r"[^\w\s]|_")
# Two or more single letters, each set apart by spaces or punctuation: 'a p p e n d i c i t i s', 'S.T.E.M.I', 'P E'.
_SPELLED_OUT = re.compile(r"(?<![a-z0-9])[a-z0-9](?![a-z0-9])(?:[^a-z0-9\n]{1,3}[a-z0-9](?![a-z0-9]))+")


def leak_fold(text: str) -> str:
    """Lowercase with diacritics, zero-width characters and homoglyphs folded away ('Аppéndi\u200bcitis')."""
    text = normalize_apostrophes(text)
    if text.isascii():  # no diacritics, zero-width characters or homoglyphs: only case to fold (most replies)
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    kept = (ch for ch in text if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))
    return "".join(kept).lower().translate(_HOMOGLYPHS)


@lru_cache(maxsize=16384)  # the same clauses come back all the time: facts said in their own words
def leak_forms(text: str) -> tuple[str, str, str, str]:
    """The spellings of `text` a diagnosis name is looked for in.

    1. folded (`leak_fold`): case, diacritics, homoglyphs and zero-width characters;
    2. that, with leetspeak undone in mixed words of 4+ characters ('4ppend1c1t1s') and every separator inside a word
       removed ('appendi-citis' -> 'appendicitis', 'S.T.E.M.I' -> 'stemi');
    3. the same with leetspeak undone in every word ('f45t 4f' -> 'fast af', 'h3m0ph1l14 4' -> 'hemophilia a'), for
       names of two words or more only: alone, 'M1' is a motorway and not 'MI';
    4. the letters of every spelled-out run, space-separated ('a c u t e  a p p e n d i c i t i s' or
       'A.C.U.T.E.A.P.P.E.N.D.I.C.I.T.I.S' -> 'acuteappendicitis').
    """
    folded = leak_fold(text)
    tokens = folded.split()
    if _LEET_MARKS.isdisjoint(folded):  # no digit, '@' or '$': no leetspeak to undo (most text)
        joined = every_word = _join(tokens)
    else:  # only the words holding one are looked at
        joined = _join(_MARKED_WORD.sub(lambda word: _unleet(word.group(0), 4), folded).split())
        every_word = _join(_MARKED_WORD.sub(lambda word: _unleet(word.group(0), 1), folded).split())
    runs = [re.sub(r"[^a-z0-9]", "", run.group(0)) for run in _SPELLED_OUT.finditer(folded)]
    # Spelled-out runs as written and with leetspeak undone: 'b19' in 'parvovirus B19' is not leetspeak.
    spelled = " ".join(runs + [run.translate(_LEET) for run in runs if not run.isalpha()])
    return (folded, joined, every_word, spelled)


def _join(tokens: Iterable[str]) -> str:
    # The separators are removed from all tokens at once (none is a space), then the emptied tokens dropped.
    return " ".join(_INNER_SEPARATORS.sub("", " ".join(tokens)).split())


def _unleet(word: str, min_length: int) -> str:
    # Words of 4+ characters must mix letters with digits, '@' or '$', so '2023' or '2.3' stay as they are.
    if len(word) < min_length or _LEET_MARKS.isdisjoint(word):
        return word
    return word.translate(_LEET) if min_length < 4 or any(c.isalpha() for c in word) else word


@dataclass(frozen=True)
class LeakNames:
    """A scenario's diagnosis names, each in plain, joined and every-word-unleeted spelling (`leak_forms`), and the
    names a family-history fact mentions."""

    names: tuple[str, ...]
    joined: dict[str, str]
    every_word: dict[str, str]
    family: frozenset[str]
    prefix: dict[str, str]  # the first three letters of the name as `leak_forms` spells it: a cheap first test


@per_scenario
def leak_names(scenario: Scenario) -> LeakNames:
    names = tuple(scenario.diagnosis.names)
    forms = {name: leak_forms(name) for name in names}
    family = frozenset(
        name
        for fact in scenario.facts
        if fact.category == FactCategory.family
        for name in names
        if any(contains_phrase(text, name) for text in (fact.text, fact.say))
    )
    prefix = {name: form[2].replace(" ", "")[:3] for name, form in forms.items()}
    return LeakNames(names, {n: f[1] for n, f in forms.items()}, {n: f[2] for n, f in forms.items()}, family, prefix)


def names_diagnosis(text: str, scenario: Scenario) -> bool:
    """Whether `text` names the diagnosis or a synonym in any spelling `leak_forms` knows, family history or not.

    For redacting text the doctor may see (a guardian issue's span in the step info), where erring is cheap.
    """
    names = leak_names(scenario)
    forms = leak_forms(text)
    return any(mentions(forms, name, names) for name in names.names)


def mentions(forms: tuple[str, str, str, str], name: str, names: LeakNames) -> bool:
    """Whether any spelling of a text (`leak_forms`) contains the name, as words or joined into one word."""
    folded, joined, every_word, spelled = forms
    # Every spelling below keeps the name's first three letters together in `every_word` (stems only cut endings),
    # so most names are ruled out by one substring test.
    if names.prefix[name] not in every_word.replace(" ", ""):
        return False
    compact = names.joined[name]
    if contains_phrase(folded, name) or contains_phrase(joined, name) or contains_phrase(joined, compact):
        return True
    if " " in compact and contains_phrase(every_word, names.every_word[name]):
        return True
    # A spelled-out run is the name, or holds it ('a s t e m i' -> 'astemi'): nobody spells out words by accident,
    # but two-letter names ('PE', 'MI') must be the whole run, or 'I a m' would hold 'am'.
    letters = compact.replace(" ", "")
    return any(run == letters or (len(letters) >= 4 and letters in run) for run in spelled.split())


def is_family_history(clause: str, name: str, names: LeakNames) -> bool:
    # "My father had a heart attack" repeats a family-history fact: allowed when a family fact names the condition,
    # the clause is about a relative, and it makes no first-person claim ("my dad says I have ..." is a leak).
    if name not in names.family:
        return False
    if not any(contains_phrase(clause, relative) for relative in RELATIVES):
        return False
    return not _FIRST_PERSON.intersection(normalize(clause).split())


_FIRST_PERSON = frozenset({"i", "me", "myself"})
