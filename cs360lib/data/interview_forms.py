"""Wide exports of form and survey tools: the layout-specific part of reading them.

Form tools export one row per respondent and one column per question. Turning such a
file into the long ``interviews`` kind is the mapping's ``unpivot`` section (see
``docs/mappings.md``); what differs between tools is handled here:

- **detecting the tool** from its header (:func:`detect_layout`): Microsoft Forms
  (``ID``, ``Start time``, ``Completion time``, ``Email``, ``Name``), Google Forms
  (``Timestamp``, ``Email Address``), SurveyMonkey (``Respondent ID``, ``Collector ID``
  and a **second header row** of sub-answers such as ``Response`` or
  ``Open-Ended Response``), Qualtrics (``StartDate``, ``ResponseId`` and **two extra
  header rows**: the question text, then ``{"ImportId":"QID1"}``);
- **dropping the extra header rows** and taking the question text as the column name
  (:func:`read_form_export`), counting the rows dropped so that nothing is lost
  silently;
- telling the **identifier**, **time**, **personal** (names, e-mails, IP addresses,
  coordinates: never loaded) and **question** columns apart;
- the **question-to-theme table** (:func:`question_theme_table`): each question text
  proposed a CS360 theme, or one of the interview columns (``stakeholder_id``,
  ``sector``, ``role``) when the form asks for it, for a person to check before the
  unpivot. :meth:`FormExport.unpivot_spec` writes that table as the mapping section.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cs360lib.data.schemas import THEMES
from cs360lib.errors import LoadError

__all__ = [
    "LAYOUTS",
    "FormExport",
    "detect_layout",
    "question_theme_table",
    "read_form_export",
]

LAYOUTS: dict[str, dict[str, Any]] = {
    "microsoft_forms": {
        "signature": ["ID", "Start time", "Completion time"],
        "id": "ID",
        "time": "Completion time",
        "meta": ["Start time", "Last modified time"],
        "personal": ["Email", "Name"],
        "extra_header_rows": 0,
    },
    "google_forms": {
        "signature": ["Timestamp"],
        "id": None,
        "time": "Timestamp",
        "meta": [],
        "personal": ["Email Address", "Email address", "Username"],
        "extra_header_rows": 0,
    },
    "surveymonkey": {
        "signature": ["Respondent ID", "Collector ID"],
        "id": "Respondent ID",
        "time": "End Date",
        "meta": ["Collector ID", "Start Date"],
        "personal": ["IP Address", "Email Address", "First Name", "Last Name", "Custom Data 1"],
        "extra_header_rows": 1,
    },
    "qualtrics": {
        "signature": ["StartDate", "ResponseId"],
        "id": "ResponseId",
        "time": "RecordedDate",
        "meta": [
            "StartDate",
            "EndDate",
            "Status",
            "Progress",
            "Duration (in seconds)",
            "Finished",
            "DistributionChannel",
            "UserLanguage",
            "ExternalReference",
        ],
        "personal": [
            "IPAddress",
            "RecipientLastName",
            "RecipientFirstName",
            "RecipientEmail",
            "LocationLatitude",
            "LocationLongitude",
        ],
        "extra_header_rows": 2,
    },
}
"""What each tool's export looks like: the columns that identify it, its id, time,
metadata and personal columns, and how many header rows follow the first."""

_THEME_WORDS: dict[str, str] = {
    "public_safety_concerns": r"\b(?:safety|concerns?|crime|problems?|worr(?:y|ies|ied)|afraid|"
    r"dangerous|unsafe|issues?)\b",
    "police_community_relations": r"\b(?:relationship|relations|trust|police\s+and\s+the\s+"
    r"community|treat(?:ed)?|respect|legitima)",
    "data_available": r"\b(?:data|records?|information\s+(?:do|does)\s+you|hold|collect|track)\b",
    "areas_for_improvement": r"\b(?:improve|improvement|better|change|recommend|suggest)",
}
_FIELD_WORDS: dict[str, str] = {
    "sector": r"\bsector\b|\bwhich\s+(?:group|kind\s+of\s+organi[sz]ation)\b",
    "role": r"\b(?:role|position|job\s+title|title)\b",
    "stakeholder_id": r"\bstakeholder\s+(?:id|code|number)\b|\binterview\s+code\b",
}


def detect_layout(columns: list[str]) -> str:
    """Tell which form tool wrote an export, from its header.

    Parameters
    ----------
    columns : list of str
        The first header row.

    Returns
    -------
    str
        A key of :data:`LAYOUTS`, or ``"generic"`` (one header row, no known metadata).
    """
    names = {str(c).strip() for c in columns}
    for name, spec in LAYOUTS.items():
        if all(s in names for s in spec["signature"]):
            return name
    return "generic"


@dataclass
class FormExport:
    """A form export with its extra header rows removed.

    Attributes
    ----------
    layout : str
        Tool detected (a key of :data:`LAYOUTS` or ``generic``).
    frame : pandas.DataFrame
        One row per respondent, text values, columns named by question text (Qualtrics'
        internal ``Q1`` names are replaced by the question text of its second row).
    id_column : str or None
        Respondent id column (None for Google Forms: the row number is used).
    time_column : str or None
        Submission time column.
    question_columns : list of str
        Columns holding answers.
    personal_columns : list of str
        Columns with personal data (names, e-mails, IP, coordinates), never to be loaded.
    meta_columns : list of str
        Other tool columns (progress, duration...).
    header_rows_dropped : int
        Extra header rows removed (Qualtrics 2, SurveyMonkey 1).
    rows_read : int
        Data rows (respondents) after the header rows.
    file : str
        The file read.
    warnings : list of str
        Duplicate question texts renamed, and the like.
    source_columns : dict of str to str
        Column of ``frame`` -> its name in the file's header (Qualtrics' ``Q1``; empty for
        a SurveyMonkey sub-answer column, whose header cell is blank).
    """

    layout: str
    frame: pd.DataFrame
    id_column: str | None
    time_column: str | None
    question_columns: list[str]
    personal_columns: list[str]
    meta_columns: list[str]
    header_rows_dropped: int
    rows_read: int
    file: str = ""
    warnings: list[str] = field(default_factory=list)
    source_columns: dict[str, str] = field(default_factory=dict)

    def answer_cells(self) -> tuple[int, int]:
        """Count the answer cells: all of them and the empty ones.

        Returns
        -------
        tuple of int
            ``(cells, empty)`` over respondents x question columns.
        """
        q = self.frame[self.question_columns]
        blank = q.apply(lambda col: col.astype("string").fillna("").str.strip() == "")
        empty = int(blank.to_numpy().sum())
        return q.size, empty

    def unpivot_spec(self, themes: pd.DataFrame | Mapping[str, str]) -> dict[str, Any]:
        """Write the mapping's ``unpivot`` section for this export.

        Parameters
        ----------
        themes : pandas.DataFrame or mapping
            The checked question-to-theme table (:func:`question_theme_table`) or a
            mapping question -> target.

        Returns
        -------
        dict
            ``{"id_columns": [...], "value_columns": [...], "name_to": "question",
            "value_to": "response", "names": {question: {"theme": ...}}, "fields":
            {column: canonical}}``: questions mapped to a theme are unpivoted; questions
            mapped to ``stakeholder_id``/``sector``/``role`` become identifier columns;
            ``ignore`` and personal columns are left out.
        """
        table = (
            themes
            if isinstance(themes, Mapping)
            else dict(zip(themes["question"], themes["target"], strict=True))
        )
        fields = {q: t for q, t in table.items() if t in _FIELD_WORDS}
        values = [q for q in self.question_columns if table.get(q) in THEMES]
        ids = [c for c in (self.id_column, self.time_column) if c] + list(fields)
        return {
            "id_columns": ids,
            "value_columns": values,
            "name_to": "question",
            "value_to": "response",
            "names": {q: {"theme": table[q]} for q in values},
            "fields": {
                **fields,
                **({self.id_column: "interview_id"} if self.id_column else {}),
                **({self.time_column: "interviewed_on"} if self.time_column else {}),
            },
        }

    def mapping(
        self,
        themes: pd.DataFrame | Mapping[str, str],
        *,
        constants: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Write the whole mapping that loads this export into the ``interviews`` kind.

        Parameters
        ----------
        themes : pandas.DataFrame or mapping
            The checked question-to-theme table (:func:`question_theme_table`) or a
            mapping question -> target.
        constants : mapping of str to str, optional
            Values every answer of the export shares, for columns no question gives
            (``{"sector": "community"}`` for a survey of residents).

        Returns
        -------
        dict
            A mapping (``docs/mappings.md``) for :func:`cs360lib.load` or an engagement
            source: ``read.extra_header_rows`` skips the tool's extra header rows, the
            ``unpivot`` section turns each theme question into one row per answer (empty
            answers are counted as skipped cells), and ``columns`` names the respondent id,
            the time and the questions that give the sector, role or stakeholder id (without
            a stakeholder id question, each respondent is one stakeholder: the respondent
            id).
            Personal columns (names, e-mails, IP addresses, coordinates) are not mapped,
            so they never reach the loaded data.
        """
        spec = self.unpivot_spec(themes)
        used = [*spec["value_columns"], *spec["fields"]]
        blank = [c for c in used if self.source_columns.get(c, c) == ""]
        if blank:
            raise LoadError(
                f"{self.file or 'the export'}: the columns {blank} have no name in the file's "
                "header (answers to one question split over several columns): write a name "
                "in their header cell, or export one column per question.",
                file=self.file,
            )

        def src(column: str) -> str:
            return self.source_columns.get(column, column)

        columns = {canonical: src(source) for source, canonical in spec["fields"].items()}
        columns.update({"theme": "theme", "question": "question", "response": "response"})
        if "stakeholder_id" not in columns and self.id_column:  # one respondent, one voice
            columns["stakeholder_id"] = self.id_column
        fixed = dict(constants or {})
        for column in fixed:
            columns.pop(column, None)
        return {
            "kind": "interviews",
            "read": {"extra_header_rows": self.header_rows_dropped},
            **({"constants": fixed} if fixed else {}),
            "unpivot": {
                "columns": [src(c) for c in spec["value_columns"]],
                "names": {src(c): {**v, "question": c} for c, v in spec["names"].items()},
                "name": "question_column",
                "value": "response",
            },
            "columns": columns,
        }


def _read_raw(path: Path) -> pd.DataFrame:
    suffix = "".join(path.suffixes).lower()
    try:
        if suffix.endswith((".xlsx", ".xlsm", ".xls")):
            return pd.read_excel(path, header=None, dtype=str)
        return pd.read_csv(
            path, header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except FileNotFoundError as exc:
        raise LoadError(f"{path}: no such file", file=str(path)) from exc
    except Exception as exc:  # pandas raises several parser errors
        raise LoadError(f"{path} cannot be read as a form export: {exc}", file=str(path)) from exc


def _unique(names: list[str], warnings: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            new = f"{n} ({seen[n]})"
            warnings.append(f"Question {n!r} appears twice; the second is named {new!r}.")
            out.append(new)
        else:
            seen[n] = 1
            out.append(n)
    return out


def read_form_export(source: str | Path | pd.DataFrame, *, layout: str | None = None) -> FormExport:
    """Read a form tool's export, dropping its extra header rows.

    Parameters
    ----------
    source : str, Path or pandas.DataFrame
        A CSV or Excel export, or a frame read with ``header=None`` (every row, header
        included, as text).
    layout : str, optional
        Force a layout (a key of :data:`LAYOUTS` or ``generic``); detected by default.

    Returns
    -------
    FormExport
        The cleaned export, its column roles and the header rows dropped.

    Raises
    ------
    LoadError
        If the file cannot be read, has no data row, or does not match the layout forced.
    """
    file = "" if isinstance(source, pd.DataFrame) else str(source)
    raw = source if isinstance(source, pd.DataFrame) else _read_raw(Path(source))
    if raw.empty:
        raise LoadError(f"{file or 'the export'} is empty.", file=file)
    header = [str(v).strip() if pd.notna(v) else "" for v in raw.iloc[0]]
    found = detect_layout(header)
    if layout is not None and layout != found and layout != "generic":
        raise LoadError(
            f"{file or 'the export'} does not look like a {layout} export (its header looks "
            f"{found}); check the file or leave layout unset.",
            file=file,
        )
    layout = layout or found
    spec = LAYOUTS.get(
        layout, {"id": None, "time": None, "meta": [], "personal": [], "extra_header_rows": 0}
    )
    extra = spec["extra_header_rows"]
    warnings: list[str] = []
    names = list(header)
    if layout == "qualtrics" and len(raw) > 1:
        texts = [str(v).strip() if pd.notna(v) else "" for v in raw.iloc[1]]
        names = [t if h.startswith("Q") and t else h for h, t in zip(header, texts, strict=True)]
    if layout == "surveymonkey":
        # a question's column is blank in row 1 when it has several sub-answers
        last = ""
        filled = []
        for n in names:
            last = n or last
            filled.append(n or last)
        names = filled
    if len(raw) <= extra:
        raise LoadError(f"{file or 'the export'} has a header but no respondent.", file=file)
    names = _unique([n or f"column {i + 1}" for i, n in enumerate(names)], warnings)
    frame = raw.iloc[1 + extra :].reset_index(drop=True)
    frame.columns = names
    frame = frame.replace("", pd.NA)
    known = (
        set(filter(None, [spec["id"], spec["time"]])) | set(spec["meta"]) | set(spec["personal"])
    )
    personal = [c for c in names if c in spec["personal"]]
    meta = [c for c in names if c in spec["meta"]]
    questions = [c for c in names if c not in known]
    return FormExport(
        layout=layout,
        frame=frame,
        id_column=spec["id"] if spec["id"] in names else None,
        time_column=spec["time"] if spec["time"] in names else None,
        question_columns=questions,
        personal_columns=personal,
        meta_columns=meta,
        header_rows_dropped=extra,
        rows_read=len(frame),
        file=file,
        warnings=warnings,
        source_columns=dict(zip(names, header, strict=True)),
    )


def question_theme_table(
    questions: list[str] | FormExport, *, known: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Propose a CS360 theme (or interview column) for every question, for a person to check.

    Parameters
    ----------
    questions : list of str or FormExport
        Question texts (a form export gives its question columns).
    known : mapping of str to str, optional
        Targets already decided (question -> theme, ``stakeholder_id``, ``sector``,
        ``role`` or ``ignore``); they are kept as given.

    Returns
    -------
    pandas.DataFrame
        ``question``, ``target`` (a theme of :data:`~cs360lib.data.schemas.THEMES`, an
        interview column, or ``ignore`` when nothing matched), ``how`` (``given``,
        ``keywords`` or ``no match``).

    Raises
    ------
    LoadError
        If ``known`` gives a target that is neither a theme, an interview column nor
        ``ignore``.
    """
    qs = questions.question_columns if isinstance(questions, FormExport) else list(questions)
    known = dict(known or {})
    allowed = set(THEMES) | set(_FIELD_WORDS) | {"ignore"}
    bad = {q: t for q, t in known.items() if t not in allowed}
    if bad:
        raise LoadError(f"question targets {bad} are not themes, interview columns or 'ignore'.")
    rows = []
    for q in qs:
        if q in known:
            rows.append({"question": q, "target": known[q], "how": "given"})
            continue
        target = next((f for f, rx in _FIELD_WORDS.items() if re.search(rx, q, re.I)), None)
        if target is None:
            scores = {t: len(re.findall(rx, q, re.I)) for t, rx in _THEME_WORDS.items()}
            best = max(scores, key=lambda t: scores[t])
            target = best if scores[best] else None
        rows.append(
            {
                "question": q,
                "target": target or "ignore",
                "how": "keywords" if target else "no match",
            }
        )
    return pd.DataFrame(rows, columns=["question", "target", "how"])
