"""Escaping record text for Streamlit markdown."""

from __future__ import annotations

import re

import pytest

from consultgym.app.safe import escape


@pytest.mark.parametrize(
    "text",
    ["<script>alert(1)</script>", "**x**", "[link](javascript:alert(1))", ":red[alarm] :material/home:", "$x^2$",
     "# heading", "1. list", "> quote", "`code`", "~~strike~~", "a_b_c", "<img src=x onerror=alert(1)>", "&lt;"],
)  # fmt: skip
def test_every_markdown_and_html_character_is_escaped(text: str) -> None:
    escaped = escape(text)
    # Every ASCII punctuation character is preceded by a backslash, so none of them can start any syntax.
    assert re.fullmatch(r"(?:\\[!-/:-@\[-`{-~]|[^!-/:-@\[-`{-~])*", escaped)
    assert re.sub(r"\\(.)", r"\1", escaped) == text


def test_line_breaks_are_kept() -> None:
    assert escape("one\ntwo\r\nthree") == "one  \ntwo  \nthree"


def test_non_text_and_unicode() -> None:
    assert escape(3.5) == "3\\.5"
    assert escape("fièvre — 38 °C") == "fièvre — 38 °C"
