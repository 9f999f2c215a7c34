"""Names of tests and examinations, with their synonyms: what ``TEST:`` and ``EXAMINE:`` requests are matched on.

A finding is revealed by naming its test or the examined system (`Fact.requested_by`: 'Chest X-ray', 'CXR',
'cardiovascular'), never by words of its result. Each group below lists names that mean the same request; a fact
requested by one name of a group is requested by all of them. The groups are also the lexicon that counts how many
tests one request names: 'TEST: CBC CXR ECG CT' names four and is a shotgun, not an order.

Example:
    >>> sorted(synonyms("CXR"))[:3]
    ['chest film', 'chest radiograph', 'chest x ray']
    >>> canonical("EKG") == canonical("electrocardiogram")
    True
"""

from __future__ import annotations

from functools import lru_cache

from consultgym.text import stems

# fmt: off
TEST_GROUPS: tuple[tuple[str, ...], ...] = (
    ("full blood count", "complete blood count", "blood count", "fbc", "cbc", "haemogram", "hemogram",
     "cbc with differential"),
    ("white cell count", "white blood cell count", "wbc", "wcc", "leukocyte count"),
    ("chest x ray", "chest xray", "cxr", "chest radiograph", "chest film"),
    ("x ray", "xray", "radiograph", "plain film"),
    ("electrocardiogram", "ecg", "ekg", "12 lead ecg"),
    ("urinalysis", "urine dipstick", "urine dip", "dipstick", "urine analysis", "urine test"),
    ("urine culture", "msu", "mid stream urine", "midstream urine"),
    ("urea and electrolytes", "u e", "u es", "electrolytes", "renal function", "kidney function",
     "basic metabolic panel", "bmp"),
    ("comprehensive metabolic panel", "cmp", "metabolic panel"),
    ("liver function tests", "liver function", "lft", "lfts", "liver enzymes"),
    ("thyroid function tests", "thyroid function", "tft", "tfts"),
    ("c reactive protein", "crp"),
    ("erythrocyte sedimentation rate", "esr", "sed rate"),
    ("arterial blood gas", "abg", "blood gas", "blood gases"),
    ("ct scan", "ct", "computed tomography", "cat scan"),
    ("mri", "mri scan", "magnetic resonance imaging", "magnetic resonance"),
    ("ultrasound", "ultrasound scan", "sonography", "ultrasonography", "usg", "sonogram"),
    ("echocardiogram", "echo", "echocardiography", "cardiac echo"),
    ("troponin", "cardiac troponin", "cardiac enzymes"),
    ("d dimer", "ddimer"),
    ("blood glucose", "glucose", "blood sugar", "capillary glucose"),
    ("hba1c", "glycated haemoglobin", "glycated hemoglobin", "a1c"),
    ("lumbar puncture", "spinal tap", "csf analysis", "cerebrospinal fluid analysis"),
    ("blood culture", "blood cultures"),
    ("coagulation screen", "coagulation", "clotting screen", "inr", "pt inr", "prothrombin time"),
    ("lipid profile", "lipid panel", "cholesterol", "lipids"),
    ("iron studies", "ferritin", "serum iron"),
    ("pregnancy test", "beta hcg", "hcg", "urine hcg"),
    ("lactate", "serum lactate"),
    ("amylase", "lipase", "serum lipase", "serum amylase"),
    ("peak flow", "peak expiratory flow", "pefr"),
    ("spirometry", "pulmonary function tests", "lung function tests", "pft", "pfts"),
    ("biopsy",),
    ("skin biopsy",),
    ("endoscopy", "upper gi endoscopy", "ogd", "gastroscopy", "egd"),
    ("colonoscopy",),
    ("electroencephalogram", "eeg"),
    ("electromyography", "emg", "nerve conduction studies", "nerve conduction"),
    ("throat swab", "swab", "rapid strep test"),
    ("stool culture", "stool sample", "stool test"),
    ("blood film", "peripheral blood smear", "blood smear"),
    ("oxygen saturation", "pulse oximetry", "spo2", "sats"),
)

EXAM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("cardiovascular", "cardiovascular system", "cvs", "heart", "cardiac", "cardiovascular examination"),
    ("respiratory", "respiratory system", "chest", "lungs", "lung", "resp", "respiratory examination"),
    ("abdominal", "abdomen", "belly", "tummy", "gastrointestinal", "abdominal examination"),
    ("neurological", "neuro", "nervous system", "cns", "neurologic", "neurological examination"),
    ("vital signs", "vitals", "observations", "obs"),
    ("skin", "dermatological", "dermatologic", "integumentary", "skin examination"),
    ("musculoskeletal", "msk", "joints", "joint examination"),
    ("ear nose and throat", "ent", "heent"),
    ("ears", "ear", "otoscopy", "tympanic membranes"),
    ("throat", "pharynx", "oropharynx", "mouth and throat"),
    ("eyes", "eye", "ophthalmic", "ophthalmological", "fundoscopy"),
    ("genitourinary", "genitals", "genitalia", "external genitalia", "gu"),
    ("lymph nodes", "lymphadenopathy", "nodes", "lymph node examination"),
    ("general appearance", "general inspection", "general examination"),
    ("head and neck", "neck"),
    ("extremities", "limbs", "legs", "arms"),
    ("breast", "breasts", "breast examination"),
    ("rectal", "digital rectal examination", "dre", "pr examination"),
    ("pelvic", "pelvic examination", "vaginal examination", "speculum"),
    ("back", "spine", "spinal examination"),
    ("thyroid", "thyroid examination"),
    ("mental state", "mental status", "mental state examination", "mse"),
)
# fmt: on


def name_key(name: str) -> str:
    """A name as matching sees it: stemmed lowercase words ('Chest X-rays' -> 'chest x ray')."""
    return " ".join(stems(name))


@lru_cache(maxsize=1)
def _group_index() -> dict[str, frozenset[str]]:
    index: dict[str, frozenset[str]] = {}
    for group in TEST_GROUPS + EXAM_GROUPS:
        keys = frozenset(name_key(name) for name in group)
        for key in keys:
            index[key] = index.get(key, frozenset()) | keys
    return index


def synonyms(name: str) -> frozenset[str]:
    """The name and every name that means the same request (normalised)."""
    key = name_key(name)
    return _group_index().get(key, frozenset({key})) if key else frozenset()


def canonical(name: str) -> str:
    """One representative of the name's synonym group, to count distinct tests (the alphabetically first name)."""
    return min(synonyms(name)) if name_key(name) else ""


@lru_cache(maxsize=1)
def known_names() -> frozenset[str]:
    """Every name in the lexicon (normalised)."""
    return frozenset(_group_index())
