"""A real TRL `GRPOTrainer` run on CPU with the `environment_factory` adapter and a tiny model built in the test.

Skipped without ``torch`` and ``trl`` (``pip install torch==2.13.0 'consultgym[trl]'``; CI installs them). Nothing is
downloaded (``HF_HUB_OFFLINE=1``): the tokenizer is trained here, and the model is a random Qwen2 of about 120k
parameters, taught to open with one ``ask_patient`` tool call. The trainer caps tool calling at one iteration, so
every rollout is cut short by the trainer, never by the doctor: each must earn the coverage of what it asked.
"""

from __future__ import annotations

import importlib.util
import json
import math

import pytest

MISSING = [m for m in ("torch", "trl", "transformers", "tokenizers", "datasets") if not importlib.util.find_spec(m)]
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"{', '.join(MISSING)} not installed: pip install torch==2.13.0 'consultgym[trl]'"
)

SCENARIO = "chest-pain-58m"
QUESTION = "When did the pain start? Does it spread anywhere?"
TOOLS = ("ask_patient", "examine", "order_test", "submit_diagnosis")


def tool_call(name: str, **arguments: str) -> str:
    """A completion in Qwen2.5's tool-call format."""
    return f"<tool_call>\n{json.dumps({'name': name, 'arguments': arguments})}\n</tool_call><|im_end|>"


@pytest.fixture(scope="module")
def run(tmp_path_factory, monkeypatch_module):
    """One GRPO step on one group of 4 completions; returns the trainer's log and every env it built."""
    import torch
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from consultgym.integrations.trl import ConsultationToolEnv, dataset_rows
    from consultgym.testing.tiny_chat_model import tiny_chat_model

    monkeypatch_module.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch_module.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny model: more threads only contend (x13 slower on 2 busy cores)
    rows = dataset_rows([SCENARIO], seeds=[0])
    probe = ConsultationToolEnv()
    tools = [getattr(probe, name) for name in TOOLS]
    completion = tool_call("ask_patient", question=QUESTION)

    def prompt_text(tokenizer) -> str:  # what the trainer renders: the row's prompt, the opening appended, the tools
        row, last = rows[0], rows[0]["prompt"][-1]
        messages = [*row["prompt"][:-1], {**last, "content": last["content"] + probe.reset(**row)}]
        return tokenizer.apply_chat_template(messages, tools=tools, add_generation_prompt=True, tokenize=False)

    _, renderer = tiny_chat_model([json.dumps(rows), completion])
    model, tokenizer = tiny_chat_model(
        [prompt_text(renderer), completion * 4], teach=[(prompt_text(renderer), completion)]
    )
    created: list[ConsultationToolEnv] = []

    def factory() -> ConsultationToolEnv:
        created.append(ConsultationToolEnv(scenarios="starter"))
        return created[-1]

    args = GRPOConfig(
        output_dir=str(tmp_path_factory.mktemp("grpo")),
        use_vllm=False,
        use_cpu=True,
        bf16=False,
        max_steps=1,
        per_device_train_batch_size=4,
        num_generations=4,
        max_completion_length=160,
        max_tool_calling_iterations=1,
        logging_steps=1,
        report_to="none",
        save_strategy="no",
        seed=0,
    )
    trainer = GRPOTrainer(
        model=model,
        processing_class=tokenizer,
        train_dataset=Dataset.from_list(rows * 4),
        args=args,
        environment_factory=factory,
    )
    try:
        trainer.train()
    finally:
        torch.set_num_threads(threads)
    return trainer.state.log_history[0], created


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_one_reward_source_is_logged_and_it_is_the_judges(run):
    log, envs = run
    sources = sorted(key for key in log if key.startswith("rewards/") and key.endswith("/mean"))
    assert sources == ["rewards/ConsultationToolEnv/mean"]
    judged = [env.session.judgement.reward for env in envs if env.session is not None]
    assert len(judged) == 4 and all(env.session.judgement is not None for env in envs)
    assert log["reward"] == pytest.approx(sum(judged) / 4, abs=1e-6) == log[sources[0]]
    assert math.isfinite(log["loss"]) and log["tools/call_frequency"] > 0


def test_rollouts_cut_short_by_the_trainer_earn_their_coverage_reward(run):
    _, envs = run
    asked = 0
    for env in envs:
        session = env.session
        assert session.truncated and not session.terminated  # the tool-call cap stopped them, not the doctor
        assert session.judgement.diagnosis_given is None
        assert env.get_reward() == session.judgement.reward == pytest.approx(0.7 * session.judgement.coverage, abs=1e-6)
        asked += bool(session.turns)
    assert asked >= 1  # at least one completion asked its question, and earned coverage for it
    assert max(env.get_reward() for env in envs) > 0
