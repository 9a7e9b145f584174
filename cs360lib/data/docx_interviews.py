"""Read interview notes typed in Word: one ``.docx`` per interview, a heading per question.

Interviewers often type their notes in Word rather than a form tool. This reader
(``python-docx``) turns such files into the ``interviews`` kind, one row per answer,
with the guarantees of every loader: each answer found is either loaded or rejected
with its file, its paragraph number and a reason (``rows_read == len(data) +
len(rejected)``).

The layout a file must follow (``docs/scanning.md`` has an example):

- a **header block** before the first heading: lines (or rows of a two-column table)
  ``Interview ID: INT-007``, ``Stakeholder ID: S12``, ``Sector: government``,
  ``Role: 311 data manager``, ``Date: 2022-09-20``. Keys are case-insensitive;
  ``Interview``, ``Stakeholder``, ``Interviewed on`` are accepted too. Without an
  interview id the file name is used. Never type the person's name: the stakeholder id
  links to the roster.
- a **heading** (Word style ``Heading 1`` to ``Heading 9``) per theme or per question,
  followed by the answer in ordinary paragraphs (several paragraphs form one answer).
  A heading that names a CS360 theme (``Public safety concerns``, ``Police-community
  relations``, ``Data available``, ``Areas for improvement``) sets the theme of the
  questions under it; a question heading under no theme heading takes its theme from
  ``question_themes`` (question text -> theme). An answer directly under a theme
  heading is recorded with the theme's name as its question.

Rejected with a reason: an empty answer, an answer whose theme is unknown, a missing
stakeholder id or sector, a sector that is not one of the four CS360 sectors. Text
before the first heading that is not a header line is reported as a problem of the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from cs360lib.data.loaders.result import LoadResult, duplicate_keys
from cs360lib.data.readers import resolve_files
from cs360lib.data.schemas import KEYS, SECTORS, THEMES, schema_for
from cs360lib.errors import LoadError

__all__ = ["THEME_HEADINGS", "load_docx_interviews", "theme_of"]

THEME_HEADINGS: dict[str, str] = {
    "public safety concerns": "public_safety_concerns",
    "public safety": "public_safety_concerns",
    "safety concerns": "public_safety_concerns",
    "police community relations": "police_community_relations",
    "police community relationships": "police_community_relations",
    "community relations": "police_community_relations",
    "relationships": "police_community_relations",
    "data available": "data_available",
    "data": "data_available",
    "data held": "data_available",
    "areas for improvement": "areas_for_improvement",
    "improvement": "areas_for_improvement",
    "improvements": "areas_for_improvement",
}
"""Heading texts (lower case, punctuation removed) that name a CS360 theme."""

_HEADER_KEYS = {
    "interview id": "interview_id",
    "interview": "interview_id",
    "stakeholder id": "stakeholder_id",
    "stakeholder": "stakeholder_id",
    "sector": "sector",
    "role": "role",
    "date": "interviewed_on",
    "interviewed on": "interviewed_on",
    "interview date": "interviewed_on",
}
_HEADER_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z ]{1,30}?)\s*:\s*(.*?)\s*$")
_COLUMNS = list(schema_for("interviews").to_schema().columns)
"""The columns of the ``interviews`` kind, in schema order."""


def theme_of(text: str) -> str | None:
    """Return the CS360 theme a heading names, if any.

    Parameters
    ----------
    text : str
        Heading text (``"Public safety concerns"``, ``"public_safety_concerns"``).

    Returns
    -------
    str or None
        One of :data:`~cs360lib.data.schemas.THEMES`, or None.
    """
    key = re.sub(r"[^a-z ]+", " ", text.lower().replace("_", " "))
    key = " ".join(key.split())
    if key.replace(" ", "_") in THEMES:
        return key.replace(" ", "_")
    return THEME_HEADINGS.get(key)


def _heading_level(paragraph: object) -> int | None:
    name = (getattr(getattr(paragraph, "style", None), "name", "") or "").lower()
    if name == "title":
        return 0
    m = re.match(r"heading\s*(\d)", name)
    return int(m.group(1)) if m else None


def _read_one(path: Path, question_themes: Mapping[str, str]) -> tuple[list[dict], list[dict]]:
    import docx  # python-docx; imported here so that the data layer loads without it

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a bad file
        raise LoadError(
            f"{path} cannot be read as a Word (.docx) file: {exc}", file=str(path)
        ) from exc
    header: dict[str, str] = {}
    problems: list[dict] = []
    answers: list[dict] = []
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            if len(cells) >= 2 and cells[0].lower().rstrip(":") in _HEADER_KEYS:
                header.setdefault(_HEADER_KEYS[cells[0].lower().rstrip(":")], cells[1])
    theme: str | None = None
    theme_level = 99
    current: dict | None = None
    seen_heading = False
    for number, paragraph in enumerate(document.paragraphs, start=1):
        text = paragraph.text.strip()
        level = _heading_level(paragraph)
        if level == 0:
            continue
        if level is not None:
            seen_heading = True
            if current is not None:
                answers.append(current)
            named = theme_of(text)
            if named is not None:
                theme, theme_level = named, level
                current = {
                    "question": text,
                    "theme": named,
                    "paragraph": number,
                    "lines": [],
                    "is_theme": True,
                }
            else:
                if level <= theme_level:
                    theme, theme_level = None, 99
                q_theme = (
                    theme
                    or question_themes.get(text)
                    or question_themes.get(" ".join(text.lower().split()))
                )
                current = {
                    "question": text,
                    "theme": q_theme,
                    "paragraph": number,
                    "lines": [],
                    "is_theme": False,
                }
            continue
        if not text:
            continue
        if not seen_heading:
            m = _HEADER_LINE.match(text)
            if m and m.group(1).strip().lower() in _HEADER_KEYS:
                header.setdefault(_HEADER_KEYS[m.group(1).strip().lower()], m.group(2))
            else:
                problems.append(
                    {
                        "source_row": number,
                        "column": "(text)",
                        "problem": "text before the first heading is not a header line",
                        "value": text[:80],
                    }
                )
            continue
        current["lines"].append(text)  # type: ignore[index]
    if current is not None:
        answers.append(current)
    # a theme heading directly followed by question headings is not an answer of its own
    rows = []
    for i, a in enumerate(answers):
        nxt = answers[i + 1] if i + 1 < len(answers) else None
        if a["is_theme"] and not a["lines"] and nxt is not None and not nxt["is_theme"]:
            continue
        rows.append(
            {
                "interview_id": header.get("interview_id") or path.stem,
                "stakeholder_id": header.get("stakeholder_id", ""),
                "sector": header.get("sector", "").strip().lower().replace(" ", "_"),
                "role": header.get("role", ""),
                "theme": a["theme"] or "",
                "question": a["question"],
                "response": "\n".join(a["lines"]),
                "interviewed_on": header.get("interviewed_on", ""),
                "source_file": str(path),
                "source_row": a["paragraph"],
            }
        )
    for p in problems:
        p["source_file"] = str(path)
    return rows, problems


def _reason(row: Mapping[str, str]) -> str | None:
    if not row["response"].strip():
        return "empty answer: nothing typed under the heading"
    if not row["theme"]:
        return "theme unknown: put the question under a theme heading or give it in question_themes"
    if not row["stakeholder_id"].strip():
        return "no stakeholder id in the header block ('Stakeholder ID: ...')"
    if row["sector"] not in SECTORS:
        return f"sector {row['sector']!r} is not one of {', '.join(SECTORS)}"
    return None


def load_docx_interviews(
    source: str | Path | list[str | Path],
    *,
    question_themes: Mapping[str, str] | None = None,
    strict: bool = False,
) -> LoadResult:
    """Load interview notes typed in Word into the ``interviews`` kind.

    Parameters
    ----------
    source : str, Path or list
        A ``.docx`` file, a folder of them, a glob, or a list.
    question_themes : mapping of str to str, optional
        Question heading -> CS360 theme, for question headings not placed under a theme
        heading.
    strict : bool, default False
        Raise a :class:`~cs360lib.errors.LoadError` listing every rejected answer instead.

    Returns
    -------
    LoadResult
        ``data`` with the columns of the ``interviews`` kind plus ``source_file`` and
        ``source_row`` (the paragraph number of the question heading); ``rejected`` with
        a ``reason``; ``problems`` also lists text outside any question;
        ``rows_read`` counts every answer found.

    Raises
    ------
    SourceNotFoundError
        If nothing matches ``source``.
    LoadError
        If a file is not a Word file, or (``strict``) any answer is rejected.
    """
    themes = {
        **{k: v for k, v in (question_themes or {}).items()},
        **{" ".join(k.lower().split()): v for k, v in (question_themes or {}).items()},
    }
    bad_themes = sorted({v for v in themes.values() if v not in THEMES})
    if bad_themes:
        raise LoadError(f"question_themes uses unknown theme(s) {bad_themes}; use {THEMES}.")
    files = [
        f
        for f in resolve_files(source, "*.docx")
        if f.suffix.lower() == ".docx" and not f.name.startswith("~$")  # Word lock files
    ]
    rows: list[dict] = []
    problems: list[dict] = []
    for path in files:
        r, p = _read_one(path, themes)
        rows.extend(r)
        problems.extend(p)
    frame = pd.DataFrame(rows, columns=[*_COLUMNS, "source_file", "source_row"])
    reasons = [_reason(r) for r in rows]
    bad = pd.Series([r is not None for r in reasons], index=frame.index, dtype=bool)
    rejected = frame[bad].copy()
    rejected.insert(0, "reason", [r for r in reasons if r is not None])
    rejected = rejected[["source_file", "source_row", "reason", *_COLUMNS]]
    problem_rows = [
        {
            "source_file": r["source_file"],
            "source_row": r["source_row"],
            "column": "response",
            "problem": reason,
            "value": r["question"],
        }
        for r, reason in zip(rows, reasons, strict=True)
        if reason is not None
    ]
    problem_frame = pd.DataFrame(
        problem_rows + problems,
        columns=["source_file", "source_row", "column", "problem", "value"],
    )
    if strict and len(problem_frame):
        lines = [
            f"- {p.source_file} paragraph {p.source_row}: {p.problem}"
            for p in problem_frame.head(20).itertuples()
        ]
        raise LoadError(
            f"{len(problem_frame)} problem(s) in the interview notes:\n" + "\n".join(lines),
            file=", ".join(map(str, files)),
            problems=problem_frame,
        )
    data = frame[~bad].reset_index(drop=True)
    for col in _COLUMNS:
        if col != "interviewed_on":
            data[col] = data[col].astype("string[pyarrow]")
    dates = data["interviewed_on"].replace("", None)
    data["interviewed_on"] = pd.to_datetime(dates, errors="coerce", format="mixed")
    unread = dates.notna() & data["interviewed_on"].isna()
    if unread.any():
        extra = pd.DataFrame(
            {
                "source_file": data.loc[unread, "source_file"],
                "source_row": data.loc[unread, "source_row"],
                "column": "interviewed_on",
                "problem": "date not readable; left empty",
                "value": dates[unread],
            }
        )
        problem_frame = pd.concat([problem_frame, extra], ignore_index=True)
    data["source_row"] = data["source_row"].astype("Int64")
    key = KEYS["interviews"]
    return LoadResult(
        kind="interviews",
        data=data,
        rejected=rejected.reset_index(drop=True),
        problems=problem_frame,
        duplicates=duplicate_keys(data, key),
        rows_read=len(frame),
        files=[str(f) for f in files],
        mapping="docx interview notes",
        key=key,
    )
