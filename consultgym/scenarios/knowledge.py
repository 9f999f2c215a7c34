"""The DDXPlus knowledge base as a networkx graph: 49 conditions, 223 evidences and the links between them.

Nodes are condition names ('Pneumonia') and evidence codes ('E_91'). A condition links to each of its evidences
(``relation`` 'symptom' or 'antecedent'); a follow-up question links from its parent question (``relation``
'follow_up', e.g. E_53 'pain?' -> E_56 'how intense?'). Evidence nodes carry the DDXPlus fields (``question_en``,
``data_type`` B/C/M, English ``values``, ``is_antecedent``) and consultgym's wording of the evidence (``phrasing``,
from data/ddxplus/phrasing.yaml). The data ships with the package under CC BY 4.0 (data/ddxplus/ATTRIBUTION.md).

The public release has no probabilities on condition-evidence links, so every measure here is set-based:
differentials share evidence (a weighted Jaccard index), discriminating evidences are present for a condition and
absent for its differentials, and `score_conditions` uses a fixed noisy-presence model.

Example:
    >>> kb = load_knowledge()
    >>> len(kb.conditions()), len(kb.evidences())
    (49, 223)
    >>> "Bronchitis" in kb.differentials("Pneumonia", k=5)
    True
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import networkx as nx
import yaml

from consultgym.errors import ScenarioError

DATA_DIR = Path(__file__).parent / "data" / "ddxplus"
CITATION = (
    'Fansi Tchango A., Goel R., Wen Z., Martel J., Ghosn J. "DDXPlus: A New Dataset For Automatic Medical '
    'Diagnosis". NeurIPS 2022 Datasets and Benchmarks. Data: figshare, doi 10.6084/m9.figshare.22687585'
)
LICENSE = "CC-BY-4.0"

# The release spells one pathology wrongly; the display name fixes it and the release spelling stays a synonym.
DISPLAY_NAMES = {"Larygospasm": "Laryngospasm"}

# Other names accepted for a condition (lookup, and the judge's diagnosis match). Deliberately specific: a bare word
# such as 'asthma' or 'cold' would make a patient's own history ('I have asthma') count as naming the diagnosis.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "Spontaneous pneumothorax": ("pneumothorax", "primary spontaneous pneumothorax", "collapsed lung"),
    "Cluster headache": ("cluster headaches", "cluster headache syndrome"),
    "Boerhaave": (
        "Boerhaave syndrome",
        "oesophageal rupture",
        "esophageal rupture",
        "spontaneous oesophageal perforation",
    ),
    "Spontaneous rib fracture": ("rib fracture", "broken rib", "fractured rib", "cough fracture"),
    "GERD": (
        "gastroesophageal reflux disease",
        "gastro-oesophageal reflux disease",
        "GORD",
        "acid reflux",
        "reflux disease",
    ),
    "HIV (initial infection)": (
        "acute HIV infection",
        "primary HIV infection",
        "acute HIV",
        "acute retroviral syndrome",
        "HIV seroconversion",
    ),
    "Anemia": ("anaemia",),
    "Viral pharyngitis": ("pharyngitis", "acute viral pharyngitis"),
    "Inguinal hernia": ("groin hernia", "indirect inguinal hernia", "direct inguinal hernia"),
    "Myasthenia gravis": ("myasthenia",),
    "Whooping cough": ("pertussis",),
    "Anaphylaxis": ("anaphylactic shock", "anaphylactic reaction", "severe allergic reaction"),
    "Epiglottitis": ("acute epiglottitis", "supraglottitis"),
    "Guillain-Barré syndrome": ("Guillain-Barre syndrome", "GBS", "acute inflammatory demyelinating polyneuropathy"),
    "Acute laryngitis": ("laryngitis",),
    "Croup": ("laryngotracheobronchitis", "viral croup"),
    "PSVT": ("paroxysmal supraventricular tachycardia", "supraventricular tachycardia", "SVT"),
    "Atrial fibrillation": ("AF", "AFib", "paroxysmal atrial fibrillation"),
    "Bronchiectasis": ("non-cystic fibrosis bronchiectasis",),
    "Allergic sinusitis": ("allergic rhinitis", "hay fever", "allergic rhinosinusitis", "seasonal allergic rhinitis"),
    "Chagas": ("Chagas disease", "American trypanosomiasis", "Trypanosoma cruzi infection"),
    "Scombroid food poisoning": ("scombroid poisoning", "scombroid", "histamine fish poisoning"),
    "Myocarditis": ("viral myocarditis", "acute myocarditis"),
    "Larygospasm": ("Larygospasm", "laryngeal spasm"),
    "Acute dystonic reactions": ("acute dystonic reaction", "acute dystonia", "dystonic reaction", "oculogyric crisis"),
    "Localized edema": ("localised oedema", "localized oedema", "peripheral oedema", "peripheral edema"),
    "SLE": ("systemic lupus erythematosus", "lupus"),
    "Tuberculosis": ("TB", "pulmonary tuberculosis"),
    "Unstable angina": ("unstable angina pectoris", "crescendo angina"),
    "Stable angina": ("stable angina pectoris", "angina pectoris", "exertional angina", "chronic stable angina"),
    "Ebola": ("Ebola virus disease", "EVD", "Ebola haemorrhagic fever", "Ebola hemorrhagic fever"),
    "Acute otitis media": ("otitis media", "middle ear infection", "ear infection", "AOM"),
    "Panic attack": ("panic disorder", "anxiety attack"),
    "Bronchospasm / acute asthma exacerbation": (
        "asthma exacerbation",
        "acute asthma",
        "asthma attack",
        "bronchospasm",
        "acute exacerbation of asthma",
    ),
    "Bronchitis": ("acute bronchitis",),
    "Acute COPD exacerbation / infection": (
        "COPD exacerbation",
        "acute exacerbation of COPD",
        "AECOPD",
        "infective exacerbation of COPD",
    ),
    "Pulmonary embolism": ("PE", "pulmonary thromboembolism"),
    "URTI": ("upper respiratory tract infection", "upper respiratory infection", "common cold", "head cold"),
    "Influenza": ("flu", "influenza infection"),
    "Pneumonia": ("community-acquired pneumonia", "lobar pneumonia", "bronchopneumonia"),
    "Acute rhinosinusitis": ("acute sinusitis", "sinusitis", "sinus infection", "acute bacterial rhinosinusitis"),
    "Chronic rhinosinusitis": ("chronic sinusitis",),
    "Bronchiolitis": ("viral bronchiolitis", "RSV bronchiolitis"),
    "Pulmonary neoplasm": (
        "lung cancer",
        "lung carcinoma",
        "bronchogenic carcinoma",
        "lung tumour",
        "lung tumor",
        "lung neoplasm",
    ),
    "Possible NSTEMI / STEMI": (
        "NSTEMI",
        "STEMI",
        "myocardial infarction",
        "acute myocardial infarction",
        "heart attack",
        "MI",
    ),
    "Sarcoidosis": ("sarcoid",),
    "Pancreatic neoplasm": (
        "pancreatic cancer",
        "pancreatic carcinoma",
        "pancreatic adenocarcinoma",
        "cancer of the pancreas",
        "pancreatic tumour",
    ),
    "Acute pulmonary edema": (
        "acute pulmonary oedema",
        "pulmonary oedema",
        "pulmonary edema",
        "cardiogenic pulmonary oedema",
        "flash pulmonary oedema",
    ),
    "Pericarditis": ("acute pericarditis",),
}

# In `similarity`, a shared symptom counts twice as much as a shared antecedent (risk factor).
SYMPTOM_WEIGHT = 2.0

# A patient who has a condition reports each of its evidences with this probability; one who does not, rarely.
P_REPORTED_IF_LINKED = 0.7
P_REPORTED_IF_UNLINKED = 0.03


@dataclass(frozen=True)
class Condition:
    """One DDXPlus pathology."""

    name: str
    display_name: str
    icd10: str
    severity: int
    symptoms: frozenset[str]
    antecedents: frozenset[str]
    synonyms: tuple[str, ...]

    @property
    def evidences(self) -> frozenset[str]:
        return self.symptoms | self.antecedents

    @property
    def names(self) -> list[str]:
        """Display name, release name and synonyms, without duplicates."""
        return list(dict.fromkeys([self.display_name, self.name, *self.synonyms]))


@dataclass(frozen=True)
class Evidence:
    """One DDXPlus evidence (a question a clinician asks) with consultgym's wording of it."""

    code: str
    question_en: str
    data_type: str  # B yes/no, C one value (possibly a 0-10 scale), M several values
    is_antecedent: bool
    values: Mapping[str, str]  # value code -> English meaning; empty for B and for numeric scales
    default_value: Any
    possible_values: tuple[Any, ...]
    parent: str | None  # the question this one follows up, when it exists in the release
    phrasing: Mapping[str, Any]

    @property
    def fact_id(self) -> str:
        return str(self.phrasing["id"])

    @property
    def label(self) -> str:
        return str(self.phrasing["label"])

    @property
    def category(self) -> str:
        return str(self.phrasing["cat"])

    @property
    def keywords(self) -> list[str]:
        return [str(k) for k in self.phrasing["kw"]]

    @property
    def question(self) -> str:
        """A natural way to ask it (consultgym's wording when the release's reads awkwardly)."""
        return str(self.phrasing.get("q") or self.question_en)

    @property
    def is_root(self) -> bool:
        return self.parent is None


class KnowledgeBase:
    """Read-only queries over the DDXPlus graph. Build it with `load_knowledge()` (cached)."""

    def __init__(self, graph: nx.DiGraph) -> None:
        self.graph = graph

    # Lookup ----------------------------------------------------------------------------------------------------

    @cached_property
    def _conditions(self) -> dict[str, Condition]:
        return {n: d["record"] for n, d in self.graph.nodes(data=True) if d["kind"] == "condition"}

    @cached_property
    def _evidences(self) -> dict[str, Evidence]:
        return {n: d["record"] for n, d in self.graph.nodes(data=True) if d["kind"] == "evidence"}

    @cached_property
    def _lookup(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for name, condition in sorted(self._conditions.items()):
            for alias in condition.names:
                table.setdefault(_fold(alias), name)
        return table

    def conditions(self) -> list[str]:
        """The 49 condition names as the release spells them, sorted."""
        return sorted(self._conditions)

    def evidences(self) -> list[str]:
        """The 223 evidence codes, sorted by number."""
        return sorted(self._evidences, key=_code_number)

    def resolve(self, name: str) -> str:
        """The release name of a condition given any of its names, case-insensitively.

        Raises:
            ScenarioError: unknown name; the message suggests the closest names.
        """
        found = self._lookup.get(_fold(name))
        if found is not None:
            return found
        close = difflib.get_close_matches(_fold(name), list(self._lookup), n=6, cutoff=0.6)
        suggestions = list(dict.fromkeys(self._lookup[c] for c in close))[:3]
        hint = f"did you mean {' or '.join(repr(s) for s in suggestions)}? " if suggestions else ""
        raise ScenarioError(
            f"unknown DDXPlus condition {name!r}; {hint}known conditions: {', '.join(self.conditions())}"
        )

    def condition(self, name: str) -> Condition:
        return self._conditions[self.resolve(name)]

    def evidence(self, code: str) -> Evidence:
        try:
            return self._evidences[code]
        except KeyError:
            raise ScenarioError(f"unknown DDXPlus evidence code {code!r} (codes look like 'E_91')") from None

    def evidences_of(self, condition: str) -> list[str]:
        """The condition's evidence codes (symptoms and antecedents), sorted by number."""
        return sorted(self.condition(condition).evidences, key=_code_number)

    def conditions_with(self, code: str) -> list[str]:
        """The conditions linked to an evidence."""
        return sorted(p for p in self.graph.predecessors(code) if self.graph.nodes[p]["kind"] == "condition")

    def follow_ups(self, code: str) -> list[str]:
        """The follow-up questions asked after `code` (e.g. pain location after 'do you have pain?')."""
        return sorted(
            (c for c in self.graph.successors(code) if self.graph.edges[code, c]["relation"] == "follow_up"),
            key=_code_number,
        )

    # Set-based measures ----------------------------------------------------------------------------------------

    @cached_property
    def _universal(self) -> frozenset[str]:
        """Evidences every condition has (travel): they separate nothing."""
        sets = [c.evidences for c in self._conditions.values()]
        return frozenset.intersection(*sets)

    def informative_evidences(self, condition: str) -> frozenset[str]:
        """Top-level evidences of a condition minus those every condition shares.

        Follow-ups are left out because they come with their parent (every painful condition has the six pain
        follow-ups), so counting them would make any two painful conditions look alike.
        """
        return (
            frozenset(code for code in self.condition(condition).evidences if self._evidences[code].is_root)
            - self._universal
        )

    def similarity(self, first: str, second: str) -> float:
        """Weighted Jaccard index of two conditions' informative evidences.

        A shared symptom weighs `SYMPTOM_WEIGHT`, a shared antecedent 1: two conditions that both list smoking as a
        risk factor are less alike than two that both cause a cough.
        """
        a, b = self.informative_evidences(first), self.informative_evidences(second)
        union = sum(self._weight(code) for code in a | b)
        return sum(self._weight(code) for code in a & b) / union if union else 0.0

    def _weight(self, code: str) -> float:
        return 1.0 if self._evidences[code].is_antecedent else SYMPTOM_WEIGHT

    def differentials(self, condition: str, k: int = 5) -> list[str]:
        """The `k` conditions that share the most evidence with `condition` (`similarity`), most similar first."""
        name = self.resolve(condition)
        others = [c for c in self.conditions() if c != name]
        ranked = sorted(others, key=lambda other: (-self.similarity(name, other), other))
        return ranked[:k]

    def discrimination(self, condition: str, code: str, differentials: Iterable[str]) -> float:
        """Share of the differentials that lack an evidence of `condition` (0: all share it, 1: none has it)."""
        others = [self.resolve(d) for d in differentials]
        if not others:
            return 1.0
        return sum(code not in self._conditions[o].evidences for o in others) / len(others)

    def discriminating_evidences(self, condition: str, differentials: Iterable[str] | None = None) -> list[str]:
        """Evidences of `condition` that separate it from `differentials` (default: its top 5), best first.

        An evidence qualifies when at least one differential lacks it. Ranking: the share of differentials lacking
        it, then symptoms before antecedents (what the patient feels before risk factors), then how rare it is over
        all 49 conditions (a rare evidence points more sharply), then code order.
        """
        others = list(differentials) if differentials is not None else self.differentials(condition)
        scored = [
            (self.discrimination(condition, code, others), code) for code in self.informative_evidences(condition)
        ]
        kept = [(score, code) for score, code in scored if score > 0]
        kept.sort(
            key=lambda sc: (
                -sc[0],
                self._evidences[sc[1]].is_antecedent,
                len(self.conditions_with(sc[1])),
                _code_number(sc[1]),
            )
        )
        return [code for _, code in kept]

    # Probabilistic helpers for doctors -------------------------------------------------------------------------

    def score_conditions(
        self, present: Iterable[str] = (), absent: Iterable[str] = (), candidates: Iterable[str] | None = None
    ) -> list[tuple[str, float]]:
        """Posterior over candidate conditions from observed evidences, best first (uniform prior).

        Each condition reports each linked evidence with probability `P_REPORTED_IF_LINKED` and any other with
        `P_REPORTED_IF_UNLINKED`; evidences are independent given the condition (naive Bayes).

        Args:
            present: codes the patient confirmed.
            absent: codes the patient denied.
            candidates: conditions to rank (default: all 49).
        """
        names = [self.resolve(c) for c in candidates] if candidates is not None else self.conditions()
        present, absent = list(present), list(absent)
        log_scores = {name: self._log_likelihood(name, present, absent) for name in names}
        top = max(log_scores.values())
        weights = {name: math.exp(score - top) for name, score in log_scores.items()}
        total = sum(weights.values())
        return sorted(((name, w / total) for name, w in weights.items()), key=lambda nw: (-nw[1], nw[0]))

    def _log_likelihood(self, condition: str, present: list[str], absent: list[str]) -> float:
        linked = self._conditions[condition].evidences
        score = 0.0
        for code in present:
            score += math.log(P_REPORTED_IF_LINKED if code in linked else P_REPORTED_IF_UNLINKED)
        for code in absent:
            score += math.log(1 - P_REPORTED_IF_LINKED if code in linked else 1 - P_REPORTED_IF_UNLINKED)
        return score

    def information_gain(
        self, code: str, candidates: Iterable[str], weights: Mapping[str, float] | None = None
    ) -> float:
        """Expected entropy reduction (bits) over the candidates from asking about `code`.

        The answer splits the candidates into those linked to the evidence (yes) and the rest (no). Without
        `weights` the prior is uniform; with them (e.g. `score_conditions` output) it is their normalised values.
        """
        names = [self.resolve(c) for c in candidates]
        prior = _normalised({n: weights.get(n, 0.0) if weights is not None else 1.0 for n in names})
        yes = {n: p for n, p in prior.items() if code in self._conditions[n].evidences}
        no = {n: p for n, p in prior.items() if n not in yes}
        p_yes = sum(yes.values())
        expected = p_yes * _entropy(_normalised(yes)) + (1 - p_yes) * _entropy(_normalised(no))
        return max(0.0, _entropy(prior) - expected)

    def rank_questions(
        self,
        candidates: Iterable[str],
        asked: Iterable[str] = (),
        weights: Mapping[str, float] | None = None,
        k: int = 5,
    ) -> list[tuple[str, float]]:
        """The `k` top-level evidences not yet asked with the highest information gain over the candidates."""
        names = list(candidates)
        skip = set(asked)
        gains = [
            (code, self.information_gain(code, names, weights))
            for code in self.evidences()
            if code not in skip and self._evidences[code].is_root
        ]
        gains = [(code, gain) for code, gain in gains if gain > 0]
        gains.sort(key=lambda cg: (-cg[1], _code_number(cg[0])))
        return gains[:k]


def _fold(name: str) -> str:
    return " ".join(name.casefold().replace("é", "e").split())


def _code_number(code: str) -> int:
    return int(code.split("_")[1])


def _normalised(weights: Mapping[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    return {k: v / total for k, v in weights.items()} if total > 0 else {}


def _entropy(distribution: Mapping[str, float]) -> float:
    return -sum(p * math.log2(p) for p in distribution.values() if p > 0)


@cache
def load_knowledge() -> KnowledgeBase:
    """The shipped DDXPlus knowledge base, built once per process."""
    return KnowledgeBase(build_graph(DATA_DIR))


def build_graph(data_dir: Path = DATA_DIR) -> nx.DiGraph:
    """Build the condition/evidence graph from the release files and consultgym's phrasing table.

    Raises:
        ScenarioError: a file is missing or malformed, or the phrasing table misses an evidence.
    """
    conditions = _read_json(data_dir / "release_conditions.json")
    evidences = _read_json(data_dir / "release_evidences.json")
    phrasing = _read_phrasing(data_dir / "phrasing.yaml")
    graph = nx.DiGraph()
    for code, raw in evidences.items():
        if code not in phrasing:
            raise ScenarioError(f"{data_dir / 'phrasing.yaml'}: no entry for evidence {code}")
        record = _evidence_record(code, raw, evidences, phrasing[code])
        graph.add_node(
            code,
            kind="evidence",
            record=record,
            question_en=record.question_en,
            data_type=record.data_type,
            values=dict(record.values),
            is_antecedent=record.is_antecedent,
        )
    for code in evidences:
        parent = graph.nodes[code]["record"].parent
        if parent is not None:
            graph.add_edge(parent, code, relation="follow_up")
    for name, raw in conditions.items():
        condition = _condition_record(name, raw)
        graph.add_node(name, kind="condition", record=condition, icd10=condition.icd10, severity=condition.severity)
        for code in raw["symptoms"]:
            graph.add_edge(name, code, relation="symptom")
        for code in raw["antecedents"]:
            graph.add_edge(name, code, relation="antecedent")
    return graph


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read the DDXPlus file ({exc})") from None
    return data


def _read_phrasing(path: Path) -> dict[str, dict[str, Any]]:
    try:
        table: dict[str, dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: cannot read the phrasing table ({exc})") from None
    return table


def _evidence_record(code: str, raw: dict[str, Any], everything: dict[str, Any], phrasing: dict[str, Any]) -> Evidence:
    parent = raw.get("code_question")
    # Five follow-ups name a parent question that the release does not contain: treat them as top-level.
    if parent == code or parent not in everything:
        parent = None
    values = {key: meaning["en"] for key, meaning in raw.get("value_meaning", {}).items()}
    return Evidence(
        code=code,
        question_en=raw["question_en"],
        data_type=raw["data_type"],
        is_antecedent=bool(raw["is_antecedent"]),
        values=values,
        default_value=raw.get("default_value"),
        possible_values=tuple(raw.get("possible-values", [])),
        parent=parent,
        phrasing=phrasing,
    )


def _condition_record(name: str, raw: dict[str, Any]) -> Condition:
    return Condition(
        name=name,
        display_name=DISPLAY_NAMES.get(name, raw.get("cond-name-eng", name)),
        icd10=_icd10(raw.get("icd10-id", "")),
        severity=int(raw.get("severity", 0)),
        symptoms=frozenset(raw.get("symptoms", {})),
        antecedents=frozenset(raw.get("antecedents", {})),
        synonyms=SYNONYMS.get(name, ()),
    )


def _icd10(code: str) -> str:
    """ICD-10 codes in upper case ('j17, j18' -> 'J17, J18'; 'g44.009' -> 'G44.009')."""
    return ", ".join(part.strip().upper() for part in code.split(",") if part.strip())


# Module-level shortcuts over the shipped knowledge base.


def conditions() -> list[str]:
    """The 49 DDXPlus condition names."""
    return load_knowledge().conditions()


def evidences_of(condition: str) -> list[str]:
    """Evidence codes of a condition (any of its names, case-insensitive)."""
    return load_knowledge().evidences_of(condition)


def differentials(condition: str, k: int = 5) -> list[str]:
    """The `k` conditions sharing the most evidence with `condition`."""
    return load_knowledge().differentials(condition, k)


def discriminating_evidences(condition: str, differentials: Iterable[str] | None = None) -> list[str]:
    """Evidences that separate `condition` from `differentials`, best first."""
    return load_knowledge().discriminating_evidences(condition, differentials)


def score_conditions(
    present: Iterable[str] = (), absent: Iterable[str] = (), candidates: Iterable[str] | None = None
) -> list[tuple[str, float]]:
    """Posterior over conditions from confirmed and denied evidences (see `KnowledgeBase.score_conditions`)."""
    return load_knowledge().score_conditions(present, absent, candidates)


def information_gain(code: str, candidates: Iterable[str], weights: Mapping[str, float] | None = None) -> float:
    """Expected information gain (bits) of asking about `code` over the candidates."""
    return load_knowledge().information_gain(code, candidates, weights)
