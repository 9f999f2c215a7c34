"""Evaluate an OpenAI-compatible chat model as the doctor over a scenario library, and print the report.

    # any OpenAI-compatible server: vLLM, Ollama, llama.cpp, OpenAI
    python examples/evaluate_openai_compatible.py --base-url http://localhost:8000/v1 --model Qwen/Qwen3-8B

    # the key, when the server needs one, comes from an environment variable (never a flag)
    OPENAI_API_KEY=... python examples/evaluate_openai_compatible.py --base-url https://api.openai.com/v1 \\
        --model gpt-4o-mini --episodes 50 --concurrency 16

    # no model at hand: a loopback fake server with scripted replies checks the whole pipeline
    python examples/evaluate_openai_compatible.py --demo-server

It is `consultgym run --doctor llm ...` from Python: the runner plays the episodes concurrently, writes one JSON line
per episode (rerunning with the same --out resumes), and `report` summarises coverage, diagnosis accuracy and
guardian rates. The patient, guardian and judge stay offline unless you ask for an LLM patient (--patient-model).
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from consultgym.report import format_report, summarize
from consultgym.runfile import load_run
from consultgym.runner import run
from consultgym.settings import RunConfig


def demo_doctor(body: dict[str, Any]) -> str:
    """The fake server's doctor: two rounds of questions, then a diagnosis."""
    turns = sum(1 for m in body["messages"] if m["role"] == "assistant")
    if turns < 2:
        return ["When did it start? How bad is it?", "Any fever? Do you take any medicines?"][turns]
    return "DIAGNOSIS: acute myocardial infarction"


@contextlib.contextmanager
def endpoint(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    """(base_url, model): the real endpoint, or a loopback fake server for --demo-server."""
    if not args.demo_server:
        yield args.base_url, args.model
        return
    from consultgym.testing import FakeOpenAIServer

    with FakeOpenAIServer(demo_doctor) as server:
        yield server.base_url, "fake-model"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", help="OpenAI-compatible endpoint, ending in /v1")
    parser.add_argument("--model", help="model name as the server knows it")
    parser.add_argument("--api-key-env", default="OPENAI_API_KEY", help="environment variable holding the key")
    parser.add_argument("--scenarios", nargs="+", default=["starter"], help="library names, folders or files")
    parser.add_argument("--episodes", type=int, default=None, help="default: one per scenario")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--patient-model", default=None, help="also let a model play the patient (same server)")
    parser.add_argument("--out", default="runs/eval.jsonl", help="run file; rerunning with it resumes")
    parser.add_argument("--demo-server", action="store_true", help="use a loopback fake server instead of a model")
    args = parser.parse_args()
    if not args.demo_server and not (args.base_url and args.model):
        parser.error("give --base-url and --model (or --demo-server)")

    with endpoint(args) as (base_url, model):
        options: dict[str, Any] = {
            "doctor_model": model,
            "doctor_base_url": base_url,
            "doctor_api_key_env": args.api_key_env,
            "doctor_temperature": args.temperature,
        }
        if args.patient_model:
            options.update(
                patient_model=args.patient_model, patient_base_url=base_url, patient_api_key_env=args.api_key_env
            )
        spec = RunConfig(
            out=Path(args.out),
            scenarios=args.scenarios,
            episodes=args.episodes,
            seed=args.seed,
            concurrency=args.concurrency,
            doctor="llm",
            patient="llm" if args.patient_model else "offline",
            **options,
        )
        summary = run(spec)
    print(
        f"{summary.completed} completed, {summary.errored} errored, {summary.skipped} already done "
        f"in {summary.seconds:.1f} s\n"
    )
    print(format_report(summarize(load_run(spec.out).episodes), title=f"{model} on {', '.join(args.scenarios)}"))


if __name__ == "__main__":
    main()
