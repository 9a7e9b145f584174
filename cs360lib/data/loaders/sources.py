"""Load every source of an engagement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cs360lib.config.mapping import read_mapping
from cs360lib.data.loaders.pipeline import load
from cs360lib.data.loaders.result import LoadResult
from cs360lib.errors import LoadError

if TYPE_CHECKING:
    from cs360lib.config.engagement import Engagement

__all__ = ["load_engagement"]


def load_engagement(engagement: Engagement, *, strict: bool = False) -> dict[str, LoadResult]:
    """Load every source of an engagement.

    Parameters
    ----------
    engagement : Engagement
        A loaded engagement file.
    strict : bool, default False
        Passed on to :func:`load`.

    Returns
    -------
    dict of str to LoadResult
        One result per source name, in the file's order.

    Raises
    ------
    LoadError
        If a source cannot be loaded; the message names the engagement file and the source.
    """
    results = {}
    for name, source in engagement.sources.items():
        try:
            spec = read_mapping(source.mapping, base=engagement.root)
            results[name] = load(
                source.kind, source.path, spec, strict=strict, timezone=engagement.info.timezone
            )
        except LoadError as error:
            kind = type(error)
            raise kind(
                f"{engagement.path}: source {name!r}: {error}",
                file=error.file,
                problems=error.problems,
            ) from error
    return results
