"""Response hardening: security headers, cookie flags, body limits, no caching."""

import io

import pytest

from cat_survey.db import db
from cat_survey.models import SurveyResponse


@pytest.fixture
def relationship(make_survey) -> str:
    return make_survey("relationship-nps")


def test_html_pages_carry_a_strict_content_security_policy(client, relationship):
    response = client.get("/s/relationship-nps")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_token_urls_send_no_referrer_and_are_not_cached(client, relationship):
    started = client.post("/api/v1/surveys/relationship-nps/conversations", json={})
    token = started.get_json()["token"]
    for url in [f"/c/{token}", f"/api/v1/conversations/{token}", "/i/unknown"]:
        response = client.get(url)
        assert response.headers["Referrer-Policy"] == "no-referrer", url
        assert response.headers["Cache-Control"] == "no-store", url


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user, auth):
    make_user("lead@example.com")
    response = auth.login("lead@example.com")
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if "session=" in c]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in tests


def test_session_cookie_is_secure_over_https(app, make_user):
    make_user("lead@example.com")
    client = app.test_client()
    page = client.get("/auth/login", base_url="https://localhost")
    (session,) = [c for c in page.headers.getlist("Set-Cookie") if "session=" in c]
    assert "Secure" in session


def test_a_ten_megabyte_body_is_refused_with_413(client, relationship):
    response = client.post(
        "/api/v1/surveys/relationship-nps/conversations",
        data=b"x" * (10 * 1024 * 1024),
        content_type="application/json",
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("url", "body", "content_type"),
    [
        (
            "/api/v1/surveys/relationship-nps/conversations",
            b'{"hidden": {"segment": "enterprise"}}',
            "application/json",
        ),
        (
            "/s/relationship-nps",
            b"segment=enterprise",
            "application/x-www-form-urlencoded",
        ),
    ],
)
def test_a_chunked_body_is_refused_with_411_not_read_as_empty(
    client, app_ctx, relationship, url, body, content_type
):
    response = client.post(
        url,
        input_stream=io.BytesIO(body),
        content_type=content_type,
        headers={"Transfer-Encoding": "chunked"},
    )
    assert response.status_code == 411
    assert "Content-Length" in response.text
    assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 0


def test_no_get_route_changes_state(app):
    # Every route that accepts GET is a view of data; changes need POST + CSRF.
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint.split(".")[-1].startswith(
            ("delete", "erase", "logout", "create", "update")
        ):
            pytest.fail(f"{rule} changes state on GET")
