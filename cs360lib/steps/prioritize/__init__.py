"""Prioritization (CS360 step 2): the public safety priority worksheet.

One module per concern:

- :mod:`.harm`: harm-weight tables (the shipped default from the US Sentencing Guidelines,
  after the Cambridge Crime Harm Index) -> :class:`HarmTable`;
- :mod:`.evidence`: what the data say about one measure over a 12-month window (frequency,
  harm, trend with the exact Poisson test, concentration) -> :class:`EventFacts`;
- :mod:`.partners`: what the scanning step says (community concern, partners with levers,
  data holders) -> :class:`Scanning`;
- :mod:`.candidates`: candidate problems from the interviews, the data, partner metrics and the
  engagement file -> :class:`CandidateList`;
- :mod:`.criteria`: the seven criteria, each with its formula -> :class:`Criteria`;
- :mod:`.cheers`: the CHEERS gate (Clarke and Eck) -> :class:`Cheers`;
- :mod:`.scoring`: normalisation, weights, ranking and contributions -> :class:`Scores`;
- :mod:`.sensitivity`: Dirichlet weight perturbation and the swap threshold ->
  :class:`Sensitivity`;
- :mod:`.excel`: the Excel workbook whose scores are formulas of the weights;
- :mod:`.sliders`: weight sliders for the meeting, with a static equivalent;
- :mod:`.worksheet`: everything in one call -> :class:`Worksheet`.
"""

from cs360lib.steps.prioritize.candidates import Candidate, CandidateList, find_candidates
from cs360lib.steps.prioritize.cheers import ELEMENTS, Cheers, cheers
from cs360lib.steps.prioritize.criteria import (
    CRITERION_DOCS,
    Criteria,
    compute_criteria,
    frequency_value,
)
from cs360lib.steps.prioritize.evidence import EventFacts, Window, event_facts, trend_test
from cs360lib.steps.prioritize.harm import HarmTable, HarmWeights, guideline_days, load_harm_table
from cs360lib.steps.prioritize.partners import Scanning, scanning_input
from cs360lib.steps.prioritize.scoring import Scores, normalise, score, score_table
from cs360lib.steps.prioritize.sensitivity import Sensitivity, sensitivity, swap_thresholds
from cs360lib.steps.prioritize.sliders import weight_sliders
from cs360lib.steps.prioritize.worksheet import Worksheet, worksheet

__all__ = [
    "CRITERION_DOCS",
    "ELEMENTS",
    "Candidate",
    "CandidateList",
    "Cheers",
    "Criteria",
    "EventFacts",
    "HarmTable",
    "HarmWeights",
    "Scanning",
    "Scores",
    "Sensitivity",
    "Window",
    "Worksheet",
    "cheers",
    "compute_criteria",
    "event_facts",
    "find_candidates",
    "frequency_value",
    "guideline_days",
    "load_harm_table",
    "normalise",
    "scanning_input",
    "score",
    "score_table",
    "sensitivity",
    "swap_thresholds",
    "trend_test",
    "weight_sliders",
    "worksheet",
]
