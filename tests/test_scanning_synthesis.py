import pandas as pd
import pytest

from cs360lib.steps.scanning.coding import code_responses
from cs360lib.steps.scanning.synthesis import WITHHELD, parse_rating, synthesize

ROWS = [
    # stakeholder, sector, role, theme, response
    ("S1", "department", "Crime analyst", "public_safety_concerns", "Robbery at the bus bays."),
    ("S1", "department", "Crime analyst", "public_safety_concerns", "More robbery at night."),
    ("S2", "department", "Patrol sergeant", "public_safety_concerns", "Speeding on Grand Ave."),
    ("S3", "community", "Pastor", "public_safety_concerns", "People get robbed after dark."),
    ("S4", "community", "Organizer", "public_safety_concerns", "Drug dealing at the corner."),
    ("S5", "government", "Epidemiologist", "public_safety_concerns", "Overdoses are rising."),
    ("S3", "community", "Pastor", "areas_for_improvement", "Meet with residents and report back."),
    ("S4", "community", "Organizer", "areas_for_improvement", "Report back to us."),
    ("S3", "community", "Pastor", "police_community_relations", "I would say 2 out of 5."),
    ("S1", "department", "Crime analyst", "police_community_relations", "Maybe 4/5 overall."),
    ("S6", "mayor", "Aide", "public_safety_concerns", "Robbery downtown."),
]


@pytest.fixture
def coding():
    frame = pd.DataFrame(ROWS, columns=["stakeholder_id", "sector", "role", "theme", "response"])
    frame.insert(0, "interview_id", "I-" + frame["stakeholder_id"])
    return code_responses(frame)


def test_counts_distinct_stakeholders_not_mentions(coding):
    s = synthesize(coding)
    c = s.concerns.set_index("concern")
    assert c.loc["robbery", "mentions"] == 4
    assert c.loc["robbery", "stakeholders"] == 3  # S1 twice counts once
    assert c.loc["robbery", "share"] == pytest.approx(3 / 6)
    # S6 has an unknown sector: counted in the total, neither internal nor external
    assert c.loc["robbery", "internal"] == 1 and c.loc["robbery", "external"] == 1
    assert c.loc["robbery", "community"] == 1 and c.loc["robbery", "department"] == 1
    assert s.top(1)["concern"].tolist() == ["robbery"]
    assert s.total_interviewed == 6


def test_divergence_between_department_and_community(coding):
    d = synthesize(coding).divergence.set_index("concern")
    assert d.loc["drug_markets", "raised_by"] == "community only"
    assert d.loc["traffic_safety", "raised_by"] == "department only"
    assert d.loc["robbery", "raised_by"] == "both"
    assert d.loc["robbery", "difference"] == pytest.approx(1 / 2 - 1 / 2)


def test_unknown_sector_is_reported_not_dropped(coding):
    s = synthesize(coding)
    assert any("'mayor'" in w for w in s.warnings)
    assert s.interviewed.set_index("sector").loc["(other)", "stakeholders"] == 1


def test_improvements_and_ratings(coding):
    s = synthesize(coding)
    imp = s.improvements.set_index("concern")
    assert imp.loc["communication", "stakeholders"] == 2
    r = s.ratings.set_index("sector")
    assert r.loc["all", "ratings"] == 2 and r.loc["all", "mean"] == pytest.approx(3.0)
    assert r.loc["community", "mean"] == pytest.approx(2.0)
    assert "Relationship rating: 3.0" in s.summary()


def test_quotes_are_withheld_without_a_scrubber(coding):
    s = synthesize(coding)
    assert len(s.quotes) and (s.quotes["quote"] == WITHHELD).all()
    assert not s.quotes["published"].any()
    assert s.quotes_table().data.empty
    assert any("withheld" in w for w in s.warnings)
    for text in coding.responses["response"]:
        assert text not in s.summary()


def test_quotes_pass_the_scrubber_and_are_attributed_to_role_and_sector(coding):
    s = synthesize(coding, scrub=lambda t: t.replace("bus bays", "[place]"))
    q = s.quotes[s.quotes["concern"] == "robbery"]
    assert q["published"].all()
    assert set(q["attribution"]) <= {
        "Crime analyst (department)",
        "Pastor (community)",
        "Aide (mayor)",
    }
    assert q["attribution"].nunique() == len(q)  # different stakeholders
    assert all("bus bays" not in t for t in q["quote"])


def test_failing_scrubber_withholds(coding):
    def broken(_):
        raise RuntimeError("model missing")

    s = synthesize(coding, scrub=broken)
    assert not s.quotes["published"].any()
    assert any("scrubber failed" in w for w in s.warnings)


def test_presentation_and_charts(coding):
    s = synthesize(coding)
    t = s.table().data
    assert list(t.columns) == [
        "Concern",
        "Stakeholders",
        "Share of those interviewed",
        "Department",
        "External partners",
    ]
    assert "nan" not in t.to_string().lower()
    s.chart().to_dict()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2 out of 5", (2, 5)),
        ("7/10", (7, 10)),
        ("3 on a scale of 1 to 5", (3, 5)),
        ("we met 12 times", None),
        ("9/5", None),
    ],
)
def test_parse_rating(text, value):
    assert parse_rating(text) == value


def test_side_counts_publish_one_quantity_the_same_way_everywhere() -> None:
    """Stakeholders who raised a concern: 01's concern counts and 02's criteria (issue 9)."""
    from cs360lib.config.publishing import Publishing
    from cs360lib.publish.publication import publish_frame
    from cs360lib.steps.scanning import side_counts

    concerns = pd.DataFrame(
        {
            "concern": ["robbery", "lighting", "traffic", "drugs"],
            "internal": [1, 6, 0, 2],
            "external": [11, 9, 3, 2],
            "stakeholders": [12, 15, 3, 4],
        }
    )
    criteria = concerns.rename(
        columns={
            "concern": "id",
            "internal": "raised_inside",
            "external": "raised",
            "stakeholders": "raised_all",
        }
    ).assign(community=concerns["external"] / 16)
    rules = Publishing(min_count=5)
    scanning = publish_frame(concerns, rules, counts=[side_counts("concern")])
    worksheet = publish_frame(
        criteria,
        rules,
        counts=[
            side_counts(
                "id",
                inside="raised_inside",
                outside="raised",
                total="raised_all",
                rates={"community": "raised"},
            )
        ],
    )
    one = scanning.shown[["internal", "external", "stakeholders"]].to_numpy().tolist()
    two = worksheet.shown[["raised_inside", "raised", "raised_all"]].to_numpy().tolist()
    assert one == two
    # 12 in all, 1 inside: the 11 outside is hidden wherever it is published
    assert one[0] == ["<5", "x", 12]
    assert pd.isna(worksheet.frame.loc[0, "community"])
    assert one[1] == [6, 9, 15]
