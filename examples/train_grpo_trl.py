"""Train a doctor policy with GRPO in TRL (>= 1.8), on GPUs with vLLM or on a CPU.

Setup: ``pip install 'consultgym[trl]'`` (on a CPU-only machine install the CPU torch first, e.g.
``pip install torch==2.13.0``), and ``vllm`` for the GPU paths.

    # CPU, no download: a tiny random model built on the spot, one step (checks the whole pipeline in about a minute)
    python examples/train_grpo_trl.py --device cpu --tiny-local-model --max-steps 1 --torch-threads 1

    # CPU with a real small model (downloads it once)
    python examples/train_grpo_trl.py --device cpu --model Qwen/Qwen3-0.6B --max-steps 20

    # two GPUs: TRL's vLLM server for the policy on one (weights synced every step), training on the other
    CUDA_VISIBLE_DEVICES=0 trl vllm-serve --model Qwen/Qwen3-1.7B --port 8000
    CUDA_VISIBLE_DEVICES=1 python examples/train_grpo_trl.py --model Qwen/Qwen3-1.7B --vllm-url http://localhost:8000

    # one GPU, vLLM colocated with training
    python examples/train_grpo_trl.py --vllm-mode colocate

How it fits together:

- The dataset has one row per (scenario, seed): a system prompt describing the tools, and the ``scenario`` and
  ``seed`` columns. TRL repeats each row ``--num-generations`` times; every copy calls ``reset(**row)`` on its own
  `ConsultationToolEnv`, so the whole GRPO group meets the same patient and the advantages compare doctors, not
  patients.
- The model acts through tool calls (``ask_patient``, ``examine``, ``order_test``, ``submit_diagnosis``); TRL runs
  the multi-turn loop and appends each tool result. ``--max-completion-length`` bounds all turns of an episode
  together, tool results included: 12 turns need a few thousand tokens.
- The reward is the judge's (0.7 x weighted must-ask coverage + 0.3 x diagnosis correct), read once by TRL from the
  environments' ``get_reward`` (no ``reward_funcs``). A rollout the trainer stops before a diagnosis (token budget,
  ``--max-tool-calls``) earns the coverage of what it asked. Offline patient, guardian and judge by default:
  deterministic and free. For an LLM patient, serve a *separate*, frozen model (``--patient-model``,
  ``--patient-base-url``): never the policy's own vLLM server, whose weights change as it trains.
- Hold out scenarios for evaluation: train on one library, evaluate with ``consultgym run --doctor llm`` (or
  ``examples/evaluate_openai_compatible.py``) on another, against a vLLM server of the saved checkpoint.
"""

from __future__ import annotations

import argparse
from typing import Any

from consultgym.integrations.trl import ConsultationToolEnv, dataset_rows, grpo_trainer
from consultgym.scenarios.loader import load_library


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="Qwen/Qwen3-1.7B", help="a model id or a local folder")
    parser.add_argument("--device", choices=["gpu", "cpu"], default="gpu", help="cpu: no vLLM, float32")
    parser.add_argument("--tiny-local-model", action="store_true", help="a tiny random model built here (smoke test)")
    parser.add_argument("--scenarios", default="starter", help="training library (name, folder or file)")
    parser.add_argument("--seeds", type=int, default=16, help="seeds per scenario: rows = scenarios x seeds")
    parser.add_argument("--vllm-mode", choices=["server", "colocate"], default="server")
    parser.add_argument("--vllm-url", default="http://localhost:8000", help="the `trl vllm-serve` server")
    parser.add_argument("--num-generations", type=int, default=8, help="completions per row (the GRPO group)")
    parser.add_argument("--max-completion-length", type=int, default=4096, help="tokens over all turns")
    parser.add_argument("--max-tool-calls", type=int, default=None, help="tool-calling iterations per rollout")
    parser.add_argument("--learning-rate", type=float, default=1e-6)
    parser.add_argument("--batch-size", type=int, default=8, help="per-device train batch size")
    parser.add_argument("--grad-accum", type=int, default=4)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--max-steps", type=int, default=-1, help="stop after this many steps (-1: the epochs)")
    parser.add_argument("--output-dir", default="runs/grpo-doctor")
    parser.add_argument("--patient-model", default=None, help="a frozen LLM patient (default: offline patient)")
    parser.add_argument("--patient-base-url", default=None)
    parser.add_argument("--torch-threads", type=int, default=None, help="CPU threads for torch (1 suits tiny models)")
    args = parser.parse_args()
    if args.device == "cpu" and not args.tiny_local_model and args.model == "Qwen/Qwen3-1.7B":
        args.model = "Qwen/Qwen3-0.6B"  # the smallest Qwen3 that still calls tools
    if args.device == "cpu":  # small enough for a CPU step to take seconds to minutes
        args.num_generations, args.batch_size, args.grad_accum = min(args.num_generations, 4), 4, 1
        args.max_completion_length = min(args.max_completion_length, 64 if args.tiny_local_model else 512)
    return args


def device_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The `GRPOConfig` settings that differ between a GPU run with vLLM and a CPU run."""
    if args.device == "cpu":
        return {"use_vllm": False, "use_cpu": True, "bf16": False}
    return {
        "use_vllm": True,
        "vllm_mode": args.vllm_mode,
        "vllm_server_base_url": args.vllm_url if args.vllm_mode == "server" else None,
        "bf16": True,
    }


def tiny_local_model(rows: list[dict]) -> tuple[Any, Any]:
    """A random ~100k-parameter Qwen2 and a tokenizer trained on the prompts: no download, nothing learnt."""
    import json

    from consultgym.testing.tiny_chat_model import tiny_chat_model

    env = ConsultationToolEnv()
    openings = [env.reset(**row) for row in rows[:8]]
    return tiny_chat_model([json.dumps(rows[:8]), *openings], hidden_size=32)


def main() -> None:
    args = parse_args()
    import torch
    from datasets import Dataset  # installed with TRL
    from trl import GRPOConfig

    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    scenario_ids = [s.id for s in load_library(args.scenarios)]
    rows = dataset_rows(scenario_ids, seeds=list(range(args.seeds)))
    config = GRPOConfig(
        output_dir=args.output_dir,
        num_generations=args.num_generations,
        max_completion_length=args.max_completion_length,
        max_tool_calling_iterations=args.max_tool_calls,
        learning_rate=args.learning_rate,
        per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=args.grad_accum,
        num_train_epochs=args.epochs,
        max_steps=args.max_steps,
        chat_template_kwargs={"enable_thinking": False},
        logging_steps=1,
        save_steps=50,
        report_to="none",
        **device_settings(args),
    )
    env_settings: dict[str, Any] = {"scenarios": args.scenarios}
    if args.patient_model:
        env_settings.update(patient="llm", patient_model=args.patient_model, patient_base_url=args.patient_base_url)
    model: Any = args.model
    if args.tiny_local_model:
        model, env_settings["processing_class"] = tiny_local_model(rows)
    trainer = grpo_trainer(model, Dataset.from_list(rows), config, **env_settings)
    trainer.train()
    trainer.save_model(args.output_dir)
    for entry in trainer.state.log_history:
        if "reward" in entry:
            print(f"step {entry['step']}: reward {entry['reward']:.4f} (rewards/ConsultationToolEnv)")


if __name__ == "__main__":
    main()
