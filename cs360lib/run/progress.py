"""Progress lines and short error texts shared by the runner's modules."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable

Progress = Callable[[str], None]
"""Receives one progress line per event (without time stamp)."""

__all__ = ["Progress", "one_line", "progress_sink", "shorten", "shorten_middle", "utc_now"]


def utc_now() -> dt.datetime:
    """Return the current time in UTC (time-zone aware).

    Returns
    -------
    datetime.datetime
        Now, with ``tzinfo=UTC``.
    """
    return dt.datetime.now(dt.UTC)


def progress_sink(progress: Progress | None, log: list[str]) -> Progress:
    """Build the function that reports progress and keeps a time-stamped log.

    Parameters
    ----------
    progress : callable or None
        Receives each line; ``None`` prints ``cs360 HH:MM:SS line`` on stderr.
    log : list of str
        Receives each line with its UTC ``HH:MM:SS`` time stamp (for ``run.log``).

    Returns
    -------
    callable
        ``say(line)``.
    """

    def say(line: str) -> None:
        stamped = f"{utc_now().strftime('%H:%M:%S')} {line}"
        log.append(stamped)
        if progress is None:
            print(f"cs360 {stamped}", file=sys.stderr, flush=True)
        else:
            progress(line)

    return say


def one_line(exc: BaseException) -> str:
    """Describe an exception in one line: its class and the first line of its message.

    Parameters
    ----------
    exc : BaseException
        Any exception.

    Returns
    -------
    str
        ``"ValueError: first line"``, or the class name alone when the message is empty.
    """
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def shorten(text: str, width: int) -> str:
    """Collapse white space and cut a text to ``width`` characters, ending with ``...``.

    Parameters
    ----------
    text : str
        Any text.
    width : int
        Longest result.

    Returns
    -------
    str
        The text on one line, at most ``width`` characters long.
    """
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def shorten_middle(text: str, width: int) -> str:
    """Collapse white space and cut the middle of a long text, keeping its start and end.

    Parameters
    ----------
    text : str
        Any text (e.g. an error naming a long path and what went wrong).
    width : int
        Longest result.

    Returns
    -------
    str
        The text on one line; when too long, two fifths of the room for its start,
        ``" ... "`` and the rest for its end.
    """
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    head = (width - 5) * 2 // 5
    tail = width - 5 - head
    return f"{text[:head]} ... {text[-tail:]}"
