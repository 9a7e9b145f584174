"""cs360lib.exercises: answers read by value, checks that never give the answer away, and
expected answers computed from the engagement's own data."""

from __future__ import annotations

import gzip
import re
import warnings

import numpy as np
import pytest

import cs360lib as cs
from cs360lib import exercises
from cs360lib.exercises import judging
from tests.conftest import sample_copy


def _context(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # the sample's deprecated publishing keys
        engagement = cs.Engagement.load(path)
    return exercises.WorkshopContext(engagement, cs.load_engagement(engagement))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return _context(sample_copy(tmp_path_factory.mktemp("ex_sample")))


@pytest.fixture(scope="module")
def other(tmp_path_factory):
    """A second department: another seed and scale, one partner's lever and four unreadable
    incident rows changed, so that the expected answers must move with the data."""
    from cs360lib.datasets.sampleton import make_department

    path = make_department(tmp_path_factory.mktemp("ex_other"), seed=7, scale=0.4)
    folder = path.parent
    roster = (folder / "stakeholders.csv").read_text(encoding="utf-8").splitlines()
    roster = [
        line.replace(",guardian,", ",manager,")
        if "Eastgate Neighborhood Association" in line
        else line
        for line in roster
    ]
    (folder / "stakeholders.csv").write_text("\n".join(roster) + "\n", encoding="utf-8")
    with gzip.open(folder / "incidents.csv.gz", "at", encoding="utf-8") as handle:
        for n in range(4):
            handle.write(f"X-{n},2021-02-30 25:00:00,Street robbery,Robbery,East,E2,,,,,\n")
    return _context(path)


# --- reading answers by value -------------------------------------------------------------


@pytest.mark.parametrize("answer", [None, ..., "", "   "])
def test_unset_answers(answer):
    assert judging.is_unset(answer)


@pytest.mark.parametrize("answer", [0, 0.0, False, "0", [None]])
def test_set_answers(answer):
    assert not judging.is_unset(answer)


@pytest.mark.parametrize(
    ("answer", "value"), [(12, 12.0), ("1,234", 1234.0), (np.int64(3), 3.0), (" 0.5 ", 0.5)]
)
def test_numbers_are_read_by_value(answer, value):
    assert judging.as_number(answer) == value


@pytest.mark.parametrize("answer", [True, "twelve", float("nan"), [1], None])
def test_non_numbers_are_refused_with_the_form_expected(answer):
    with pytest.raises(judging.AnswerFormatError, match="asks for a number"):
        judging.as_number(answer)


@pytest.mark.parametrize(
    ("answer", "share", "percent"),
    [(0.42, 0.42, False), (42, 0.42, True), ("42%", 0.42, True), (1, 1.0, False)],
)
def test_shares_accept_percentages(answer, share, percent):
    got, was_percent = judging.as_share(answer)
    assert got == pytest.approx(share) and was_percent is percent


@pytest.mark.parametrize("answer", [-0.1, 101])
def test_shares_out_of_range_are_refused(answer):
    with pytest.raises(judging.AnswerFormatError):
        judging.as_share(answer)


@pytest.mark.parametrize(
    ("answer", "value"),
    [(True, True), (np.bool_(False), False), ("Yes", True), ("no", False), ("TRUE", True)],
)
def test_yes_no(answer, value):
    assert judging.as_bool(answer) is value


@pytest.mark.parametrize(
    ("answer", "choice"), [("Guardians", "guardian"), (" manager ", "manager"), ("a", "handler")]
)
def test_choices_in_any_case_or_plural_or_letter(answer, choice):
    assert judging.as_choice(answer, exercises.LEVERS) == choice


def test_an_unknown_choice_names_the_choices():
    with pytest.raises(judging.AnswerFormatError, match="handler, guardian, manager"):
        judging.as_choice("offender", exercises.LEVERS)


# --- the checks ---------------------------------------------------------------------------


def _right_answer(key, ctx):
    """What a learner who did the exercise right would give (as the solution notebooks do)."""
    eng = ctx.engagement
    if key == "00.1":
        src = eng.sources[eng.problem.source]
        return cs.load(src.kind, src.path, mapping=src.mapping)
    if key == "03.2":
        return eng.areas[eng.responses[0].comparison].values
    return exercises.expected(key, ctx)


@pytest.mark.parametrize("key", list(exercises.EXERCISES))
def test_every_exercise_accepts_the_right_answer(key, sample):
    result = exercises.check(key, _right_answer(key, sample), context=sample)
    assert result.status == "correct", str(result)


@pytest.mark.parametrize("key", list(exercises.EXERCISES))
@pytest.mark.parametrize("answer", [..., None])
def test_an_unset_answer_is_not_answered_yet_with_a_hint(key, answer, sample):
    result = exercises.check(key, answer, context=sample)
    assert result.status == "not answered"
    assert "not answered yet" in result.message and result.hint


WRONG = {
    "00.2": 10**6,
    "01.1": "handler",
    "01.2": 10**6,
    "02.2": 0.01,
    "03.1": 0.01,
    "03.2": "E1",  # next to the target beat E2
}


@pytest.mark.parametrize(("key", "answer"), list(WRONG.items()))
def test_a_wrong_answer_is_wrong_with_a_hint_and_no_solution(key, answer, sample):
    result = exercises.check(key, answer, context=sample)
    assert result.status == "wrong" and result.hint
    expected = exercises.expected(key, sample)
    message = result.message.lower()
    if isinstance(expected, str):
        assert expected not in message
    elif isinstance(expected, float):
        for shown in (f"{expected:.2f}", f"{expected:.0%}", f"{expected * 100:.1f}"):
            assert shown not in message
    elif isinstance(expected, int):
        assert str(expected) not in re.findall(r"\d[\d,]*", message.replace(",", ""))


@pytest.mark.parametrize("key", ["04.1", "04.2"])
def test_yes_no_exercises_refuse_the_opposite(key, sample):
    result = exercises.check(key, not exercises.expected(key, sample), context=sample)
    assert result.status == "wrong"


def test_a_load_without_the_mapping_is_wrong(sample):
    src = sample.engagement.sources[sample.engagement.problem.source]
    result = exercises.check("00.1", cs.load(src.kind, src.path), context=sample)
    assert result.status == "wrong" and "mapping" in result.message


def test_weights_with_another_ratio_are_wrong(sample):
    scores = exercises.expected("02.1", sample)
    doubled = scores.rescore({c: 2.0 if c == "community" else 1.0 for c in scores.shares.index})
    result = exercises.check("02.1", doubled, context=sample)
    assert result.status == "wrong" and "2.0 times" in result.message
    weights_only = exercises.check("02.1", {"community": 3}, context=sample)
    assert weights_only.status == "wrong" and "rescore" in weights_only.message


def test_a_share_given_as_a_percentage_is_accepted(sample):
    value = exercises.expected("03.1", sample)
    assert exercises.check("03.1", f"{value * 100:.1f}%", context=sample).correct


def test_a_badly_formed_answer_is_wrong_not_a_traceback(sample):
    result = exercises.check("03.1", "most of them", context=sample)
    assert result.status == "wrong" and "asks for a number" in result.message


def test_unknown_exercise_suggests_the_closest():
    result = exercises.check("02.9", 1)
    assert result.status == "unknown" and "02.2" in result.message


def test_a_check_before_the_setup_cell_says_so(monkeypatch):
    monkeypatch.setattr("cs360lib.exercises.core._CURRENT", [])
    result = exercises.check("00.2", 3)
    assert result.status == "not set up" and "setup cell" in result.message


def test_use_sets_the_context_of_check_and_ask(sample):
    exercises.use(sample.engagement, sample.sources)
    assert exercises.check("00.2", exercises.expected("00.2", sample)).correct
    question = exercises.ask("01.1")
    assert "Eastgate Neighborhood Association" in question._repr_markdown_()
    assert question.subject == "Eastgate Neighborhood Association"


def test_the_json_output_names_exercise_and_status(sample):
    bundle = exercises.check("00.2", ..., context=sample)._repr_mimebundle_()
    assert bundle["application/json"] == {"exercise": "00.2", "status": "not answered"}


# --- expected answers follow the department's data -----------------------------------------


@pytest.mark.parametrize("key", ["00.2", "01.1"])
def test_expected_answers_follow_the_departments_data(key, sample, other):
    ours, theirs = exercises.expected(key, sample), exercises.expected(key, other)
    assert ours != theirs
    assert exercises.check(key, theirs, context=other).correct
    assert exercises.check(key, ours, context=sample).correct
    assert exercises.check(key, ours, context=other).status == "wrong"


def test_the_question_names_the_departments_partner(other):
    assert exercises.expected("01.1", other) == "manager"
    assert "Eastgate Neighborhood Association" in exercises.ask("01.1", context=other).text


def test_an_exercise_the_data_cannot_support_is_unavailable(sample):
    bare = sample.engagement.model_copy(update={"responses": []})
    ctx = exercises.WorkshopContext(bare, sample.sources)
    result = exercises.check("03.2", "W2", context=ctx)
    assert result.status == "unavailable" and "responses" in result.message
