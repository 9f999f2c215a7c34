"""The labelled sample of real patient drafts (SmolLM2-135M) is well-formed, and the offline guardian's agreement with
it is the one docs/security.md states (the tiered and llm figures need the model: benchmarks/real_llm_validity.py).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from consultgym.agents.guardian.offline import OfflineGuardian
from consultgym.errors import RecordError
from consultgym.scenarios.loader import load_library
from consultgym.testing.labelled_drafts import KINDS, agreement, load_labelled

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "fixtures" / "real_llm_drafts.jsonl"
DOCS = ROOT / "docs" / "security.md"


@pytest.fixture(scope="module")
def drafts():
    return load_labelled(SAMPLE)


@pytest.fixture(scope="module")
def starter():
    return {scenario.id: scenario for scenario in load_library("starter")}


def test_the_sample_holds_at_least_100_real_drafts_with_labels_on_their_own_words(drafts, starter):
    assert len(drafts) >= 100
    assert len({d.id for d in drafts}) == len(drafts)
    assert {d.scenario_id for d in drafts} <= set(starter)
    kinds = Counter(label.kind for d in drafts for label in d.labels)
    assert set(kinds) <= set(KINDS) and {"unsupported", "contradicts", "non_answer", "role_break"} <= set(kinds)
    assert any(d.supported for d in drafts) and any(not d.supported for d in drafts)
    for d in drafts:
        assert all(label.span in d.draft and label.note for label in d.labels), d.id
        d.context(starter)  # the doctor's turn parses and the scenario exists


def test_a_span_that_is_not_in_its_draft_is_refused(tmp_path, drafts):
    line = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[0])
    line["labels"] = [{"kind": "unsupported", "span": "words the patient never said", "note": "x"}]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(RecordError, match=r"bad\.jsonl:1: .*not in the draft"):
        load_labelled(bad)


def test_the_offline_guardian_agrees_with_the_labels_as_the_docs_say(drafts, starter):
    guardian = OfflineGuardian()
    verdicts = [guardian.verdict(d.draft, starter[d.scenario_id], d.context(starter)) for d in drafts]
    result = agreement(drafts, verdicts)
    row = re.search(r"^\| offline \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|", DOCS.read_text(), re.MULTILINE)
    assert row, "docs/security.md has no offline row in the guardian accuracy table"
    stated = [float(value) for value in row.groups()]
    measured = [result.precision, result.recall, result.span_precision, result.span_recall]
    assert measured == pytest.approx(stated, abs=0.0006), measured
