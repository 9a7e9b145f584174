"""The one contract every result object of the library follows.

Analysis, evaluation and step functions return small result objects in the statsmodels
manner (model, fit, results). Whatever computed them, every result offers the same five
things, so that a notebook section is always "call, then display" and the reports can show
any result the same way:

- ``.to_frame()``: the raw numbers, a :class:`pandas.DataFrame` for analysts;
- ``.summary()``: plain language a community member can read (never ``nan`` or ``inf``);
- ``.chart()``: an Altair chart;
- ``.table()``: the presentation table (:func:`cs360lib.publish.tables.presentation_table`);
  the summary is shown as Markdown by :func:`cs360lib.publish.markdown.summary_markdown`;
- ``.warnings``: what went wrong while computing it (a model that did not converge, an
  estimate at a boundary), as plain sentences; ``.summary()`` mentions every one of them.

A result class subclasses :class:`Result` (a frozen dataclass) and implements the first three;
``table()`` has a default that labels the columns of ``to_frame()`` with :attr:`Result.labels`.
``tests/test_results_contract.py`` finds every subclass in the library and checks the
contract on a real instance of each.

What may be published is declared on the class, in class attributes read by
:func:`cs360lib.publish.display.show` (see ``docs/privacy.md``):

- :attr:`Result.count_columns`: which columns of ``to_frame()`` are counts and over which dimension
  columns (:class:`Counts`); they are suppressed (primary and complementary) in the
  stakeholder report. Without a declaration every whole-number column is treated as a count;
  ``()`` declares that the frame holds no counts of people or events.
- :attr:`Result.count_tables`: the result's other frames of counts (a chart's series), by
  attribute name, published with the same rules.
- :attr:`Result.privacy`: the publishing class of columns that are not canonical schema
  columns (``"personal"`` for record-level detail such as example rows and raw values,
  ``"internal"`` for a column kept in the analyst report because it would give a hidden count
  away).

The stakeholder report shows a *published copy* of the result (:meth:`Result.published`):
the same class, built from the published numbers (hidden counts missing, personal columns
emptied, locations generalized, free text scrubbed), with :attr:`Result.publication` set.
Its ``summary()`` and ``chart()`` therefore never see a hidden count.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from cs360lib.publish.count_tables import Counts
from cs360lib.publish.markdown import summary_markdown
from cs360lib.publish.tables import PresentationTable, presentation_table

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt
    import pandas as pd

    from cs360lib.publish.publication import Publication

__all__ = ["Counts", "NumbersAsComputed", "Result", "is_shown", "say_count"]


@dataclass(frozen=True)
class Result(ABC):
    """Base class of every result object: numbers, words, a chart, a table and warnings.

    Attributes
    ----------
    warnings : list of str
        Plain-language warnings recorded while computing the result (keyword-only, empty by
        default). Model-fitting warnings (non-convergence, separation, boundary estimates,
        numerical problems) land here instead of being printed or ignored.
    publication : Publication or None
        Set only on the published copy made by :meth:`published` (keyword-only): what was
        hidden, generalized and scrubbed, and the published table. ``None`` on a result as
        computed (the analyst's).
    labels : mapping of str to str
        Class attribute: human labels of the columns of :meth:`to_frame`, used by
        :meth:`table` (columns not listed are humanized from their names).
    count_columns : tuple of Counts, or None
        Class attribute: the count columns of :meth:`to_frame` and their dimensions
        (:class:`Counts`); ``()`` declares that the frame holds no counts. ``None`` (the
        default) treats every whole-number column as a count, each with a total.
    count_tables : mapping of str to tuple of Counts
        Class attribute: the result's other frames of counts (attribute name -> their
        :class:`Counts`), e.g. the series a chart draws; published with the same rules, and
        the published copy gets their published numbers (:meth:`with_frame`).
    count_fields : tuple of str
        Class attribute: fields holding a single count outside the frames (e.g. the number
        of responses no concern covers). When one is from 1 to ``min_count - 1``, the result
        gets a published copy (:attr:`publication` set) even if no cell was hidden, so that
        its summary says "fewer than" (:meth:`shown`, :func:`say_count`) instead of the count.
    privacy : mapping of str to str
        Class attribute: publishing class (``"public"``, ``"personal"``, ``"location"``,
        ``"text"``, or ``"internal"``: analyst report only, for a column that would give a
        hidden count away) of columns of :meth:`to_frame` that are not canonical schema
        columns.
        Canonical columns (``incident_id``, ``address``, ``response``...) get the class of
        their schema (:func:`cs360lib.data.schemas.kind_info`) without being listed.
    """

    warnings: list[str] = field(default_factory=list, kw_only=True)
    publication: Publication | None = field(default=None, kw_only=True, compare=False, repr=False)
    labels: ClassVar[Mapping[str, str]] = {}
    count_columns: ClassVar[tuple[Counts, ...] | None] = None
    count_tables: ClassVar[Mapping[str, tuple[Counts, ...]]] = {}
    count_fields: ClassVar[tuple[str, ...]] = ()
    privacy: ClassVar[Mapping[str, str]] = {}

    @abstractmethod
    def to_frame(self) -> pd.DataFrame:
        """Return the raw numbers of the result.

        Returns
        -------
        pandas.DataFrame
            A copy: changing it does not change the result.
        """

    @abstractmethod
    def summary(self) -> str:
        """Describe the result in plain language.

        Returns
        -------
        str
            Sentences (and ``- `` list lines) a community member can read; every entry of
            :attr:`warnings` is mentioned.
        """

    @abstractmethod
    def chart(self) -> alt.TopLevelMixin:
        """Draw the result.

        Returns
        -------
        altair.TopLevelMixin
            A chart that renders offline (vl-convert) with the CS360 theme.
        """

    def table(self) -> PresentationTable:
        """Return the presentation table of :meth:`to_frame`.

        Returns
        -------
        cs360lib.publish.tables.PresentationTable
            Human column labels (:attr:`labels`), no index, formatted numbers and dates;
            displays as HTML, ``.data`` is the labelled frame. On a published copy: the
            published table (markers such as ``"<5"`` in hidden cells, explained in a
            footnote; no personal columns) with the publication's note under it.
        """
        if self.publication is not None:
            return presentation_table(
                self.publication.shown, labels=self.labels, notes=self.publication.notes
            )
        return presentation_table(self.to_frame(), labels=self.labels)

    def detail(self) -> pd.DataFrame | None:
        """Return record-level detail for the analyst report (e.g. the rejected rows).

        :func:`cs360lib.publish.display.show` shows it after the result, in the analyst
        report only; it never reaches a stakeholder report.

        Returns
        -------
        pandas.DataFrame or None
            None (the default) when the result has no such detail.
        """
        return None

    def published(self, rules: Any = None) -> Result | None:
        """Return the copy of this result that a stakeholder report may show.

        Parameters
        ----------
        rules : Publishing or PublishingContext, optional
            The engagement's publishing rules; default the rules registered for the kernel
            (:func:`cs360lib.publish.display.use_publishing`, done by ``setup_notebook``).

        Returns
        -------
        Result or None
            The same class built from the published frame (see the module docstring), with
            :attr:`publication` set; ``self`` when nothing needed hiding; ``None`` when the
            frame holds record-level rows (nothing of it may be published) or the class
            cannot be rebuilt from a frame (see :meth:`with_frame`).
        """
        from cs360lib.publish.publication import publish_result

        return publish_result(self, rules).result

    def with_frame(self, frame: pd.DataFrame, publication: Publication) -> Result | None:
        """Rebuild this result from a published frame (used by :meth:`published`).

        The default replaces the dataclass field ``frame`` (and the frames of
        :attr:`count_tables` and the results held in fields by their published copies:
        :attr:`Publication.copies`); a result that keeps its numbers
        elsewhere overrides this, or returns None (its summary and chart then stay in the
        analyst report, and the stakeholder report shows only its published table).

        Parameters
        ----------
        frame : pandas.DataFrame
            The published numbers: the columns of :meth:`to_frame` with hidden counts,
            personal values and rates of hidden counts missing.
        publication : Publication
            What was hidden, for :attr:`publication`.

        Returns
        -------
        Result or None
            The rebuilt result, or None when the class has no ``frame`` field.
        """
        if "frame" not in {f.name for f in dataclasses.fields(self)}:
            return None
        return dataclasses.replace(
            self, frame=frame, publication=publication, **dict(publication.copies)
        )

    def shown(self, column: str, row: int) -> str:
        """Format one cell as published: a number, or the marker of a hidden count.

        Parameters
        ----------
        column : str
            Column of :meth:`to_frame`.
        row : int
            Position of the row in :meth:`to_frame`.

        Returns
        -------
        str
            ``"1,234"`` (whole numbers with thousands separators), ``"12.5"``, the marker
            (``"<5"``, ``"x"``) on a published copy where the cell is hidden, or ``"–"`` for
            a missing value.
        """
        if self.publication is not None and column in self.publication.shown:
            value = self.publication.shown[column].iloc[row]
        else:
            value = self.to_frame()[column].iloc[row]
        return _format(value)

    def total(self, column: str) -> str:
        """Format the total of a count column as published (a number or a marker).

        Parameters
        ----------
        column : str
            A count column (or the ``total`` column) of :attr:`count_columns`.

        Returns
        -------
        str
            The sum of the column, or on a published copy its published total (a marker
            such as ``"x"`` when the total is hidden).
        """
        if self.publication is not None and column in self.publication.totals:
            return _format(self.publication.totals[column])
        return _format(self.to_frame()[column].sum())

    def _repr_markdown_(self) -> str:
        """Show the summary as formatted Markdown when a result is displayed in Jupyter."""
        return summary_markdown(self)

    def warning_lines(self) -> list[str]:
        """Return the warnings as lines for :meth:`summary`.

        Returns
        -------
        list of str
            ``"Warning: ..."`` for each entry of :attr:`warnings` (empty when there are none).
        """
        return [f"Warning: {text}" for text in self.warnings]


class NumbersAsComputed:
    """Mixin of a result whose published copy keeps its numbers and loses columns only.

    For a result that holds no counts (``count_columns = ()``) but has columns for the
    analyst who edits the engagement file (an id, a regular expression), marked
    ``"internal"`` in :attr:`Result.privacy`: its published copy has the same numbers, summary
    and chart, and a table without those columns (:meth:`Result.table` on a published copy).
    Put it before :class:`Result` in the bases.
    """

    def with_frame(self, frame: pd.DataFrame, publication: Publication) -> Result | None:
        """Return the published copy: the same numbers, the publication attached.

        Parameters
        ----------
        frame : pandas.DataFrame
            The published :meth:`Result.to_frame` (unused: no number is hidden).
        publication : Publication
            What was left out (the internal columns).

        Returns
        -------
        Result
            A copy of this result with :attr:`Result.publication` set.
        """
        del frame
        return dataclasses.replace(self, publication=publication)  # type: ignore[type-var]


def say_count(shown: str) -> str:
    """Say a published count in words, for a summary sentence.

    Parameters
    ----------
    shown : str
        A count as :meth:`Result.shown` or :meth:`Result.total` gives it.

    Returns
    -------
    str
        ``"<5"`` -> ``"fewer than 5"``, ``"x"`` -> ``"a hidden number of"``; a number as it is
        (``"1,234"``), so that ``f"{say_count(n)} rows"`` reads in every case.
    """
    if shown.startswith("<"):
        return f"fewer than {shown[1:]}"
    if shown == "x":
        return "a hidden number of"
    return shown


def is_shown(value: object) -> bool:
    """Tell whether a value of a published frame is shown (not hidden or missing).

    Parameters
    ----------
    value : object
        A cell of a published copy's frame (hidden counts are ``pd.NA``).

    Returns
    -------
    bool
    """
    import pandas as pd

    return value is not None and not bool(pd.isna(value))


def _format(value: object) -> str:
    """Format a published cell: whole numbers with separators, markers as they are."""
    import math

    if isinstance(value, str):
        return value
    if value is None:
        return "–"
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return "–"
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.1f}"
