"""Suspect responses on the staff side: how many the dashboard left out, and the
form a CX lead releases or discards one with (the decision itself is
:func:`cat_survey.domain.suspects.decide`)."""

from dataclasses import dataclass

from sqlalchemy import case, func, select
from wtforms import HiddenField
from wtforms.validators import AnyOf

from cat_survey.db import db
from cat_survey.domain.suspects import COUNTED
from cat_survey.forms import BaseForm
from cat_survey.models import ResponseIntegrity, SurveyResponse
from cat_survey.reports.queries import (
    Filters,
    period_start,
    response_time,
    scope_conditions,
)

DECISIONS = {
    "release": ResponseIntegrity.RELEASED,
    "discard": ResponseIntegrity.DISCARDED,
}


@dataclass(frozen=True)
class Excluded:
    """Responses in the dashboard's scope that its scores leave out."""

    suspect: int
    discarded: int

    @property
    def total(self) -> int:
        """Every response left out, waiting for review or discarded."""
        return self.suspect + self.discarded


def excluded_responses(filters: Filters) -> Excluded:
    """How many responses the filters cover but the scores leave out, by state."""
    counts = excluded_by_period(filters).values()
    suspects = sum(suspect for suspect, _ in counts)
    return Excluded(suspect=suspects, discarded=sum(d for _, d in counts))


def excluded_by_period(filters: Filters) -> dict[str, tuple[int, int]]:
    """(suspect, discarded) responses per period that the scores leave out."""
    when = response_time(filters)
    suspect = SurveyResponse.integrity == ResponseIntegrity.SUSPECT.value
    scoped = (
        select(
            period_start(when, filters.period).label("period"),
            case((suspect, 1), else_=0).label("suspect"),
        )
        .where(
            *scope_conditions(filters, when, counted_only=False),
            SurveyResponse.integrity.not_in(COUNTED),
        )
        .subquery()
    )
    rows = db.session.execute(
        select(
            scoped.c.period, func.count().label("total"), func.sum(scoped.c.suspect)
        ).group_by(scoped.c.period)
    ).all()
    return {
        period: (int(suspects), int(total) - int(suspects))
        for period, total, suspects in rows
    }


class ReviewForm(BaseForm):
    """Release or discard one suspect response."""

    decision = HiddenField(validators=[AnyOf(list(DECISIONS))])
