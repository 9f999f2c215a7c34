"""The simulated patient: the offline fact retriever, the LLM role-player, and the draft-guard-revise turn."""
