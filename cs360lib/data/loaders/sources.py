"""Load every source of an engagement, stopping at the first failure or collecting them all.

A source that loads but yields nothing usable (a header-only file, every row rejected, or more
rows rejected than the engagement's ``analysis.max_rejected_share``) is not an error of the
loader: its :class:`LoadResult` is kept, with the rejected rows that say why, and the source is
listed in :attr:`EngagementSources.unusable`, which makes ``cs360 validate`` and ``cs360 run``
stop (see :func:`source_problem`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from cs360lib.config.engagement import DEFAULT_MAX_REJECTED_SHARE
from cs360lib.data.loaders.cache import LoadCache, active_cache, load_source
from cs360lib.data.loaders.packed import release_memory
from cs360lib.data.loaders.problems import REJECTED, SUPERSEDED
from cs360lib.data.loaders.result import LoadResult
from cs360lib.data.schemas import kind_info
from cs360lib.errors import Cs360Error, LoadError

if TYPE_CHECKING:
    from cs360lib.config.engagement import Engagement

UNUSABLE_ADVICE = (
    "Export the source again, or correct its file or its mapping: `cs360 validate` lists "
    "the rejected rows by reason, and the intake notebook shows them with their values."
)
"""What to do about a source that yields no usable data (said once after the sources)."""

__all__ = [
    "EngagementSources",
    "load_engagement",
    "percent_text",
    "rejected_share",
    "source_problem",
    "source_status",
]


class EngagementSources(Mapping[str, LoadResult]):
    """The sources of one engagement as loaded: a mapping of name to :class:`LoadResult`.

    Only the sources that loaded are keys of the mapping; the others are in
    :attr:`failures`. Iteration follows the engagement file's order.

    Parameters
    ----------
    path : Path
        The engagement file.
    kinds : dict of str to str
        Kind of every source of the engagement, by name, in the file's order.
    results : dict of str to LoadResult
        The sources that loaded.
    failures : dict of str to str, optional
        Why each other source could not be loaded (the error's message, which names
        the file and, where known, the column and rows).
    max_rejected_share : float, default 0.5
        The engagement's ``analysis.max_rejected_share``: a loaded source that rejects a
        larger share of its rows, or loads none, is listed in :attr:`unusable`.

    Attributes
    ----------
    path : Path
        The engagement file.
    kinds : dict of str to str
        Kind of every source, by name.
    failures : dict of str to str
        Source name to the reason it could not be loaded; empty when all loaded.
    unusable : dict of str to str
        Source name to why a loaded source yields nothing usable (see
        :func:`source_problem`); such a source stays in the mapping, so that its rejected
        rows can be reviewed.
    max_rejected_share : float
        The limit the sources were checked against.
    table_bytes : dict of str to int
        Memory of each loaded source's full ``.data`` in bytes (pandas ``memory_usage``,
        Arrow-backed columns counted by their buffers), measured before ``keep_rows=False``
        cut it: what a notebook's kernel holds when it loads the source.
    """

    def __init__(
        self,
        path: Path,
        kinds: dict[str, str],
        results: dict[str, LoadResult],
        failures: dict[str, str] | None = None,
        *,
        max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE,
        table_bytes: dict[str, int] | None = None,
    ) -> None:
        self.path = path
        self.table_bytes = dict(table_bytes or {})
        self.kinds = dict(kinds)
        self.max_rejected_share = max_rejected_share
        self._results = {name: results[name] for name in kinds if name in results}
        self.failures = {name: failures[name] for name in kinds if name in (failures or {})}
        self.unusable = {
            name: problem
            for name, result in self._results.items()
            if (problem := source_problem(result, max_rejected_share)) is not None
        }

    def __getitem__(self, name: str) -> LoadResult:
        return self._results[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)

    def __repr__(self) -> str:
        return (
            f"EngagementSources({self.path.name}: {len(self)} loaded, {len(self.failures)} "
            f"failed, {len(self.unusable)} unusable)"
        )

    @property
    def ok(self) -> bool:
        """True when every source of the engagement loaded and yields usable rows."""
        return not self.failures and not self.unusable

    def to_frame(self) -> pd.DataFrame:
        """Return one row per source of the engagement, loaded or not.

        Returns
        -------
        pandas.DataFrame
            Columns ``source``, ``kind``, ``status`` (``"ok"``, ``"failed"`` when it could
            not be loaded, ``"empty"`` when it loaded no row, ``"mostly rejected"`` when it
            rejected more than :attr:`max_rejected_share`; see :func:`source_status`),
            ``rows_read``, ``rows_loaded``, ``rows_rejected`` (missing for a failed
            source), ``mapping`` and ``error`` (why a source failed or is unusable).
        """
        rows = []
        for name, kind in self.kinds.items():
            result = self._results.get(name)
            rows.append(
                {
                    "source": name,
                    "kind": kind,
                    "status": (
                        "failed"
                        if result is None
                        else source_status(result, self.max_rejected_share)
                    ),
                    "rows_read": None if result is None else result.rows_read,
                    "rows_loaded": None if result is None else len(result.data),
                    "rows_rejected": None if result is None else len(result.rejected),
                    "mapping": None if result is None else result.mapping,
                    "error": self.failures.get(name, self.unusable.get(name)),
                }
            )
        frame = pd.DataFrame(rows, columns=list(_COLUMNS))
        return frame.astype({c: "Int64" for c in ("rows_read", "rows_loaded", "rows_rejected")})

    def summary(self) -> str:
        """Describe every source in plain text: its load summary, or why it failed.

        Returns
        -------
        str
            One block per source (``[name] kind`` then the summary of
            :meth:`LoadResult.summary`, under a ``NOT USABLE: reason`` line for an
            unusable source, or ``FAILED: reason``), then a last line with how many
            sources loaded, failed and are unusable.
        """
        blocks = []
        for name, kind in self.kinds.items():
            if name not in self._results:
                body = f"FAILED: {self.failures.get(name, 'not loaded')}"
            elif name in self.unusable:
                body = f"NOT USABLE: {self.unusable[name]}\n{self._results[name].summary()}"
            else:
                body = self._results[name].summary()
            blocks.append(f"[{name}] {kind}\n{body}")
        total = len(self.kinds)
        parts = []
        if self.failures:
            parts.append(
                f"{len(self.failures)} of {total} sources failed: {', '.join(self.failures)}"
            )
        if self.unusable:
            parts.append(
                f"{len(self.unusable)} of {total} sources loaded but yield no usable data: "
                f"{', '.join(self.unusable)}"
            )
        last = "; ".join(parts) if parts else f"all {total} sources loaded"
        return "\n\n".join([*blocks, last])

    def failure_text(self) -> str:
        """Return the failed and unusable sources in one line (empty when all are usable).

        Returns
        -------
        str
            ``"2 of 8 sources could not be loaded: calls: ...; survey: ..."``, then
            ``"1 of 8 sources yields no usable data: incidents: all 40 rows were
            rejected ..."`` for the sources in :attr:`unusable`, followed by
            :data:`UNUSABLE_ADVICE`.
        """
        noun = "source" if len(self.kinds) == 1 else "sources"
        parts = []
        if self.failures:
            listed = "; ".join(f"{name}: {reason}" for name, reason in self.failures.items())
            parts.append(
                f"{len(self.failures)} of {len(self.kinds)} {noun} could not be loaded: {listed}"
            )
        if self.unusable:
            listed = "; ".join(f"{name}: {reason}" for name, reason in self.unusable.items())
            verb = "yields" if len(self.unusable) == 1 else "yield"
            parts.append(
                f"{len(self.unusable)} of {len(self.kinds)} {noun} {verb} no usable data: "
                f"{listed}. {UNUSABLE_ADVICE}"
            )
        return "; ".join(parts)


_COLUMNS = (
    "source",
    "kind",
    "status",
    "rows_read",
    "rows_loaded",
    "rows_rejected",
    "mapping",
    "error",
)


def load_engagement(
    engagement: Engagement,
    *,
    strict: bool = False,
    errors: Literal["raise", "collect"] = "raise",
    cache: LoadCache | None = None,
    keep_rows: bool = True,
) -> EngagementSources:
    """Load every source of an engagement.

    Under ``cs360 run`` each source comes from the run's load cache when the cache holds
    it under its current key (:mod:`cs360lib.data.loaders.cache`: the sha256 of its files,
    its mapping and the loader code), equal to a direct load; elsewhere (JupyterLab, plain
    papermill) every source is loaded directly.

    Parameters
    ----------
    engagement : Engagement
        A loaded engagement file; each source's mapping was resolved when it loaded.
    strict : bool, default False
        Passed on to :func:`load`.
    errors : {"raise", "collect"}, default "raise"
        ``"raise"`` stops at the first source that cannot be loaded (notebooks, which
        cannot go on without their data). ``"collect"`` loads every source and records
        each failure in :attr:`EngagementSources.failures` instead (``cs360 validate``
        and the pre-flight of ``cs360 run``), so that all problems are reported at once.
        In both modes a source that loads but yields nothing usable (no row loaded, or
        more rows rejected than the engagement's ``analysis.max_rejected_share``) is
        kept and listed in :attr:`EngagementSources.unusable`: the intake notebook shows
        why, and ``cs360 validate`` and ``cs360 run`` stop on it.
    cache : LoadCache, optional
        Where to look for and store each source; by default the run's cache when the
        kernel was started by ``cs360 run`` (:func:`~.cache.active_cache`), else none.
    keep_rows : bool, default True
        ``False`` keeps of each source's ``.data`` only its time column (every row, so
        counts, statuses and the first and last dates are those of the full load) and
        drops each full table as soon as it is loaded and stored: the pre-flight of
        ``cs360 run``, whose notebooks read the tables from the cache, so that it never
        holds more than the source it is loading.

    Returns
    -------
    EngagementSources
        Source name to :class:`LoadResult`, in the file's order, with ``.failures``,
        ``.unusable`` and ``.summary()``.

    Raises
    ------
    LoadError
        With ``errors="raise"``, if a source cannot be loaded (a
        :class:`~cs360lib.errors.SourceNotFoundError` when its files are missing); the
        message names the engagement file and the source.
    ValueError
        If ``errors`` is neither ``"raise"`` nor ``"collect"``.
    """
    if errors not in ("raise", "collect"):
        raise ValueError(f"errors must be 'raise' or 'collect', got {errors!r}")
    if cache is None:
        cache = active_cache()
    results: dict[str, LoadResult] = {}
    failures: dict[str, str] = {}
    table_bytes: dict[str, int] = {}
    for name, source in engagement.sources.items():
        try:
            result = load_source(
                name,
                source.kind,
                source.path,
                source.resolved_mapping,
                strict=strict,
                timezone=engagement.info.timezone,
                cache=cache,
            )
            table_bytes[name] = int(result.data.memory_usage(index=True, deep=False).sum())
            if keep_rows:
                results[name] = result
            else:
                results[name] = _time_only(result)
                del result
                release_memory(collect=False)  # give the freed pages back before the next one
        except LoadError as error:
            if errors == "raise":
                raise type(error)(
                    f"{engagement.path}: source {name!r}: {error}",
                    file=error.file,
                    problems=error.problems,
                ) from error
            failures[name] = str(error)
        except Exception as error:
            if errors == "raise":
                raise
            # collect: one source's unexpected failure must not hide the others' state
            failures[name] = (
                str(error)
                if isinstance(error, (Cs360Error, OSError))
                else f"{type(error).__name__}: {error} (an unexpected error; please report it)"
            )
    kinds = {name: source.kind for name, source in engagement.sources.items()}
    return EngagementSources(
        engagement.path,
        kinds,
        results,
        failures,
        max_rejected_share=engagement.analysis.max_rejected_share,
        table_bytes=table_bytes,
    )


def _time_only(result: LoadResult) -> LoadResult:
    """Return the load with ``.data`` cut to its time column (all rows; no column without one)."""
    time = kind_info(result.kind).time
    columns = [time] if time is not None and time in result.data.columns else []
    return dataclasses.replace(result, data=result.data[columns])


def rejected_share(result: LoadResult) -> float:
    """Share of a source's rows rejected as faults (older versions of a key not counted).

    Parameters
    ----------
    result : LoadResult
        A loaded source.

    Returns
    -------
    float
        Rows in ``.rejected`` for a fault, over rows read; rows set aside as older versions
        of a key under ``duplicates: keep_latest`` are revisions, not faults, and count in
        neither. 0 for a source with no rows.
    """
    superseded = _superseded_rows(result)
    read = result.rows_read - superseded
    return (len(result.rejected) - superseded) / read if read > 0 else 0.0


def source_status(
    result: LoadResult, max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE
) -> str:
    """Classify a loaded source by what it yields.

    Parameters
    ----------
    result : LoadResult
        A loaded source.
    max_rejected_share : float, default 0.5
        Largest share of rows, from 0 to 1, that may be rejected (the engagement's
        ``analysis.max_rejected_share``), measured by :func:`rejected_share`.

    Returns
    -------
    str
        ``"empty"`` when no row loaded (a header-only file, or every row rejected),
        ``"mostly rejected"`` when :func:`rejected_share` is above
        ``max_rejected_share``, else ``"ok"``.
    """
    if len(result.data) == 0:
        return "empty"
    if rejected_share(result) > max_rejected_share:
        return "mostly rejected"
    return "ok"


def source_problem(
    result: LoadResult, max_rejected_share: float = DEFAULT_MAX_REJECTED_SHARE
) -> str | None:
    """Say in plain words why a loaded source yields nothing usable, if it does not.

    The rule shared by ``cs360 validate``, the pre-flight of ``cs360 run`` and the intake
    notebook (:func:`cs360lib.steps.intake.source_health`): a source with no row loaded
    cannot be analysed, and one that rejects most of its rows (more than
    ``max_rejected_share``) describes its export's faults more than the department's work;
    trends and coverage drawn from it would mislead.

    Parameters
    ----------
    result : LoadResult
        A loaded source.
    max_rejected_share : float, default 0.5
        Largest share of rows, from 0 to 1, that may be rejected.

    Returns
    -------
    str or None
        ``None`` for a usable source; else a sentence naming the file, the counts and
        the main reason rows were rejected (:data:`UNUSABLE_ADVICE` says what to do).
    """
    status = source_status(result, max_rejected_share)
    if status == "ok":
        return None
    where = result.source or "its files"
    if result.rows_read == 0:
        what = "no cell with a value" if result.wide_rows is not None else "no data rows"
        return f"{where} has a header but {what}"
    faults = result.problems[result.problems["outcome"] == REJECTED]
    reason = ""
    if not faults.empty:
        counts = faults.groupby(["column", "problem"], sort=False).size()
        (column, problem), rows = counts.idxmax(), int(counts.max())
        reason = f", mostly for {column}: {problem} ({rows:,} rows)"
    if status == "empty":
        return f"all {result.rows_read:,} rows of {where} were rejected{reason}"
    return (
        f"{percent_text(rejected_share(result))} of the {result.rows_read:,} rows of {where} were "
        f"rejected, above the limit of {percent_text(max_rejected_share)} set by "
        f"analysis.max_rejected_share{reason}"
    )


def _superseded_rows(result: LoadResult) -> int:
    problems = result.problems
    if problems.empty:
        return 0
    older = problems.loc[problems["outcome"] == SUPERSEDED, ["source_file", "source_row"]]
    return len(older.drop_duplicates())


def percent_text(share: float) -> str:
    """Write a share as a readable percentage.

    Parameters
    ----------
    share : float
        A share from 0 to 1.

    Returns
    -------
    str
        One decimal at most: ``0.5`` gives ``"50%"``, ``0.6234`` gives ``"62.3%"``.
    """
    return f"{round(100 * share, 1):g}%"
