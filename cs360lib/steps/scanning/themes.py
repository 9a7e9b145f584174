"""Emergent themes: what the codebook does not cover, grouped as candidate new concerns.

The responses no concern covers are clustered with non-negative matrix factorisation of
their TF-IDF matrix (Lee and Seung, 1999, "Learning the parts of objects by
non-negative matrix factorization", *Nature* 401; scikit-learn's ``NMF`` with the
deterministic NNDSVD initialisation of Boutsidis and Gallopoulos, 2008, so that the same
responses always give the same themes). Each theme is shown with its top terms and the
responses that load most on it, as a candidate entry for the codebook: a person names
it, writes its definition and phrases, and recodes.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from cs360lib.publish.results import Counts, Result, say_count
from cs360lib.publish.tables import presentation_table
from cs360lib.steps.scanning._common import RESPONSE_ID, hbar, share_text
from cs360lib.steps.scanning.coding import Coding

if TYPE_CHECKING:  # pragma: no cover
    from cs360lib.publish.publication import Publication
    from cs360lib.publish.tables import PresentationTable

__all__ = ["EmergentThemes", "emergent_themes"]

MIN_RESPONSES = 10
"""Fewest uncovered responses worth clustering."""

FILLERS = frozenset(
    """like know just really gonna wanna gotta yeah yes um uh okay ok kind sort thing things
    stuff lot lots got get getting go going right mean say said says think thought want
    don doesn didn isn aren wasn weren ll ve re actually basically maybe little pretty
    come comes came let way""".split()
)
"""Conversational fillers and contraction stubs (``don`` from ``don't``) added to the
English stop words: transcribed speech is full of them and they would otherwise top every
theme."""


@dataclass(frozen=True)
class EmergentThemes(Result):
    """Candidate themes among the uncovered responses.

    Attributes
    ----------
    themes : pandas.DataFrame
        One row per theme: ``theme`` (1-based), ``top_terms`` (``;``-separated),
        ``responses`` (responses whose strongest theme it is), ``examples`` (up to
        ``examples`` response texts, most typical first, ``" | "``-separated).
    assignments : pandas.DataFrame
        ``response_id``, ``theme``, ``weight`` for every clustered response.
    uncovered : int
        Responses no concern covered.
    coded : int
        Responses coded in all.

    Its warnings say why nothing was clustered, if so.
    """

    themes: pd.DataFrame
    assignments: pd.DataFrame
    uncovered: int
    coded: int
    labels = {
        "theme": "Theme",
        "top_terms": "Top terms",
        "responses": "Responses",
        "examples": "Examples",
    }
    count_columns = (Counts(("responses",), by=("theme",), totals=()),)
    count_fields = ("uncovered",)  # "fewer than 5 of 30 coded responses touch no concern"
    privacy = {"theme": "public", "top_terms": "text", "examples": "text"}

    def to_frame(self) -> pd.DataFrame:
        """Return the themes table (``themes``)."""
        return self.themes.copy()

    def with_frame(self, frame: pd.DataFrame, publication: Publication) -> EmergentThemes:
        """Rebuild from the published themes (hidden sizes missing, text scrubbed).

        Parameters
        ----------
        frame : pandas.DataFrame
            The published ``themes``.
        publication : Publication
            What was hidden.

        Returns
        -------
        EmergentThemes
            The published copy.
        """
        return dataclasses.replace(self, themes=frame, publication=publication)

    def _uncovered_text(self) -> str:
        n = self.publication.rules.min_count if self.publication is not None else 0
        if 0 < self.uncovered < n:
            return f"Fewer than {n} of {self.coded:,} coded responses touch"
        return f"{share_text(self.uncovered, self.coded)} coded responses touch"

    def summary(self) -> str:
        """Describe the uncovered responses and their themes in plain language.

        Returns
        -------
        str
            The share uncovered and one line per theme.
        """
        lines = [f"{self._uncovered_text()} no concern of the codebook."]
        if len(self.themes):
            lines.append("They group into these candidate themes (a person should name them):")
            for i, r in enumerate(self.themes.itertuples()):
                size = say_count(self.shown("responses", i))
                lines.append(f"- theme {r.theme}: {r.top_terms} ({size} responses)")
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Bar chart of responses per candidate theme, labelled by its top terms.

        Returns
        -------
        altair.Chart
            One bar per theme.
        """
        data = self.themes.dropna(subset=["responses"]).assign(
            name=[
                f"{t}: {terms}"
                for t, terms in zip(
                    self.themes.dropna(subset=["responses"])["theme"],
                    self.themes.dropna(subset=["responses"])["top_terms"],
                    strict=True,
                )
            ]
        )
        return hbar(
            data,
            label="name",
            value="responses",
            title="Candidate themes among uncovered responses",
            tooltip=["top_terms", "responses"],
        )

    def table(self) -> PresentationTable:
        """Return the candidate themes with their top terms, responses and examples."""
        themes = self.themes[list(self.labels)].reset_index(drop=True)
        themes["theme"] = [f"Theme {t}" for t in themes["theme"]]
        notes: tuple[str, ...] = ()
        if self.publication is not None:  # hidden sizes as their markers ("<5", "x")
            themes["responses"] = self.publication.shown["responses"].to_numpy()
            notes = self.publication.notes
        return presentation_table(themes, labels=self.labels, notes=notes)


def emergent_themes(
    coding: Coding | pd.DataFrame,
    *,
    n_themes: int | None = None,
    top_terms: int = 8,
    examples: int = 3,
    seed: int = 0,
    stop_words: str | list[str] | None = "english",
) -> EmergentThemes:
    """Cluster the responses that no concern covers into candidate themes.

    Parameters
    ----------
    coding : Coding or pandas.DataFrame
        A coding (its uncovered responses are used) or a frame of responses with a
        ``response`` column (all are used), indexed by ``response_id``.
    n_themes : int, optional
        Number of themes; default ``min(8, max(2, round(sqrt(n / 2))))`` for ``n``
        uncovered responses (the square-root rule of thumb of Mardia, Kent and Bibby,
        1979, for the number of clusters).
    top_terms : int, default 8
        Terms shown per theme.
    examples : int, default 3
        Example responses per theme.
    seed : int, default 0
        Random state of NMF (NNDSVD initialisation is deterministic; the seed fixes the
        rest).
    stop_words : str, list or None, default "english"
        Passed to scikit-learn's ``TfidfVectorizer``; ``"english"`` is scikit-learn's
        English list plus :data:`FILLERS`.

    Returns
    -------
    EmergentThemes
        Empty with a warning when fewer than 10 responses are uncovered or their words
        are too few to cluster.
    """
    if isinstance(coding, Coding):
        frame = coding.uncovered()
        coded = len(coding.responses)
    else:
        frame = coding
        coded = len(coding)
    texts = frame["response"].astype(str)
    empty_themes = pd.DataFrame(columns=["theme", "top_terms", "responses", "examples"])
    empty_assign = pd.DataFrame(columns=[RESPONSE_ID, "theme", "weight"])
    if len(texts) < MIN_RESPONSES:
        return EmergentThemes(
            empty_themes,
            empty_assign,
            len(texts),
            coded,
            warnings=[
                # no count: the warning is published as written, and a small one would be
                # a count below the engagement's min_count
                f"Fewer than {MIN_RESPONSES} uncovered responses: too few to look for themes; "
                "read them in the coding sheet."
            ],
        )
    if stop_words == "english":
        stop_words = sorted(ENGLISH_STOP_WORDS | FILLERS)
    vectorizer = TfidfVectorizer(
        stop_words=stop_words,
        ngram_range=(1, 2),
        min_df=2,
        max_df=0.9,
        sublinear_tf=True,
        token_pattern=r"(?u)\b[^\W\d_][^\W\d_]+\b",
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:
        matrix = None
    if matrix is None or matrix.shape[1] < 2:
        return EmergentThemes(
            empty_themes,
            empty_assign,
            len(texts),
            coded,
            warnings=["The uncovered responses share too few words to form themes."],
        )
    k = n_themes or int(min(8, max(2, round(np.sqrt(len(texts) / 2)))))
    k = max(1, min(k, matrix.shape[0] - 1, matrix.shape[1]))
    model = NMF(n_components=k, init="nndsvd", random_state=seed, max_iter=500)
    notes = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        weights = model.fit_transform(matrix)
    for item in caught:
        if issubclass(item.category, ConvergenceWarning):
            notes.append(
                f"The theme model did not settle within {model.max_iter} iterations: the "
                "themes are a rough grouping; read their examples before naming them."
            )
        else:  # not ours to judge: passed on to the usual filters
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    terms = np.array(vectorizer.get_feature_names_out())
    best = weights.argmax(axis=1)
    strength = weights.max(axis=1)
    rows = []
    for t in range(k):
        members = np.flatnonzero((best == t) & (strength > 0))
        order = members[np.argsort(-weights[members, t], kind="stable")]
        comp = model.components_[t]
        order_terms = np.argsort(-comp, kind="stable")[:top_terms]
        top = terms[order_terms[comp[order_terms] > 0]]
        rows.append(
            {
                "theme": t + 1,
                "top_terms": "; ".join(top),
                "responses": len(members),
                "examples": " | ".join(texts.iloc[order[:examples]]),
            }
        )
    themes = pd.DataFrame(rows)
    themes = themes[themes["responses"] > 0].sort_values(
        ["responses", "theme"], ascending=[False, True]
    )
    themes["theme"] = range(1, len(themes) + 1)
    renumber = {
        old: new
        for new, old in enumerate(
            [
                r["theme"]
                for r in sorted(rows, key=lambda r: (-r["responses"], r["theme"]))
                if r["responses"] > 0
            ],
            start=1,
        )
    }
    assign = pd.DataFrame(
        {
            RESPONSE_ID: frame.index.to_numpy(),
            "theme": [renumber.get(b + 1, 0) for b in best],
            "weight": strength,
        }
    )
    unassigned = int((strength == 0).sum())
    if unassigned:
        notes.append(f"{unassigned} uncovered responses share no term with any theme.")
    return EmergentThemes(themes.reset_index(drop=True), assign, len(texts), coded, warnings=notes)
