"""The customer's web conversation, driven through real forms and CSRF tokens."""

import re
from datetime import timedelta

import pytest
from helpers import csrf_token

from cat_survey.db import db
from cat_survey.models import Answer, Invitation, Survey, SurveyResponse, utcnow


@pytest.fixture
def relationship(make_survey) -> str:
    return make_survey("relationship-nps")


def begin(client, url="/s/relationship-nps", **hidden) -> str:
    """Start a conversation from a link; return its URL."""
    page = client.get(url, query_string=hidden)
    response = client.post(url, data={"csrf_token": csrf_token(page.text), **hidden})
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def send(client, url, question_id, value=None, **extra):
    page = client.get(url)
    data = {"csrf_token": csrf_token(page.text), "question_id": question_id, **extra}
    if value is not None:
        data["value"] = value
    return client.post(url, data=data)


def stored_answers() -> dict:
    return {
        answer.question_id: answer.number_value or answer.text_value
        for answer in db.session.scalars(db.select(Answer))
    }


def test_intro_pipes_hidden_fields_and_escapes_them(client, relationship):
    page = client.get("/s/relationship-nps?first_name=<b>Aiko</b>")
    assert page.status_code == 200
    assert "Hi &lt;b&gt;Aiko&lt;/b&gt;!" in page.text
    assert "<b>Aiko</b>" not in page.text


def test_opening_a_link_stores_nothing(client, app_ctx, relationship):
    client.get("/s/relationship-nps")
    assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 0


def test_a_detractor_walks_through_one_question_at_a_time(
    client, app_ctx, relationship
):
    url = begin(client, first_name="Aiko", segment="smb")
    first = client.get(url)
    assert "How likely are you to recommend us" in first.text
    # One of three follow-ups will come: four questions from the start.
    assert "Question 1 of 4" in first.text
    assert first.text.count('type="radio"') == 11
    assert send(client, url, "nps", "4").status_code == 302
    second = client.get(url)
    assert "Sorry we let you down" in second.text
    assert "Question 2 of 4" in second.text
    send(client, url, "fix_first", "Invoices <script>alert(1)</script>")
    page = client.get(url)
    assert "Invoices &lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    send(client, url, "support_csat", "2")
    send(client, url, "contact_consent", skip="1")
    done = client.get(url)
    assert "Thank you, Aiko" in done.text
    response = db.session.scalar(db.select(SurveyResponse))
    assert response.status == "complete"
    assert response.hidden == {"first_name": "Aiko", "segment": "smb"}
    assert stored_answers() == {
        "nps": 4,
        "fix_first": "Invoices <script>alert(1)</script>",
        "support_csat": 2,
        "contact_consent": None,
    }


def test_invalid_answer_keeps_the_text_and_explains(client, app_ctx, relationship):
    url = begin(client)
    send(client, url, "nps", "3")
    long_text = "slow " * 500
    response = send(client, url, "fix_first", long_text)
    assert response.status_code == 422
    assert "Please keep your answer under 2000 characters" in response.text
    assert long_text.strip() in response.text
    assert "fix_first" not in stored_answers()


@pytest.mark.parametrize("bad", ["\x7f", "\x85", "\x9b", "\u202e", "\u2067"])
def test_control_characters_are_refused_and_the_text_kept(
    client, app_ctx, relationship, bad
):
    url = begin(client)
    send(client, url, "nps", "3")
    response = send(client, url, "fix_first", f"Invoices{bad} are wrong")
    assert response.status_code == 422
    assert "invisible control characters" in response.text
    assert f"Invoices{bad} are wrong</textarea>" in response.text
    assert "fix_first" not in stored_answers()


def test_a_lone_surrogate_in_a_form_answer_is_no_server_error(
    client, app_ctx, relationship
):
    url = begin(client)
    send(client, url, "nps", "3")
    page = client.get(url)
    # "a" then the UTF-8 bytes of U+D800, which no valid UTF-8 text contains.
    body = f"csrf_token={csrf_token(page.text)}&question_id=fix_first&value=a%ED%A0%80"
    response = client.post(
        url, data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (302, 422)
    assert "\ud800" not in str(stored_answers().get("fix_first", ""))


@pytest.mark.parametrize("value", ["11", "-1", "abc", "", "4\x00"])
def test_bad_scale_value_asks_again_without_a_500(client, app_ctx, relationship, value):
    url = begin(client)
    response = send(client, url, "nps", value)
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert stored_answers() == {}


def test_expired_csrf_token_keeps_the_answer_and_asks_to_resend(
    client, app_ctx, relationship
):
    url = begin(client)
    send(client, url, "nps", "2")
    response = client.post(
        url, data={"csrf_token": "expired", "question_id": "fix_first", "value": "Mine"}
    )
    assert response.status_code == 400
    assert "Your answer is still here" in response.text
    assert "Mine</textarea>" in response.text
    assert "fix_first" not in stored_answers()


def test_closing_the_tab_and_returning_resumes_at_the_first_unanswered(
    client, app_ctx, relationship
):
    url = begin(client)
    send(client, url, "nps", "9")
    again = client.get("/s/relationship-nps")
    assert again.status_code == 302
    assert again.headers["Location"] == url
    assert "What do you value most" in client.get(url).text


def test_going_back_drops_answers_that_no_longer_apply(client, app_ctx, relationship):
    url = begin(client)
    send(client, url, "nps", "3")
    send(client, url, "fix_first", "pricing")
    send(client, url, "support_csat", "4")
    edit = client.get(url, query_string={"edit": "nps"})
    assert re.search(r'<input checked[^>]*value="3"', edit.text)
    send(client, url, "nps", "10")
    assert set(stored_answers()) == {"nps", "support_csat"}
    assert "What do you value most" in client.get(url).text


def test_a_double_submit_stores_one_answer(client, app_ctx, relationship):
    url = begin(client)
    token = csrf_token(client.get(url).text)
    for _ in range(2):
        client.post(url, data={"csrf_token": token, "question_id": "nps", "value": "7"})
    assert db.session.scalar(db.select(db.func.count(Answer.id))) == 1


def test_fragment_request_returns_the_next_step_only(client, relationship):
    url = begin(client)
    token = csrf_token(client.get(url).text)
    response = client.post(
        url,
        data={"csrf_token": token, "question_id": "nps", "value": "8"},
        headers={"X-Conversation-Fragment": "1"},
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "What would it take for us to earn a 10" in response.text


def test_japanese_browser_gets_the_survey_and_its_chrome_in_japanese(
    client, relationship
):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ja,en;q=0.5"
    url = begin(client)
    page = client.get(url)
    assert "当社を友人や同僚に薦める可能性" in page.text
    assert "送信" in page.text
    # The locale is fixed when the conversation starts, whatever the browser says later.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "当社を友人や同僚に薦める可能性" in client.get(url).text


@pytest.fixture
def invitation(app_ctx, relationship) -> Invitation:
    survey = db.session.scalar(db.select(Survey).filter_by(slug=relationship))
    invitation = Invitation(
        survey=survey,
        token="invite-token-123",
        customer_ref="C-1",
        hidden={"first_name": "Ken", "segment": "enterprise"},
        expires_at=utcnow() + timedelta(days=30),
    )
    db.session.add(invitation)
    db.session.commit()
    return invitation


def test_opening_an_invitation_does_not_use_it_up(client, invitation):
    for _ in range(3):
        page = client.get("/i/invite-token-123")
        assert page.status_code == 200
        assert "Hi Ken!" in page.text
    assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 0


def test_invitation_carries_its_hidden_fields_and_is_single_use(client, invitation):
    url = begin(client, "/i/invite-token-123")
    response = db.session.scalar(db.select(SurveyResponse))
    assert response.customer_ref == "C-1"
    assert response.segment == "enterprise"
    assert client.get("/i/invite-token-123").headers["Location"] == url
    answers = [("nps", "10"), ("value_most", "speed"), ("support_csat", "5"),
               ("contact_consent", "no")]  # fmt: skip
    for question, value in answers:
        send(client, url, question, value)
    closed = client.get("/i/invite-token-123")
    assert closed.status_code == 409
    assert "already answered" in closed.text


def test_a_completed_conversation_is_read_only(client, app_ctx, relationship):
    url = begin(client)
    detractor = [
        ("nps", "3"),
        ("fix_first", "Invoices are wrong"),
        ("support_csat", "2"),
        ("contact_consent", "no"),
    ]
    for question, value in detractor:
        send(client, url, question, value)
    response = send(client, url, "nps", "10")
    assert response.status_code == 409
    assert "can no longer be changed" in response.text
    assert stored_answers()["fix_first"] == "Invoices are wrong"
    assert stored_answers()["nps"] == 3
    assert db.session.scalar(db.select(SurveyResponse)).status == "complete"


def test_expired_invitation_says_so(client, invitation):
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get("/i/invite-token-123")
    assert page.status_code == 410
    assert "expired" in page.text


def test_unknown_links_are_friendly_404s(client, relationship):
    for url in ["/s/nope", "/i/nope", "/c/nope", "/i/" + "x" * 500]:
        assert client.get(url).status_code == 404


def level_one_headings(html: str) -> list[str]:
    """The text of every ``<h1>`` on a page (axe's page-has-heading-one)."""
    return [
        re.sub(r"<[^>]+>", "", heading).strip()
        for heading in re.findall(r"<h1\b.*?</h1>", html, re.S)
    ]


def test_every_step_has_exactly_one_level_one_heading(client, relationship):
    url = begin(client)
    assert level_one_headings(client.get(url).text) == ["How are we doing?"]
    send(client, url, "nps", "10")
    assert level_one_headings(client.get(url).text) == ["How are we doing?"]
    send(client, url, "value_most", "The people")
    send(client, url, "support_csat", "5")
    send(client, url, "contact_consent", skip="1")
    done = client.get(url).text
    assert "Thank you!" in done
    assert level_one_headings(done) == ["How are we doing?"]


def test_thank_you_reads_naturally_without_a_first_name(client, relationship):
    url = begin(client)
    send(client, url, "nps", "9")
    send(client, url, "value_most", "Fast answers")
    send(client, url, "support_csat", "4")
    send(client, url, "contact_consent", skip="1")
    done = client.get(url).text
    assert "Thank you, we mean it. Your words go straight to the team" in done
    assert "really" not in done
