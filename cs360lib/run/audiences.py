"""Which outputs each report shows: the audience marks of ``cs.show`` and plain errors.

Used by :mod:`cs360lib.run.reports` when it exports a notebook twice. The **stakeholder**
report keeps only the outputs :func:`cs360lib.publish.display.show` published for it
(:class:`AudiencePreprocessor`) and says in plain words where a step failed
(:class:`PlainErrorsPreprocessor`, :func:`stakeholder_meta`); the **analyst** report keeps
everything except the stakeholder copies, and says on every page that it is internal
(:data:`INTERNAL_NOTICE`).
"""

from __future__ import annotations

from typing import Any

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Unicode

__all__ = [
    "ANALYST_NOTE",
    "AUDIENCE_KEY",
    "ERROR_CELL_TAGS",
    "INTERNAL_NOTICE",
    "PLAIN_FAILURES",
    "STEP_ERROR_NOTE",
    "AudiencePreprocessor",
    "PlainErrorsPreprocessor",
    "stakeholder_meta",
]

AUDIENCE_KEY = "cs360"
"""Output metadata key written by :func:`cs360lib.publish.display.show`."""

INTERNAL_NOTICE = "Internal: contains record-level data"
"""Printed at the top and bottom of every page of the analyst report."""

ANALYST_NOTE = "{what} is in the analyst report (internal: contains record-level data)."
"""The stakeholder report's line in place of what it does not publish."""


PLAIN_FAILURES = {
    "failed": "a step stopped with an error",
    "timeout": "a step ran longer than the time allowed",
    "dead_kernel": "the program running it stopped unexpectedly",
}
"""What a stakeholder report says about a notebook that did not finish, by status."""

STEP_ERROR_NOTE = "This step could not be completed. The analyst report says why."
"""What a stakeholder report shows in place of an error output (a Python traceback)."""

ERROR_CELL_TAGS = ("papermill-error-cell-tag", "cs360-error")
"""Tags of the error banner cells papermill and the runner add to a failed notebook."""


class PlainErrorsPreprocessor(Preprocessor):
    """Show a plain sentence instead of a Python traceback (stakeholder report).

    Error outputs (the exception and its traceback) become :data:`STEP_ERROR_NOTE`, and the
    error banner cells papermill and the runner insert (tagged :data:`ERROR_CELL_TAGS`) are
    removed: the report's own banner says that the notebook did not finish. The analyst
    report and ``ERROR.txt`` keep the traceback.
    """

    def preprocess(self, nb: Any, resources: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        """Drop the error banner cells, then replace the error outputs of every cell."""
        nb.cells = [
            cell
            for cell in nb.cells
            if not set(ERROR_CELL_TAGS) & set(cell.get("metadata", {}).get("tags", []))
        ]
        return super().preprocess(nb, resources)

    def preprocess_cell(
        self, cell: Any, resources: dict[str, Any], index: int
    ) -> tuple[Any, dict[str, Any]]:
        """Replace the error outputs of one cell with a plain sentence."""
        if "outputs" in cell:
            cell.outputs = [
                nbformat.v4.new_output(
                    "display_data",
                    data={
                        "text/plain": STEP_ERROR_NOTE,
                        "text/html": f'<p class="cs360-step-error">{STEP_ERROR_NOTE}</p>',
                    },
                    metadata={AUDIENCE_KEY: {"audience": "all"}},
                )
                if output.get("output_type") == "error"
                else output
                for output in cell.outputs
            ]
        return cell, resources


def stakeholder_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Say in the stakeholder banner that a notebook did not finish, without the error itself.

    Parameters
    ----------
    meta : dict
        Banner information (``status``, ``error``, ...).

    Returns
    -------
    dict
        A copy whose ``error`` is the plain sentence of :data:`PLAIN_FAILURES` for a notebook
        that did not finish (the exception, which may name files and values, stays in the
        analyst report), and whose ``status_text`` is readable (``"did not finish"`` for
        ``dead_kernel``).
    """
    status = meta.get("status")
    if not status or status == "ok":
        return dict(meta)
    plain = PLAIN_FAILURES.get(status, "a step stopped with an error")
    return {
        **meta,
        "status_text": status.replace("_", " "),
        "error": f"{plain}; the analyst report says why",
    }


class AudiencePreprocessor(Preprocessor):
    """Keep, in each report, only the outputs meant for its audience.

    :func:`cs360lib.publish.display.show` marks every output it makes with
    ``metadata["cs360"]["audience"]``: ``"all"`` (both reports), ``"stakeholder"`` (the
    published copy) or ``"analyst"``. The **stakeholder** report keeps ``"all"`` and
    ``"stakeholder"`` outputs and puts one line (:data:`ANALYST_NOTE`) in place of each run
    of other outputs: outputs marked analyst-only, and every output not made by ``show``
    (a bare frame at the end of a cell, a print, an error), so that nothing reaches the
    public without passing the publishing rules. The **analyst** report drops the
    stakeholder copies (it shows the full detail instead).
    """

    variant = Unicode("stakeholder", help="Report variant: stakeholder or analyst").tag(config=True)

    def preprocess_cell(
        self, cell: Any, resources: dict[str, Any], index: int
    ) -> tuple[Any, dict[str, Any]]:
        """Filter the outputs of one cell."""
        if cell.get("cell_type") != "code" or not cell.get("outputs"):
            return cell, resources
        if self.variant == "analyst":
            cell.outputs = [o for o in cell.outputs if _audience(o) != "stakeholder"]
            return cell, resources
        kept: list[Any] = []
        withheld: list[Any] = []
        for output in cell.outputs:
            if _audience(output) in ("all", "stakeholder"):
                kept += _analyst_notes(withheld)
                withheld = []
                kept.append(output)
            else:
                withheld.append(output)
        cell.outputs = kept + _analyst_notes(withheld)
        return cell, resources


def _audience(output: Any) -> str | None:
    meta = (output.get("metadata") or {}).get(AUDIENCE_KEY) or {}
    return meta.get("audience") if isinstance(meta, dict) else None


def _analyst_notes(outputs: list[Any]) -> list[Any]:
    """Note outputs in place of outputs the stakeholder report does not publish.

    One line per distinct thing withheld (the full detail of a result, its records, a titled
    output), in order; outputs without a mark (a bare frame, a print) share one line.
    """
    from html import escape

    texts = list(dict.fromkeys(_note_text(o) for o in outputs))
    return [
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/html": f'<p class="cs360-analyst-only">{escape(text)}</p>',
                "text/plain": text,
            },
            metadata={AUDIENCE_KEY: {"audience": "note"}},
        )
        for text in texts
    ]


def _note_text(output: Any) -> str:
    """Say what one withheld output was, for the stakeholder report's note."""
    meta = (output.get("metadata") or {}).get(AUDIENCE_KEY)
    if not isinstance(meta, dict):
        meta = {}
    title = meta.get("title")
    if meta.get("what"):
        text = ANALYST_NOTE.format(what=meta["what"])
    elif meta.get("note"):  # show's own reason (a record-level frame, an uncheckable chart)
        text = f"{title}: {meta['note']}" if title else str(meta["note"])
    elif title:
        text = ANALYST_NOTE.format(what=f"{title}: this detail")
    elif output.get("output_type") == "error":
        text = ANALYST_NOTE.format(what="The error message of this cell")
    else:
        text = ANALYST_NOTE.format(what="This detail")
    return text
