"""Constants and small functions that test modules import (fixtures live in conftest).

``pyproject.toml`` puts ``tests/`` on ``sys.path`` (``pythonpath = ["tests"]``), so a
test module says ``from helpers import SURVEYS_DIR``. Importing ``conftest`` instead
would load it a second time under another name, with fixtures pytest already owns.
"""

import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from cat_survey.definitions import SurveyDefinition
from cat_survey.models import Answer, StoredValue

REPO = Path(__file__).parents[1]
SURVEYS_DIR = REPO / "surveys"
DATA_DIR = Path(__file__).parent / "data"
TEST_PASSWORD = "correct horse battery"
#: A customer list for the campaign routes (the CSV rules of invitations).
CAMPAIGN_CSV = b"ref,email,name\nC-77,c77@example.com,Chris\n"
#: A small survey a lead writes in the studio.
STUDIO_SOURCE = (
    "slug: studio-pulse\n"
    "title: Pulse\n"
    "questions:\n"
    "  - id: nps\n"
    "    type: nps\n"
    "    prompt: How likely are you to recommend us?\n"
)

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def answer_rows(
    definition: SurveyDefinition, answers: Mapping[str, StoredValue], *, at: datetime
) -> list[Answer]:
    """Answer rows for ``answers`` in order, typed by the survey ``definition``.

    They are what the conversation stores, without walking the flow, so a test can
    lay out many dated answers quickly.
    """
    return [
        Answer(
            question_id=question_id,
            question_type=definition.question(question_id).type,
            position=position,
            answered_at=at,
            **Answer.columns_for(value),
        )
        for position, (question_id, value) in enumerate(answers.items())
    ]


class AuthActions:
    """Signs a test client in and out through the real login form."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = TEST_PASSWORD) -> TestResponse:
        """Post the login form as ``email``; the response is the redirect or page."""
        page = self.client.get("/auth/login")
        return self.client.post(
            "/auth/login",
            data={
                "email": email,
                "password": password,
                "csrf_token": csrf_token(page.text),
            },
        )

    def logout(self) -> TestResponse:
        """Post the sign-out form."""
        page = self.client.get("/auth/login")
        return self.client.post(
            "/auth/logout", data={"csrf_token": csrf_token(page.text)}
        )
