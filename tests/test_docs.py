"""Docs that cannot drift: every code block of README.md and docs/*.md, and every docstring example, runs as a test.

Blocks run in page order, each page in a scratch folder where the repository's top-level entries are visible (so
``consultgym/scenarios/library/starter`` resolves) and whatever a block writes stays out of the repository:

- ``python``: executed; the blocks of one page share a namespace, as a reader's session would.
- ``bash``: run with ``bash -e``, the package's ``consultgym`` on the PATH, offline.
- ``yaml``: parsed; a block marked ``<!-- docs-test: file NAME -->`` is also written to NAME for the blocks after it.
- ``text``: shown output, not run.

A block that cannot run here (it installs packages, needs a model server, starts a server that waits) is marked
``<!-- docs-test: skip, <reason> -->`` on the line before it; the reason shows in the test report. A block without a
language fails: label it. docs/rl.md is run by tests/integrations/test_docs_rl.py, with the examples it refers to.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import os
import pkgutil
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import consultgym

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUN_ELSEWHERE = {ROOT / "docs" / "rl.md": "tests/integrations/test_docs_rl.py"}
FENCE = re.compile(
    r"(?:^<!-- docs-test: (?P<directive>[^\n]*?) -->\n)?^```(?P<language>[^\n`]*)\n(?P<code>.*?)^```$", re.M | re.S
)
LANGUAGES = {"python", "bash", "yaml", "text"}
BASH_TIMEOUT_S = 600


@dataclass(frozen=True)
class Block:
    page: Path
    index: int
    language: str
    code: str
    directive: str

    @property
    def skip_reason(self) -> str | None:
        if self.directive.startswith("skip"):
            return self.directive.removeprefix("skip").lstrip(" ,:") or "no reason given"
        return None

    @property
    def file(self) -> str | None:
        return self.directive.removeprefix("file ").strip() if self.directive.startswith("file ") else None


def blocks_of(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    return [
        Block(page, i, m["language"].strip(), m["code"], (m["directive"] or "").strip())
        for i, m in enumerate(FENCE.finditer(text))
    ]


PAGE_BLOCKS = {page: blocks_of(page) for page in PAGES if page not in RUN_ELSEWHERE}


@pytest.fixture(scope="module")
def workdirs(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    """One scratch folder per page, showing the repository's top-level entries through symlinks."""
    folders = {}
    for page in PAGE_BLOCKS:
        folder = tmp_path_factory.mktemp(page.stem)
        for entry in ROOT.iterdir():
            if entry.name not in {".git", ".venv", "runs"} and not entry.name.startswith("."):
                (folder / entry.name).symlink_to(entry)
        folders[page] = folder
    return folders


NAMESPACES: dict[Path, dict[str, object]] = {}


@pytest.mark.parametrize(
    "block",
    [b for blocks in PAGE_BLOCKS.values() for b in blocks],
    ids=lambda b: f"{b.page.name}[{b.index}]-{b.language or 'unlabelled'}",
)
def test_doc_block_runs(block: Block, workdirs: dict[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    assert block.language in LANGUAGES, f"{block.page.name} block {block.index}: label it {sorted(LANGUAGES)}"
    if block.skip_reason is not None:
        pytest.skip(f"{block.page.name} block {block.index}: {block.skip_reason}")
    folder = workdirs[block.page]
    monkeypatch.chdir(folder)
    if block.file:
        (folder / block.file).write_text(block.code, encoding="utf-8")
    if block.language == "python":
        namespace = NAMESPACES.setdefault(block.page, {"__name__": "__docs__"})
        exec(compile(block.code, f"{block.page.name}[{block.index}]", "exec"), namespace)
    elif block.language == "bash":
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        env.pop("OPENAI_API_KEY", None)  # offline: nothing may reach a real model
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", block.code],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=BASH_TIMEOUT_S,
        )
        assert done.returncode == 0, (
            f"{block.page.name} block {block.index}:\n{done.stdout[-1500:]}\n{done.stderr[-3000:]}"
        )
    elif block.language == "yaml":
        assert yaml.safe_load(block.code) is not None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_docs_link_only_inside_the_repository(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    outside = re.findall(r"\]\((?:https?:|\.\./)[^)]*\)|`\.\./[^`]*`", text)
    assert outside == [], "link to a file of the repository instead"
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        assert (page.parent / target).exists(), f"{page.name} links to {target}, which does not exist"


# ----------------------------------------------------------------------------------------------- docstring examples
def _modules_with_examples() -> list[str]:
    """Modules whose source holds a docstring example (a cheap scan: nothing is imported to collect the tests)."""
    names = []
    for info in pkgutil.walk_packages(consultgym.__path__, prefix="consultgym."):
        spec = importlib.util.find_spec(info.name)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        if origin is not None and origin.suffix == ".py" and ">>> " in origin.read_text(encoding="utf-8"):
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules_with_examples())
def test_docstring_examples_run(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # an optional extra (torch for the tiny test model): its own tests say how to install
        pytest.skip(f"{name} needs an optional package: {exc}")
    tests = [t for t in doctest.DocTestFinder(exclude_empty=True).find(module, name) if t.examples]
    skipped = [f"{t.name} line {e.lineno}" for t in tests for e in t.examples if e.options.get(doctest.SKIP)]
    assert skipped == [], "a docstring example marked +SKIP never runs: make it run"
    monkeypatch.chdir(tmp_path)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test, out=lambda text: None)
    failed, attempted = runner.summarize(verbose=False)
    if failed:  # run again, printing the failures
        report: list[str] = []
        for test in tests:
            doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE).run(
                test, out=report.append
            )
        pytest.fail("".join(report)[-4000:])
    assert attempted > 0
