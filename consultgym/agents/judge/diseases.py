"""Disease-like terms: what makes a diagnosis answer name more than one condition.

Three sources, merged once per process:

- the DDXPlus knowledge base's 49 condition names and their synonyms (`consultgym.scenarios.knowledge`);
- the shipped library's diagnosis vocabulary (names, synonyms and differentials of every scenario), kept in
  ``diagnosis_terms.txt`` beside this module: ``python -m consultgym.agents.judge.diseases`` rewrites it after the
  library changes (a test checks it is current);
- a lexicon of common conditions (`CONDITIONS` below, and the guardian's `consultgym.agents.lexicon.CONDITIONS`).

Besides the listed terms, a word with a disease suffix ('-itis', '-osis', '-oma', '-aemia', '-pathy' ...) counts as
disease-like, so a bag of words cannot slip an unlisted disease past the check.

Example:
    >>> is_disease_word("peritonitis"), is_disease_word("inferior")
    (True, False)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from consultgym.agents.lexicon import CONDITIONS as GUARDIAN_CONDITIONS
from consultgym.text import normalize, stem, stems

TERMS_FILE = Path(__file__).with_name("diagnosis_terms.txt")
DISEASE_SUFFIXES = ("itis", "osis", "oma", "aemia", "emia", "pathy", "iasis", "ectasis", "plasia", "trophy", "ism")
# Words that name a kind of condition, not a condition: 'pneumonia infection' still names one disease.
GENERIC_HEADS = frozenset(stems("disease disorder syndrome condition illness infection problem injury episode attack"))
# Words with a disease suffix that are not diseases.
NOT_DISEASES = frozenset(stems("diagnosis prognosis mechanism organism metabolism aneurysmal"))

# fmt: off
CONDITIONS = (
    "acute coronary syndrome", "myocardial infarction", "stemi", "nstemi", "unstable angina", "angina",
    "aortic dissection", "pericarditis", "myocarditis", "endocarditis", "heart failure", "atrial fibrillation",
    "atrial flutter", "supraventricular tachycardia", "ventricular tachycardia", "heart block", "aortic stenosis",
    "mitral regurgitation", "cardiomyopathy", "hypertension", "pulmonary embolism", "deep vein thrombosis",
    "pneumonia", "bronchitis", "bronchiolitis", "asthma", "copd", "emphysema", "pneumothorax", "pleural effusion",
    "tuberculosis", "lung cancer", "sarcoidosis", "influenza", "covid 19", "common cold", "pharyngitis",
    "tonsillitis", "sinusitis", "otitis media", "otitis externa", "croup", "epiglottitis", "whooping cough",
    "appendicitis", "cholecystitis", "biliary colic", "pancreatitis", "gastroenteritis", "gastritis",
    "peptic ulcer", "gastro oesophageal reflux disease", "gerd", "gord", "bowel obstruction", "diverticulitis",
    "crohn disease", "ulcerative colitis", "irritable bowel syndrome", "coeliac disease", "celiac disease",
    "hepatitis", "cirrhosis", "colorectal cancer", "hernia", "testicular torsion", "epididymitis",
    "urinary tract infection", "cystitis", "pyelonephritis", "renal colic", "kidney stones", "nephrolithiasis",
    "acute kidney injury", "chronic kidney disease", "glomerulonephritis", "nephrotic syndrome", "prostatitis",
    "benign prostatic hyperplasia", "prostate cancer", "ectopic pregnancy", "pelvic inflammatory disease",
    "endometriosis", "ovarian torsion", "ovarian cyst", "migraine", "tension headache", "cluster headache",
    "subarachnoid haemorrhage", "subarachnoid hemorrhage", "stroke", "transient ischaemic attack",
    "transient ischemic attack", "meningitis", "encephalitis", "epilepsy", "seizure", "multiple sclerosis",
    "parkinson disease", "myasthenia gravis", "guillain barre syndrome", "bell palsy", "dementia", "delirium",
    "brain tumour", "brain tumor", "cellulitis", "abscess", "impetigo", "herpes zoster", "shingles", "eczema",
    "psoriasis", "urticaria", "anaphylaxis", "scabies", "chickenpox", "measles", "rubella", "scarlet fever",
    "hand foot and mouth disease", "melanoma", "basal cell carcinoma", "gout", "pseudogout", "osteoarthritis",
    "rheumatoid arthritis", "septic arthritis", "lupus", "polymyalgia rheumatica", "giant cell arteritis",
    "ankylosing spondylitis", "osteoporosis", "fracture", "sciatica", "cauda equina syndrome", "hypothyroidism",
    "hyperthyroidism", "diabetes", "diabetic ketoacidosis", "hypoglycaemia", "hypoglycemia", "addison disease",
    "cushing syndrome", "anaemia", "anemia", "iron deficiency", "leukaemia", "leukemia", "lymphoma", "myeloma",
    "sickle cell disease", "thalassaemia", "haemophilia", "hemophilia", "sepsis", "hiv", "malaria", "dengue",
    "lyme disease", "mononucleosis", "glandular fever", "syphilis", "gonorrhoea", "chlamydia", "depression",
    "anxiety", "panic disorder", "bipolar disorder", "schizophrenia", "vasovagal syncope", "syncope",
    "dehydration", "heat stroke", "cancer", "carcinoma", "tumour", "tumor", "ulcer", "infarction", "embolism",
    "thrombosis", "haemorrhage", "hemorrhage", "stenosis", "palsy", "dystrophy", "deficiency", "failure",
    "poisoning", "overdose", "torsion", "obstruction", "perforation", "rupture", "sprain", "dislocation",
    "neoplasm", "malignancy", "metastases", "aneurysm", "cyst", "polyp", "stone", "calculus", "thrombus",
)
# fmt: on


def _phrase(term: str) -> tuple[str, ...]:
    return tuple(stems(term))


@lru_cache(maxsize=1)
def disease_terms() -> frozenset[tuple[str, ...]]:
    """Every disease-like term as a tuple of stems (KB, library vocabulary and lexicons)."""
    terms = set(CONDITIONS) | set(GUARDIAN_CONDITIONS) | set(_knowledge_names()) | set(library_terms())
    phrases = {_phrase(term) for term in terms}
    return frozenset(p for p in phrases if p and not (len(p) == 1 and p[0] in GENERIC_HEADS))


def _knowledge_names() -> list[str]:
    from consultgym.scenarios.knowledge import DATA_DIR, DISPLAY_NAMES, SYNONYMS

    with open(DATA_DIR / "release_conditions.json", encoding="utf-8") as file:
        conditions = json.load(file)
    names = [DISPLAY_NAMES.get(name, name) for name in conditions]
    return names + [synonym for group in SYNONYMS.values() for synonym in group]


def library_terms() -> list[str]:
    """The library's diagnosis vocabulary as shipped in ``diagnosis_terms.txt`` (one term a line)."""
    if not TERMS_FILE.exists():
        return []
    return [line.strip() for line in TERMS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]


def build_library_terms() -> list[str]:
    """The diagnosis vocabulary of the shipped library, sorted: what ``diagnosis_terms.txt`` must hold."""
    from consultgym.scenarios.loader import load_library

    terms = set()
    for scenario in load_library("all"):
        for term in (*scenario.diagnosis.names, *scenario.diagnosis.differentials):
            if normalize(term):
                terms.add(" ".join(normalize(term).split()))
    return sorted(terms)


@lru_cache(maxsize=65536)
def is_disease_word(word: str) -> bool:
    """Whether one word names a disease on its own: listed as a one-word term, or built with a disease suffix."""
    stemmed = tuple(stems(word))
    if len(stemmed) != 1 or stemmed[0] in GENERIC_HEADS or stemmed[0] in NOT_DISEASES:
        return False
    return stemmed in disease_terms() or (len(word) > 5 and normalize(word).endswith(DISEASE_SUFFIXES))


@lru_cache(maxsize=1)
def _terms_by_first_stem() -> dict[str, tuple[tuple[str, ...], ...]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for term in disease_terms():
        index.setdefault(term[0], []).append(term)
    return {first: tuple(sorted(terms, key=lambda t: (-len(t), t))) for first, terms in index.items()}


def disease_mentions(text: str) -> list[tuple[str, ...]]:
    """The disease-like terms in a text, as words, longest match first at each position.

    >>> disease_mentions("unstable angina or STEMI")
    [('unstable', 'angina'), ('stemi',)]
    """
    words = normalize(text).split()
    stemmed = [stem(word) for word in words]
    index = _terms_by_first_stem()
    found: list[tuple[str, ...]] = []
    position = 0
    while position < len(words):
        for term in index.get(stemmed[position], ()):
            if tuple(stemmed[position : position + len(term)]) == term:
                found.append(tuple(words[position : position + len(term)]))
                position += len(term)
                break
        else:
            if is_disease_word(words[position]):
                found.append((words[position],))
            position += 1
    return found


def other_diseases(text: str, names: Sequence[frozenset[str]], cores: Sequence[frozenset[str]]) -> list[str]:
    """Disease-like terms in `text` that are not the accepted diagnosis: what makes an answer a hedge.

    `names` are the stems of each accepted name, `cores` their core stems (without qualifiers such as 'acute'). A
    term is the accepted diagnosis when it is part of one accepted name ('pulmonary edema' in 'acute pulmonary
    edema'), or holds the core of one (a more specific form: 'community acquired pneumonia' for 'Pneumonia').

    >>> pneumonia = [frozenset({"pneumonia"})]
    >>> other_diseases("community acquired pneumonia", pneumonia, pneumonia)
    []
    >>> other_diseases("pneumonia or unstable angina", pneumonia, pneumonia)
    ['unstable angina']
    """
    found = []
    for words in disease_mentions(text):
        stemmed = frozenset(stem(word) for word in words)
        if not any(stemmed <= name for name in names) and not any(core <= stemmed for core in cores):
            found.append(" ".join(words))
    return found


def main() -> None:
    """Rewrite ``diagnosis_terms.txt`` from the shipped library."""
    TERMS_FILE.write_text("\n".join(build_library_terms()) + "\n", encoding="utf-8")
    print(f"wrote {TERMS_FILE} ({len(build_library_terms())} terms)", file=sys.stderr)


if __name__ == "__main__":
    main()
