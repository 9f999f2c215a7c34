"""Judges score an episode: the offline rubric judge, the LLM judge and the panel."""
