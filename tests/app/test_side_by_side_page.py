"""Side by side: two doctors on the same case, turn by turn, with each doctor's items and the judge's evidence."""

from __future__ import annotations

from pathlib import Path

from builders import make_episode, write_run

from consultgym.app.safe import escape


def test_two_doctors_turn_by_turn(app, workdir: Path) -> None:
    a = write_run(workdir / "a.jsonl", [make_episode(0, seed=4, doctor_text="When did it begin?")])
    b = write_run(workdir / "b.jsonl", [make_episode(0, seed=4, doctor_text="How long have you had it?",
                                                     doctor="knowledge")])  # fmt: skip
    at = app([a, b], page="side_by_side")
    assert at.subheader[0].value == escape("fixture-chest-pain") + " · seed 4"
    doctor_texts = [m.value for m in at.markdown]
    assert escape("When did it begin?") in doctor_texts and escape("How long have you had it?") in doctor_texts
    items = at.dataframe[0].value.set_index("item")
    assert items.loc["ask_onset", "A evidence"] == "When did the pain start?"
    assert bool(items.loc["ask_radiation", "B covered"]) and items.loc["ask_radiation", "critical"] == "⚠ critical"
    assert [h.value for h in at.markdown if h.value.startswith("###### Turn")] == [
        "###### Turn 1",
        "###### Turn 2",
        "###### Turn 3",
    ]
    assert any("knowledge" in m.value for m in at.markdown)


def test_runs_without_a_shared_case(app, workdir: Path) -> None:
    a = write_run(workdir / "a.jsonl", [make_episode(0, "x", 0)])
    b = write_run(workdir / "b.jsonl", [make_episode(0, "y", 0)])
    at = app([a, b], page="side_by_side")
    assert "share no (scenario, seed) pair" in at.error[0].value
