"""One family for every error the library raises.

Every exception raised on purpose by :mod:`cs360lib` derives from :class:`Cs360Error`,
so a caller (a batch script, a notebook cell, the ``cs360`` command) can catch the
library's own failures in one ``except`` clause and let programming errors through.
Each class also keeps the built-in parent that existing code relies on: the input
errors are ``ValueError`` (bad data, bad files, bad settings), a missing source is a
``FileNotFoundError`` and a run that cannot start is a ``RuntimeError``.

Messages name what a person must fix: the file, the key or column, and the rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AnalysisInputError",
    "CodebookError",
    "Cs360Error",
    "DatasetError",
    "EngagementError",
    "EvaluationInputError",
    "LoadError",
    "MappingError",
    "PlanError",
    "PrivacyError",
    "PrioritizationError",
    "ReviewError",
    "RunError",
    "SeriesError",
    "SourceNotFoundError",
]


class Cs360Error(Exception):
    """Base class of every error raised by cs360lib on purpose."""


class MappingError(Cs360Error, ValueError):
    """A mapping is malformed: the message names the mapping and the key."""


class CodebookError(Cs360Error, ValueError):
    """A codebook, a coding sheet or the responses coded against them are unusable.

    The message names the file, the concern and the pattern, or the column at fault.
    """


class EngagementError(Cs360Error, ValueError):
    """An engagement file is missing, malformed or points at missing data.

    The message names the file and the key.
    """


class LoadError(Cs360Error, ValueError):
    """A source cannot be loaded, or (with ``strict=True``) has rows that fail.

    Parameters
    ----------
    message : str
        What went wrong, naming the file, the columns and the rows.
    file : str, default ""
        The file (or files) concerned.
    problems : pandas.DataFrame, optional
        One row per problem (``column``, ``problem``, ``source_row``, ``value``) when known.

    Attributes
    ----------
    file : str
        The file (or files) concerned.
    problems : pandas.DataFrame or None
        One row per problem when known.
    """

    def __init__(
        self, message: str, *, file: str = "", problems: pd.DataFrame | None = None
    ) -> None:
        super().__init__(message)
        self.file = file
        self.problems = problems


class SourceNotFoundError(LoadError, FileNotFoundError):
    """A source file, folder or glob matches nothing."""


class EvaluationInputError(Cs360Error, ValueError):
    """Input to an evaluation function is unusable; the message names the column and rows."""


class AnalysisInputError(Cs360Error, ValueError):
    """Input to a crime-analysis function is unusable.

    Raised for a frame that lacks a needed column, a window with no events, events without
    coordinates where a map needs them, or a bad setting; the message names the column, the
    window or the setting and says what to do.
    """


class PlanError(Cs360Error, ValueError):
    """A response plan does not fit the engagement's data.

    Raised when a response names an owner who is not on the community map, an area whose
    values occur nowhere in the data or that has no coordinates where the others have them,
    a target and a comparison area that share records, or a response with nothing before its
    start to evaluate against. Problems that the engagement file alone shows (an unknown area
    name, areas that share values of one column) are :class:`EngagementError` at load. The
    message names the response, the key and the values, and says what to do.
    """


class PrivacyError(Cs360Error, ValueError):
    """Input to a privacy function (suppression, generalization, scrubbing) is unusable.

    The message names the table or column and the cells or rows concerned.
    """


class SeriesError(Cs360Error, ValueError):
    """A count series cannot be made as asked.

    Raised for a filter or area column the source lacks, a filter value no row has, a window
    outside the source's covered range, or a flagged gap or vanished category inside the
    series when the caller did not say how to treat it (``gaps="error"``); the message names
    the source, the column or the periods, and the options.
    """


class PrioritizationError(Cs360Error, ValueError):
    """Input to the priority worksheet is unusable.

    Raised for weights that are negative, all zero or name an unknown criterion, a harm table
    that is malformed, or candidates that name unknown sources or columns; the message names
    the setting and says what to write instead.
    """


class ReviewError(Cs360Error, ValueError):
    """The lessons-learned review cannot go on.

    Raised for a lessons-learned log that is not valid YAML or holds an entry that is not a
    review (the message names the file and the entry), and for a review asked of an engagement
    without responses.
    """


class DatasetError(Cs360Error, ValueError):
    """A synthetic data set cannot be made as asked (``cs360 sample``, :mod:`cs360lib.datasets`).

    Raised for a scale or a number of rows that is not a positive number, or a scale so large
    that a year holds more records than its ids have digits for; the message names the
    setting (and the command option) and says what to give instead.
    """


class RunError(Cs360Error, RuntimeError):
    """A run could not start, or its reports cannot be written as asked.

    Raised for a bad engagement, a missing input or no notebooks to run, and for a report
    variant that does not exist; the message names the file or the option.
    """
