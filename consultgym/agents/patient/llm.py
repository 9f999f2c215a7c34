"""`LLMPatient`: a chat model role-plays the patient from the scenario's facts and persona.

What the model is given: the persona, the opening, the history facts in the patient's own words, the closed-world
policy of `consultgym.agents.patient.offline` as rules, and the dialogue so far (doctor = user, patient = assistant).
What it is never given: the diagnosis or its synonyms, the rubric, and the exam and lab facts.

- Nothing marks the diagnosis. A name reaches the model only as the doctor wrote it or as a family-history fact states
  it, exactly as any other illness would: a placeholder for the diagnosis alone would tell the model which of the
  doctor's candidates is the real one. For the same reason guidance words a leak like any unsupported claim.
- A shotgun turn gets the offline patient's "one thing at a time" reply, without a call: the same rule as offline
  decides what a turn may reveal (`consultgym.scenarios.retrieval`).
- ``EXAMINE:`` and ``TEST:`` units are answered by the offline retrieval (the findings are facts, not conversation):
  a turn with only such units costs no call; in a mixed turn the model answers the questions and the findings follow.
  Later requests carry only the conversation: the directive lines and the findings are left out of the history.
- `revise` sends the rejected draft back with guidance naming each offending span, why it was flagged, and the facts
  that bear on it (guidance injection, as in MedDialogRubrics). A leak and an illness the facts lack get the same
  words, so guidance never confirms a guess.
"""

from __future__ import annotations

from dataclasses import replace

from consultgym.actions import DoctorAction, parse_action
from consultgym.agents.base import Exchange, PatientAgent, PatientContext
from consultgym.agents.llm import LLMParticipant, Message, render_prompt
from consultgym.agents.patient.offline import answer_units, fact_only_reply, revealed_facts
from consultgym.config import DEFAULT_QUESTIONS_PER_TURN, LLMSettings
from consultgym.records import IssueKind, Verdict
from consultgym.scenarios.prepared import prepared
from consultgym.scenarios.retrieval import match_turn
from consultgym.scenarios.schema import Scenario

STYLES = {
    "plain": "plainly and briefly, like most people at the doctor's.",
    "terse": "in as few words as possible; often a single short sentence.",
    "chatty": "warmly and a little chattily, but you still only give facts that were asked for.",
    "anxious": "nervously; you sound worried and may hesitate, but you still only give facts that were asked for.",
    "stoic": "calmly and matter-of-factly; you tend to play things down.",
}


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
    return text


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
        self._history_memo: list[tuple[tuple[str, int, Exchange], list[Message]]] = []
        self.connect(settings, "patient")

    def revealed(self, ctx: PatientContext) -> list[str]:
        """The facts retrieval finds for the turn: what the reply may say (the guardian holds it to them)."""
        return revealed_facts(ctx, self.questions_per_turn)

    async def respond(self, ctx: PatientContext) -> str:
        if self._offline_turn(ctx):
            return fact_only_reply(ctx, self.questions_per_turn)[0]
        text = await self.backend.complete(self.messages(ctx))
        return self._finish(ctx, text)

    async def revise(self, ctx: PatientContext, draft: str, verdict: Verdict) -> str:
        if self._offline_turn(ctx):
            return fact_only_reply(ctx, self.questions_per_turn)[0]
        messages = self.messages(ctx)
        messages.append({"role": "assistant", "content": self._spoken_part(ctx, draft)})
        messages.append({"role": "user", "content": guidance(ctx.scenario, verdict)})
        return self._finish(ctx, await self.backend.complete(messages))

    def _offline_turn(self, ctx: PatientContext) -> bool:
        """Findings only, nothing asked, or a shotgun turn ('one thing at a time'): no model call is needed."""
        return not ctx.action.questions or match_turn(ctx.scenario, ctx.action, self.questions_per_turn)[1]

    def messages(self, ctx: PatientContext) -> list[Message]:
        """The request for one turn: system prompt, the dialogue so far, and the doctor's questions."""
        messages: list[Message] = [{"role": "system", "content": system_prompt(ctx.scenario, self.questions_per_turn)}]
        for turn, exchange in enumerate(ctx.history):
            messages += self._exchange_messages(ctx, turn, exchange)
        messages.append({"role": "user", "content": "\n".join(ctx.action.questions)})
        return messages

    def _exchange_messages(self, ctx: PatientContext, turn: int, exchange: Exchange) -> list[Message]:
        """One past exchange as messages, remembered: each turn's request repeats the whole history."""
        key = (ctx.scenario.id, turn, exchange)
        if len(self._history_memo) > turn and self._history_memo[turn][0] == key:
            return self._history_memo[turn][1]
        del self._history_memo[turn:]  # another episode or another history: forget what follows
        # Only the conversation: directive lines and the findings they revealed are not the patient's to know.
        past = replace(ctx, action=parse_action(exchange.doctor), turn=turn)
        built: list[Message] = []
        if past.action.questions:
            built.append({"role": "user", "content": "\n".join(past.action.questions)})
            built.append({"role": "assistant", "content": self._spoken_part(past, exchange.patient)})
        self._history_memo.append((key, built))
        return built

    def _finish(self, ctx: PatientContext, text: str) -> str:
        """The reply with the offline findings for this turn's EXAMINE/TEST units appended."""
        reply = text.strip()
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
        if issue.kind in (IssueKind.leak, IssueKind.unsupported) and not issue.facts:
            # One wording for a leak and any claim without a fact behind it ('no fact mentions ...' would name the
            # term, 'names the diagnosis' would confirm it): the model must not learn which guess was right.
            lines.append(f'- "{issue.text}": unsupported. None of your facts says this: leave it out.')
            continue
        line = f'- "{issue.text}": {issue.kind.value}'
        if issue.detail:
            line += f" ({issue.detail})"
        facts = [scenario.fact_index[i] for i in issue.facts if i in scenario.fact_index]
        spoken = [f'"{f.spoken}"' for f in facts if not f.hidden_until_requested]
        if spoken:
            line += ". Your facts say: " + " ".join(spoken)
        elif issue.kind == IssueKind.non_answer:
            line += ". Answer the doctor's latest question, once, in a sentence or two."
        elif issue.kind == IssueKind.role_break:
            line += ". You are the patient, not the doctor or an assistant: answer as the patient."
        lines.append(line)
    if not lines:
        lines.append("- The reply could not be checked; keep strictly to your facts.")
    return render_prompt("revise", problems="\n".join(lines))
