"""The coding sheet: an Excel workbook in which people check and correct the machine's codes.

:func:`write_coding_sheet` writes one row per response and one column per concern with a
yes/no drop-down (an Excel data validation), the proposed codes filled in and the words
that triggered them shown, plus a ``codebook`` sheet with every concern's definition
for the coders. :func:`read_coding_sheet` reads a returned sheet back as manual codes;
:meth:`~.coding.Coding.with_manual` (or :func:`apply_coding_sheet`) makes them take
precedence over the automatic codes and lists the disagreements. A sheet whose columns
do not match the codebook is refused with a message naming the file and the columns,
since a renamed or added column would otherwise lose a coder's work silently.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cs360lib.errors import CodebookError
from cs360lib.steps.scanning._common import META_COLUMNS, RESPONSE_ID
from cs360lib.steps.scanning.codebook import Codebook
from cs360lib.steps.scanning.coding import Coding

__all__ = ["SHEET_NAME", "apply_coding_sheet", "read_coding_sheet", "write_coding_sheet"]

SHEET_NAME = "coding"
"""Name of the worksheet holding the codes."""

_INFO_COLUMNS = ("response", "proposed_codes", "evidence", "notes")
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0"}


def write_coding_sheet(coding: Coding, path: str | Path) -> Path:
    """Write the coding sheet for human coders.

    Parameters
    ----------
    coding : Coding
        Result of :func:`~.coding.code_responses`.
    path : str or Path
        Excel file to write (``.xlsx``).

    Returns
    -------
    Path
        The file written.

    Notes
    -----
    Columns: ``response_id``, the interview columns present, ``response``,
    ``proposed_codes``, ``evidence``, one column per concern id (``yes``/``no`` with a
    drop-down; the header's comment gives the label and definition) and ``notes``.
    """
    path = Path(path)
    book = coding.codebook
    wide = coding.wide()
    meta = [c for c in META_COLUMNS if c in wide.columns and c != "interviewed_on"]
    headers = [RESPONSE_ID, *meta, "response", "proposed_codes", "evidence", *book.ids, "notes"]
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    ws.append(headers)
    bold = Font(bold=True)
    for j, name in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=j)
        cell.font = bold
        if name in book.ids:
            c = book.concern(name)
            cell.comment = Comment(f"{c.label}: {c.definition}", "cs360")
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
    codes = coding.codes
    for rid, row in wide.iterrows():
        values = [rid, *(row[c] for c in meta), row["response"], row["codes"], row["evidence"]]
        values += ["yes" if bool(codes.at[rid, c]) else "no" for c in book.ids]
        values.append("")
        ws.append([None if (isinstance(v, float) and pd.isna(v)) else v for v in values])
    n = len(wide) + 1
    first = headers.index(book.ids[0]) + 1
    last = first + len(book.ids) - 1
    dv = DataValidation(
        type="list",
        formula1='"yes,no"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="yes or no",
        error="Type yes or no (or leave blank for no decision).",
    )
    ws.add_data_validation(dv)
    if n > 1:
        dv.add(f"{get_column_letter(first)}2:{get_column_letter(last)}{n}")
    ws.freeze_panes = ws.cell(row=2, column=headers.index("response") + 2)
    ws.column_dimensions[get_column_letter(headers.index("response") + 1)].width = 60
    ws.column_dimensions[get_column_letter(headers.index("evidence") + 1)].width = 30
    for row in ws.iter_rows(min_row=2, max_row=n):
        row[headers.index("response")].alignment = Alignment(wrap_text=True, vertical="top")
    cb = wb.create_sheet("codebook")
    cb.append(["id", "label", "definition"])
    for c in book.concerns:
        cb.append([c.id, c.label, c.definition])
    help_ = wb.create_sheet("how to code")
    for line in (
        "Check every response against the codebook (sheet 'codebook').",
        "Set each concern column to yes or no; the machine's proposal is filled in.",
        "Leave a cell blank for 'no decision'; the machine's code then stands.",
        "Do not rename, add or remove columns; add remarks in 'notes'.",
    ):
        help_.append([line])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _parse(value: object, where: str, path: Path) -> object:
    if value is None:
        return pd.NA
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text == "":
        return pd.NA
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CodebookError(
        f"coding sheet {path}: cell {where} holds {value!r}; use yes or no (or leave it blank)."
    )


def read_coding_sheet(path: str | Path, codebook: Codebook | Coding) -> pd.DataFrame:
    """Read a coding sheet back as manual codes.

    Parameters
    ----------
    path : str or Path
        A sheet written by :func:`write_coding_sheet` and filled in by coders.
    codebook : Codebook or Coding
        The codebook the sheet was written for (or the coding it came from).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``response_id``, one nullable-boolean column per concern found in the
        sheet (missing = no decision).

    Raises
    ------
    CodebookError
        If the file cannot be read, has no ``coding`` sheet or ``response_id`` column, has
        columns that are neither interview columns nor concerns of the codebook (naming
        them), repeats a response id, or a cell holds something other than yes/no.
    """
    path = Path(path)
    book = codebook.codebook if isinstance(codebook, Coding) else codebook
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError as exc:
        raise CodebookError(f"coding sheet {path} does not exist.") from exc
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        raise CodebookError(f"coding sheet {path} cannot be read as Excel: {exc}") from exc
    if SHEET_NAME not in wb.sheetnames:
        raise CodebookError(f"coding sheet {path} has no worksheet named {SHEET_NAME!r}.")
    rows = list(wb[SHEET_NAME].iter_rows(values_only=True))
    wb.close()
    if not rows:
        raise CodebookError(f"coding sheet {path} is empty.")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    while header and header[-1] == "":
        header.pop()
    if RESPONSE_ID not in header:
        raise CodebookError(f"coding sheet {path} has no {RESPONSE_ID!r} column.")
    known = {RESPONSE_ID, *META_COLUMNS, *_INFO_COLUMNS, *book.ids}
    unknown = [
        h or f"(blank header in column {get_column_letter(i + 1)})"
        for i, h in enumerate(header)
        if h not in known
    ]
    if unknown:
        raise CodebookError(
            f"coding sheet {path} has columns that are not in codebook {book.source}: "
            f"{', '.join(map(repr, unknown))}. Restore the original column names (concern "
            "ids) or add the concerns to the codebook; new remarks go in 'notes'."
        )
    concerns = [h for h in header if h in book.ids]
    if not concerns:
        raise CodebookError(f"coding sheet {path} has no concern column at all.")
    pos = {h: header.index(h) for h in header}
    ids, records = [], []
    for r, row in enumerate(rows[1:], start=2):
        row = tuple(row) + (None,) * (len(header) - len(row))
        rid = row[pos[RESPONSE_ID]]
        if rid is None or str(rid).strip() == "":
            if all(v is None for v in row[: len(header)]):
                continue
            raise CodebookError(f"coding sheet {path}: row {r} has no {RESPONSE_ID}.")
        ids.append(str(rid).strip())
        records.append(
            [_parse(row[pos[c]], f"{get_column_letter(pos[c] + 1)}{r}", path) for c in concerns]
        )
    index = pd.Index(ids, name=RESPONSE_ID)
    dupes = index[index.duplicated()].unique()
    if len(dupes):
        raise CodebookError(
            f"coding sheet {path} repeats response ids {', '.join(dupes[:5])}; keep one row each."
        )
    return pd.DataFrame(records, index=index, columns=concerns).astype("boolean")


def apply_coding_sheet(coding: Coding, path: str | Path) -> Coding:
    """Read a returned coding sheet and let its codes take precedence.

    Parameters
    ----------
    coding : Coding
        The automatic coding the sheet was written from.
    path : str or Path
        The returned sheet.

    Returns
    -------
    Coding
        With manual codes; see :meth:`~.coding.Coding.disagreements`.

    Raises
    ------
    CodebookError
        As :func:`read_coding_sheet`.
    """
    return coding.with_manual(read_coding_sheet(path, coding))
