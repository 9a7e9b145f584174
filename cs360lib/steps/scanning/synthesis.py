"""Synthesis of the scanning interviews: who raised which concern, and where views diverge.

CS360 scanning asks internal and external stakeholders about public-safety concerns,
police-community relationships, the data they hold and areas for improvement. A concern
counts once per **stakeholder** who raised it, not once per mention: a person who says
"robbery" five times is one voice (the unit of analysis of key-informant interviewing;
Patton, 2015, *Qualitative Research and Evaluation Methods*, 4th ed., chapter 8). Shares
are of the stakeholders interviewed, overall, per sector (department, other law
enforcement, government, community) and internal (department) vs external.

:func:`synthesize` returns a :class:`Synthesis` with the concern counts, the divergence
between department and community, relationship and improvement themes, ratings when the
instrument had them, and representative quotes attributed to a role and sector, never a
name. Quotes pass through the ``scrub`` function given (the privacy module's scrubber);
without one they are withheld rather than published unscrubbed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd

from cs360lib.data.schemas import SECTORS
from cs360lib.publish.results import Counts, Result
from cs360lib.publish.tables import presentation_table
from cs360lib.steps.scanning._common import RESPONSE_ID, SECTOR_LABELS, share_text
from cs360lib.steps.scanning.coding import Coding

if TYPE_CHECKING:  # pragma: no cover
    from cs360lib.publish.tables import PresentationTable

__all__ = ["WITHHELD", "Synthesis", "parse_rating", "side_counts", "synthesize"]

WITHHELD = "[quote withheld: no scrubber configured]"
"""Shown in place of a quote when no scrubber was given."""

INTERNAL = "department"
"""The internal sector; every other sector is external."""

_RATING = re.compile(
    r"\b(\d+(?:\.\d+)?)\s*(?:/|out\s+of|of)\s*(\d+)\b|\b(\d+(?:\.\d+)?)\s+on\s+a\s+scale\s+of\s+"
    r"(?:\d+\s*(?:-|to)\s*)?(\d+)\b",
    re.IGNORECASE,
)


def side_counts(
    by: str,
    *,
    inside: str = "internal",
    outside: str = "external",
    total: str = "stakeholders",
    rates: Mapping[str, str] | None = None,
) -> Counts:
    """Declare how a count of stakeholders inside and outside the department is published.

    The same quantities are published in several places: the stakeholders who raised each
    concern in the scanning notebook (all of them, inside and outside the department) and
    in the community concern criterion of the priority worksheet (outside the department,
    as a count and as a share of those interviewed outside it). Published with different
    suppressions, one copy could be subtracted from the other: a total of 12 in one report
    and 11 outside the department in another give away the one stakeholder inside it. Every
    result that publishes such counts declares them with this function, so that each
    publishes the part inside, the part outside and their total suppressed as one table
    (Hundepool et al. 2012, *Statistical Disclosure Control*, section 4.2): a count hidden
    in one report is hidden in every other (``docs/privacy.md``, section 1).

    Parameters
    ----------
    by : str
        The column that identifies a row (the concern, or the candidate of a concern).
    inside, outside, total : str
        The columns of stakeholders inside the department, outside it, and in all.
    rates : mapping of str to str, optional
        Share columns -> the count they are computed from (hidden with it, or with the
        total).

    Returns
    -------
    Counts
        ``(inside, outside)`` with ``total``; each row stands alone (``totals=()``).
    """
    return Counts((inside, outside), by=(by,), total=total, totals=(), rates=dict(rates or {}))


def parse_rating(text: str) -> tuple[float, float] | None:
    """Read a rating written in an answer ("4 out of 5", "7/10", "3 on a scale of 1 to 5").

    Parameters
    ----------
    text : str
        An answer.

    Returns
    -------
    tuple of float or None
        ``(value, scale_maximum)``, or None when no rating (or an impossible one) is found.
    """
    m = _RATING.search(text or "")
    if m is None:
        return None
    value = float(m.group(1) or m.group(3))
    top = float(m.group(2) or m.group(4))
    if top <= 0 or value > top or top > 100:
        return None
    return value, top


@dataclass(frozen=True)
class Synthesis(Result):
    """What the scanning interviews say, counted by stakeholder.

    Attributes
    ----------
    concerns : pandas.DataFrame
        One row per concern: ``concern``, ``label``, ``stakeholders`` (distinct),
        ``share`` (of those interviewed), ``mentions`` (responses), ``internal``,
        ``external`` (distinct stakeholders), and per sector ``<sector>`` counts; sorted
        by ``stakeholders``.
    by_sector : pandas.DataFrame
        ``concern``, ``label``, ``sector``, ``stakeholders``, ``interviewed`` (in that
        sector), ``share``.
    divergence : pandas.DataFrame
        ``concern``, ``label``, ``department_share``, ``community_share``,
        ``difference`` (community minus department, in shares), ``raised_by``
        (``community only``, ``department only``, ``both``).
    improvements : pandas.DataFrame
        Like ``concerns``, counted on the improvement theme.
    relationships : pandas.DataFrame
        Like ``concerns``, counted on the police-community relations theme.
    ratings : pandas.DataFrame
        ``sector``, ``ratings``, ``mean`` (rescaled to ``scale``), ``scale``; empty when
        the instrument had none.
    quotes : pandas.DataFrame
        ``concern``, ``label``, ``quote`` (scrubbed, or :data:`WITHHELD`),
        ``attribution`` (role and sector), ``published`` (bool).
    interviewed : pandas.DataFrame
        ``sector``, ``stakeholders`` interviewed.

    Its warnings name unknown sectors, missing stakeholder ids and withheld quotes.
    """

    concerns: pd.DataFrame
    by_sector: pd.DataFrame
    divergence: pd.DataFrame
    improvements: pd.DataFrame
    relationships: pd.DataFrame
    ratings: pd.DataFrame
    quotes: pd.DataFrame
    interviewed: pd.DataFrame
    labels = {
        "label": "Concern",
        "stakeholders": "Stakeholders",
        "share": "Share of those interviewed",
        "internal": "Department",
        "external": "External partners",
        "quote": "Quote",
        "attribution": "Who",
    }

    @property
    def total_interviewed(self) -> int:
        """Distinct stakeholders interviewed."""
        return int(self.interviewed["stakeholders"].sum())

    def to_frame(self) -> pd.DataFrame:
        """Return the concern counts (``concerns``)."""
        return self.concerns.copy()

    def top(self, n: int = 3) -> pd.DataFrame:
        """Return the ``n`` concerns raised by the most stakeholders.

        Parameters
        ----------
        n : int, default 3
            How many.

        Returns
        -------
        pandas.DataFrame
            Rows of ``concerns`` with at least one stakeholder.
        """
        c = self.concerns
        return c[c["stakeholders"] > 0].head(n)

    def summary(self) -> str:
        """Describe the synthesis in plain language.

        Returns
        -------
        str
            Who was interviewed, the top concerns, where department and community
            diverge, and the main improvement areas.
        """
        n = self.total_interviewed
        parts = ", ".join(
            f"{int(r.stakeholders)} {SECTOR_LABELS.get(r.sector, r.sector).lower()}"
            for r in self.interviewed.itertuples()
            if r.stakeholders
        )
        lines = [f"{n} stakeholders were interviewed ({parts})."]
        top = self.top(3)
        if len(top):
            lines.append(
                "The concerns raised by the most stakeholders: "
                + "; ".join(
                    f"{r.label}, {share_text(int(r.stakeholders), n)}" for r in top.itertuples()
                )
                + "."
            )
        else:
            lines.append("No concern of the codebook was raised.")
        d = self.divergence
        only_c = d[d["raised_by"] == "community only"]["label"].tolist()
        only_d = d[d["raised_by"] == "department only"]["label"].tolist()
        if only_c:
            lines.append(
                "Raised by the community but not the department: " + ", ".join(only_c) + "."
            )
        if only_d:
            lines.append(
                "Raised by the department but not the community: " + ", ".join(only_d) + "."
            )
        imp = self.improvements[self.improvements["stakeholders"] > 0].head(3)
        if len(imp):
            lines.append(
                "Most named areas for improvement: "
                + "; ".join(f"{r.label} ({int(r.stakeholders)})" for r in imp.itertuples())
                + "."
            )
        if len(self.ratings):
            r = self.ratings[self.ratings["sector"] == "all"].iloc[0]
            lines.append(
                f"Relationship rating: {r['mean']:.1f} on a scale to {r['scale']:.0f}, from "
                f"{int(r['ratings'])} ratings."
            )
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Bar chart of the share of stakeholders raising each concern, internal vs external.

        Returns
        -------
        altair.Chart
            Grouped horizontal bars (aggregated: one row per concern and group).
        """
        c = self.concerns[self.concerns["stakeholders"] > 0]
        n_int = int(
            self.interviewed.loc[self.interviewed["sector"] == INTERNAL, "stakeholders"].sum()
        )
        n_ext = self.total_interviewed - n_int
        long = pd.concat(
            [
                pd.DataFrame(
                    {
                        "label": c["label"],
                        "group": "internal (department)",
                        "share": c["internal"] / n_int if n_int else 0.0,
                        "stakeholders": c["internal"],
                    }
                ),
                pd.DataFrame(
                    {
                        "label": c["label"],
                        "group": "external partners",
                        "share": c["external"] / n_ext if n_ext else 0.0,
                        "stakeholders": c["external"],
                    }
                ),
            ]
        )
        return (
            alt.Chart(long, title="Share of stakeholders raising each concern")
            .mark_bar()
            .encode(
                y=alt.Y("label:N", title=None, sort=list(c["label"])),
                yOffset="group:N",
                x=alt.X(
                    "share:Q", title="share of stakeholders interviewed", axis=alt.Axis(format="%")
                ),
                color=alt.Color("group:N", title=None),
                tooltip=["label", "group", "stakeholders", alt.Tooltip("share:Q", format=".0%")],
            )
        )

    def table(self) -> PresentationTable:
        """Return the concerns raised: stakeholders, share of those interviewed, by group."""
        c = self.concerns[self.concerns["stakeholders"] > 0]
        n = self.total_interviewed
        out = pd.DataFrame(
            {
                "label": c["label"],
                "stakeholders": c["stakeholders"].astype(int),
                "share": [
                    share_text(int(v), n).split(" (")[-1].rstrip(")") for v in c["stakeholders"]
                ],
                "internal": c["internal"].astype(int),
                "external": c["external"].astype(int),
            }
        ).reset_index(drop=True)
        return presentation_table(out, labels=self.labels)

    def quotes_table(self) -> PresentationTable:
        """Return the published quotes with their concern and role (withheld ones left out)."""
        q = self.quotes.loc[self.quotes["published"], ["label", "quote", "attribution"]]
        return presentation_table(q.reset_index(drop=True), labels=self.labels)


def _stakeholder_key(frame: pd.DataFrame, warnings: list[str]) -> pd.Series:
    if "stakeholder_id" in frame.columns and frame["stakeholder_id"].notna().all():
        return frame["stakeholder_id"].astype(str)
    if "interview_id" in frame.columns:
        warnings.append(
            "Some responses have no stakeholder id: each interview was counted as one stakeholder."
        )
        sid = (
            frame["stakeholder_id"]
            if "stakeholder_id" in frame.columns
            else pd.Series(pd.NA, index=frame.index)
        )
        return (
            sid.astype("string")
            .fillna("interview " + frame["interview_id"].astype(str))
            .astype(str)
        )
    warnings.append("The responses have no stakeholder id: each response counts as one voice.")
    return pd.Series(frame.index.astype(str), index=frame.index)


def _count(
    coding: Coding,
    keys: pd.Series,
    sectors: pd.Series,
    theme: str | None,
    interviewed: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    codes = coding.codes
    resp = coding.responses
    mask = np.ones(len(resp), dtype=bool)
    if theme is not None and "theme" in resp.columns:
        mask = (resp["theme"].astype(str) == theme).to_numpy()
    codes = codes[mask]
    k = keys.loc[codes.index]
    s = sectors.loc[codes.index]
    ids = coding.codebook.ids
    labels = coding.codebook.labels
    long = codes.stack()
    long = long[long]
    pairs = pd.DataFrame(
        {
            "concern": long.index.get_level_values(1),
            "stakeholder": k.loc[long.index.get_level_values(0)].to_numpy(),
            "sector": s.loc[long.index.get_level_values(0)].to_numpy(),
        }
    )
    mentions = codes.sum().reindex(ids).fillna(0).astype(int)
    distinct = pairs.drop_duplicates(["concern", "stakeholder"])
    total = distinct.groupby("concern").size().reindex(ids, fill_value=0)
    per_sector = (
        distinct.groupby(["concern", "sector"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=ids, columns=SECTORS, fill_value=0)
    )
    n = int(interviewed.sum())
    table = pd.DataFrame(
        {
            "concern": ids,
            "label": [labels[c] for c in ids],
            "stakeholders": total.to_numpy(dtype=int),
            "share": total.to_numpy(dtype=float) / n if n else 0.0,
            "mentions": mentions.to_numpy(dtype=int),
            "internal": per_sector[INTERNAL].to_numpy(dtype=int),
            "external": per_sector.drop(columns=INTERNAL).sum(axis=1).to_numpy(dtype=int),
        }
    )
    for sec in SECTORS:
        table[sec] = per_sector[sec].to_numpy(dtype=int)
    table["_o"] = range(len(table))
    table = table.sort_values(["stakeholders", "mentions", "_o"], ascending=[False, False, True])
    table = table.drop(columns="_o").reset_index(drop=True)
    by_sector = per_sector.stack().rename("stakeholders").reset_index()
    by_sector.insert(1, "label", by_sector["concern"].map(labels))
    by_sector["interviewed"] = by_sector["sector"].map(interviewed).fillna(0).astype(int)
    by_sector["share"] = np.where(
        by_sector["interviewed"] > 0,
        by_sector["stakeholders"] / by_sector["interviewed"].where(by_sector["interviewed"] > 0, 1),
        0.0,
    )
    return table, by_sector


def _quotes(
    coding: Coding,
    theme: str | None,
    scrub: Callable[[str], str] | None,
    per_concern: int,
    warnings: list[str],
) -> pd.DataFrame:
    resp = coding.responses
    codes = coding.codes
    if theme is not None and "theme" in resp.columns:
        keep = (resp["theme"].astype(str) == theme).to_numpy()
        resp, codes = resp[keep], codes[keep]
    n_codes = codes.sum(axis=1)
    length = resp["response"].str.len()
    rows = []
    failures = 0
    for cid in coding.codebook.ids:
        cand = resp[codes[cid]].assign(_n=n_codes[codes[cid]], _len=length[codes[cid]])
        if cand.empty:
            continue
        cand = cand.assign(
            _fit=(cand["_len"] - 120).abs() + np.where(cand["_len"].between(30, 320), 0, 1000)
        )
        cand = cand.sort_values(["_n", "_fit"], kind="stable").drop_duplicates("response")
        if "stakeholder_id" in cand.columns:
            cand = cand.drop_duplicates("stakeholder_id")
        if "sector" in cand.columns:  # one per sector first, for a range of voices
            cand = cand.assign(_rank=cand.groupby("sector", sort=False).cumcount())
            cand = cand.sort_values(["_rank", "_n", "_fit"], kind="stable")
        for _, r in cand.head(per_concern).iterrows():
            role = str(r["role"]) if "role" in r and pd.notna(r["role"]) else "stakeholder"
            sector = SECTOR_LABELS.get(str(r.get("sector", "")), str(r.get("sector", "")))
            attribution = f"{role} ({sector.lower()})" if sector else role
            if scrub is None:
                text, published = WITHHELD, False
            else:
                try:
                    text, published = scrub(str(r["response"])), True
                except Exception:  # a scrubber that fails must not publish the raw text
                    text, published = WITHHELD, False
                    failures += 1
            rows.append(
                {
                    "concern": cid,
                    "label": coding.codebook.labels[cid],
                    "quote": text,
                    "attribution": attribution,
                    "published": published,
                }
            )
    if scrub is None and rows:
        warnings.append(
            f"{len(rows)} quotes were withheld because no scrubber was given; pass "
            "scrub= the privacy module's scrubber to publish them."
        )
    if failures:
        warnings.append(f"{failures} quotes were withheld because the scrubber failed on them.")
    return pd.DataFrame(rows, columns=["concern", "label", "quote", "attribution", "published"])


def _ratings(coding: Coding, sectors: pd.Series, theme: str | None) -> pd.DataFrame:
    resp = coding.responses
    if theme is not None and "theme" in resp.columns:
        resp = resp[resp["theme"].astype(str) == theme]
    cols = ["sector", "ratings", "mean", "scale"]
    if "rating" in resp.columns and resp["rating"].notna().any():
        values = pd.to_numeric(resp["rating"], errors="coerce")
        top = float(values.max())
        scale = pd.Series(top, index=resp.index)
    else:
        parsed = resp["response"].map(parse_rating)
        parsed = parsed[parsed.notna()]
        if parsed.empty:
            return pd.DataFrame(columns=cols)
        tops = parsed.map(lambda p: p[1])
        top = float(tops.mode().iloc[0])
        values = parsed.map(lambda p: p[0] / p[1] * top)
        scale = tops
    values = values.dropna()
    if values.empty:
        return pd.DataFrame(columns=cols)
    del scale
    sec = sectors.loc[values.index]
    rows = [{"sector": "all", "ratings": len(values), "mean": float(values.mean()), "scale": top}]
    for s in SECTORS:
        v = values[sec == s]
        if len(v):
            rows.append({"sector": s, "ratings": len(v), "mean": float(v.mean()), "scale": top})
    return pd.DataFrame(rows, columns=cols)


def synthesize(
    coding: Coding,
    *,
    scrub: Callable[[str], str] | None = None,
    concern_theme: str | None = "public_safety_concerns",
    improvement_theme: str = "areas_for_improvement",
    relations_theme: str = "police_community_relations",
    quotes_per_concern: int = 2,
) -> Synthesis:
    """Count concerns by distinct stakeholder and sector, and pick scrubbed quotes.

    Parameters
    ----------
    coding : Coding
        Responses of every theme coded with :func:`~.coding.code_responses` (manual codes
        applied, if any). Needs ``stakeholder_id`` and ``sector`` for the breakdowns.
    scrub : callable, optional
        ``str -> str`` that removes personal data from a quote (the privacy module's
        scrubber). Without it quotes are withheld (:data:`WITHHELD`), never published raw.
    concern_theme : str or None, default "public_safety_concerns"
        Theme whose answers count as concerns raised; None counts every theme.
    improvement_theme, relations_theme : str
        Themes counted as improvement areas and relationship views.
    quotes_per_concern : int, default 2
        Quotes per concern, from different stakeholders and sectors where possible.

    Returns
    -------
    Synthesis
        Counts, divergence, improvements, relationships, ratings, quotes.

    Notes
    -----
    Responses with a sector outside the four CS360 sectors count in the totals but not
    in any sector column; they are reported in ``warnings``. Skipped responses (empty,
    not English) still count their stakeholder as interviewed.
    """
    warnings: list[str] = []
    resp = coding.responses
    everyone = pd.concat(
        [resp.reset_index(), coding.skipped.drop(columns="reason")], ignore_index=True
    )
    keys_all = _stakeholder_key(everyone, warnings)
    keys_all.index = everyone[RESPONSE_ID].to_numpy()
    if "sector" in everyone.columns:
        sector_all = everyone["sector"].astype("string").fillna("(missing)").astype(str)
    else:
        sector_all = pd.Series("(missing)", index=everyone.index)
        warnings.append("The responses have no sector: sector comparisons are empty.")
    sector_all.index = keys_all.index
    unknown = sorted(set(sector_all) - set(SECTORS))
    if unknown and "sector" in everyone.columns:
        n_bad = int((~sector_all.isin(SECTORS)).sum())
        warnings.append(
            f"{n_bad} responses have a sector that is not one of {', '.join(SECTORS)} "
            f"({', '.join(map(repr, unknown[:5]))}); they count in the totals but in no sector."
        )
    people = pd.DataFrame({"stakeholder": keys_all, "sector": sector_all}).drop_duplicates(
        "stakeholder"
    )
    interviewed = people.groupby("sector").size().reindex(SECTORS, fill_value=0)
    n_other = len(people) - int(interviewed.sum())
    interviewed_frame = pd.DataFrame(
        {"sector": SECTORS, "stakeholders": interviewed.to_numpy(dtype=int)}
    )
    if n_other:
        interviewed_frame.loc[len(interviewed_frame)] = ["(other)", n_other]
    n_interviewed = interviewed.copy()
    n_interviewed["(other)"] = n_other
    concerns, by_sector = _count(coding, keys_all, sector_all, concern_theme, n_interviewed)
    improvements, _ = _count(coding, keys_all, sector_all, improvement_theme, n_interviewed)
    relationships, _ = _count(coding, keys_all, sector_all, relations_theme, n_interviewed)
    d = by_sector[by_sector["sector"] == INTERNAL].set_index("concern")["share"]
    c = by_sector[by_sector["sector"] == "community"].set_index("concern")["share"]
    dn = by_sector[by_sector["sector"] == INTERNAL].set_index("concern")["stakeholders"]
    cn = by_sector[by_sector["sector"] == "community"].set_index("concern")["stakeholders"]
    ids = coding.codebook.ids
    divergence = pd.DataFrame(
        {
            "concern": ids,
            "label": [coding.codebook.labels[i] for i in ids],
            "department_share": d.reindex(ids).to_numpy(dtype=float),
            "community_share": c.reindex(ids).to_numpy(dtype=float),
        }
    )
    divergence["difference"] = divergence["community_share"] - divergence["department_share"]
    raised_d, raised_c = dn.reindex(ids).to_numpy() > 0, cn.reindex(ids).to_numpy() > 0
    divergence["raised_by"] = np.select(
        [raised_c & ~raised_d, raised_d & ~raised_c, raised_c & raised_d],
        ["community only", "department only", "both"],
        "neither",
    )
    divergence = divergence[divergence["raised_by"] != "neither"]
    divergence = divergence.reindex(
        divergence["difference"].abs().sort_values(ascending=False, kind="stable").index
    ).reset_index(drop=True)
    if interviewed.get(INTERNAL, 0) == 0 or interviewed.get("community", 0) == 0:
        warnings.append(
            "Department and community cannot be compared: one of them was not interviewed."
        )
    quotes = _quotes(coding, concern_theme, scrub, quotes_per_concern, warnings)
    ratings = _ratings(coding, sector_all, relations_theme)
    return Synthesis(
        concerns=concerns,
        by_sector=by_sector,
        divergence=divergence,
        improvements=improvements,
        relationships=relationships,
        ratings=ratings,
        quotes=quotes,
        interviewed=interviewed_frame,
        warnings=warnings + list(coding.warnings),
    )
