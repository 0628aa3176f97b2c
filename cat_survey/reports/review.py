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
    group_conditions,
    response_time,
    window,
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
    when = response_time()
    low, high = window(filters)
    suspect = SurveyResponse.integrity == ResponseIntegrity.SUSPECT.value
    row = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((suspect, 1), else_=0)), 0),
        ).where(
            when >= low,
            when < high,
            SurveyResponse.integrity.not_in(COUNTED),
            *group_conditions(filters, counted_only=False),
        )
    ).one()
    total, suspects = int(row[0]), int(row[1])
    return Excluded(suspect=suspects, discarded=total - suspects)


class ReviewForm(BaseForm):
    """Release or discard one suspect response."""

    decision = HiddenField(validators=[AnyOf(list(DECISIONS))])
