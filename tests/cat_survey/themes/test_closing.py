"""Closing the loop: the "what changed" e-mail to a resolved theme's respondents."""

import secrets

import pytest
from helpers import csrf_token
from sqlalchemy.exc import IntegrityError

from cat_survey.db import db
from cat_survey.domain.campaigns import suppress, suppressions
from cat_survey.domain.theme_workflow import WorkflowError
from cat_survey.models import (
    Answer,
    Invitation,
    LoopMessage,
    Notification,
    SurveyResponse,
    Theme,
    ThemeEvent,
)
from cat_survey.notifications import Outgoing, email_message
from cat_survey.themes.closing import (
    loop_audience,
    preview_loop_emails,
    send_loop_messages,
)

CHANGES = {
    "en": "Invoices now show every line.",
    "ja": "請求書に全明細を表示しました。",
}


def give_address(text: str, email: str | None, *, locale: str = "en") -> None:
    """Attach an invitation with ``email`` (and a language) to an answer's response."""
    response = db.session.scalar(
        db.select(SurveyResponse).join(Answer).where(Answer.text_value == text)
    )
    invitation = Invitation(
        survey_id=response.survey_id, token=secrets.token_urlsafe(8), email=email
    )
    db.session.add(invitation)
    db.session.flush()
    response.invitation_id = invitation.id
    response.locale = locale
    db.session.commit()


@pytest.fixture
def resolved_theme(make_theme) -> Theme:
    """A resolved CX theme: two writable, one without address, one private."""
    theme = make_theme(
        "cx",
        status="resolved",
        answers=[
            {"text": "invoice <b>wrong</b>", "consent": True, "first_name": "Aiko"},
            {"text": "請求書が違う", "consent": True, "first_name": "Kenji"},
            {"text": "invoice late", "consent": True},
            {"text": "invoice private", "consent": False},
        ],
    )
    give_address("invoice <b>wrong</b>", "Aiko@Example.com")
    give_address("請求書が違う", "kenji@example.jp", locale="ja")
    give_address("invoice private", "private@example.com")
    return theme


def events(theme: Theme, kind: str) -> list[ThemeEvent]:
    return list(
        db.session.scalars(
            db.select(ThemeEvent).filter_by(theme_id=theme.id, kind=kind)
        )
    )


def test_the_audience_is_consenting_respondents_with_an_address(resolved_theme):
    audience = loop_audience(resolved_theme)
    assert sorted(r.email for r in audience.recipients) == [
        "aiko@example.com",
        "kenji@example.jp",
    ]
    assert audience.locales == ("en", "ja")
    assert (audience.without_address, audience.unsubscribed) == (1, 0)
    assert "private@example.com" not in repr(audience)


def test_preview_composes_each_language_and_queues_nothing(resolved_theme):
    _, previews = preview_loop_emails(resolved_theme, CHANGES)
    assert set(previews) == {"en", "ja"}
    english = previews["en"]
    assert "Hello Aiko," in english.text
    assert '"invoice <b>wrong</b>"' in english.text
    assert CHANGES["en"] in english.text
    assert "invoice &lt;b&gt;wrong&lt;/b&gt;" in english.html
    assert "<b>wrong</b>" not in english.html
    assert "Kenji様" in previews["ja"].text
    assert CHANGES["ja"] in previews["ja"].text
    assert "/updates/unsubscribe/" in previews["ja"].text
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0


def test_sending_queues_one_email_per_respondent_once_and_logs_it(
    staff, resolved_theme
):
    assert send_loop_messages(resolved_theme, CHANGES, actor=staff["a"]) == 2
    db.session.commit()
    rows = db.session.scalars(db.select(Notification).order_by(Notification.id)).all()
    assert [r.recipient for r in rows] == ["aiko@example.com", "kenji@example.jp"]
    assert rows[1].subject == "いただいたご意見を受けて変わったこと"
    messages = db.session.scalars(db.select(LoopMessage)).all()
    assert {m.notification_id for m in messages} == {r.id for r in rows}
    for row, message in zip(rows, messages, strict=True):
        assert message.token in row.body
        unsubscribe = row.payload["headers"]["List-Unsubscribe"]
        assert unsubscribe.endswith(f"/updates/unsubscribe/{message.token}>")
    [event] = events(resolved_theme, "loop_closed")
    assert (event.actor_id, event.to_value) == (staff["a"].id, "2 respondents")
    assert CHANGES["en"] in event.reason
    assert "aiko" not in event.reason.lower()
    # Nobody is written to twice: a second send finds nobody left.
    with pytest.raises(WorkflowError, match="Nobody"):
        send_loop_messages(resolved_theme, CHANGES, actor=staff["lead"])
    assert loop_audience(resolved_theme).already_sent == 2


def test_the_unique_key_refuses_a_second_message_to_a_respondent(staff, resolved_theme):
    send_loop_messages(resolved_theme, CHANGES, actor=staff["a"])
    db.session.commit()
    first = db.session.scalars(db.select(LoopMessage)).first()
    db.session.add(
        LoopMessage(
            theme_id=first.theme_id,
            response_id=first.response_id,
            email=first.email,
            token="another",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("status", ["new", "in_progress", "wont_fix"])
def test_only_a_resolved_theme_tells_its_respondents(staff, make_theme, status):
    theme = make_theme(status=status, answers=[{"text": "x", "consent": True}])
    give_address("x", "x@example.com")
    with pytest.raises(WorkflowError, match="resolved"):
        send_loop_messages(theme, CHANGES, actor=staff["a"])


def test_each_language_of_the_audience_needs_its_text(staff, resolved_theme):
    with pytest.raises(WorkflowError, match="Japanese"):
        send_loop_messages(resolved_theme, {"en": "Fixed", "ja": " "}, actor=staff["a"])
    assert db.session.scalar(db.select(db.func.count(LoopMessage.id))) == 0


def test_the_email_carries_a_one_click_unsubscribe_header(staff, resolved_theme):
    send_loop_messages(resolved_theme, CHANGES, actor=staff["a"])
    row = db.session.scalars(db.select(Notification)).first()
    outgoing = Outgoing(
        row.id, row.channel, row.recipient, row.subject, row.body, row.payload
    )
    message = email_message(outgoing, sender="cat@example.com")
    assert message["List-Unsubscribe"].startswith("<http")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


# ---------------------------------------------------------------- over HTTP


def post(client, url: str, data: dict[str, str]):
    token = csrf_token(client.get(url).text)
    return client.post(url, data={**data, "csrf_token": token})


def test_an_advocate_previews_then_sends_from_the_theme_page(
    client, auth, staff, resolved_theme
):
    auth.login(staff["a"].email)
    url = f"/themes/{resolved_theme.id}/close-loop"
    assert url in client.get(f"/themes/{resolved_theme.id}").text
    page = client.get(url).text
    assert "2</strong> consenting respondents" in page
    assert "1 agreed to be contacted but left no e-mail address" in page
    data = {"what_changed_en": CHANGES["en"], "what_changed_ja": CHANGES["ja"]}
    preview = post(client, url, {**data, "preview": "1"}).text
    assert "invoice &lt;b&gt;wrong&lt;/b&gt;" in preview
    assert 'name="send"' in preview
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0
    response = post(client, url, {**data, "send": "1"})
    assert response.headers["Location"] == f"/themes/{resolved_theme.id}"
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 2
    page = client.get(f"/themes/{resolved_theme.id}").text
    assert "Queued 2 e-mails telling respondents what changed." in page
    assert "Told respondents what changed" in page


def test_another_departments_advocate_cannot_reach_the_page(
    client, auth, staff, resolved_theme
):
    auth.login(staff["b"].email)
    assert client.get(f"/themes/{resolved_theme.id}/close-loop").status_code == 404


def test_unsubscribing_asks_first_then_stops_every_later_message(
    client, staff, make_theme, resolved_theme
):
    send_loop_messages(resolved_theme, CHANGES, actor=staff["a"])
    db.session.commit()
    message = db.session.scalar(
        db.select(LoopMessage).filter_by(email="kenji@example.jp")
    )
    url = f"/updates/unsubscribe/{message.token}"
    page = client.get(url)
    assert page.status_code == 200
    assert '<html lang="ja">' in page.text
    db.session.refresh(message)
    assert message.unsubscribed_at is None  # opening the link changes nothing
    assert client.post(url).status_code == 200  # one-click: no CSRF token needed
    db.session.refresh(message)
    assert message.unsubscribed_at is not None
    later = make_theme(status="resolved", answers=[{"text": "again", "consent": True}])
    give_address("again", "Kenji@example.jp")
    audience = loop_audience(later)
    assert (len(audience.recipients), audience.unsubscribed) == (0, 1)
    assert client.get("/updates/unsubscribe/nope").status_code == 404


def test_one_suppression_list_serves_campaign_and_loop_emails(
    client, staff, make_theme, resolved_theme
):
    suppress("Aiko@Example.com", "bounced")
    audience = loop_audience(resolved_theme)
    assert [r.email for r in audience.recipients] == ["kenji@example.jp"]
    assert audience.unsubscribed == 1

    send_loop_messages(resolved_theme, CHANGES, actor=staff["a"])
    db.session.commit()
    message = db.session.scalar(db.select(LoopMessage))
    client.post(f"/updates/unsubscribe/{message.token}")
    assert suppressions(["kenji@example.jp"]) == {"kenji@example.jp": "unsubscribed"}
