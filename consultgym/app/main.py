"""The app's entry point: ``streamlit run consultgym/app/main.py [-- RUN.jsonl ...]`` (or ``consultgym app``).

It only sets up the page and the navigation; each page is a module in `consultgym.app.views`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

VIEWS = Path(__file__).parent / "views"
PAGES = [
    ("replay.py", "Replay", ":material/play_circle:"),
    ("compare.py", "Compare", ":material/compare_arrows:"),
    ("play.py", "Play", ":material/stethoscope:"),
    ("author.py", "Author", ":material/edit_note:"),
]


def main() -> None:
    st.set_page_config(page_title="consultgym", page_icon="🩺", layout="wide")
    pages = [
        st.Page(VIEWS / name, title=title, icon=icon, default=number == 0)
        for number, (name, title, icon) in enumerate(PAGES)
    ]
    st.navigation(pages).run()


if __name__ == "__main__":
    main()
