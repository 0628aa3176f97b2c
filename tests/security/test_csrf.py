"""CSRF: every state-changing route needs the form's token; no GET changes state.

The tables below name every route of ``app.url_map``; a new route fails these
tests until it is added here with a real URL and the role that may use it, so
no route can slip past the check. The JSON API under ``/api/v1`` is the one
documented exception: it authenticates by the token in its URL and neither
sets nor reads a cookie, so there is no ambient credential to forge.
"""

import base64
import io
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import CAMPAIGN_CSV, STUDIO_SOURCE, TEST_PASSWORD
from sqlalchemy import select

from cat_survey.db import db
from cat_survey.domain.accounts import INVITED_PREFIX, password_token
from cat_survey.extensions import csrf
from cat_survey.models import Department, User, utcnow

#: Every POST route outside the API: who signs in, its URL, a valid form.
POST_ROUTES: dict[str, tuple[str, str, dict[str, str]]] = {
    "survey.public_link": ("anonymous", "/s/{survey}", {"segment": "smb"}),
    "survey.invitation_link": ("anonymous", "/i/{invitation}", {}),
    "survey.conversation": (
        "anonymous",
        "/c/{partial}",
        {"question_id": "nps", "value": "3"},
    ),
    "auth.login": (
        "anonymous",
        "/auth/login",
        {"email": "lead@example.com", "password": TEST_PASSWORD},
    ),
    "auth.logout": ("cx_lead", "/auth/logout", {}),
    "themes.set_status": (
        "advocate_a",
        "/themes/{theme}/status",
        {"status": "acknowledged", "reason": "on it"},
    ),
    "themes.reassign_theme": (
        "advocate_a",
        "/themes/{theme}/reassign",
        {"department": "sales", "reason": "pricing is theirs"},
    ),
    "themes.follow_up": (
        "advocate_a",
        "/themes/{theme}/follow-ups",
        {"response_id": "{response}", "note": "called back"},
    ),
    "admin.invite": (
        "admin",
        "/admin/users",
        {"email": "invitee@example.com", "role": "cx_lead", "department": ""},
    ),
    "admin.change_user_role": (
        "admin",
        "/admin/users/{user}/role",
        {"role": "cx_lead", "department": ""},
    ),
    "admin.deactivate": ("admin", "/admin/users/{user}/deactivate", {}),
    "admin.reactivate": ("admin", "/admin/users/{user}/reactivate", {}),
    "admin.send_link": ("admin", "/admin/users/{user}/link", {}),
    "admin.update_department": (
        "admin",
        "/admin/departments/{department}",
        {"name": "Tech", "description": "", "webhook_url": "", "advocates": "{user}"},
    ),
    "studio.new": (
        "cx_lead",
        "/studio/new",
        {
            "source": STUDIO_SOURCE,
            "action": "check",
        },
    ),
    "studio.edit": (
        "cx_lead",
        "/studio/{survey}",
        {
            "source": (
                "slug: {survey}\n"
                "title: Pulse\n"
                "questions:\n"
                "  - id: nps\n"
                "    type: nps\n"
                "    prompt: How likely are you to recommend us?\n"
            ),
            "action": "check",
        },
    ),
    "auth.choose_password": (
        "anonymous",
        "/auth/set-password/{password_token}",
        {"password": TEST_PASSWORD, "confirm": TEST_PASSWORD},
    ),
    "reports.review_suspect": (
        "cx_lead",
        "/dashboard/suspects/{response}",
        {"decision": "release"},
    ),
    "themes.set_owner": ("advocate_a", "/themes/{theme}/owner", {"owner": "{user}"}),
    "themes.close_loop": (
        "advocate_a",
        "/themes/{theme}/close-loop",
        {"what_changed_en": "We fixed it.", "preview": "1"},
    ),
    "campaigns.preview": ("cx_lead", "/campaigns/preview", {"survey": "{survey}"}),
    "campaigns.send": (
        "cx_lead",
        "/campaigns/",
        {
            "survey": "{survey}",
            "file_name": "customers.csv",
            "csv_data": base64.b64encode(CAMPAIGN_CSV).decode(),
        },
    ),
}
#: Files a POST route's form uploads: endpoint -> field -> (file name, content).
UPLOADS = {"campaigns.preview": {"customers": ("customers.csv", CAMPAIGN_CSV)}}
#: POST routes that take no CSRF token: an unsubscribe link's unguessable token is
#: the credential (it proves the e-mail was received), and the one-click unsubscribe
#: that mail clients send (RFC 8058) carries no session to forge.
TOKEN_POST_ROUTES = {
    "unsubscribe.page": "/unsubscribe/{recipient}",
    "updates.unsubscribe": "/updates/unsubscribe/{loop_message}",
}
# The language switch checks its token itself: a bad one sends the person back to
# the page they were on (302), where they can simply choose again; nothing changes.
POST_ROUTES["locale_switch.switch"] = (
    "cx_lead",
    "/language",
    {"locale": "ja", "next": "/themes"},
)
REFUSAL_STATUS = {"locale_switch.switch": 302}
API_POST_ROUTES = {"api.start", "api.answer"}
#: Every GET route, with URLs that reach its real content (department A's ids).
GET_ROUTES: dict[str, tuple[str, ...]] = {
    "static": ("/static/app.css",),
    "health.healthz": ("/healthz",),
    "survey.index": ("/",),
    "survey.public_link": ("/s/{survey}?first_name=Ann&segment=smb",),
    "survey.invitation_link": ("/i/{invitation}",),
    "survey.conversation": ("/c/{conversation}", "/c/{partial}?edit=nps"),
    "api.show": ("/api/v1/conversations/{conversation}",),
    "auth.login": ("/auth/login?next=/themes",),
    "themes.my_themes": ("/themes", "/themes?status=all&department=sales"),
    "themes.triage": ("/themes/triage",),
    "themes.detail": ("/themes/{theme}", "/themes/{triage}?q=answer&page=2"),
    "themes.trend_chart": ("/themes/{theme}/trend.svg",),
    "themes.sparkline": ("/themes/{theme}/sparkline.svg",),
    "themes.export_answers": ("/themes/{theme}/answers.csv?q=secret",),
    "reports.dashboard": ("/dashboard", "/dashboard?breakdown=hidden:plan"),
    "reports.chart": ("/dashboard/chart/nps.svg", "/dashboard/chart/breakdown.svg"),
    "reports.export": ("/dashboard/export/breakdown.csv",),
    "reports.themes": ("/dashboard/themes", "/dashboard/themes?breakdown=segment"),
    "reports.suspects": ("/dashboard/suspects",),
    "admin.users": ("/admin",),
    "admin.user": ("/admin/users/{user}",),
    "admin.departments": ("/admin/departments",),
    "admin.department": ("/admin/departments/{department}",),
    "studio.index": ("/studio/",),
    "studio.new": ("/studio/new",),
    "studio.edit": ("/studio/{survey}",),
    "studio.export": ("/studio/{survey}/export",),
    "auth.choose_password": ("/auth/set-password/{password_token}",),
    "themes.report": ("/themes/report", "/themes/report?department=sales"),
    "themes.report_as_pdf": ("/themes/report.pdf",),
    "themes.close_loop": ("/themes/{theme}/close-loop",),
    "campaigns.index": ("/campaigns/",),
    "campaigns.stats_csv": ("/campaigns/campaigns.csv",),
    "unsubscribe.page": ("/unsubscribe/{recipient}",),
    "updates.unsubscribe": ("/updates/unsubscribe/{loop_message}",),
}
ROLES = ("anonymous", "advocate_a", "advocate_b", "cx_lead", "admin")


@pytest.fixture
def accounts(world, capabilities) -> dict[str, object]:
    """URL values of the account routes: advocate A and an invitee's link token."""
    invitee = User(
        email="invitee-with-link@example.com",
        name="Invitee",
        password_hash=INVITED_PREFIX + "0" * 32,
        role="cx_lead",
    )
    db.session.add(invitee)
    db.session.commit()
    advocate_a = db.session.scalar(
        select(User.id)
        .join(Department)
        .where(Department.slug == world.objects["A"].department)
    )
    return {
        "user": advocate_a,
        "password_token": password_token(invitee, now=utcnow()),
        "recipient": capabilities.recipient("A"),
        "loop_message": capabilities.loop_message(world.objects["A"].department, "A"),
    }


def endpoints_allowing(app: Flask, method: str) -> list[str]:
    """Endpoints of every rule that accepts ``method`` (one entry per rule)."""
    return [
        rule.endpoint for rule in app.url_map.iter_rules() if method in rule.methods
    ]


def test_the_post_table_names_every_post_route_and_nothing_else(app):
    posts = endpoints_allowing(app, "POST")
    outside_api = [
        name
        for name in posts
        if not name.startswith("api.") and name not in TOKEN_POST_ROUTES
    ]
    assert sorted(outside_api) == sorted(POST_ROUTES)
    assert len(outside_api) == 23
    assert {name for name in posts if name.startswith("api.")} == API_POST_ROUTES


def test_the_get_table_names_every_get_route_and_nothing_else(app):
    gets = endpoints_allowing(app, "GET")
    assert sorted(gets) == sorted(GET_ROUTES)
    assert len(gets) == 35


def bad_tokens(app: Flask, token_for: Callable[[FlaskClient], str]) -> dict:
    """No token, a forged one, and a valid token of another browser's session."""
    stranger = app.test_client()
    return {
        "missing": None,
        "forged": "IjEyMzQ1Ig.Zm9yZ2Vk.c2lnbmF0dXJl",
        "another session's": token_for(stranger),
    }


@pytest.mark.parametrize("endpoint", sorted(POST_ROUTES))
def test_a_post_without_a_valid_token_gets_400_and_changes_nothing(
    app, world, accounts, signed_in, snapshot, token_for, endpoint
):
    role, template, form = POST_ROUTES[endpoint]
    client = signed_in(role)
    url = world.url(template, **accounts)
    data = {name: world.url(value, **accounts) for name, value in form.items()}
    for kind, token in bad_tokens(app, token_for).items():
        before = snapshot()
        sent = data if token is None else {**data, "csrf_token": token}
        response = client.post(url, data={**sent, **uploads(endpoint)})
        refused = REFUSAL_STATUS.get(endpoint, 400)
        assert response.status_code == refused, f"{kind}: {response.status_code}"
        assert snapshot() == before, f"{kind} token changed the database"
    # The same form with this session's token goes through: the token decided.
    accepted = client.post(
        url, data={**data, "csrf_token": token_for(client), **uploads(endpoint)}
    )
    assert accepted.status_code in (200, 302)


def uploads(endpoint: str) -> dict[str, tuple[io.BytesIO, str]]:
    """A route's files, as new streams (a request reads them to the end)."""
    return {
        field: (io.BytesIO(content), name)
        for field, (name, content) in UPLOADS.get(endpoint, {}).items()
    }


def test_only_the_api_and_the_unsubscribe_links_are_exempt_from_csrf(app):
    exempt_views = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views
    }
    # Some views check the token themselves (to keep a customer's typed text, or
    # to send a bad language switch back): the POST table proves they refuse a
    # bad one. Only the unsubscribe links take no token at all.
    assert exempt_views - set(POST_ROUTES) == set(TOKEN_POST_ROUTES)
    assert {bp.name for bp in csrf._exempt_blueprints} == {"api"}
    api_rules = [r.rule for r in app.url_map.iter_rules() if r.endpoint[:4] == "api."]
    assert api_rules
    assert all(rule.startswith("/api/v1/") for rule in api_rules)


@pytest.mark.parametrize("role", ["anonymous", "cx_lead"])
def test_the_api_needs_no_csrf_token_and_neither_sets_nor_reads_cookies(
    world, signed_in, snapshot, role
):
    client = signed_in(role)
    # A resume cookie and, for the lead, a staff session cookie ride along.
    client.set_cookie("cat_survey_relationship-nps", world.objects["A"].conversation)
    started = client.post(f"/api/v1/surveys/{world.survey}/conversations", json={})
    token = started.get_json()["token"]
    answered = client.post(
        f"/api/v1/conversations/{token}/answers",
        json={"question_id": "nps", "value": 9},
    )
    shown = client.get(f"/api/v1/conversations/{token}")
    for response in (started, answered, shown):
        assert response.status_code in (200, 201), response.get_json()
        assert response.headers.getlist("Set-Cookie") == []
        # Flask adds "Vary: Cookie" whenever a request touched the session.
        assert "cookie" not in response.headers.get("Vary", "").lower()
    cookieless = signed_in("anonymous").get(f"/api/v1/conversations/{token}")
    assert cookieless.get_json() == shown.get_json()
    assert shown.get_json()["transcript"][0]["value"] == 9


@pytest.mark.parametrize("role", ROLES)
def test_no_get_route_changes_the_database(world, accounts, signed_in, snapshot, role):
    client = signed_in(role)
    before = snapshot()
    statuses = {}
    for templates in GET_ROUTES.values():
        for template in templates:
            for key in ("A", "B"):
                url = world.url(template, key, **accounts)
                with client.get(url) as response:  # closes the static file
                    statuses[url] = response.status_code
                assert snapshot() == before, f"GET {url} as {role} changed the database"
    assert all(status < 500 for status in statuses.values()), statuses


@pytest.mark.parametrize("endpoint", sorted(TOKEN_POST_ROUTES))
def test_an_unsubscribe_post_needs_the_links_own_token(
    world, accounts, signed_in, snapshot, endpoint
):
    client = signed_in("anonymous")
    before = snapshot()
    forged = TOKEN_POST_ROUTES[endpoint].format(recipient="x" * 43, loop_message="x")
    assert client.post(forged).status_code == 404
    assert snapshot() == before
    real = world.url(TOKEN_POST_ROUTES[endpoint], **accounts)
    assert client.post(real).status_code == 200  # no CSRF token: the link is the key
    assert snapshot() != before
