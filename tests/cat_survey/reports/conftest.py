"""Factories for the dashboard's tests: responses with answers, stored in bulk.

``add_response`` writes a response and its answer rows the way the conversation
does (question types from the survey's definition) but without walking the flow,
so a test can lay out hundreds of dated answers in a few milliseconds. It only adds
to the session: commit before requesting a page.
"""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import pytest
from helpers import answer_rows

from cat_survey.catalog import definition_of, latest_version
from cat_survey.db import db
from cat_survey.domain.responses import new_token
from cat_survey.models import Survey, SurveyResponse

#: A survey that asks every scored question type once.
SCORES_SURVEY = """\
slug: scores-mix
title: Every score
hidden: [segment, plan]
questions:
  - {id: nps, type: nps, prompt: "Would you recommend us?"}
  - {id: support_csat, type: csat, prompt: "Were you satisfied?"}
  - {id: effort, type: ces, prompt: "We made it easy."}
  - {id: sus, type: sus}
  - {id: umux, type: umux_lite}
  - {id: comment, type: text, required: false, prompt: "Anything else?"}
"""


@pytest.fixture
def add_response(app_ctx: None, make_survey: Callable[..., str]) -> Callable[..., Any]:
    """Return a factory of responses: ``add_response(answers, at=..., ...)``."""
    surveys: dict[str, tuple[Survey, Any]] = {}

    def survey_and_version(source: str) -> tuple[Survey, Any]:
        if source not in surveys:
            slug = make_survey(source)
            survey = db.session.scalar(db.select(Survey).filter_by(slug=slug))
            surveys[source] = (survey, latest_version(survey))
        return surveys[source]

    def add(
        answers: Mapping[str, int | str],
        *,
        at: datetime,
        survey: str = SCORES_SURVEY,
        status: str = "complete",
        segment: str | None = None,
        hidden: Mapping[str, str] | None = None,
        started_at: datetime | None = None,
    ) -> SurveyResponse:
        survey_row, version = survey_and_version(survey)
        definition = definition_of(version)
        response = SurveyResponse(
            survey=survey_row,
            version=version,
            token=new_token(),
            status=status,
            segment=segment,
            hidden={**(hidden or {}), **({"segment": segment} if segment else {})},
            started_at=started_at or at,
            completed_at=at if status == "complete" else None,
        )
        response.answers.extend(answer_rows(definition, answers, at=at))
        db.session.add(response)
        return response

    return add
