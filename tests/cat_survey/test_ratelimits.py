"""Rate limits on conversations: per address and survey, 429, nothing typed is lost."""

import pytest
from helpers import csrf_token

from cat_survey.db import db
from cat_survey.models import SurveyResponse
from cat_survey.ratelimits import init_rate_limits

OTHER_ADDRESS = {"REMOTE_ADDR": "192.0.2.7"}


@pytest.fixture
def limited(app, make_survey) -> None:
    """Limits on (the suite turns them off), small enough to reach in a test."""
    app.config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_CONVERSATION_STARTS="2 per minute",
        RATELIMIT_CONVERSATION_ANSWERS="3 per minute",
        RATELIMIT_SURVEY_STARTS="3 per minute",
    )
    init_rate_limits(app)
    make_survey("relationship-nps")


def start_on_web(client, environ=None):
    environ = environ or {}
    url = "/s/relationship-nps"
    page = client.get(url, environ_base=environ)
    data = {"csrf_token": csrf_token(page.text), "segment": "smb"}
    return client.post(url, data=data, environ_base=environ)


def start_by_api(client, environ=None, **body):
    environ = environ or {}
    url = "/api/v1/surveys/relationship-nps/conversations"
    return client.post(url, json=body, environ_base=environ)


def response_count() -> int:
    return db.session.scalar(db.select(db.func.count(SurveyResponse.id)))


def test_a_third_start_from_one_address_gets_429_and_the_intro_again(
    app, limited, app_ctx
):
    for _ in range(2):
        # A fresh browser each time: no resume cookie sends it back to its own.
        assert start_on_web(app.test_client()).status_code == 302
    refused = start_on_web(app.test_client())
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many surveys are being started from your network" in refused.text
    # The intro is shown again, hidden fields and all, ready to press Start.
    assert 'name="segment" value="smb"' in refused.text
    assert response_count() == 2


def test_the_limit_is_per_address(app, limited, app_ctx):
    for _ in range(2):
        assert start_by_api(app.test_client()).status_code == 201
    assert start_by_api(app.test_client()).status_code == 429
    assert start_by_api(app.test_client(), OTHER_ADDRESS).status_code == 201


def test_the_survey_has_a_ceiling_over_all_addresses(app, limited, app_ctx):
    addresses = [{"REMOTE_ADDR": f"198.51.100.{n}"} for n in range(4)]
    codes = [start_by_api(app.test_client(), a).status_code for a in addresses]
    assert codes == [201, 201, 201, 429]


def test_an_answer_over_the_limit_keeps_the_typed_text(app, limited, app_ctx):
    client = app.test_client()
    url = start_on_web(client).headers["Location"]

    def send(question_id, value):
        page = client.get(url)
        data = {"csrf_token": csrf_token(page.text), "question_id": question_id}
        return client.post(url, data={**data, "value": value})

    assert send("nps", "3").status_code == 302
    assert send("fix_first", "Invoices").status_code == 302
    assert send("support_csat", "2").status_code == 302
    # Going back to improve the text: the fourth answer in a minute is refused...
    refused = send("fix_first", "Invoices were wrong <b>twice</b>")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "your answer is still here" in refused.text
    # ...and the step comes back with the new text still typed (and escaped).
    assert "Invoices were wrong &lt;b&gt;twice&lt;/b&gt;</textarea>" in refused.text


def test_the_api_answers_429_as_json_in_the_conversation_language(
    app, limited, app_ctx
):
    client = app.test_client()
    token = start_by_api(client, locale="ja").get_json()["token"]
    url = f"/api/v1/conversations/{token}/answers"
    for value in (3, 4, 5):
        answered = client.post(url, json={"question_id": "nps", "value": value})
        assert answered.status_code == 200
    refused = client.post(url, json={"question_id": "nps", "value": 6})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    message = refused.get_json()["error"]["message"]
    assert "回答" in message
    assert "秒" in message


def test_limits_off_count_nothing(app, make_survey, app_ctx):
    make_survey("relationship-nps")
    assert app.config["RATELIMIT_ENABLED"] is False  # the suite's setting
    codes = {start_by_api(app.test_client()).status_code for _ in range(12)}
    assert codes == {201}


def test_an_unreachable_storage_lets_customers_through(app, make_survey, app_ctx):
    app.config.update(
        RATELIMIT_ENABLED=True,
        # Nothing listens on port 9 (discard) of loopback here.
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0",
    )
    init_rate_limits(app)
    make_survey("relationship-nps")
    assert start_by_api(app.test_client()).status_code == 201
