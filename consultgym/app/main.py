"""The app's entry point: ``streamlit run consultgym/app/main.py [-- RUN.jsonl ...]`` (or ``consultgym app``).

It sets up the page, follows a deep link (``?page=replay&run=...&episode=3``, see `consultgym.app.links`) and runs
the navigation; each page is a module in `consultgym.app.views`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from consultgym.app import state

VIEWS = Path(__file__).parent / "views"
# (file, title, icon, url path); the first is the default page, served at "/".
PAGES = [
    ("replay.py", "Replay", ":material/play_circle:", "replay"),
    ("run.py", "Run", ":material/table_chart:", "run"),
    ("compare.py", "Compare", ":material/compare_arrows:", "compare"),
    ("side_by_side.py", "Side by side", ":material/view_column_2:", "side"),
    ("play.py", "Play", ":material/stethoscope:", "play"),
    ("author.py", "Author", ":material/edit_note:", "author"),
]


def main() -> None:
    # A Material icon, not the emoji: an emoji page icon makes Streamlit load its emoji catalog (about 0.1 s of CPU).
    st.set_page_config(page_title="consultgym", page_icon=":material/stethoscope:", layout="wide")
    pages = {
        url_path: st.Page(VIEWS / name, title=title, icon=icon, url_path=url_path, default=number == 0)
        for number, (name, title, icon, url_path) in enumerate(PAGES)
    }
    current = st.navigation(list(pages.values()))
    wanted = state.follow_link()
    if wanted and pages[wanted].url_path != current.url_path:
        st.switch_page(pages[wanted])
    current.run()


if __name__ == "__main__":
    main()
