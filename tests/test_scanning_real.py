"""The scanning step on real text (../shared/data/real, skipped when absent).

- ``tnt_dorchester_focus_groups``: 374 focus-group excerpts coded by one person with the
  study's own codes. The codebook ``fixtures/real/tnt_codebook.yml`` was written from the
  code names and a first look at eight excerpts, before any comparison (docs/scanning.md);
  the figures below are regression guards recorded in docs/scanning.md, not targets.
- ``nyc_cb_budget_requests``: community boards' requests to the NYPD, coded with the
  default codebook; the share coded is reported.

Run with ``-s`` to print the tables recorded in docs/scanning.md. Quotes are never
printed: no real person's words or names leave this test.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cs360lib.steps.scanning import (
    agreement,
    code_responses,
    emergent_themes,
    synthesize,
)
from cs360lib.steps.scanning.synthesis import WITHHELD

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
TNT = REAL / "tnt_dorchester_focus_groups" / "tnt_coded_segments.csv"
NYC = REAL / "nyc_cb_budget_requests"
CODEBOOK = Path(__file__).resolve().parent / "fixtures" / "real" / "tnt_codebook.yml"

pytestmark = pytest.mark.real


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is absent (shared real data not available)")


@pytest.fixture(scope="module")
def tnt():
    _need(TNT)
    raw = pd.read_csv(TNT, dtype=str, keep_default_na=False)
    frame = pd.DataFrame(
        {
            "response_id": raw["source_file"] + "#" + raw["segment_no"],
            "interview_id": raw["source_file"],
            "stakeholder_id": raw["source_file"],  # each focus group is one voice
            "sector": "community",
            "role": "focus group participant",
            "theme": "public_safety_concerns",
            "response": raw["text"],
        }
    )
    coding = code_responses(frame, CODEBOOK)
    human = pd.DataFrame(
        {
            cid: [
                cid.replace("_", " ") in {c.strip() for c in codes.split(";")}
                for codes in raw["codes"]
            ]
            for cid in coding.codebook.ids
        },
        index=frame["response_id"],
    )
    return raw, coding, human


def _mask_capitalised(text: str) -> str:
    """Conservative stand-in scrubber: every capitalised word not opening a sentence."""
    return re.sub(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z'\u2019]+\b", "[name]", text)


def test_tnt_every_excerpt_is_coded_and_agreement_is_reported(tnt):
    raw, coding, human = tnt
    assert len(raw) == 374
    assert len(coding.responses) + len(coding.skipped) == 374
    result = agreement(coding, human, names=("codebook", "human coder"))
    table = result.to_frame().set_index("concern")
    assert (table.drop(index="(all concerns)")["responses"] == len(coding.responses)).all()
    assert table.loc["(all concerns)", "responses"] == len(coding.responses) * 14
    # regression guards for the figures in docs/scanning.md (codebook not fitted)
    assert table.loc["media", "statistic"] > 0.5
    assert table.loc["violence", "statistic"] > 0.3
    assert 0.25 < result.overall < 0.5
    print("\n" + result.table().data.to_string(index=False))
    print(coding.summary())


def test_tnt_emergent_themes_of_what_stays_uncoded(tnt):
    _, coding, _ = tnt
    themes = emergent_themes(coding, seed=0)
    again = emergent_themes(coding, seed=0)
    pd.testing.assert_frame_equal(themes.to_frame(), again.to_frame())
    assert themes.uncovered == len(coding.uncovered()) > 0
    assert len(themes.themes) >= 2
    print("\n" + themes.to_frame()[["theme", "top_terms", "responses"]].to_string(index=False))


def test_tnt_quotes_are_never_published_unscrubbed(tnt):
    _, coding, _ = tnt
    withheld = synthesize(coding)
    assert (withheld.quotes["quote"] == WITHHELD).all()
    masked = synthesize(coding, scrub=_mask_capitalised)
    published = masked.quotes[masked.quotes["published"]]
    assert len(published) > 0
    for quote in published["quote"]:
        words = re.findall(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+\b", quote)
        assert not words, "a capitalised word (possible name) survived the scrubber"
    # attribution is a role and a sector, never a name
    assert set(published["attribution"]) == {"focus group participant (community)"}


@pytest.mark.parametrize(
    ("file", "agency_column", "low"),
    [
        ("cbbr_fy2024_export.csv", "agency_acronym", 0.8),
        ("cbbr_fy2022_submissions.csv", "agencyacro", 0.75),
    ],
)
def test_nyc_requests_to_nypd_with_default_codebook(file, agency_column, low):
    _need(NYC / file)
    raw = pd.read_csv(NYC / file, dtype=str, keep_default_na=False)
    nypd = raw[raw[agency_column] == "NYPD"]
    coding = code_responses(nypd["explanation"].rename("response").reset_index(drop=True))
    covered = coding.codes.any(axis=1).mean()
    assert covered > low
    top = coding.counts().head(2)["concern"].tolist()
    assert top == ["police_visibility", "traffic_safety"]
    # the boards' own menu choice as a rough check of police visibility and staffing
    menu = nypd["request"].str.contains(r"officer|precinct|staff", case=False).to_numpy()
    rough = agreement(
        coding.codes[["police_visibility"]],
        pd.DataFrame({"police_visibility": menu}, index=coding.codes.index),
        names=("codebook", "board's menu choice"),
    )
    assert np.isfinite(rough.overall)
    print(
        f"\n{file}: {len(nypd)} NYPD requests, {covered:.1%} coded; "
        f"police visibility vs menu kappa {rough.overall:.2f}"
    )
    print(coding.counts().head(6).to_string(index=False))
    print(emergent_themes(coding).summary())
