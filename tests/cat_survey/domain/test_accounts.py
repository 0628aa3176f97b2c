"""Set-password tokens and the account rules, below the admin screens."""

from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer

from cat_survey.db import db
from cat_survey.domain.accounts import (
    AccountError,
    checked_webhook_url,
    create_user,
    password_token,
    set_password,
    user_for_token,
)
from cat_survey.models import utcnow


@pytest.fixture
def lead(make_user):
    """A CX lead's account."""
    return make_user("lead@example.com", role="cx_lead")


def test_a_token_works_for_its_lifetime_only(lead):
    now = utcnow()
    token = password_token(lead, now=now)
    assert user_for_token(token, now=now + timedelta(hours=71)) == lead
    assert user_for_token(token, now=now + timedelta(hours=73)) is None
    # Issued "in the future" (a clock set wrong): refused, not valid for longer.
    assert user_for_token(token, now=now - timedelta(minutes=5)) is None


def test_a_token_dies_when_the_password_changes_or_the_account_stops(lead):
    now = utcnow()
    token = password_token(lead, now=now)
    set_password(lead, "a brand new phrase", actor=lead)
    db.session.commit()
    assert user_for_token(token, now=now) is None
    fresh = password_token(lead, now=now)
    lead.is_active = False
    db.session.commit()
    assert user_for_token(fresh, now=now) is None


def test_a_token_signed_otherwise_or_shaped_otherwise_is_refused(app, lead):
    now = utcnow()
    payload = {"user": lead.id, "stamp": "x", "at": int(now.timestamp())}
    foreign = URLSafeSerializer("another key", salt="set-password").dumps(payload)
    other_purpose = URLSafeSerializer(app.secret_key, salt="other").dumps(payload)
    own_key_bad_shape = URLSafeSerializer(app.secret_key, salt="set-password").dumps(
        ["not", "a", "dict"]
    )
    for token in (foreign, other_purpose, own_key_bad_shape, "", "abc.def"):
        assert user_for_token(token, now=now) is None


def test_set_password_needs_eight_characters_and_ends_old_sessions(lead):
    version = lead.session_version
    with pytest.raises(AccountError, match="at least 8 characters"):
        set_password(lead, "short", actor=lead)
    set_password(lead, "long enough", actor=lead)
    assert lead.session_version == version + 1


@pytest.mark.parametrize(
    "weak", ["password", "Password1", "password123", "qwertyuiop", "iloveyou1"]
)
def test_a_common_password_is_refused_wherever_it_is_set(lead, weak):
    with pytest.raises(AccountError, match="too easy to guess"):
        set_password(lead, weak, actor=lead)
    with pytest.raises(AccountError, match="too easy to guess"):
        create_user("new@example.com", weak, role="cx_lead")


def test_a_password_made_of_the_account_e_mail_is_refused(lead):
    with pytest.raises(AccountError, match="too easy to guess"):
        set_password(lead, "lead@example.com", actor=lead)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", None),
        ("  https://hooks.example.com/x ", "https://hooks.example.com/x"),
        ("http://10.0.0.5:8080/hook", "http://10.0.0.5:8080/hook"),
    ],
)
def test_webhook_addresses_are_http_or_https_urls(url, expected):
    assert checked_webhook_url(url) == expected


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://x.example", "https://", "https://a b.example"]
)
def test_other_webhook_addresses_are_refused(url):
    with pytest.raises(AccountError):
        checked_webhook_url(url)
