"""Builders for the app tests: episodes made from records.Episode (not from the runner) and run files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from consultgym.envs.session import ENDED
from consultgym.records import Episode, GuardianIssue, ItemResult, Judgement, Turn, Usage, Verdict

FIXTURES = Path(__file__).parents[1] / "fixtures"
SCENARIO_ID = "fixture-chest-pain"  # tests/fixtures/chest_pain.yaml, copied under ./scenarios of each test
XSS = "<script>alert(1)</script> and **x**"
REJECTED_DRAFT = "It goes down my left arm. I think it's a heart attack."
EMITTED_REPLY = "It goes down my left arm and up into my jaw."


def ask(index: int, doctor: str, reply: str, coverage: float, facts: Sequence[str] = ()) -> Turn:
    return Turn(
        index=index, doctor=doctor, kind="ask", drafts=[reply], verdicts=[Verdict(ok=True)], reply=reply,
        facts_revealed=list(facts), coverage=coverage,
    )  # fmt: skip


def flagged(index: int, coverage: float) -> Turn:
    """A turn whose first draft leaked the diagnosis and whose second passed."""
    leak = GuardianIssue(kind="leak", text="heart attack", detail="names the diagnosis")
    return Turn(
        index=index, doctor="Does the pain spread anywhere?", kind="ask",
        drafts=[REJECTED_DRAFT, EMITTED_REPLY],
        verdicts=[Verdict(ok=False, issues=[leak], source="offline"), Verdict(ok=True)],
        reply=EMITTED_REPLY, facts_revealed=["radiation"], coverage=coverage,
        usage={"patient": Usage(calls=2, prompt_tokens=300, completion_tokens=40)},
    )  # fmt: skip


def fallback_with_issue(index: int, coverage: float) -> Turn:
    """A turn whose every draft was rejected and whose fact-only fallback repeats the first rejected draft (what the
    offline patient did before its fallback was checked): the reply still names the diagnosis."""
    leak = GuardianIssue(kind="leak", text="heart attack", detail="names the diagnosis")
    rejected = Verdict(ok=False, issues=[leak], source="offline")
    return Turn(
        index=index, doctor="Does the pain spread anywhere?", kind="ask", drafts=[REJECTED_DRAFT, REJECTED_DRAFT],
        verdicts=[rejected, rejected], reply=REJECTED_DRAFT, fallback=True, facts_revealed=["radiation"],
        coverage=coverage,
    )  # fmt: skip


def make_episode(
    index: int = 0,
    scenario_id: str = SCENARIO_ID,
    seed: int = 0,
    reward: float = 0.5,
    *,
    error: str = "",
    doctor_text: str = "When did the pain start?",
    fallback: bool = False,
    doctor: str = "scripted",
) -> Episode:
    """Three doctor turns: a question, a flagged question, a diagnosis (which ends without a patient reply).

    With `fallback`, the second turn's reply is a fact-only fallback that still carries the leak.
    """
    turns = [
        ask(0, doctor_text, "It started about 2 hours ago.", 0.15, ["onset"]),
        fallback_with_issue(1, 0.45) if fallback else flagged(1, 0.45),
        Turn(index=2, doctor="DIAGNOSIS: inferior STEMI", kind="diagnose", reply=ENDED, coverage=0.45),
    ]
    judgement = Judgement(
        items=[
            ItemResult(id="ask_onset", covered=True, turn=0, evidence="When did the pain start?", weight=2),
            ItemResult(id="ask_radiation", covered=True, turn=1, evidence="Does the pain spread?", weight=3),
            ItemResult(id="ask_smoking", covered=False, weight=2),
        ],
        coverage=0.45, curve=[0.15, 0.45, 0.45], diagnosis_given="inferior STEMI",
        diagnosis_expected="Inferior ST-elevation myocardial infarction", diagnosis_correct=True, reward=reward,
    )  # fmt: skip
    return Episode(
        index=index, scenario_id=scenario_id, seed=seed, opening="I've got this terrible pressure in my chest.",
        config={"doctor": doctor, "patient": "offline"},
        turns=turns, judgement=None if error else judgement, terminated=True, error=error,
        usage={"patient": Usage(calls=2, prompt_tokens=300, completion_tokens=40)},
    )  # fmt: skip


def write_run(path: Path, episodes: Sequence[Episode], tail: str = "") -> Path:
    """A run file of `episodes`, one JSON line each, plus `tail` (raw text: a corrupt or foreign line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(e.model_dump_json() + "\n" for e in episodes) + tail, encoding="utf-8")
    return path


def usage_shown(at) -> dict[str, dict[str, str]]:
    """The Usage table an AppTest drew (markdown, a column per role): role -> figure -> cell text."""
    table = next(m.value for m in at.markdown if m.value.startswith("|  | "))
    header, _rule, *lines = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table.splitlines()]
    return {role: {line[0]: line[i] for line in lines} for i, role in enumerate(header) if i}
