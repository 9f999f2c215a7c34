"""Defaults in one place. Every tunable number of the environment, the patient and the judge lives here."""

from __future__ import annotations

from typing import Final

# Episode
DEFAULT_MAX_TURNS: Final = 12  # MedDialogRubrics uses 12-turn dialogues
DEFAULT_QUESTIONS_PER_TURN: Final = 3  # judge credit and patient answers stop after this many questions in one turn
MAX_ACTION_CHARS: Final = 4_000  # longer doctor turns are truncated (recorded in info["action_truncated"])
MAX_OBSERVATION_CHARS: Final = 20_000  # upper bound of the observation text space

# Reward of Consultation-v0: weighted coverage and diagnosis; HistoryTaking-v0 uses coverage only.
DEFAULT_COVERAGE_WEIGHT: Final = 0.7
DEFAULT_DIAGNOSIS_WEIGHT: Final = 0.3

# Rubric priorities and their weights
PRIORITY_WEIGHTS: Final = {"critical": 3.0, "important": 2.0, "routine": 1.0}

# Patient-turn loop
DEFAULT_MAX_REVISIONS: Final = 2

# LLM backends
DEFAULT_API_KEY_ENV: Final = "OPENAI_API_KEY"
DEFAULT_TIMEOUT_S: Final = 60.0
DEFAULT_MAX_RETRIES: Final = 3
DEFAULT_TEMPERATURE: Final = 0.0

# Runs and reports
DEFAULT_LIBRARY: Final = "starter"
DEFAULT_BOOTSTRAP_SAMPLES: Final = 2_000
RECORD_SCHEMA_VERSION: Final = 1
