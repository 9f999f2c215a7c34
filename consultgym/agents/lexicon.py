"""Clinical vocabulary the offline guardian looks for in a patient's reply.

A term from these lists in an affirmative clause of a reply must be supported by the scenario's facts, opening or
persona; otherwise the guardian flags it as unsupported. The lists favour terms a hallucinating patient model is likely
to invent (symptoms, drugs, diagnoses, relatives, time units), not completeness.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from consultgym.text import normalize, stem, stems


def _terms(block: str) -> frozenset[str]:
    return frozenset(term.strip() for term in block.replace("\n", ",").split(",") if term.strip())


SYMPTOMS = _terms("""
pain, ache, aching, headache, migraine, chest pain, tightness, pressure, cramp, cramping, burning, stabbing, throbbing,
fever, temperature, chills, shivers, rigors, sweats, sweating, night sweats, fatigue, tired, tiredness, exhausted,
weakness, weak, dizziness, dizzy, lightheaded, faint, fainted, fainting, blackout, passed out, vertigo,
nausea, nauseous, vomiting, vomit, threw up, throwing up, diarrhoea, diarrhea, constipation, constipated, bloating,
bloated, heartburn, indigestion, blood in my stool, black stool, blood in my urine, jaundice, itching, itchy, rash,
hives, blisters, swelling, swollen, lump, bruising, bleeding, nosebleed, cough, coughing, coughing up blood, phlegm,
sputum, wheeze, wheezing, shortness of breath, short of breath, breathless, breathlessness, palpitations, racing heart,
pounding heart, numbness, numb, tingling, pins and needles, seizure, fit, confusion, confused, blurred vision,
double vision, loss of vision, hearing loss, ringing, sore throat, runny nose, congestion, earache, stiff neck,
back pain, joint pain, stiffness, limp, weight loss, weight gain, lost weight, appetite, thirst, thirsty, frequent
urination, burning when i pee, incontinence, discharge, anxiety, anxious, depressed, low mood, insomnia,
hallucinations, tremor, shaking, photophobia, light hurts my eyes, sensitivity to light
""")

DRUGS = _terms("""
medication, medicine, tablets, pills, prescription, aspirin, paracetamol, acetaminophen, tylenol, ibuprofen, advil,
naproxen, diclofenac, codeine, tramadol, morphine, oxycodone, fentanyl, metformin, insulin, gliclazide, sitagliptin,
empagliflozin, lisinopril, ramipril, enalapril, losartan, candesartan, amlodipine, nifedipine, bisoprolol, atenolol,
metoprolol, propranolol, carvedilol, furosemide, bendroflumethiazide, hydrochlorothiazide, spironolactone,
atorvastatin, simvastatin, rosuvastatin, statin, warfarin, apixaban, rivaroxaban, dabigatran, heparin, clopidogrel,
digoxin, amiodarone, nitroglycerin, gtn, levothyroxine, thyroxine, carbimazole, prednisolone, prednisone,
hydrocortisone, steroids, steroid, salbutamol, albuterol, ventolin, inhaler, beclometasone, fluticasone, tiotropium,
montelukast, amoxicillin, penicillin, co-amoxiclav, augmentin, flucloxacillin, doxycycline, clarithromycin,
azithromycin, erythromycin, ciprofloxacin, trimethoprim, nitrofurantoin, cephalexin, ceftriaxone, metronidazole,
antibiotics, antibiotic, omeprazole, lansoprazole, ranitidine, antacid, gaviscon, sertraline, fluoxetine, citalopram,
escitalopram, amitriptyline, venlafaxine, mirtazapine, antidepressant, antidepressants, diazepam, lorazepam,
zopiclone, sleeping pills, sumatriptan, triptan, gabapentin, pregabalin, allopurinol, colchicine, methotrexate,
hydroxychloroquine, the pill, contraceptive pill, oral contraceptive, hrt, iron tablets, ferrous sulfate, vitamin d,
folic acid, antihistamine, cetirizine, loratadine, epipen, lithium, sodium valproate, lamotrigine, levetiracetam,
carbamazepine, phenytoin, tamsulosin, finasteride, sildenafil, viagra, cocaine, heroin, cannabis, marijuana,
ecstasy, amphetamine, methamphetamine
""")

CONDITIONS = _terms("""
diabetes, diabetic, high blood pressure, hypertension, high cholesterol, heart attack, heart disease, heart failure,
angina, stroke, mini stroke, tia, atrial fibrillation, asthma, copd, emphysema, bronchitis, pneumonia, tuberculosis,
cancer, tumour, tumor, leukaemia, leukemia, lymphoma, epilepsy, migraines, dementia, alzheimer, parkinson, multiple
sclerosis, depression, anxiety disorder, bipolar, schizophrenia, arthritis, rheumatoid arthritis, osteoarthritis,
gout, lupus, osteoporosis, kidney disease, kidney stones, kidney failure, liver disease, cirrhosis, hepatitis, hiv,
thyroid problem, underactive thyroid, overactive thyroid, hypothyroidism, hyperthyroidism, anaemia, anemia,
blood clot, dvt, pulmonary embolism, ulcer, gallstones, appendicitis, pancreatitis, crohn, colitis, ibs, coeliac,
celiac, eczema, psoriasis, shingles, chickenpox, measles, covid, flu, influenza, sepsis, meningitis, infection,
allergy, allergic, surgery, operation, hysterectomy, appendectomy, bypass, stent, pacemaker, transplant,
pregnant, pregnancy, miscarriage
""")

RELATIVES = _terms("""
mother, mum, mom, father, dad, brother, sister, son, daughter, grandmother, grandfather, grandma, grandpa, aunt,
uncle, cousin, twin, wife, husband, partner, parents, siblings
""")

# Lay and formal words for the same thing: a fact that says 'father' supports a reply that says 'dad'.
ALIASES: dict[str, list[str]] = {
    "father": ["dad", "daddy"],
    "mother": ["mum", "mom", "mummy"],
    "grandmother": ["grandma", "nan", "granny"],
    "grandfather": ["grandpa", "grandad"],
    "parents": ["mum and dad"],
    "diarrhoea": ["diarrhea", "loose stools"],
    "vomiting": ["throwing up", "threw up", "vomit"],
    "nausea": ["nauseous", "sick to my stomach"],
    "paracetamol": ["acetaminophen", "tylenol"],
    "hypertension": ["high blood pressure"],
    "high blood pressure": ["hypertension", "blood pressure"],
    "breathless": ["short of breath"],
    "short of breath": ["breathless", "breathlessness"],
    "sweating": ["sweats", "sweaty", "clammy"],
    "tired": ["tiredness", "fatigue", "exhausted"],
    "fatigue": ["tired", "tiredness"],
}

TIME_UNITS = _terms("minute, minutes, hour, hours, day, days, week, weeks, month, months, year, years")

CLINICAL_TERMS: frozenset[str] = SYMPTOMS | DRUGS | CONDITIONS | RELATIVES | TIME_UNITS


def _index_by_first_stem(terms: frozenset[str]) -> dict[str, list[tuple[str, ...]]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for term in terms:
        words = tuple(stems(term))
        if words:
            index.setdefault(words[0], []).append(words)
    for phrases in index.values():
        phrases.sort(key=len, reverse=True)  # longest match first: 'chest pain' before 'chest'
    return index


TERM_INDEX = _index_by_first_stem(CLINICAL_TERMS)

# Illnesses by name. A reply or a question that names one is about a diagnosis, so the tiered guardian's model looks
# at it (`consultgym.agents.guardian.escalation`) and the offline guardian wants a fact behind it.
_NOT_ILLNESSES = frozenset(
    "allergy allergic surgery operation hysterectomy appendectomy bypass stent pacemaker transplant pregnant pregnancy "
    "miscarriage".split()
)
ILLNESS_WORDS = _terms("""
disease, syndrome, disorder, infection, cancer, tumour, tumor, carcinoma, neoplasm, deficiency, insufficiency, failure,
sepsis, virus, abscess, hernia, fracture, embolism, thrombosis, aneurysm, angina, asthma, croup, gerd, copd, mi,
stemi, nstemi, pe, dvt, uti, urti, sle, psvt, hiv, aids, tb, flu, covid, measles, mumps, ebola, chagas, lupus
""")
# Greek and Latin endings that name an illness: appendicitis, tuberculosis, anaemia, lymphoma, neuropathy ...
_ILLNESS_ENDING = re.compile(
    r"[a-z]{3}(?:itis|itides|osis|oses|aemia|emia|oma|omas|pathy|plasia|trophy|penia|iasis|ectasis|megaly|spasm)$"
)
_NOT_ILLNESS_WORDS = frozenset(
    "diagnosis prognosis academia diploma empathy sympathy telepathy apathy hypnosis osmosis".split()
)
_DDXPLUS_CONDITIONS = Path(__file__).resolve().parents[1] / "scenarios" / "data" / "ddxplus" / "release_conditions.json"


@cache
def ddxplus_conditions() -> dict[str, dict]:
    """The DDXPlus conditions file (names in English and French, ICD-10, evidences), or {} when it is missing."""
    try:
        return json.loads(_DDXPLUS_CONDITIONS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # an install without the knowledge base still has the lexicon and the endings


@cache
def _illness_index() -> dict[str, list[tuple[str, ...]]]:
    # The DDXPlus conditions ('Possible NSTEMI / STEMI', 'HIV (initial infection)') split into their names.
    names = set(CONDITIONS - _NOT_ILLNESSES) | ILLNESS_WORDS
    for condition in ddxplus_conditions().values():
        for part in re.split(r"[/()]", condition.get("cond-name-eng", "")):
            name = normalize(part).removeprefix("possible ").strip()
            if name:
                names.add(name)
    return _index_by_first_stem(frozenset(names))


def illness_terms(text: str) -> list[str]:
    """The illnesses a text names, as space-joined stems: lexicon conditions, DDXPlus conditions, and words with an
    illness's ending ('costochondritis'). Longest match first at each position.

    >>> illness_terms("Was it costochondritis, or a chest infection, or pulmonary embolism?")
    ['costochondriti', 'infection', 'pulmonary embolism']
    """
    raw = normalize(text).split()
    words = [stem(word) for word in raw]
    index = _illness_index()
    found, i = [], 0
    while i < len(words):
        phrase = next((p for p in index.get(words[i], ()) if tuple(words[i : i + len(p)]) == p), None)
        if phrase is not None:
            found.append(" ".join(phrase))
            i += len(phrase)
            continue
        if _ILLNESS_ENDING.search(raw[i]) and raw[i] not in _NOT_ILLNESS_WORDS:
            found.append(words[i])
        i += 1
    return found


NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "couple": 2,
    "three": 3,
    "few": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "hundred": 100,
    "half": 0.5,
}
