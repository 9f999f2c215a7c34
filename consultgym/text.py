"""Text matching shared by the offline patient, guardian and judge.

Everything here is deterministic and cheap: lowercase normalisation, a tiny suffix stemmer, whole-phrase containment
on stemmed tokens, splitting a doctor turn into questions, and TOPICS, a lexicon that maps a history-taking topic
("onset", "allergies", ...) to the phrases that ask about it. A fact or rubric keyword that names a topic matches any
question that asks about that topic; any other keyword must appear as a phrase.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
_CONTRACTION = re.compile(r"n't\b")

STOPWORDS = frozenset(
    "a an the and or of to in on at for with by from is are was were be been being do does did have has had you your "
    "i me my we our it its this that these those any anything there their they them he she his her as so if then "
    "about into over can could would should will may might please tell let know what which who how when where why "
    "ever some just also".split()
)


def string_memo(size: int, longest: int = 1000) -> Callable[[Callable[[str], str]], Callable[[str], str]]:
    """Memoise a function from text to text in a plain dict of at most `size` texts, cleared when full; a text longer
    than `longest` characters is worked out each time, so the memo stays small.

    Not `functools.lru_cache`: the garbage collector stops tracking a dict that holds only strings, so the texts
    memoised here cost nothing at a collection, where lru caches of tens of thousands of texts (every question an
    RL policy asks is new) were walked at every full one.
    """

    def decorate(function: Callable[[str], str]) -> Callable[[str], str]:
        memo: dict[str, str] = {}

        @functools.wraps(function)
        def memoised(text: str) -> str:
            value = memo.get(text)
            if value is None:
                if len(text) > longest:
                    return function(text)
                if len(memo) >= size:
                    memo.clear()
                value = memo[text] = function(text)
            return value

        return memoised

    return decorate


# A JSON "\ud800" escape decodes to a lone surrogate, which no UTF-8 record can hold.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def replace_surrogates(text: str) -> str:
    """Lone surrogates become U+FFFD, so text from a policy or a model can always be written to a run record."""
    return _SURROGATE.sub("\ufffd", text)


def normalize_apostrophes(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)


# Replies, facts and questions come back every turn (the guardian, the conduct checks, retrieval and the judge each
# normalize them): texts up to a long reply are remembered.
@string_memo(16384, longest=2000)
def normalize(text: str) -> str:
    """Lowercase, unify apostrophes, expand n't to ' not', and keep only [a-z0-9] words separated by single spaces."""
    text = normalize_apostrophes(text).lower()
    text = _CONTRACTION.sub(" not", text)
    return _NON_WORD.sub(" ", text).strip()


@string_memo(65536)
def stem(word: str) -> str:
    """A deliberately small suffix stripper: 'allergies' -> 'allergy', 'radiates' -> 'radiat', 'smoking' -> 'smok'."""
    if len(word) <= 3 or word.isdigit() or word in _STEM_EXCEPTIONS:
        return word
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            word = word[: len(word) - len(suffix)] + replacement
            break
    # A final 'e' goes too, so that 'race'/'racing' and 'headache'/'headaches' meet.
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


_STEM_EXCEPTIONS = frozenset({"testes", "testis", "lens", "always", "news", "series", "species", "diabetes"})


def stems(text: str) -> list[str]:
    return [stem(w) for w in normalize(text).split()]


@string_memo(32768)
def stemmed(text: str) -> str:
    """The text as space-padded stems, ready for phrase containment with `in`."""
    return " " + " ".join(stems(text)) + " "


def contains_phrase(text: str, phrase: str) -> bool:
    """True when every word of `phrase` appears, in order and adjacent, in `text` (after stemming)."""
    needle = stemmed(phrase)
    return needle.strip() != "" and needle in stemmed(text)


def content_words(text: str) -> set[str]:
    """Stems of the words that carry meaning (no stopwords)."""
    return {stem(w) for w in normalize(text).split() if w not in STOPWORDS}


# A topic is asked about when any of its alternatives matches the normalised question (word-bounded regex).
# The names are also what `Fact.topics` may list: the first block is the history of the presenting complaint, then
# the background history, then the review of systems (ROS) by system.
# fmt: off
TOPICS: dict[str, str] = {
    "onset": r"when did|start\w*|began|begin\w*|onset|first notic\w*|how long ago|c[ao]me on|sudden(ly)?|gradual\w*",
    "duration": r"how long|duration|last(ed|ing|s)|since when|persist\w*|how many (days|weeks|hours|months)",
    "character": r"describe|feel like|what kind|what type|character\w*|quality|what( s| is) (it|the \w+) like|"
                 r"sharp|dull|burning|crushing|(?<!blood )pressure|throbbing|stabbing",
    "appearance": r"look(s|ed|ing)? like|what does (it|the \w+|they) look|how does (it|the \w+) look|appearance|"
                  r"colou?r\w*|what shape|how big|size",
    "severity": r"how bad|sever(e|ity|ely)|scale|out of (10|ten)|intens\w*|rate (it|the)|how strong|"
                r"how much does it hurt",
    "location": r"where|location|locat\w*|which part|point to|which side",
    "radiation": r"radiat\w*|spread\w*|move\w* anywhere|does it travel|go(es)? anywhere|shoot\w*",
    "timing": r"constant|come and go|comes and goes|intermittent\w*|time of day|timing|how often|pattern|at night|"
              r"in the morning",
    "aggravating": r"(?<!getting )(?<!got )(?<!gotten )worse|aggravat\w*|trigger\w*|bring\w* (it )?on|provok\w*|"
                   r"exert\w*",
    "relieving": r"(?<!getting )(?<!got )(?<!gotten )better|reliev\w*|eas(e|es|ed|ing)|help\w*|improv(e|es|ed)",
    "course": r"getting (worse|better)|got(ten)? (worse|better)|progress\w*|how has it (changed|been)|"
              r"chang\w* (since|over time)|over time|stay(ed|ing)? the same|worsen\w*|improving",
    "associated": r"other symptoms?|anything else|associated|along with|accompan\w*",
    "medications": r"medication\w*|medicine\w*|pills?|tablets?|prescri\w*|drugs? (do|are) you take|tak(e|ing) any|"
                   r"over the counter|supplement\w*|inhaler\w*|insulin",
    "allergies": r"allerg\w*|reaction\w* to",
    "past_history": r"medical history|past medical|medical (condition|problem)\w*|health (condition|problem)\w*|"
                    r"chronic|ever been (diagnosed|told|treated)|previous\w*|in the past|"
                    r"any (medical |health )?(conditions|illnesses)|diagnosed with|similar (episode|problem)\w*|"
                    r"(this|like this|happened) before",
    "surgery": r"surg\w*|operation\w*|operated|hospitali[sz]\w*|admitted",
    "family_history": r"famil\w*|mother|father|mum|dad|mom|grand\w+|parents?|siblings?|brothers?|sisters?|relatives?|"
                      r"run in|genetic|inherit\w*",
    "smoking": r"smok\w*|cigar\w*|tobacco|vap(e|ing)",
    "alcohol": r"alcohol\w*|beer|wine|spirits|units|or drink|how much do you drink|drinking alcohol|"
               r"do you drink\b(?! (water|fluids|enough|plenty))",
    "recreational_drugs": r"recreational|street drugs?|illicit|cannabis|marijuana|cocaine|drug use|use drugs|inject\w*",
    "occupation": r"work\w*|job|occupation|for a living|employ\w*|retired",
    "living": r"live with|living|who do you live",
    "travel": r"travel\w*|trip|abroad|overseas|flight|been away",
    "sexual_history": r"sexual\w*|sexually|partners?|intercourse|condoms?",
    "contacts": r"sick contacts?|anyone (else )?(around you|at home|you know)|(been )?around anyone|contact with|"
                r"others? (sick|ill|unwell)",
    "menstrual": r"periods?|menstrua\w*|pregnan\w*|last menstrual|contracept\w*|cycle",
    "vaccination": r"vaccin\w*|immuni[sz]\w*|shots|jabs?",
    "diet": r"diet|eat\w*|food|meals?|appetite",
    "weight": r"weight|lost (any )?weight|gain\w* weight",
    "sleep": r"sleep\w*|insomnia|wake\w* up at night",
    "fever": r"fever\w*|temperature|chills?|feverish|hot and cold|night sweats",
    "fatigue": r"tired\w*|fatigue\w*|energy|exhaust\w*|letharg\w*|drows\w*|sleepy",
    "bowel": r"bowel\w*|stools?|poo|diarrh\w*|constipat\w*",
    "urine": r"urin\w*|pee\w*|bladder|water works|wee",
    "breathing": r"breath\w*|short of breath|wind\w*",
    "cough": r"cough\w*|phlegm|sputum",
    "cardiovascular": r"cardio\w*|heart|heartbeat|cardiac|palpitat\w*|chest pains?|racing|pounding|flutter\w*|"
                      r"swollen ankles|ankle swelling",
    "gastrointestinal": r"gastro\w*|nause\w*|vomit\w*|throw(n|ing)? up|threw up|indigestion|heartburn|reflux|"
                        r"swallow\w*|jaundice|yellow\w*|stomach|tummy|belly|abdom\w*|digest\w*",
    "genitourinary": r"genitourinary|discharge|genital\w*|testic\w*|testes|vagin\w*|penis|penile|scrot\w*|erecti\w*|"
                     r"down below",
    "neurological": r"headaches?|dizz\w*|light ?headed\w*|faint\w*|pass(ed)? out|black(ed)? out|numb\w*|tingl\w*|"
                    r"pins and needles|seizures?|fits|convuls\w*|confus\w*|memory|balance|speech|slurr\w*|"
                    r"tremor\w*|neurolog\w*",
    "musculoskeletal": r"joints?|muscles?|musculo\w*|stiff\w*|back pain|bones?|limp\w*",
    "skin": r"skin|rash\w*|itch\w*|spots|bruis\w*|blisters?|sores?|lumps?|bumps?|lesions?|moles?",
    "ent": r"ent|ears?|hearing|deaf\w*|nose|nasal|sinus\w*|throat|voice|hoarse\w*|sneez\w*|runny|congest\w*|"
           r"tinnitus|ringing",
    "eyes": r"eyes?|vision|visual|sight|blurr\w*|double vision",
    "mood": r"mood|depress\w*|anxi\w*|stress\w*|(feel\w*|feeling) low|low mood",
    "ideas": r"worr\w*|concern\w*|what do you think|expect\w*",
}
# fmt: on

# The review of systems, one topic per system: a fact about a symptom lists the topic of its system.
ROS_SYSTEMS: tuple[str, ...] = (
    "fever",
    "fatigue",
    "weight",
    "breathing",
    "cough",
    "cardiovascular",
    "gastrointestinal",
    "bowel",
    "urine",
    "genitourinary",
    "neurological",
    "musculoskeletal",
    "skin",
    "ent",
    "eyes",
    "mood",
    "sleep",
)

_TOPIC_PATTERNS = {name: re.compile(r"\b(?:" + alternatives + r")\b") for name, alternatives in TOPICS.items()}


def literal_starts(alternatives: str) -> frozenset[str] | None:
    """The first letters (up to `START_LETTERS`) every match of `alternatives` begins a word with, or None when some
    alternative has no literal start ('(this|like this) before'). 'when did|start\\w*|c[ao]me on' -> {'when', 'star',
    'c'}."""
    starts = set()
    for alternative in _top_level(alternatives):
        body = _LOOKBEHINDS.sub("", alternative)
        literal = ""
        for index, char in enumerate(body[:START_LETTERS]):
            if char in _REGEX_SYNTAX or char == " " or body[index + 1 : index + 2] in _QUANTIFIERS:
                break
            literal += char
        if not literal:
            return None
        starts.add(literal)
    return frozenset(starts)


def _top_level(alternatives: str) -> list[str]:
    """The alternatives of a regex, split at the '|' outside any group or character class."""
    parts, depth, current = [], 0, ""
    for char in alternatives:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


START_LETTERS = 4  # longer starts rule out more topics per word ('wh' would try every 'what'/'when'/'where' topic)
_LOOKBEHINDS = re.compile(r"^(?:\(\?<[!=][^)]*\))+")
_REGEX_SYNTAX = frozenset("\\()[]|?*+{}.^$")
_QUANTIFIERS = frozenset({"?", "*", "+", "{"})
# A topic's pattern is tried only on a question with a word that starts the way one of its alternatives does: most
# topics are ruled out by a set lookup, not a regex search (`topics_of` runs on every new question).
_TOPIC_STARTS = {name: literal_starts(alternatives) for name, alternatives in TOPICS.items()}
_ALWAYS_TRIED = frozenset(name for name, starts in _TOPIC_STARTS.items() if starts is None)
_TOPICS_BY_START: dict[str, frozenset[str]] = {
    start: frozenset(name for name, starts in _TOPIC_STARTS.items() if starts and start in starts)
    for start in sorted({start for starts in _TOPIC_STARTS.values() if starts for start in starts})
}


@lru_cache(maxsize=16384)
def _topics_starting(word: str) -> frozenset[str]:
    """The topics with an alternative that a word starts like: those whose pattern is worth trying on its text."""
    starts = (word[:letters] for letters in range(1, min(len(word), START_LETTERS) + 1))
    return _interned(frozenset().union(*(_TOPICS_BY_START.get(start, ()) for start in starts)))


def _interned(topics: frozenset[str]) -> frozenset[str]:
    """One object for each distinct set of topics: the memos of `topics_of` and `_topics_starting` then hold a few
    hundred sets, not one per question or word, which the garbage collector would walk."""
    if len(_TOPIC_SETS) >= 65536:  # bounded, though texts in practice ask a few thousand combinations at most
        return topics
    return _TOPIC_SETS.setdefault(topics, topics)


_TOPIC_SETS: dict[frozenset[str], frozenset[str]] = {}


_EXPLICIT_PAST_HISTORY = re.compile(r"\b(medical history|past medical|your own|you yourself)\b")
_ASKS_WHAT_CHANGES_IT = re.compile(r"\b(make|makes|made|anything|something|what|when|with|after|trigger\w*|bring\w*)\b")


@lru_cache(maxsize=16384)
def topics_of(text: str) -> frozenset[str]:
    """The history-taking topics a question asks about, e.g. 'Any allergies?' -> {'allergies'}."""
    norm = normalize(text)
    tried = _ALWAYS_TRIED.union(*map(_topics_starting, norm.split()))
    topics = {name for name in tried if _TOPIC_PATTERNS[name].search(norm)}
    # "Any illnesses that run in your family?" asks about relatives, not the patient's own past history.
    if "family_history" in topics and not _EXPLICIT_PAST_HISTORY.search(norm):
        topics.discard("past_history")
    # "Is it getting better or worse?" asks about the course, not what makes it better or worse.
    if "course" in topics and not _ASKS_WHAT_CHANGES_IT.search(norm):
        topics -= {"aggravating", "relieving"}
    return _interned(frozenset(topics))


def keyword_matches(keyword: str, text: str) -> bool:
    """A keyword matches when it names a topic the text asks about, or appears in the text as a phrase."""
    if keyword in TOPICS:
        return keyword in topics_of(text)
    return contains_phrase(text, keyword)


_QUESTION_SPLIT = re.compile(r"(?<=[?!;])\s*|(?<=\.)\s+|\n+")


def split_questions(turn: str) -> list[str]:
    """Split a doctor turn into the units a patient answers one by one: sentences and questions.

    Only units with at least one content word are kept, so 'OK.' or '?!' do not count as questions.
    """
    parts = (part.strip() for part in _QUESTION_SPLIT.split(turn))
    return [part for part in parts if part and any(word not in STOPWORDS for word in normalize(part).split())]


NEGATION = re.compile(
    r"\b(no|not|never|none|nothing|nobody|denies|deny|denied|without|neither|nor|haven t|hasn t|don t|didn t|"
    r"doesn t|isn t|wasn t|aren t|free of|absent|negative)\b"
)


def is_negated(text: str) -> bool:
    """Whether a clause is phrased as a denial ('I don't have a fever', 'no chest pain')."""
    return bool(NEGATION.search(normalize(text)))
