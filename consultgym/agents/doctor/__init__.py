"""Doctors: the systematic-history baseline, the knowledge-graph doctor and any chat model."""
