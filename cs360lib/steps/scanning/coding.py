"""Code scanning responses against a codebook, keeping the words behind every code.

:func:`code_responses` finds every phrase of the codebook in every response in one
pass of one regular expression over the whole column (see
:class:`~.codebook.CompiledCodebook`), then drops mentions that an exclusion cancels or
a negation governs (:mod:`.negation`). A response may carry several concerns
(multi-label). Empty responses and responses that do not look English
(:mod:`.language`) are skipped and listed, never silently coded "no concern".

The result, :class:`Coding`, holds the codes (one yes/no column per concern), the
evidence (every mention found, with its status ``coded``, ``negated`` or
``excluded``), the skipped responses, and, once a person has checked the coding sheet
(:mod:`.sheet`), the manual codes, which take precedence over the automatic ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
import pandas as pd

from cs360lib.errors import CodebookError
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table
from cs360lib.steps.scanning._common import (
    META_COLUMNS,
    RESPONSE_ID,
    hbar,
    response_ids,
    share_text,
)
from cs360lib.steps.scanning.codebook import Codebook, load_codebook
from cs360lib.steps.scanning.language import looks_english
from cs360lib.steps.scanning.negation import is_negated

if TYPE_CHECKING:  # pragma: no cover
    from cs360lib.publish.tables import PresentationTable

__all__ = ["Coding", "code_responses"]

_SEPARATOR = "\n\n"
_CONTEXT = 200
"""Characters of context read on each side of a mention for the negation rule."""


@dataclass(frozen=True)
class Coding(Result):
    """Responses coded against a codebook.

    Attributes
    ----------
    codebook : Codebook
        The codebook used.
    responses : pandas.DataFrame
        One row per response coded (not skipped), indexed by ``response_id``: the
        interview columns present (``interview_id``, ``stakeholder_id``, ``sector``,
        ``role``, ``theme``, ``question``, ``interviewed_on``) and ``response``.
    automatic : pandas.DataFrame
        Bool, one column per concern id, indexed like ``responses``: the machine's codes.
    evidence : pandas.DataFrame
        One row per mention found: ``response_id``, ``concern``, ``text`` (the words that
        triggered it), ``start``, ``end`` (character offsets in the response),
        ``status`` (``coded``, ``negated`` or ``excluded``).
    skipped : pandas.DataFrame
        Responses not coded: ``response_id``, ``reason`` (``empty`` or ``not English``),
        the interview columns and ``response``.
    manual : pandas.DataFrame or None
        Manual codes from a coding sheet: like ``automatic`` but with missing values
        where the coder left a cell blank.

    Its warnings note skips, manual codes for unknown responses and the like.
    """

    codebook: Codebook
    responses: pd.DataFrame
    automatic: pd.DataFrame
    evidence: pd.DataFrame
    skipped: pd.DataFrame
    manual: pd.DataFrame | None = None
    labels = {"label": "Concern", "responses": "Responses", "negated": "Negated mentions"}

    @property
    def codes(self) -> pd.DataFrame:
        """Final codes: the manual code where a person gave one, else the automatic one.

        Returns
        -------
        pandas.DataFrame
            Bool, one column per concern id, indexed by ``response_id``.
        """
        if self.manual is None:
            return self.automatic.copy()
        manual = self.manual.reindex(index=self.automatic.index, columns=self.automatic.columns)
        return manual.fillna(self.automatic).astype(bool)

    def disagreements(self) -> pd.DataFrame:
        """List the cells where the manual code differs from the automatic one.

        Returns
        -------
        pandas.DataFrame
            ``response_id``, ``concern``, ``automatic``, ``manual``, ``evidence``,
            ``response``; empty when there are no manual codes.
        """
        cols = [RESPONSE_ID, "concern", "automatic", "manual", "evidence", "response"]
        if self.manual is None:
            return pd.DataFrame(columns=cols)
        manual = self.manual.reindex(index=self.automatic.index, columns=self.automatic.columns)
        auto = self.automatic.stack()
        man = manual.stack(future_stack=True)
        differ = man.notna() & (man.astype("boolean") != auto.astype("boolean"))
        pairs = man[differ].index
        out = pd.DataFrame(
            {
                RESPONSE_ID: pairs.get_level_values(0),
                "concern": pairs.get_level_values(1),
                "automatic": auto[pairs].to_numpy(dtype=bool),
                "manual": man[pairs].astype(bool).to_numpy(),
            }
        )
        out["evidence"] = self._evidence_column(out)
        out["response"] = self.responses.loc[out[RESPONSE_ID], "response"].to_numpy()
        return out[cols]

    def _evidence_text(self) -> dict[tuple[str, str], str]:
        coded = self.evidence[self.evidence["status"] == "coded"]
        if coded.empty:
            return {}
        grouped = coded.groupby([RESPONSE_ID, "concern"], sort=False)["text"].agg(
            lambda s: "; ".join(dict.fromkeys(s))
        )
        return grouped.to_dict()

    def _evidence_column(self, pairs: pd.DataFrame) -> list[str]:
        ev = self._evidence_text()
        keys = zip(pairs[RESPONSE_ID], pairs["concern"], strict=True)
        return [ev.get(k, "") for k in keys]

    def with_manual(self, manual: pd.DataFrame) -> Coding:
        """Return a copy with manual codes that take precedence over the automatic ones.

        Parameters
        ----------
        manual : pandas.DataFrame
            Indexed by ``response_id``, one column per concern id, values True, False
            or missing (no decision); e.g. from :func:`~.sheet.read_coding_sheet`.

        Returns
        -------
        Coding
            With ``manual`` set; responses and concerns unknown to this coding are
            ignored with a warning.

        Raises
        ------
        CodebookError
            If a column is not a concern of the codebook.
        """
        unknown = [c for c in manual.columns if c not in self.automatic.columns]
        if unknown:
            raise CodebookError(
                f"manual codes name concerns that are not in codebook {self.codebook.source}: "
                f"{', '.join(map(str, unknown))}"
            )
        warnings = list(self.warnings)
        extra = manual.index.difference(self.automatic.index)
        if len(extra):
            warnings.append(
                f"{len(extra)} manual code row(s) match no coded response and were ignored "
                f"(e.g. {', '.join(map(str, extra[:3]))})."
            )
        kept = manual.loc[manual.index.intersection(self.automatic.index)]
        return replace(self, manual=kept.astype("boolean"), warnings=warnings)

    def counts(self) -> pd.DataFrame:
        """Count the responses coded with each concern.

        Returns
        -------
        pandas.DataFrame
            ``concern``, ``label``, ``responses`` (final codes), ``automatic``,
            ``negated`` (mentions set aside by negation), ``excluded``, sorted by
            ``responses`` descending then codebook order.
        """
        codes = self.codes
        ids = self.codebook.ids
        status = self.evidence.groupby(["concern", "status"]).size().unstack(fill_value=0)
        status = status.reindex(index=ids, columns=["negated", "excluded"], fill_value=0)
        out = pd.DataFrame(
            {
                "concern": ids,
                "label": [self.codebook.labels[c] for c in ids],
                "responses": codes.sum().reindex(ids).to_numpy(dtype=int),
                "automatic": self.automatic.sum().reindex(ids).to_numpy(dtype=int),
                "negated": status["negated"].to_numpy(dtype=int),
                "excluded": status["excluded"].to_numpy(dtype=int),
            }
        )
        out["_order"] = range(len(out))
        out = out.sort_values(["responses", "_order"], ascending=[False, True])
        return out.drop(columns="_order").reset_index(drop=True)

    def uncovered(self) -> pd.DataFrame:
        """Return the coded responses that no concern covers.

        Returns
        -------
        pandas.DataFrame
            Rows of ``responses`` whose final codes are all False.
        """
        return self.responses[~self.codes.any(axis=1)]

    def to_frame(self) -> pd.DataFrame:
        """Return one row per response and concern coded.

        Returns
        -------
        pandas.DataFrame
            ``response_id``, ``concern``, ``label``, ``evidence`` (the words that
            triggered the code, ``;``-separated; empty for a manual code),
            ``source`` (``automatic`` or ``manual``), then the interview columns.
        """
        codes = self.codes
        stacked = codes.stack()
        pairs = stacked[stacked].index
        out = pd.DataFrame(
            {RESPONSE_ID: pairs.get_level_values(0), "concern": pairs.get_level_values(1)}
        )
        out["label"] = out["concern"].map(self.codebook.labels)
        out["evidence"] = self._evidence_column(out)
        auto = self.automatic.stack()
        out["source"] = np.where(auto[pairs].to_numpy(dtype=bool), "automatic", "manual")
        meta = self.responses.drop(columns=["response"]).reset_index()
        return out.merge(meta, on=RESPONSE_ID, how="left")

    def wide(self) -> pd.DataFrame:
        """Return the responses with one yes/no column per concern and their evidence.

        Returns
        -------
        pandas.DataFrame
            ``responses`` plus a bool column per concern id and ``codes`` (the coded
            labels, ``;``-separated) and ``evidence`` (``label: words`` pairs).
        """
        codes = self.codes
        out = self.responses.join(codes)
        ev = self._evidence_text()
        labels = self.codebook.labels
        names, evid = [], []
        for rid, row in codes.iterrows():
            on = [c for c in codes.columns if row[c]]
            names.append("; ".join(labels[c] for c in on))
            evid.append("; ".join(f"{labels[c]}: {ev[(rid, c)]}" for c in on if (rid, c) in ev))
        out["codes"] = names
        out["evidence"] = evid
        return out

    def summary(self) -> str:
        """Describe the coding in plain language.

        Returns
        -------
        str
            How many responses were coded, skipped and left uncovered, and the most
            frequent concerns.
        """
        n = len(self.responses)
        covered = int(self.codes.any(axis=1).sum())
        lines = [
            f"{n:,} responses were coded against the codebook '{self.codebook.name}'; "
            f"{share_text(covered, n)} touch at least one concern."
        ]
        top = self.counts()
        top = top[top["responses"] > 0].head(5)
        if len(top):
            lines.append(
                "Most frequent: "
                + "; ".join(f"{r.label} ({r.responses:,})" for r in top.itertuples())
                + "."
            )
        negated = int((self.evidence["status"] == "negated").sum())
        if negated:
            lines.append(f"{negated:,} mentions were not coded because they were negated.")
        if self.manual is not None:
            lines.append(
                f"A person checked the coding: {len(self.disagreements()):,} codes were changed "
                "by hand, and the manual codes are the ones used."
            )
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Bar chart of responses per concern (aggregated).

        Returns
        -------
        altair.Chart
            One bar per concern with at least one response.
        """
        counts = self.counts()
        counts = counts[counts["responses"] > 0]
        return hbar(
            counts,
            label="label",
            value="responses",
            title="Responses coded, by concern",
            tooltip=["label", "responses", "negated"],
        )

    def table(self) -> PresentationTable:
        """Return the responses and negated mentions per concern (:meth:`counts`)."""
        return presentation_table(self.counts()[list(self.labels)], labels=self.labels)


def _prepare(responses: pd.DataFrame | pd.Series | Sequence[str], text_column: str) -> pd.DataFrame:
    if isinstance(responses, pd.Series):
        frame = responses.rename(text_column).to_frame()
    elif isinstance(responses, pd.DataFrame):
        frame = responses
    else:
        frame = pd.DataFrame({text_column: list(responses)})
    if text_column not in frame.columns:
        raise CodebookError(
            f"the responses have no column {text_column!r} (columns: "
            f"{', '.join(map(str, frame.columns))}); pass text_column= the column holding "
            "the answers."
        )
    return frame


def _find(
    texts: list[str], compiled: Any, negation_window: int | None
) -> tuple[list[tuple[int, str, str, int, int, str]], np.ndarray]:
    """Match every text in one pass; return evidence rows and the coded matrix."""
    ids = compiled.codebook.ids
    col = {c: i for i, c in enumerate(ids)}
    coded = np.zeros((len(texts), len(ids)), dtype=bool)
    rows: list[tuple[int, str, str, int, int, str]] = []
    if not texts:
        return rows, coded
    joined = _SEPARATOR.join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.concatenate([[0], np.cumsum(lengths + len(_SEPARATOR))[:-1]])
    found = [(m.start(), m.end(), m.group()) for m in compiled.regex.finditer(joined)]
    if not found:
        return rows, coded
    m_start = np.fromiter((f[0] for f in found), dtype=np.int64, count=len(found))
    owner = np.searchsorted(starts, m_start, side="right") - 1
    classify = compiled.classify
    for (s, e, text), i in zip(found, owner.tolist(), strict=True):
        hit, excluded = classify(text)
        r0 = int(starts[i])
        for c in excluded:
            rows.append((i, c, text, s - r0, e - r0, "excluded"))
        if not hit:
            continue
        negated = False
        if negation_window is not None:
            r1 = r0 + int(lengths[i])
            negated = is_negated(
                joined[max(r0, s - _CONTEXT) : s],
                joined[e : min(r1, e + _CONTEXT)],
                window=negation_window,
            )
        status = "negated" if negated else "coded"
        for c in hit:
            rows.append((i, c, text, s - r0, e - r0, status))
            if not negated:
                coded[i, col[c]] = True
    return rows, coded


def code_responses(
    responses: pd.DataFrame | pd.Series | Sequence[str],
    codebook: Codebook | dict[str, Any] | str | Path | None = None,
    *,
    text_column: str = "response",
    themes: Sequence[str] | None = None,
    check_language: bool = True,
) -> Coding:
    """Code responses against a codebook.

    Parameters
    ----------
    responses : pandas.DataFrame, Series or sequence of str
        Typically the ``data`` of a loaded ``interviews`` source (one row per answer).
        Columns of the ``interviews`` kind present are kept with each response; a
        ``response_id`` column is used as the id if present (see
        :func:`~._common.response_ids`).
    codebook : Codebook, dict, str or Path, optional
        See :func:`~.codebook.load_codebook`; default: the shipped default codebook.
    text_column : str, default "response"
        Column holding the text.
    themes : sequence of str, optional
        Code only responses whose ``theme`` is one of these (e.g.
        ``["public_safety_concerns"]``); default: every response.
    check_language : bool, default True
        Skip responses that do not look English (:func:`~.language.looks_english`).

    Returns
    -------
    Coding
        Codes, evidence, skipped responses and warnings.

    Raises
    ------
    CodebookError
        If the codebook is invalid, the text column is missing, or ``response_id``
        repeats an id.

    Notes
    -----
    One pass of one compiled regular expression over all responses joined; see
    ``benchmarks/bench_scanning.py`` for its cost against a bare regex pass.
    """
    book = load_codebook(codebook)
    compiled = book.compile()
    frame = _prepare(responses, text_column)
    try:
        rid = response_ids(frame)  # before any filter, so that ids do not depend on it
    except ValueError as exc:
        raise CodebookError(str(exc)) from exc
    if themes is not None:
        if "theme" not in frame.columns:
            raise CodebookError("themes= was given but the responses have no `theme` column.")
        chosen = frame["theme"].astype(str).isin(list(themes)).to_numpy()
        frame, rid = frame[chosen], rid[chosen]
    texts = frame[text_column].astype("string").fillna("").astype(object).astype(str)
    meta_cols = [c for c in META_COLUMNS if c in frame.columns]
    table = frame[meta_cols].copy()
    table.insert(0, RESPONSE_ID, rid.to_numpy())
    table["response"] = texts.to_numpy()
    empty = (texts.str.strip() == "").to_numpy()
    english = looks_english(texts).to_numpy() if check_language else np.ones(len(texts), bool)
    keep = ~empty & english
    reason = np.where(empty, "empty", "not English")
    skipped = table.loc[~keep].copy()
    skipped.insert(1, "reason", reason[~keep])
    kept = table[keep].set_index(RESPONSE_ID)
    window = book.negation.window if book.negation.enabled else None
    rows, matrix = _find(kept["response"].tolist(), compiled, window)
    ids = kept.index.to_numpy()
    evidence = pd.DataFrame(rows, columns=["_pos", "concern", "text", "start", "end", "status"])
    evidence.insert(0, RESPONSE_ID, ids[evidence["_pos"].to_numpy(dtype=int)])
    evidence = evidence.drop(columns="_pos")
    automatic = pd.DataFrame(matrix, index=kept.index, columns=book.ids)
    warnings = []
    if len(skipped):
        counts = skipped["reason"].value_counts()
        warnings.append(
            "Set aside and not coded: "
            + ", ".join(f"{v:,} {k} response(s)" for k, v in counts.items())
            + "; they are listed, with the reason, in the skipped table."
        )
    if not len(kept):
        warnings.append("No response could be coded.")
    return Coding(
        codebook=book,
        responses=kept,
        automatic=automatic,
        evidence=evidence.reset_index(drop=True),
        skipped=skipped.reset_index(drop=True),
        warnings=warnings,
    )
