"""Whether a survey takes answers now: its open and close dates.

The dates come from the survey definition (``opens:`` and ``closes:``) and are
stored on the ``Survey`` row, so the customer pages and the API ask one cheap
question of the row they already hold. Outside its dates a survey shows a polite
page (the web) or answers 410 Gone (the API); answers given before stay stored.
"""

import enum
from datetime import datetime

from cat_survey.models import Survey, utcnow


class Availability(enum.StrEnum):
    """Why a survey does or does not take answers at a moment."""

    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"


def availability(
    opens_at: datetime | None, closes_at: datetime | None, now: datetime | None = None
) -> Availability:
    """Open from ``opens_at`` (inclusive) until ``closes_at`` (exclusive)."""
    now = now or utcnow()
    if opens_at is not None and now < opens_at:
        return Availability.NOT_YET_OPEN
    if closes_at is not None and now >= closes_at:
        return Availability.CLOSED
    return Availability.OPEN


def survey_availability(survey: Survey, now: datetime | None = None) -> Availability:
    """Whether this survey takes answers now."""
    return availability(survey.opens_at, survey.closes_at, now)
