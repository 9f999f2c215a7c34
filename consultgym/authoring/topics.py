"""Which history-taking topics a fact answers, decided from its category and its wording when a scenario is made.

`consultgym.text.TOPICS` says which topics a *question* asks about; this module says which topics a *statement*
answers, so that a generic question ('Where is it?', 'What does it look like?', 'Does anything make it worse?')
reaches the fact that answers it in every library. The generator, the importers and the scenario tools call
`fact_topics`; the hand-written starter scenarios list their topics by hand and a test holds the two to the same bar.

The rules, in order:

- The category gives the background topics: medication -> medications, allergy -> allergies, family ->
  family_history, pmh -> past_history. Exam and lab facts answer no history question (they are requested by name).
- Statement patterns add what the words say: a time expression answers onset and duration, a body site with a
  preposition answers location, 'worse with ...' answers aggravating, 'gradually worsening' answers course, a colour
  or a lesion's shape answers appearance, a smoking or work statement answers smoking or occupation, and so on.
- A symptom of the history (hpi, symptom and ros facts) also answers the review-of-systems topic of its system
  (a headache: neurological; a cough: cough). A present symptom (category symptom) that the opening does not already
  say answers 'associated' ('Any other symptoms?').

Example:
    >>> fact_topics("hpi", "Sharp pain in the right lower abdomen that began 2 days ago, worse on walking.")
    ['onset', 'duration', 'character', 'location', 'aggravating', 'gastrointestinal']
    >>> fact_topics("allergy", "No known drug allergies.")
    ['allergies']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from consultgym.scenarios.schema import Fact
from consultgym.text import TOPICS, contains_phrase, normalize_apostrophes

_CATEGORY_TOPICS = {
    "medication": ("medications",),
    "allergy": ("allergies",),
    "family": ("family_history",),
    "pmh": ("past_history",),
}
HISTORY_CATEGORIES = frozenset({"hpi", "symptom", "ros"})
SPOKEN_CATEGORIES = HISTORY_CATEGORIES | {"pmh", "medication", "allergy", "family", "social", "demographics"}

_NUMBER = r"(\d+(\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a|an|a few|few|several|many)"
_TIME_UNIT = r"(minute|hour|day|night|week|month|year|decade)s?"
_TIME = (
    rf"{_NUMBER}[- ]{_TIME_UNIT}|ago|since|began|begun|started|starting|start|onset|came on|come on|developed|"
    r"first noticed|first started|yesterday|last (night|week|month|year)|this (morning|evening|week)|overnight|"
    r"for the (past|last)|over the (past|last)|sudden(ly)?|gradual(ly)?|abrupt(ly)?|at birth|since birth"
)

_SITES = (
    r"head|scalp|forehead|temples?|face|facial|cheeks?|jaw|chin|eyes?|eyelids?|ears?|nose|mouth|lips?|tongue|gums?|"
    r"teeth|tooth|throat|neck|shoulders?|arms?|armpits?|axilla\w*|elbows?|forearms?|wrists?|hands?|palms?|fingers?|"
    r"thumbs?|chest|breasts?|nipples?|ribs?|sternum|sternal|substernal|retrosternal|back|spine|spinal|flanks?|loins?|"
    r"abdomen|abdominal|belly|tummy|stomach|epigastri\w*|umbilic\w*|navel|belly button|quadrant|iliac fossa|"
    r"groin|pelvis|pelvic|hips?|buttocks?|thighs?|knees?|legs?|calf|calves|shins?|ankles?|feet|foot|heels?|toes?|"
    r"soles?|limbs?|extremit\w*|trunk|torso|genitals?|genital area|scrotum|scrotal|testic\w*|testes|penis|vulva\w*|"
    r"vagina\w*|perine\w*|anus|anal|rectum|rectal|side|sides|joints?"
)
_PLACE_WORDS = r"(right|left|upper|lower|both|bilateral|central|middle|inner|outer|front|back|top|bottom|lateral)"
# 'abdominal pain', 'knee swelling': the complaint is named by where it is.
_SITE_ADJECTIVES = (
    r"abdominal|chest|back|neck|ear|eye|knee|hip|shoulder|joint|pelvic|flank|groin|leg|arm|epigastric|retrosternal|"
    r"substernal|loin|testicular|scrotal|rectal|facial|dental|jaw|throat|breast|calf|foot|hand|wrist|elbow|ankle|toe|"
    r"finger|vulvar|vaginal|penile|perianal|suprapubic|lumbar|thoracic|cervical"
)
_LOCATION = (
    rf"\b(in|on|over|around|behind|across|at|to|into|under|near|above|below|of|from|down) (the |his |her |my |their "
    rf"|both |each |one )?({_PLACE_WORDS} )*({_PLACE_WORDS}[- ])?((ring|index|middle|little|great|big|distal|proximal|"
    rf"medial|anterior|posterior|dorsal|volar|outstretched) )?({_SITES})\b|"
    rf"\b({_SITE_ADJECTIVES})s? (pain|ache|aching|tenderness|swelling|rash|lump|mass|discomfort|cramps?|stiffness|"
    rf"weakness|numbness|lesions?|ulcers?|blisters?|spots?)\b|"
    rf"\b{_PLACE_WORDS}[- ](sided )?({_SITES})\b|\blocated\b|\bradiat\w* to\b"
)

# Statement patterns, each searched in the lowercased text and wording of a fact.
# fmt: off
STATEMENT_PATTERNS: dict[str, str] = {
    "onset": _TIME,
    "duration": _TIME,
    "character": r"sharp|dull|burning|crushing|pressure[- ]like|like a (pressure|weight|band|knife)|throbbing|"
                 r"stabbing|aching|cramp\w*|colick?y|tearing(?! eyes| up)|ripping|nagging|pulling|violent|sickening|"
                 r"frightening|exhausting|squeezing|tight\w*|shooting|gnawing|pounding|"
                 r"pulsating|electric\w*|knife|heavy (feeling|sensation|pressure)|(as|feels?|is) heavy|heaviness|"
                 r"tender|stinging|piercing|feels? like",
    "appearance": r"red|reddish|brown\w*|black|blackish|yellow\w*|white\w*|purple|purplish|pink\w*|blue|bluish|dark|"
                  r"pale|grey|gray|colou?r\w*|erythemat\w*|violaceous|greasy|scaly|scaling|crust\w*|raised|flat|"
                  r"shiny|waxy|rough|smooth|blister\w*|vesic\w*|bullae|bullous|papul\w*|pustul\w*|nodul\w*|macul\w*|"
                  r"plaques?|patch\w*|rings?|ring[- ]shaped|annular|target|petechia\w*|purpur\w*|"
                  r"swollen|swelling|distended|deform\w*|bruis\w*|bloody|blood[- ]stained|frothy|cloudy|"
                  r"foul[- ]smelling|discharge|peel\w*|weep\w*|oozing|looks?|looked|look like|"
                  r"\d+(\.\d+)? ?(cm|mm|centimet\w*|millimet\w*)|size of|bigger than|smaller than|larger than",
    "severity": r"(intensity|severity|pain|hurts?|rat(e|es|ed|ing)|score|at) \d+ ?(/|out of|over) ?10|"
                r"\d+ (out of|over) 10|severe|severity|mild|mildly|moderate|excruciating|worst|unbearable|"
                r"intense|agony|agonising|agonizing|terrible|slight|slightly|debilitating|disabling",
    "location": _LOCATION,
    "radiation": r"radiat\w*|spread\w* (to|down|up|into|across|through)|shoot\w* (down|up|into)|mov(e|es|ed) (to|down|"
                 r"up|from|into)|travel\w* (to|down|up|into)|goes (to|down|up|into)",
    "timing": r"constant\w*|continuous\w*|intermittent\w*|comes and goes|come and go|on and off|episod\w*|"
              r"at night|in the morning|nocturnal|every (day|night|morning|evening)|daily|times a (day|week)|"
              r"recurr\w*|attacks?|bouts?|spells?|lasting|lasts|all the time|periodic\w*",
    "aggravating": r"worse (with|when|after|on|during|if|at|in|while|lying|walking|bending|moving|eating|breathing)|"
                   r"worsen(s|ed|ing)? (with|when|after|on|during|if|by|while|upon)|aggravat\w*|exacerbat\w*|"
                   r"trigger\w*|brought on by|bring(s)? (it |them )?on|provok\w*|precipitat\w*|"
                   r"increas(es|ed) (with|when|after|on|during|upon)|on exertion|with exertion|exertional|"
                   r"made (it |the \w+ )?worse|makes? (it |the \w+ )?worse|intensif\w* (after|with|when|on|upon)|"
                   r"upon exertion|(pain|pains|hurts?|hurting|discomfort|ache|aching|numbness|weakness|dizziness|"
                   r"breathless\w*|shortness of breath|cramps?|cramping|tightness) (\w+ ){0,4}(when|while|on|during|"
                   r"with|upon|after) (eating|chewing|walking|moving|movement|exercis\w*|exertion|activity|climbing|"
                   r"bending|standing|sitting|lying|breathing in|deep breath\w*|coughing|swallowing|urinat\w*|"
                   r"wearing|opening|lifting|running|inspiration|stairs)",
    "relieving": r"better (with|when|after|on|if|lying|sitting|at|once|by)|reliev\w*|eas(es|ed|ing)|improv\w* "
                 r"(with|after|on|when|by|upon|following)|helps?|helped|alleviat\w*|resolv\w* (with|after|on|"
                 r"when|by|upon)|goes away (with|when|after|on)|subsid\w*|soothe\w*|settles? (with|when|after)",
    "course": r"getting (worse|better)|got(ten)? (a (lot|bit|little) |much |slightly )?(worse|better)|"
              r"(gradually|progressively|steadily) (getting |become |became )?(worse|worsen\w*|increas\w*|"
              r"improv\w*|spread\w*)|worsening|progress\w*|escalat\w*|increasingly|more and more|unchanged|"
              r"not changed|has changed|since then|(more|less) (frequent|severe|often)",
    "past_history": r"(never|not) had (anything |pain |symptoms )?like this|similar (episode|problem|symptom)s?|"
                    r"previous (episode|attack)s?|(happened|had this) before|history of|diagnosed with",
    "medications": r"medication\w*|medicine\w*|tablets?|pills?|prescri\w*|inhaler\w*|insulin|"
                   r"(took|takes|taking|tried|using) (some |a |an |regular |daily |his |her |my )?"
                   r"(paracetamol|ibuprofen|aspirin|antacids?|antibiotics?|painkillers?|steroids?|\w+ol\b|\w+ine\b)|"
                   r"been on \w+|treated with|over the counter",
    "family_history": r"\bfamily\b|runs? in",
    "smoking": r"smok\w*|cigar\w*|tobacco|vap(e|es|ing)|pack[- ]years?",
    "alcohol": r"alcohol\w*|beers?|wine|spirits|units|pints?|teetotal|drinks? (socially|occasionally|heavily|daily|"
               r"\w+ (glass|bottle|can|pint|unit)\w*)|does not drink|doesn t drink|don t drink",
    "recreational_drugs": r"recreational|illicit|cannabis|marijuana|cocaine|heroin|drug use|intravenous drug|ivdu|"
                          r"stimulant\w*|amphetamine\w*|ecstasy|substance (use|abuse)|uses? drugs|street drugs",
    "occupation": r"works?|worked|working|job|occupation|employ\w*|unemploy\w*|retired|student|school|college|"
                  r"university|profession\w*|career",
    "living": r"lives? (with|alone|in|at|on)|living (with|alone|in|at)|at home|homeless|care home|nursing home|married|"
              r"divorced|widowed|single|"
              r"shared house|apartment|flat with|household",
    "travel": r"travel\w*|trip|abroad|overseas|returned from|holiday|vacation|deploy\w*|camping|hiking|"
              r"visit(ed|ing) (a |the )?(country|abroad|relatives|family)|flight|mission",
    "sexual_history": r"sexual\w*|sexually|partners?|intercourse|condoms?|unprotected",
    "contacts": r"sick contacts?|(contact|exposure) with|exposed to|similar (symptoms|illness)|daycare|day care|"
                r"(brother|sister|sibling|classmates?|colleagues?|household|others?) (is|are|was|were|has|have|had) "
                r"(also )?(sick|ill|unwell|similar)",
    "menstrual": r"periods?|menstru\w*|menses|menarche|pregnan\w*|gravida|contracept\w*|lmp|cycles?",
    "vaccination": r"vaccin\w*|immuni[sz]\w*|jabs?",
    "diet": r"diet|eats?|eating|food|meals?|appetite|vegetarian|vegan|hungry|anorexia|energy drinks?|caffeine|coffee",
    "weight": r"weight|\d+(\.\d+)? ?(kg|lb|lbs|pounds|stone)",
    "sleep": r"sleep\w*|insomnia|wakes? (up )?at night|night waking",
    "fever": r"fever\w*|febrile|sweat\w*|temperature|chills?|shiver\w*|shaky|rigou?rs?|night sweats|pyrexia|felt hot|"
             r"feeling hot|hot and cold",
    "fatigue": r"tired\w*|fatigue\w*|energy|exhaust\w*|letharg\w*|drows\w*|sleepy|malaise|weak and tired|"
               r"run down|worn out",
    "bowel": r"bowel\w*|stools?|poo|diarrh\w*|constipat\w*|faeces|feces|melaena|melena|hematochezia|"
             r"haematochezia|defecat\w*",
    "urine": r"urin\w*|pee|peeing|bladder|wee|weeing|dysuria|haematuria|hematuria|polyuria|nocturia|micturi\w*|"
             r"frequency|incontinen\w*",
    "breathing": r"breath\w*|dyspn\w*|wheez\w*|stridor|respirat\w*|winded|tachypn\w*|orthopn\w*|air hunger",
    "cough": r"cough\w*|phlegm|sputum|mucus|haemoptysis|hemoptysis",
    "cardiovascular": r"chest pain|palpitat\w*|heart\w*|cardiac|tachycard\w*|racing|pounding|flutter\w*|"
                      r"ankle swelling|swollen ankles|leg swelling|syncop\w*|collaps\w*|claudication",
    "gastrointestinal": r"nause\w*|vomit\w*|throw(n|ing)? up|threw up|indigestion|heartburn|reflux|dyspeps\w*|"
                        r"swallow\w*|dysphag\w*|jaundic\w*|yellow(ing)? of|stomach|tummy|belly|abdom\w*|"
                        r"epigastri\w*|bloat\w*|hemat[eo]mesis|haemat[eo]mesis|gastro\w*|digest\w*",
    "genitourinary": r"discharge|genital\w*|testic\w*|testes|scrot\w*|vagin\w*|vulva\w*|penis|penile|erecti\w*|"
                     r"pelvic pain|groin|dyspareunia|intercourse|genitourinary",
    "neurological": r"headaches?|dizz\w*|vertigo|light ?headed\w*|faint\w*|pass(ed)? out|black(ed)? out|numb\w*|"
                    r"tingl\w*|pins and needles|paraesthes\w*|paresthes\w*|weakness|seizures?|fits|convuls\w*|"
                    r"confus\w*|memory|balance|gait|unsteady|speech|slurr\w*|tremor\w*|shak(ing|y) hands|"
                    r"consciousness|neurolog\w*|ataxia|diplopia|double vision|drowsy|migraine\w*",
    "musculoskeletal": r"joints?|muscles?|muscular|myalgia|arthralgia|musculo\w*|stiff\w*|back pain|bones?|"
                       r"limp\w*|knees?|hips?|shoulders?|ankles?|wrists?|elbows?|range of motion|cramps",
    "skin": r"skin|rash\w*|itch\w*|prurit\w*|spots|bruis\w*|blisters?|sores?|lumps?|bumps?|lesions?|moles?|"
            r"papul\w*|pustul\w*|plaques?|hives|urticaria|eczema|acne|wounds?|ulcers? on|hair loss|nails?",
    "ent": r"ears?|hearing|deaf\w*|nose|nasal|sinus\w*|throat|voice|hoarse\w*|sneez\w*|runny|congest\w*|"
           r"tinnitus|ringing|earache|otalgia|epistaxis|nosebleeds?|tonsil\w*|snor\w*",
    "eyes": r"eyes?|vision|visual|sight|blurr\w*|double vision|diplopia|photophobia|eyelids?|ptosis",
    "mood": r"mood|depress\w*|anxi\w*|stress\w*|feel\w* low|low mood|sad\w*|irritab\w*|panic\w*|suicid\w*|"
            r"hallucinat\w*|voices|paranoi\w*|interest in|enjoy\w*|worthless\w*|agitat\w*",
}
# fmt: on

_PATTERNS = {name: re.compile(rf"\b(?:{alternatives})\b") for name, alternatives in STATEMENT_PATTERNS.items()}
_SYMPTOM_TOPICS = frozenset(
    "onset duration character appearance severity location radiation timing aggravating relieving course".split()
)
_SOCIAL_TOPICS = frozenset(
    "smoking alcohol recreational_drugs occupation living travel sexual_history contacts diet vaccination".split()
)
_SYSTEM_TOPICS = frozenset(
    "fever fatigue weight breathing cough cardiovascular gastrointestinal genitourinary neurological musculoskeletal "
    "skin ent eyes mood sleep bowel urine menstrual".split()
)
# What each category may answer beyond its own topic: a history statement may name a drug it was treated with, a
# social statement answers social topics only, a past illness may be an operation or a vaccination record.
_ALLOWED: dict[str, frozenset[str]] = {
    "hpi": _SYMPTOM_TOPICS | _SYSTEM_TOPICS | _SOCIAL_TOPICS | {"past_history", "medications", "family_history"},
    "symptom": _SYMPTOM_TOPICS | _SYSTEM_TOPICS,
    "ros": _SYMPTOM_TOPICS | _SYSTEM_TOPICS | {"past_history"},
    "social": _SOCIAL_TOPICS | {"weight", "sleep", "menstrual"},
    "pmh": frozenset({"medications", "vaccination", "menstrual"}),
    "medication": frozenset(),
    "allergy": frozenset(),
    "family": frozenset(),
    "demographics": frozenset(),
}
_COMPLAINT_DETAILS = frozenset("location character appearance severity timing course radiation".split())
_BACKGROUND = frozenset({"medications", "past_history", "family_history", "vaccination"})
# A denial describes nothing: 'No joint swelling' says neither where nor what anything looks like.
_DESCRIBES_A_COMPLAINT = frozenset("onset duration character appearance severity location timing course".split())
_SURGERY = re.compile(r"\b(surg\w*|operat\w*|\w+ectomy|\w+otomy|\w+plasty|hospitali[sz]\w*|admitted|admission)\b")


def fact_topics(
    category: str, text: str, say: str = "", *, present: bool = True, volunteered: bool = True
) -> list[str]:
    """The topics a fact answers, in `TOPICS` order.

    Args:
        category: the fact's category value ('hpi', 'symptom', 'pmh', ...).
        text: the clinical statement.
        say: the patient's wording, searched as well.
        present: False for a pertinent negative ('Denies joint swelling'), which answers the question about its
            system, not where or what a complaint is like.
        volunteered: False for a present symptom the opening does not mention, which then also answers 'associated'.
    """
    if category not in SPOKEN_CATEGORIES:
        return []
    found = set(_CATEGORY_TOPICS.get(category, ()))
    words = statement_text(text, say)
    allowed = _ALLOWED[category] if present else _ALLOWED[category] - _DESCRIBES_A_COMPLAINT
    found |= {name for name, pattern in _PATTERNS.items() if name in allowed and pattern.search(words)}
    if category == "pmh" and _SURGERY.search(words):
        found.add("surgery")
    if category == "symptom" and present and not volunteered:
        found.add("associated")
    if found & {"onset", "duration"} and not _dates_a_complaint(category, found, words):
        found -= {"onset", "duration"}  # 'smoking for 17 years' or 'went camping months ago' date no complaint
    return [name for name in TOPICS if name in found]


def _dates_a_complaint(category: str, found: set[str], words: str) -> bool:
    if found & (_SYSTEM_TOPICS | _COMPLAINT_DETAILS):
        return True
    return category == "hpi" and (not found & (_SOCIAL_TOPICS | _BACKGROUND) or bool(_COMPLAINING.search(words)))


_COMPLAINING = re.compile(
    r"\b(history of (?!smok|alcohol|drink)|experienc\w*|complain\w*|presents? with|develop\w*|symptoms?|pain|"
    r"noticed|feeling|felt|struggl\w*|difficult\w*)\b"
)


def statement_text(text: str, say: str = "") -> str:
    """Lowercased text and wording, with apostrophes unified and punctuation spaced out, ready for the patterns."""
    joined = normalize_apostrophes(f"{text} {say}").lower().replace("'", " ")
    return re.sub(r"[^a-z0-9/.\- ]+", " ", joined)


def assign_topics(facts: Sequence[Fact], opening: str) -> list[Fact]:
    """The facts with their `topics` set from category and wording (see `fact_topics`).

    'Any medications?', 'Any allergies?', 'Any medical conditions?' and 'Does anything run in the family?' belong to
    the facts of their own category when the case has any: a history statement that mentions a drug it was treated
    with, or a complaint never had before, then keeps its other topics only (and its keywords: 'before').
    """
    have = {fact.category.value for fact in facts}
    owned = {topic for category, topics in _CATEGORY_TOPICS.items() if category in have for topic in topics}
    owned &= _OWNED_BY_CATEGORY
    return [
        fact.model_copy(
            update={
                "topics": [t for t in topics_for(fact, opening) if t not in owned or _owns(fact, t)],
                # A topic name among the keywords would answer that topic too; the topics say which ones it answers.
                "keywords": [k for k in fact.keywords if k not in TOPICS or fact.hidden_until_requested],
            }
        )
        for fact in facts
    ]


_OWNED_BY_CATEGORY = frozenset({"medications", "allergies", "family_history", "past_history"})


def _owns(fact: Fact, topic: str) -> bool:
    return topic in _CATEGORY_TOPICS.get(fact.category.value, ())


def topics_for(fact: Fact, opening: str) -> list[str]:
    """The topics of one fact of a case whose patient opens with `opening`."""
    volunteered = fact.spoken.rstrip(".") in opening or opening_mentions(opening, fact.keywords)
    return fact_topics(fact.category.value, fact.text, fact.say, present=fact.present, volunteered=volunteered)


def opening_mentions(opening: str, keywords: Iterable[str]) -> bool:
    """Whether the opening already says one of a fact's phrase keywords (the patient has volunteered it)."""
    return any(contains_phrase(opening, k) for k in keywords if len(k) > 3)
