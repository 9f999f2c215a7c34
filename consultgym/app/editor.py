"""A YAML editor for the Author page: line numbers, problem lines marked, and the text sent while the author types.

Streamlit's text area sends its text only on Ctrl+Enter or when it loses focus; this editor (a Streamlit custom
component, v2: inline HTML, CSS and JavaScript, no build step) sends it after the author pauses typing
(`DEBOUNCE_MS`), so validation follows the typing. The text reaches the browser as data and is put in a textarea
by value; problem messages are set as text: nothing from the YAML is ever parsed as HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st

DEBOUNCE_MS = 500
NAME = "consultgym_yaml_editor"
_HTML = """
<div class="cg-editor">
  <pre class="cg-gutter" aria-hidden="true"></pre>
  <textarea class="cg-text" spellcheck="false" autocomplete="off" aria-label="Scenario YAML"></textarea>
</div>
"""
_CSS = """
.cg-editor { display: grid; grid-template-columns: 3.2em 1fr; border: 1px solid rgba(49, 51, 63, 0.2);
  border-radius: 0.5rem; overflow: hidden; font-family: "Source Code Pro", monospace; font-size: 14px; }
.cg-gutter, .cg-text { margin: 0; padding: 8px 6px; line-height: 20px; font: inherit; }
.cg-gutter { text-align: right; color: #999; background: #f6f6f8; overflow: hidden; user-select: none; }
.cg-gutter .bad { color: #fff; background: #d33; display: inline-block; width: 100%; }
.cg-text { border: none; outline: none; resize: none; white-space: pre; overflow: auto; tab-size: 2; }
"""
_JS = """
export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const text = parentElement.querySelector(".cg-text");
  const gutter = parentElement.querySelector(".cg-gutter");
  const marks = data.marks || {};
  text.style.height = gutter.style.height = data.height + "px";
  // Python's text replaces the author's only when Python changed it (a new revision), never on an ordinary rerun.
  if (text.dataset.revision !== String(data.revision)) {
    text.value = data.text;
    text.dataset.revision = String(data.revision);
  }
  const drawGutter = () => {
    gutter.textContent = "";
    const lines = text.value.split("\\n").length;
    for (let n = 1; n <= lines; n++) {
      const cell = document.createElement("span");
      cell.textContent = String(n);
      if (marks[n]) { cell.className = "bad"; cell.title = marks[n]; }
      gutter.appendChild(cell);
      gutter.appendChild(document.createTextNode("\\n"));
    }
    gutter.scrollTop = text.scrollTop;
  };
  drawGutter();
  text.onscroll = () => { gutter.scrollTop = text.scrollTop; };
  text.oninput = () => {
    drawGutter();
    clearTimeout(text.cgTimer);
    text.cgTimer = setTimeout(() => setStateValue("text", text.value), data.delay);
  };
  text.onkeydown = (event) => {
    if (event.key === "Tab") {  // a tab indents (YAML wants spaces) instead of leaving the editor
      event.preventDefault();
      text.setRangeText("  ", text.selectionStart, text.selectionEnd, "end");
      text.oninput();
    }
  };
}
"""

_component = None


def _mount() -> Callable[..., object]:
    global _component
    if _component is None:
        _component = st.components.v2.component(NAME, html=_HTML, css=_CSS, js=_JS)
    return _component


def yaml_editor(
    text: str,
    revision: int,
    marks: Mapping[int, str],
    key: str,
    on_change: Callable[[], None],
    height: int = 560,
) -> None:
    """Draw the editor; `on_change` runs (before the rerun) when the author's text arrives, read it with `typed`.

    Args:
        text: what the editor shows when `revision` is new to it (the author's typing is kept otherwise).
        revision: bump it whenever Python changes the text (a file loaded, a form applied).
        marks: problem messages by line number (1-based), shown as red line numbers with the message on hover.
    """
    data = {"text": text, "revision": revision, "marks": {str(k): v for k, v in marks.items()},
            "delay": DEBOUNCE_MS, "height": height}  # fmt: skip
    _mount()(key=key, data=data, default={"text": text}, on_text_change=on_change, height=height + 20)


def typed(key: str) -> str | None:
    """The text the editor last sent (None before it sent any)."""
    state = st.session_state.get(key)
    value = state.get("text") if state is not None and hasattr(state, "get") else None
    return value if isinstance(value, str) else None
