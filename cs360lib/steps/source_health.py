"""Which sources of an engagement yield usable data, said in plain words before anything else.

A header-only export, or one whose every row was rejected, loads without an error; so does one
that lost most of its rows to a bad date format. Counted as they are, such sources make the
intake say that every month is covered and make trends out of nothing. :func:`source_health`
applies the rule of ``cs360 validate`` and ``cs360 run`` (see
:func:`cs360lib.data.loaders.sources.source_problem`) and states, at the top of the intake
notebook, which sources are empty or mostly rejected and what to do about them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import altair as alt
import pandas as pd

from cs360lib.config.engagement import DEFAULT_MAX_REJECTED_SHARE
from cs360lib.data.loaders import LoadResult
from cs360lib.data.loaders.sources import (
    UNUSABLE_ADVICE,
    percent_text,
    rejected_share,
    source_problem,
    source_status,
)
from cs360lib.errors import AnalysisInputError
from cs360lib.publish.charts import PALETTE
from cs360lib.publish.results import Counts, Result, is_shown

__all__ = ["STATUSES", "SourceHealth", "source_health"]

STATUSES = ("ok", "mostly rejected", "empty", "failed")
"""Status of a source, from usable to not loaded (see :func:`source_health`)."""

_STATUS_TEXT = {
    "empty": "is empty",
    "mostly rejected": "had too many rows rejected",
    "failed": "could not be loaded",
}
_STATUS_COLORS = (PALETTE[0], PALETTE[1], PALETTE[5], PALETTE[7])


@dataclass(frozen=True)
class SourceHealth(Result):
    """Whether each source of an engagement yields usable rows.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per source: ``source``, ``kind``, ``status`` (one of :data:`STATUSES`),
        ``rows_read``, ``loaded``, ``rejected`` (missing for a source that failed),
        ``rejected_pct`` (rows rejected for a fault, in % of rows read; older versions of a
        key under ``duplicates: keep_latest`` do not count) and ``problem`` (why the source is
        not usable; empty when it is).
    max_rejected_share : float
        The limit the sources were checked against (``analysis.max_rejected_share``).
    """

    frame: pd.DataFrame
    max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE
    labels = {
        "source": "Source",
        "kind": "Kind",
        "status": "Status",
        "rows_read": "Rows read",
        "loaded": "Loaded",
        "rejected": "Rejected",
        "rejected_pct": "Rejected (%)",
        "problem": "Problem",
    }
    # the counts of IntakeOverview, declared alike so that both publish the same cells
    count_columns = (
        Counts(("loaded", "rejected"), by=("source",), rates={"rejected_pct": "rejected"}),
    )
    # rows read would give a hidden number of rejected rows away; the problem names counts
    privacy = {"rows_read": "internal", "problem": "internal"}

    @property
    def usable(self) -> bool:
        """True when every source loaded and yields usable rows."""
        return bool((self.frame["status"] == "ok").all())

    def unusable(self) -> pd.DataFrame:
        """Return the rows of the sources that are empty, mostly rejected or not loaded.

        Returns
        -------
        pandas.DataFrame
            Rows of :meth:`to_frame` whose ``status`` is not ``"ok"``.
        """
        return self.frame[self.frame["status"] != "ok"].reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per source with its status.

        Returns
        -------
        pandas.DataFrame
            See :attr:`frame`.
        """
        return self.frame.copy()

    def summary(self) -> str:
        """Say first which sources are empty or mostly rejected, in plain words.

        Returns
        -------
        str
            For unusable sources: a first line that counts them and says that nothing
            drawn from them can be trusted, one ``- name is empty: why`` line each, and
            what to do. Otherwise one sentence saying every source is usable.
        """
        limit = percent_text(self.max_rejected_share)
        bad = self.unusable()
        if bad.empty:
            lines = [
                f"Every source holds usable rows ({_sources(len(self.frame))}): no source is "
                f"empty, and no source had more than {limit} of its rows rejected."
            ]
            return "\n".join([*lines, *self.warning_lines()])
        one = len(bad) == 1
        lines = [
            f"Not usable: {len(bad)} of {_sources(len(self.frame))} "
            f"({', '.join(bad['source'])}). Nothing below about {'it' if one else 'them'} can "
            f"be trusted until {'it is' if one else 'they are'} fixed (no coverage, trend or map "
            "means anything without rows), and `cs360 run` stops before the next notebooks:"
        ]
        for row in bad.itertuples():
            why = f": {row.problem}" if is_shown(row.problem) else ""
            lines.append(f"- {row.source} {_STATUS_TEXT[row.status]}{why}")
        lines.append(UNUSABLE_ADVICE)
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.LayerChart:
        """Bar chart of the share of rows rejected per source, with the limit as a rule.

        Returns
        -------
        altair.LayerChart
            One bar per source (aggregated), coloured by status; empty and failed sources
            show at 100%.
        """
        counted = self.frame["status"].isin(["ok", "mostly rejected"])
        shown = pd.to_numeric(self.frame["rejected_pct"], errors="coerce").astype(float)
        data = self.frame.assign(shown=shown.where(counted, 100.0))
        data = data[["source", "status", "shown", "rows_read", "problem"]]
        bars = (
            alt.Chart(data, title="Share of each source's rows rejected")
            .mark_bar()
            .encode(
                y=alt.Y("source:N", title=None, sort=list(self.frame["source"])),
                x=alt.X("shown:Q", title="rows rejected (%)", scale=alt.Scale(domain=[0, 100])),
                color=alt.Color(
                    "status:N",
                    title=None,
                    scale=alt.Scale(domain=list(STATUSES), range=list(_STATUS_COLORS)),
                ),
                tooltip=["source", "status", alt.Tooltip("rows_read:Q", format=","), "problem"],
            )
        )
        rule = (
            alt.Chart(pd.DataFrame({"limit": [100 * self.max_rejected_share]}))
            .mark_rule(strokeDash=[4, 3])
            .encode(x="limit:Q")
        )
        return bars + rule


def source_health(
    sources: Mapping[str, LoadResult], *, max_rejected_share: float | None = None
) -> SourceHealth:
    """Check that every source yields usable rows.

    Applies the rule of ``cs360 validate`` and the pre-flight of ``cs360 run``
    (:func:`cs360lib.data.loaders.sources.source_problem`): a source that loads no row (a
    header-only file, or every row rejected) is ``empty``; one that rejects more than
    ``max_rejected_share`` of its rows is ``mostly rejected``.

    Parameters
    ----------
    sources : mapping of str to LoadResult
        The result of ``load_engagement`` (an
        :class:`~cs360lib.data.loaders.sources.EngagementSources`, whose failed sources and
        ``max_rejected_share`` are used too) or any mapping of name to :class:`LoadResult`.
    max_rejected_share : float, optional
        Largest share of rows, from 0 to 1, that may be rejected; defaults to the
        engagement's ``analysis.max_rejected_share`` (0.5 for a plain mapping).

    Returns
    -------
    SourceHealth
        One row per source, failed sources included.

    Raises
    ------
    AnalysisInputError
        If ``max_rejected_share`` is not between 0 and 1.
    """
    if max_rejected_share is None:
        max_rejected_share = getattr(sources, "max_rejected_share", DEFAULT_MAX_REJECTED_SHARE)
    if not 0.0 <= max_rejected_share <= 1.0:
        raise AnalysisInputError(
            f"max_rejected_share must be a share from 0 to 1 (the engagement's "
            f"analysis.max_rejected_share, 0.5 by default), got {max_rejected_share!r}: give "
            "the largest share of a source's rows that may be rejected"
        )
    kinds: Mapping[str, str] = getattr(sources, "kinds", {})
    failures: Mapping[str, str] = getattr(sources, "failures", {})
    names = list(kinds) or list(sources)
    rows = []
    for name in names:
        result = sources.get(name)
        if result is None:
            rows.append(
                {
                    "source": name,
                    "kind": kinds.get(name, ""),
                    "status": "failed",
                    "rows_read": None,
                    "loaded": None,
                    "rejected": None,
                    "rejected_pct": None,
                    "problem": failures.get(name, "not loaded"),
                }
            )
            continue
        rows.append(
            {
                "source": name,
                "kind": result.kind,
                "status": source_status(result, max_rejected_share),
                "rows_read": result.rows_read,
                "loaded": len(result.data),
                "rejected": len(result.rejected),
                "rejected_pct": round(100 * rejected_share(result), 2),
                "problem": source_problem(result, max_rejected_share) or "",
            }
        )
    frame = pd.DataFrame(rows, columns=list(SourceHealth.labels))
    frame = frame.astype({c: "Int64" for c in ("rows_read", "loaded", "rejected")})
    frame["rejected_pct"] = frame["rejected_pct"].astype("Float64")
    return SourceHealth(frame, max_rejected_share)


def _sources(n: int) -> str:
    return "1 source" if n == 1 else f"{n:,} sources"
