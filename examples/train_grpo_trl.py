"""Train a doctor policy with GRPO in TRL, generating with a local vLLM server. Needs GPUs; not run in CI.

Setup (TRL with ``environment_factory``, an experimental TRL feature, and vLLM):

    pip install 'consultgym[trl]' vllm datasets

Two GPUs, one serving generations and one training:

    # terminal 1: TRL's vLLM server for the policy (its weights are synced from the trainer every step)
    CUDA_VISIBLE_DEVICES=0 trl vllm-serve --model Qwen/Qwen3-1.7B --port 8000
    # terminal 2: training
    CUDA_VISIBLE_DEVICES=1 python examples/train_grpo_trl.py --model Qwen/Qwen3-1.7B --vllm-url http://localhost:8000

Or one GPU, vLLM colocated with training: ``python examples/train_grpo_trl.py --vllm-mode colocate``.

How it fits together:

- The dataset has one row per (scenario, seed): a system prompt describing the tools, and the ``scenario`` and
  ``seed`` columns. TRL repeats each row ``--num-generations`` times; every copy calls ``reset(**row)`` on its own
  `ConsultationToolEnv`, so the whole GRPO group meets the same patient and the advantages compare doctors, not
  patients.
- The model acts through tool calls (``ask_patient``, ``examine``, ``order_test``, ``submit_diagnosis``); TRL runs
  the multi-turn loop and appends each tool result. ``--max-completion-length`` bounds all turns of an episode
  together, tool results included: 12 turns need a few thousand tokens.
- The reward is the judge's (0.7 x weighted must-ask coverage + 0.3 x diagnosis correct), read by `reward_func`.
  Offline patient, guardian and judge by default: deterministic and free. For an LLM patient, serve a *separate*,
  frozen model (``--patient-model``, ``--patient-base-url``): never the policy's own vLLM server, whose weights
  change as it trains.
- Hold out scenarios for evaluation: train on one library, evaluate with ``consultgym run --doctor llm`` (or
  ``examples/evaluate_openai_compatible.py``) on another, against a vLLM server of the saved checkpoint.
"""

from __future__ import annotations

import argparse

from consultgym.integrations.trl import dataset_rows, grpo_trainer
from consultgym.scenarios.loader import load_library


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="Qwen/Qwen3-1.7B")
    parser.add_argument("--scenarios", default="starter", help="training library (name, folder or file)")
    parser.add_argument("--seeds", type=int, default=16, help="seeds per scenario: rows = scenarios x seeds")
    parser.add_argument("--vllm-mode", choices=["server", "colocate"], default="server")
    parser.add_argument("--vllm-url", default="http://localhost:8000", help="the `trl vllm-serve` server")
    parser.add_argument("--num-generations", type=int, default=8, help="completions per row (the GRPO group)")
    parser.add_argument("--max-completion-length", type=int, default=4096, help="tokens over all turns")
    parser.add_argument("--learning-rate", type=float, default=1e-6)
    parser.add_argument("--batch-size", type=int, default=8, help="per-device train batch size")
    parser.add_argument("--grad-accum", type=int, default=4)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--output-dir", default="runs/grpo-doctor")
    parser.add_argument("--patient-model", default=None, help="a frozen LLM patient (default: offline patient)")
    parser.add_argument("--patient-base-url", default=None)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    from datasets import Dataset  # installed with TRL
    from trl import GRPOConfig

    scenario_ids = [s.id for s in load_library(args.scenarios)]
    dataset = Dataset.from_list(dataset_rows(scenario_ids, seeds=list(range(args.seeds))))
    config = GRPOConfig(
        output_dir=args.output_dir,
        use_vllm=True,
        vllm_mode=args.vllm_mode,
        vllm_server_base_url=args.vllm_url if args.vllm_mode == "server" else None,
        num_generations=args.num_generations,
        max_completion_length=args.max_completion_length,
        learning_rate=args.learning_rate,
        per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=args.grad_accum,
        num_train_epochs=args.epochs,
        chat_template_kwargs={"enable_thinking": False},
        log_completions=True,
        logging_steps=1,
        save_steps=50,
        bf16=True,
    )
    env_settings = {"scenarios": args.scenarios}
    if args.patient_model:
        env_settings.update(patient="llm", patient_model=args.patient_model, patient_base_url=args.patient_base_url)
    trainer = grpo_trainer(args.model, dataset, config, **env_settings)
    trainer.train()
    trainer.save_model(args.output_dir)


if __name__ == "__main__":
    main()
