"""The offline guardian: checks any patient reply, from any patient, against the scenario's facts.

A reply is cut into clauses (sentences, and parts joined by 'and', 'but', commas or semicolons). For each clause:

- leak: it names the diagnosis or one of its synonyms, also when spelled to slip past a plain match: odd case,
  diacritics, homoglyphs (Cyrillic 'а'), zero-width characters, leetspeak, or separators inside the word
  ('S.T.E.M.I', 'appendi-citis', 'a p p e n d i c i t i s'; see `consultgym.agents.guardian.leaks`). Naming it as a
  relative's illness is allowed only when a family-history fact says so;
- contradicts: it mentions a fact's keyword with the opposite polarity (says 'no fever' when the fact is a fever, or
  'it doesn't spread' against a fact that it does);
- unsupported: an affirmative clause contains a clinical term (symptom, drug, illness, relative, time unit; see
  `consultgym.agents.lexicon`) or a number that nothing in the facts, opening or persona supports.

Denials of things the facts never mention are allowed: under the closed-world policy they are true. So is an echo: a
term the doctor's own turn used, the diagnosis included, repeated in a negated or questioning clause ("No, I've never
been told I have X", "Metformin? No."). The patient does not know the diagnosis, so an honest echo says the same
whichever candidate the doctor names; blocking it only when X is the diagnosis would tell the doctor so.

With the turn's context, `OfflineGuardian` also flags role breaks and non-answers (see `.conduct`).
Most of a review does not depend on the doctor's question: the clauses, the names and terms each holds, what the facts
support. That part is worked out once per distinct reply and kept per scenario (`ReplyCheck`; patients say the same
fact sentences again and again), and the question only decides which echoes are exempt. Keyword and vocabulary
lookups go through per-scenario indexes, so a check costs what the reply says, not how many facts the case has.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import cached_property

from consultgym.agents.base import GuardianAgent, PatientContext
from consultgym.agents.guardian.conduct import conduct_issues
from consultgym.agents.guardian.leaks import is_family_history, leak_forms, leak_names, mentions
from consultgym.agents.lexicon import (
    ALIASES,
    CLINICAL_TERMS,
    NUMBER_WORDS,
    RELATIVES,
    TERM_INDEX,
    TIME_UNITS,
    illness_terms,
)
from consultgym.agents.patient.offline import DENIALS, FILLERS, TOO_MANY, UNSURE
from consultgym.records import GuardianIssue, IssueKind, Verdict
from consultgym.scenarios.prepared import per_scenario, per_scenario_memo
from consultgym.scenarios.schema import Fact, FactCategory, Scenario
from consultgym.text import (
    STOPWORDS,
    TOPICS,
    contains_phrase,
    content_words,
    is_negated,
    normalize,
    normalize_apostrophes,
    stem,
    stemmed,
    stems,
)

# A full stop ends a clause, except in a number (37.4) or after an initial followed by a lowercase word (C. difficile).
_FULL_STOP = r"\.(?!\d)(?-i:(?!(?<=\b[A-Z]\.)\s+[a-z]))"
_CLAUSE_BREAK = re.compile(rf"[!?;\n]+|{_FULL_STOP}|,|\b(?:and|but|though|although|whereas)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(rf"[!?\n]|{_FULL_STOP}")
_ARTICLES = frozenset({"a", "an"})
_TIMES = stem("times")
_UNITS = {stem(u) for u in TIME_UNITS} | {stem(u) for u in "mg g ml mcg units times tablets pills puffs kg lb".split()}


@dataclass(frozen=True)
class Grounding:
    """What a scenario lets a patient say: the stemmed vocabulary, the numbers, and each keyword's polarity."""

    vocabulary: str
    known: str  # the same without the exam and lab findings: what the patient knows and may say unasked
    statements: str  # every fact's wording, stemmed: a clause found verbatim in it is supported
    quantities: frozenset[tuple[float, str]]
    polarity: dict[str, list[tuple[Fact, bool]]]  # keyword -> (fact, whether the fact denies it)
    about_relatives: frozenset[str]  # ids of facts about a relative ('father died of bowel cancer')

    @cached_property
    def polarity_by_first_stem(self) -> dict[str, tuple[str, ...]]:
        """The polarity keywords by the first stem of their phrase: a clause is checked against those it can hold."""
        index: dict[str, list[str]] = {}
        for keyword in self.polarity:
            words = stemmed(keyword).split()
            if words:  # an empty phrase is in no clause (`contains_phrase`)
                index.setdefault(words[0], []).append(keyword)
        return {first: tuple(keywords) for first, keywords in index.items()}

    @cached_property
    def phrases(self) -> frozenset[str]:
        """Every run of up to `MAX_PHRASE_WORDS` consecutive stems of one vocabulary text, space-joined."""
        runs: set[str] = set()
        for text in self.vocabulary.split("  "):
            words = text.split()
            for start in range(len(words)):
                for end in range(start + 1, min(len(words), start + MAX_PHRASE_WORDS) + 1):
                    runs.add(" ".join(words[start:end]))
        return frozenset(runs)

    def supports(self, term: str) -> bool:
        """Whether the vocabulary holds `term` (space-joined stems) within one of its texts."""
        if term.strip() and term.count(" ") < MAX_PHRASE_WORDS:
            return term in self.phrases
        return f" {term} " in self.vocabulary


MAX_PHRASE_WORDS = 6


@per_scenario
def grounding(scenario: Scenario) -> Grounding:
    texts = [
        scenario.opening,
        scenario.patient.persona,
        scenario.patient.informant,
        f"{scenario.patient.age} years old",
    ]
    polarity: dict[str, list[tuple[Fact, bool]]] = {}
    findings: list[str] = []
    for fact in scenario.facts:
        if fact.hidden_until_requested:
            findings += [fact.text, fact.say, *fact.keywords]
            continue  # findings are read out verbatim; the contradiction check is for what patients say
        texts += [fact.text, fact.say, *fact.keywords]
        for keyword in filter(_checkable, fact.keywords):
            polarity.setdefault(keyword, []).append((fact, _fact_denies(fact, keyword)))
    known = _with_aliases(" ".join(stemmed(t) for t in texts))
    vocabulary = _with_aliases(known + " ".join(stemmed(t) for t in findings))
    statements = "|".join(stemmed(t) for f in scenario.facts for t in (f.text, f.say) if t)
    amounts = frozenset(q for t in texts + findings for q in quantities(t))
    about_relatives = frozenset(fact.id for fact in scenario.facts if _about_relative(fact))
    return Grounding(vocabulary, known, statements, amounts, polarity, about_relatives)


def _with_aliases(vocabulary: str) -> str:
    return vocabulary + " ".join(
        stemmed(alias) for word, aliases in ALIASES.items() if f" {stem(word)} " in vocabulary for alias in aliases
    )


def _about_relative(fact: Fact) -> bool:
    return fact.category == FactCategory.family or any(contains_phrase(fact.text, r) for r in RELATIVES)


def _checkable(keyword: str) -> bool:
    # Topic names are not phrases; a one-word keyword must be a clinical term, since words like 'back' or 'heart'
    # also appear in unrelated sentences ('a couple of years back').
    if keyword.lower() in CLINICAL_TERMS:
        return True
    return keyword not in TOPICS and len(keyword.split()) > 1


def _fact_denies(fact: Fact, keyword: str) -> bool:
    """The polarity of the fact's clause that mentions the keyword; the fact's `present` flag otherwise."""
    for text in (fact.spoken, fact.text):
        for clause, _ in clauses(text):
            if contains_phrase(clause, keyword):
                return is_negated(clause)
    return not fact.present


def clauses(reply: str) -> list[tuple[str, int]]:
    """The reply's clauses with their character offsets."""
    spans, start = [], 0
    for match in _CLAUSE_BREAK.finditer(reply):
        spans.append((reply[start : match.start()], start))
        start = match.end()
    spans.append((reply[start:], start))
    return [(text.strip(), offset + len(text) - len(text.lstrip())) for text, offset in spans if text.strip()]


def numbers_in(text: str) -> list[float]:
    """Digits anywhere, and number words before a unit ('two days', 'a week', '500 mg' -> 2, 1, 500)."""
    return [number for number, _ in quantities(text)]


_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+")


def quantities(text: str) -> list[tuple[float, str]]:
    """(number, unit stem or '') pairs: '5 mg' -> (5, 'mg'), 'a couple of days' -> (2, 'day'), '8' -> (8, '')."""
    words = _TOKEN.findall(normalize_apostrophes(text).lower())
    found: list[tuple[float, str]] = []
    for i, word in enumerate(words):
        unit = _unit_after(words[i + 1 : i + 3])
        if word[0].isdigit():
            found.append((float(word), unit))
        elif word in NUMBER_WORDS and unit and not (word in _ARTICLES and unit == _TIMES):
            # 'one at a time' counts nothing; 'a day' or 'a week' still states an amount a fact must support
            found.append((float(NUMBER_WORDS[word]), unit))
    return found


def _unit_after(following: list[str]) -> str:
    # 'a couple of days': skip one 'of' between the number word and its unit.
    words = following[1:] if following and following[0] == "of" else following
    return stem(words[0]) if words and stem(words[0]) in _UNITS else ""


def clinical_terms(clause: str) -> list[str]:
    """The lexicon terms in a clause, longest match first at each position."""
    words = stems(clause)
    found, i = [], 0
    while i < len(words):
        for phrase in TERM_INDEX.get(words[i], ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                found.append(" ".join(phrase))
                i += len(phrase) - 1
                break
        i += 1
    return found


class Asked:
    """What the doctor's turn named: an echo of it in a negated or questioning clause is no claim of the patient's.

    Worked out only when a clause needs it: most replies hold no diagnosis name and no unsupported term.
    """

    def __init__(self, question: str = "", scenario: Scenario | None = None) -> None:
        self.question, self.scenario = question, scenario

    @cached_property
    def names(self) -> frozenset[str]:
        """Diagnosis names, in any spelling the leak check knows."""
        if not self.question or self.scenario is None:
            return frozenset()
        names, forms = leak_names(self.scenario), leak_forms(self.question)
        return frozenset(name for name in names.names if mentions(forms, name, names))

    @cached_property
    def terms(self) -> frozenset[str]:
        """Clinical terms and illnesses, as space-joined stems."""
        if not self.question:
            return frozenset()
        return frozenset(clinical_terms(self.question)) | named_illnesses(self.question)


def named_illnesses(question: str) -> frozenset[str]:
    """The illnesses a text names, each also with up to three words just before it that qualify it, as space-joined
    stems: 'Genitopelvic pain disorder' -> {'disorder', 'genitopelv pain disorder'}."""
    raw = normalize(question).split()
    words = [stem(word) for word in raw]
    found: set[str] = set()
    for term in illness_terms(question):
        parts = term.split()
        for end in range(len(parts), len(words) + 1):
            if words[end - len(parts) : end] == parts:
                start = end - len(parts)
                while start > 0 and end - len(parts) - start < 3 and raw[start - 1] not in STOPWORDS:
                    start -= 1
                found.update((term, " ".join(words[start:end])))
    return frozenset(found)


NOTHING_ASKED = Asked()


def review(reply: str, scenario: Scenario, question: str = "") -> list[GuardianIssue]:
    """Every issue in a reply to the doctor's `question`, in reading order."""
    check = reply_check(reply, scenario)
    if check.faithful:
        return []
    ground, asked = grounding(scenario), Asked(question, scenario)
    issues: list[GuardianIssue] = []
    for clause in check.clauses:
        echo = asked if clause.echoable else NOTHING_ASKED
        if any(name not in echo.names for name in clause.leaking):
            # A leak is reason enough, and another issue would quote the name in its detail ('no fact mentions ...'),
            # which guidance then hands back to the patient model.
            issues.append(_issue(IssueKind.leak, clause, "names the diagnosis"))
            continue
        if clause.verbatim:  # said in the facts' own words
            continue
        issues += _contradictions(clause, ground, echo)
        if not clause.negated:
            issues += _unsupported(clause, echo)
    return check.spread_leak() + issues


@dataclass(frozen=True)
class ClauseCheck:
    """What one clause of a reply holds, whatever the question was."""

    text: str
    start: int
    negated: bool
    echoable: bool  # negated, or in a question: an echo of the doctor's words there is no claim
    mentioned: tuple[str, ...]  # diagnosis names it mentions
    leaking: tuple[str, ...]  # of those, the ones not excused as a relative's illness
    verbatim: bool  # said in a fact's own words (then the fields below are left empty: nothing reads them)
    keywords: tuple[str, ...] = ()  # polarity keywords it holds, in the grounding's order
    about_relatives: bool = False  # names a relative ('my father ...')
    terms: tuple[str, ...] = ()  # clinical terms and illnesses the facts do not support, unique, in reading order
    amounts: tuple[str, ...] = ()  # numbers (with their unit) the facts do not support, as an issue words them


@dataclass(frozen=True)
class ReplyCheck:
    """The question-independent part of a review: its clauses and a name spelled across them."""

    reply: str
    checks: tuple[ClauseCheck, ...]  # each clause as `clause_check` sees it: the first clause of a reply, no question
    starts: tuple[int, ...]  # where each clause starts in the reply
    spelled_across: bool  # the whole reply spells a name no single clause holds ('S.T.E.M.I', 'a, b, c')

    @cached_property
    def clauses(self) -> tuple[ClauseCheck, ...]:
        """The clauses placed where this reply has them (start, in a question); read only if it is not `faithful`."""
        placed = []
        for check, start in zip(self.checks, self.starts, strict=True):
            echoable = check.negated or _is_question(self.reply, start + len(check.text))
            if (start, echoable) != (check.start, check.echoable):
                check = dataclasses.replace(check, start=start, echoable=echoable)
            placed.append(check)
        return tuple(placed)

    @cached_property
    def faithful(self) -> bool:
        """Every clause in the facts' own words, no diagnosis named: no issue, whatever the question was."""
        return not self.spelled_across and all(check.verbatim and not check.leaking for check in self.checks)

    def spread_leak(self) -> list[GuardianIssue]:
        if not self.spelled_across:
            return []
        text = self.reply.strip()
        return [
            GuardianIssue(kind=IssueKind.leak, text=text, start=self.reply.find(text), detail="spells the diagnosis")
        ]


@per_scenario_memo(2048)  # replies per scenario
def reply_check(reply: str, scenario: Scenario) -> ReplyCheck:
    """The question-independent part of reviewing `reply` (kept per scenario and reply, bounded)."""
    spans = clauses(reply)
    checks = tuple(clause_check(clause, scenario) for clause, _ in spans)
    named = {name for check in checks for name in check.mentioned}
    names, forms = leak_names(scenario), leak_forms(reply)
    spelled = any(name not in named and mentions(forms, name, names) for name in names.names)
    return ReplyCheck(reply, checks, tuple(start for _, start in spans), spelled)


@per_scenario_memo(4096)  # clauses per scenario
def clause_check(clause: str, scenario: Scenario) -> ClauseCheck:
    """What a clause holds, as the first clause of a reply that is no question (kept per scenario and clause: replies
    said in the facts' own words vary in how they combine the facts' sentences more than in the sentences)."""
    ground, names = grounding(scenario), leak_names(scenario)
    negated = is_negated(clause)
    mentioned = tuple(name for name in names.names if mentions(leak_forms(clause), name, names))
    leaking = tuple(name for name in mentioned if not is_family_history(clause, name, names))
    if stemmed(clause) in ground.statements:  # said in the facts' own words: only a leak is looked for (`review`)
        return ClauseCheck(clause, 0, negated, negated, mentioned, leaking, verbatim=True)
    return ClauseCheck(
        text=clause,
        start=0,
        negated=negated,
        echoable=negated,
        mentioned=mentioned,
        leaking=leaking,
        verbatim=False,
        keywords=_keywords_in(clause, ground),
        about_relatives=any(contains_phrase(clause, relative) for relative in RELATIVES),
        terms=tuple(
            term for term in dict.fromkeys(clinical_terms(clause) + illness_terms(clause)) if not ground.supports(term)
        ),
        amounts=_unsupported_amounts(clause, ground),
    )


def _keywords_in(clause: str, ground: Grounding) -> tuple[str, ...]:
    """The polarity keywords the clause holds, in the grounding's order (as a scan of every keyword finds them)."""
    padded = stemmed(clause)
    index = ground.polarity_by_first_stem
    found = {kw for first in set(padded.split()) for kw in index.get(first, ()) if stemmed(kw) in padded}
    return tuple(kw for kw in ground.polarity if kw in found) if found else ()


def _is_question(reply: str, end: int) -> bool:
    """Whether the sentence that holds the clause ending at `end` ends with a question mark."""
    stop = _SENTENCE_END.search(reply, end)
    return stop is not None and stop.group(0) == "?"


def grounded_share(reply: str, scenario: Scenario) -> float:
    """The share of the reply's content words that the patient's own facts, opening or persona contain (findings
    excluded: the patient never hears them, and a reply that borrows their words deserves a look).

    Faithful replies reuse the scenario's words; a reply full of words from nowhere deserves a closer (LLM) look. The
    doctor's words never count: the doctor could otherwise plant any word, the diagnosis spelled in code included,
    and have it echoed as 'grounded'.
    """
    words = content_words(reply)
    if not words:
        return 1.0
    known = grounding(scenario).known  # what the patient knows: the findings it never hears ground nothing
    return sum(f" {word} " in known or word in _STOCK_WORDS for word in words) / len(words)


# How any patient says 'no', 'not sure' or 'one at a time' (the offline patient's own stock phrases): no information.
_STOCK_WORDS = frozenset(
    content_words(" ".join([*DENIALS, *UNSURE, TOO_MANY, *(f for fillers in FILLERS.values() for f in fillers)]))
)


def _contradictions(clause: ClauseCheck, ground: Grounding, echo: Asked) -> list[GuardianIssue]:
    matched = [
        pair for kw in clause.keywords if not _inside_echoed_illness(kw, echo.terms) for pair in ground.polarity[kw]
    ]
    if matched and not clause.about_relatives:
        # 'I've never had a heart attack' does not contradict 'my father had a heart attack'.
        matched = [(fact, denies) for fact, denies in matched if fact.id not in ground.about_relatives]
    if not matched or any(denies == clause.negated for _, denies in matched):
        return []
    fact = matched[0][0]
    return [
        GuardianIssue(
            kind=IssueKind.contradicts,
            text=clause.text,
            start=clause.start,
            detail=f"the facts say: {fact.text}",
            facts=[fact.id],
        )
    ]


def _inside_echoed_illness(keyword: str, echoed: frozenset[str]) -> bool:
    """Whether the keyword is part of a longer illness the doctor named ('headache' in 'cluster headache'): denying
    the named illness is not denying the symptom."""
    needle = stemmed(keyword)
    return any(needle in f" {term} " and needle.strip() != term for term in echoed)


def _unsupported(clause: ClauseCheck, echo: Asked) -> list[GuardianIssue]:
    details = [f"no fact mentions {term!r}" for term in clause.terms if term not in echo.terms] + list(clause.amounts)
    # One issue per clause is enough to reject it, and keeps guidance short.
    return [_issue(IssueKind.unsupported, clause, details[0])] if details else []


def _unsupported_amounts(clause: str, ground: Grounding) -> tuple[str, ...]:
    return tuple(
        f"no fact gives {n:g} {unit}".strip()
        for n, unit in quantities(clause)
        if not _supported_quantity(n, unit, ground)
    )


def _issue(kind: IssueKind, clause: ClauseCheck, detail: str) -> GuardianIssue:
    return GuardianIssue(kind=kind, text=clause.text, start=clause.start, detail=detail)


def _supported_quantity(number: float, unit: str, ground: Grounding) -> bool:
    # A number with a unit needs the same pair in the facts ('10 mg' is not '10 years'); a bare number any match.
    if unit:
        return (number, unit) in ground.quantities
    return any(number == n for n, _ in ground.quantities)


def distinct(issues: list[GuardianIssue]) -> list[GuardianIssue]:
    """The issues without repeats of the same kind and words (a looping reply says one thing many times)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for issue in issues:
        key = (issue.kind.value, issue.text.strip().lower())
        if key not in seen:
            seen.add(key)
            kept.append(issue)
    return kept


class OfflineGuardian(GuardianAgent):
    """Rule-based fact checking and, given the turn's context, the conduct checks (role breaks, non-answers);
    deterministic, no network, about a hundred microseconds a reply."""

    def __init__(self) -> None:
        super().__init__(name="offline")

    async def check(self, reply: str, ctx: PatientContext) -> Verdict:
        return self.verdict(reply, ctx.scenario, ctx)

    def verdict(self, reply: str, scenario: Scenario, ctx: PatientContext | None = None) -> Verdict:
        """The verdict on `reply`. With the turn's context `ctx`, an echo of the doctor's own words is no issue, and
        conduct issues (role breaks, non-answers) are included."""
        issues = review(reply, scenario, ctx.action.text if ctx is not None else "")
        if ctx is not None:
            issues += conduct_issues(reply, ctx)
        return Verdict(ok=not issues, issues=distinct(issues), source="offline")


class NoGuardian(GuardianAgent):
    """Accepts every reply (``guardian="off"``): for ablations only."""

    def __init__(self) -> None:
        super().__init__(name="off")

    async def check(self, reply: str, ctx: PatientContext) -> Verdict:
        return Verdict(ok=True, source="off")
