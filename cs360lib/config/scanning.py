"""The ``scanning:`` section of an engagement file: the codebook and the returned coding sheets.

Notebook 01 codes the interviews with the shipped default codebook unless the engagement names
its own (a YAML file that ``extends: default`` or replaces it; see ``docs/scanning.md``), and
measures the agreement between the codebook and the people who checked it when their coding
sheets (the Excel sheet the notebook exports, filled in and returned) are listed. Paths are
relative to the engagement file; a file that does not exist is reported when the file loads.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationInfo, field_validator

from cs360lib.config._base import _Strict

__all__ = ["ScanningSettings"]


def _resolve(value: Path, info: ValidationInfo) -> Path:
    context = info.context
    root = context.get("root") if isinstance(context, dict) else None
    if root is None or value.is_absolute():
        return value
    return root / value


class ScanningSettings(_Strict):
    """How the scanning interviews are coded (the ``scanning:`` section).

    Attributes
    ----------
    codebook : Path or None
        A YAML codebook (``extends: default`` to add to the shipped one); None: the shipped
        default codebook.
    coding_sheets : list of Path
        Coding sheets returned by human coders (``.xlsx`` written by
        ``cs360lib.steps.scanning.write_coding_sheet``). The first one's codes replace the
        codebook's (manual codes win); each is compared with the codebook (Cohen's kappa),
        and with each other (Krippendorff's alpha) when there are two or more.
    concern_theme : str
        The interview theme whose answers count as concerns raised.
    """

    codebook: Path | None = None
    coding_sheets: list[Path] = []
    concern_theme: str = "public_safety_concerns"

    @field_validator("codebook")
    @classmethod
    def _codebook_exists(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            return None
        path = _resolve(value, info)
        if path.is_absolute() and not path.is_file():
            raise ValueError(f"codebook file not found: {path}")
        return path

    @field_validator("coding_sheets")
    @classmethod
    def _sheets_exist(cls, value: list[Path], info: ValidationInfo) -> list[Path]:
        paths = [_resolve(p, info) for p in value]
        missing = [str(p) for p in paths if p.is_absolute() and not p.is_file()]
        if missing:
            raise ValueError(
                f"coding sheet(s) not found: {', '.join(missing)}; list a sheet here once the "
                "coder has returned it"
            )
        return paths
