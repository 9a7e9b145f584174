"""Scanning (CS360 step 1): code interview responses, check the coding, synthesise.

One module per concern:

- :mod:`.codebook`: codebooks as validated YAML (shipped ``default`` and ``data``);
- :mod:`.patterns`, :mod:`.negation`, :mod:`.language`: phrase inflections, NegEx-style
  negation, the English check;
- :mod:`.coding`: :func:`code_responses` -> :class:`Coding`;
- :mod:`.sheet`: the Excel coding sheet for human coders, read back;
- :mod:`.agreement`: Cohen's kappa and Krippendorff's alpha;
- :mod:`.themes`: emergent themes among uncovered responses;
- :mod:`.synthesis`: concerns by distinct stakeholder and sector, divergence, quotes;
- :mod:`.inventory`: who holds which data;
- :mod:`.step`: the step for one engagement, section by section (notebook 01).

The community map and the team composition check are in
:mod:`cs360lib.steps.stakeholders`.
"""

from cs360lib.steps.scanning.agreement import Agreement, agreement, krippendorff_alpha
from cs360lib.steps.scanning.codebook import (
    Codebook,
    Concern,
    Measure,
    data_codebook,
    default_codebook,
    load_codebook,
    shipped_codebooks,
)
from cs360lib.steps.scanning.coding import Coding, code_responses
from cs360lib.steps.scanning.inventory import DataInventory, data_inventory
from cs360lib.steps.scanning.language import looks_english
from cs360lib.steps.scanning.negation import is_negated
from cs360lib.steps.scanning.sheet import (
    apply_coding_sheet,
    read_coding_sheet,
    write_coding_sheet,
)
from cs360lib.steps.scanning.step import (
    CodingSheet,
    ConcernCounts,
    Interviewed,
    Quotes,
    ScanningData,
    check_coding,
    community,
    composition,
    concerns,
    data_held,
    interviewed,
    quotes,
    scanning_data,
    uncovered_themes,
)
from cs360lib.steps.scanning.synthesis import Synthesis, side_counts, synthesize
from cs360lib.steps.scanning.themes import EmergentThemes, emergent_themes

__all__ = [
    "Agreement",
    "Codebook",
    "Coding",
    "CodingSheet",
    "Concern",
    "ConcernCounts",
    "DataInventory",
    "EmergentThemes",
    "Interviewed",
    "Measure",
    "Quotes",
    "ScanningData",
    "Synthesis",
    "agreement",
    "apply_coding_sheet",
    "check_coding",
    "code_responses",
    "community",
    "composition",
    "concerns",
    "data_codebook",
    "data_held",
    "data_inventory",
    "default_codebook",
    "emergent_themes",
    "interviewed",
    "is_negated",
    "krippendorff_alpha",
    "load_codebook",
    "looks_english",
    "quotes",
    "side_counts",
    "read_coding_sheet",
    "scanning_data",
    "shipped_codebooks",
    "synthesize",
    "uncovered_themes",
    "write_coding_sheet",
]
