"""The systematic-history doctor: the honest offline baseline.

It takes a history the way it is taught: one question per unit, three units a turn, from a generic checklist (onset,
site, character, severity, radiation, timing, what makes it worse or better, other symptoms, a review of the system
the complaint points to, past history, medications, allergies, family and social history), then examines, orders
tests and gives a diagnosis. It knows nothing about any case: the complaint in the opening picks a body-system
profile (`consultgym.agents.doctor.profiles`), and the diagnosis is the condition an examination or test report
concludes (`consultgym.agents.doctor.findings`), else the profile's working diagnosis ('Chest pain of undetermined
cause'). Like every doctor it sees only the patient's words.

Example:
    >>> import asyncio
    >>> from consultgym.agents.doctor.systematic import SystematicDoctor
    >>> doctor = SystematicDoctor()
    >>> doctor.reset("I've had a rash on my arm for a week.")
    >>> asyncio.run(doctor.act("I've had a rash on my arm for a week."))
    'When did it start? Where is it? What does it feel like?'
"""

from __future__ import annotations

from consultgym.agents.base import DoctorAgent
from consultgym.agents.doctor.findings import conditions_named
from consultgym.agents.doctor.profiles import Profile, pick_profile
from consultgym.config import DEFAULT_QUESTIONS_PER_TURN

HISTORY: tuple[str, ...] = (
    "When did it start?",
    "Where is it?",
    "What does it feel like?",
    "How severe is it, out of ten?",
    "Does it spread anywhere?",
    "Is it there all the time, or does it come and go?",
    "Does anything make it worse?",
    "Does anything make it better?",
    "Have you noticed any other symptoms?",
)
BACKGROUND: tuple[str, ...] = (
    "Have you had a fever?",
    "Have you lost any weight?",
    "Have you had anything like this before?",
    "Do you take any medications?",
    "Do you have any allergies?",
    "Do you have any medical conditions?",
    "Does anything run in your family?",
    "Do you smoke?",
    "Do you drink alcohol?",
)


def plan_turns(profile: Profile, per_turn: int = DEFAULT_QUESTIONS_PER_TURN) -> list[str]:
    """The consultation before the diagnosis: history, the profile's review, background, examination and tests."""
    questions = [*HISTORY, *profile.review, *BACKGROUND]
    turns = [" ".join(questions[i : i + per_turn]) for i in range(0, len(questions), per_turn)]
    exams = ["vital signs", *profile.exams][:per_turn]
    turns.append("\n".join(f"EXAMINE: {what}" for what in exams))
    turns.append("\n".join(f"TEST: {name}" for name in profile.tests[:per_turn]))
    return turns


class SystematicDoctor(DoctorAgent):
    """A generic history, one question per unit; examination and tests; the diagnosis a report concludes."""

    def __init__(self, questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN) -> None:
        super().__init__(name="systematic")
        self.questions_per_turn = questions_per_turn
        self.plan: list[str] = []
        self.heard: list[str] = []
        self.findings: list[str] = []
        self.profile = pick_profile("")
        self._last = ""

    def reset(self, opening: str, seed: int = 0) -> None:
        self.profile = pick_profile(opening)
        self.plan = plan_turns(self.profile, self.questions_per_turn)
        self.heard, self.findings, self._last = [], [], ""

    async def act(self, observation: str) -> str:
        """The next turn; the first call receives the opening, later calls the patient's latest reply."""
        self.heard.append(observation)
        if self._last.startswith(("EXAMINE:", "TEST:")):
            self.findings.append(observation)
        self._last = self.plan.pop(0) if self.plan else f"DIAGNOSIS: {self.diagnose()}"
        return self._last

    def diagnose(self) -> str:
        """The first condition a finding concludes, else the working diagnosis of the complaint's profile."""
        named = conditions_named(self.findings)
        return named[0] if named else self.profile.working_diagnosis
