"""LLM drafting against the loopback server: staged calls, rejected drafts with their reasons, an accepted draft."""

from __future__ import annotations

import json

import pytest

from consultgym.authoring.gold import gold_check
from consultgym.cli import main
from consultgym.scenarios.loader import load_scenario


def stage_replies(scenario, facts_sequence):
    """Replies by schema: the overview and patient from the fixture, facts from `facts_sequence` in turn."""
    overview = {
        "name": scenario.diagnosis.name,
        "icd10": scenario.diagnosis.icd10,
        "synonyms": scenario.diagnosis.synonyms,
        "differentials": scenario.diagnosis.differentials,
        "presentation": "Central crushing chest pain.",
        "key_history": ["onset"],
        "exam_findings": ["sweaty"],
        "tests": ["ECG"],
    }
    patient = {
        "age": 58,
        "sex": "male",
        "persona": scenario.patient.persona,
        "style": "plain",
        "opening": scenario.opening,
        "specialty": "cardiology",
    }
    items = {
        "items": [
            {"id": i.id, "ask": i.ask, "priority": i.priority.value, "facts": i.facts, "examples": i.examples}
            for i in scenario.must_ask
        ]
    }
    pending = list(facts_sequence)

    def reply(body):
        name = body["response_format"]["json_schema"]["name"]
        if name == "DraftFacts":
            return json.dumps(pending.pop(0) if len(pending) > 1 else pending[0])
        return json.dumps({"DiseaseOverview": overview, "PatientRecord": patient, "DraftItems": items}[name])

    return reply


def fixture_facts(scenario, leak=False):
    facts = [
        {
            "id": f.id,
            "category": f.category.value,
            "text": f.text,
            "say": f.say,
            "present": f.present,
            "keywords": f.keywords,
        }
        for f in scenario.facts
    ]
    if leak:  # a history fact that names the diagnosis: validation must reject the draft
        facts[0]["say"] = "I think it is a STEMI, it started 2 hours ago."
    return {"facts": facts}


def draft(tmp_path, fake_openai, capsys, *extra):
    out = tmp_path / "drafts"
    out.mkdir()
    code = main(
        [
            "scenario",
            "draft",
            "--diagnosis",
            "inferior STEMI",
            "--model",
            "m",
            "--base-url",
            fake_openai.base_url,
            "--out",
            str(out),
            *extra,
        ]
    )
    return code, out, capsys.readouterr().err


def test_rejected_then_accepted(tmp_path, fake_openai, capsys, chest_scenario):
    fake_openai.script(
        stage_replies(chest_scenario, [fixture_facts(chest_scenario, leak=True), fixture_facts(chest_scenario)])
    )
    code, out, err = draft(tmp_path, fake_openai, capsys)
    assert code == 0, err
    assert "draft 1 rejected" in err and "names the diagnosis" in err
    written = list(out.glob("*.yaml"))
    assert len(written) == 1
    scenario = load_scenario(written[0])
    assert gold_check(scenario) == [] and scenario.source.dataset == "llm-draft"
    stages = [r.body["response_format"]["json_schema"]["name"] for r in fake_openai.chat_requests]
    assert stages == ["DiseaseOverview", "PatientRecord", "DraftFacts", "DraftItems", "DraftFacts", "DraftItems"]
    assert "names the diagnosis" in fake_openai.chat_requests[4].text  # the reasons go back to the model


def test_gives_up_after_the_bound(tmp_path, fake_openai, capsys, chest_scenario):
    broken = fixture_facts(chest_scenario)
    for fact in broken["facts"]:
        fact["keywords"] = []  # nothing reachable: the gold check fails
    fake_openai.script(stage_replies(chest_scenario, [broken]))
    code, out, err = draft(tmp_path, fake_openai, capsys, "--attempts", "2")
    assert code == 1 and list(out.glob("*.yaml")) == []
    assert err.count("rejected:") == 2 and "does not reveal" in err
    assert "no draft passed" in err


def test_unreachable_model_is_one_line(tmp_path, capsys):
    from consultgym.testing.fake_openai import unused_base_url

    code = main(["scenario", "draft", "--diagnosis", "x", "--model", "m", "--base-url", unused_base_url()])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("attempts", ["0"])
def test_bad_attempts(attempts, capsys):
    assert (
        main(
            [
                "scenario",
                "draft",
                "--diagnosis",
                "x",
                "--model",
                "m",
                "--base-url",
                "http://127.0.0.1:9/v1",
                "--attempts",
                attempts,
            ]
        )
        == 1
    )
    assert "--attempts must be at least 1" in capsys.readouterr().err
