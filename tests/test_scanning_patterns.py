import re

import pytest

from cs360lib.steps.scanning.patterns import inflections, phrase_regex, wrap


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("robbery", {"robbery", "robberies"}),
        ("rob", {"rob", "robs", "robbed", "robbing"}),
        ("mug", {"mugging", "mugged"}),
        ("speed", {"speeds", "speeding", "speeded"}),
        ("overdose", {"overdoses", "overdosed", "overdosing"}),
        ("crash", {"crashes", "crashed", "crashing"}),
        ("snatch", {"snatches", "snatching"}),
    ],
)
def test_inflections_cover_regular_forms(word, forms):
    assert forms <= set(inflections(word))


def test_function_words_and_short_words_are_left_alone():
    assert inflections("of") == ["of"]
    assert inflections("OD") == ["od"]
    assert inflections("311") == ["311"]


@pytest.mark.parametrize(
    ("phrase", "text", "hit"),
    [
        ("street robbery", "two street robberies last week", "street robberies"),
        ("break-in", "three break-ins on our block", "break-ins"),
        ("break-in", "a break in at the store", "break in"),
        ("car break-in", "Car Break-Ins are up", "Car Break-Ins"),
        ("rob", "commuters getting robbed", "robbed"),
    ],
)
def test_phrase_regex_matches_inflected_text(phrase, text, hit):
    m = re.search(wrap(phrase_regex(phrase)), text, re.IGNORECASE)
    assert m is not None and m.group() == hit


def test_word_boundaries_hold():
    rx = re.compile(wrap(phrase_regex("gun")), re.IGNORECASE)
    assert rx.search("a begun project") is None
    assert rx.search("guns on the corner") is not None
