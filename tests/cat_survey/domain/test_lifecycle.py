"""Open and close dates: in the definition, on the survey row, and what they mean."""

from datetime import UTC, datetime

import pytest
from helpers import SURVEYS_DIR

from cat_survey.db import db
from cat_survey.definitions import DefinitionError, parse_definition
from cat_survey.domain.lifecycle import Availability, availability
from cat_survey.models import Survey

SOURCE = (SURVEYS_DIR / "relationship-nps.yaml").read_text(encoding="utf-8")
MARCH_1 = datetime(2026, 3, 1, tzinfo=UTC)
APRIL_1 = datetime(2026, 4, 1, tzinfo=UTC)


def with_dates(extra: str) -> str:
    return SOURCE.rstrip("\n") + "\n" + extra


@pytest.mark.parametrize(
    ("extra", "opens_at", "closes_at"),
    [
        ("", None, None),
        # A closing date keeps the survey open through the end of that day (UTC).
        ("opens: 2026-03-01\ncloses: 2026-03-31\n", MARCH_1, APRIL_1),
        (
            "closes: 2026-03-31T18:00:00+09:00\n",
            None,
            datetime(2026, 3, 31, 9, 0, tzinfo=UTC),
        ),
        ("opens: '2026-03-01T09:30'\n", datetime(2026, 3, 1, 9, 30, tzinfo=UTC), None),
    ],
)
def test_open_and_close_dates_are_read_as_utc_moments(extra, opens_at, closes_at):
    definition = parse_definition(with_dates(extra))
    assert (definition.opens_at, definition.closes_at) == (opens_at, closes_at)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("closes: next week\n", "field 'closes': expected a date such as 2026-03-31"),
        ("opens: 2026-04-01\ncloses: 2026-03-01\n", "field 'closes': must be after"),
    ],
)
def test_a_bad_date_is_reported_with_file_line_and_field(extra, message):
    with pytest.raises(DefinitionError) as raised:
        parse_definition(with_dates(extra), file="nps.yaml")
    (problem,) = raised.value.problems
    assert str(problem).startswith("nps.yaml:")
    assert message in str(problem)
    assert problem.line is not None


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 2, 28, 23, 59, tzinfo=UTC), Availability.NOT_YET_OPEN),
        (MARCH_1, Availability.OPEN),
        (datetime(2026, 3, 31, 23, 59, tzinfo=UTC), Availability.OPEN),
        (APRIL_1, Availability.CLOSED),
    ],
)
def test_a_survey_is_open_from_its_opening_until_its_closing(now, expected):
    assert availability(MARCH_1, APRIL_1, now) is expected


def test_without_dates_a_survey_is_always_open():
    assert availability(None, None) is Availability.OPEN


def test_loading_copies_the_dates_onto_the_survey_also_when_the_text_is_unchanged(
    make_survey,
):
    slug = make_survey(with_dates("closes: 2026-03-31\n"))
    survey = db.session.scalars(db.select(Survey).filter_by(slug=slug)).one()
    assert (survey.opens_at, survey.closes_at) == (None, APRIL_1)

    # An older database had no dates: loading the same file fills them in.
    survey.closes_at = None
    db.session.commit()
    make_survey(with_dates("closes: 2026-03-31\n"))
    assert survey.closes_at == APRIL_1
