"""The report shows what went wrong with the LLMs: failures per role and kind, guardian fallbacks, unscored episodes.

A run where 19 of 21 guardian verdicts fell back to the offline check and every judge call failed once looked clean
(flag rate 0.083, emitted 0.0, "diagnosis accuracy 0.000"): these tests pin what the report must say instead.
"""

from __future__ import annotations

import json

from consultgym.cli import main
from consultgym.records import Episode, ItemResult, Judgement, Turn, Usage, Verdict
from consultgym.report import format_report, summarize

CUT = "reply cut at max_tokens"
JUDGE_ERROR = (
    "judge LLM backend (model 'smollm2' at http://127.0.0.1:40123/v1): the structured reply was cut at "
    "max_tokens=2048 before its JSON closed; raise the role's max_tokens"
)


def turn(index: int, source: str) -> Turn:
    return Turn(
        index=index,
        doctor="Any fever?",
        kind="ask",
        drafts=["No."],
        verdicts=[Verdict(ok=True, source=source)],
        reply="No.",
        usage={
            "guardian": Usage(calls=1, errors=int("failed" in source), failures={CUT: 1} if "failed" in source else {})
        },
    )


def unscored_episode(index: int, sources: list[str]) -> Episode:
    turns = [turn(i, source) for i, source in enumerate(sources)]
    usage = {"guardian": Usage(), "judge": Usage(calls=1, errors=1, failures={CUT: 1})}
    for t in turns:
        usage["guardian"] = usage["guardian"].add(t.usage["guardian"])
    judgement = Judgement(items=[ItemResult(id="x", covered=False, scored=False)], scored=False, error=JUDGE_ERROR)
    return Episode(index=index, scenario_id="s", seed=index, turns=turns, judgement=judgement, usage=usage)


def test_an_unscored_run_has_no_accuracy_and_says_why():
    episodes = [
        unscored_episode(0, ["llm-failed:offline", "llm", "llm-failed:offline"]),
        unscored_episode(1, ["tiered:offline", "tiered:llm-failed:offline"]),
    ]
    summary = summarize(episodes)
    assert summary["unscored"] == 2 and summary["diagnosis_accuracy"] is None
    assert (summary["guardian_fallbacks"], summary["guardian_llm_verdicts"]) == (3, 4)
    assert summary["guardian_fallback_rate"] == 0.75
    assert summary["llm_by_role"]["guardian"] == {"calls": 5, "tokens": 0, "errors": 3, "failures": {CUT: 3}}
    assert summary["llm_by_role"]["judge"]["failures"] == {CUT: 2}
    [(reason, count)] = summary["unscored_reasons"].items()
    assert count == 2 and reason.startswith("judge: the structured reply was cut at max_tokens=N")
    text = format_report(summary)
    assert "0.000" not in text.split("diagnosis accuracy")[1].splitlines()[0]
    assert "diagnosis accuracy  n/a" in text and "coverage            n/a" in text
    assert "guardian fallbacks  0.750  (3 of 4 model verdicts failed" in text
    assert f"guardian: 3 of 5 calls failed ({CUT} 3)" in text
    assert f"judge: 2 of 2 calls failed ({CUT} 2)" in text
    assert "unscored (x2)       judge: the structured reply was cut" in text
    json.dumps(summary)  # the --json report stays JSON


def test_a_clean_offline_run_prints_no_failure_lines(tmp_path, capsys):
    out = tmp_path / "run.jsonl"
    assert main(["run", "--scenarios", "starter", "--episodes", "2", "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    text = capsys.readouterr().out
    assert "LLM errors" not in text and "guardian fallbacks" not in text and "n/a" not in text
    assert main(["report", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["guardian_fallback_rate"] is None and summary["diagnosis_accuracy"] is not None
