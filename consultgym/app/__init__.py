"""The Streamlit app: replay, compare, play and author (``consultgym app [RUN.jsonl ...]``).

Pages live in `consultgym.app.views`; the helpers beside them (`data`, `comparison`, `safe`, `catalog`, `authoring`)
are plain Python and tested without Streamlit. Start it with `consultgym.app.launch.launch`.
"""
