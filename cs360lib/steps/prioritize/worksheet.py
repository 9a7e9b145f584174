"""The public safety priority worksheet in one call: candidates to a ranked, tested choice.

:func:`worksheet` runs every part for an engagement (the notebook ``02_prioritization`` shows
one part per section):

1. :attr:`Worksheet.candidates`: candidate problems and their evidence (:mod:`.candidates`);
2. :attr:`Worksheet.harm`: the harm weights used (:mod:`.harm`);
3. :attr:`Worksheet.criteria`: the seven criteria, each from data (:mod:`.criteria`);
4. :attr:`Worksheet.cheers`: the CHEERS gate (:mod:`.cheers`);
5. :attr:`Worksheet.scores`: ranking with each criterion's contribution (:mod:`.scoring`);
6. :attr:`Worksheet.sensitivity`: weight perturbation and swap threshold (:mod:`.sensitivity`);
7. :meth:`Worksheet.sliders` for the meeting, :meth:`Worksheet.to_excel` for Excel and
   :meth:`Worksheet.write_excel` for the Advisory Team's copy beside the notebook's reports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cs360lib.config.engagement import Engagement
from cs360lib.config.prioritization import Prioritization
from cs360lib.data.loaders import LoadResult, load_engagement
from cs360lib.errors import PrioritizationError
from cs360lib.steps.prioritize.candidates import CandidateList, find_candidates
from cs360lib.steps.prioritize.cheers import Cheers, cheers
from cs360lib.steps.prioritize.criteria import Criteria, compute_criteria
from cs360lib.steps.prioritize.excel import SHEETS, write_workbook
from cs360lib.steps.prioritize.harm import HarmWeights, load_harm_table
from cs360lib.steps.prioritize.partners import Scanning, scanning_input
from cs360lib.steps.prioritize.scoring import Scores, score
from cs360lib.steps.prioritize.sensitivity import Sensitivity, sensitivity
from cs360lib.steps.prioritize.sliders import weight_sliders
from cs360lib.steps.scanning import Codebook, Coding

__all__ = ["WORKBOOK_NAME", "Worksheet", "worksheet"]

WORKBOOK_NAME = "02_prioritization_worksheet.xlsx"
"""File name of the Advisory Team's workbook (:meth:`Worksheet.write_excel`)."""


@dataclass(frozen=True)
class Worksheet:
    """Every part of the priority worksheet of one engagement.

    Attributes
    ----------
    title : str
        The engagement's name.
    settings : Prioritization
        The ``prioritization:`` section used (defaults when the file has none).
    candidates : CandidateList
    harm : HarmWeights
    criteria : Criteria
    cheers : Cheers
    scores : Scores
    sensitivity : Sensitivity
    """

    title: str
    settings: Prioritization
    candidates: CandidateList
    harm: HarmWeights
    criteria: Criteria
    cheers: Cheers
    scores: Scores
    sensitivity: Sensitivity

    def sliders(self, *, interactive: bool) -> Any:
        """Weight sliders that re-rank live, or the static ranking (see :mod:`.sliders`).

        Parameters
        ----------
        interactive : bool
            The notebook's ``interactive`` parameter.

        Returns
        -------
        ipywidgets.VBox or Scores
            The sliders in JupyterLab; :attr:`scores` (ranking table and contribution chart)
            for reports.
        """
        return weight_sliders(self.scores, interactive=interactive)

    def to_excel(self, path: str | Path, *, published: bool = False) -> Path:
        """Write the worksheet as an Excel workbook whose scores are formulas of the weights.

        Parameters
        ----------
        path : str or Path
            The ``.xlsx`` file.
        published : bool, default False
            True: the copy that follows the publishing rules registered for the kernel
            (small counts hidden, evidence and raw values left out; :mod:`.excel`). False:
            the department's internal workbook, with every count.

        Returns
        -------
        Path
            The file written.
        """
        return write_workbook(
            path,
            title=self.title,
            candidates=self.candidates,
            cheers=self.cheers,
            criteria=self.criteria,
            harm_table=self.harm.harm_table,
            scores=self.scores,
            sensitivity=self.sensitivity,
            published=published,
        )

    def write_excel(self, folder: str | Path, *, name: str = WORKBOOK_NAME) -> str:
        """Write the Advisory Team's workbook into a folder and say where it is.

        The workbook is the published copy (:meth:`to_excel` with ``published=True``): it may
        leave the department like the stakeholder report. Under ``cs360 run`` the notebook's
        ``output_dir`` is the run folder, so the file sits beside the reports.

        Parameters
        ----------
        folder : str or Path
            Output folder (created if needed); a relative folder is relative to the current
            directory (the notebook's folder).
        name : str, default :data:`WORKBOOK_NAME`
            File name.

        Returns
        -------
        str
            Markdown for the notebook: the file's name (relative to ``folder``, never an
            absolute path of the machine that ran it), its sheets and how to use it.

        Raises
        ------
        PrioritizationError
            If ``name`` is not a plain ``.xlsx`` file name.
        """
        if Path(name).name != name or not name.endswith(".xlsx"):
            raise PrioritizationError(
                f"the workbook's name must be a plain file name of an Excel workbook "
                f"(like {WORKBOOK_NAME}), got {name!r}"
            )
        self.to_excel(Path(folder) / name, published=True)
        ranked = len(self.scores.ranking())
        return (
            f"The worksheet for the Advisory Team was saved as **`{name}`** in the output folder "
            "(under `cs360 run`, the run folder: beside this report). "
            f"Its sheets: {', '.join(SHEETS)}. It ranks {ranked} candidates. "
            "Change a yellow weight cell on the *Weights* sheet and the *Scores* sheet "
            "recalculates the contributions, scores and ranks. It follows the publishing rules "
            "of this report: small counts are hidden and the evidence behind each candidate is "
            "left out."
        )

    def summary(self) -> str:
        """Say which problem the worksheet points to and how firmly.

        Returns
        -------
        str
            The ranking's first lines and the sensitivity's first line.
        """
        return "\n".join(
            [self.scores.summary().split("\n")[1], self.sensitivity.summary().split("\n")[0]]
        )


def worksheet(
    engagement: Engagement | str | Path,
    sources: Mapping[str, LoadResult] | None = None,
    *,
    weights: Mapping[str, float] | None = None,
    scanning: Scanning | None = None,
    codebook: Codebook | None = None,
    coding: Coding | None = None,
    scrub: Callable[[str], str] | None = None,
) -> Worksheet:
    """Build the public safety priority worksheet of an engagement.

    Parameters
    ----------
    engagement : Engagement, str or Path
        The engagement (or its file); its ``prioritization:`` section gives the population,
        window, weights, harm table, sensitivity settings and candidate edits.
    sources : mapping of str to LoadResult, optional
        Its loaded sources (``load_engagement``); loaded when not given.
    weights : mapping of str to float, optional
        Weights to use instead of the engagement's (criteria not named weigh 1).
    scanning : Scanning, optional
        Scanning results (:func:`.partners.scanning_input`); computed from the sources'
        interviews and roster with ``codebook`` (default: the shipped codebook) otherwise.
    codebook, coding : optional
        A department's own codebook, or interviews already coded (with manual codes).
    scrub : callable, optional
        The privacy scrubber, passed to the synthesis.

    Returns
    -------
    Worksheet

    Raises
    ------
    PrioritizationError
        For bad weights, a harm table that cannot be read, or an added candidate whose
        source did not load.
    EngagementError
        For an engagement file that does not validate.
    """
    eng = engagement if isinstance(engagement, Engagement) else Engagement.load(engagement)
    settings = eng.prioritization or Prioritization()
    if sources is None:
        sources = load_engagement(eng)
    chosen = settings.weights if weights is None else weights
    if not isinstance(chosen, Mapping):
        raise PrioritizationError(
            f"weights must be a mapping of criterion to weight, got {chosen!r}"
        )
    table = load_harm_table(settings.harm.table, weights=settings.harm.weights)
    scan = scanning or scanning_input(sources, codebook=codebook, coding=coding, scrub=scrub)
    found = find_candidates(sources, scan, settings=settings, harm_table=table)
    measured = compute_criteria(found, sources, population=settings.population)
    gate = cheers(measured)
    ranked = score(measured, weights=chosen, gate=gate)
    tested = sensitivity(
        ranked,
        concentration=settings.sensitivity.concentration,
        draws=settings.sensitivity.draws,
        seed=settings.sensitivity.seed,
    )
    return Worksheet(
        title=eng.name,
        settings=settings,
        candidates=found,
        harm=HarmWeights(table),
        criteria=measured,
        cheers=gate,
        scores=ranked,
        sensitivity=tested,
    )
