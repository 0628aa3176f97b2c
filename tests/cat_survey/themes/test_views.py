"""The theme screens over HTTP: who may see and do what, and what they see."""

import csv
import io
import re

import pytest
from helpers import csrf_token

from cat_survey.db import db
from cat_survey.models import (
    Answer,
    FollowUp,
    Theme,
    ThemeAnswer,
    ThemeEvent,
    ThemeEventKind,
)
from cat_survey.themes.views import EVENT_LABELS, translated_status

XSS_ANSWER = "<script>alert(1)</script>"
XSS_LABEL = '<img src=x onerror="alert(2)">Billing'

READ_ROUTES = [
    "/themes/{id}",
    "/themes/{id}?q=invoice&page=2",
    "/themes/{id}/trend.svg",
    "/themes/{id}/sparkline.svg",
    "/themes/{id}/answers.csv",
]
ACTION_ROUTES = [
    ("/themes/{id}/status", {"status": "acknowledged", "reason": "on it"}),
    ("/themes/{id}/reassign", {"department": "sales", "reason": "mine now"}),
    ("/themes/{id}/follow-ups", {"response_id": "{response}", "note": "called"}),
]


def token(client) -> str:
    """A CSRF token from the sign-in page (any page with a form would do)."""
    return csrf_token(client.get("/auth/login").text)


def post(client, url: str, data: dict[str, str], **kwargs):
    return client.post(url, data={**data, "csrf_token": token(client)}, **kwargs)


def response_id(text: str) -> int:
    return db.session.scalar(db.select(Answer.response_id).filter_by(text_value=text))


@pytest.fixture
def cx_theme(make_theme) -> Theme:
    """A CX theme with a consenting and a private respondent."""
    return make_theme(
        "cx",
        label="Invoices are wrong",
        answers=[
            {"text": "invoice total wrong", "consent": True, "first_name": "Aiko"},
            {"text": "invoice late", "consent": False, "first_name": "Ben"},
        ],
    )


def history(theme: Theme) -> list[tuple[str, str | None]]:
    return [
        (event.kind, event.to_value)
        for event in db.session.scalars(
            db.select(ThemeEvent).filter_by(theme_id=theme.id).order_by(ThemeEvent.id)
        )
    ]


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("route", ["/themes", "/themes/triage", *READ_ROUTES])
def test_anonymous_visitors_are_sent_to_sign_in(client, cx_theme, route):
    response = client.get(route.format(id=cx_theme.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


@pytest.mark.parametrize(("route", "data"), ACTION_ROUTES)
def test_anonymous_actions_are_sent_to_sign_in(client, cx_theme, route, data):
    data = {k: v.format(response=response_id("invoice late")) for k, v in data.items()}
    response = post(client, route.format(id=cx_theme.id), data)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert history(cx_theme) == []


@pytest.mark.parametrize("route", READ_ROUTES)
def test_advocate_b_cannot_read_advocate_as_theme_by_any_url(
    client, auth, staff, cx_theme, route
):
    auth.login(staff["b"].email)
    response = client.get(route.format(id=cx_theme.id))
    assert response.status_code == 404
    assert "invoice" not in response.text.lower()


@pytest.mark.parametrize(("route", "data"), ACTION_ROUTES)
def test_advocate_b_cannot_act_on_advocate_as_theme(
    client, auth, staff, cx_theme, route, data
):
    data = {
        k: v.format(response=response_id("invoice total wrong"))
        for k, v in data.items()
    }
    auth.login(staff["b"].email)
    assert post(client, route.format(id=cx_theme.id), data).status_code == 404
    db.session.expire_all()
    assert (cx_theme.status, cx_theme.department.slug) == ("new", "cx")
    assert history(cx_theme) == []
    assert db.session.scalar(db.select(db.func.count(FollowUp.id))) == 0


def test_a_missing_theme_looks_the_same_as_a_forbidden_one(
    client, auth, staff, cx_theme
):
    auth.login(staff["b"].email)
    forbidden = client.get(f"/themes/{cx_theme.id}")
    missing = client.get(f"/themes/{cx_theme.id + 999}")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.text == missing.text


def test_an_advocate_lists_only_their_departments_themes(
    client, auth, staff, make_theme
):
    make_theme("cx", label="CX theme")
    make_theme("sales", label="Sales theme")
    auth.login(staff["a"].email)
    page = client.get("/themes").text
    assert "CX theme" in page
    assert "Sales theme" not in page
    assert client.get("/themes?department=sales").text.count("Sales theme") == 0


def test_an_advocate_cannot_open_the_triage_queue(client, auth, staff):
    auth.login(staff["a"].email)
    assert client.get("/themes/triage").status_code == 403


@pytest.mark.parametrize("who", ["lead", "admin"])
def test_leads_see_every_department_and_the_triage_queue(
    client, auth, staff, make_theme, who
):
    make_theme("cx", label="CX theme")
    make_theme("sales", label="Sales theme")
    make_theme(None, label="Unsure theme", needs_triage=True)
    auth.login(staff[who].email)
    listing = client.get("/themes").text
    assert "CX theme" in listing
    assert "Sales theme" in listing
    assert "Sales theme" not in client.get("/themes?department=cx").text
    triage = client.get("/themes/triage")
    assert triage.status_code == 200
    assert "Unsure theme" in triage.text
    assert "CX theme" not in triage.text


def test_an_advocate_lands_on_their_themes_after_signing_in(auth, staff):
    assert auth.login(staff["a"].email).headers["Location"] == "/themes"


def test_staff_pages_show_the_navigation_with_a_sign_out_form(client, auth, staff):
    auth.login(staff["a"].email)
    page = client.get("/themes").text
    assert 'action="/auth/logout"' in page
    assert "/themes/triage" not in page
    auth.login(staff["lead"].email)
    page = client.get("/themes").text
    assert 'href="/themes/triage"' in page
    assert 'href="/dashboard"' in page


# ---------------------------------------------------------------- actions


def test_an_advocate_moves_their_theme_through_the_workflow(
    client, auth, staff, cx_theme
):
    auth.login(staff["a"].email)
    url = f"/themes/{cx_theme.id}/status"
    for status in ("acknowledged", "in_progress", "resolved"):
        response = post(client, url, {"status": status, "reason": ""})
        assert response.headers["Location"] == f"/themes/{cx_theme.id}"
    page = client.get(f"/themes/{cx_theme.id}").text
    assert "Status changed to Resolved." in page
    db.session.expire_all()
    assert cx_theme.status == "resolved"
    assert history(cx_theme) == [
        ("status_changed", "acknowledged"),
        ("status_changed", "in_progress"),
        ("status_changed", "resolved"),
    ]
    actors = db.session.scalars(
        db.select(ThemeEvent.actor_id).filter_by(theme_id=cx_theme.id)
    )
    assert set(actors) == {staff["a"].id}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "wont_fix", "reason": " "}, "Say why this theme won"),
        ({"status": "new", "reason": ""}, "cannot become new"),
        ({"status": "archived", "reason": ""}, "Not a valid choice"),
    ],
)
def test_a_refused_status_change_says_why_and_changes_nothing(
    client, auth, staff, cx_theme, data, message
):
    auth.login(staff["a"].email)
    post(client, f"/themes/{cx_theme.id}/status", data)
    page = client.get(f"/themes/{cx_theme.id}").text
    assert message in page.replace("&#39;", "'")
    db.session.expire_all()
    assert cx_theme.status == "new"
    assert history(cx_theme) == []


def test_actions_without_a_csrf_token_are_refused(client, auth, staff, cx_theme):
    auth.login(staff["a"].email)
    response = client.post(
        f"/themes/{cx_theme.id}/status", data={"status": "acknowledged"}
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert cx_theme.status == "new"


def test_get_never_changes_a_theme(client, auth, staff, cx_theme):
    auth.login(staff["a"].email)
    for action in ("status", "reassign", "follow-ups"):
        assert client.get(f"/themes/{cx_theme.id}/{action}").status_code == 405


def test_reassigning_hands_the_theme_to_the_other_department(
    client, auth, staff, cx_theme
):
    auth.login(staff["a"].email)
    response = post(
        client,
        f"/themes/{cx_theme.id}/reassign",
        {"department": "sales", "reason": "It is about pricing"},
    )
    assert response.headers["Location"] == "/themes"
    assert client.get(f"/themes/{cx_theme.id}").status_code == 404
    auth.login(staff["b"].email)
    assert "Invoices are wrong" in client.get("/themes").text
    page = client.get(f"/themes/{cx_theme.id}").text
    assert "It is about pricing" in page
    db.session.expire_all()
    assert (cx_theme.department.slug, cx_theme.owner_id) == ("sales", staff["b"].id)


def test_reassigning_without_a_reason_is_refused(client, auth, staff, cx_theme):
    auth.login(staff["a"].email)
    post(client, f"/themes/{cx_theme.id}/reassign", {"department": "sales"})
    assert "This field is required." in client.get(f"/themes/{cx_theme.id}").text
    db.session.expire_all()
    assert cx_theme.department.slug == "cx"


def test_a_reassign_without_a_department_is_refused(client, auth, staff, cx_theme):
    auth.login(staff["a"].email)
    post(client, f"/themes/{cx_theme.id}/reassign", {"department": "", "reason": "x"})
    assert "Choose a department." in client.get(f"/themes/{cx_theme.id}").text
    db.session.expire_all()
    assert cx_theme.department.slug == "cx"


def test_the_department_dropdowns_start_on_nothing_and_triage_shows_the_guess(
    client, auth, staff, make_theme, cx_theme
):
    theme = make_theme(None, label="Unsure theme", needs_triage=True)
    auth.login(staff["lead"].email)
    for url in ("/themes/triage", f"/themes/{cx_theme.id}"):
        page = client.get(url).text
        select = re.search(r'<select id="\S*department.*?</select>', page, re.S)
        assert select is not None
        assert '<option value="">Choose a department</option>' in select.group()
        assert "selected" not in select.group()
    triage = client.get("/themes/triage").text
    assert "82% sure" in triage
    assert theme.label in triage


def test_a_lead_assigns_a_theme_to_a_person_of_its_department(
    client, auth, staff, cx_theme
):
    auth.login(staff["lead"].email)
    page = client.get(f"/themes/{cx_theme.id}").text
    assert f'<option value="{staff["a"].id}">{staff["a"].name}</option>' in page
    assert f">{staff['b'].name}</option>" not in page  # Sales, not CX
    post(client, f"/themes/{cx_theme.id}/owner", {"owner": str(staff["a"].id)})
    db.session.expire_all()
    assert cx_theme.owner_id == staff["a"].id
    assert history(cx_theme) == [("assigned", staff["a"].name)]
    page = client.get(f"/themes/{cx_theme.id}").text
    assert f"{staff['a'].name} now owns this theme." in page
    assert f"<dt>Owner</dt><dd>{staff['a'].name}</dd>" in page
    post(client, f"/themes/{cx_theme.id}/owner", {"owner": str(staff["b"].id)})
    db.session.expire_all()
    assert cx_theme.owner_id == staff["a"].id
    assert "Not a valid choice" in client.get(f"/themes/{cx_theme.id}").text


def test_a_lead_triages_a_theme_and_returns_to_the_queue(
    client, auth, staff, make_theme
):
    theme = make_theme(None, label="Unsure theme", needs_triage=True)
    auth.login(staff["lead"].email)
    response = post(
        client,
        f"/themes/{theme.id}/reassign",
        {"department": "cx", "reason": "Support", "next": "/themes/triage"},
    )
    assert response.headers["Location"] == "/themes/triage"
    assert "Unsure theme" not in client.get("/themes/triage").text
    db.session.expire_all()
    assert (theme.department.slug, theme.needs_triage) == ("cx", False)
    assert theme.owner_id == staff["a"].id


def test_an_advocate_records_a_follow_up_with_a_consenting_respondent(
    client, auth, staff, cx_theme
):
    auth.login(staff["a"].email)
    page = client.get(f"/themes/{cx_theme.id}").text
    assert "Aiko" in page
    assert "Ben" not in page
    assert "Did not agree to be contacted" in page
    post(
        client,
        f"/themes/{cx_theme.id}/follow-ups",
        {"response_id": str(response_id("invoice total wrong")), "note": "Called"},
    )
    page = client.get(f"/themes/{cx_theme.id}").text
    assert "Follow-up recorded." in page
    assert "Followed up on" in page
    [follow_up] = db.session.scalars(db.select(FollowUp)).all()
    assert (follow_up.user_id, follow_up.note) == (staff["a"].id, "Called")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("invoice late", "did not agree to be contacted"),
        ("sales answer", "has no answer in this theme"),
    ],
)
def test_a_follow_up_is_refused_for_private_or_foreign_respondents(
    client, auth, staff, cx_theme, make_theme, text, message
):
    make_theme("sales", answers=[{"text": "sales answer", "consent": True}])
    auth.login(staff["a"].email)
    post(
        client,
        f"/themes/{cx_theme.id}/follow-ups",
        {"response_id": str(response_id(text)), "note": ""},
    )
    assert message in client.get(f"/themes/{cx_theme.id}").text
    assert db.session.scalar(db.select(db.func.count(FollowUp.id))) == 0


# ---------------------------------------------------------------- content


def test_the_theme_page_explains_routing_and_shows_numbers(
    client, auth, staff, cx_theme
):
    auth.login(staff["a"].email)
    page = client.get(f"/themes/{cx_theme.id}").text
    assert "confidence 82%" in page
    assert "invoice total wrong" in page
    assert "Answers 1\N{EN DASH}2 of 2" in page
    assert "Respondents by customer segment" in page
    assert f'src="/themes/{cx_theme.id}/trend.svg"' in page
    assert "Audit trail" in page


def test_search_and_paging_through_the_page(client, auth, staff, make_theme):
    answers = [f"slow reply {i}" for i in range(27)] + ["100% wrong", "50 wrong"]
    theme = make_theme(answers=answers)
    auth.login(staff["a"].email)
    found = client.get(f"/themes/{theme.id}?q=%25").text
    assert (
        "Answers 1\N{EN DASH}1 of 1 matching \N{LEFT DOUBLE QUOTATION MARK}%" in found
    )
    assert "100% wrong" in found
    assert "50 wrong" not in found
    second = client.get(f"/themes/{theme.id}?page=2").text
    assert "Answers 26\N{EN DASH}29 of 29" in second
    assert "Page 2 of 2" in second


def test_customer_text_and_labels_are_escaped_on_every_page(
    client, auth, staff, make_theme
):
    theme = make_theme(
        "cx", label=XSS_LABEL, answers=[{"text": XSS_ANSWER, "consent": True}]
    )
    make_theme(None, label=XSS_LABEL + " unsure", needs_triage=True)
    auth.login(staff["lead"].email)
    pages = [
        client.get("/themes").text,
        client.get("/themes/triage").text,
        client.get(f"/themes/{theme.id}").text,
        client.get(f"/themes/{theme.id}?q=script").text,
    ]
    for page in pages:
        assert XSS_LABEL not in page
        assert XSS_ANSWER not in page
        assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;Billing" in page
    detail = pages[2]
    assert detail.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2  # quote+table


def test_the_theme_page_shows_where_text_and_rating_disagree_escaped(
    client, auth, staff, make_theme
):
    theme = make_theme(
        "cx",
        answers=[
            {"text": f"{XSS_ANSWER} lovely team", "nps": 2},
            {"text": "refund still pending", "nps": 1},
            {"text": "no answer from support", "nps": 3},
        ],
    )
    scores = {
        "lovely team": (0.8, True),
        "refund": (-0.7, False),
        "support": (-0.5, False),
    }
    for link, text in db.session.execute(
        db.select(ThemeAnswer, Answer.text_value)
        .join(Answer, Answer.id == ThemeAnswer.answer_id)
        .where(ThemeAnswer.theme_id == theme.id)
    ):
        key = next(key for key in scores if key in text)
        link.sentiment, link.disagrees = scores[key]
    db.session.commit()
    auth.login(staff["a"].email)
    page = client.get(f"/themes/{theme.id}").text
    assert "Where text and rating disagree" in page
    assert "1 of 3 scored answers read" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; lovely team" in page
    assert "NPS score 2, text sentiment +0.80" in page
    assert XSS_ANSWER not in page


def test_a_retired_theme_offers_no_status_change(client, auth, staff, make_theme):
    theme = make_theme("cx", status="superseded")
    auth.login(staff["a"].email)
    page = client.get(f"/themes/{theme.id}").text
    assert "Analysis retired this theme" in page
    assert "Change status" not in page
    post(client, f"/themes/{theme.id}/status", {"status": "acknowledged"})
    db.session.refresh(theme)
    assert theme.status == "superseded"


def test_export_is_a_safe_csv_of_the_themes_answers(client, auth, staff, make_theme):
    theme = make_theme(answers=["=HYPERLINK(1)", "plain text"])
    make_theme("sales", answers=["someone else's"])
    auth.login(staff["a"].email)
    response = client.get(f"/themes/{theme.id}/answers.csv")
    assert response.mimetype == "text/csv"
    assert f"theme-{theme.id}-answers.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["answer_id", "answered_at", "segment", "nps", "answer"]
    assert sorted(row[4] for row in rows[1:]) == ["'=HYPERLINK(1)", "plain text"]


@pytest.mark.parametrize("chart", ["trend.svg", "sparkline.svg"])
def test_charts_are_svg_images_that_cannot_run_script(
    client, auth, staff, cx_theme, chart
):
    auth.login(staff["a"].email)
    response = client.get(f"/themes/{cx_theme.id}/{chart}")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data.lstrip().startswith(b"<?xml")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    again = client.get(
        f"/themes/{cx_theme.id}/{chart}",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_the_list_describes_each_sparkline_in_words(client, auth, staff, cx_theme):
    auth.login(staff["a"].email)
    page = client.get("/themes").text
    assert 'alt="Answers per month: ' in page
    assert f'src="/themes/{cx_theme.id}/sparkline.svg"' in page


def test_every_kind_of_theme_event_has_a_label_on_the_audit_trail():
    assert set(EVENT_LABELS) == set(ThemeEventKind)


# ---------------------------------------------------------------- in Japanese


def test_a_person_who_chose_japanese_reads_the_theme_pages_in_japanese(
    client, auth, staff, cx_theme, make_theme
):
    staff["a"].locale = staff["lead"].locale = "ja"
    db.session.commit()
    make_theme(None, label="Unsure theme", needs_triage=True)
    auth.login(staff["a"].email)
    mine = client.get("/themes").text
    assert '<html lang="ja">' in mine
    assert '<main id="main" lang="en">' not in mine
    assert "<h1>担当テーマ</h1>" in mine
    assert "1 件のテーマ（影響度の高い順）" in mine
    assert "NPS 不足分は、このテーマの回答者の NPS がほかの回答者より" in mine
    assert '<span class="status status-new">新規</span>' in mine

    url = f"/themes/{cx_theme.id}"
    post(client, f"{url}/status", {"status": "acknowledged", "reason": ""})
    page = client.get(url).text
    assert '<main id="main" lang="en">' not in page
    assert "ステータスを「確認済み」に変更しました。" in page
    assert '<h2 id="history-heading">変更履歴</h2>' in page
    assert '<h2 id="answers-heading">すべての回答</h2>' in page
    assert "<dt>担当者</dt>" in page
    assert "連絡に同意していません" in page  # Ben, who kept his answer private
    assert "新規 → 確認済み" in page  # the audit trail's event, in Japanese

    post(client, f"{url}/status", {"status": "new", "reason": ""})
    refused = client.get(url).text
    assert "「確認済み」のテーマを「新規」にはできません。" in refused

    auth.login(staff["lead"].email)
    triage = client.get("/themes/triage").text
    assert "<h1>トリアージ</h1>" in triage
    assert "部署の決定を待つテーマ 1 件（影響度の高い順）" in triage
    assert "その部署の担当である理由" in triage


def test_the_audit_trail_translates_statuses_but_never_a_persons_name(app):
    with app.test_request_context(headers={"Accept-Language": "ja"}):
        assert translated_status("in_progress") == "対応中"
        # An owner's name passes through, even one that is also a catalog message.
        assert translated_status("Search") == "Search"
