"""Staff sign-in: credentials, lockout, safe redirects and real sign-out."""

import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from helpers import TEST_PASSWORD, csrf_token

from cat_survey.db import db
from cat_survey.models import LoginFailure, utcnow
from cat_survey.proxies import init_proxies


@pytest.fixture
def lead(make_user):
    return make_user("lead@example.com", role="cx_lead")


def test_login_with_the_right_password_signs_in(client, auth, lead):
    response = auth.login("Lead@Example.com")
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["_user_id"] == f"{lead.id}:0"
        assert session["signed_in_at"] <= time.time()
    # A browser-session cookie: no expiry to renew on every request.
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if "session=" in c]
    assert "Expires=" not in cookie


def test_a_session_ends_a_working_day_after_sign_in_however_busy(
    client, auth, lead, app
):
    auth.login("lead@example.com")
    lifetime = app.permanent_session_lifetime.total_seconds()
    assert client.get("/dashboard").status_code == 200
    with client.session_transaction() as session:
        session["signed_in_at"] -= int(lifetime) + 1  # signed in just too long ago
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_strong_session_protection_ends_a_session_moved_to_another_browser(
    client, auth, lead
):
    auth.login("lead@example.com")
    assert client.get("/dashboard").status_code == 200
    moved = client.get("/dashboard", headers={"User-Agent": "another browser"})
    assert moved.status_code == 302
    assert "/auth/login" in moved.headers["Location"]


def test_wrong_password_and_unknown_email_get_the_same_answer(client, auth, lead):
    wrong = auth.login("lead@example.com", "wrong password")
    unknown = auth.login("nobody@example.com", "wrong password")
    assert wrong.status_code == unknown.status_code == 200
    message = "That e-mail and password do not match an account."
    assert message in wrong.text
    assert message in unknown.text


@pytest.mark.parametrize("email", ["lead@example.com", "nobody@example.com"])
def test_repeated_failures_lock_the_account_from_that_address(app, auth, lead, email):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert auth.login(email, "wrong").status_code == 200
    locked = auth.login(email, TEST_PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text


def test_lockout_is_counted_in_the_database_across_workers(app, auth, lead):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login("lead@example.com", "wrong")
    # A second process (another gunicorn worker) sees the same count.
    other_worker = app.test_client()
    page = other_worker.get("/auth/login")
    response = other_worker.post(
        "/auth/login",
        data={"email": "lead@example.com", "password": TEST_PASSWORD,
              "csrf_token": csrf_token(page.text)},
    )  # fmt: skip
    assert response.status_code == 429, response.text


def test_a_successful_login_clears_earlier_failures(app, auth, lead):
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        auth.login("lead@example.com", "wrong")
    assert auth.login("lead@example.com").status_code == 302
    auth.logout()
    assert auth.login("lead@example.com", "wrong").status_code == 200
    assert auth.login("lead@example.com").status_code == 302


OPEN_REDIRECTS = [
    "https://evil.example",
    "http://evil.example/x",
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/%2F%2Fevil.example",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "evil.example",
    "ftp://evil.example",
    "http://127.0.0.1@evil.example",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_login_never_redirects_off_site(client, lead, target):
    page = client.get("/auth/login", query_string={"next": target})
    response = client.post(
        "/auth/login",
        data={"email": "lead@example.com", "password": TEST_PASSWORD,
              "next": target, "csrf_token": csrf_token(page.text)},
    )  # fmt: skip
    location = urlsplit(response.headers["Location"])
    assert (location.scheme, location.netloc) == ("", "")
    assert location.path.startswith("/")
    assert not location.path.startswith(("//", "/\\"))


def test_login_returns_to_the_internal_page_asked_for(client, lead):
    page = client.get("/auth/login", query_string={"next": "/themes?page=2"})
    response = client.post(
        "/auth/login",
        data={"email": "lead@example.com", "password": TEST_PASSWORD,
              "next": "/themes?page=2", "csrf_token": csrf_token(page.text)},
    )  # fmt: skip
    assert response.headers["Location"] == "/themes?page=2"


def test_logout_ends_every_copy_of_the_session(client, auth, lead, app):
    auth.login("lead@example.com")
    with client.session_transaction() as session:
        stolen = dict(session)
    auth.logout()
    thief = app.test_client()
    with thief.session_transaction() as session:
        session.update(stolen)
    page = thief.get("/auth/login")
    response = thief.post("/auth/logout", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert "next=" in response.headers["Location"]  # sent to sign in: not signed in


# ---------------------------------------------------------------- addresses


def login_from(client, address, email, password, forwarded_for=None):
    """Post the login form from ``address`` (the server's peer), maybe via a proxy."""
    environ = {"REMOTE_ADDR": address}
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    page = client.get("/auth/login", environ_base=environ, headers=headers)
    return client.post(
        "/auth/login",
        data={"email": email, "password": password,
              "csrf_token": csrf_token(page.text)},
        environ_base=environ,
        headers=headers,
    )  # fmt: skip


def test_the_right_password_from_another_address_is_never_locked_out(app, lead):
    attacker, colleague = app.test_client(), app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login_from(attacker, "198.51.100.7", "lead@example.com", "wrong")
    locked = login_from(attacker, "198.51.100.7", "lead@example.com", TEST_PASSWORD)
    assert locked.status_code == 429
    signed_in = login_from(colleague, "203.0.113.20", "lead@example.com", TEST_PASSWORD)
    assert signed_in.status_code == 302


def test_spraying_many_e_mails_from_one_address_is_throttled(app, lead):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    sprayer, colleague = app.test_client(), app.test_client()
    for n in range(6):  # one try per e-mail: no account reaches its own limit
        wrong = login_from(sprayer, "198.51.100.7", f"user{n}@example.com", "x")
        assert wrong.status_code == 200
    refused = login_from(sprayer, "198.51.100.7", "lead@example.com", TEST_PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.text
    ok = login_from(colleague, "203.0.113.20", "lead@example.com", TEST_PASSWORD)
    assert ok.status_code == 302


def test_failures_older_than_the_window_are_purged(app, app_ctx, auth, lead):
    window = timedelta(minutes=app.config["LOGIN_LOCKOUT_MINUTES"])
    db.session.add_all(
        LoginFailure(email="lead@example.com", ip="127.0.0.1", at=utcnow() - age)
        for age in (window + timedelta(minutes=1), window - timedelta(minutes=1))
    )
    db.session.commit()
    auth.login("someone@example.com", "wrong")
    ages = db.session.scalars(db.select(LoginFailure.at).order_by(LoginFailure.id))
    kept = [utcnow() - at for at in ages]
    assert len(kept) == 2  # the recent one and the new one
    assert all(age < window for age in kept)


def test_behind_a_trusted_proxy_each_client_has_its_own_lockout(app, lead):
    app.config["TRUSTED_PROXIES"] = 1
    init_proxies(app)
    attacker, colleague = app.test_client(), app.test_client()
    proxy = "10.0.0.2"  # every request reaches the app from the proxy
    email = "lead@example.com"
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login_from(attacker, proxy, email, "wrong", forwarded_for="198.51.100.7")
    locked = login_from(attacker, proxy, email, TEST_PASSWORD, "198.51.100.7")
    assert locked.status_code == 429
    ok = login_from(colleague, proxy, email, TEST_PASSWORD, "203.0.113.20")
    assert ok.status_code == 302


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(app, lead):
    assert app.config["TRUSTED_PROXIES"] == 0
    client = app.test_client()
    email = "lead@example.com"
    for n in range(app.config["LOGIN_MAX_FAILURES"]):
        login_from(client, "198.51.100.7", email, "wrong", f"192.0.2.{n}")
    forged = login_from(client, "198.51.100.7", email, TEST_PASSWORD, "192.0.2.99")
    assert forged.status_code == 429
