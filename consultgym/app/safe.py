"""Escaping record and scenario text for Streamlit's markdown, so that it always shows as the literal characters.

Records carry text written by models and people: a reply may contain ``<script>``, ``**bold**``, a ``:red[...]``
directive, ``$math$`` or a link. Every such text reaches `st.markdown` only through `escape`, and never with
``unsafe_allow_html``.
"""

from __future__ import annotations

import re

# CommonMark lets a backslash escape any ASCII punctuation character, and Streamlit's extensions (:color[...],
# :material/icon:, $math$, ~strike~) are all triggered by punctuation, so escaping all of it covers every syntax.
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def escape(text: object) -> str:
    r"""Markdown source that renders as exactly `text`: punctuation backslash-escaped, line breaks kept.

    >>> print(escape("**x** <b>"))
    \*\*x\*\* \<b\>
    """
    escaped = _ASCII_PUNCTUATION.sub(r"\\\1", str(text))
    # A single newline is a soft break in markdown; two trailing spaces make it the line break the speaker wrote.
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")
