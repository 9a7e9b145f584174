"""What the scanning step says about a candidate: who raised it, who can act, who holds data.

Three criteria of the worksheet come from the scanning step rather than from incident data
(formulas in :mod:`cs360lib.steps.prioritize.criteria`):

- **community concern**: the share of the external stakeholders interviewed (every sector
  but the department) who raised the candidate's concern in the public-safety theme, counted
  once per stakeholder (:func:`cs360lib.steps.scanning.synthesize`);
- **feasibility**: the partners outside the department who hold a lever on the problem
  (handler, guardian or manager of the problem analysis triangle; Eck 2003) in the community
  map (:func:`cs360lib.steps.stakeholders.community_map`). A partner is linked to the
  problem when they raised its concern in the interviews, when their organisation, role or
  data (the roster's text) matches the concern's codebook phrases or names one of its
  categories, or when the engagement file names them for the candidate;
- **data availability**: the sources that measure the problem: the department's own sources
  that record its categories (by name), the partner metrics that do, and the stakeholders
  outside the department who said they hold a kind of data that helps with it (the data
  inventory, :func:`cs360lib.steps.scanning.data_inventory`; which kinds help with which
  concern is in ``tables/data_relevance.yml``).

:class:`Scanning` gathers the scanning results once per worksheet; :func:`scanning_input`
builds them from an engagement's interviews and roster with the default codebook.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources

import pandas as pd
import yaml

from cs360lib.data.loaders import LoadResult
from cs360lib.steps.scanning import (
    Codebook,
    Coding,
    DataInventory,
    Synthesis,
    code_responses,
    data_inventory,
    default_codebook,
    synthesize,
)
from cs360lib.steps.stakeholders import CommunityMap, community_map

__all__ = [
    "CONCERN_THEME",
    "INTERNAL",
    "Scanning",
    "data_relevance",
    "scanning_input",
]

INTERNAL = "department"
"""The internal sector; every other sector is external."""

CONCERN_THEME = "public_safety_concerns"
"""Interview theme whose answers count as concerns raised."""


def data_relevance() -> dict[str, tuple[str, ...]]:
    """Return the shipped table of the data kinds that help with each concern.

    Returns
    -------
    dict of str to tuple of str
        Concern id (default codebook) -> data kinds (data codebook).
    """
    text = resources.files("cs360lib.steps.prioritize").joinpath("tables/data_relevance.yml")
    raw = yaml.safe_load(text.read_text(encoding="utf-8")) or {}
    return {str(k): tuple(str(v) for v in vs) for k, vs in raw.items()}


@dataclass(frozen=True)
class Scanning:
    """The scanning results the worksheet reads.

    Attributes
    ----------
    codebook : Codebook
        The codebook the interviews were coded with.
    coding : Coding or None
        The coded interviews (who raised which concern).
    synthesis : Synthesis or None
        Concerns counted by stakeholder and sector.
    inventory : DataInventory or None
        Who holds which data.
    community : CommunityMap or None
        Partners, their sectors and levers.
    relevance : mapping of str to tuple of str
        Concern -> data kinds that help with it.
    roster_concerns : mapping of str to frozenset of str
        Stakeholder id -> concerns their roster text (organisation, role, data held) matches.
    warnings : list of str
        What is missing (no interviews, no roster).
    """

    codebook: Codebook
    coding: Coding | None = None
    synthesis: Synthesis | None = None
    inventory: DataInventory | None = None
    community: CommunityMap | None = None
    relevance: Mapping[str, tuple[str, ...]] = field(default_factory=data_relevance)
    roster_concerns: Mapping[str, frozenset[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    # -- community concern ---------------------------------------------------------------
    def external_interviewed(self) -> int:
        """Stakeholders interviewed outside the department."""
        return self.interviewed_by_side()[1]

    def interviewed_by_side(self) -> tuple[int, int]:
        """Stakeholders interviewed inside and outside the department.

        Returns
        -------
        tuple of int
            ``(inside, outside)``; ``(0, 0)`` without interviews.
        """
        if self.synthesis is None:
            return 0, 0
        table = self.synthesis.interviewed
        inside = table["sector"] == INTERNAL
        return (
            int(table.loc[inside, "stakeholders"].sum()),
            int(table.loc[~inside, "stakeholders"].sum()),
        )

    def raisers(self, concern: str | None) -> pd.DataFrame:
        """Stakeholders who raised a concern in the public-safety theme.

        Parameters
        ----------
        concern : str or None
            Concern id.

        Returns
        -------
        pandas.DataFrame
            ``stakeholder_id``, ``sector``, one row per stakeholder.
        """
        empty = pd.DataFrame(columns=["stakeholder_id", "sector"])
        coding = self.coding
        if coding is None or concern is None or concern not in coding.codes.columns:
            return empty
        resp = coding.responses
        keep = coding.codes[concern].to_numpy(dtype=bool)
        if "theme" in resp.columns:
            keep &= (resp["theme"].astype(str) == CONCERN_THEME).to_numpy()
        if "stakeholder_id" not in resp.columns:
            return empty
        rows = resp[keep]
        sector = rows["sector"].astype(str) if "sector" in rows else pd.Series("", index=rows.index)
        out = pd.DataFrame({"stakeholder_id": rows["stakeholder_id"].astype(str), "sector": sector})
        return out.drop_duplicates("stakeholder_id").reset_index(drop=True)

    def community_concern(self, concern: str | None) -> tuple[float, int, int, str]:
        """Share of the external stakeholders interviewed who raised a concern.

        Parameters
        ----------
        concern : str or None
            Concern id.

        Returns
        -------
        share : float
            ``raised / interviewed`` (0 when nobody outside the department was interviewed).
        raised, interviewed : int
            External stakeholders who raised it, and external stakeholders interviewed.
        evidence : str
            The same in words.
        """
        interviewed = self.external_interviewed()
        if concern is None:
            return 0.0, 0, interviewed, "no scanning concern covers it"
        internal, raised = self.raised_by_side(concern)
        share = raised / interviewed if interviewed else 0.0
        label = self.codebook.labels.get(concern, concern)
        text = (
            f"{raised} of {interviewed} external stakeholders interviewed raised "
            f"'{label}' ({internal} in the department)"
        )
        return share, raised, interviewed, text

    def raised_by_side(self, concern: str | None) -> tuple[int, int]:
        """Stakeholders who raised a concern, inside and outside the department.

        Parameters
        ----------
        concern : str or None
            Concern id.

        Returns
        -------
        tuple of int
            ``(inside, outside)``: distinct stakeholders of the department, and of every
            other sector, who raised it (the synthesis's own count, once per stakeholder,
            as the scanning notebook publishes it); ``(0, 0)`` for no concern.
        """
        if concern is None:
            return 0, 0
        counted = (
            self.synthesis.concerns.set_index("concern")
            if self.synthesis is not None
            else pd.DataFrame()
        )
        if concern in counted.index:  # the synthesis's own count, once per stakeholder
            return int(counted.at[concern, "internal"]), int(counted.at[concern, "external"])
        who = self.raisers(concern)
        return int((who["sector"] == INTERNAL).sum()), int((who["sector"] != INTERNAL).sum())

    # -- feasibility ---------------------------------------------------------------------
    def partners(
        self, concern: str | None, names: Iterable[str], named: Iterable[str] = ()
    ) -> pd.DataFrame:
        """Partners outside the department with a lever on the problem.

        Parameters
        ----------
        concern : str or None
            The candidate's concern.
        names : iterable of str
            The candidate's category names (matched in the roster's text).
        named : iterable of str
            Stakeholder ids the engagement file names for the candidate.

        Returns
        -------
        pandas.DataFrame
            ``stakeholder_id``, ``organisation``, ``sector``, ``levers``, ``why``; one row
            per partner.
        """
        columns = ["stakeholder_id", "organisation", "sector", "levers", "why"]
        if self.community is None:
            return pd.DataFrame(columns=columns)
        partners = self.community.partners
        raised = set(self.raisers(concern)["stakeholder_id"]) if concern else set()
        words = [n.casefold() for n in names if n and len(n) >= 4]
        named = {str(n) for n in named}
        rows = []
        for p in partners.itertuples():
            sid = str(p.stakeholder_id)
            levers = str(p.levers or "")
            if str(p.sector) == INTERNAL or not levers:
                continue
            why = []
            if sid in named:
                why.append("named in the engagement file")
            if sid in raised:
                why.append("raised it")
            if concern and concern in self.roster_concerns.get(sid, frozenset()):
                why.append("their work covers it")
            elif words:
                text = " ".join(str(v) for v in (p.organisation, p.role, p.data_held)).casefold()
                if any(w in text for w in words):
                    why.append("their work covers it")
            if why:
                rows.append([sid, str(p.organisation), str(p.sector), levers, ", ".join(why)])
        return pd.DataFrame(rows, columns=columns)

    # -- data availability ---------------------------------------------------------------
    def holders(self, concern: str | None, kinds: Iterable[str] = ()) -> pd.DataFrame:
        """Stakeholders outside the department who hold data that helps with the problem.

        Parameters
        ----------
        concern : str or None
            The candidate's concern (its relevant data kinds come from :attr:`relevance`).
        kinds : iterable of str
            More data kinds (the candidate's own ``data`` in the engagement file).

        Returns
        -------
        pandas.DataFrame
            ``stakeholder_id``, ``organisation``, ``data_kind``, ``label``; one row per
            holder and kind.
        """
        columns = ["stakeholder_id", "organisation", "data_kind", "label"]
        if self.inventory is None or self.inventory.items.empty:
            return pd.DataFrame(columns=columns)
        wanted = set(self.relevance.get(concern or "", ("police_records",))) | set(kinds)
        items = self.inventory.items
        keep = items["data_kind"].isin(wanted) & (items["sector"].astype(str) != INTERNAL)
        return items.loc[keep, columns].drop_duplicates().reset_index(drop=True)


def _roster_concerns(roster: pd.DataFrame, codebook: Codebook) -> dict[str, frozenset[str]]:
    """Code each stakeholder's organisation, role and data held with the codebook."""
    if roster is None or roster.empty or "stakeholder_id" not in roster.columns:
        return {}
    parts = [c for c in ("organisation", "role", "data_held") if c in roster.columns]
    text = roster[parts].astype("string").fillna("").agg(". ".join, axis=1)
    frame = pd.DataFrame(
        {"response": text.to_numpy(), "response_id": [f"r{i}" for i in range(len(roster))]}
    )
    coding = code_responses(frame, codebook, check_language=False)
    codes = coding.codes.reindex(frame["response_id"], fill_value=False)
    out = {}
    for sid, (_, row) in zip(roster["stakeholder_id"].astype(str), codes.iterrows(), strict=True):
        out[sid] = frozenset(c for c in codes.columns if row[c])
    return out


def scanning_input(
    sources: Mapping[str, LoadResult],
    *,
    codebook: Codebook | None = None,
    coding: Coding | None = None,
    synthesis: Synthesis | None = None,
    inventory: DataInventory | None = None,
    community: CommunityMap | None = None,
    scrub: Callable[[str], str] | None = None,
) -> Scanning:
    """Gather the scanning results for the worksheet, computing what is not given.

    Parameters
    ----------
    sources : mapping of str to LoadResult
        The engagement's sources; the first ``interviews`` and ``stakeholders`` sources are
        used for what is not given.
    codebook : Codebook, optional
        Default: the coding's codebook, else the shipped default codebook.
    coding, synthesis, inventory, community : optional
        Results of the scanning step (``code_responses``, ``synthesize``,
        ``data_inventory``, ``community_map``) already made, e.g. with a department's own
        codebook or manual codes.
    scrub : callable, optional
        Passed to :func:`~cs360lib.steps.scanning.synthesize` (quotes are not used here).

    Returns
    -------
    Scanning
        With ``warnings`` when the interviews or the roster are missing.
    """
    warnings: list[str] = []
    interviews = next((r.data for r in sources.values() if r.kind == "interviews"), None)
    roster = next((r.data for r in sources.values() if r.kind == "stakeholders"), None)
    book = codebook or (coding.codebook if coding is not None else default_codebook())
    if coding is None and interviews is not None and len(interviews):
        coding = code_responses(interviews, book)
    if synthesis is None and coding is not None:
        synthesis = synthesize(coding, scrub=scrub)
    if coding is None:
        warnings.append(
            "No scanning interviews: community concern is 0 for every candidate and no "
            "candidate comes from the interviews."
        )
    if inventory is None and (roster is not None or coding is not None):
        inventory = data_inventory(roster, coding)
    if community is None and roster is not None and len(roster):
        community = community_map(roster)
    if community is None:
        warnings.append("No stakeholder roster: feasibility (partners with levers) is 0.")
    return Scanning(
        codebook=book,
        coding=coding,
        synthesis=synthesis,
        inventory=inventory,
        community=community,
        roster_concerns=_roster_concerns(roster, book) if roster is not None else {},
        warnings=warnings,
    )
