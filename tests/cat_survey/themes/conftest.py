"""Fixtures for the theme screens: themes with answers.

The root conftest's ``staff`` gives advocate A (CX), advocate B (Sales), a CX lead
and an admin. ``make_theme`` stores real survey
responses (NPS, free text, consent) through the shared ``make_response`` factory
and links their free-text answers to a new theme, with monthly counts.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import pytest

from cat_survey.db import db
from cat_survey.models import (
    Department,
    Survey,
    Theme,
    ThemeAnswer,
    ThemeMonth,
    User,
    utcnow,
)


@pytest.fixture
def make_theme(
    make_response: Callable[..., Any], departments: dict[str, Department]
) -> Callable[..., Theme]:
    """Return a factory of themes whose answers come from stored responses.

    Each answer is a text, or a dict with ``text`` and optional ``nps`` (default
    3), ``segment`` (default "smb"), ``consent``, ``first_name``,
    ``customer_ref`` and ``at`` (when it was answered).
    """

    def make(
        department: str | None = "cx",
        *,
        label: str = "Invoices are wrong",
        answers: Sequence[str | dict[str, Any]] = ("The invoice total was wrong",),
        status: str = "new",
        sentiment: float | None = -0.4,
        nps: float | None = None,
        owner: User | None = None,
        needs_triage: bool = False,
        resolved_size: int | None = None,
        created_at: datetime | None = None,
    ) -> Theme:
        theme = Theme(
            label=label,
            terms=["invoice", "total"],
            department=departments[department] if department else None,
            status=status,
            sentiment=sentiment,
            nps=nps,
            owner=owner,
            routing_confidence=0.82,
            routing_terms=["invoice"],
            needs_triage=needs_triage,
            resolved_size=resolved_size,
            created_at=created_at or utcnow(),
        )
        db.session.add(theme)
        db.session.flush()
        months: Counter = Counter()
        answer_ids = []
        for item in answers:
            spec = {"text": item} if isinstance(item, str) else dict(item)
            at = spec.get("at") or utcnow()
            hidden = {
                "segment": spec.get("segment", "smb"),
                "first_name": spec.get("first_name"),
                "customer_ref": spec.get("customer_ref"),
            }
            response = make_response(
                hidden={k: v for k, v in hidden.items() if v is not None},
                at=at,
                nps=spec.get("nps", 3),
                fix_first=spec["text"],
                contact_consent="yes" if spec.get("consent") else "no",
            )
            text_answer = next(
                a for a in response.answers if a.question_id == "fix_first"
            )
            db.session.add(
                ThemeAnswer(answer_id=text_answer.id, theme_id=theme.id, similarity=0.5)
            )
            answer_ids.append(text_answer.id)
            months[at.date().replace(day=1)] += 1
        theme.survey_id = db.session.scalar(
            db.select(Survey.id).filter_by(slug="relationship-nps")
        )
        theme.size = len(answer_ids)
        theme.quotes = answer_ids[:3]
        for month, count in months.items():
            db.session.add(ThemeMonth(theme_id=theme.id, month=month, count=count))
        db.session.commit()
        return theme

    return make
