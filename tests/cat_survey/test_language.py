"""The interface language: the switch, what remembers it, and every page's ``lang``.

The order is the person's explicit choice, then what is stored for them (a staff
member's account, a customer's cookie, a conversation's own language), then the
browser's Accept-Language, then English.
"""

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import TEST_PASSWORD, csrf_token

from cat_survey.db import db
from cat_survey.domain.accounts import INVITED_PREFIX, password_token
from cat_survey.domain.responses import new_token
from cat_survey.extensions import LOCALE_COOKIE
from cat_survey.models import (
    Campaign,
    CampaignRecipient,
    Department,
    Invitation,
    LoopMessage,
    Survey,
    SurveyResponse,
    Theme,
    User,
    utcnow,
)

LANG = re.compile(r'<html lang="([^"]+)">')
JAPANESE = {"Accept-Language": "ja,en;q=0.5"}


def lang_of(html: str) -> str:
    """The language a page declares on its ``html`` element."""
    match = LANG.search(html)
    assert match, "the page has no <html lang>"
    return match.group(1)


def switch(client: FlaskClient, locale: str, back: str, page: str | None = None):
    """Choose ``locale`` with the switch on the page at ``back``."""
    html = client.get(page or back).text
    return client.post(
        "/language",
        data={"locale": locale, "next": back, "csrf_token": csrf_token(html)},
    )


def test_a_customer_switch_is_kept_in_a_cookie_and_beats_the_browser(client):
    assert lang_of(client.get("/").text) == "en"
    response = switch(client, "ja", "/?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/?page=2"
    assert client.get_cookie(LOCALE_COOKIE).value == "ja"
    page = client.get("/").text
    assert lang_of(page) == "ja"
    assert "本文へ移動" in page
    switch(client, "en", "/")
    assert lang_of(client.get("/", headers=JAPANESE).text) == "en"


def test_without_a_choice_the_browser_decides_then_english(client):
    assert lang_of(client.get("/", headers=JAPANESE).text) == "ja"
    assert lang_of(client.get("/", headers={"Accept-Language": "fr"}).text) == "en"


def test_a_staff_members_choice_follows_them_to_another_browser(
    app: Flask, make_user: Callable[..., User], auth
):
    lead = make_user()
    auth.login(lead.email)
    switch(auth.client, "ja", "/themes")
    assert db.session.get(User, lead.id).locale == "ja"
    elsewhere = app.test_client()
    page = elsewhere.get("/auth/login").text
    elsewhere.post(
        "/auth/login",
        data={"email": lead.email, "password": TEST_PASSWORD,
              "csrf_token": csrf_token(page)},
    )  # fmt: skip
    assert lang_of(elsewhere.get("/themes").text) == "ja"


def test_a_conversation_keeps_the_language_chosen_in_it(app: Flask, make_response):
    token = make_response(complete=False).token
    customer = app.test_client()
    assert lang_of(customer.get(f"/c/{token}").text) == "en"
    switch(customer, "ja", f"/c/{token}")
    assert (
        db.session.scalar(db.select(SurveyResponse.locale).filter_by(token=token))
        == "ja"
    )
    # The link opened later on another device, whose browser prefers English.
    page = app.test_client().get(f"/c/{token}", headers={"Accept-Language": "en"})
    assert lang_of(page.text) == "ja"
    assert "当社を友人や同僚に薦める可能性" in page.text


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil", "javascript:x"]
)
def test_the_switch_never_sends_anyone_off_site(client, target):
    response = switch(client, "ja", target, page="/")
    assert response.headers["Location"] == "/"


def test_an_error_page_echoes_no_url_and_the_switch_returns_by_the_referer(client):
    page = client.get("/no-such-page?q=secret").text
    assert "secret" not in page
    token = csrf_token(page)
    for referer, back in [
        ("http://localhost/no-such-page?q=x", "/no-such-page?q=x"),
        ("https://evil.example/no-such-page", "/"),
    ]:
        response = client.post(
            "/language",
            data={"locale": "ja", "csrf_token": token},
            headers={"Referer": referer},
        )
        assert response.headers["Location"] == back


def test_a_switch_without_a_valid_token_changes_nothing(client):
    response = client.post("/language", data={"locale": "ja", "next": "/"})
    assert response.status_code == 302
    assert client.get_cookie(LOCALE_COOKIE) is None
    assert "The page had expired" in client.get("/").text
    assert switch(client, "fr", "/").status_code == 302
    assert client.get_cookie(LOCALE_COOKIE) is None


def test_api_messages_are_in_the_conversations_language(client, make_response):
    response = make_response(complete=False)
    response.locale = "ja"
    db.session.commit()
    answer = client.post(
        f"/api/v1/conversations/{response.token}/answers",
        json={"question_id": "nps", "value": 11},
    )
    assert answer.status_code == 422
    assert answer.json["error"]["message"] == "0 から 10 までの整数を選んでください。"
    missing = client.post(f"/api/v1/conversations/{response.token}/answers", data="[]")
    assert "JSON オブジェクト" in missing.json["error"]["message"]
    english = client.get("/api/v1/conversations/nothing-here")
    assert english.json["error"]["message"] == "No conversation with this token."


# -- Every page, in both languages ---------------------------------------------

#: GET routes that are not pages (no <html>): files, charts, exports, JSON.
NOT_PAGES = {
    "static", "health.healthz", "api.show", "reports.chart", "reports.export",
    "themes.export_answers", "themes.sparkline", "themes.trend_chart",
    "themes.report_as_pdf", "campaigns.stats_csv", "studio.export",
}  # fmt: skip
#: Every page, the role that may see it (None: a customer) and its URL.
PAGES: dict[str, tuple[str | None, str]] = {
    "survey.index": (None, "/"),
    "survey.public_link": (None, "/s/{survey}"),
    "survey.invitation_link": (None, "/i/{invitation}"),
    "survey.conversation": (None, "/c/{conversation}"),
    "auth.login": (None, "/auth/login"),
    "auth.choose_password": (None, "/auth/set-password/{password_token}"),
    "themes.my_themes": ("advocate", "/themes"),
    "themes.detail": ("advocate", "/themes/{theme}"),
    "themes.triage": ("cx_lead", "/themes/triage"),
    "reports.dashboard": ("cx_lead", "/dashboard"),
    "reports.themes": ("cx_lead", "/dashboard/themes"),
    "admin.users": ("admin", "/admin"),
    "admin.user": ("admin", "/admin/users/{user}"),
    "admin.departments": ("admin", "/admin/departments"),
    "admin.department": ("admin", "/admin/departments/{department}"),
    "themes.report": ("advocate", "/themes/report"),
    "themes.close_loop": ("advocate", "/themes/{theme}/close-loop"),
    "reports.suspects": ("cx_lead", "/dashboard/suspects"),
    "campaigns.index": ("cx_lead", "/campaigns/"),
    "studio.index": ("cx_lead", "/studio/"),
    "studio.new": ("cx_lead", "/studio/new"),
    "studio.edit": ("cx_lead", "/studio/{survey}"),
    # An unsubscribe page speaks the language its e-mail was written in.
    "unsubscribe.page": (None, "/unsubscribe/{recipient}"),
    "updates.unsubscribe": (None, "/updates/unsubscribe/{loop_message}"),
    "error page": (None, "/no-such-page"),
}
#: Pages whose language is that of the e-mail that links to them.
EMAIL_LANGUAGE_PAGES = {"unsubscribe.page", "updates.unsubscribe"}
#: Texts each staff page shows in Japanese to someone who chose Japanese.
JAPANESE_TEXTS: dict[str, tuple[str, ...]] = {
    "admin.users": (
        "<h1>スタッフアカウント</h1>",
        "スタッフを招待",
        "役割",
        "招待する",
    ),
    "admin.user": ("役割と部署", "無効にする", "パスワード設定リンクを送る", "履歴"),
    "admin.departments": ("<h1>部署</h1>", "カスタマーアドボカシーチームの全部署"),
    "admin.department": (
        "回答がこの部署に振り分けられる仕組み",
        "アドボケイト",
        "保存",
    ),
    "campaigns.index": ("<h1>メールキャンペーン</h1>", "回答率", "顧客の CSV"),
    "studio.index": ("<h1>アンケートスタジオ</h1>", "新しいアンケート", "バージョン"),
    "studio.new": ("<h1>新しいアンケート</h1>", "チェック", "新しいバージョンを公開"),
    "studio.edit": ("すべてのアンケート", "YAML をエクスポート", "プレビュー"),
    "reports.dashboard": ("<h1>顧客体験ダッシュボード</h1>", "内訳の軸", "完了率"),
    "reports.themes": ("<h1>テーマの期間比較</h1>", "最も増えたテーマ"),
    "reports.suspects": ("<h1>疑わしい回答</h1>", "確認待ちの回答 0 件"),
    "themes.my_themes": ("<h1>担当テーマ</h1>", "テーマレポート", "影響度 = 件数"),
    "themes.detail": ('<h2 id="history-heading">変更履歴</h2>', "ステータスを変更"),
    "themes.triage": ("<h1>トリアージ</h1>", "トリアージするものはありません。"),
    "themes.report": ("<h1>テーマレポート: ", "主なテーマ", "PDF をダウンロード"),
    "themes.close_loop": (
        "<h1>回答者に改善内容を伝える</h1>",
        "先にテーマを解決済みにしてください。",
    ),
}


def test_every_get_route_is_listed_as_a_page_or_not(app: Flask):
    served = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}
    assert served == (PAGES.keys() - {"error page"}) | NOT_PAGES


@pytest.fixture
def world(
    app_ctx: None, make_response, staff: dict[str, User], departments
) -> dict[str, Any]:
    """One of everything a page shows, named as the URLs of ``PAGES`` name it."""
    conversation = make_response(complete=False)
    survey = db.session.scalar(db.select(Survey))
    invitation = Invitation(survey_id=survey.id, token=new_token())
    theme = Theme(label="Invoices", department=staff["a"].department)
    invited = User(
        email="invited@example.com", name="Invited", role="cx_lead",
        password_hash=INVITED_PREFIX + new_token(),
    )  # fmt: skip
    db.session.add_all([invitation, theme, invited])
    db.session.commit()
    tokens = {}
    respondents = {"en": conversation, "ja": make_response(complete=False)}
    for locale in ("en", "ja"):
        campaign = Campaign(
            survey_id=survey.id, name="list.csv", send_at=utcnow(), contact_days=90
        )
        db.session.add(campaign)
        db.session.flush()
        recipient = CampaignRecipient(
            campaign_id=campaign.id, token=new_token(), customer_ref=f"C-{locale}",
            email=f"{locale}@example.com", locale=locale, due_at=utcnow(),
        )  # fmt: skip
        message = LoopMessage(
            theme_id=theme.id, response_id=respondents[locale].id, token=new_token(),
            email=f"{locale}@example.com", locale=locale,
        )  # fmt: skip
        db.session.add_all([recipient, message])
        tokens[f"recipient_{locale}"] = recipient.token
        tokens[f"loop_message_{locale}"] = message.token
    db.session.commit()
    return tokens | {
        "survey": survey.slug,
        "invitation": invitation.token,
        "conversation": conversation.token,
        "password_token": password_token(invited, now=utcnow()),
        "theme": theme.id,
        "user": staff["a"].id,
        "department": db.session.get(Department, staff["a"].department_id).slug,
    }


@pytest.mark.parametrize("locale", ["en", "ja"])
@pytest.mark.parametrize("page", PAGES, ids=str)
def test_every_page_declares_its_language_and_offers_the_switch(
    app: Flask, world, staff, page, locale
):
    role, url = PAGES[page]
    client = app.test_client()
    if role is not None:
        user = {"advocate": "a", "cx_lead": "lead", "admin": "admin"}[role]
        login = client.get("/auth/login").text
        client.post(
            "/auth/login",
            data={"email": staff[user].email, "password": TEST_PASSWORD,
                  "csrf_token": csrf_token(login)},
        )  # fmt: skip
    client.set_cookie(LOCALE_COOKIE, locale)
    if page == "survey.conversation":
        # A conversation speaks its own language; the switch changes it.
        switch(client, locale, url.format(**world))
    if page in EMAIL_LANGUAGE_PAGES:
        world = world | {
            "recipient": world[f"recipient_{locale}"],
            "loop_message": world[f"loop_message_{locale}"],
        }
    response = client.get(url.format(**world))
    assert response.status_code in (200, 404), response.status_code
    html = response.text
    assert lang_of(html) == locale
    assert 'action="/language"' in html
    assert ">English</button>" in html
    assert ">日本語</button>" in html
    assert f'value="{locale}" lang="{locale}" aria-current="true">' in html
    skip = "本文へ移動" if locale == "ja" else "Skip to content"
    assert skip in html
    # Every page is translated: the body speaks the page's language.
    assert '<main id="main">' in html
    if locale == "ja" and page in JAPANESE_TEXTS:
        for text in JAPANESE_TEXTS[page]:
            assert text in html


def test_the_staff_navigation_sign_in_and_error_pages_speak_japanese(
    client, make_user: Callable[..., User], auth
):
    client.set_cookie(LOCALE_COOKIE, "ja")
    login = client.get("/auth/login").text
    assert "<h1>サインイン</h1>" in login
    assert "メールアドレス" in login
    assert "<h1>ページが見つかりません</h1>" in client.get("/no-such-page").text
    auth.login(make_user().email)
    themes = client.get("/themes").text
    for label in ("ダッシュボード", "テーマ", "トリアージ", "サインアウト"):
        assert label in themes
