"""The scaffold of a new engagement: a commented ``engagement.yml`` and a ``data/`` folder.

``cs360 new DIR`` calls :func:`write_engagement_scaffold`. The template is
``engagement.yml`` in this package's folder; it documents every section of the
format (``docs/engagement.md``) in comments and loads as a valid engagement once
the department's first export is in ``data/``.
"""

from __future__ import annotations

from pathlib import Path

from cs360lib.config.slug import slugify
from cs360lib.errors import EngagementError

TEMPLATE = Path(__file__).resolve().parent / "engagement.yml"
"""The commented engagement file a new engagement starts from."""

__all__ = ["TEMPLATE", "write_engagement_scaffold"]


def write_engagement_scaffold(directory: str | Path, name: str | None = None) -> Path:
    """Write ``DIRECTORY/engagement.yml`` (commented) and an empty ``DIRECTORY/data/``.

    Parameters
    ----------
    directory : str or Path
        Folder of the new engagement; created when missing.
    name : str, optional
        Display name of the engagement; defaults to the folder's name in title case
        (``river_city`` gives ``River City``).

    Returns
    -------
    Path
        The new engagement file. Its id is the slug of the folder's name
        (:func:`cs360lib.config.slug.slugify`), ``engagement`` when that is empty.

    Raises
    ------
    EngagementError
        If ``DIRECTORY/engagement.yml`` already exists: it is never overwritten.
    """
    folder = Path(directory)
    target = folder / "engagement.yml"
    if target.exists():
        raise EngagementError(f"{target} already exists; not overwriting")
    stem = folder.resolve().name
    name = name or stem.replace("_", " ").replace("-", " ").title()
    text = TEMPLATE.read_text(encoding="utf-8")
    text = text.replace("{id}", slugify(stem) or "engagement")
    text = text.replace("{name}", name.replace('"', "'"))
    (folder / "data").mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
