"""Load every source of an engagement, stopping at the first failure or collecting them all."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from cs360lib.data.loaders.pipeline import load
from cs360lib.data.loaders.result import LoadResult
from cs360lib.errors import Cs360Error, LoadError

if TYPE_CHECKING:
    from cs360lib.config.engagement import Engagement

__all__ = ["EngagementSources", "load_engagement"]


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

    Attributes
    ----------
    path : Path
        The engagement file.
    kinds : dict of str to str
        Kind of every source, by name.
    failures : dict of str to str
        Source name to the reason it could not be loaded; empty when all loaded.
    """

    def __init__(
        self,
        path: Path,
        kinds: dict[str, str],
        results: dict[str, LoadResult],
        failures: dict[str, str] | None = None,
    ) -> None:
        self.path = path
        self.kinds = dict(kinds)
        self._results = {name: results[name] for name in kinds if name in results}
        self.failures = {name: failures[name] for name in kinds if name in (failures or {})}

    def __getitem__(self, name: str) -> LoadResult:
        return self._results[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)

    def __repr__(self) -> str:
        return (
            f"EngagementSources({self.path.name}: {len(self)} loaded, {len(self.failures)} failed)"
        )

    @property
    def ok(self) -> bool:
        """True when every source of the engagement loaded."""
        return not self.failures

    def to_frame(self) -> pd.DataFrame:
        """Return one row per source of the engagement, loaded or not.

        Returns
        -------
        pandas.DataFrame
            Columns ``source``, ``kind``, ``status`` (``"ok"`` or ``"failed"``),
            ``rows_read``, ``rows_loaded``, ``rows_rejected`` (missing for a failed
            source), ``mapping`` and ``error``.
        """
        rows = []
        for name, kind in self.kinds.items():
            result = self._results.get(name)
            rows.append(
                {
                    "source": name,
                    "kind": kind,
                    "status": "ok" if result is not None else "failed",
                    "rows_read": None if result is None else result.rows_read,
                    "rows_loaded": None if result is None else len(result.data),
                    "rows_rejected": None if result is None else len(result.rejected),
                    "mapping": None if result is None else result.mapping,
                    "error": self.failures.get(name),
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
            :meth:`LoadResult.summary` or ``FAILED: reason``), then a last line with
            how many sources loaded.
        """
        blocks = []
        for name, kind in self.kinds.items():
            body = (
                self._results[name].summary()
                if name in self._results
                else f"FAILED: {self.failures.get(name, 'not loaded')}"
            )
            blocks.append(f"[{name}] {kind}\n{body}")
        total = len(self.kinds)
        if self.failures:
            last = f"{len(self.failures)} of {total} sources failed: {', '.join(self.failures)}"
        else:
            last = f"all {total} sources loaded"
        return "\n\n".join([*blocks, last])

    def failure_text(self) -> str:
        """Return the failures in one line (empty when every source loaded).

        Returns
        -------
        str
            ``"2 of 8 sources could not be loaded: calls: ...; survey: ..."``.
        """
        if not self.failures:
            return ""
        listed = "; ".join(f"{name}: {reason}" for name, reason in self.failures.items())
        noun = "source" if len(self.kinds) == 1 else "sources"
        return f"{len(self.failures)} of {len(self.kinds)} {noun} could not be loaded: {listed}"


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
) -> EngagementSources:
    """Load every source of an engagement.

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

    Returns
    -------
    EngagementSources
        Source name to :class:`LoadResult`, in the file's order, with ``.failures``
        and ``.summary()``.

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
    results: dict[str, LoadResult] = {}
    failures: dict[str, str] = {}
    for name, source in engagement.sources.items():
        try:
            results[name] = load(
                source.kind,
                source.path,
                source.resolved_mapping,
                strict=strict,
                timezone=engagement.info.timezone,
            )
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
    return EngagementSources(engagement.path, kinds, results, failures)
