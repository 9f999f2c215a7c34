"""Body-system profiles: what a generalist reviews, examines and orders for a kind of presenting complaint.

The opening complaint picks a profile by its words ('chest', 'rash', 'wee'); the profile says which review-of-systems
questions to add to the standard history (one topic each), which systems to examine, which tests to order, and what
to call the problem when no finding names a cause. It is clinical method for a complaint, not knowledge of any case:
no profile lists a diagnosis to give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from consultgym.text import contains_phrase


@dataclass(frozen=True)
class Profile:
    """What to review, examine and test for one kind of presenting complaint."""

    clues: tuple[str, ...]
    review: tuple[str, ...]
    exams: tuple[str, ...]
    tests: tuple[str, ...]
    working_diagnosis: str


PROFILES: dict[str, Profile] = {
    "chest": Profile(
        ("chest", "heart", "pressure", "tightness"),
        ("Are you short of breath?", "Have you been sweating?", "Have you felt sick?"),
        ("cardiovascular", "respiratory"),
        ("ECG", "troponin", "chest X-ray"),
        "Chest pain of undetermined cause",
    ),
    "breathing": Profile(
        ("breath", "breathing", "breathless", "wheez", "cough", "phlegm"),
        ("Do you have a cough?", "Any chest pain?", "Any swelling in your legs?"),
        ("respiratory", "cardiovascular"),
        ("chest X-ray", "full blood count", "ECG"),
        "Breathlessness of undetermined cause",
    ),
    "abdomen": Profile(
        ("stomach", "tummy", "belly", "abdomen", "abdominal", "vomit", "diarrh"),
        ("Any nausea or vomiting?", "Any change in your bowels?", "Any problems passing urine?"),
        ("abdomen",),
        ("full blood count", "urine dipstick", "abdominal ultrasound"),
        "Abdominal pain of undetermined cause",
    ),
    "head": Profile(
        ("head", "headache", "dizzy", "vision", "faint", "seizure", "fit"),
        ("Any problems with your vision?", "Is your neck stiff?", "Any weakness or numbness?"),
        ("neurological", "neck"),
        ("CT head", "full blood count"),
        "Headache of undetermined cause",
    ),
    "urinary": Profile(
        ("pee", "urine", "urinate", "wee", "bladder", "burning"),
        ("Does it sting when you pass urine?", "Are you passing urine more often?", "Any blood in your urine?"),
        ("abdomen",),
        ("urine dipstick", "urine culture", "full blood count"),
        "Urinary symptoms of undetermined cause",
    ),
    "skin": Profile(
        ("rash", "skin", "itch", "spots", "blister", "lump", "lesion", "patch"),
        ("What does it look like?", "Is it itchy?", "Has it spread anywhere?"),
        ("skin",),
        ("full blood count", "skin swab", "skin biopsy"),
        "Rash of undetermined cause",
    ),
    "joint": Profile(
        ("joint", "knee", "toe", "ankle", "swollen", "wrist", "hip", "shoulder", "finger"),
        ("Is the joint swollen?", "Have you injured it?", "Are any other joints affected?"),
        ("musculoskeletal", "joint"),
        ("X-ray", "full blood count", "joint aspiration"),
        "Joint pain of undetermined cause",
    ),
    "back": Profile(
        ("back", "loin", "flank", "spine"),
        (
            "Any numbness or weakness in your legs?",
            "Any problems controlling your bladder?",
            "Any blood in your urine?",
        ),
        ("abdomen", "neurological"),
        ("urine dipstick", "full blood count", "CT"),
        "Back pain of undetermined cause",
    ),
    "heart_rhythm": Profile(
        ("palpitation", "racing", "pounding", "flutter", "passed out", "blacked out", "collapse", "funny turn"),
        ("Any chest pain?", "Are you short of breath?", "Have you felt dizzy or faint?"),
        ("cardiovascular",),
        ("ECG", "thyroid function", "echocardiogram"),
        "Palpitations of undetermined cause",
    ),
    "ear_throat": Profile(
        ("ear", "throat", "hearing", "nose", "sinus", "voice"),
        ("Any discharge from your ear?", "Any problems with your hearing?", "Do you have a sore throat?"),
        ("ears", "throat"),
        ("full blood count", "throat swab"),
        "Ear, nose or throat symptoms of undetermined cause",
    ),
    "mind": Profile(
        ("mood", "sad", "anxious", "worried", "voices", "sleep", "behaviour", "behavior", "confus", "memory"),
        ("How is your mood?", "How are you sleeping?", "Have you had any thoughts of harming yourself?"),
        ("mental state", "neurological"),
        ("full blood count", "thyroid function", "toxicology screen"),
        "Psychiatric symptoms of undetermined cause",
    ),
    "general": Profile(
        ("tired", "fatigue", "exhausted", "fever", "temperature", "hot", "weight", "unwell"),
        ("Have you lost any weight?", "Do you feel the cold more than other people?", "How is your mood?"),
        ("general appearance",),
        ("full blood count", "thyroid function", "glucose"),
        "Illness of undetermined cause",
    ),
}


def pick_profile(opening: str) -> Profile:
    """The profile whose clues best match the opening complaint ('general' when none does); ties go to the first."""
    scores = {name: sum(_mentions(opening, clue) for clue in profile.clues) for name, profile in PROFILES.items()}
    best = max(scores, key=lambda name: scores[name])
    return PROFILES[best] if scores[best] else PROFILES["general"]


def _mentions(text: str, clue: str) -> bool:
    """A clue is a word or phrase ('passed out'), or the start of a word ('wheez' for wheezy, wheezing)."""
    return contains_phrase(text, clue) or (
        len(clue) >= 5 and re.search(rf"\b{re.escape(clue)}", text.lower()) is not None
    )
