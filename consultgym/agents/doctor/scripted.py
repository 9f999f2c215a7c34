"""The scripted baseline doctor: a history-taking checklist, then examination, tests and a diagnosis.

It is a real policy: it sees only the patient's words (the opening and each reply). The complaint in the opening picks
a body-system profile (which review-of-systems questions, examinations and tests to ask for); the diagnosis is the
entry of a small findings table whose clue phrases best match everything the patient said.
"""

from __future__ import annotations

from dataclasses import dataclass

from consultgym.agents.base import DoctorAgent
from consultgym.text import contains_phrase

HISTORY_CHECKLIST: list[list[str]] = [
    ["When did this start?", "How long does it last?", "Can you describe what it feels like?"],
    [
        "How severe is it on a scale of 1 to 10?",
        "Does it spread anywhere?",
        "Does anything make it better or worse?",
    ],
    ["Have you noticed any other symptoms?", "Have you had a fever?", "Any nausea or vomiting?"],
    ["Do you take any medications?", "Do you have any allergies?", "Do you have any past medical history?"],
    ["Does anything run in your family?", "Do you smoke?", "Do you drink alcohol?"],
    ["What do you do for work?", "Have you travelled recently?", "Have you lost any weight?"],
]


@dataclass(frozen=True)
class Profile:
    """What to ask, examine and test for one kind of presenting complaint."""

    clues: tuple[str, ...]
    review: tuple[str, ...]
    exams: tuple[str, ...]
    tests: tuple[str, ...]


PROFILES: dict[str, Profile] = {
    "chest": Profile(
        ("chest", "heart", "pressure"),
        ("Are you short of breath?", "Do you have a cough?", "Any sweating?"),
        ("cardiovascular", "chest"),
        ("ECG", "troponin"),
    ),
    "breathing": Profile(
        ("breath", "breathing", "wheez", "cough"),
        ("Do you have a cough?", "Any chest pain?", "Any leg swelling?"),
        ("respiratory", "chest"),
        ("chest x-ray", "oxygen saturation"),
    ),
    "abdomen": Profile(
        ("stomach", "tummy", "belly", "abdomen", "abdominal"),
        ("Any change in your bowels?", "Any pain when passing urine?", "Is your appetite normal?"),
        ("abdomen", "abdominal"),
        ("blood count", "urine"),
    ),
    "head": Profile(
        ("head", "headache", "dizzy", "vision"),
        ("Any problems with your vision?", "Any neck stiffness?", "Any weakness or numbness?"),
        ("neurological", "neck"),
        ("CT head", "blood count"),
    ),
    "urinary": Profile(
        ("pee", "urine", "urinate", "wee", "bladder", "burning"),
        ("Any pain when passing urine?", "Are you passing urine more often?", "Any blood in your urine?"),
        ("abdomen", "kidney"),
        ("urine dipstick", "urine culture"),
    ),
    "skin": Profile(
        ("rash", "skin", "itch", "spots", "blister", "red"),
        ("Is it itchy or painful?", "Has it spread?", "Any new soaps or creams?"),
        ("skin", "rash"),
        ("blood count", "swab"),
    ),
    "joint": Profile(
        ("joint", "knee", "toe", "ankle", "swollen", "wrist"),
        ("Is the joint swollen or red?", "Any injury?", "Are other joints affected?"),
        ("joint", "musculoskeletal"),
        ("uric acid", "joint aspiration"),
    ),
    "back": Profile(
        ("back", "loin", "flank"),
        (
            "Any numbness or weakness in your legs?",
            "Any problems with bladder or bowel control?",
            "Any pain when passing urine?",
        ),
        ("back", "neurological"),
        ("urine", "blood count"),
    ),
    "heart_rhythm": Profile(
        ("palpitation", "racing", "pounding", "flutter", "faint", "passed out", "blacked out"),
        ("Any chest pain?", "Are you short of breath?", "Any dizziness?"),
        ("cardiovascular", "pulse"),
        ("ECG", "thyroid"),
    ),
    "general": Profile(
        ("tired", "fatigue", "exhausted", "fever", "temperature", "hot"),
        (
            "Have you lost weight?",
            "Do you feel cold more than others?",
            "Any changes in your periods or bowels?",
        ),
        ("general", "thyroid"),
        ("blood count", "thyroid function"),
    ),
}

# Diagnosis -> clue phrases (with weights) heard in the patient's words or findings; matched as stemmed phrases.
FINDINGS_TABLE: dict[str, dict[str, float]] = {
    "Acute myocardial infarction": {
        "crushing": 2,
        "left arm": 2,
        "jaw": 1,
        "sweat": 1,
        "st elevation": 4,
        "troponin": 3,
    },
    "Pulmonary embolism": {
        "calf": 2,
        "leg swelling": 2,
        "coughed up blood": 2,
        "pill": 1,
        "d-dimer": 3,
        "ctpa": 4,
        "filling defect": 4,
        "tachycardia": 1,
    },
    "Acute appendicitis": {"belly button": 2, "lower right": 3, "right side": 1, "appetite": 1, "mcburney": 3},
    "Subarachnoid haemorrhage": {
        "worst headache": 4,
        "thunderclap": 3,
        "out of nowhere": 2,
        "neck stiffness": 2,
        "xanthochromia": 4,
        "basal cisterns": 4,
    },
    "Migraine": {"throbbing": 2, "aura": 3, "zigzag": 2, "one side of my head": 2},
    "Urinary tract infection": {"burning when": 2, "nitrite": 2, "leucocyte": 2, "frequen": 1},
    "Acute pyelonephritis": {"loin": 2, "back hurts": 1, "rigor": 2, "shiver": 2, "renal angle": 3, "nitrite": 2},
    "Renal colic": {"groin": 2, "waves": 2, "can t keep still": 2, "stone": 3, "calculus": 3, "blood in": 1},
    "Herpes zoster (shingles)": {"band": 2, "blister": 2, "one side": 2, "tingl": 1, "dermatom": 3, "strip": 2},
    "Cellulitis": {"spreading redness": 2, "hot to touch": 2, "cut": 1, "insect bite": 2},
    "Hypothyroidism": {
        "cold": 2,
        "weight gain": 2,
        "put on weight": 2,
        "constipat": 1,
        "dry skin": 1,
        "tsh": 3,
        "thyroxine": 2,
    },
    "Iron deficiency anaemia": {"heavy periods": 2, "haemoglobin": 2, "ferritin": 3, "microcytic": 3},
    "Atrial fibrillation": {"irregular": 3, "flutter": 2, "racing": 1, "irregularly irregular": 4},
    "Gout": {"big toe": 3, "uric": 3, "beer": 1, "crystals": 3},
    "Aortic stenosis": {
        "ejection systolic": 4,
        "murmur": 2,
        "church": 0,
        "exertion": 1,
        "walking up": 2,
        "valve": 2,
        "slow rising": 3,
    },
    "Vasovagal syncope": {"felt it coming": 2, "standing for a long time": 2, "hot and clammy": 2},
    "Acute otitis media": {"pulling at his ear": 3, "ear": 2, "tympanic": 3, "bulging": 3},
    "Community-acquired pneumonia": {"phlegm": 2, "crackles": 3, "consolidation": 4},
}


def pick_profile(opening: str) -> Profile:
    """The profile whose clues best match the opening complaint ('general' when none does)."""
    scores = {
        name: sum(contains_phrase(opening, c) or c in opening.lower() for c in p.clues) for name, p in PROFILES.items()
    }
    best = max(scores, key=lambda name: scores[name])
    return PROFILES[best] if scores[best] else PROFILES["general"]


def rank_diagnoses(heard: str, table: dict[str, dict[str, float]] = FINDINGS_TABLE) -> list[tuple[str, float]]:
    """Diagnoses by how much of their clue weight appears in what the patient said, best first."""
    scores = {dx: sum(w for clue, w in clues.items() if contains_phrase(heard, clue)) for dx, clues in table.items()}
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


class ScriptedDoctor(DoctorAgent):
    """Checklist history, then the profile's review of systems, examinations, tests, and a diagnosis."""

    def __init__(self) -> None:
        super().__init__(name="scripted")
        self.plan: list[str] = []
        self.heard: list[str] = []

    def reset(self, opening: str, seed: int = 0) -> None:
        profile = pick_profile(opening)
        self.heard = []
        self.plan = [" ".join(questions) for questions in HISTORY_CHECKLIST]
        self.plan.append(" ".join(profile.review))
        self.plan.append("\n".join(f"EXAMINE: {what}" for what in profile.exams))
        self.plan.append("\n".join(f"TEST: {name}" for name in profile.tests))

    async def act(self, observation: str) -> str:
        """The next turn; the first call receives the opening, later calls the patient's latest reply."""
        self.heard.append(observation)
        if self.plan:
            return self.plan.pop(0)
        return f"DIAGNOSIS: {self.diagnose()}"

    def diagnose(self) -> str:
        return rank_diagnoses(" ".join(self.heard))[0][0]
