"""The knowledge-graph doctor: a condensed systematic history, then the DDXPlus questions worth most.

After a condensed history, each turn asks the evidences (DDXPlus questions) with the highest expected information
gain over the most probable remaining conditions, given what the patient has confirmed and denied so far. An evidence
counts as confirmed when one of its keywords appears in an affirmative clause of anything the patient said, and as
denied when it was asked and not confirmed. The differential is the posterior ranking (`differential()`); the
diagnosis is the condition an examination or test report concludes, else the differential's top condition.

It reads the same DDXPlus knowledge base the generated library is built from, so its figures on that library measure
the graph, not history taking: reports give them separately (the systematic doctor is the baseline). Like every
doctor it sees only the patient's words.
"""

from __future__ import annotations

from consultgym.agents.doctor.findings import conditions_named
from consultgym.agents.doctor.systematic import SystematicDoctor
from consultgym.agents.guardian.offline import clauses
from consultgym.scenarios.knowledge import KnowledgeBase, load_knowledge
from consultgym.text import contains_phrase, is_negated

CONDENSED_HISTORY: tuple[str, ...] = (
    "When did it start?",
    "What does it feel like?",
    "How severe is it, out of ten?",
    "Does it spread anywhere?",
    "Does anything make it worse?",
    "Have you noticed any other symptoms?",
    "Do you take any medications?",
    "Do you have any allergies?",
    "Do you have any medical conditions?",
    "Does anything run in your family?",
    "Do you smoke?",
    "Do you drink alcohol?",
)
KNOWLEDGE_TURNS = 4  # turns of information-gain questions, three evidences each
CANDIDATES = 12  # conditions kept in play when ranking questions


class KnowledgeDoctor(SystematicDoctor):
    """Condensed history, information-gain questions from the knowledge graph, examination, tests, diagnosis."""

    def __init__(self, knowledge: KnowledgeBase | None = None, questions_per_turn: int = 3) -> None:
        super().__init__(questions_per_turn)
        self.name = "knowledge"
        self.kb = knowledge or load_knowledge()
        self.asked: list[str] = []
        self.knowledge_turns = 0
        self.closing: list[str] = []

    def reset(self, opening: str, seed: int = 0) -> None:
        super().reset(opening, seed)
        self.asked, self.knowledge_turns = [], 0
        per_turn = self.questions_per_turn
        self.plan = [" ".join(CONDENSED_HISTORY[i : i + per_turn]) for i in range(0, len(CONDENSED_HISTORY), per_turn)]
        exams = ["vital signs", *self.profile.exams][:per_turn]
        self.closing = [
            "\n".join(f"EXAMINE: {what}" for what in exams),
            "\n".join(f"TEST: {name}" for name in self.profile.tests[:per_turn]),
        ]

    async def act(self, observation: str) -> str:
        self.heard.append(observation)
        if self._last.startswith(("EXAMINE:", "TEST:")):
            self.findings.append(observation)
        self._last = self._next_turn()
        return self._last

    def _next_turn(self) -> str:
        if self.plan:
            return self.plan.pop(0)
        if self.knowledge_turns < KNOWLEDGE_TURNS:
            questions = self.next_questions()
            if questions:
                self.knowledge_turns += 1
                return " ".join(questions)
        if self.closing:
            return self.closing.pop(0)
        return f"DIAGNOSIS: {self.diagnose()}"

    def confirmed(self) -> set[str]:
        """Evidence codes the patient has affirmed anywhere in the consultation."""
        affirmative = [c for text in self.heard for c, _ in clauses(text) if not is_negated(c)]
        return {
            code
            for code in self.kb.evidences()
            if any(contains_phrase(clause, k) for clause in affirmative for k in self.kb.evidence(code).keywords)
        }

    def differential(self) -> list[tuple[str, float]]:
        """Conditions by posterior probability given what was confirmed and denied, best first."""
        confirmed = self.confirmed()
        # In code order: float sums in another order differ in the last bit, and ties then break by hash seed.
        present = [code for code in self.kb.evidences() if code in confirmed]
        absent = [code for code in self.asked if code not in confirmed]
        return self.kb.score_conditions(present, absent)

    def next_questions(self) -> list[str]:
        ranking = self.differential()[:CANDIDATES]
        weights = dict(ranking)
        best = self.kb.rank_questions([name for name, _ in ranking], self.asked, weights, k=self.questions_per_turn)
        codes = [code for code, gain in best if gain > 0]
        self.asked += codes
        return [self.kb.evidence(code).question for code in codes]

    def diagnose(self) -> str:
        """The condition a report concludes, else the top of the knowledge-graph differential."""
        named = conditions_named(self.findings)
        return named[0] if named else self.kb.condition(self.differential()[0][0]).display_name
