"""Suspect responses on the dashboard: left out of scores, counted, reviewed."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from helpers import TEST_PASSWORD, csrf_token
from werkzeug.security import generate_password_hash

from cat_survey.analyze.scope import text_answers
from cat_survey.db import db
from cat_survey.models import AdminEvent, SurveyResponse, User
from cat_survey.reports.queries import Filters, nps_series

LEAD = "lead@example.com"
MAR = datetime(2024, 3, 5, 9, tzinfo=UTC)
MARCH = "from=2024-03-01&to=2024-03-31&period=month"
SPAM = "Claim your refund at <b>evil-example</b> dot com"


@pytest.fixture
def lead(app_ctx, auth) -> User:
    """The test client is signed in as a CX lead."""
    password_hash = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1")
    user = User(email=LEAD, name="Lead", role="cx_lead", password_hash=password_hash)
    db.session.add(user)
    db.session.commit()
    auth.login(LEAD)
    return user


@pytest.fixture
def march(add_response) -> list[SurveyResponse]:
    """Ten genuine promoters, and five suspect detractors with one crafted text."""
    for minute in range(10):
        add_response({"nps": 10}, at=MAR + timedelta(minutes=minute))
    stuffed = [
        add_response(
            {"nps": 0, "comment": SPAM}, at=MAR + timedelta(hours=1, minutes=n)
        )
        for n in range(5)
    ]
    for response in stuffed:
        response.integrity = "suspect"
        response.suspect_reason = "duplicate: the same text as 4 other recent responses"
    db.session.commit()
    return stuffed


def march_nps() -> float | None:
    filters = Filters(
        start=MAR.date().replace(day=1), end=MAR.date().replace(day=31), period="month"
    )
    return nps_series(filters)[0].result.score


def test_suspect_responses_count_in_no_score_until_released(client, lead, march):
    assert march_nps() == 100.0
    page = client.get(f"/dashboard?{MARCH}").text
    assert "5 responses in this range left out as suspect" in page
    assert "(5 waiting for review, 0 discarded)" in page
    # Released, a response counts again: one detractor among eleven.
    token = csrf_token(client.get("/dashboard/suspects").text)
    url = f"/dashboard/suspects/{march[0].id}"
    assert (
        client.post(url, data={"csrf_token": token, "decision": "release"}).status_code
        == 302
    )
    assert march_nps() == pytest.approx(100 * 10 / 11 - 100 * 1 / 11)
    page = client.get(f"/dashboard?{MARCH}").text
    assert "4 responses in this range left out as suspect" in page


def test_suspect_texts_join_no_theme(app_ctx, march):
    assert text_answers() == []
    march[0].integrity = "released"
    db.session.commit()
    assert [answer.text for answer in text_answers()] == [SPAM]


def test_the_review_page_lists_suspects_with_escaped_texts(client, lead, march):
    page = client.get("/dashboard/suspects")
    assert page.status_code == 200
    assert "5 responses waiting for review" in page.text
    assert "Claim your refund at &lt;b&gt;evil-example&lt;/b&gt; dot com" in page.text
    assert "<b>evil-example</b>" not in page.text
    assert "duplicate: the same text as 4 other recent responses" in page.text


def test_a_discard_is_audited_and_a_second_decision_changes_nothing(
    client, lead, march
):
    token = csrf_token(client.get("/dashboard/suspects").text)
    url = f"/dashboard/suspects/{march[1].id}"
    done = client.post(url, data={"csrf_token": token, "decision": "discard"})
    assert done.status_code == 302
    assert f"Response {march[1].id} discarded." in client.get(done.location).text
    again = client.post(url, data={"csrf_token": token, "decision": "release"})
    assert "is not waiting for review" in client.get(again.location).text
    db.session.refresh(march[1])
    assert march[1].integrity == "discarded"
    events = db.session.scalars(db.select(AdminEvent)).all()
    assert [(e.kind, e.response_id, e.actor_id) for e in events] == [
        ("response_discarded", march[1].id, lead.id)
    ]
    page = client.get(f"/dashboard?{MARCH}").text
    assert "(4 waiting for review, 1 discarded)" in page
    assert not re.search(
        rf">{march[1].id}</th>", client.get("/dashboard/suspects").text
    )


def test_an_unknown_decision_is_refused(client, lead, march):
    token = csrf_token(client.get("/dashboard/suspects").text)
    url = f"/dashboard/suspects/{march[0].id}"
    refused = client.post(url, data={"csrf_token": token, "decision": "delete"})
    assert refused.status_code == 400
    db.session.refresh(march[0])
    assert march[0].integrity == "suspect"
