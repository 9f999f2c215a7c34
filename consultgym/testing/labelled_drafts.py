"""Patient drafts of a real model, labelled by hand, and how well a guardian's verdicts agree with the labels.

The sample (``tests/fixtures/real_llm_drafts.jsonl``, guide in ``tests/fixtures/real_llm_labelling.md``) holds drafts
that SmolLM2-135M wrote as the patient of starter scenarios, each with the doctor's turn, the dialogue before it and
the labels: every offending span of the draft with its kind (unsupported, contradicts, leak, non_answer, role_break).
A draft without labels is supported.

Agreement is counted two ways:

- per draft: a draft with a label is a positive; a guardian that rejects it is right (true positive), one that
  passes it misses it (false negative); rejecting an unlabelled draft is a false positive;
- per span: a labelled span is caught when a guardian issue overlaps it, whatever the issue's kind; a guardian issue
  is correct when it overlaps a labelled span.

Example:
    >>> drafts = [LabelledDraft("d1", "s", "Any fever?", (), "No.", ()),
    ...           LabelledDraft("d2", "s", "Any fever?", (), "Yes, 40 degrees.", (Label("unsupported", "40 degrees"),))]
    >>> from consultgym.records import GuardianIssue, IssueKind, Verdict
    >>> flagged = Verdict(ok=False, issues=[GuardianIssue(kind=IssueKind.unsupported, text="40 degrees", start=5)])
    >>> accuracy = agreement(drafts, [Verdict(ok=True), flagged])
    >>> (accuracy.precision, accuracy.recall, accuracy.span_recall)
    (1.0, 1.0, 1.0)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from consultgym.actions import parse_action
from consultgym.agents.base import Exchange, PatientContext
from consultgym.errors import RecordError
from consultgym.records import IssueKind, Verdict
from consultgym.scenarios.schema import Scenario

KINDS = tuple(kind.value for kind in IssueKind)


@dataclass(frozen=True)
class Label:
    """One offending span of a draft, as the labeller saw it."""

    kind: str
    span: str
    note: str = ""


@dataclass(frozen=True)
class LabelledDraft:
    """A draft, the turn it answers, and its labels (none: the draft is supported)."""

    id: str
    scenario_id: str
    doctor: str
    history: tuple[tuple[str, str], ...]
    draft: str
    labels: tuple[Label, ...]
    temperature: float = 0.0

    @property
    def supported(self) -> bool:
        return not self.labels

    def context(self, library: Mapping[str, Scenario]) -> PatientContext:
        """The guardian's view of the turn: the scenario, the doctor's turn and the dialogue before it."""
        history = tuple(Exchange(doctor, patient) for doctor, patient in self.history)
        return PatientContext(library[self.scenario_id], parse_action(self.doctor), history, turn=len(history))

    def spans(self) -> list[tuple[int, int, str]]:
        """(start, end, kind) of every label in the draft."""
        return [
            (self.draft.index(label.span), self.draft.index(label.span) + len(label.span), label.kind)
            for label in self.labels
        ]


def load_labelled(path: str | Path) -> list[LabelledDraft]:
    """The labelled drafts of a JSONL file (one draft per line).

    Raises:
        RecordError: a line that is not a labelled draft, an unknown kind, or a span the draft does not contain.
    """
    drafts = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            drafts.append(_draft(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            raise RecordError(f"{path}:{number}: not a labelled draft ({exc})") from None
    return drafts


def _draft(data: dict) -> LabelledDraft:
    labels = tuple(Label(item["kind"], item["span"], item.get("note", "")) for item in data["labels"])
    for label in labels:
        if label.kind not in KINDS:
            raise ValueError(f"label kind {label.kind!r} is not one of {', '.join(KINDS)}")
        if not label.span or label.span not in data["draft"]:
            raise ValueError(f"the span {label.span[:60]!r} is not in the draft")
    return LabelledDraft(
        id=data["id"],
        scenario_id=data["scenario"],
        doctor=data["doctor"],
        history=tuple((doctor, patient) for doctor, patient in data["history"]),
        draft=data["draft"],
        labels=labels,
        temperature=float(data.get("temperature", 0.0)),
    )


@dataclass
class Agreement:
    """A guardian's verdicts against the labels (see the module docstring)."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    true_negatives: int = 0
    spans_caught: int = 0
    spans: int = 0
    issues_on_labels: int = 0
    issues: int = 0
    caught_by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [caught, labelled]

    @property
    def precision(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_positives)

    @property
    def recall(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_negatives)

    @property
    def span_recall(self) -> float:
        return _ratio(self.spans_caught, self.spans)

    @property
    def span_precision(self) -> float:
        return _ratio(self.issues_on_labels, self.issues)


def agreement(drafts: Sequence[LabelledDraft], verdicts: Sequence[Verdict]) -> Agreement:
    """How far `verdicts` (one per draft, in order) agree with the drafts' labels."""
    result = Agreement()
    for draft, verdict in zip(drafts, verdicts, strict=True):
        rejected = not verdict.ok
        if draft.labels:
            result.true_positives += rejected
            result.false_negatives += not rejected
        else:
            result.false_positives += rejected
            result.true_negatives += not rejected
        found = [(issue.start, issue.start + len(issue.text)) for issue in verdict.issues if issue.start >= 0]
        labelled = draft.spans()
        for start, end, kind in labelled:
            caught = any(_overlap((start, end), span) for span in found)
            result.spans += 1
            result.spans_caught += caught
            counts = result.caught_by_kind.setdefault(kind, [0, 0])
            counts[0] += caught
            counts[1] += 1
        result.issues += len(found)
        result.issues_on_labels += sum(any(_overlap(span, (s, e)) for s, e, _ in labelled) for span in found)
    return result


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else float("nan")
