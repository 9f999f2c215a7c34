"""`LLMPatient`: a chat model role-plays the patient from the scenario's facts and persona.

What the model is given: the persona, the opening, the history facts in the patient's own words, the closed-world
policy of `consultgym.agents.patient.offline` as rules, and the dialogue so far (doctor = user, patient = assistant).
What it is never given: the diagnosis or its synonyms, the rubric, and the exam and lab facts.

- Diagnosis names inside facts (family history may say "my father had a heart attack") and inside any other text sent
  (the doctor's words, earlier replies, guidance) are replaced by placeholders such as ``[CONDITION-2]``; the reply
  has them put back. So no request ever contains a name, yet the patient can still repeat that fact.
- ``EXAMINE:`` and ``TEST:`` units are answered by the offline retrieval (the findings are facts, not conversation):
  a turn with only such units costs no call; in a mixed turn the model answers the questions and the findings follow.
  Later requests carry only the conversation: the directive lines and the findings are left out of the history.
- `revise` sends the rejected draft back with guidance naming each offending span, why it was flagged, and the facts
  that bear on it (guidance injection, as in MedDialogRubrics).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from consultgym.actions import DoctorAction, parse_action
from consultgym.agents.base import PatientAgent, PatientContext
from consultgym.agents.llm import LLMParticipant, Message, render_prompt
from consultgym.agents.patient.offline import answer_units, fact_only_reply, revealed_facts
from consultgym.config import DEFAULT_QUESTIONS_PER_TURN, LLMSettings
from consultgym.records import Verdict
from consultgym.scenarios.prepared import per_scenario, prepared
from consultgym.scenarios.schema import Scenario

STYLES = {
    "plain": "plainly and briefly, like most people at the doctor's.",
    "terse": "in as few words as possible; often a single short sentence.",
    "chatty": "warmly and a little chattily, but you still only give facts that were asked for.",
    "anxious": "nervously; you sound worried and may hesitate, but you still only give facts that were asked for.",
    "stoic": "calmly and matter-of-factly; you tend to play things down.",
}
_PLACEHOLDER = re.compile(r"\[\s*condition[\s_-]*(\d+)\s*\]", re.IGNORECASE)


@dataclass(frozen=True)
class Redactor:
    """Swaps the diagnosis and its synonyms for numbered placeholders in text sent out, and back in replies."""

    names: tuple[str, ...]
    patterns: tuple[tuple[re.Pattern[str], str], ...]

    @classmethod
    def for_scenario(cls, scenario: Scenario) -> Redactor:
        names = tuple(scenario.diagnosis.names)
        # Longest first, so 'inferior STEMI' is replaced whole before 'STEMI' could match inside it.
        order = sorted(range(len(names)), key=lambda i: -len(names[i]))
        return cls(names, tuple((_name_pattern(names[i]), f"[CONDITION-{i + 1}]") for i in order))

    def scrub(self, text: str) -> str:
        for pattern, placeholder in self.patterns:
            text = pattern.sub(placeholder, text)
        return text

    def restore(self, text: str) -> str:
        def name(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            return self.names[index] if 0 <= index < len(self.names) else match.group(0)

        return _PLACEHOLDER.sub(name, text)


def _name_pattern(name: str) -> re.Pattern[str]:
    words = re.findall(r"[A-Za-z0-9]+", name)
    body = r"[\W_]+".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![A-Za-z0-9]){body}(?:s|es|'s)?(?![A-Za-z0-9])", re.IGNORECASE)


redactor = per_scenario(Redactor.for_scenario)


def _system_prompt(scenario: Scenario, questions_per_turn: int) -> str:
    patient = scenario.patient
    facts = [f"- ({fact.category.value}) {fact.spoken}" for fact in scenario.facts if not fact.hidden_until_requested]
    informant = (
        f"You are the patient's {patient.informant} and answer for them; 'you' in the facts means the patient.\n"
        if patient.informant
        else ""
    )
    text = render_prompt(
        "patient",
        age=patient.age,
        sex=patient.sex,
        persona=patient.persona,
        informant=informant,
        style=STYLES.get(patient.style, STYLES["plain"]),
        opening=scenario.opening,
        facts="\n".join(facts),
        questions_per_turn=questions_per_turn,
    )
    return redactor(scenario).scrub(text)


def system_prompt(scenario: Scenario, questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN) -> str:
    """The patient's system prompt for a scenario (prepared once per scenario and question limit)."""
    return prepared(scenario, ("patient_prompt", questions_per_turn), lambda s: _system_prompt(s, questions_per_turn))


class LLMPatient(LLMParticipant, PatientAgent):
    """A chat model playing the patient. Raises `BackendError` when the model cannot be reached after retries.

    Args:
        settings: how to reach the model.
        questions_per_turn: questions answered per doctor turn (the rest are deferred, as the offline patient does).
    """

    def __init__(self, settings: LLMSettings, questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN) -> None:
        super().__init__(name="llm")
        self.questions_per_turn = questions_per_turn
        self.connect(settings, "patient")

    def revealed(self, ctx: PatientContext) -> list[str]:
        """The facts retrieval finds for the turn: what the reply may say (the guardian holds it to them)."""
        return revealed_facts(ctx, self.questions_per_turn)

    async def respond(self, ctx: PatientContext) -> str:
        if not ctx.action.questions:
            return fact_only_reply(ctx, self.questions_per_turn)[0]  # nothing to say, or findings only
        text = await self.backend.complete(self.messages(ctx))
        return self._finish(ctx, text)

    async def revise(self, ctx: PatientContext, draft: str, verdict: Verdict) -> str:
        if not ctx.action.questions:
            return fact_only_reply(ctx, self.questions_per_turn)[0]
        messages = self.messages(ctx)
        scrub = redactor(ctx.scenario).scrub
        messages.append({"role": "assistant", "content": scrub(self._spoken_part(ctx, draft))})
        messages.append({"role": "user", "content": scrub(guidance(ctx.scenario, verdict))})
        return self._finish(ctx, await self.backend.complete(messages))

    def messages(self, ctx: PatientContext) -> list[Message]:
        """The request for one turn: system prompt, the dialogue so far, and the doctor's questions."""
        scrub = redactor(ctx.scenario).scrub
        messages: list[Message] = [{"role": "system", "content": system_prompt(ctx.scenario, self.questions_per_turn)}]
        for turn, exchange in enumerate(ctx.history):
            # Only the conversation: directive lines and the findings they revealed are not the patient's to know.
            past = replace(ctx, action=parse_action(exchange.doctor), turn=turn)
            if past.action.questions:
                messages.append({"role": "user", "content": scrub("\n".join(past.action.questions))})
                messages.append({"role": "assistant", "content": scrub(self._spoken_part(past, exchange.patient))})
        messages.append({"role": "user", "content": scrub("\n".join(ctx.action.questions))})
        return messages

    def _finish(self, ctx: PatientContext, text: str) -> str:
        """Put the names back and append the offline findings for this turn's EXAMINE/TEST units."""
        reply = redactor(ctx.scenario).restore(text.strip())
        findings = self._findings(ctx)
        return f"{reply} {findings}".strip() if findings else reply

    def _findings(self, ctx: PatientContext) -> str:
        units = answer_units(ctx.action)
        asked = sum(kind == "ask" for kind, _ in units)
        budget = self.questions_per_turn - asked  # questions come first, as in the offline patient's answer
        if asked == len(units) or budget <= 0:
            return ""
        only_findings = DoctorAction(ctx.action.text, exams=list(ctx.action.exams), tests=list(ctx.action.tests))
        return fact_only_reply(replace(ctx, action=only_findings), budget)[0]

    def _spoken_part(self, ctx: PatientContext, draft: str) -> str:
        findings = self._findings(ctx)
        return draft[: -len(findings)].rstrip() if findings and draft.endswith(findings) else draft


def guidance(scenario: Scenario, verdict: Verdict) -> str:
    """What the patient is told after a rejected draft: each offending span, why, and the facts that bear on it."""
    lines = []
    for issue in verdict.issues:
        line = f'- "{issue.text}": {issue.kind.value}'
        if issue.detail:
            line += f" ({issue.detail})"
        facts = [scenario.fact_index[i] for i in issue.facts if i in scenario.fact_index]
        spoken = [f'"{f.spoken}"' for f in facts if not f.hidden_until_requested]
        if spoken:
            line += ". Your facts say: " + " ".join(spoken)
        elif issue.kind.value == "unsupported":
            line += ". None of your facts says this: leave it out."
        elif issue.kind.value == "leak":
            line += ". You do not know your diagnosis: do not name or hint at one."
        elif issue.kind.value == "non_answer":
            line += ". Answer the doctor's latest question, once, in a sentence or two."
        elif issue.kind.value == "role_break":
            line += ". You are the patient, not the doctor or an assistant: answer as the patient."
        lines.append(line)
    if not lines:
        lines.append("- The reply could not be checked; keep strictly to your facts.")
    return render_prompt("revise", problems="\n".join(lines))
