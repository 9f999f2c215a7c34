"""Exceptions raised by consultgym: one base class, one subclass per failure source.

Every message names the file, field or value at fault and says how to fix it, so the CLI can print it as one line
instead of a traceback.
"""

from __future__ import annotations


class ConsultGymError(Exception):
    """Base class of every error consultgym raises on purpose."""


class ScenarioError(ConsultGymError):
    """A scenario file or scenario object is invalid (names the file and the field path)."""


class ActionError(ConsultGymError):
    """A doctor action cannot be accepted (not text, or the episode is over)."""


class BackendError(ConsultGymError):
    """An LLM backend failed: unreachable endpoint, refused request, bad model name or unparseable reply."""


class RecordError(ConsultGymError):
    """A run file or record cannot be read or written."""


class ConfigError(ConsultGymError):
    """An option given by the user is invalid or missing (names the option and the accepted values)."""


class MissingExtraError(ConsultGymError):
    """An optional dependency is not installed (the message carries the pip command)."""
