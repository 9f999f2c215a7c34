"""Agreement statistics against hand computations, and the offline-vs-offline sanity check."""

from __future__ import annotations

from pathlib import Path

import pytest

from consultgym.agreement import cohen_kappa, compare, macro_f1
from consultgym.records import ItemResult, Judgement


def test_kappa_hand_computed():
    a = [True, True, False, False, True, False]
    b = [True, False, False, False, True, True]
    # observed 4/6; pa = pb = 1/2 -> expected 1/2; kappa = (2/3 - 1/2) / (1/2) = 1/3
    assert cohen_kappa(a, b) == pytest.approx(1 / 3)
    assert cohen_kappa([True] * 4, [True] * 4) == 1.0
    assert cohen_kappa(a, a) == pytest.approx(1.0)


def test_macro_f1_hand_computed():
    reference = [True, True, False, False]
    predicted = [True, False, False, True]
    # covered: tp 1 fp 1 fn 1 -> 0.5; not covered: tp 1 fp 1 fn 1 -> 0.5
    assert macro_f1(reference, predicted) == pytest.approx(0.5)
    assert macro_f1(reference, reference) == 1.0


def judgement(covered, scored=True, diagnosis=False):
    items = [ItemResult(id=f"i{n}", covered=c) for n, c in enumerate(covered)]
    return Judgement(items=items, coverage=sum(covered) / len(covered), scored=scored, diagnosis_correct=diagnosis)


def test_compare_skips_unscored():
    first = [judgement([True, False]), judgement([True, True])]
    second = [judgement([True, True]), judgement([False, False], scored=False)]
    result = compare(first, second)
    assert result["items"] == 2 and result["items_skipped"] == 2
    assert result["agreement"] == 0.5
    assert result["coverage_mean"] == [0.75, 1.0]


def test_agreement_command_against_an_llm_judge(tmp_path, capsys, fake_openai):
    """offline vs an LLM judge that grades every item from the transcript truthfully: full agreement."""
    import json as jsonlib

    from consultgym.agents.judge.offline import score
    from consultgym.cli import main
    from consultgym.scenarios.loader import load_scenario

    fixture = str(Path(__file__).parent / "fixtures" / "chest_pain.yaml")
    scenario = load_scenario(fixture)
    out = tmp_path / "run.jsonl"
    assert main(["run", "--scenarios", fixture, "--episodes", "2", "--out", str(out), "--quiet"]) == 0

    def grade(body):  # mirror the offline judge, quoting the evidence it found
        turns = [
            line.split(": ", 1)[1] for line in body["messages"][-1]["content"].splitlines() if line.startswith("Turn ")
        ]
        offline = score(scenario, turns, None)
        items = [
            {"id": i.id, "covered": i.covered, "turn": (i.turn + 1) if i.covered else None, "quote": i.evidence}
            for i in offline.items
        ]
        return jsonlib.dumps({"items": items, "diagnosis": {"correct": False, "reason": "x"}})

    fake_openai.script(grade)
    capsys.readouterr()
    code = main(
        [
            "agreement",
            str(out),
            "--judges",
            "offline,llm",
            "--scenarios",
            fixture,
            "--judge-model",
            "m",
            "--judge-base-url",
            fake_openai.base_url,
            "--json",
        ]
    )
    assert code == 0
    result = jsonlib.loads(capsys.readouterr().out)
    assert result["episodes"] == 2 and result["items"] == 2 * len(scenario.must_ask)
    assert result["agreement"] >= 0.9, result  # the LLM judge mirrors the offline one
