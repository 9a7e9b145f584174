"""The scanning step of one engagement, section by section (notebook 01).

:func:`scanning_data` gathers once what every section reads: the interviews coded with the
engagement's codebook (``scanning.codebook``, else the shipped default), the manual codes of
the returned coding sheets (``scanning.coding_sheets``; the first one's codes win), and the
stakeholder roster with the engagement's team names (``teams``). Each section function then
makes one result that ``cs.show`` publishes by the engagement's rules:

- :func:`interviewed`: who was interviewed, by sector, against the roster;
- :func:`community` and :func:`composition`: the community map and the team composition
  check (:mod:`cs360lib.steps.stakeholders`);
- :func:`concerns`: concerns counted by distinct stakeholder (:func:`~.synthesis.synthesize`);
- :func:`check_coding`: agreement with the returned coding sheets, or the coding sheet to
  export when none has come back;
- :func:`uncovered_themes`: emergent themes of the answers no concern covers, clustered on
  scrubbed text;
- :func:`quotes`: representative quotes, scrubbed by the privacy module's scrubber;
- :func:`data_held`: the data inventory.

An engagement without interviews still runs: every section says that scanning data are
missing and what to collect, and the community map is drawn from the roster alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import pandas as pd

from cs360lib.config.engagement import Engagement
from cs360lib.data.loaders import LoadResult
from cs360lib.data.schemas import SECTORS, schema_for
from cs360lib.publish.display import current_context
from cs360lib.publish.results import Counts, Result, is_shown, say_count
from cs360lib.publish.tables import PresentationTable, presentation_table
from cs360lib.steps.scanning._common import RESPONSE_ID, SECTOR_LABELS, hbar
from cs360lib.steps.scanning.agreement import Agreement, agreement, krippendorff_alpha
from cs360lib.steps.scanning.codebook import Codebook, load_codebook
from cs360lib.steps.scanning.coding import Coding, code_responses
from cs360lib.steps.scanning.inventory import DataInventory, data_inventory
from cs360lib.steps.scanning.sheet import read_coding_sheet, write_coding_sheet
from cs360lib.steps.scanning.synthesis import Synthesis, side_counts, synthesize
from cs360lib.steps.scanning.themes import EmergentThemes, emergent_themes
from cs360lib.steps.stakeholders import (
    CommunityMap,
    Composition,
    community_map,
    composition_check,
)

__all__ = [
    "CodingSheet",
    "ConcernCounts",
    "Interviewed",
    "Quotes",
    "ScanningData",
    "check_coding",
    "community",
    "composition",
    "concerns",
    "data_held",
    "interviewed",
    "quotes",
    "scanning_data",
    "uncovered_themes",
]

INTERNAL = "department"
"""The internal sector; the other three are external partners."""

TO_COLLECT = (
    "No scanning interviews were loaded. Interview stakeholders inside and outside the "
    "department (department, other law enforcement, government, community) about the four "
    "CS360 themes: public safety concerns, police-community relationships, data they hold, "
    "and areas for improvement; add the answers as an interviews source of the engagement "
    "(one row per answer, a form-tool export through a mapping with unpivot, or one Word "
    "file per interview: see docs/scanning.md)."
)
"""What a section says when the engagement has no interviews."""


@dataclass(frozen=True)
class ScanningData:
    """What the sections of the scanning step read, gathered once.

    Attributes
    ----------
    engagement : Engagement
        The engagement.
    codebook : Codebook
        The engagement's codebook (``scanning.codebook``) or the shipped default.
    coding : Coding or None
        Every interview answer coded, the first returned coding sheet applied; None
        without interviews.
    automatic : Coding or None
        The codebook's own codes, before any coding sheet.
    sheets : dict of str to pandas.DataFrame
        Manual codes of each returned coding sheet, by coder (``coder 1``, ...).
    roster : pandas.DataFrame or None
        The stakeholder roster; None without one.
    teams : dict of str to str
        Team display names (the engagement's ``teams``).
    """

    engagement: Engagement
    codebook: Codebook
    coding: Coding | None
    automatic: Coding | None
    sheets: dict[str, pd.DataFrame]
    roster: pd.DataFrame | None
    teams: dict[str, str] = field(default_factory=dict)

    @property
    def concern_theme(self) -> str:
        """The theme whose answers count as concerns raised."""
        return self.engagement.scanning.concern_theme


def _first_of_kind(sources: Mapping[str, LoadResult], kind: str) -> pd.DataFrame | None:
    for result in sources.values():
        if result.kind == kind and len(result.data):
            return result.data
    return None


def scanning_data(engagement: Engagement, sources: Mapping[str, LoadResult]) -> ScanningData:
    """Code an engagement's interviews and gather the roster, for the scanning sections.

    Parameters
    ----------
    engagement : Engagement
        The engagement (its ``scanning`` and ``teams`` settings are used).
    sources : mapping of str to LoadResult
        Its loaded sources (``cs.load_engagement``); the first non-empty ``interviews`` and
        ``stakeholders`` sources are used.

    Returns
    -------
    ScanningData
        The coding (manual codes of the first returned sheet applied), each sheet's codes,
        the roster.

    Raises
    ------
    CodebookError
        If the engagement's codebook or a returned coding sheet is invalid (the message
        names the file).
    """
    settings = engagement.scanning
    book = load_codebook(settings.codebook)
    interviews = _first_of_kind(sources, "interviews")
    automatic = code_responses(interviews, book) if interviews is not None else None
    sheets = {
        f"coder {i + 1}": read_coding_sheet(path, book)
        for i, path in enumerate(settings.coding_sheets)
    }
    coding = automatic
    if automatic is not None and sheets:
        coding = automatic.with_manual(next(iter(sheets.values())))
    return ScanningData(
        engagement=engagement,
        codebook=book,
        coding=coding,
        automatic=automatic,
        sheets=sheets,
        roster=_first_of_kind(sources, "stakeholders"),
        teams=dict(engagement.teams),
    )


def _table_without_ids(result: Result) -> PresentationTable:
    """Return a result's table (published numbers on a copy) without concern or sector ids."""
    if result.publication is not None:
        frame, notes = result.publication.shown, result.publication.notes
    else:
        frame, notes = result.to_frame(), ()
    frame = frame.drop(columns=[c for c in ("concern", "sector", "side") if c in frame.columns])
    return presentation_table(frame.reset_index(drop=True), labels=result.labels, notes=notes)


def _bars(frame: pd.DataFrame, *, value: str, title: str) -> alt.Chart:
    """Bars of one count per label; a hidden count (missing on a published copy) has no bar."""
    return hbar(
        frame.dropna(subset=[value]), label="label", value=value, title=title,
        tooltip=["label", value],
    )  # fmt: skip


@dataclass(frozen=True)
class _Section(Result):
    """A section's result whose numbers are one frame (published copies replace it)."""

    frame: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """Return the section's numbers (``frame``)."""
        return self.frame.copy()

    def table(self) -> PresentationTable:
        """Return the table by label, without ids (published numbers on a published copy)."""
        return _table_without_ids(self)


# ------------------------------------------------------------------------ who was interviewed


@dataclass(frozen=True)
class Interviewed(_Section):
    """Who was interviewed, by sector, against the stakeholder roster.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per sector (the four CS360 sectors, then ``(other)`` when some answers name
        another): ``sector``, ``side`` (``department`` or ``outside``: every other sector),
        ``label``, ``on_roster`` (partners on the roster), ``interviewed`` (distinct
        stakeholders interviewed), ``answers``.
    """

    labels = {
        "label": "Sector",
        "on_roster": "On the community map",
        "interviewed": "Stakeholders interviewed",
        "answers": "Answers",
    }
    # partners on the community map are published as the map publishes them (it names every
    # one): recounting them is not a count of people (docs/privacy.md, counts of
    # organisations); who was interviewed, and their answers, are
    count_columns = (
        # the stakeholders interviewed outside the department are published too (the priority
        # worksheet's community concern is a share of them): that subtotal is known to readers
        Counts(("interviewed",), by=("side", "sector")),
        Counts(("answers",), by=("sector",)),
    )
    privacy = {"label": "public"}

    def summary(self) -> str:
        """Say how many stakeholders were interviewed, from which sectors.

        Returns
        -------
        str
            The total, each sector, and the sectors nobody was interviewed in.
        """
        f = self.frame
        if not len(f) or self.total("interviewed") == "0":
            return "\n".join([TO_COLLECT, *self.warning_lines()])
        lines = [
            f"{say_count(self.total('interviewed'))} stakeholders were interviewed, giving "
            f"{say_count(self.total('answers'))} answers:"
        ]
        for i, r in enumerate(f.itertuples()):
            lines.append(
                f"- {r.label}: {say_count(self.shown('interviewed', i))} stakeholders "
                f"interviewed; {say_count(self.shown('on_roster', i))} partners on the "
                "community map."
            )
        none = [r.label.lower() for r in f.itertuples() if is_shown(r.interviewed) and
                r.interviewed == 0 and r.sector in SECTORS]  # fmt: skip
        if none:
            lines.append(
                f"Nobody was interviewed in: {', '.join(none)}. CS360 asks for every sector."
            )
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Bar chart of the stakeholders interviewed per sector (hidden counts: no bar)."""
        return _bars(self.frame, value="interviewed", title="Stakeholders interviewed, by sector")


def interviewed(scan: ScanningData) -> Interviewed:
    """Count the stakeholders interviewed by sector, against the roster.

    Parameters
    ----------
    scan : ScanningData
        From :func:`scanning_data`.

    Returns
    -------
    Interviewed
        Without interviews, its summary says what to collect.
    """
    answers = (
        pd.concat([scan.coding.responses.reset_index(), scan.coding.skipped], ignore_index=True)
        if scan.coding is not None
        else pd.DataFrame(columns=["stakeholder_id", "sector", "interview_id"])
    )
    if "stakeholder_id" not in answers:
        answers["stakeholder_id"] = answers.get("interview_id", answers.index.astype(str))
    answers["sector"] = answers.get("sector", pd.Series("(other)", index=answers.index))
    sector = answers["sector"].astype("string").fillna("(other)").astype(str)
    sector = sector.where(sector.isin(SECTORS), "(other)")
    people = answers.assign(sector=sector).drop_duplicates("stakeholder_id")
    roster = scan.roster if scan.roster is not None else pd.DataFrame(columns=["sector"])
    on_roster = roster["sector"].astype("string").fillna("(other)").astype(str)
    on_roster = on_roster.where(on_roster.isin(SECTORS), "(other)")
    rows = [*SECTORS, *(["(other)"] if (sector == "(other)").any() else [])]
    frame = pd.DataFrame(
        {
            "sector": rows,
            "side": ["department" if s == INTERNAL else "outside" for s in rows],
            "label": [SECTOR_LABELS.get(s, "Other or not recorded") for s in rows],
            "on_roster": [int((on_roster == s).sum()) for s in rows],
            "interviewed": [int((people["sector"] == s).sum()) for s in rows],
            "answers": [int((sector == s).sum()) for s in rows],
        }
    )
    warnings = [] if scan.coding is not None else ["No interviews: scanning data are missing."]
    return Interviewed(frame=frame, warnings=warnings)


def community(scan: ScanningData) -> CommunityMap:
    """Draw the community map from the engagement's roster and team names.

    Parameters
    ----------
    scan : ScanningData
        From :func:`scanning_data`.

    Returns
    -------
    CommunityMap
        Empty, with a warning saying what to collect, without a roster.
    """
    return community_map(_roster(scan), teams=scan.teams)


def composition(scan: ScanningData) -> Composition:
    """Hold each team of the roster against the recommended CS360 composition.

    Parameters
    ----------
    scan : ScanningData
        From :func:`scanning_data`.

    Returns
    -------
    Composition
        Missing roles and sectors per team, and teams without an external member.
    """
    return composition_check(_roster(scan), teams=scan.teams)


def _roster(scan: ScanningData) -> pd.DataFrame:
    if scan.roster is not None:
        return scan.roster
    return pd.DataFrame(columns=list(schema_for("stakeholders").to_schema().columns))


# ------------------------------------------------------------------------------ concerns


@dataclass(frozen=True)
class ConcernCounts(_Section):
    """Concerns raised, counted once per stakeholder, inside and outside the department.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per concern raised by at least one stakeholder, most raised first:
        ``concern``, ``label``, ``stakeholders`` (distinct stakeholders who raised it under
        the concern theme), ``internal`` (of them, in the department), ``external``
        (outside it).
    interviewed : int
        Distinct stakeholders interviewed (all sectors), the denominator of the shares.
    """

    interviewed: int = 0
    labels = {
        "label": "Concern",
        "stakeholders": "Stakeholders who raised it",
        "internal": "Department",
        "external": "External partners",
    }
    count_columns = (side_counts("concern"),)

    def _share(self, row: int) -> str:
        value = self.frame["stakeholders"].iloc[row]
        if not is_shown(value) or not self.interviewed:
            return ""
        return f" ({100 * float(value) / self.interviewed:.0f}% of those interviewed)"

    def summary(self) -> str:
        """Name the concerns raised by the most stakeholders, and where the groups differ.

        Returns
        -------
        str
            The top concerns with their counts (as published) and shares, the concerns
            raised only outside the department, or only inside it.
        """
        f = self.frame
        if not self.interviewed:
            return "\n".join([TO_COLLECT, *self.warning_lines()])
        if not len(f):
            lines = [
                f"{self.interviewed} stakeholders were interviewed; no concern of the codebook "
                "was raised."
            ]
            return "\n".join([*lines, *self.warning_lines()])
        lines = [
            f"Each concern is counted once per stakeholder who raised it, out of the "
            f"{self.interviewed} stakeholders interviewed. Raised by the most:"
        ]
        for i in range(min(3, len(f))):
            lines.append(
                f"- {f['label'].iloc[i]}: {say_count(self.shown('stakeholders', i))} "
                f"stakeholders{self._share(i)}."
            )
        only_external = [
            r.label for r in f.itertuples() if is_shown(r.internal) and r.internal == 0
        ]
        only_internal = [
            r.label for r in f.itertuples() if is_shown(r.external) and r.external == 0
        ]
        if only_external:
            lines.append(
                "Raised outside the department but not inside it: " + ", ".join(only_external) + "."
            )
        if only_internal:
            lines.append(
                "Raised inside the department but by no partner outside it: "
                + ", ".join(only_internal)
                + "."
            )
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Bar chart of the stakeholders raising each concern (hidden counts: no bar)."""
        return _bars(self.frame, value="stakeholders", title="Stakeholders raising each concern")


def concerns(scan: ScanningData) -> ConcernCounts:
    """Count the concerns raised by distinct stakeholders under the concern theme.

    Parameters
    ----------
    scan : ScanningData
        From :func:`scanning_data`.

    Returns
    -------
    ConcernCounts
        Counted with :func:`~.synthesis.synthesize`; its warnings are kept.
    """
    columns = ["concern", "label", "stakeholders", "internal", "external"]
    if scan.coding is None:
        return ConcernCounts(frame=pd.DataFrame(columns=columns), warnings=[TO_COLLECT])
    synthesis = _synthesis(scan)
    c = synthesis.concerns
    c = c[c["stakeholders"] > 0]
    frame = c[columns].astype({k: int for k in columns[2:]}).reset_index(drop=True)
    return ConcernCounts(
        frame=frame, interviewed=synthesis.total_interviewed, warnings=list(synthesis.warnings)
    )


def _synthesis(scan: ScanningData) -> Synthesis:
    assert scan.coding is not None  # noqa: S101 - callers check
    return synthesize(scan.coding, scrub=_scrub, concern_theme=scan.concern_theme)


def _scrub(text: str) -> str:
    """Scrub a quote with the notebook's scrubber (the engagement's known names included)."""
    return current_context().scrubber().scrub(text)


# ------------------------------------------------------------------------ checking the coding


@dataclass(frozen=True)
class CodingSheet(_Section):
    """The coding sheet a person fills in to check the codebook, concern by concern.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per concern the codebook found: ``concern``, ``label``, ``coded``
        (answers the codebook coded with it), ``negated`` (mentions set aside as negated,
        for the coder to check).
    responses : int
        Answers in the sheet.
    path : Path or None
        Where the sheet was written; None when it was not.
    """

    responses: int = 0
    path: Path | None = None
    labels = {
        "label": "Concern",
        "coded": "Answers coded",
        "negated": "Mentions set aside as negated",
    }
    count_columns = (
        Counts(("coded",), by=("concern",), totals=()),
        Counts(("negated",), by=("concern",), totals=()),
    )
    privacy = {"path": "internal"}

    def summary(self) -> str:
        """Say that nobody has checked the codes yet, and how to.

        Returns
        -------
        str
            What the sheet holds and the steps to have it checked.
        """
        if not self.responses:
            return "\n".join([TO_COLLECT, *self.warning_lines()])
        where = (
            f"It was written to {self.path.name}."
            if self.path is not None
            else "The analyst writes it with this notebook's coding-sheet parameter (the path "
            "of an Excel file)."
        )
        lines = [
            "Nobody has checked the codebook's codes yet. The coding sheet lists every answer "
            "with the codes proposed and the words that triggered them, one yes/no column per "
            f"concern. {where}",
            "A person reads each answer, changes the codes they disagree with, and returns the "
            "sheet; list it with the coding sheets in the scanning part of the engagement "
            "file, and run this notebook again: their codes then replace the codebook's, and "
            "the agreement between them (Cohen's kappa) is shown here.",
        ]
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Bar chart of the answers coded per concern (hidden counts: no bar)."""
        return _bars(self.frame, value="coded", title="Answers the codebook coded, per concern")


def check_coding(scan: ScanningData, sheet: str | Path | None = None) -> Agreement | CodingSheet:
    """Measure the agreement with the returned coding sheets, or prepare the sheet to export.

    Parameters
    ----------
    scan : ScanningData
        From :func:`scanning_data`.
    sheet : str or Path, optional
        Where to write the coding sheet when none has been returned (``.xlsx``); nothing is
        written when None or empty.

    Returns
    -------
    Agreement or CodingSheet
        With one returned sheet: Cohen's kappa between the codebook and the coder (the
        codebook's codes before the sheet). With two or more: Krippendorff's alpha between
        the codebook and every coder. Without any: the coding sheet to export.
    """
    if scan.automatic is not None and scan.sheets:
        if len(scan.sheets) == 1:
            ((name, codes),) = scan.sheets.items()
            return agreement(scan.automatic.codes, codes, names=("codebook", name))
        return krippendorff_alpha({"codebook": scan.automatic.codes, **scan.sheets})
    columns = ["concern", "label", "coded", "negated"]
    if scan.coding is None:
        return CodingSheet(frame=pd.DataFrame(columns=columns), warnings=[TO_COLLECT])
    coding = scan.coding
    negated = coding.evidence[coding.evidence["status"] == "negated"]
    per = negated.drop_duplicates([RESPONSE_ID, "concern"]).groupby("concern").size()
    coded = coding.codes.sum()
    ids = [c for c in coding.codebook.ids if coded.get(c, 0) or per.get(c, 0)]
    frame = pd.DataFrame(
        {
            "concern": ids,
            "label": [coding.codebook.labels[c] for c in ids],
            "coded": [int(coded.get(c, 0)) for c in ids],
            "negated": [int(per.get(c, 0)) for c in ids],
        },
        columns=columns,
    )
    path = write_coding_sheet(coding, sheet) if sheet else None
    return CodingSheet(frame=frame, responses=len(coding.responses), path=path)


# --------------------------------------------------------------------- what the codebook misses


def uncovered_themes(scan: ScanningData, *, seed: int = 0) -> EmergentThemes:
    """Cluster the concern-theme answers no concern covers, on scrubbed text.

    The answers are scrubbed (names, phones, e-mails, addresses removed) before they are
    clustered, so that neither the top terms nor the examples carry personal data.

    Parameters
    ----------
    scan : ScanningData
        From :func:`scanning_data`.
    seed : int, default 0
        Seed of the clustering (:func:`~.themes.emergent_themes`).

    Returns
    -------
    EmergentThemes
        Candidate themes; without interviews, empty with a warning saying what to collect.
    """
    if scan.coding is None:
        empty = emergent_themes(pd.DataFrame({"response": pd.Series([], dtype=object)}))
        return dataclasses.replace(empty, warnings=[TO_COLLECT])
    coding = scan.coding
    uncovered = coding.uncovered()
    if "theme" in uncovered:
        uncovered = uncovered[uncovered["theme"].astype(str) == scan.concern_theme]
    scrubber = current_context().scrubber()
    text = scrubber.scrub_series(uncovered["response"].astype(object))
    scrubbed = uncovered.assign(response=text)
    themed = emergent_themes(scrubbed, seed=seed)
    n = len(coding.responses)
    if "theme" in coding.responses:
        n = int((coding.responses["theme"].astype(str) == scan.concern_theme).sum())
    return dataclasses.replace(themed, uncovered=len(scrubbed), coded=n)


# ------------------------------------------------------------------------------ quotes


@dataclass(frozen=True)
class Quotes(_Section):
    """Representative quotes per concern, scrubbed, attributed to a role and a sector.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``concern``, ``label``, ``quote`` (scrubbed; free text, scrubbed again and left out
        of stakeholder reports when ``publishing.quotes`` is false), ``attribution`` (role
        and sector; analyst report only: a role held by one person, such as a deputy mayor,
        names that person), ``sector`` (published).
    """

    labels = {"label": "Concern", "quote": "Quote", "attribution": "Who", "sector": "Sector"}
    count_columns = ()
    privacy = {"quote": "text", "label": "public", "attribution": "internal", "sector": "public"}

    def summary(self) -> str:
        """Say where the quotes come from and how they were protected.

        Returns
        -------
        str
            One sentence, or why there are none.
        """
        shown = self.frame["quote"].notna().any() if len(self.frame) else False
        if not len(self.frame):
            lines = ["No quote to show: no answer was coded with a concern."]
        elif not shown:
            lines = [
                "The quotes are not published in this report (the engagement's publishing "
                "rules say quotes: false); they are in the analyst report."
            ]
        else:
            lines = [
                "Up to two answers per concern, from different stakeholders and sectors where "
                "possible, in their own words. Names, phone numbers, e-mails and exact "
                "addresses were removed; each quote names the speaker's sector, never a person "
                "(the analyst report also gives the role)."
            ]
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Bar chart of the quotes by the sector of the speaker: whose voices are heard."""
        data = (
            self.frame["sector"]
            .fillna("not recorded")
            .where(self.frame["quote"].notna())
            .dropna()
            .value_counts()
            .rename_axis("sector")
            .reset_index(name="quotes")
        )
        return hbar(
            data,
            label="sector",
            value="quotes",
            title="Quotes by the sector of the speaker",
            tooltip=["sector", "quotes"],
        )


def quotes(scan: ScanningData) -> Quotes:
    """Pick up to two scrubbed quotes per concern raised.

    Parameters
    ----------
    scan : ScanningData
        From :func:`scanning_data`.

    Returns
    -------
    Quotes
        Scrubbed by the privacy module's scrubber with the engagement's known names (a
        quote the scrubber cannot handle is withheld and left out).
    """
    columns = ["concern", "label", "quote", "attribution"]
    if scan.coding is None:
        empty = pd.DataFrame(columns=[*columns, "sector"])
        return Quotes(frame=empty, warnings=[TO_COLLECT])
    synthesis = _synthesis(scan)
    q = synthesis.quotes
    frame = q.loc[q["published"], columns].reset_index(drop=True)
    sector = frame["attribution"].astype(str).str.extract(r"\(([^()]*)\)\s*$")[0]
    frame["sector"] = sector.str.capitalize()
    withheld = [w for w in synthesis.warnings if "quote" in w.lower()]
    return Quotes(frame=frame, warnings=withheld)


# ------------------------------------------------------------------------------ data held


def data_held(scan: ScanningData) -> DataInventory:
    """List who holds which data, from the roster and the "data available" answers.

    Parameters
    ----------
    scan : ScanningData
        From :func:`scanning_data`.

    Returns
    -------
    DataInventory
        See :func:`~.inventory.data_inventory`.
    """
    return data_inventory(scan.roster, scan.coding)
