import pytest

from cs360lib.steps.scanning.negation import is_negated


@pytest.mark.parametrize(
    ("before", "after", "negated"),
    [
        ("", " is not a problem here", True),
        ("", " isn't really an issue on our street", True),
        ("", " doesn't happen around here", True),
        ("", " is not the issue on our street; car break-ins are", True),
        ("", " is the main issue, not the noise", False),
        ("There is no", " on this block", True),
        ("We never see", " anymore", True),
        ("We don't have", " here", True),
        ("Not only", " but also shootings", False),
        ("There is no doubt that", " is rising", False),
        ("No one talks about anything but", "", False),
        ("No parking enforcement. Worst of all is", "", False),
        ("", " is the biggest problem", False),
        ("We have seen", ", not a big deal for parents though", True),
    ],
)
def test_negex_rules(before, after, negated):
    assert is_negated(before, after) is negated


def test_window_limits_reach_of_a_cue():
    before = "not that I know of the many things people mention like"
    assert is_negated(before, "", window=5) is False
    assert is_negated("not really", "", window=5) is True
