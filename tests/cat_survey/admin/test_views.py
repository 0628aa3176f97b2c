"""The admin screens: invitations and set-password links, roles, deactivation,
departments, the audit trail, and that nobody but an admin reaches them."""

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import TEST_PASSWORD, csrf_token

from cat_survey.db import db
from cat_survey.domain.accounts import is_invited, password_token
from cat_survey.extensions import LOCALE_COOKIE
from cat_survey.models import (
    AdminEvent,
    Department,
    Notification,
    Theme,
    User,
    utcnow,
)

PASSWORD = "a new secret phrase"
ADMIN_PAGES = (
    "/admin",
    "/admin/users/{user}",
    "/admin/departments",
    "/admin/departments/tech",
)
LINK = re.compile(r'value="(https?://[^"]+/auth/set-password/[^"]+)"')


def token_of(client: FlaskClient) -> str:
    """A CSRF token of the client's session, read from the sign-in form."""
    return csrf_token(client.get("/auth/login").text)


def sign_in(app: Flask, email: str, password: str) -> FlaskClient:
    """A new client signed in through the login form (which must accept it)."""
    client = app.test_client()
    response = client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": token_of(client)},
    )
    assert response.status_code == 302, f"{email} could not sign in"
    assert "/auth/login" not in response.headers["Location"]
    return client


def post(client: FlaskClient, url: str, **form: object):
    """Submit a form with a valid CSRF token."""
    return client.post(url, data={**form, "csrf_token": token_of(client)})


def flashes(client: FlaskClient, url: str) -> list[str]:
    """The flash messages a page shows."""
    html = client.get(url).text
    return [unescape(m) for m in re.findall(r'class="flash[^"]*"[^>]*>([^<]*)', html)]


def events(kind: str) -> list[AdminEvent]:
    """The audit rows of one kind, oldest first."""
    query = db.select(AdminEvent).filter_by(kind=kind).order_by(AdminEvent.id)
    return list(db.session.scalars(query))


@pytest.fixture
def people(app_ctx: None, departments, make_user: Callable[..., User]) -> dict:
    """An admin, a CX lead and a Tech advocate (password ``TEST_PASSWORD``)."""
    return {
        "admin": make_user("admin@example.com", role="admin"),
        "lead": make_user("lead@example.com", role="cx_lead"),
        "advocate": make_user("a@example.com", role="advocate", department="tech"),
    }


@pytest.fixture
def admin(app: Flask, people: dict) -> FlaskClient:
    """A client signed in as the admin."""
    return sign_in(app, "admin@example.com", TEST_PASSWORD)


def invite(admin: FlaskClient, email: str, **fields: str) -> str:
    """Invite someone through the form; return the set-password link shown once."""
    fields = {"role": "advocate", "department": "sales", "name": "Ann"} | fields
    response = post(admin, "/admin/users", email=email, **fields)
    assert response.status_code == 200, flashes(admin, "/admin")
    return unescape(LINK.search(response.text).group(1))


def path_of(link: str) -> str:
    """The path of an absolute link, as the test client requests it."""
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


@pytest.mark.parametrize("page", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["lead", "advocate"])
def test_other_staff_get_403_and_visitors_the_sign_in_page(app, people, page, role):
    url = page.format(user=people["advocate"].id)
    staff = sign_in(app, people[role].email, TEST_PASSWORD)
    assert staff.get(url).status_code == 403
    visitor = app.test_client().get(url)
    assert visitor.status_code == 302
    assert visitor.headers["Location"].startswith("/auth/login?next=")


def test_invitee_sets_a_password_through_the_link_and_signs_in(app, admin):
    link = invite(admin, "Ann@Example.com")
    user = db.session.scalar(db.select(User).filter_by(email="ann@example.com"))
    assert (user.role, user.department.slug) == ("advocate", "sales")
    # The e-mail waits in the outbox with the same link.
    mail = db.session.scalar(db.select(Notification).filter_by(user_id=user.id))
    assert (mail.channel, mail.recipient) == ("email", "ann@example.com")
    assert link in mail.body
    assert is_invited(user)  # no password matches until one is chosen

    invitee = app.test_client()
    page = invitee.get(path_of(link))
    assert page.status_code == 200
    assert "ann@example.com" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    done = post(invitee, path_of(link), password=PASSWORD, confirm=PASSWORD)
    assert done.headers["Location"] == "/auth/login"

    signed_in = sign_in(app, "ann@example.com", PASSWORD)
    assert signed_in.get("/themes").status_code == 200
    assert [event.user_id for event in events("invited")] == [user.id]
    assert [event.actor_id for event in events("password_set")] == [user.id]


def test_a_link_works_once(app, admin):
    link = invite(admin, "once@example.com")
    invitee = app.test_client()
    post(invitee, path_of(link), password=PASSWORD, confirm=PASSWORD)
    assert invitee.get(path_of(link)).status_code == 404
    again = post(invitee, path_of(link), password="another phrase", confirm="x")
    assert again.status_code == 404
    sign_in(app, "once@example.com", PASSWORD)


def test_a_link_expires_and_a_new_link_replaces_the_old(app, admin):
    link = invite(admin, "late@example.com")
    user = db.session.scalar(db.select(User).filter_by(email="late@example.com"))
    old = password_token(user, now=utcnow() - timedelta(hours=73))
    assert app.test_client().get(f"/auth/set-password/{old}").status_code == 404

    resent = post(admin, f"/admin/users/{user.id}/link")
    new_link = unescape(LINK.search(resent.text).group(1))
    assert app.test_client().get(path_of(link)).status_code == 404
    assert app.test_client().get(path_of(new_link)).status_code == 200
    assert len(events("link_sent")) == 1


def test_a_forged_or_mangled_link_is_not_found(app, admin):
    link = invite(admin, "forged@example.com")
    client = app.test_client()
    assert client.get(path_of(link)[:-2] + "xx").status_code == 404
    assert client.get("/auth/set-password/eyJ1c2VyIjoxfQ.forged").status_code == 404


def test_passwords_must_match_and_be_long_enough(app, admin):
    link = invite(admin, "short@example.com")
    invitee = app.test_client()
    short = post(invitee, path_of(link), password="short", confirm="short")
    different = post(invitee, path_of(link), password=PASSWORD, confirm="other one")
    assert short.status_code == different.status_code == 200
    assert "The passwords differ." in different.text
    assert invitee.get(path_of(link)).status_code == 200  # still unused


@pytest.mark.parametrize("weak", ["password", "Password1", "weak@example.com"])
def test_the_set_password_page_refuses_a_guessable_password(app, admin, weak):
    link = invite(admin, "weak@example.com")
    invitee = app.test_client()
    refused = post(invitee, path_of(link), password=weak, confirm=weak)
    assert refused.status_code == 200
    assert "This password is too easy to guess" in refused.text
    assert invitee.get(path_of(link)).status_code == 200  # still unused


def test_an_advocate_needs_a_department_and_an_email_is_invited_once(admin):
    fields = {"role": "advocate", "department": ""}
    post(admin, "/admin/users", email="x@example.com", **fields)
    assert flashes(admin, "/admin") == [
        "An advocate works for a department: choose one."
    ]
    invite(admin, "twice@example.com")
    fields = {"role": "cx_lead", "department": ""}
    post(admin, "/admin/users", email="Twice@example.com", **fields)
    assert flashes(admin, "/admin") == [
        "There is already an account for twice@example.com."
    ]
    assert db.session.scalar(db.select(User).filter_by(email="x@example.com")) is None


def test_a_role_change_takes_effect_at_the_next_request_and_is_audited(
    app, admin, people
):
    advocate = people["advocate"]
    client = sign_in(app, advocate.email, TEST_PASSWORD)
    assert client.get("/dashboard").status_code == 403
    post(admin, f"/admin/users/{advocate.id}/role", role="cx_lead", department="")
    assert client.get("/dashboard").status_code == 200
    db.session.refresh(advocate)
    assert (advocate.role, advocate.department_id) == ("cx_lead", None)
    [event] = events("role_changed")
    assert (event.from_value, event.to_value) == ("advocate (Tech)", "cx lead")
    assert event.actor_id == people["admin"].id


def test_deactivating_ends_open_sessions_and_sign_in(app, admin, people):
    advocate = people["advocate"]
    client = sign_in(app, advocate.email, TEST_PASSWORD)
    post(admin, f"/admin/users/{advocate.id}/deactivate")
    assert client.get("/themes").headers["Location"].startswith("/auth/login")
    with pytest.raises(AssertionError, match="could not sign in"):
        sign_in(app, advocate.email, TEST_PASSWORD)
    post(admin, f"/admin/users/{advocate.id}/reactivate")
    sign_in(app, advocate.email, TEST_PASSWORD)
    assert [e.kind for e in events("deactivated") + events("reactivated")] == [
        "deactivated",
        "reactivated",
    ]


def test_an_admin_cannot_demote_or_deactivate_themself(admin, people):
    me = people["admin"]
    post(admin, f"/admin/users/{me.id}/deactivate")
    post(admin, f"/admin/users/{me.id}/role", role="advocate", department="tech")
    db.session.refresh(me)
    assert (me.is_active, me.role) == (True, "admin")
    assert db.session.scalars(db.select(AdminEvent)).all() == []


def test_refusals_and_confirmations_speak_the_admins_language(admin, people):
    admin.set_cookie(LOCALE_COOKIE, "ja")
    me, lead = people["admin"], people["lead"]
    post(admin, f"/admin/users/{me.id}/deactivate")
    assert flashes(admin, f"/admin/users/{me.id}") == [
        "自分のアカウントは無効にできません。"
    ]
    post(admin, f"/admin/users/{lead.id}/deactivate")
    page = admin.get(f"/admin/users/{lead.id}").text
    assert "アカウントを無効にしました。" in page
    assert "無効: サインインできません。" in page
    assert "再び有効にする" in page


def department_form(**changes: object) -> dict[str, object]:
    """The Tech department's edit form with its advocate ticked, plus changes."""
    return {
        "name": "Tech",
        "description": "Bugs and outages",
        "webhook_url": "",
        "advocates": [],
    } | changes


def test_an_admin_edits_a_department_and_each_change_is_audited(admin, people):
    advocate_id = people["advocate"].id
    form = department_form(
        name="Engineering",
        webhook_url="https://hooks.example.com/tech",
        advocates=[advocate_id],
    )
    post(admin, "/admin/departments/tech", **form)
    tech = db.session.scalar(db.select(Department).filter_by(slug="tech"))
    assert (tech.name, tech.webhook_url) == (
        "Engineering",
        "https://hooks.example.com/tech",
    )
    edited = {(e.field, e.to_value) for e in events("department_edited")}
    assert ("name", "Engineering") in edited
    assert ("webhook_url", "https://hooks.example.com/tech") in edited
    page = admin.get("/admin/departments/tech").text
    assert "Engineering" in page
    assert "Department edited: Webhook URL" in page


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.com/x", "https://", "file:///etc"]
)
def test_a_webhook_must_be_an_http_or_https_url(admin, people, url):
    form = department_form(webhook_url=url, advocates=[people["advocate"].id])
    post(admin, "/admin/departments/tech", **form)
    tech = db.session.scalar(db.select(Department).filter_by(slug="tech"))
    assert tech.webhook_url is None
    assert events("department_edited") == []


def test_an_advocate_moves_between_departments_but_never_to_none(admin, people):
    advocate = people["advocate"]
    post(admin, "/admin/departments/tech", **department_form(advocates=[]))
    messages = flashes(admin, "/admin/departments/tech")
    assert any("would have no department" in message for message in messages)
    sales = department_form(name="Sales", advocates=[advocate.id])
    post(admin, "/admin/departments/sales", **sales)
    db.session.refresh(advocate)
    assert advocate.department.slug == "sales"
    [moved] = events("advocate_moved")
    assert (moved.from_value, moved.to_value) == ("advocate (Tech)", "advocate (Sales)")


def test_names_people_typed_are_shown_as_text(admin, people):
    payload = '<script>alert("x")</script>'
    form = department_form(name=payload, advocates=[people["advocate"].id])
    post(admin, "/admin/departments/tech", **form)
    invite(admin, "xss@example.com", name=payload)
    for url in ("/admin", "/admin/departments", "/admin/departments/tech"):
        page = admin.get(url).text
        assert payload not in page
        assert "&lt;script&gt;" in page


def test_a_refused_invitation_keeps_what_was_typed_and_says_why(admin):
    response = post(
        admin, "/admin/users", email="not an address", name="Bo", role="cx_lead"
    )
    assert response.status_code == 400
    assert "Enter an e-mail address like ann@example.com." in response.text
    assert 'value="not an address"' in response.text
    assert db.session.scalar(db.select(User).filter_by(name="Bo")) is None


def test_an_account_page_warns_of_open_themes_the_person_owns(admin, people):
    advocate = people["advocate"]
    tech = advocate.department
    for status in ("new", "in_progress", "resolved"):
        db.session.add(
            Theme(
                label=f"a {status} theme",
                status=status,
                department=tech,
                owner=advocate,
            )
        )
    db.session.commit()
    page = admin.get(f"/admin/users/{advocate.id}").text
    assert "Owns 2 open themes." in page
    assert "Owns" not in admin.get(f"/admin/users/{people['lead'].id}").text
