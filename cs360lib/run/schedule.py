"""Which notebooks of a run may execute at the same time, and how many at once.

``cs360 run`` executes the notebooks of an engagement in their order. A notebook may
declare, in its metadata, the notebooks of the sequence it needs finished before it starts::

    {"metadata": {"cs360": {"after": ["01_scanning"]}}}

``"after": []`` says it needs none of them: it reads only the engagement's sources, so it may
run beside the notebook before it. A notebook without the key needs every notebook before it,
as in a plain sequential run; a folder of the user's own notebooks therefore runs one
notebook at a time, whatever it contains. The shipped notebooks declare what they read:
00 to 03 read only the engagement's sources and its files; 04 appends the engagement's
lessons-learned log that 01 shows, so it runs after 01 (and 01 always shows the log as it was
when the run started).

Two notebooks at a time use a second core (a notebook's kernel computes on one). On a 2-core
machine the gain is small, because the kernels started ahead already use the second core for
their imports: the sample's five notebooks took 24.7 to 26.8 s instead of 27.4 to 28.0 s
(docs/performance.md); with more cores it grows. Two notebooks at a time also hold the loaded
tables twice, so an engagement whose tables are large runs one notebook at a time
(:data:`MAX_TABLE_BYTES_AT_ONCE`), and a batch, which already runs engagements side by side,
runs each engagement's notebooks one at a time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "AFTER_KEY",
    "MAX_TABLE_BYTES_AT_ONCE",
    "NOTEBOOKS_AT_ONCE",
    "notebooks_at_once",
    "prerequisites",
]

AFTER_KEY = "after"
"""Key of a notebook's ``cs360`` metadata listing the notebooks it needs finished first."""

NOTEBOOKS_AT_ONCE = 2
"""Most notebooks of one engagement executed at the same time (when the machine has the cores)."""

MAX_TABLE_BYTES_AT_ONCE = 256 * 2**20
"""Loaded tables (bytes in memory, summed over the sources) above which the notebooks run one
at a time: each kernel holds its own copy, and a large department's run must stay within a
few times its tables' size (issue 17; ``docs/performance.md``)."""


def prerequisites(notebooks: Sequence[Path]) -> list[set[int]]:
    """Return, for each notebook, the positions of the notebooks it needs finished first.

    Parameters
    ----------
    notebooks : sequence of Path
        The notebooks of the run, in order.

    Returns
    -------
    list of set of int
        ``result[i]``: positions ``< i`` of the notebooks named in notebook ``i``'s
        ``metadata.cs360.after`` (names of notebooks not in this run, e.g. left out by
        ``--only``, are ignored); every position before ``i`` when the notebook declares
        nothing or cannot be read (it then fails in its own execution).
    """
    import nbformat

    stems = {p.stem: i for i, p in enumerate(notebooks)}
    needs: list[set[int]] = []
    for i, path in enumerate(notebooks):
        try:
            meta = nbformat.read(str(path), as_version=4).metadata.get("cs360", {})
            after = meta.get(AFTER_KEY)
        except Exception:  # noqa: BLE001 - an unreadable notebook fails where it runs
            after = None
        if not isinstance(after, list) or not all(isinstance(a, str) for a in after):
            needs.append(set(range(i)))
            continue
        needs.append({stems[a] for a in after if a in stems and stems[a] < i})
    return needs


def notebooks_at_once(requested: int | None, table_bytes: int | None) -> int:
    """Return how many notebooks of one engagement to execute at the same time.

    Parameters
    ----------
    requested : int or None
        The user's choice (``cs360 run --notebooks-at-once``); ``None`` chooses: up to
        :data:`NOTEBOOKS_AT_ONCE` when this process may use at least two cores and the loaded
        tables take at most :data:`MAX_TABLE_BYTES_AT_ONCE`, else one.
    table_bytes : int or None
        Memory of the engagement's loaded tables (the pre-flight's), if known.

    Returns
    -------
    int
        At least 1.
    """
    if requested is not None:
        return max(1, int(requested))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cores or 1) < 2 or (table_bytes or 0) > MAX_TABLE_BYTES_AT_ONCE:
        return 1
    return NOTEBOOKS_AT_ONCE
