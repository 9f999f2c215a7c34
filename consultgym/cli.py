"""The `consultgym` command: one small function per subcommand; errors print one line and exit 1."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from consultgym.errors import ConsultGymError

Handler = Callable[[argparse.Namespace], int]
ROLE_FLAGS = (
    "model",
    "base_url",
    "api_key_env",
    "temperature",
    "seed",
    "max_tokens",
    "timeout",
    "max_retries",
    "cache",
    "cache_dir",
)


def cmd_demo(args: argparse.Namespace) -> int:
    from consultgym.report import format_report, summarize
    from consultgym.runfile import load_run
    from consultgym.runner import RunSpec, run

    out = Path(args.out)
    if out.exists():
        out.unlink()  # the demo always starts fresh
    summary = run(RunSpec(out=out, scenarios=["starter"], seed=0, concurrency=4, progress=not args.quiet))
    print(format_report(summarize(load_run(out).episodes), title=f"consultgym demo: scripted doctor, {out}"))
    print(f"\n{summary.completed} episodes in {summary.seconds:.2f} s. Replay them with:  consultgym app {out}")
    return 0


def _role_options(args: argparse.Namespace) -> dict[str, Any]:
    options = {}
    for role in ("patient", "guardian", "judge", "doctor"):
        for flag in ROLE_FLAGS:
            value = getattr(args, f"{role}_{flag}", None)
            if value is not None:
                options[f"{role}_{flag}"] = value
    for extra in ("judge_models", "judge_vote"):
        if getattr(args, extra, None):
            options[extra] = getattr(args, extra)
    return options


def cmd_run(args: argparse.Namespace) -> int:
    from consultgym.runner import RunSpec, run

    spec = RunSpec(
        out=Path(args.out),
        scenarios=args.scenarios,
        episodes=args.episodes,
        seed=args.seed,
        concurrency=args.concurrency,
        doctor=args.doctor,
        patient=args.patient,
        guardian=args.guardian,
        judge=args.judge,
        env_id=args.env,
        max_turns=args.max_turns,
        options=_role_options(args),
        progress=not args.quiet,
        loop=args.loop,
        workers=args.workers,
    )
    if args.ray:
        from consultgym.integrations.ray_rollouts import run_ray

        summary = run_ray(spec, address=args.ray, actors=args.ray_actors)
    else:
        summary = run(spec)
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"{summary.out}: {summary.completed} completed, {summary.errored} errored, {summary.skipped} already done "
        f"({summary.planned} planned) in {summary.seconds:.2f} s"
    )
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    from consultgym.agents.patient.turn import mermaid

    print(mermaid(), end="")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from consultgym.report import format_report, summarize
    from consultgym.runfile import load_run

    run_file = load_run(args.file)
    for warning in run_file.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    summary = summarize(run_file.episodes)
    print(json.dumps(summary) if args.json else format_report(summary, title=str(args.file)))
    return 0


def cmd_scenario_validate(args: argparse.Namespace) -> int:
    from consultgym.authoring.gold import gold_check
    from consultgym.scenarios.loader import load_scenario, scenario_files

    failures = checked = 0
    for target in args.paths:
        for path in scenario_files(target):
            checked += 1
            try:
                problems = gold_check(load_scenario(path)) if args.gold else []
            except ConsultGymError as exc:
                problems = [str(exc)]
            for problem in problems:
                print(f"{problem if problem.startswith(str(path)) else f'{path}: {problem}'}")
            failures += bool(problems)
    print(f"{checked - failures}/{checked} scenarios valid", file=sys.stderr)
    return 1 if failures else 0


def cmd_scenario_lint(args: argparse.Namespace) -> int:
    from consultgym.authoring.gold import lint
    from consultgym.scenarios.loader import load_scenario, scenario_files

    count = 0
    for target in args.paths:
        for path in scenario_files(target):
            for warning in lint(load_scenario(path)):
                print(f"{path}: warning: {warning}")
                count += 1
    print(f"{count} warnings", file=sys.stderr)
    return 0


def cmd_scenario_list(args: argparse.Namespace) -> int:
    from consultgym.scenarios.loader import load_library

    for s in load_library(args.library):
        if args.specialty and s.specialty != args.specialty:
            continue
        if args.source and s.source.dataset != args.source:
            continue
        if args.condition and args.condition.lower() not in (
            s.diagnosis.name.lower(),
            *map(str.lower, s.tags),
        ):
            continue
        print(f"{s.id:45s} {s.specialty:18s} {s.source.dataset:20s} {s.title}")
    return 0


def cmd_scenario_show(args: argparse.Namespace) -> int:
    from consultgym.errors import ScenarioError
    from consultgym.scenarios.loader import dump_scenario, load_library

    matches = [s for s in load_library(args.library) if s.id == args.id]
    if not matches:
        raise ScenarioError(f"no scenario {args.id!r} in {args.library}; see `consultgym scenario list`")
    print(dump_scenario(matches[0]), end="")
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    import asyncio

    from consultgym.agents.factory import make_judge
    from consultgym.agreement import compare, rejudge
    from consultgym.errors import ConfigError
    from consultgym.runfile import load_run
    from consultgym.scenarios.loader import load_library

    names = [name.strip() for name in args.judges.split(",") if name.strip()]
    if len(names) != 2:
        raise ConfigError(f"--judges takes two judges separated by a comma, e.g. offline,llm (got {args.judges!r})")
    run_file = load_run(args.file)
    scenarios = {s.id: s for s in load_library(args.scenarios)}
    episodes = [e for e in run_file.episodes if e.ok and e.scenario_id in scenarios]
    if not episodes:
        raise ConfigError(f"{args.file}: no finished episode whose scenario is in {' '.join(args.scenarios)}")
    options = _role_options(args)
    judges = [make_judge(name, **options) for name in names]

    async def both():
        return [await rejudge(episodes, scenarios, judge) for judge in judges]

    first, second = asyncio.run(both())
    result = compare(first, second)
    if args.json:
        print(json.dumps({"judges": names, **result}))
        return 0
    print(f"{names[0]} vs {names[1]} on {result['episodes']} episodes, {result['items']} items")
    print(f"agreement {result['agreement']:.3f}  kappa {result['cohen_kappa']:.3f}  macro F1 {result['macro_f1']:.3f}")
    print(f"diagnosis agreement {result['diagnosis_agreement']:.3f}  coverage {result['coverage_mean']}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from consultgym.export import export_run

    count = export_run(args.file, args.out, args.format, "sft" if args.sft else "episodes", args.min_reward)
    print(f"{args.out}: {count} {'SFT chats' if args.sft else 'episodes'}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from consultgym.serve import serve_settings

    settings = {"scenarios": args.scenarios, "patient": args.patient, "guardian": args.guardian, "judge": args.judge}
    settings.update(max_turns=args.max_turns, partial_credit=args.partial_credit, **_role_options(args))
    serve_settings(settings, env_id=args.env, host=args.host, port=args.port, max_sessions=args.max_sessions)
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    from consultgym.app.launch import launch

    return launch(args.runs, args.port, args.streamlit_args)


def cmd_scenario_draft(args: argparse.Namespace) -> int:
    import asyncio

    from consultgym.config import LLMSettings
    from consultgym.authoring.drafting import draft_scenario
    from consultgym.scenarios.loader import dump_scenario

    settings = LLMSettings.from_options(
        "drafter",
        **{
            k: v
            for k, v in {"model": args.model, "base_url": args.base_url, "api_key_env": args.api_key_env}.items()
            if v is not None
        },
    )

    def show(attempt: int, reasons: list[str]) -> None:
        print(f"draft {attempt} rejected:", file=sys.stderr)
        for reason in reasons:
            print(f"  - {reason}", file=sys.stderr)

    result = asyncio.run(draft_scenario(args.diagnosis, settings, args.attempts, show))
    if result.scenario is None:
        print(
            f"error: no draft passed validation, lint and the gold check in {args.attempts} attempts", file=sys.stderr
        )
        return 1
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    text = dump_scenario(result.scenario)
    if args.out is None:
        print(text, end="")
        return 0
    out = Path(args.out)
    target = out / f"{result.scenario.id}.yaml" if out.is_dir() or args.out.endswith("/") else out
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} (accepted after {len(result.rejections) + 1} draft(s))", file=sys.stderr)
    return 0


def cmd_scenario_generate(args: argparse.Namespace) -> int:
    from consultgym.authoring.generator import generate_command

    print(generate_command(args.condition, args.seed, args.out, args.count, args.all, args.per_condition))
    return 0


def cmd_scenario_import(args: argparse.Namespace) -> int:
    from consultgym.authoring.importers.agentclinic import import_command

    print(import_command(args.file, args.out))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="consultgym", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run the scripted doctor over the starter library, offline")
    demo.add_argument("--out", default="runs/demo.jsonl")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(handler=cmd_demo)

    run = commands.add_parser("run", help="run a doctor over a scenario library and write a JSONL run file")
    add_run_arguments(run)
    run.set_defaults(handler=cmd_run)

    graph = commands.add_parser(
        "graph", help="print the patient-turn graph (draft, guard, revise, emit, fallback) as Mermaid text"
    )
    graph.set_defaults(handler=cmd_graph)

    report = commands.add_parser("report", help="summarise a run file")
    report.add_argument("file")
    report.add_argument("--json", action="store_true", help="print one JSON object")
    report.set_defaults(handler=cmd_report)

    agreement = commands.add_parser("agreement", help="re-judge a run with two judges and compare them")
    agreement.add_argument("file")
    agreement.add_argument("--judges", default="offline,llm", help="two judges, e.g. offline,llm")
    agreement.add_argument("--scenarios", nargs="+", default=["all"], help="where the run's scenarios are")
    agreement.add_argument("--judge-models", default=None, help="comma-separated models of a panel judge")
    agreement.add_argument("--judge-vote", default=None, choices=["majority", "unanimous", "any"], help="panel rule")
    agreement.add_argument("--json", action="store_true")
    add_role_arguments(agreement, roles=("judge",))
    agreement.set_defaults(handler=cmd_agreement)

    app = commands.add_parser(
        "app",
        help="open the Streamlit app (replay, compare, play, author) on 127.0.0.1",
        description="Any --server.* or other streamlit option after the run files is passed through to streamlit.",
    )
    app.add_argument("runs", nargs="*", help="run files (JSONL) to replay and compare")
    app.add_argument("--port", type=int, default=None)
    app.set_defaults(handler=cmd_app)

    add_export_command(commands.add_parser("export", help="write a run file as a parquet or datasets training set"))
    add_serve_command(commands.add_parser("serve", help="serve consultations over HTTP to remote trainers"))
    add_scenario_commands(commands.add_parser("scenario", help="validate, list, show and lint scenarios"))
    return parser


def add_export_command(export: argparse.ArgumentParser) -> None:
    export.add_argument("file", help="the run file (JSONL)")
    export.add_argument("--out", required=True, help="a .parquet file, or a folder with --format hf")
    export.add_argument("--format", default="parquet", choices=["parquet", "hf"], help="hf: datasets.save_to_disk")
    export.add_argument("--sft", action="store_true", help="only good episodes, as chat messages for SFT")
    export.add_argument("--min-reward", type=float, default=0.5, help="with --sft: the least reward kept")
    export.set_defaults(handler=cmd_export)


def add_serve_command(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (no authentication: keep loopback)")
    serve.add_argument("--port", type=int, default=8010)
    serve.add_argument(
        "--env",
        default="consultgym/Consultation-v0",
        choices=["consultgym/Consultation-v0", "consultgym/HistoryTaking-v0"],
    )
    serve.add_argument("--scenarios", nargs="+", default=["starter"], help="library name(s), folders or files")
    serve.add_argument("--max-sessions", type=int, default=256, help="live episodes at most")
    serve.add_argument("--max-turns", type=int, default=None)
    serve.add_argument("--partial-credit", action=argparse.BooleanOptionalAction, default=True)
    serve.add_argument("--patient", default="offline", choices=["offline", "llm"])
    serve.add_argument("--guardian", default="offline", choices=["offline", "llm", "tiered", "off"])
    serve.add_argument("--judge", default="offline", choices=["offline", "llm", "panel"])
    add_role_arguments(serve, roles=("patient", "guardian", "judge"))
    serve.set_defaults(handler=cmd_serve)


def add_run_arguments(run: argparse.ArgumentParser) -> None:
    run.add_argument("--scenarios", nargs="+", default=["starter"], help="library name(s), folders or files")
    run.add_argument("--episodes", type=int, default=None, help="episodes in total (default: one per scenario)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--concurrency", type=int, default=1)
    run.add_argument("--out", required=True, help="run file (JSONL); rerunning with the same file resumes")
    run.add_argument("--env", default="consultgym/Consultation-v0")
    run.add_argument("--max-turns", type=int, default=None)
    run.add_argument(
        "--doctor",
        default="scripted",
        choices=["scripted", "knowledge", "llm"],
        help="scripted checklist, knowledge (checklist + knowledge-graph questions), or an LLM",
    )
    run.add_argument("--patient", default="offline", choices=["offline", "llm"])
    run.add_argument("--guardian", default="offline", choices=["offline", "llm", "tiered", "off"])
    run.add_argument("--judge", default="offline", choices=["offline", "llm", "panel"])
    run.add_argument("--judge-models", default=None, help="comma-separated models of a panel judge")
    run.add_argument("--judge-vote", default=None, choices=["majority", "unanimous", "any"], help="panel rule")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument(
        "--loop",
        default="direct",
        choices=["direct", "graph"],
        help="drive each patient turn with a plain loop (default) or the LangGraph graph; same transcripts",
    )
    run.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="processes playing episodes on this machine, each with its own event loop and HTTP pool "
        "(default: the cores available, %(default)s); --concurrency is shared among them, so at most that many run",
    )
    run.add_argument(
        "--ray",
        nargs="?",
        const="local",
        default=None,
        metavar="ADDRESS",
        help="play episodes on Ray actors: a local instance, or a cluster ADDRESS ('auto', 'ray://host:10001')",
    )
    run.add_argument("--ray-actors", type=int, default=2, help="Ray actors (processes) playing episodes")
    add_role_arguments(run)


def default_workers() -> int:
    """The cores this process may run on."""
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def add_role_arguments(
    parser: argparse.ArgumentParser, roles: Sequence[str] = ("patient", "guardian", "judge", "doctor")
):
    """--<role>-model, --<role>-base-url ... for every LLM-capable role."""
    for role in roles:
        group = parser.add_argument_group(f"{role} LLM")
        group.add_argument(f"--{role}-model", default=None)
        group.add_argument(f"--{role}-base-url", default=None)
        group.add_argument(f"--{role}-api-key-env", default=None, help="environment variable holding the API key")
        group.add_argument(f"--{role}-temperature", type=float, default=None)
        group.add_argument(f"--{role}-seed", type=int, default=None, help="sampling seed sent with every request")
        group.add_argument(f"--{role}-max-tokens", type=int, default=None)
        group.add_argument(f"--{role}-timeout", type=float, default=None, help="seconds per request")
        group.add_argument(f"--{role}-max-retries", type=int, default=None)
        group.add_argument(f"--{role}-cache", default=None, choices=["off", "read", "write", "readwrite"])
        group.add_argument(f"--{role}-cache-dir", default=None, help="where cached responses are kept")


def add_scenario_commands(scenario: argparse.ArgumentParser) -> None:
    sub = scenario.add_subparsers(dest="scenario_command", required=True)
    validate = sub.add_parser("validate", help="check files against the schema (and the gold check with --gold)")
    validate.add_argument("paths", nargs="+")
    validate.add_argument("--gold", action=argparse.BooleanOptionalAction, default=True)
    validate.set_defaults(handler=cmd_scenario_validate)
    lint_cmd = sub.add_parser("lint", help="print authoring warnings")
    lint_cmd.add_argument("paths", nargs="+")
    lint_cmd.set_defaults(handler=cmd_scenario_lint)
    listing = sub.add_parser("list", help="list scenarios")
    listing.add_argument("--library", default="all")
    listing.add_argument("--specialty")
    listing.add_argument("--source", help="dataset, e.g. consultgym-starter, ddxplus, agentclinic")
    listing.add_argument("--condition", help="diagnosis name or tag")
    listing.set_defaults(handler=cmd_scenario_list)
    generate = sub.add_parser("generate", help="generate scenarios from the DDXPlus knowledge graph (seeded)")
    generate.add_argument("--condition", help="DDXPlus condition name, any case or synonym")
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument("--count", type=int, default=1, help="scenarios from --seed on")
    generate.add_argument("--all", action="store_true", help="every condition (bulk mode; needs --out DIR)")
    generate.add_argument("--per-condition", type=int, default=3, help="scenarios per condition with --all")
    generate.add_argument("--out", default=None, help="file or folder (default: print the YAML)")
    generate.set_defaults(handler=cmd_scenario_generate)
    importer = sub.add_parser("import", help="import scenarios from another dataset")
    importer.add_argument("dataset", choices=["agentclinic"])
    importer.add_argument("file", help="the dataset file, e.g. agentclinic_medqa_extended.jsonl")
    importer.add_argument("--out", required=True, help="folder for the scenario files")
    importer.set_defaults(handler=cmd_scenario_import)
    draft = sub.add_parser("draft", help="draft a scenario with an LLM (reject sampling on validation and gold check)")
    draft.add_argument("--diagnosis", required=True)
    draft.add_argument("--model", required=True)
    draft.add_argument("--base-url", default=None)
    draft.add_argument("--api-key-env", default=None, help="environment variable holding the API key")
    draft.add_argument("--attempts", type=int, default=3, help="drafts to try before giving up")
    draft.add_argument("--out", default=None, help="file or folder (default: print the YAML)")
    draft.set_defaults(handler=cmd_scenario_draft)
    show = sub.add_parser("show", help="print one scenario as YAML")
    show.add_argument("id")
    show.add_argument("--library", default="all")
    show.set_defaults(handler=cmd_scenario_show)


def main(argv: Sequence[str] | None = None) -> int:
    args, unknown = build_parser().parse_known_args(argv)
    if args.command == "app":
        args.streamlit_args = unknown  # e.g. --server.address=0.0.0.0, passed through to streamlit
    elif unknown:
        build_parser().parse_args(argv)  # reports the unknown arguments and exits 2
    try:
        return args.handler(args)
    except ConsultGymError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `consultgym report ... | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
