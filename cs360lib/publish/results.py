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
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from cs360lib.publish.markdown import summary_markdown
from cs360lib.publish.tables import PresentationTable, presentation_table

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt
    import pandas as pd

__all__ = ["Result"]


@dataclass(frozen=True)
class Result(ABC):
    """Base class of every result object: numbers, words, a chart, a table and warnings.

    Attributes
    ----------
    warnings : list of str
        Plain-language warnings recorded while computing the result (keyword-only, empty by
        default). Model-fitting warnings (non-convergence, separation, boundary estimates,
        numerical problems) land here instead of being printed or ignored.
    labels : mapping of str to str
        Class attribute: human labels of the columns of :meth:`to_frame`, used by
        :meth:`table` (columns not listed are humanized from their names).
    """

    warnings: list[str] = field(default_factory=list, kw_only=True)
    labels: ClassVar[Mapping[str, str]] = {}

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
            displays as HTML, ``.data`` is the labelled frame.
        """
        return presentation_table(self.to_frame(), labels=self.labels)

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
