"""A survey's ``one_response`` rule: one response per browser, or per invitation."""

from datetime import timedelta

import pytest
from helpers import csrf_token

from cat_survey.db import db
from cat_survey.definitions import DefinitionError, load_definition
from cat_survey.models import Invitation, Survey, SurveyResponse, utcnow

SOURCE = """\
slug: once
title: Once
one_response: {rule}
questions:
  - {{id: nps, type: nps, prompt: "Would you recommend us?"}}
"""


def count_responses() -> int:
    return db.session.scalar(db.select(db.func.count(SurveyResponse.id)))


def start(client, slug="once"):
    page = client.get(f"/s/{slug}")
    if page.status_code != 200:
        return page
    return client.post(f"/s/{slug}", data={"csrf_token": csrf_token(page.text)})


def test_an_unknown_rule_names_file_and_line(tmp_path):
    path = tmp_path / "once.yaml"
    path.write_text(SOURCE.format(rule="per-person"))
    with pytest.raises(DefinitionError) as raised:
        load_definition(path)
    (problem,) = raised.value.problems
    assert (problem.field, problem.line) == ("one_response", 3)
    assert "expected one of browser, invitation, got 'per-person'" in problem.message
    assert f"{path}:3" in str(raised.value)


def test_without_the_rule_a_browser_may_answer_again(client, app_ctx, make_survey):
    make_survey(
        SOURCE.replace("one_response: {rule}\n", "")
        .replace("{{", "{")
        .replace("}}", "}")
    )
    for _ in range(2):
        url = start(client).headers["Location"]
        client.post(url, data={"csrf_token": csrf_token(client.get(url).text),
                               "question_id": "nps", "value": "9"})  # fmt: skip
    assert count_responses() == 2


def test_a_browser_that_answered_is_told_so(client, app_ctx, make_survey):
    make_survey(SOURCE.format(rule="browser"))
    url = start(client).headers["Location"]
    page = client.get(url)
    data = {"csrf_token": csrf_token(page.text), "question_id": "nps", "value": "9"}
    client.post(url, data=data)
    again = client.get("/s/once")
    assert again.status_code == 409
    assert "You have already answered this survey" in again.text
    assert start(client).status_code == 409
    assert count_responses() == 1
    # Another browser is another customer.
    assert start(client.application.test_client()).status_code == 302


def test_an_invitation_only_survey_refuses_public_starts(client, app_ctx, make_survey):
    make_survey(SOURCE.format(rule="invitation"))
    page = client.get("/s/once")
    assert page.status_code == 403
    assert "This survey is by invitation" in page.text
    api = client.post("/api/v1/surveys/once/conversations", json={})
    assert api.status_code == 403
    assert "only through personal invitations" in api.get_json()["error"]["message"]
    survey = db.session.scalar(db.select(Survey).filter_by(slug="once"))
    db.session.add(
        Invitation(survey=survey, token="invite-once", hidden={},
                   expires_at=utcnow() + timedelta(days=7))
    )  # fmt: skip
    db.session.commit()
    started = client.post(
        "/api/v1/surveys/once/conversations", json={"invitation": "invite-once"}
    )
    assert started.status_code == 201
    assert count_responses() == 1
