"""Fixtures for the security suite: staff of two departments, their themes, clients.

Advocate A works for Tech, advocate B for Sales; a CX lead and an admin see
both. ``world`` lays out one object of every kind for each department (a theme
with a consenting respondent, a triage theme, an invitation, a conversation),
each carrying marker strings that must never reach the other advocate.
``signed_in`` returns a test client signed in through the real login form, and
``snapshot()`` reads every row of every table, to prove a request changed nothing.
"""

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import AuthActions, csrf_token
from sqlalchemy import select

from cat_survey.db import db
from cat_survey.domain.responses import new_token
from cat_survey.models import (
    Answer,
    Campaign,
    CampaignRecipient,
    Invitation,
    LoopMessage,
    Survey,
    SurveyResponse,
    Theme,
    ThemeAnswer,
    User,
    utcnow,
)

#: The department of each advocate, and of each department's objects.
DEPARTMENT = {"A": "tech", "B": "sales"}
#: The ``staff`` account of each signed-in role the tests name.
ACCOUNT_OF_ROLE = {
    "advocate_a": "a",
    "advocate_b": "b",
    "cx_lead": "lead",
    "admin": "admin",
}


@pytest.fixture
def advocate_departments() -> tuple[str, str]:
    """Advocate A of the root ``staff`` works for Tech, advocate B for Sales."""
    return (DEPARTMENT["A"], DEPARTMENT["B"])


@pytest.fixture
def signed_in(app: Flask, staff: dict[str, User]) -> Callable[[str], FlaskClient]:
    """Return a factory of clients signed in as a role ("anonymous": no one)."""

    def sign_in(role: str) -> FlaskClient:
        client = app.test_client()
        if role != "anonymous":
            email = staff[ACCOUNT_OF_ROLE[role]].email
            response = AuthActions(client).login(email)
            assert response.status_code == 302, f"{role} could not sign in"
        return client

    return sign_in


def form_token(client: FlaskClient) -> str:
    """A valid CSRF token for this client's session."""
    return csrf_token(client.get("/auth/login").text)


@pytest.fixture
def make_theme(make_theme: Callable[..., Theme]) -> Callable[..., Theme]:
    """Return the root theme factory with this suite's defaults.

    A checkout theme, routed with low confidence; each answer is a dict as the
    root factory takes it (``text``, and ``first_name``, ``customer_ref``,
    ``segment``, ``nps`` or ``consent`` when a test needs them).
    """

    def make(
        department: str | None,
        *,
        label: str = "Checkout crashes",
        terms: Sequence[str] = ("checkout", "crash"),
        answers: Sequence[dict[str, Any]] = ({"text": "The checkout crashed"},),
        needs_triage: bool = False,
        status: str = "new",
    ) -> Theme:
        return make_theme(
            department,
            label=label,
            terms=terms,
            answers=answers,
            needs_triage=needs_triage,
            status=status,
            sentiment=-0.5,
            routing_confidence=0.4,
        )

    return make


@dataclass(frozen=True)
class DepartmentObjects:
    """One department's objects, and the strings only its staff may read."""

    department: str
    theme_id: int
    triage_theme_id: int
    response_id: int
    conversation: str
    invitation: str
    markers: tuple[str, ...]


@dataclass(frozen=True)
class World:
    """Objects of departments A and B, the survey they answered, an open link."""

    survey: str
    objects: dict[str, DepartmentObjects]
    partial: str  # the token of a conversation with no answer yet

    def other(self, key: str) -> DepartmentObjects:
        """The objects of the department that is not ``key``."""
        return self.objects["B" if key == "A" else "A"]

    def url(self, template: str, key: str = "A", **overrides: object) -> str:
        """A route template filled with department ``key``'s real ids."""
        mine = self.objects[key]
        values = dict(
            survey=self.survey,
            partial=self.partial,
            theme=mine.theme_id,
            triage=mine.triage_theme_id,
            response=mine.response_id,
            conversation=mine.conversation,
            invitation=mine.invitation,
            department=mine.department,
            other_department=self.other(key).department,
            other_response=self.other(key).response_id,
        )
        return template.format(**{**values, **overrides})


@pytest.fixture
def world(
    app: Flask,
    staff: dict[str, User],
    make_theme: Callable[..., Theme],
    make_response: Callable[..., Any],
) -> World:
    """A theme, a triage theme, a consenting respondent and links per department."""
    objects = {}
    for key, department in DEPARTMENT.items():
        tag = f"{key.lower()}{secrets.token_hex(3)}"
        markers = (
            f"Label-{tag}",
            f"secret answer {tag}",
            f"Name{tag}",
            f"REF-{tag}",
            f"triage-{tag}",
        )
        theme = make_theme(
            department,
            label=markers[0],
            answers=[
                {
                    "text": markers[1],
                    "consent": True,
                    "first_name": markers[2],
                    "customer_ref": markers[3],
                    "segment": f"seg{key}",
                }
            ],
        )
        triage = make_theme(
            department,
            label=markers[4],
            answers=[{"text": f"{markers[4]} answer"}],
            needs_triage=True,
        )
        response = db.session.scalar(
            select(SurveyResponse)
            .join(Answer, Answer.response_id == SurveyResponse.id)
            .join(ThemeAnswer, ThemeAnswer.answer_id == Answer.id)
            .where(ThemeAnswer.theme_id == theme.id)
        )
        invitation = Invitation(
            survey_id=response.survey_id,
            token=new_token(),
            customer_ref=f"INV-{tag}",
            hidden={"first_name": f"Inv{tag}"},
            expires_at=utcnow() + timedelta(days=30),
        )
        db.session.add(invitation)
        db.session.commit()
        objects[key] = DepartmentObjects(
            department=department,
            theme_id=theme.id,
            triage_theme_id=triage.id,
            response_id=response.id,
            conversation=response.token,
            invitation=invitation.token,
            markers=markers,
        )
    partial = make_response(complete=False)
    return World("relationship-nps", objects, partial.token)


Rows = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
def snapshot(app_ctx: None) -> Callable[[], Rows]:
    """Return a function that reads every row of every table."""
    return all_rows


@pytest.fixture
def token_for() -> Callable[[FlaskClient], str]:
    """Return a function giving a valid CSRF token for a client's session."""
    return form_token


# The dashboard stores the counts of finished periods the first time it shows them
# (score_tally): a cache of what the answers already say, so a GET that fills it
# changes nothing a person could see or a forged request could exploit.
CACHE_TABLES = frozenset({"score_tally"})


def all_rows() -> Rows:
    """Every row of every table but the caches, in primary-key order."""
    db.session.expire_all()
    return {
        table.name: [
            tuple(row)
            for row in db.session.execute(
                select(table).order_by(*table.primary_key.columns)
            )
        ]
        for table in db.metadata.sorted_tables
        if table.name not in CACHE_TABLES
    }


class Capabilities:
    """Makes the tokens of unsubscribe links, which work for whoever holds them."""

    def __init__(self, make_theme: Callable[..., Theme]) -> None:
        self.make_theme = make_theme

    def recipient(self, key: str) -> str:
        """The unsubscribe token of a new campaign e-mail's recipient."""
        campaign = Campaign(
            survey_id=db.session.scalar(select(Survey.id)),
            name="customers.csv",
            send_at=utcnow(),
            contact_days=90,
        )
        db.session.add(campaign)
        db.session.flush()
        recipient = CampaignRecipient(
            campaign_id=campaign.id,
            token=new_token(),
            customer_ref=f"C-{key}",
            email=f"customer-{key}@example.com",
            locale="en",
            due_at=utcnow(),
        )
        db.session.add(recipient)
        db.session.commit()
        return recipient.token

    def loop_message(self, department: str, key: str) -> str:
        """The token of a "what changed" e-mail to a respondent of a new theme."""
        answers = [{"text": f"loop of {key}", "consent": True}]
        theme = self.make_theme(department, answers=answers)
        response_id = db.session.scalar(
            select(Answer.response_id)
            .join(ThemeAnswer, ThemeAnswer.answer_id == Answer.id)
            .where(ThemeAnswer.theme_id == theme.id)
        )
        message = LoopMessage(
            theme_id=theme.id,
            response_id=response_id,
            email=f"respondent-{key}@example.com",
            token=new_token(),
        )
        db.session.add(message)
        db.session.commit()
        return message.token


@pytest.fixture
def capabilities(make_theme: Callable[..., Theme]) -> Capabilities:
    """Return a maker of unsubscribe tokens (campaign and close-the-loop e-mails)."""
    return Capabilities(make_theme)
