"""Summaries as prose: a result's plain-language ``.summary()`` as formatted Markdown.

``summary()`` returns sentences, one paragraph a line, and list items as ``- `` lines
(:class:`cs360lib.publish.results.Result`). :func:`summary_markdown` turns that text into
Markdown a report shows as prose: paragraphs, bulleted lists, the numbers in bold (a reader
scanning a page for "how many" finds them), warnings marked, and every character that
Markdown or HTML would read as markup escaped (a ``<5`` suppression marker, a
``snake_case`` column name). The display API (``cs.show``) and ``Result._repr_markdown_``
call it; it displays nothing itself.
"""

from __future__ import annotations

import re
from typing import Protocol

__all__ = ["escape_markdown", "summary_markdown"]

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")
_NUMBER = re.compile(
    r"(?<![\w.,:/\\<>-])"  # not inside a word, a date, a time or a "<5" marker
    r"([-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?|[-−]?\d+(?:\.\d+)?%?)"
    r"(?![\w:/-]|[.,]\d)"
)
_WARNING = re.compile(r"^(warning|note)\s*:\s*", re.IGNORECASE)


class _HasSummary(Protocol):
    def summary(self) -> str: ...  # pragma: no cover


def escape_markdown(text: str) -> str:
    r"""Escape the characters Markdown (or the HTML inside it) would read as markup.

    Parameters
    ----------
    text : str
        Plain text, e.g. ``"calls.arrived_at: <5 rows"``.

    Returns
    -------
    str
        ``"calls.arrived\\_at: \\<5 rows"``: shown exactly as written.
    """
    return _SPECIAL.sub(r"\\\1", text)


_YEAR = re.compile(r"^(19|20)\d\d$")


def _bold_numbers(text: str) -> str:
    """Bold counts, percentages and decimals; a year stays plain ("in 2023")."""
    return _NUMBER.sub(
        lambda m: m.group(1) if _YEAR.match(m.group(1)) else f"**{m.group(1)}**", text
    )


def summary_markdown(result: _HasSummary | str, *, bold_numbers: bool = True) -> str:
    """Format a result's summary as Markdown: paragraphs, lists, numbers in bold.

    Parameters
    ----------
    result : Result or str
        A result object (its ``.summary()`` is used) or the summary text itself.
    bold_numbers : bool, default True
        Put counts, percentages and decimals in bold (dates, times and numbers inside
        words such as ``P90`` are left alone).

    Returns
    -------
    str
        Markdown. Each plain line is a paragraph; ``- `` (or ``* ``) lines form a bulleted
        list (indented ``  - `` lines a nested one); ``Warning: ...`` lines are set apart as
        a quoted **Warning**. Everything else in the text is escaped, so the Markdown shows
        the words exactly as the summary wrote them.
    """
    text = result if isinstance(result, str) else result.summary()
    blocks: list[str] = []
    previous = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            previous = ""
            continue
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if stripped.startswith(("- ", "* ", "• ")):
            body = _inline(stripped[2:].strip(), bold_numbers)
            item = ("  " if indent else "") + f"- {body}"
            if previous == "item":
                blocks[-1] += "\n" + item
            else:
                blocks.append(item)
            previous = "item"
            continue
        warning = _WARNING.match(stripped)
        if warning:
            word = warning.group(1).capitalize()
            blocks.append(f"> **{word}:** {_inline(stripped[warning.end() :], bold_numbers)}")
        else:
            blocks.append(_inline(stripped, bold_numbers))
        previous = "paragraph"
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _inline(text: str, bold_numbers: bool) -> str:
    escaped = escape_markdown(text)
    return _bold_numbers(escaped) if bold_numbers else escaped
