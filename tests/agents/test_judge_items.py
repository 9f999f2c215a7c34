"""Credit for questions, not words: each unit covers at most one must-ask item, its best and a precise match."""

from __future__ import annotations

import random
from collections import Counter

from consultgym.agents.judge.items import item_covered_by, item_for_unit, item_profiles, items_covered_in_turn
from consultgym.agents.judge.offline import score
from consultgym.scenarios.loader import load_library, parse_scenario
from consultgym.scenarios.retrieval import match_unit
from consultgym.scenarios.units import PRECISION
from consultgym.scenarios.wordbits import vocabulary
from consultgym.text import stemmed

STARTER = {s.id: s for s in load_library("starter")}


def covered(scenario, turns: list[str]) -> list[str]:
    return [item.id for item in score(scenario, turns, None).items if item.covered]


def test_one_question_covers_its_item(chest_scenario):
    assert covered(chest_scenario, ["When did the pain start?"]) == ["ask_onset"]
    assert covered(chest_scenario, ["Do you smoke?"]) == ["ask_smoking"]
    assert covered(chest_scenario, ["TEST: EKG"]) == ["do_ecg"]


def test_a_unit_covers_at_most_one_item(chest_scenario):
    # One unit about two items: its best match only.
    assert len(covered(chest_scenario, ["Do you smoke, and do you take any medications?"])) <= 1
    # Three units: up to three items.
    assert covered(chest_scenario, ["Do you smoke? Do you take any medications? Does it spread anywhere?"]) == [
        "ask_radiation",
        "ask_meds",
        "ask_smoking",
    ]


def test_asking_the_same_question_again_never_reaches_another_item(chest_scenario):
    for question in ("Any other symptoms?", "Do you have any pain?", "Tell me more."):
        once = covered(chest_scenario, [question])
        assert covered(chest_scenario, [question] * 12) == once
        assert covered(chest_scenario, [" ".join([question] * 3)] * 4) == once


def test_a_keyword_in_a_long_unit_earns_nothing(chest_scenario):
    assert covered(chest_scenario, ["smoking"]) == ["ask_smoking"]  # a terse question is still a question
    padded = "tell me everything about your life your work your house your garden and smoking"
    assert covered(chest_scenario, [padded]) == []  # most of the unit is about nothing the item asks


def test_a_shotgun_turn_covers_nothing(chest_scenario):
    stuffed = "onset character radiation severity sweating nausea medications smoking family ecg"
    assert covered(chest_scenario, [stuffed]) == []
    assert covered(chest_scenario, [f"When did the pain start?\n{stuffed}"]) == []
    assert covered(chest_scenario, ["TEST: ECG troponin CBC CXR CT MRI"]) == []


def test_the_more_specific_item_wins_a_tie(chest_scenario):
    # Both items are about medication; 'Do you take any medications?' is the general one, not the item about one
    # drug, whose own wording the question leaves mostly out.
    data = chest_scenario.model_dump(mode="json", exclude_defaults=True)
    data["must_ask"].append(
        {
            "id": "ask_ramipril",
            "ask": "Whether he takes an ACE inhibitor such as ramipril",
            "facts": ["meds"],
            "examples": ["Do you take ramipril or any other blood pressure tablets?"],
        }
    )
    scenario = parse_scenario(data)
    items = {item.id: item for item in scenario.must_ask}
    assert item_covered_by(items["ask_meds"], scenario, "ask", "Do you take any medications?")
    assert not item_covered_by(items["ask_ramipril"], scenario, "ask", "Do you take any medications?")
    assert item_covered_by(items["ask_ramipril"], scenario, "ask", "Do you take ramipril?")


def test_per_turn_credit_never_exceeds_the_limit():
    for scenario in STARTER.values():
        examples = [example for item in scenario.must_ask for example in item.examples]
        turns = ["\n".join(examples[i : i + 6]) for i in range(0, len(examples), 6)]
        per_turn = Counter(item.turn for item in score(scenario, turns, None).items if item.covered)
        assert max(per_turn.values(), default=0) <= 3


def test_coverage_rises_with_good_questions():
    scenario = STARTER["abdominal-pain-19m"]
    questions = [
        "When did the pain start?",
        "Where is the pain now, and has it moved?",
        "What makes it worse?",
        "Have you lost your appetite?",
        "Have you been sick?",
        "Have you had a fever?",
    ]
    curve = [score(scenario, questions[:n], None).coverage for n in range(1, len(questions) + 1)]
    assert curve == sorted(curve) and curve[-1] > curve[0] > 0
    assert len(set(curve)) == len(curve)  # every good question adds coverage


def test_items_covered_in_turn_updates_what_is_already_covered(chest_scenario):
    already: set[str] = set()
    assert items_covered_in_turn(chest_scenario, "Do you smoke?", already) == [("ask_smoking", "Do you smoke?")]
    assert already == {"ask_smoking"}
    assert items_covered_in_turn(chest_scenario, "Do you smoke?", already) == []


def scanned_item(scenario, question: str) -> str | None:
    """The item a plain scan of every item picks, with sets of words (the judge's bit arithmetic must agree)."""
    match = match_unit(scenario, "ask", question)
    words = match.words
    if match.shotgun or words is None or not words.words:
        return None
    padded = stemmed(question)
    word_of = {bit: word for word, bit in vocabulary(scenario).items()}
    best = None
    for profile in item_profiles(scenario):
        if profile.findings_only:
            continue
        own_vocabulary = {word for bit, word in word_of.items() if profile.vocabulary & bit}
        held = [phrase for phrase in profile.phrases if phrase.strip() and phrase in padded]
        shared = words.topics & profile.topics
        topic_words = set().union(*(words.topic_words[topic] for topic in shared))
        explained = words.words & (own_vocabulary | {w for phrase in held for w in phrase.split()} | topic_words)
        if len(explained) / len(words.words) < PRECISION:
            continue
        own = len(words.words & profile.wording)
        anchor = 2 if shared or held else int(own >= 2)
        if anchor:
            key = (len(explained), anchor, own, own - len(profile.wording), -profile.position)
            best = max(best or (key, ""), (key, profile.item.id))
    return best[1] if best else None


def test_the_item_chosen_is_the_one_a_scan_of_every_item_picks(merged_cases):
    rng = random.Random(11)
    chosen = 0
    libraries = [load_library(name) for name in ("starter", "generated", "agentclinic")]
    for library in [*libraries, merged_cases]:
        texts = [t for s in library for item in s.must_ask for t in (item.ask, *item.examples)]
        texts += [f.say for s in library for f in s.facts]
        words = " ".join(texts).split()
        for scenario in rng.sample(library, min(25, len(library))):
            questions = rng.sample(texts, 20) + [" ".join(rng.sample(words, rng.randint(1, 7))) for _ in range(20)]
            # Two words of one item's wording beside another item's question: reached against only restated.
            wordings = [sorted(p.wording) for p in item_profiles(scenario) if len(p.wording) >= 2]
            questions += [f"{' '.join(rng.sample(rng.choice(wordings), 2))} {rng.choice(texts)}" for _ in range(20)]
            for question in questions:
                covering = item_for_unit(scenario, match_unit(scenario, "ask", question))
                assert (covering.id if covering else None) == scanned_item(scenario, question), (scenario.id, question)
                chosen += covering is not None
    assert chosen > 300  # the comparison saw many covering questions, not only misses
    assert len(merged_cases) >= 3  # and merged cases among them
