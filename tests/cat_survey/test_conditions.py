"""The ``when:`` language: parsing, evaluation, and refusal of anything else."""

import pytest

from cat_survey.conditions import ConditionError, holds, names_in, parse_condition

ANSWERS = {
    "nps": 6,
    "segment": "enterprise",
    "reasons": ["price", "support"],
    "revenue_tier": "3",
    "consent": "no",
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("nps <= 6", True),
        ("nps >= 7", False),
        ("nps >= 7 and nps <= 8", False),
        ("nps < 7 or segment == 'smb'", True),
        ("not nps > 6", True),
        ("segment in ['enterprise', 'mid-market']", True),
        ("segment not in ['enterprise']", False),
        ("'price' in reasons", True),
        ("'missing_features' in reasons", False),
        ("revenue_tier >= 3", True),
        ('segment == "enterprise"', True),
        ("(nps <= 6 or nps >= 9) and segment != 'smb'", True),
        ("consent", False),
        ("unanswered > 3", False),
        ("unanswered <= 3", False),
        ("not unanswered", True),
        ("nps == 6.0", True),
        ("segment > 3", False),
    ],
)
def test_conditions_evaluate_over_answers_and_hidden_fields(condition, expected):
    assert holds(parse_condition(condition), ANSWERS) is expected


@pytest.mark.parametrize(
    "condition",
    [
        "",
        "nps <=",
        "nps = 6",
        "__import__('os').system('true')",
        "nps <= 6 and",
        "(nps <= 6",
        "nps; drop table",
        "[1, 2",
        "nps <= 6 nps",
    ],
)
def test_malformed_or_unsafe_conditions_are_refused(condition):
    with pytest.raises(ConditionError):
        parse_condition(condition)


def test_error_says_where_the_condition_went_wrong():
    with pytest.raises(ConditionError, match="column 5"):
        parse_condition("nps = 6")


def test_names_lists_every_name_read():
    node = parse_condition("nps <= 6 and (segment in [tier, 'x'] or not churned)")
    assert names_in(node) == {"nps", "segment", "tier", "churned"}
