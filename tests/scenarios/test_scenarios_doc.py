"""docs/scenarios.md's annotated example is a valid scenario that passes the gold check, and its bash commands name
real subcommands."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from consultgym.authoring.gold import gold_check
from consultgym.cli import build_parser
from consultgym.scenarios.loader import parse_scenario
from consultgym.scenarios.retrieval import facts_for_question, facts_for_request
from consultgym.scenarios.schema import FactCategory

DOC = Path(__file__).parents[2] / "docs" / "scenarios.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_annotated_example_is_valid_and_passes_the_gold_check():
    (example,) = blocks("yaml")
    scenario = parse_scenario(yaml.safe_load(example), "docs/scenarios.md")
    assert gold_check(scenario) == []
    assert [f.id for f in facts_for_question(scenario, "How long ago did it begin?")] == ["onset"]
    assert [f.id for f in facts_for_request(scenario, "ECG", FactCategory.lab)] == ["ecg"]
    assert facts_for_request(scenario, "chest X-ray", FactCategory.lab) == [] and scenario.default_finding == "normal"


def test_every_consultgym_command_in_the_page_parses():
    parser = build_parser()
    for block in blocks("bash"):
        for line in block.splitlines():
            command = line.split("#")[0].strip()
            if command.startswith("consultgym "):
                parser.parse_args(shlex.split(command)[1:])
