"""A survey outside its dates: a polite page in the customer's language, API 410."""

from datetime import timedelta

import pytest
from helpers import SURVEYS_DIR

from cat_survey.db import db
from cat_survey.models import Survey, utcnow

SOURCE = (SURVEYS_DIR / "relationship-nps.yaml").read_text(encoding="utf-8")


@pytest.fixture
def survey(make_survey) -> Survey:
    """relationship-nps, open now (the tests move its dates)."""
    slug = make_survey("relationship-nps")
    return db.session.scalars(db.select(Survey).filter_by(slug=slug)).one()


def close(survey: Survey) -> None:
    survey.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


def start_api(client, slug: str, **body):
    return client.post(f"/api/v1/surveys/{slug}/conversations", json=body)


def test_a_closed_survey_shows_a_polite_page_in_english(client, survey):
    close(survey)
    page = client.get("/s/relationship-nps", headers={"Accept-Language": "en"})
    assert page.status_code == 410
    assert "This survey has closed" in page.text
    assert "answers given before it closed are kept" in page.text


def test_a_closed_survey_shows_the_page_in_japanese(client, survey):
    close(survey)
    page = client.get("/s/relationship-nps", headers={"Accept-Language": "ja"})
    assert page.status_code == 410
    assert "このアンケートは終了しました" in page.text


def test_a_survey_not_yet_open_says_when_it_opens(client, survey):
    survey.opens_at = utcnow() + timedelta(days=2)
    db.session.commit()
    page = client.get("/s/relationship-nps", headers={"Accept-Language": "en"})
    assert page.status_code == 403
    assert "This survey is not open yet" in page.text
    assert f"{survey.opens_at:%Y-%m-%d}" in page.text


def test_a_conversation_started_before_closing_gets_the_page_and_keeps_its_answers(
    client, survey
):
    started = start_api(client, "relationship-nps", locale="ja").get_json()
    token = started["token"]
    answered = client.post(
        f"/api/v1/conversations/{token}/answers",
        json={"question_id": "nps", "value": 9},
    )
    assert answered.status_code == 200
    close(survey)

    page = client.get(f"/c/{token}")
    assert page.status_code == 410
    assert "このアンケートは終了しました" in page.text
    api = client.post(
        f"/api/v1/conversations/{token}/answers",
        json={"question_id": "nps", "value": 3},
    )
    assert api.status_code == 410
    shown = client.get(f"/api/v1/conversations/{token}").get_json()
    assert [entry["value"] for entry in shown["transcript"]] == [9]


def test_the_api_answers_410_for_a_closed_survey(client, survey):
    close(survey)
    response = start_api(client, "relationship-nps")
    assert response.status_code == 410
    assert "has closed" in response.get_json()["error"]["message"]


def test_the_api_says_not_yet_open_with_403(client, survey):
    survey.opens_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    assert start_api(client, "relationship-nps").status_code == 403


def test_the_survey_list_offers_only_surveys_that_take_answers_now(client, survey):
    assert f"/s/{survey.slug}" in client.get("/").text
    close(survey)
    assert f"/s/{survey.slug}" not in client.get("/").text
    survey.closes_at, survey.opens_at = None, utcnow() + timedelta(days=1)
    db.session.commit()
    assert f"/s/{survey.slug}" not in client.get("/").text
