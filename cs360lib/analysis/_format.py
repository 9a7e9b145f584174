"""Plain-language wording shared by the analysis results.

A council-facing sentence never says "inf" or "nan": every number goes through these
helpers, which describe a rise from zero, a share of nothing or a missing value in words.
"""

from __future__ import annotations

import math

__all__ = ["change_text", "count_text", "num", "share_text"]


def num(x: float | None, digits: int = 2) -> str:
    """Format a number for a sentence; missing or non-finite values read "not available"."""
    if x is None or not math.isfinite(float(x)):
        return "not available"
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.{digits}f}"


def count_text(n: int, noun: str, plural: str | None = None) -> str:
    """``"1 event"``, ``"2,345 events"``."""
    word = noun if n == 1 else (plural or noun + "s")
    return f"{n:,} {word}"


def share_text(part: float, whole: float, digits: int = 1) -> str:
    """Format a share as a percentage; ``"none"`` of an empty whole (never a division by 0)."""
    if not whole:
        return "none"
    value = 100.0 * part / whole
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    return f"{text}%"


def change_text(before: float, after: float) -> str:
    """Describe a change between two counts in words, never as "inf" or "nan".

    Examples
    --------
    >>> change_text(2, 4), change_text(4, 2), change_text(0, 3), change_text(0, 0)
    ('up 100% (2 to 4)', 'down 50% (4 to 2)', 'up from none to 3', 'none in either period')
    >>> change_text(5, 5), change_text(3, 0)
    ('no change (5)', 'down from 3 to none')
    """
    b, a = float(before), float(after)
    if b == 0 and a == 0:
        return "none in either period"
    if b == 0:
        return f"up from none to {num(a)}"
    if a == 0:
        return f"down from {num(b)} to none"
    if a == b:
        return f"no change ({num(a)})"
    pct = 100.0 * (a - b) / b
    word = "up" if pct > 0 else "down"
    return f"{word} {abs(pct):.0f}% ({num(b)} to {num(a)})"
