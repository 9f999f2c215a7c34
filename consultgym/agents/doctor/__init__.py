"""Doctors: the scripted baseline, the knowledge-graph doctor and any chat model."""
