"""LLMJudge and PanelJudge: verified quotes, the per-turn limit, unscored failures, votes and cached replays."""

from __future__ import annotations

import asyncio
import json

import gymnasium as gym
import pytest

import consultgym  # noqa: F401 - registers the env ids
from consultgym.agents.factory import make_judge
from consultgym.agents.judge.llm import LLMJudge, PanelJudge, combine, passes, quote_in_turn
from consultgym.agents.judge.offline import RubricJudge
from consultgym.agents.llm import aclose_clients
from consultgym.config import LLMSettings
from consultgym.records import ItemResult, Judgement
from consultgym.settings import JudgeConfig
from consultgym.testing import FaultSpec

TURNS = [
    "When did the pain start? Can you describe the pain?",
    "Does the pain spread anywhere? Do you smoke?",
    "TEST: ECG",
    "DIAGNOSIS: inferior STEMI",
]


def judge(server, model: str = "j", offline: RubricJudge | None = None) -> LLMJudge:
    settings = LLMSettings(model=model, base_url=server.base_url, timeout=0.5, max_retries=1, backoff=0.01)
    return LLMJudge(settings, offline or RubricJudge())


def grade(j, scenario, turns=TURNS, diagnosis="inferior STEMI") -> Judgement:
    async def run():
        try:
            return await j.judge(scenario, turns, diagnosis)
        finally:
            await aclose_clients()

    return asyncio.run(run())


def report(claims: dict[str, tuple[int, str]], scenario, correct: bool = True) -> dict:
    items = [
        {
            "id": i.id,
            "covered": i.id in claims,
            "turn": claims.get(i.id, (None,))[0],
            "quote": claims.get(i.id, (0, ""))[1],
        }
        for i in scenario.must_ask
    ]
    return {"items": items, "diagnosis": {"correct": correct, "reason": "same condition"}}


def covered(judgement: Judgement) -> set[str]:
    return {i.id for i in judgement.items if i.covered}


def test_verified_quotes_cover_items_with_the_offline_weights(chest_scenario, fake_openai):
    claims = {
        "ask_onset": (1, "When did the pain start?"),
        "ask_character": (1, "can you  DESCRIBE the pain"),  # whitespace and case are normalised
        "ask_radiation": (2, "Does the pain spread anywhere?"),
        "ask_smoking": (2, "Do you smoke?"),
        "do_ecg": (3, "TEST: ECG"),
    }
    fake_openai.script(report(claims, chest_scenario))
    result = grade(judge(fake_openai), chest_scenario)
    offline = RubricJudge().score(chest_scenario, TURNS, "inferior STEMI")
    assert result.scored and covered(result) == set(claims) == covered(offline)
    assert result.coverage == offline.coverage and result.curve == offline.curve and result.reward == offline.reward
    assert result.diagnosis_correct and result.diagnosis_offline_match is True and result.judge == "llm:j"
    assert next(i for i in result.items if i.id == "ask_onset").turn == 0  # turns are 0-based in records
    assert fake_openai.request_count == 1 and fake_openai.chat_requests[0].structured


def test_invented_quotes_do_not_raise_coverage(chest_scenario, fake_openai):
    claims = {item.id: (1, f"Tell me about {item.ask.lower()}") for item in chest_scenario.must_ask}
    fake_openai.script(report(claims, chest_scenario))
    result = grade(judge(fake_openai), chest_scenario, turns=["Hello there.", "How are you today?"])
    assert result.scored and result.coverage == 0.0 and not covered(result)
    assert result.curve == [0.0, 0.0]


def test_a_real_quote_claimed_for_the_wrong_turn_is_rejected(chest_scenario, fake_openai):
    fake_openai.script(report({"ask_smoking": (1, "Do you smoke?")}, chest_scenario))  # it is in turn 2
    assert not covered(grade(judge(fake_openai), chest_scenario))


def test_one_turn_credits_at_most_questions_per_turn_items(chest_scenario, fake_openai):
    turn = "When did it start? Describe it? Does it spread? Any sweating or nausea? Do you smoke?"
    claims = {
        "ask_onset": (1, "When did it start?"),
        "ask_character": (1, "Describe it?"),
        "ask_radiation": (1, "Does it spread?"),
        "ask_associated": (1, "Any sweating or nausea?"),
        "ask_smoking": (1, "Do you smoke?"),
    }
    fake_openai.script(report(claims, chest_scenario))
    result = grade(judge(fake_openai, offline=RubricJudge(questions_per_turn=3)), chest_scenario, turns=[turn])
    assert covered(result) == {"ask_onset", "ask_character", "ask_radiation"}


def test_the_model_decides_the_diagnosis_and_the_offline_match_is_kept(chest_scenario, fake_openai):
    fake_openai.script([report({}, chest_scenario, correct=True), report({}, chest_scenario, correct=True)])
    j = judge(fake_openai)
    paraphrase = grade(j, chest_scenario, diagnosis="blocked artery in the heart wall, inferior")
    assert paraphrase.diagnosis_correct and paraphrase.diagnosis_offline_match is False
    nothing = grade(j, chest_scenario, diagnosis=None)
    assert not nothing.diagnosis_correct  # no diagnosis is never correct, whatever the model says


def test_a_failed_call_is_unscored_counted_and_gives_no_reward(chest_scenario, fake_openai, fast_llm):
    fake_openai.script(FaultSpec.http(503))
    j = judge(fake_openai)
    result = grade(j, chest_scenario)
    assert not result.scored and "HTTP 503" in result.error and fake_openai.request_count == 2
    assert all(not i.scored and not i.covered for i in result.items) and result.reward == 0.0
    assert result.diagnosis_offline_match is True and j.usage.errors == 2
    env = gym.make("consultgym/Consultation-v0", scenarios=[chest_scenario], judge="llm", **fast_llm("judge"))
    try:
        env.reset(seed=0)
        _, reward, terminated, _, info = env.step("DIAGNOSIS: inferior STEMI")
    finally:
        env.close()
    assert terminated and reward == 0.0 and info["judgement"]["scored"] is False


@pytest.mark.parametrize(
    ("votes", "voters", "rule", "carries"),
    [
        (2, 3, "majority", True),
        (1, 2, "majority", False),  # a tie does not carry
        (2, 2, "unanimous", True),
        (2, 3, "unanimous", False),
        (1, 3, "any", True),
        (0, 3, "any", False),
        (0, 0, "any", False),
    ],
)
def test_voting_rules(votes, voters, rule, carries):
    assert passes(votes, voters, rule) is carries


def _judgement(covered_at: dict[str, int], scenario, correct: bool, scored: bool = True) -> Judgement:
    items = [
        ItemResult(id=i.id, covered=i.id in covered_at, turn=covered_at.get(i.id), weight=i.priority.weight)
        for i in scenario.must_ask
    ]
    return Judgement(items=items, diagnosis_correct=correct, scored=scored, judge="x", error="" if scored else "down")


def test_combine_votes_per_item_and_for_the_diagnosis(chest_scenario):
    a = _judgement({"ask_onset": 0, "ask_smoking": 1}, chest_scenario, True)
    b = _judgement({"ask_onset": 1, "ask_meds": 0}, chest_scenario, True)
    c = _judgement({"ask_onset": 2}, chest_scenario, False)
    args = (chest_scenario, TURNS, "inferior STEMI", RubricJudge(), "panel")
    majority = combine([a, b, c], "majority", *args)
    assert covered(majority) == {"ask_onset"} and majority.diagnosis_correct
    assert next(i for i in majority.items if i.id == "ask_onset").turn == 1  # when the second vote arrived
    assert covered(combine([a, b, c], "unanimous", *args)) == {"ask_onset"}
    assert not combine([a, b, c], "unanimous", *args).diagnosis_correct
    assert covered(combine([a, b, c], "any", *args)) == {"ask_onset", "ask_smoking", "ask_meds"}
    down = _judgement({}, chest_scenario, False, scored=False)
    with_failure = combine([a, down], "unanimous", *args)  # an unscored judge does not vote
    assert covered(with_failure) == {"ask_onset", "ask_smoking"} and "1 of 2 judges failed" in with_failure.error
    assert not combine([down], "majority", *args).scored


def test_a_panel_of_models_and_the_offline_judge(chest_scenario, fake_openai):
    generous = report({i.id: (1, TURNS[0]) for i in chest_scenario.must_ask}, chest_scenario)
    honest = report({"ask_onset": (1, "When did the pain start?"), "ask_smoking": (2, "Do you smoke?")}, chest_scenario)
    fake_openai.script(generous, model="a")
    fake_openai.script(honest, model="b")
    options = {"base_url": fake_openai.base_url, "timeout": 0.5, "max_retries": 0}
    panel = make_judge(JudgeConfig.parse({"kind": "panel", "models": "a,b,offline", "vote": "majority", **options}))
    assert isinstance(panel, PanelJudge)
    result = grade(panel, chest_scenario)
    # 'a' credits every item at turn 1 (up to 3, and only those its quote really covers); b and offline agree on two.
    assert {"ask_onset", "ask_smoking"} <= covered(result) and "ask_meds" not in covered(result)
    assert result.judge == "panel:majority(llm:a,llm:b,offline)" and result.scored
    assert panel.usage.calls == 2 and not panel.offline
    assert {r.model for r in fake_openai.chat_requests} == {"a", "b"}


def test_a_cached_rerun_replays_the_same_episode_without_calls(chest_scenario, fake_openai, fast_llm, tmp_path):
    def guardian_model(request):
        reply = request["messages"][0]["content"].split('The patient replied: "')[1].split('"\n')[0]
        return json.dumps({"sentences": [{"sentence": reply, "label": "supported", "reason": "ok", "facts": []}]})

    fake_openai.script(lambda request: f"Answer to: {request['messages'][-1]['content'][:30]}", model="p")
    fake_openai.script(guardian_model, model="g")
    fake_openai.script(report({"ask_onset": (1, "When did the pain start?")}, chest_scenario), model="j")
    cache = {"cache": "readwrite", "cache_dir": str(tmp_path)}
    options = fast_llm("patient", "p", **cache) | fast_llm("guardian", "g", **cache) | fast_llm("judge", "j", **cache)

    def episode():
        env = gym.make(
            "consultgym/Consultation-v0",
            scenarios=[chest_scenario],
            patient="llm",
            guardian="llm",
            judge="llm",
            **options,
        )
        try:
            env.reset(seed=7)
            steps = [env.step(turn) for turn in TURNS]
            session = env.unwrapped.session
            return [s[0] for s in steps], steps[-1][1], session.judgement, session.to_episode().usage
        finally:
            env.close()

    first = episode()
    calls = fake_openai.request_count
    second = episode()
    assert calls > 0 and fake_openai.request_count == calls  # not one request more
    assert second[:3] == first[:3]
    assert second[3]["patient"].cache_hits > 0 and second[3]["patient"].calls == 0
    assert second[3]["judge"].cache_hits == 1 and second[3]["guardian"].cache_hits > 0


@pytest.mark.parametrize(
    ("quote", "found"),
    [('"do YOU  smoke?"', True), ("Do you smoke", True), ("", False), ("?", False), ("Do you drink?", False)],
)
def test_quotes_are_matched_after_normalising_whitespace_and_case(quote, found):
    assert quote_in_turn(quote, "Does it hurt? Do you\nsmoke?") is found
