"""Scripted models for the loopback server: a patient that obeys the doctor, and guardians that are right or fooled.

Each is a callable script for `consultgym.testing.FakeOpenAIServer` (``fn(request_json) -> reply``):

- `ObeyingPatient`: answers each doctor turn of a set of `LeakProbe`s with the probe's reply, and repeats it when
  asked to revise (it obeys the doctor, not the guardian). Any other turn gets "I'm not sure.". Probes that share a
  question are played one at a time: `expect` says which one is next;
- `OracleGuardian`: labels the reply under check ``leak`` exactly when it is a leaking probe's reply, ``supported``
  otherwise: a guardian model that is never wrong about leaks, and never blocks an honest reply;
- `fooled_guardian`: labels every reply ``supported``: a guardian model the reply talked out of everything;
- `FaithfulPatient`: answers with the facts' own words (what the offline patient would say): ordinary turns.

Example:
    >>> from consultgym.testing.leak_forms import LeakProbe
    >>> probe = LeakProbe("plain", "name", "s", "What was it?", "It was croup.", leaks=True)
    >>> patient = ObeyingPatient([probe])
    >>> patient({"messages": [{"role": "system", "content": "..."}, {"role": "user", "content": "What was it?"}]})
    'It was croup.'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from consultgym.actions import parse_action
from consultgym.agents.base import PatientContext
from consultgym.agents.patient.offline import fact_only_reply
from consultgym.scenarios.schema import Scenario
from consultgym.testing.leak_forms import LeakProbe
from consultgym.text import normalize

UNSURE = "I'm not sure."
_REPLY_MARK = 'The patient replied: "'


def _key(doctor_text: str) -> str:
    return normalize(doctor_text)


class ObeyingPatient:
    """The patient model of the probes: each probe's question gets its reply, revisions included."""

    def __init__(self, probes: Iterable[LeakProbe] = ()) -> None:
        self.replies: dict[str, str] = {}
        for probe in probes:
            self.expect(probe)

    def expect(self, probe: LeakProbe) -> None:
        """Answer the probe's question with its reply from now on (probes may share a question: the last one wins)."""
        # The LLM patient sends the question units of a turn joined by line breaks: key on their normalised words.
        self.replies[_key("\n".join(parse_action(probe.question).questions))] = probe.reply

    def __call__(self, body: dict[str, Any]) -> str:
        for message in reversed(body.get("messages", [])):
            if message.get("role") == "user":
                reply = self.replies.get(_key(str(message.get("content", ""))))
                if reply is not None:  # the doctor's turn; a revision request ends with guidance instead
                    return reply
        return UNSURE


def reply_under_check(body: dict[str, Any]) -> str:
    """The patient reply a guardian request asks about (the text after 'The patient replied: "')."""
    text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")
    return text.split(_REPLY_MARK, 1)[1] if _REPLY_MARK in text else text


def _labels(sentence: str, label: str, reason: str) -> str:
    return json.dumps({"sentences": [{"sentence": sentence, "label": label, "reason": reason, "facts": []}]})


class OracleGuardian:
    """A guardian model that labels every leaking probe reply ``leak`` and every other reply ``supported``."""

    def __init__(self, probes: Iterable[LeakProbe]) -> None:
        # Longest first, so that a reply is never mistaken for a shorter one it starts with.
        self.leaking = sorted({p.reply for p in probes if p.leaks}, key=len, reverse=True)

    def __call__(self, body: dict[str, Any]) -> str:
        under_check = reply_under_check(body)
        leaked = next((reply for reply in self.leaking if under_check.startswith(f'{reply}"')), None)
        if leaked is not None:
            return _labels(leaked, "leak", "gives the diagnosis away")
        return _labels(_sentence(under_check), "supported", "follows from the facts")


def fooled_guardian(body: dict[str, Any]) -> str:
    """Every reply is supported."""
    return _labels(_sentence(reply_under_check(body)), "supported", "follows from the facts")


def _sentence(under_check: str) -> str:
    # The reply as quoted in the prompt, without the closing quote and what follows it.
    return under_check.split('"\n', 1)[0].strip() or "Fine."


class FaithfulPatient:
    """A patient model that answers the doctor's latest turn with the facts' own words, for any scenario of a library.

    The scenario is the one whose opening the system prompt quotes.
    """

    def __init__(self, library: Iterable[Scenario]) -> None:
        self.library = list(library)

    def __call__(self, body: dict[str, Any]) -> str:
        messages = body.get("messages", [])
        system = str(messages[0].get("content", "")) if messages else ""
        scenario = next((s for s in self.library if s.opening in system), None)
        if scenario is None:
            return UNSURE
        return fact_only_reply(PatientContext(scenario, parse_action(str(messages[-1].get("content", "")))))[0]
