"""Guardians check every patient reply against the facts: offline rules, leak detection and the LLM guardian."""
