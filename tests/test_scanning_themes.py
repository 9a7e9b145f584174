import pandas as pd

from cs360lib.steps.scanning.coding import code_responses
from cs360lib.steps.scanning.themes import emergent_themes

UNCOVERED = (
    ["The bus schedule changed and the late buses are gone, riders wait an hour."] * 2
    + [
        "Late buses never come, the bus schedule is unreliable for night shift workers.",
        "Bus schedule cuts mean riders walk home late.",
    ]
    + [
        "Rent keeps rising and families are pushed out by rent increases.",
        "Rising rent forces families to move, rent is too high.",
        "Families leave because rent is rising every year.",
        "High rent and rent hikes push out long time families.",
    ]
    + [
        "The library closed early and the library programs ended.",
        "We lost library hours and library programs for kids after school.",
        "Library hours were cut.",
    ]
)


def test_themes_are_deterministic_and_group_uncovered_responses():
    frame = pd.DataFrame({"response": UNCOVERED + ["Robbery at the bus stop."]})
    coding = code_responses(frame)
    first = emergent_themes(coding, n_themes=3)
    second = emergent_themes(coding, n_themes=3)
    pd.testing.assert_frame_equal(first.to_frame(), second.to_frame())
    assert first.uncovered == len(UNCOVERED) - 1  # "kids after school" is coded youth
    terms = " ".join(first.themes["top_terms"])
    assert "rent" in terms and "bus" in terms
    assert first.assignments["theme"].between(1, 3).all()
    assert "candidate themes" in first.summary()
    assert list(first.table().data.columns) == ["Theme", "Top terms", "Responses", "Examples"]
    first.chart().to_dict()


def test_too_few_uncovered_responses_is_reported():
    coding = code_responses(pd.DataFrame({"response": ["Robbery.", "Library hours."]}))
    result = emergent_themes(coding)
    assert result.themes.empty and "too few" in result.summary()
