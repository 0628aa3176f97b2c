"""The campaign pages, the score links of the e-mail and the unsubscribe page."""

import base64
import csv
import io
import re
from datetime import UTC, datetime

import pytest
from helpers import csrf_token

from cat_survey.db import db
from cat_survey.domain.campaigns import create_campaign, send_due_campaign_mail
from cat_survey.domain.responses import load_conversation
from cat_survey.extensions import LOCALE_COOKIE
from cat_survey.invitations import read_customer_csv
from cat_survey.models import (
    Campaign,
    CampaignRecipient,
    Suppression,
    SurveyResponse,
)

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CUSTOMERS = (
    "ref,email,name,locale\n"
    "C-1,ana@example.com,Ana,en\n"
    "C-2,aiko@example.jp,Aiko,ja\n"
    "C-3,,Nobody,en\n"
)


@pytest.fixture
def recipient(nps_survey, mail_app) -> CampaignRecipient:
    """Ana, planned in a campaign of relationship-nps and e-mailed."""
    rows = read_customer_csv(b"ref,email,name\nC-1,ana@example.com,Ana\n", "c.csv")
    result = create_campaign(nps_survey, rows, name="c.csv", send_at=NOW, now=NOW)
    db.session.commit()
    send_due_campaign_mail(now=NOW)
    return result.recipients[0]


def row_counts() -> dict[str, int]:
    """How many rows every table holds."""
    return {
        table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def test_opening_a_score_link_changes_no_row(client, recipient):
    before = row_counts()
    token = recipient.invitation.token
    page = client.get(f"/i/{token}?score=9&lang=en")
    assert page.status_code == 200
    assert re.search(r'<input checked[^>]*value="9"', page.text)
    assert "Send my score" in page.text
    assert row_counts() == before


def test_pressing_the_button_records_the_score_and_goes_on(client, recipient):
    token = recipient.invitation.token
    page = client.get(f"/i/{token}?score=9&lang=en")
    answer = client.post(
        f"/i/{token}?score=9&lang=en",
        data={"csrf_token": csrf_token(page.text), "question_id": "nps", "value": "9"},
    )
    assert answer.status_code == 302
    response = db.session.scalar(db.select(SurveyResponse))
    conversation = load_conversation(response.token)
    assert conversation.answers == {"nps": 9}
    assert conversation.position.next.id == "value_most"  # a promoter's follow-up
    assert answer.headers["Location"].endswith(f"/c/{response.token}")


def test_a_score_changed_before_pressing_is_the_one_recorded(client, recipient):
    token = recipient.invitation.token
    page = client.get(f"/i/{token}?score=9")
    client.post(
        f"/i/{token}?score=9",
        data={"csrf_token": csrf_token(page.text), "question_id": "nps", "value": "4"},
    )
    response = db.session.scalar(db.select(SurveyResponse))
    assert load_conversation(response.token).answers == {"nps": 4}


@pytest.mark.parametrize("score", ["11", "-1", "nine", ""])
def test_a_score_outside_the_scale_opens_the_plain_intro(client, recipient, score):
    page = client.get(f"/i/{recipient.invitation.token}?score={score}")
    assert page.status_code == 200
    assert "Send my score" not in page.text
    assert ">Start<" in page.text


def test_the_link_opens_in_the_customers_language(client, recipient):
    page = client.get(f"/i/{recipient.invitation.token}?score=3&lang=ja")
    assert "当社を友人や同僚に薦める可能性" in page.text
    assert "この点数を送信する" in page.text


def test_unsubscribe_needs_a_press_and_then_suppresses(client, recipient):
    before = row_counts()
    page = client.get(f"/unsubscribe/{recipient.token}")
    assert page.status_code == 200
    assert row_counts() == before
    done = client.post(f"/unsubscribe/{recipient.token}")
    assert "You are unsubscribed" in done.text
    db.session.refresh(recipient)
    assert recipient.unsubscribed_at is not None
    assert db.session.scalar(db.select(Suppression.email)) == "ana@example.com"


def test_one_click_unsubscribe_works_without_a_csrf_token(client, recipient):
    # RFC 8058: the mail client POSTs this body to the List-Unsubscribe address.
    response = client.post(
        f"/unsubscribe/{recipient.token}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert db.session.scalar(db.select(Suppression.reason)) == "unsubscribed"


def test_an_unknown_unsubscribe_link_is_404(client, app_ctx):
    assert client.get("/unsubscribe/nope").status_code == 404


def upload(client, data: bytes, **fields):
    """Post the new-campaign form with a file; return the preview page."""
    page = client.get("/campaigns/")
    form = {
        "csrf_token": csrf_token(page.text),
        "survey": "relationship-nps",
        "customers": (io.BytesIO(data), "customers.csv"),
        **fields,
    }
    return client.post("/campaigns/preview", data=form,
                       content_type="multipart/form-data")  # fmt: skip


def test_a_lead_previews_then_sends_a_campaign(client, auth, staff, nps_survey):
    auth.login(staff["lead"].email)
    preview = upload(client, CUSTOMERS.encode(), reminder_days="3")

    assert preview.status_code == 200
    assert db.session.scalar(db.select(db.func.count(Campaign.id))) == 0
    assert "<strong>2</strong> customers" in preview.text
    assert "no e-mail address (a campaign needs one)" in preview.text
    assert "How likely are you to recommend us" in preview.text  # English e-mail
    assert "当社を友人や同僚に薦める可能性" in preview.text  # and Japanese

    sent = client.post(
        "/campaigns/",
        data={
            name: value
            for name, value in re.findall(
                r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', preview.text
            )
        },
    )
    assert sent.status_code == 302
    campaign = db.session.scalar(db.select(Campaign))
    assert (campaign.reminder_days, campaign.created_by_id) == (3, staff["lead"].id)
    index = client.get("/campaigns/")
    # The id, not 1: on PostgreSQL the preview's rolled-back campaign used a number.
    created = f"Campaign {campaign.id} created: 2 e-mails to send, 1 row refused."
    assert created in index.text
    assert "customers.csv" in index.text


def test_a_lead_who_chose_japanese_previews_in_it(client, auth, staff, nps_survey):
    auth.login(staff["lead"].email)
    client.set_cookie(LOCALE_COOKIE, "ja")
    assert "<h1>メールキャンペーン</h1>" in client.get("/campaigns/").text
    preview = upload(client, CUSTOMERS.encode(), reminder_days="3")
    assert preview.status_code == 200
    assert "顧客 <strong>2</strong> 人に" in preview.text
    assert "3 日後にリマインダーを1通送ります" in preview.text
    assert "除外した行: 1 件。" in preview.text
    assert "メールアドレスがありません（キャンペーンには必須です）" in preview.text
    assert '<span lang="ja">日本語</span>のメール' in preview.text
    assert "2 人に送信" in preview.text


def test_a_file_without_refs_is_refused_on_the_form(client, auth, staff, nps_survey):
    auth.login(staff["lead"].email)
    page = upload(client, b"email\nana@example.com\n")
    assert page.status_code == 400
    assert "needs a &#39;ref&#39; column" in page.text


def test_a_tampered_confirmation_is_a_clear_400(client, auth, staff, nps_survey):
    auth.login(staff["lead"].email)
    page = client.get("/campaigns/")
    response = client.post(
        "/campaigns/",
        data={
            "csrf_token": csrf_token(page.text),
            "survey": "relationship-nps",
            "csv_data": "not base64!",
        },
    )
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Campaign.id))) == 0


def test_the_stats_download_is_a_csv(client, auth, staff, recipient):
    auth.login(staff["admin"].email)
    response = client.get("/campaigns/campaigns.csv")
    assert response.mimetype == "text/csv"
    header, row = csv.reader(io.StringIO(response.data.decode("utf-8-sig")))
    assert header[:6] == ["campaign_id", "name", "survey", "send_at", "recipients",
                          "sent"]  # fmt: skip
    assert row[1:3] == ["c.csv", "relationship-nps"]


def test_advocates_may_not_see_campaigns(client, auth, staff):
    auth.login(staff["a"].email)
    assert client.get("/campaigns/").status_code == 403
    data = {
        "csrf_token": csrf_token(client.get("/themes").text),
        "survey": "relationship-nps",
        "csv_data": base64.b64encode(b"ref,email\nC-1,a@example.com\n").decode(),
    }
    assert client.post("/campaigns/", data=data).status_code == 403
