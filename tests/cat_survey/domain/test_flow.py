"""The flow engine: branching, going back, progress and answer validation."""

import pytest
from helpers import SURVEYS_DIR

from cat_survey.definitions import load_definition
from cat_survey.domain.flow import (
    AnswerError,
    applicable_questions,
    clean_answer,
    position,
    stale_answers,
)

RELATIONSHIP = load_definition(SURVEYS_DIR / "relationship-nps.yaml")
EXIT = load_definition(SURVEYS_DIR / "exit-interview.yaml")


def path_ids(definition, answers, hidden=None):
    return [q.id for q in applicable_questions(definition, answers, hidden or {})]


@pytest.mark.parametrize(
    ("nps", "follow_up"),
    [(0, "fix_first"), (6, "fix_first"), (7, "make_it_ten"), (8, "make_it_ten"),
     (9, "value_most"), (10, "value_most")],
)  # fmt: skip
def test_follow_up_reacts_to_the_nps_group(nps, follow_up):
    assert position(RELATIONSHIP, {"nps": nps}, {}).next.id == follow_up


def test_first_question_is_asked_first_and_progress_starts_at_zero():
    start = position(RELATIONSHIP, {}, {})
    assert start.next.id == "nps"
    assert start.progress == 0


def test_progress_expects_one_of_the_alternative_follow_ups_from_the_start():
    start = position(RELATIONSHIP, {}, {})
    assert start.total == 4
    after_nps = position(RELATIONSHIP, {"nps": 9}, {})
    assert after_nps.total == 4
    assert after_nps.progress == pytest.approx(0.25)


def test_progress_counts_only_the_questions_on_this_customers_path():
    # nps, one follow-up, support CSAT, consent: four steps, not six.
    after_nps = position(RELATIONSHIP, {"nps": 3}, {})
    assert (after_nps.answered, after_nps.remaining) == (1, 3)
    assert after_nps.progress == pytest.approx(0.25)


def test_survey_completes_when_every_applicable_question_is_answered():
    answers = {"nps": 10, "value_most": "speed", "support_csat": 5,
               "contact_consent": None}  # fmt: skip
    done = position(RELATIONSHIP, answers, {})
    assert done.completed
    assert done.progress == 1


def test_going_back_drops_follow_ups_that_no_longer_apply_and_keeps_the_rest():
    answers = {"nps": 3, "fix_first": "billing", "support_csat": 2}
    answers["nps"] = 9
    assert stale_answers(RELATIONSHIP, answers, {}) == {"fix_first"}
    assert position(RELATIONSHIP, answers, {}).next.id == "value_most"
    assert "support_csat" in path_ids(RELATIONSHIP, answers)


def test_stale_answers_change_neither_the_path_nor_the_progress():
    # record_answer reads the stale answers off the position of all the answers.
    answers = {"nps": 9, "fix_first": "billing", "support_csat": 2}
    with_stale = position(RELATIONSHIP, answers, {})
    without = position(RELATIONSHIP, {"nps": 9, "support_csat": 2}, {})
    assert with_stale == without
    assert [q.id for q in with_stale.path] == path_ids(RELATIONSHIP, answers)
    stale = set(answers) - {question.id for question in with_stale.path}
    assert stale == stale_answers(RELATIONSHIP, answers, {}) == {"fix_first"}


def test_multi_choice_answer_branches_with_in():
    assert "competitor_name" in path_ids(EXIT, {"reasons": ["price", "competitor"]})
    assert "competitor_name" not in path_ids(EXIT, {"reasons": ["price"]})


def test_unanswered_condition_source_hides_the_follow_up():
    assert "what_would_bring_back" not in path_ids(EXIT, {"reasons": ["price"]})


def question(definition, question_id):
    return definition.question(question_id)


@pytest.mark.parametrize(
    ("question_id", "raw", "expected"),
    [
        ("nps", "7", 7),
        ("nps", 0, 0),
        ("nps", " 10 ", 10),
        ("nps", 9.0, 9),
        ("support_csat", "5", 5),
        ("contact_consent", "yes", "yes"),
        ("contact_consent", "", None),
        ("fix_first", "  Faster support\r\nplease  ", "Faster support\nplease"),
    ],
)
def test_valid_answers_are_cleaned(question_id, raw, expected):
    assert clean_answer(question(RELATIONSHIP, question_id), raw) == expected


@pytest.mark.parametrize(
    ("question_id", "raw", "message"),
    [
        ("nps", "11", "from 0 to 10"),
        ("nps", "-1", "from 0 to 10"),
        ("nps", "seven", "from 0 to 10"),
        ("nps", 7.5, "from 0 to 10"),
        ("nps", True, "from 0 to 10"),
        ("nps", "nan", "from 0 to 10"),
        ("nps", "", "Please answer"),
        ("nps", None, "Please answer"),
        ("nps", [7], "from 0 to 10"),
        ("contact_consent", "maybe", "one of the options"),
        ("fix_first", "x" * 2001, "under 2000 characters"),
        ("fix_first", "nul\x00byte", "control characters"),
        ("fix_first", "del\x7fbyte", "control characters"),
        ("fix_first", "next\x85line", "control characters"),
        ("fix_first", "csi\x9b31m", "control characters"),
        ("fix_first", "evil\u202etxt.exe", "control characters"),
        ("fix_first", "isolate\u2066here\u2069", "control characters"),
        ("fix_first", "a\ud800", "broken character"),
        ("fix_first", {"a": 1}, "as text"),
    ],
)
def test_invalid_answers_get_a_clear_message(question_id, raw, message):
    with pytest.raises(AnswerError, match=message):
        clean_answer(question(RELATIONSHIP, question_id), raw)


def test_text_keeps_the_format_characters_real_writing_needs():
    # A family emoji (zero-width joiners), a heart with a variation selector,
    # and Japanese with a line break and a tab.
    text = "\U0001f468\u200d\U0001f469\u200d\U0001f467 \u2764\ufe0f\n\t遅い"
    assert clean_answer(question(RELATIONSHIP, "fix_first"), text) == text


def test_multi_choice_keeps_option_order_and_drops_repeats():
    reasons = question(EXIT, "reasons")
    assert clean_answer(reasons, ["support", "price", "price"]) == ["price", "support"]
    with pytest.raises(AnswerError):
        clean_answer(reasons, ["price", "teleport"])
