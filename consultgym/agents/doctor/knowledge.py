"""The scripted doctor with the DDXPlus knowledge graph: it picks questions by expected information gain.

After a condensed history, each turn asks the evidences (DDXPlus questions) with the highest expected information
gain over the most probable remaining conditions, given what the patient has confirmed and denied so far. An evidence
counts as confirmed when one of its keywords appears in an affirmative clause of anything the patient said, and as
denied when it was asked and not confirmed. The differential is the posterior ranking (`differential()`); the
diagnosis is its top condition, unless the findings table of the plain scripted doctor matches more strongly.
Like `ScriptedDoctor`, it sees only the patient's words.
"""

from __future__ import annotations

from consultgym.agents.doctor.scripted import ScriptedDoctor, pick_profile, rank_diagnoses
from consultgym.agents.guardian.offline import clauses
from consultgym.scenarios.knowledge import KnowledgeBase, load_knowledge
from consultgym.text import contains_phrase, is_negated

CONDENSED_HISTORY: list[str] = [
    "When did this start? Can you describe what it feels like? How severe is it on a scale of 1 to 10?",
    "Does it spread anywhere? Does anything make it better or worse? Have you noticed any other symptoms?",
    "Do you take any medications? Do you have any allergies? Do you have any past medical history?",
    "Does anything run in your family? Do you smoke? Do you drink alcohol?",
]
KNOWLEDGE_TURNS = 4  # turns of information-gain questions, three evidences each
CANDIDATES = 12  # conditions kept in play when ranking questions
FINDINGS_OVERRIDE = 4.0  # a findings-table score at least this strong beats the graph (exam and test results)


class KnowledgeDoctor(ScriptedDoctor):
    """Condensed history, information-gain questions from the knowledge graph, examination, tests, diagnosis."""

    def __init__(self, knowledge: KnowledgeBase | None = None, questions_per_turn: int = 3) -> None:
        super().__init__()
        self.name = "knowledge"
        self.kb = knowledge or load_knowledge()
        self.questions_per_turn = questions_per_turn
        self.asked: list[str] = []
        self.knowledge_turns = 0

    def reset(self, opening: str, seed: int = 0) -> None:
        profile = pick_profile(opening)
        self.heard, self.asked, self.knowledge_turns = [], [], 0
        self.plan = list(CONDENSED_HISTORY)
        self.closing = [
            "\n".join(f"EXAMINE: {what}" for what in profile.exams),
            "\n".join(f"TEST: {name}" for name in profile.tests),
        ]

    async def act(self, observation: str) -> str:
        self.heard.append(observation)
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
        present = self.confirmed()
        absent = [code for code in self.asked if code not in present]
        return self.kb.score_conditions(present, absent)

    def next_questions(self) -> list[str]:
        ranking = self.differential()[:CANDIDATES]
        weights = dict(ranking)
        best = self.kb.rank_questions([name for name, _ in ranking], self.asked, weights, k=self.questions_per_turn)
        codes = [code for code, gain in best if gain > 0]
        self.asked += codes
        return [self.kb.evidence(code).question for code in codes]

    def diagnose(self) -> str:
        table_best, table_score = rank_diagnoses(" ".join(self.heard))[0]
        if table_score >= FINDINGS_OVERRIDE:
            return table_best
        return self.kb.condition(self.differential()[0][0]).display_name
