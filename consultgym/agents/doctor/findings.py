"""Reading a diagnosis out of examination and test findings, the way a clinician reads a report's conclusion.

A doctor without a disease model can still name a diagnosis when a finding states one: 'Ultrasound: findings
consistent with acute cholecystitis', 'Skin biopsy: suggestive of leprosy'. `conditions_named` takes the condition a
report *concludes*: the words after 'consistent with', 'suggestive of', 'diagnostic of' ..., kept when they look like a
disease (a word such as 'disease', 'syndrome' or 'cancer', a disease suffix such as '-itis' or '-oma', or a condition
of the general lexicon the guardian uses, `consultgym.agents.lexicon.CONDITIONS`). Negated clauses ('no evidence of
pneumonia') name nothing. Nothing here is drawn from the scenario library.

Example:
    >>> conditions_named(["Chest X-ray: right lower lobe opacity consistent with pneumonia."])
    ['pneumonia']
    >>> conditions_named(["CT head: no evidence of haemorrhage."])
    []
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from consultgym.agents.lexicon import CONDITIONS
from consultgym.text import is_negated, normalize

_CONCLUSION = re.compile(
    r"\b(?:consistent with|suggestive of|suggesting|indicative of|diagnostic of|compatible with|characteristic of|"
    r"typical of|in keeping with|confirm(?:s|ed|ing)?(?: the diagnosis of)?|diagnosis of|pathognomonic (?:of|for))\s+"
    r"(?:an?\s+|the\s+)?(?:possible\s+|likely\s+|probable\s+)?([^.;:,()]+)",
    re.IGNORECASE,
)
_END = re.compile(r"\s+(?:and|with|or|in|on|at|of the|without|but|which|that|showing|affecting)\s+.*$", re.IGNORECASE)
_CLAUSE = re.compile(r"[.;]\s*")
MAX_NAME_WORDS = 6
_LEXICON = tuple(sorted({normalize(term) for term in CONDITIONS}, key=lambda t: (-len(t.split()), t)))


def conditions_named(findings: Sequence[str]) -> list[str]:
    """The conditions the findings conclude, in the order they are stated, each once."""
    concluded: list[str] = []
    for finding in findings:
        for clause in _CLAUSE.split(finding):
            if clause.strip() and not is_negated(clause):
                concluded += _conclusions(clause)
    return list(dict.fromkeys(concluded))


def _conclusions(clause: str) -> list[str]:
    names = []
    for match in _CONCLUSION.finditer(clause):
        name = _END.sub("", match.group(1)).strip()
        if name and len(name.split()) <= MAX_NAME_WORDS and looks_like_a_disease(name):
            names.append(name)
    return names


def looks_like_a_disease(name: str) -> bool:
    """A disease word ('syndrome', 'cancer'), a disease suffix ('-itis', '-oma'), or a condition of the lexicon."""
    words = normalize(name).split()
    if any(word in _HEADS or (len(word) > 5 and word.endswith(_SUFFIXES)) for word in words):
        return True
    text = f" {' '.join(words)} "
    return any(f" {term} " in text for term in _LEXICON)


_HEADS = frozenset(
    "disease syndrome disorder infection cancer carcinoma tumour tumor cyst fracture rupture torsion abscess "
    "aneurysm dissection embolism thrombosis infarction haemorrhage hemorrhage stenosis atresia palsy dystrophy "
    "deficiency failure sarcoma lymphoma leukaemia leukemia ulcer hernia".split()
)
_SUFFIXES = ("itis", "osis", "oma", "aemia", "emia", "pathy", "iasis", "ectasis", "plasia", "trophy")
