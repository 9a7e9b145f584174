"""The data inventory: who holds which data, at which geography and frequency, on which terms.

CS360 asks every stakeholder which data they hold that could help understand or address
the problems raised (the scanning theme ``data_available``), and the community map
records it (``data_held``, ``sharing_terms`` in the stakeholder roster). This module
codes both against the shipped **data codebook** (EMS and overdose calls, 311 requests,
code enforcement, school attendance, hospital injuries, business and transit data,
lighting outages, camera footage, police records...) and its facets (geography,
frequency, sharing terms), and lists one row per holder and kind of data. It feeds the
prioritization step (is the problem measurable?) and the choice of metrics (CS360 asks
for at least one measure per goal, from police and partner sources).

Nothing is lost: a description that no data kind covers stays in the inventory as
``other`` with its text, so that a person can read it.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import altair as alt
import pandas as pd

from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table
from cs360lib.steps.scanning._common import SECTOR_LABELS, share_text
from cs360lib.steps.scanning.codebook import Codebook, load_codebook
from cs360lib.steps.scanning.coding import Coding, code_responses

if TYPE_CHECKING:  # pragma: no cover
    from cs360lib.publish.publication import Publication
    from cs360lib.publish.tables import PresentationTable

__all__ = ["DataInventory", "data_inventory"]

OTHER = "other"
"""Data kind of a description no entry of the data codebook covers."""

_PREFIX = re.compile(r"^\s*we\s+hold\s*:?\s*", re.IGNORECASE)
_NOTHING = (
    r"^\s*(?:we\s+hold:?\s*)?"
    r"(?:(?:none|nothing)(?:\s+recorded)?|n/?a|not\s+applicable|-)?\s*\.?\s*$"
)


@dataclass(frozen=True)
class DataInventory(Result):
    """One row per holder and kind of data.

    Attributes
    ----------
    items : pandas.DataFrame
        ``stakeholder_id``, ``organisation``, ``sector``, ``role``, ``data_kind``,
        ``label``, ``description`` (the words used), ``geography``, ``frequency``,
        ``sharing`` (category labels, ``;``-separated; empty when not said),
        ``sharing_terms`` (as written in the roster), ``source`` (``roster``,
        ``interview`` or ``roster and interview``).
    kinds : pandas.DataFrame
        One row per data kind of the codebook: ``data_kind``, ``label``, ``holders``
        (distinct stakeholders), ``organisations`` (``;``-separated).

    Its warnings name stakeholders who hold nothing recorded and descriptions not coded.
    """

    items: pd.DataFrame
    kinds: pd.DataFrame
    labels = {
        "organisation": "Organisation",
        "sector": "Sector",
        "label": "Data",
        "description": "Described as",
        "geography": "Geography",
        "frequency": "Frequency",
        "sharing": "Sharing",
    }
    count_columns = ()
    privacy = {
        "data_kind": "public",
        "label": "public",
        "description": "text",
        "geography": "public",
        "frequency": "public",
        "sharing": "public",
        "sharing_terms": "public",
        "source": "public",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return the inventory (``items``)."""
        return self.items.copy()

    def with_frame(self, frame: pd.DataFrame, publication: Publication) -> DataInventory:
        """Rebuild from the published inventory (descriptions scrubbed).

        Parameters
        ----------
        frame : pandas.DataFrame
            The published ``items``; their roster ids are withheld from the table and kept
            here only to count holders.
        publication : Publication
            What was scrubbed and withheld.

        Returns
        -------
        DataInventory
            The published copy.
        """
        items = frame.assign(stakeholder_id=self.items["stakeholder_id"].to_numpy())
        return dataclasses.replace(self, items=items, publication=publication)

    def gaps(self) -> list[str]:
        """Return the labels of data kinds that nobody said they hold.

        Returns
        -------
        list of str
            In codebook order.
        """
        return self.kinds.loc[self.kinds["holders"] == 0, "label"].tolist()

    def summary(self) -> str:
        """Describe the inventory in plain language.

        Returns
        -------
        str
            Holders, kinds of data, shareable data and gaps.
        """
        items = self.items
        known = items[items["data_kind"] != OTHER]
        holders = known["stakeholder_id"].nunique()
        lines = [
            f"{holders} stakeholders hold data of {known['data_kind'].nunique()} of the "
            f"{len(self.kinds)} kinds in the data codebook."
        ]
        by = items.drop_duplicates("stakeholder_id")
        open_ = by["sharing"].str.contains("Open data", regex=False).sum()
        if len(by):
            lines.append(
                f"{share_text(int(open_), len(by))} of the holders share openly; the others need "
                "an agreement, share aggregates only, or keep their data internal."
            )
        gaps = self.gaps()
        if gaps:
            lines.append("Nobody said they hold: " + ", ".join(gaps) + ".")
        other = items[items["data_kind"] == OTHER]
        if len(other):
            lines.append(
                f"{len(other)} data descriptions fit no kind of the data codebook; read them "
                "in the inventory (kind 'other')."
            )
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Heat map of holders by sector and data kind (aggregated).

        Returns
        -------
        altair.Chart
            Rect marks coloured by the number of distinct holders.
        """
        agg = (
            self.items[self.items["data_kind"] != OTHER]
            .drop_duplicates(["stakeholder_id", "data_kind"])
            .groupby(["label", "sector"])
            .size()
            .rename("holders")
            .reset_index()
        )
        agg["sector"] = agg["sector"].map(lambda s: SECTOR_LABELS.get(s, s))
        return (
            alt.Chart(agg, title="Who holds which data")
            .mark_rect()
            .encode(
                x=alt.X("sector:N", title=None),
                y=alt.Y("label:N", title=None),
                color=alt.Color("holders:Q", title="holders"),
                tooltip=["label", "sector", "holders"],
            )
        )

    def table(self) -> PresentationTable:
        """Return the inventory in words (sharing as the roster wrote it if not recognised)."""
        i = self.items.assign(
            sector=self.items["sector"].map(lambda s: SECTOR_LABELS.get(s, s)),
            sharing=self.items["sharing"].where(
                self.items["sharing"] != "", self.items["sharing_terms"]
            ),
        )
        return presentation_table(i[list(self.labels)].reset_index(drop=True), labels=self.labels)


def _facet_labels(book: Codebook, name: str, texts: pd.Series) -> pd.Series:
    if name not in book.facets or texts.empty:
        return pd.Series("", index=texts.index)
    coding = code_responses(
        texts.rename("response")
        .to_frame()
        .assign(response_id=[f"x{i}" for i in range(len(texts))]),
        book.facet(name),
        check_language=False,
    )
    codes = coding.codes.reindex([f"x{i}" for i in range(len(texts))], fill_value=False)
    labels = book.facet(name).labels
    out = ["; ".join(labels[c] for c in codes.columns if row[c]) for _, row in codes.iterrows()]
    return pd.Series(out, index=texts.index)


def data_inventory(
    roster: pd.DataFrame | None = None,
    interviews: pd.DataFrame | Coding | None = None,
    *,
    codebook: Codebook | dict[str, Any] | str | Path | None = "data",
    theme: str = "data_available",
) -> DataInventory:
    """Build the data inventory from the roster and the "data available" answers.

    Parameters
    ----------
    roster : pandas.DataFrame, optional
        The ``stakeholders`` kind: ``stakeholder_id``, ``organisation``, ``role``,
        ``sector``, ``data_held``, ``sharing_terms``.
    interviews : pandas.DataFrame or Coding, optional
        The ``interviews`` kind (answers under ``theme`` are used) or a coding of them
        (its responses are used, recoded with the data codebook).
    codebook : Codebook, dict, str or Path, default "data"
        The data codebook (with facets ``geography``, ``frequency``, ``sharing``).
    theme : str, default "data_available"
        Interview theme holding the answers about data.

    Returns
    -------
    DataInventory
        The inventory; empty with a warning when neither source is given.
    """
    book = load_codebook(codebook)
    pieces = []
    warnings: list[str] = []
    meta = pd.DataFrame(columns=["stakeholder_id", "organisation", "role", "sector"])
    if roster is not None and len(roster):
        r = roster.copy()
        r["stakeholder_id"] = r["stakeholder_id"].astype(str)
        meta = r[[c for c in ("stakeholder_id", "organisation", "role", "sector") if c in r]]
        if "data_held" in r.columns:
            held = r["data_held"].astype("string").fillna("")
            pieces.append(
                pd.DataFrame(
                    {
                        "stakeholder_id": r["stakeholder_id"].to_numpy(),
                        "text": held.to_numpy(dtype=object),
                        "sharing_terms": r.get("sharing_terms", pd.Series("", index=r.index))
                        .astype("string")
                        .fillna("")
                        .to_numpy(dtype=object),
                        "source": "roster",
                    }
                )
            )
    if interviews is not None:
        frame = interviews.responses.reset_index() if isinstance(interviews, Coding) else interviews
        if "theme" in frame.columns:
            frame = frame[frame["theme"].astype(str) == theme]
        if len(frame):
            sid = (
                frame["stakeholder_id"].astype(str)
                if "stakeholder_id" in frame
                else (frame["interview_id"].astype(str))
            )
            pieces.append(
                pd.DataFrame(
                    {
                        "stakeholder_id": sid.to_numpy(),
                        "text": frame["response"]
                        .astype("string")
                        .fillna("")
                        .to_numpy(dtype=object),
                        "sharing_terms": "",
                        "source": "interview",
                    }
                )
            )
            extra = frame[~sid.isin(meta["stakeholder_id"])]
            if len(extra):
                add = pd.DataFrame({"stakeholder_id": sid[extra.index]})
                for col in ("role", "sector"):
                    add[col] = extra[col].astype(str).to_numpy() if col in extra else ""
                add["organisation"] = add["role"]
                meta = pd.concat([meta, add.drop_duplicates("stakeholder_id")], ignore_index=True)
    cols = [
        "stakeholder_id",
        "organisation",
        "sector",
        "role",
        "data_kind",
        "label",
        "description",
        "geography",
        "frequency",
        "sharing",
        "sharing_terms",
        "source",
    ]
    if not pieces:
        return DataInventory(
            pd.DataFrame(columns=cols),
            _kinds(book, pd.DataFrame(columns=cols)),
            warnings=["No roster and no 'data available' answers: the inventory is empty."],
        )
    texts = pd.concat(pieces, ignore_index=True)
    nothing = texts["text"].str.match(_NOTHING, case=False)
    if nothing.any():
        # no count: warnings are published as written, and this one is often below min_count
        warnings.append(
            "Some stakeholders recorded no data (answers such as 'nothing recorded'); they are "
            "left out of the inventory."
        )
    texts = texts[~nothing].reset_index(drop=True)
    texts["response_id"] = [f"d{i}" for i in range(len(texts))]
    coding = code_responses(texts.rename(columns={"text": "response"}), book, check_language=False)
    codes = coding.codes.reindex(texts["response_id"], fill_value=False)
    texts["geography"] = _facet_labels(book, "geography", texts["text"])
    texts["frequency"] = _facet_labels(book, "frequency", texts["text"])
    both = texts["text"] + " " + texts["sharing_terms"]
    texts["sharing"] = _facet_labels(book, "sharing", both)
    labels = book.labels
    rows = []
    for i, t in texts.iterrows():
        kinds = [c for c in book.ids if codes.iat[i, codes.columns.get_loc(c)]] or [OTHER]
        for k in kinds:
            rows.append({**t.to_dict(), "data_kind": k, "label": labels.get(k, "Other data")})
    items = pd.DataFrame(rows).rename(columns={"text": "description"})
    items = items.merge(meta.drop_duplicates("stakeholder_id"), on="stakeholder_id", how="left")
    # one row per holder and kind: merge roster and interview descriptions
    items = (
        items.groupby(["stakeholder_id", "data_kind"], sort=False, dropna=False)
        .agg(
            {
                "organisation": "first",
                "sector": "first",
                "role": "first",
                "label": "first",
                "description": _join_descriptions,
                "geography": lambda s: "; ".join(
                    dict.fromkeys(x for v in s for x in v.split("; ") if x)
                ),
                "frequency": lambda s: "; ".join(
                    dict.fromkeys(x for v in s for x in v.split("; ") if x)
                ),
                "sharing": lambda s: "; ".join(
                    dict.fromkeys(x for v in s for x in v.split("; ") if x)
                ),
                "sharing_terms": lambda s: "; ".join(dict.fromkeys(x for x in s if x)),
                "source": lambda s: " and ".join(sorted(set(s), reverse=True)),
            }
        )
        .reset_index()
    )
    items = items[cols]
    other = int((items["data_kind"] == OTHER).sum())
    if other:
        warnings.append(f"{other} data descriptions fit no kind of the data codebook.")
    return DataInventory(items, _kinds(book, items), warnings=warnings)


def _join_descriptions(texts: pd.Series) -> str:
    seen: dict[str, str] = {}
    for t in texts:
        clean = _PREFIX.sub("", str(t)).strip().rstrip(".")
        seen.setdefault(clean.lower(), clean[:1].upper() + clean[1:])
    return " / ".join(seen.values())


def _kinds(book: Codebook, items: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for c in book.concerns:
        sub = items[items["data_kind"] == c.id]
        rows.append(
            {
                "data_kind": c.id,
                "label": c.label,
                "holders": int(sub["stakeholder_id"].nunique()),
                "organisations": "; ".join(dict.fromkeys(sub["organisation"].astype(str))),
            }
        )
    return pd.DataFrame(rows)
