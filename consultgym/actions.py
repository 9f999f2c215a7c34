"""The one parser of doctor turns.

Conventions (case-insensitive, each on its own line or at the start of the turn):

- ``DIAGNOSIS: <text>`` gives the final diagnosis and ends the episode (terminated).
- ``END INQUIRY`` ends history taking (terminated; in Consultation-v0 without a diagnosis it scores zero for it).
- ``EXAMINE: <what>`` asks for a physical examination; matching exam facts are revealed.
- ``TEST: <name>`` orders a test; matching lab facts are revealed.
- Anything else is a question (or several) for the patient.

A turn may mix them: questions first, then ``EXAMINE:`` lines; a ``DIAGNOSIS:`` line ends the turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from consultgym.config import MAX_ACTION_CHARS
from consultgym.errors import ActionError
from consultgym.text import replace_surrogates, split_questions

_DIRECTIVE = re.compile(r"^\s*(diagnosis|examine|exam|test|order test)\s*[:\-]\s*(.*)$", re.IGNORECASE)
_END = re.compile(r"^\s*end\s+(of\s+)?inquiry\b", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ActionKind(StrEnum):
    ask = "ask"
    examine = "examine"
    test = "test"
    diagnose = "diagnose"
    end = "end"


@dataclass(frozen=True)
class DoctorAction:
    """A parsed doctor turn: the questions, exams and tests asked for, and a diagnosis if one was given."""

    text: str
    questions: list[str] = field(default_factory=list)
    exams: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)
    diagnosis: str | None = None
    end_inquiry: bool = False
    truncated: bool = False

    @property
    def ends_episode(self) -> bool:
        return self.diagnosis is not None or self.end_inquiry

    @property
    def kind(self) -> ActionKind:
        if self.diagnosis is not None:
            return ActionKind.diagnose
        if self.end_inquiry:
            return ActionKind.end
        if self.exams and not self.questions:
            return ActionKind.examine
        if self.tests and not self.questions:
            return ActionKind.test
        return ActionKind.ask

    @cached_property
    def units(self) -> tuple[tuple[str, str], ...]:
        """The turn's units in the order a patient meets them: ('ask', question), ('examine', what), ('test', name).

        Worked out once per turn: the patient, the guardian, the session and the judge all cut the same turn.
        """
        units = [("ask", q) for line in self.questions for q in split_questions(line)]
        units += [("examine", what) for what in self.exams]
        units += [("test", name) for name in self.tests]
        return tuple(units)


def clean_action(action: object, limit: int = MAX_ACTION_CHARS) -> tuple[str, bool]:
    """Check a doctor action is text, replace control characters and lone surrogates, cut it to `limit` characters.

    Returns:
        The cleaned text and whether it was truncated.

    Raises:
        ActionError: the action is not a string (bytes are decoded as UTF-8 first).
    """
    if isinstance(action, bytes):
        action = action.decode("utf-8", errors="replace")
    if not isinstance(action, str):
        raise ActionError(f"a doctor action must be a string, got {type(action).__name__}: {action!r:.80}")
    text = replace_surrogates(_CONTROL.sub(" ", action)).strip()
    if len(text) > limit:
        return text[:limit], True
    return text, False


def parse_action(action: object) -> DoctorAction:
    """Parse a doctor turn into questions, exam and test requests, a diagnosis or an end of inquiry."""
    text, truncated = clean_action(action)
    questions: list[str] = []
    exams: list[str] = []
    tests: list[str] = []
    for line in text.splitlines():
        if _END.match(line):
            return DoctorAction(text, questions, exams, tests, end_inquiry=True, truncated=truncated)
        directive = _DIRECTIVE.match(line)
        if directive is None:
            if line.strip():
                questions.append(line.strip())
            continue
        verb, rest = directive.group(1).lower(), directive.group(2).strip()
        if verb == "diagnosis":
            return DoctorAction(text, questions, exams, tests, diagnosis=rest, truncated=truncated)
        (exams if verb.startswith("exam") else tests).append(rest or "general")
    return DoctorAction(text, questions, exams, tests, truncated=truncated)


def question_text(action: DoctorAction) -> str:
    """The question part of a turn, as one string (what the patient answers and the judge scores)."""
    return "\n".join(action.questions)
