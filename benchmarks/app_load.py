"""How long the Streamlit app takes to load a run of 1,000 episodes (about 10 turns each).

Generates a realistic run file (drafts, guardian verdicts on a fifth of the turns, LLM usage per role, a judgement
with a coverage curve), then times the app's loading path, `consultgym.app.data.index_run` (read and validate every
episode, build the summary table the filters and the compare page use), which `st.cache_data` keeps per path and
mtime; and a warm rerun: what a cache hit costs (unpickling the cached index) plus parsing the episode on screen.
Prints figures; asserts nothing.

    python benchmarks/app_load.py [--episodes 1000] [--turns 10] [--out PATH]
"""

from __future__ import annotations

import argparse
import pickle
import random
import statistics
import tempfile
import time
from pathlib import Path

from consultgym.app.data import index_run
from consultgym.records import Episode, GuardianIssue, ItemResult, Judgement, Turn, Usage, Verdict

QUESTIONS = [
    "When did the pain start, and what were you doing at the time?",
    "Can you describe the pain for me: is it sharp, dull, pressing or burning?",
    "Does the pain spread anywhere, for example to your arm, neck, jaw or back?",
    "Have you noticed any other symptoms, like sweating, nausea or shortness of breath?",
    "Do you take any medications regularly, including anything over the counter?",
    "Do you smoke, or have you ever smoked? How much and for how long?",
    "Does anything like this run in your family, heart problems or strokes?",
    "EXAMINE: cardiovascular examination and vital signs",
    "TEST: ECG",
    "Any allergies to medicines that you know of?",
]
REPLIES = [
    "It started about two hours ago while I was sitting watching TV, completely out of the blue.",
    "It feels like a heavy weight pressing down on the middle of my chest, it won't let up.",
    "It goes down my left arm and up into my jaw, which is what frightened me most.",
    "I've been sweating buckets and I feel sick to my stomach, but I haven't been sick.",
    "I take ramipril, 5 mg every day, for my blood pressure. Nothing else really.",
    "I smoke about 20 a day, have done for 30 years. I know, I know.",
    "My father had a heart attack when he was 60.",
    "Pale and sweaty; BP 150/90, HR 98; heart sounds normal.",
    "ECG shows ST elevation in II, III and aVF.",
    "No allergies that I know of.",
]


def make_episode(index: int, turns: int, rng: random.Random) -> Episode:
    """One synthetic but realistically sized episode."""
    scenario = rng.choice(["chest-pain-58m", "headache-44f", "abdominal-pain-19m", "breathlessness-34f"])
    curve, coverage, recorded = [], 0.0, []
    for t in range(turns):
        coverage = min(1.0, coverage + rng.choice([0.0, 0.1, 0.15]))
        curve.append(round(coverage, 3))
        recorded.append(_turn(t, coverage, rng))
    items = [
        ItemResult(
            id=f"ask_{k}",
            covered=rng.random() < 0.7,
            turn=rng.randrange(turns),
            evidence=QUESTIONS[k],
            weight=2,
        )
        for k in range(8)
    ]
    judgement = Judgement(
        items=items,
        coverage=coverage,
        curve=curve,
        diagnosis_given="inferior STEMI",
        diagnosis_expected="Inferior ST-elevation myocardial infarction",
        diagnosis_correct=rng.random() < 0.6,
        reward=round(0.7 * coverage + 0.3 * rng.random(), 3),
        judge="llm",
    )
    usage = {
        "patient": Usage(calls=turns, prompt_tokens=900 * turns, completion_tokens=60 * turns, latency_s=0.8 * turns)
    }
    return Episode(
        run_id="bench",
        index=index,
        scenario_id=scenario,
        seed=index,
        opening="I've got this terrible pressure.",
        config={"patient": {"kind": "llm", "model": "m"}, "guardian": {"kind": "offline"}},
        turns=recorded,
        judgement=judgement,
        terminated=True,
        usage=usage,
        duration_s=12.5,
    )


def _turn(t: int, coverage: float, rng: random.Random) -> Turn:
    reply = REPLIES[t % len(REPLIES)]
    drafts, verdicts = [reply], [Verdict(ok=True)]
    if rng.random() < 0.2:  # a fifth of the turns: a rejected draft first
        bad = reply + " I think it might be a heart attack, and my wife says I had a fever."
        issue = GuardianIssue(kind="leak", text="heart attack", start=len(reply) + 20, detail="names the diagnosis")
        drafts, verdicts = [bad, reply], [Verdict(ok=False, issues=[issue], source="llm"), Verdict(ok=True)]
    return Turn(
        index=t,
        doctor=QUESTIONS[t % len(QUESTIONS)],
        kind="ask",
        drafts=drafts,
        verdicts=verdicts,
        reply=reply,
        facts_revealed=[f"fact_{t}"],
        coverage=round(coverage, 3),
        usage={"patient": Usage(calls=len(drafts), prompt_tokens=900, completion_tokens=60, latency_s=0.8)},
    )


def write_run(path: Path, episodes: int, turns: int, seed: int = 0) -> None:
    """Write a synthetic run file of `episodes` episodes."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(episodes):
            out.write(make_episode(i, turns, rng).model_dump_json() + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=None, help="where to write the run file (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.out or Path(tmp) / "bench_run.jsonl"
        write_run(path, args.episodes, args.turns)
        print(f"run file: {path} ({path.stat().st_size / 1e6:.1f} MB, {args.episodes} episodes x {args.turns} turns)")
        cold, warm = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            index = index_run(path)
            cold.append(time.perf_counter() - start)
            cached = pickle.dumps(index)
            start = time.perf_counter()
            pickle.loads(cached).episode(args.episodes // 2)
            warm.append(time.perf_counter() - start)
        if len(index.records) != args.episodes:
            raise SystemExit(f"loaded {len(index.records)} of {args.episodes} episodes: {index.warnings[:3]}")
        print(
            f"cold load (index_run): median {statistics.median(cold):.3f} s, best {min(cold):.3f} s "
            f"over {args.repeat} runs (budget 3 s)"
        )
        print(f"warm rerun (cache hit + parse one episode): median {statistics.median(warm) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
