"""Answers in a run's scope: which free-text answers, with which NPS rating.

Each answer also carries what its question asks for (``asks_for:`` in the
survey definition), read from the survey version the customer answered.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import and_, func
from sqlalchemy.orm import aliased

from cat_survey.catalog import definition_of
from cat_survey.db import db
from cat_survey.domain.suspects import COUNTED
from cat_survey.models import (
    Answer,
    Survey,
    SurveyResponse,
    SurveyVersion,
    ThemeAnswer,
    utcnow,
)

#: Per answer, its theme and its similarity to that theme: NumPy arrays from the
#: theme model, or plain lists.
Labels = Sequence[int] | NDArray[np.integer]


Similarities = Sequence[float] | NDArray[np.floating]


CHUNK = 500


#: An answer this old is surely committed: ``--assign-new`` moves its cursor past
#: it. Younger ones are looked at again next time, in case a transaction that
#: holds a lower id commits late (PostgreSQL hands out ids before commit).
SETTLE = timedelta(seconds=60)


class AnalysisError(ValueError):
    """A run that cannot happen (unknown survey, too few answers)."""


@dataclass(frozen=True)
class TextAnswer:
    """A free-text answer as the theme model sees it."""

    id: int
    text: str
    answered_at: datetime
    nps: int | None
    # What its question asks for: "praise", "problem" or "any" (Question.asks_for).
    asks_for: str = "any"


def text_answers(
    survey: Survey | None = None,
    since: date | None = None,
    *,
    after_id: int | None = None,
    unassigned: bool = False,
) -> list[TextAnswer]:
    """Free-text answers in scope, each with its response's NPS rating if any."""
    nps = aliased(Answer)
    query = (
        db.select(
            Answer.id,
            Answer.text_value,
            Answer.answered_at,
            nps.number_value,
            SurveyResponse.survey_version_id,
            Answer.question_id,
        )
        .join(SurveyResponse, Answer.response_id == SurveyResponse.id)
        .outerjoin(
            nps, and_(nps.response_id == Answer.response_id, nps.question_type == "nps")
        )
        .where(Answer.question_type == "text", Answer.text_value.is_not(None))
        .where(func.length(func.trim(Answer.text_value)) > 0)
        # Suspect and discarded responses join no theme (cat_survey.domain.suspects).
        .where(SurveyResponse.integrity.in_(COUNTED))
        .order_by(Answer.id)
    )
    if survey is not None:
        query = query.where(SurveyResponse.survey_id == survey.id)
    if since is not None:
        query = query.where(
            Answer.answered_at >= datetime.combine(since, time(), utcnow().tzinfo)
        )
    if after_id is not None:
        query = query.where(Answer.id > after_id)
    if unassigned:
        query = query.where(
            ~db.select(ThemeAnswer).where(ThemeAnswer.answer_id == Answer.id).exists()
        )
    rows = db.session.execute(query).all()
    asks_for = questions_ask_for({version for *_, version, _ in rows})
    seen: set[int] = set()
    answers = []
    for answer_id, text, answered_at, rating, version, question_id in rows:
        if answer_id not in seen:  # one row per answer even if a survey asks NPS twice
            seen.add(answer_id)
            answers.append(
                TextAnswer(
                    answer_id,
                    text,
                    answered_at,
                    None if rating is None else int(rating),
                    asks_for.get((version, question_id), "any"),
                )
            )
    return answers


def questions_ask_for(version_ids: set[int]) -> dict[tuple[int, str], str]:
    """What each text question of these survey versions asks for, by (version, id)."""
    found = {}
    for start in range(0, len(version_ids), CHUNK):
        chunk = sorted(version_ids)[start : start + CHUNK]
        versions = db.session.scalars(
            db.select(SurveyVersion).where(SurveyVersion.id.in_(chunk))
        )
        for version in versions:
            for question in definition_of(version).questions:
                if question.type == "text":
                    found[version.id, question.id] = question.asks_for
    return found


def find_survey(slug: str | None) -> Survey | None:
    """The survey a run is limited to; None for all surveys."""
    if slug is None:
        return None
    survey = db.session.scalar(db.select(Survey).filter_by(slug=slug))
    if survey is None:
        raise AnalysisError(f"no survey {slug!r}")
    return survey


def month_of(moment: datetime) -> date:
    """The first day of the moment's calendar month."""
    return date(moment.year, moment.month, 1)


def settled_cursor(answers: Sequence[TextAnswer], cursor: int | None) -> int | None:
    """The highest answer id that no later look needs to revisit.

    The answers are in id order; the cursor stops before the first one younger
    than :data:`SETTLE`, so a late commit of a lower id is still found.
    """
    settled_before = utcnow() - SETTLE
    for answer in answers:
        if answer.answered_at > settled_before:
            break
        cursor = answer.id
    return cursor
