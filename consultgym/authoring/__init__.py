"""Making scenarios: the DDXPlus generator, dataset importers, LLM drafting, the gold check and the library build.

Authoring sits above the data model (`consultgym.scenarios`) and may use the agents (the gold check plays the offline
patient and judge); nothing below it imports it.
"""
