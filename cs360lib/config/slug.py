"""The one slug rule of the package (engagement ids, report folder names).

Its own module, without pydantic or pandera, so that ``cs360 run`` can name a run's report
folder before it imports the library (:mod:`cs360lib.run.start`).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["slugify"]


def slugify(text: str) -> str:
    """Turn any text into a slug: lower-case letters, digits and single dashes.

    The one slug rule of the package: engagement ids in a new engagement's scaffold,
    and report folder names when an engagement file cannot be read.

    Parameters
    ----------
    text : str
        Any text, e.g. a folder name ``"River_City PD"``.

    Returns
    -------
    str
        ``"river-city-pd"``; accents are dropped (``"Montréal"`` gives ``"montreal"``);
        empty when ``text`` holds no letter or digit.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
