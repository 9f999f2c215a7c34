"""`LLMDoctor`: any chat model as the doctor, e.g. to compare API models with an RL-trained policy.

The system prompt (``prompts/doctor.md``) explains the conventions (``EXAMINE:``, ``TEST:``, ``DIAGNOSIS:``,
``END INQUIRY``) and the limit of questions per turn. The conversation is kept as chat messages from the doctor's
side, as `ConsultationSession.messages` gives it: the patient is the user, the doctor the assistant.
"""

from __future__ import annotations

from consultgym.agents.base import DoctorAgent
from consultgym.agents.llm import LLMParticipant, Message, render_prompt
from consultgym.config import DEFAULT_MAX_TURNS, DEFAULT_QUESTIONS_PER_TURN, LLMSettings


class LLMDoctor(LLMParticipant, DoctorAgent):
    """A chat model playing the doctor. Raises `BackendError` when the model cannot be reached after retries.

    Args:
        settings: how to reach the model.
        questions_per_turn: the limit the prompt announces.
        max_turns: the turn budget the prompt announces.

    Example:
        >>> doctor = LLMDoctor(LLMSettings(model="m", base_url="http://127.0.0.1:8000/v1"))
        >>> doctor.reset("I've had a headache for three days.")
        >>> # turn = await doctor.act("I've had a headache for three days.")
    """

    def __init__(
        self,
        settings: LLMSettings,
        questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN,
        max_turns: int = DEFAULT_MAX_TURNS,
    ) -> None:
        super().__init__(name="llm")
        self.questions_per_turn = questions_per_turn
        self.max_turns = max_turns
        self.messages: list[Message] = []
        self.connect(settings, "doctor")

    def system_prompt(self) -> str:
        return render_prompt("doctor", questions_per_turn=self.questions_per_turn, max_turns=self.max_turns)

    def reset(self, opening: str, seed: int = 0) -> None:
        """Start a new conversation; the opening arrives again as the first `act` observation."""
        self.messages = [{"role": "system", "content": self.system_prompt()}]

    async def act(self, observation: str) -> str:
        """The next doctor turn after the patient's latest words (the opening on the first call)."""
        if not self.messages:
            self.reset(observation)
        request = [*self.messages, {"role": "user", "content": observation}]
        turn = (await self.backend.complete(request)).strip()
        self.messages = [*request, {"role": "assistant", "content": turn}]  # kept only once the call succeeded
        return turn
