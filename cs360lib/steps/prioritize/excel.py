"""The priority worksheet as an Excel workbook the group can change in the meeting.

One sheet per part of the worksheet: ``About``, ``Candidates`` (and their evidence),
``CHEERS``, ``Criteria`` (raw values, details, and each criterion's formula and source),
``Harm weights``, ``Weights``, ``Scores`` and ``Sensitivity``. On the ``Scores`` sheet every
contribution is an Excel formula of the weight cells on the ``Weights`` sheet
(``=Weights!$D$3*F2``: the criterion's share of the weights times the candidate's normalised
value), the score is their sum and the rank is ``RANK`` of the score: change a weight on the
``Weights`` sheet and the scores and ranks move, exactly as
:meth:`~cs360lib.steps.prioritize.scoring.Scores.rescore` moves them. The normalised values
themselves do not depend on the weights (they are written as numbers).

A workbook for the Advisory Team (``published=True``) follows the publishing rules of the
stakeholder report (:func:`cs360lib.publish.publication.publish_frame`, with the rules that
``setup_notebook`` registered): each sheet holds the published table of its result (counts
below ``min_count`` hidden with their marker, columns declared ``internal`` or ``personal`` left
out, places generalized), the reasons of the CHEERS gate (evidence in words, with counts) and
the raw values of the ``Scores`` sheet are left out, and each sheet says what was withheld.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet as Sheet

from cs360lib.config.prioritization import CRITERIA, CRITERION_LABELS
from cs360lib.publish.publication import publish_frame
from cs360lib.publish.results import Result
from cs360lib.steps.prioritize.candidates import CandidateList
from cs360lib.steps.prioritize.cheers import Cheers
from cs360lib.steps.prioritize.criteria import CRITERION_DOCS, Criteria
from cs360lib.steps.prioritize.harm import HarmTable
from cs360lib.steps.prioritize.scoring import Scores
from cs360lib.steps.prioritize.sensitivity import Sensitivity

__all__ = ["SHEETS", "WEIGHT_CELLS", "write_workbook"]

SHEETS = (
    "About",
    "Candidates",
    "CHEERS",
    "Criteria",
    "Harm weights",
    "Weights",
    "Scores",
    "Sensitivity",
)
"""Sheet names, in order."""

WEIGHT_CELLS: dict[str, str] = {c: f"C{i + 2}" for i, c in enumerate(CRITERIA)}
"""Cell of each criterion's weight on the ``Weights`` sheet (the cells the group edits)."""

_HEADER = Font(bold=True)
_EDIT = PatternFill("solid", fgColor="FFF2CC")


def _cell(value: object) -> object:
    """Return a value openpyxl can write: no NaN, no numpy scalars, dates as dates."""
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _table(sheet: Sheet, frame: pd.DataFrame, labels: dict[str, str], start_row: int = 1) -> int:
    """Write a frame with labelled headers; return the next free row."""
    columns = list(frame.columns)
    for j, column in enumerate(columns, start=1):
        cell = sheet.cell(row=start_row, column=j, value=labels.get(column, column))
        cell.font = _HEADER
    for i, row in enumerate(frame.itertuples(index=False), start=start_row + 1):
        for j, value in enumerate(row, start=1):
            sheet.cell(row=i, column=j, value=_cell(value))
    _widths(sheet)
    return start_row + len(frame) + 2


def _published(
    frame: pd.DataFrame, result: Result | None, published: bool
) -> tuple[pd.DataFrame, str]:
    """Return the frame to write and the note of what was withheld ("" when nothing was).

    ``published=False`` returns the frame as computed. Otherwise the frame goes through
    :func:`~cs360lib.publish.publication.publish_frame` with the result class's declared
    ``count_columns`` and ``privacy`` (the rules registered for the kernel).
    """
    if not published:
        return frame, ""
    kind = type(result) if result is not None else None
    publication = publish_frame(
        frame,
        counts=getattr(kind, "count_columns", None),
        privacy=getattr(kind, "privacy", None),
        labels=getattr(result, "labels", None),
    )
    return publication.shown, publication.note


def _note(sheet: Sheet, row: int, note: str) -> int:
    """Write a publishing note under a table; return the next free row."""
    if not note:
        return row
    sheet.cell(row=row, column=1, value=note).font = Font(italic=True)
    return row + 2


def _widths(sheet: Sheet) -> None:
    for column in sheet.columns:
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[get_column_letter(column[0].column)].width = min(
            60, max(10, longest + 2)
        )


def _about(
    sheet: Sheet, title: str, candidates: CandidateList, scores: Scores, published: bool
) -> None:
    windows = sorted({w.describe() for w in candidates.windows.values()})
    audience = (
        "Published copy: small counts are hidden and record-level evidence is left out, as in "
        "the stakeholder report."
        if published
        else "Internal to the department: the full evidence and every count."
    )
    lines = [
        (title, True),
        ("Public safety priority worksheet (CompStat360, step 2: prioritize the problem).", False),
        (f"Data criteria over: {', '.join(windows) or 'no data'}.", False),
        (audience, False),
        ("", False),
        ("How to use it:", True),
        ("1. Change a weight in the yellow cells of the 'Weights' sheet (any number >= 0).", False),
        ("2. The 'Scores' sheet recalculates: contributions, scores and ranks follow.", False),
        (
            "3. 'Sensitivity' shows how often each candidate ranks first when the weights vary,",
            False,
        ),
        ("   and the smallest change of one weight that swaps the first two.", False),
        ("", False),
        ("Each criterion's formula and source is on the 'Criteria' sheet.", False),
        (
            f"Candidates ranked: {len(scores.ranking())}; not scored: {len(scores.not_scored)}.",
            False,
        ),
    ]
    for i, (text, bold) in enumerate(lines, start=1):
        cell = sheet.cell(row=i, column=1, value=text)
        cell.font = Font(bold=bold, size=14 if i == 1 else 11)
    sheet.column_dimensions["A"].width = 100


def _weights(sheet: Sheet, scores: Scores) -> None:
    headers = ["Criterion", "Label", "Weight", "Share of the score", "Formula", "Unit", "Source"]
    for j, text in enumerate(headers, start=1):
        sheet.cell(row=1, column=j, value=text).font = _HEADER
    last = len(CRITERIA) + 1
    for i, criterion in enumerate(CRITERIA, start=2):
        doc = CRITERION_DOCS[criterion]
        sheet.cell(row=i, column=1, value=criterion)
        sheet.cell(row=i, column=2, value=CRITERION_LABELS[criterion])
        weight = sheet.cell(row=i, column=3, value=float(scores.weights[criterion]))
        weight.fill = _EDIT
        share = sheet.cell(
            row=i, column=4, value=f"=IF(SUM($C$2:$C${last})>0,C{i}/SUM($C$2:$C${last}),0)"
        )
        share.number_format = "0.0%"
        sheet.cell(row=i, column=5, value=doc["formula"])
        sheet.cell(row=i, column=6, value=doc["unit"])
        sheet.cell(row=i, column=7, value=doc["source"])
    sheet.cell(
        row=last + 2,
        column=1,
        value="Edit the yellow cells; only the ratios of the weights matter.",
    )
    _widths(sheet)


def _scores(sheet: Sheet, scores: Scores, published: bool) -> None:
    k = len(CRITERIA)
    headers = ["Rank", "ID", "Candidate", "Score"]
    headers += [f"{CRITERION_LABELS[c]}: contribution" for c in CRITERIA]
    headers += [f"{CRITERION_LABELS[c]}: normalised" for c in CRITERIA]
    if not published:  # raw counts would give hidden counts away (Scores.privacy)
        headers += [f"{CRITERION_LABELS[c]}: raw" for c in CRITERIA]
    for j, text in enumerate(headers, start=1):
        sheet.cell(row=1, column=j, value=text).font = _HEADER
    ranking = scores.ranking()
    first_row, last_row = 2, max(2, len(ranking) + 1)
    norm_col = {c: 5 + k + j for j, c in enumerate(CRITERIA)}
    contrib_col = {c: 5 + j for j, c in enumerate(CRITERIA)}
    normalised = scores.normalised.reindex(columns=list(CRITERIA))
    for i, cid in enumerate(ranking, start=first_row):
        sheet.cell(row=i, column=2, value=cid)
        sheet.cell(row=i, column=3, value=scores.names[cid])
        for c in CRITERIA:
            value = normalised.at[cid, c]
            sheet.cell(row=i, column=norm_col[c], value=_cell(value) if pd.notna(value) else 0.0)
            share = f"Weights!$D${CRITERIA.index(c) + 2}"
            letter = get_column_letter(norm_col[c])
            sheet.cell(row=i, column=contrib_col[c], value=f"={share}*{letter}{i}")
            if not published:
                sheet.cell(
                    row=i,
                    column=5 + 2 * k + CRITERIA.index(c),
                    value=_cell(scores.raw.at[cid, c]),
                )
        first_c, last_c = get_column_letter(5), get_column_letter(4 + k)
        sheet.cell(row=i, column=4, value=f"=SUM({first_c}{i}:{last_c}{i})").number_format = "0.000"
        sheet.cell(row=i, column=1, value=f"=RANK(D{i},$D${first_row}:$D${last_row})")
    row = last_row + 2
    if scores.not_scored:
        sheet.cell(row=row, column=1, value="Not scored").font = _HEADER
        for cid, why in scores.not_scored.items():
            row += 1
            sheet.cell(row=row, column=2, value=cid)
            sheet.cell(row=row, column=3, value=scores.names[cid])
            sheet.cell(row=row, column=4, value=why)
    if published:
        row += 2
        sheet.cell(
            row=row,
            column=1,
            value="The raw values of the criteria are in the department's internal workbook.",
        ).font = Font(italic=True)
    for i in range(first_row, last_row + 1):
        for c in CRITERIA:
            sheet.cell(row=i, column=contrib_col[c]).number_format = "0.000"
            sheet.cell(row=i, column=norm_col[c]).number_format = "0.000"
    _widths(sheet)


def _sensitivity(sheet: Sheet, result: Sensitivity) -> None:
    row = _table(sheet, result.to_frame(), dict(result.labels))
    sheet.cell(
        row=row, column=1, value="Smallest change of one weight that swaps the top two"
    ).font = _HEADER
    swaps = result.swaps.assign(criterion=lambda f: f["criterion"].map(CRITERION_LABELS))
    _table(
        sheet,
        swaps,
        {
            "criterion": "Criterion",
            "weight": "Weight now",
            "tie_weight": "Weight at which they tie",
            "change": "Change",
            "direction": "Direction",
        },
        start_row=row + 1,
    )
    note = row + len(swaps) + 3
    sheet.cell(
        row=note,
        column=1,
        value=f"Weights drawn {result.draws:,} times from a Dirichlet distribution around the "
        f"chosen weights (concentration {result.concentration:g}, seed {result.seed}).",
    )


def write_workbook(
    path: str | Path,
    *,
    title: str,
    candidates: CandidateList,
    cheers: Cheers,
    criteria: Criteria,
    harm_table: HarmTable,
    scores: Scores,
    sensitivity: Sensitivity,
    published: bool = False,
) -> Path:
    """Write the worksheet as an Excel workbook (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file to write (folders are created).
    title : str
        Title on the ``About`` sheet (the engagement's name).
    candidates, cheers, criteria, scores, sensitivity
        The worksheet's results.
    harm_table : HarmTable
        The harm weights used.
    published : bool, default False
        True: the Advisory Team's copy, under the publishing rules registered for the kernel
        (see the module docstring). False: the department's internal workbook.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    sheets = {
        name: (book.active if i == 0 else book.create_sheet(name)) for i, name in enumerate(SHEETS)
    }
    sheets["About"].title = "About"
    _about(sheets["About"], title, candidates, scores, published)
    frame, note = _published(candidates.to_frame(), candidates, published)
    _note(sheets["Candidates"], _table(sheets["Candidates"], frame, dict(candidates.labels)), note)
    wide = cheers.wide()
    if published:  # the reasons quote the evidence, with its counts
        wide = wide.drop(columns="reason")
    cheers_labels = {"id": "ID", "label": "Candidate", "gate": "Gate", "reason": "Why it fails"}
    row = _table(sheets["CHEERS"], wide, cheers_labels)
    frame, note = _published(cheers.to_frame(), cheers, published)
    row = _table(sheets["CHEERS"], frame, dict(cheers.labels), start_row=row)
    _note(sheets["CHEERS"], row, note)
    frame, note = _published(criteria.to_frame(), criteria, published)
    row = _note(sheets["Criteria"], _table(sheets["Criteria"], frame, dict(criteria.labels)), note)
    docs = pd.DataFrame([{"criterion": CRITERION_LABELS[c], **CRITERION_DOCS[c]} for c in CRITERIA])
    _table(
        sheets["Criteria"],
        docs,
        {"criterion": "Criterion", "formula": "Formula", "unit": "Unit", "source": "Source"},
        start_row=row,
    )
    row = _table(
        sheets["Harm weights"],
        harm_table.to_frame(),
        {
            "label": "Category",
            "weight": "Weight (days)",
            "level": "Offense level",
            "guideline": "Guideline",
            "patterns": "Matches",
        },
    )
    sheets["Harm weights"].cell(row=row, column=1, value=f"Derivation: {harm_table.derivation}")
    sheets["Harm weights"].cell(row=row + 1, column=1, value=f"Source: {harm_table.source}")
    _weights(sheets["Weights"], scores)
    _scores(sheets["Scores"], scores, published)
    _sensitivity(sheets["Sensitivity"], sensitivity)
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    book.save(path)
    return path
