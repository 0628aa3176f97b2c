"""The JSON conversation API: start, answer, read back, and refuse bad input."""

from pathlib import Path

import pytest

from cat_survey.db import db
from cat_survey.models import Answer, Invitation, Survey, SurveyResponse


@pytest.fixture
def relationship(make_survey) -> str:
    return make_survey("relationship-nps")


def start(client, slug="relationship-nps", **body):
    return client.post(f"/api/v1/surveys/{slug}/conversations", json=body)


def answer(client, token, question_id, value):
    return client.post(
        f"/api/v1/conversations/{token}/answers",
        json={"question_id": question_id, "value": value},
    )


def test_start_returns_a_token_and_the_first_question(client, relationship):
    response = start(client, hidden={"first_name": "Aiko", "segment": "smb"})
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["token"]) >= 32
    assert body["next"] == {
        "id": "nps",
        "type": "nps",
        "prompt": "How likely are you to recommend us to a friend or colleague?",
        "required": True,
        "min": 0,
        "max": 10,
        "labels": {"min": "Not at all likely", "max": "Extremely likely"},
        "progress": 0.0,
    }


def test_a_detractor_completes_the_conversation(client, app_ctx, relationship):
    token = start(client, hidden={"segment": "enterprise"}).get_json()["token"]
    step = answer(client, token, "nps", 3).get_json()["next"]
    assert step["id"] == "fix_first"
    assert step["max_length"] == 2000
    step = answer(client, token, "fix_first", "Invoices are wrong").get_json()["next"]
    assert step["id"] == "support_csat"
    step = answer(client, token, "support_csat", 2).get_json()["next"]
    assert step["options"] == [
        {"value": "yes", "label": "Yes, please get in touch"},
        {"value": "no", "label": "No, thanks"},
    ]
    assert answer(client, token, "contact_consent", "yes").get_json() == {
        "next": None,
        "completed": True,
    }
    stored = db.session.scalar(db.select(SurveyResponse).filter_by(token=token))
    assert stored.status == "complete"
    assert stored.segment == "enterprise"
    assert stored.contact_consent is True
    assert {a.question_id: a.number_value or a.text_value for a in stored.answers} == {
        "nps": 3,
        "fix_first": "Invoices are wrong",
        "support_csat": 2,
        "contact_consent": "yes",
    }


def test_show_returns_the_transcript_and_next_question(client, relationship):
    token = start(client, locale="ja").get_json()["token"]
    answer(client, token, "nps", 10)
    body = client.get(f"/api/v1/conversations/{token}").get_json()
    assert body["survey"] == "relationship-nps"
    assert body["completed"] is False
    assert body["transcript"] == [
        {
            "question_id": "nps",
            "prompt": "当社を友人や同僚に薦める可能性はどのくらいありますか？",
            "value": 10,
        }
    ]
    assert body["next"]["id"] == "value_most"


@pytest.mark.parametrize(
    ("question_id", "value", "message"),
    [
        ("nps", 11, "from 0 to 10"),
        ("nps", "ten", "from 0 to 10"),
        ("nps", None, "Please answer"),
        ("nps", {"x": 1}, "from 0 to 10"),
        ("support_csat", 3, "current question first"),
        ("nope", 3, "no such question"),
        (None, 3, "no such question"),
        (["nps"], 3, "no such question"),
    ],
)
def test_invalid_answer_is_422_and_changes_nothing(
    client, app_ctx, relationship, question_id, value, message
):
    token = start(client).get_json()["token"]
    response = answer(client, token, question_id, value)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert message in error["message"]
    assert error["question_id"] == (
        question_id if isinstance(question_id, str) else None
    )
    assert db.session.scalar(db.select(db.func.count(Answer.id))) == 0


def test_a_lone_surrogate_is_a_clear_422_not_a_500(client, app_ctx, relationship):
    token = start(client).get_json()["token"]
    answer(client, token, "nps", 3)
    response = answer(client, token, "fix_first", "a\ud800")
    assert response.status_code == 422
    assert "broken character" in response.get_json()["error"]["message"]
    assert (
        db.session.scalar(db.select(Answer).filter_by(question_id="fix_first")) is None
    )


def complete_as_detractor(client, **start_body) -> str:
    """Start and finish a detractor's conversation; return its token."""
    token = start(client, **start_body).get_json()["token"]
    detractor = [
        ("nps", 3),
        ("fix_first", "Invoices are wrong"),
        ("support_csat", 2),
        ("contact_consent", "no"),
    ]
    for question, value in detractor:
        assert answer(client, token, question, value).status_code == 200
    return token


def test_a_completed_conversation_is_read_only(client, app_ctx, relationship):
    token = complete_as_detractor(client)
    response = answer(client, token, "nps", 10)
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == (
        "This survey is complete: your answers are saved and can no longer be changed."
    )
    stored = db.session.scalar(db.select(SurveyResponse))
    assert stored.status == "complete"
    assert {a.question_id: a.number_value or a.text_value for a in stored.answers}[
        "fix_first"
    ] == "Invoices are wrong"


def test_a_completed_conversation_says_so_in_japanese(client, relationship):
    token = complete_as_detractor(client, locale="ja")
    message = answer(client, token, "nps", 10).get_json()["error"]["message"]
    assert "変更" in message


def test_a_used_invitation_cannot_start_again(client, app_ctx, relationship):
    survey = db.session.scalar(db.select(Survey).filter_by(slug=relationship))
    db.session.add(Invitation(survey=survey, token="used-token-1", customer_ref="C-9"))
    db.session.commit()
    token = complete_as_detractor(client, invitation="used-token-1")
    again = start(client, invitation="used-token-1")
    assert again.status_code == 409
    assert "already answered" in again.get_json()["error"]["message"]
    assert client.get("/i/used-token-1").status_code == 409
    assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 1
    assert token


def test_answering_an_earlier_question_goes_back(client, app_ctx, relationship):
    token = start(client).get_json()["token"]
    answer(client, token, "nps", 2)
    answer(client, token, "fix_first", "slow support")
    answer(client, token, "support_csat", 4)
    step = answer(client, token, "nps", 9).get_json()["next"]
    assert step["id"] == "value_most"
    ids = set(db.session.scalars(db.select(Answer.question_id)))
    assert ids == {"nps", "support_csat"}


def test_the_same_answer_twice_stores_one_row(client, app_ctx, relationship):
    token = start(client).get_json()["token"]
    first = answer(client, token, "nps", 8)
    second = answer(client, token, "nps", 8)
    assert first.get_json() == second.get_json()
    assert db.session.scalar(db.select(db.func.count(Answer.id))) == 1


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status"),
    [
        ("post", "/api/v1/surveys/nope/conversations", {"json": {}}, 404),
        ("get", "/api/v1/conversations/unknown", {}, 404),
        ("post", "/api/v1/conversations/unknown/answers", {"json": {}}, 404),
        ("post", "/api/v1/surveys/relationship-nps/conversations",
         {"data": "not json", "content_type": "application/json"}, 400),
        ("post", "/api/v1/surveys/relationship-nps/conversations", {"json": [1]}, 400),
        ("post", "/api/v1/surveys/relationship-nps/conversations",
         {"json": {"hidden": "x"}}, 400),
        ("post", "/api/v1/surveys/relationship-nps/conversations",
         {"json": {"invitation": "nope"}}, 404),
    ],
)  # fmt: skip
def test_errors_are_json_with_a_message(
    client, relationship, method, url, kwargs, status
):
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == status
    assert response.get_json()["error"]["message"]


def test_unknown_hidden_fields_are_dropped(client, app_ctx, relationship):
    token = start(
        client, hidden={"segment": "smb", "evil": "x", "plan": ["a"]}
    ).get_json()
    stored = db.session.scalar(
        db.select(SurveyResponse).filter_by(token=token["token"])
    )
    assert stored.hidden == {"segment": "smb"}


def test_a_new_version_reaches_new_conversations_and_spares_running_ones(
    client, app_ctx, make_survey, relationship
):
    running = start(client).get_json()["token"]
    shipped = Path(__file__).parents[3] / "surveys" / "relationship-nps.yaml"
    old_prompt = "How likely are you to recommend us to a friend or colleague?"
    new_prompt = "How likely are you to recommend our product to a colleague?"
    # What `surveys load` does with an edited file: a new version, a new checksum.
    make_survey(shipped.read_text(encoding="utf-8").replace(old_prompt, new_prompt))

    assert start(client).get_json()["next"]["prompt"] == new_prompt
    resumed = client.get(f"/api/v1/conversations/{running}").get_json()
    assert resumed["next"]["prompt"] == old_prompt
    assert answer(client, running, "nps", 9).status_code == 200


def test_start_of_a_survey_without_a_loaded_version_is_404(client, app_ctx):
    # A survey row whose file was never loaded has nothing to answer yet.
    db.session.add(Survey(slug="unloaded", title="Unloaded"))
    db.session.commit()

    response = start(client, slug="unloaded")

    assert response.status_code == 404
    assert db.session.query(SurveyResponse).count() == 0
