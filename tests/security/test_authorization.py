"""The authorisation matrix: every role x every route x objects of two departments.

Advocate A works for Tech and advocate B for Sales; the CX lead and the admin
see every department; anonymous visitors see the customer pages only. Each row
of :data:`MATRIX` is one route (GET or POST, with a real URL) and states, per
role, the outcome on department A's object and on department B's object:

=========  ===============================================================
``OK``     200, and the page, chart, CSV or JSON is served
``DONE``   the action is accepted (a redirect, 201 or 200) and changes data
``LOGIN``  a redirect to the sign-in page, nothing changed
``DENIED`` 403: the role may never use this route, nothing changed
``HIDDEN`` 404: the object is out of the role's scope, which looks exactly
           like an object that does not exist; nothing changed
``REFUSED`` the action is refused with a message (a redirect), nothing changed
=========  ===============================================================

Besides the status, every body an advocate receives is searched for the other
department's marker strings (theme label, answer text, respondent name and
reference, triage theme): the count of cross-department reads and of
cross-department writes must both be 0. Conversation, invitation and staff
set-password links are capabilities: whoever holds the token may use them,
whatever their role; they are marked ``token_scoped`` and left out of the leak
count. The admin screens are for admins only.
"""

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from helpers import CAMPAIGN_CSV, STUDIO_SOURCE, TEST_PASSWORD
from sqlalchemy import select

from cat_survey.db import db
from cat_survey.domain.accounts import INVITED_PREFIX, password_token
from cat_survey.domain.responses import new_token
from cat_survey.models import (
    Answer,
    Department,
    Invitation,
    Survey,
    ThemeAnswer,
    User,
    utcnow,
)

OK, DONE, LOGIN, DENIED, HIDDEN, REFUSED = (
    "ok",
    "done",
    "login",
    "denied",
    "hidden",
    "refused",
)
ROLES = ("anonymous", "advocate_a", "advocate_b", "cx_lead", "admin")
ADVOCATE_DEPARTMENT = {"advocate_a": "A", "advocate_b": "B"}

# Outcome rows: role -> (outcome on A's object, outcome on B's object).
PUBLIC = {role: (OK, OK) for role in ROLES}
PUBLIC_ACTION = {role: (DONE, DONE) for role in ROLES}
STAFF = {"anonymous": (LOGIN, LOGIN)} | {role: (OK, OK) for role in ROLES[1:]}
LEADS = {
    "anonymous": (LOGIN, LOGIN),
    "advocate_a": (DENIED, DENIED),
    "advocate_b": (DENIED, DENIED),
    "cx_lead": (OK, OK),
    "admin": (OK, OK),
}
SCOPED = {
    "anonymous": (LOGIN, LOGIN),
    "advocate_a": (OK, HIDDEN),
    "advocate_b": (HIDDEN, OK),
    "cx_lead": (OK, OK),
    "admin": (OK, OK),
}
SCOPED_ACTION = {
    role: tuple(DONE if outcome == OK else outcome for outcome in outcomes)
    for role, outcomes in SCOPED.items()
}
SCOPED_REFUSAL = {
    role: tuple(REFUSED if outcome == OK else outcome for outcome in outcomes)
    for role, outcomes in SCOPED.items()
}
SIGN_OUT = {"anonymous": (LOGIN, LOGIN)} | {role: (DONE, DONE) for role in ROLES[1:]}
ADMINS = {"anonymous": (LOGIN, LOGIN)} | {
    role: (OK, OK) if role == "admin" else (DENIED, DENIED) for role in ROLES[1:]
}
LEADS_ACTION = {
    role: tuple(DONE if outcome == OK else outcome for outcome in outcomes)
    for role, outcomes in LEADS.items()
}
ADMIN_ACTION = {
    role: tuple(DONE if outcome == OK else outcome for outcome in outcomes)
    for role, outcomes in ADMINS.items()
}


@dataclass(frozen=True)
class Route:
    """One row of the matrix: a request and its outcome per role and object."""

    method: str
    endpoint: str
    url: str
    outcomes: dict[str, tuple[str, str]]
    form: dict[str, str] = field(default_factory=dict)
    # Uploaded files: form field -> (file name, content).
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    token_scoped: bool = False
    # Actions get a new theme (or invitation) of the object's department for
    # every cell, so one role's change never decides the next role's outcome.
    fresh: str | None = None
    # Pages where the object's own answer text must appear (the check can fail).
    shows_answer: bool = False
    note: str = ""

    @property
    def id(self) -> str:
        return " ".join(filter(None, (self.method, self.url, self.note)))


MATRIX = (
    # ---- customer pages, public or behind a link's token
    Route("GET", "static", "/static/app.css", PUBLIC),
    Route("GET", "health.healthz", "/healthz", PUBLIC),
    Route("GET", "survey.index", "/", PUBLIC),
    Route("GET", "survey.public_link", "/s/{survey}", PUBLIC),
    Route("POST", "survey.public_link", "/s/{survey}", PUBLIC_ACTION),
    Route(
        "GET", "survey.invitation_link", "/i/{invitation}", PUBLIC, token_scoped=True
    ),
    Route(
        "POST",
        "survey.invitation_link",
        "/i/{invitation}",
        PUBLIC_ACTION,
        token_scoped=True,
        fresh="invitation",
    ),
    Route("GET", "survey.conversation", "/c/{conversation}", PUBLIC, token_scoped=True),
    Route(
        "POST",
        "survey.conversation",
        "/c/{conversation}",
        PUBLIC_ACTION,
        form={"question_id": "nps", "value": "3"},
        token_scoped=True,
        fresh="conversation",
    ),
    Route(
        "POST",
        "api.start",
        "/api/v1/surveys/{survey}/conversations",
        PUBLIC_ACTION,
        json={"hidden": {"segment": "smb"}},
    ),
    Route(
        "POST",
        "api.answer",
        "/api/v1/conversations/{conversation}/answers",
        PUBLIC_ACTION,
        json={"question_id": "nps", "value": 3},
        token_scoped=True,
        fresh="conversation",
    ),
    Route(
        "GET",
        "api.show",
        "/api/v1/conversations/{conversation}",
        PUBLIC,
        token_scoped=True,
    ),
    # The language switch; on a conversation page it also keeps that conversation's
    # language, so everyone (signed in or not) changes data.
    Route(
        "POST",
        "locale_switch.switch",
        "/language",
        PUBLIC_ACTION,
        form={"locale": "ja", "next": "/c/{conversation}"},
        token_scoped=True,
        fresh="conversation",
    ),
    # ---- signing in and out
    Route("GET", "auth.login", "/auth/login", PUBLIC),
    # A failed sign-in is counted (for the lockout): an action anyone may take.
    Route(
        "POST",
        "auth.login",
        "/auth/login",
        PUBLIC_ACTION,
        form={"email": "nobody-{role}@example.com", "password": TEST_PASSWORD},
    ),
    Route("POST", "auth.logout", "/auth/logout", SIGN_OUT),
    # ---- advocates' theme screens, scoped by department
    Route("GET", "themes.my_themes", "/themes?status=all", STAFF),
    Route(
        "GET", "themes.my_themes", "/themes?status=all&department={department}", STAFF
    ),
    Route("GET", "themes.triage", "/themes/triage", LEADS),
    Route("GET", "themes.detail", "/themes/{theme}", SCOPED, shows_answer=True),
    Route("GET", "themes.detail", "/themes/{triage}", SCOPED),
    Route(
        "GET",
        "themes.detail",
        "/themes/{theme}?q=secret+answer",
        SCOPED,
        shows_answer=True,
    ),
    Route("GET", "themes.trend_chart", "/themes/{theme}/trend.svg", SCOPED),
    Route("GET", "themes.sparkline", "/themes/{theme}/sparkline.svg", SCOPED),
    Route(
        "GET",
        "themes.export_answers",
        "/themes/{theme}/answers.csv",
        SCOPED,
        shows_answer=True,
    ),
    Route(
        "GET",
        "themes.export_answers",
        "/themes/{theme}/answers.csv?q=secret",
        SCOPED,
        shows_answer=True,
    ),
    Route(
        "POST",
        "themes.set_status",
        "/themes/{theme}/status",
        SCOPED_ACTION,
        form={"status": "acknowledged", "reason": "on it"},
        fresh="theme",
    ),
    Route(
        "POST",
        "themes.reassign_theme",
        "/themes/{theme}/reassign",
        SCOPED_ACTION,
        form={"department": "{other_department}", "reason": "it is theirs"},
        fresh="theme",
    ),
    Route(
        "POST",
        "themes.follow_up",
        "/themes/{theme}/follow-ups",
        SCOPED_ACTION,
        form={"response_id": "{response}", "note": "called"},
        fresh="theme",
    ),
    # Through a theme of one's own, at a respondent of the other department.
    Route(
        "POST",
        "themes.follow_up",
        "/themes/{theme}/follow-ups",
        SCOPED_REFUSAL,
        form={"response_id": "{other_response}", "note": "called"},
        note="(the other department's respondent)",
    ),
    Route(
        "POST",
        "themes.set_owner",
        "/themes/{theme}/owner",
        SCOPED_ACTION,
        form={"owner": "{advocate}"},
        fresh="theme",
    ),
    # Writing and previewing the "what changed" e-mail stores nothing: only "send"
    # does (tested in tests/cat_survey/themes/test_closing.py).
    Route("GET", "themes.close_loop", "/themes/{theme}/close-loop", SCOPED),
    Route(
        "POST",
        "themes.close_loop",
        "/themes/{theme}/close-loop",
        SCOPED,
        form={"what_changed_en": "We fixed it.", "preview": "1"},
    ),
    # A department's report: an advocate always gets their own department's,
    # whatever the URL names, so both objects are OK and nothing leaks.
    Route("GET", "themes.report", "/themes/report?department={department}", STAFF),
    Route(
        "GET",
        "themes.report_as_pdf",
        "/themes/report.pdf?department={department}",
        STAFF,
    ),
    # ---- e-mail campaigns: CX leads and admins; the preview stores nothing
    Route("GET", "campaigns.index", "/campaigns/", LEADS),
    Route("GET", "campaigns.stats_csv", "/campaigns/campaigns.csv", LEADS),
    Route(
        "POST",
        "campaigns.preview",
        "/campaigns/preview",
        LEADS,
        form={"survey": "{survey}"},
        files={"customers": ("customers.csv", CAMPAIGN_CSV)},
    ),
    Route(
        "POST",
        "campaigns.send",
        "/campaigns/",
        LEADS_ACTION,
        form={
            "survey": "{survey}",
            "file_name": "customers.csv",
            "csv_data": base64.b64encode(CAMPAIGN_CSV).decode(),
        },
    ),
    # Unsubscribe links are capabilities, like conversation links: whoever holds
    # the e-mail may press the button (and mail clients POST without a session).
    Route(
        "GET",
        "unsubscribe.page",
        "/unsubscribe/{recipient}",
        PUBLIC,
        token_scoped=True,
        fresh="recipient",
    ),
    Route(
        "POST",
        "unsubscribe.page",
        "/unsubscribe/{recipient}",
        PUBLIC_ACTION,
        token_scoped=True,
        fresh="recipient",
    ),
    Route(
        "GET",
        "updates.unsubscribe",
        "/updates/unsubscribe/{loop_message}",
        PUBLIC,
        token_scoped=True,
        fresh="loop_message",
    ),
    Route(
        "POST",
        "updates.unsubscribe",
        "/updates/unsubscribe/{loop_message}",
        PUBLIC_ACTION,
        token_scoped=True,
        fresh="loop_message",
    ),
    # ---- the CX lead's dashboard
    Route("GET", "reports.dashboard", "/dashboard", LEADS),
    Route("GET", "reports.dashboard", "/dashboard?breakdown=survey", LEADS),
    Route("GET", "reports.dashboard", "/dashboard?breakdown=hidden:plan", LEADS),
    Route("GET", "reports.chart", "/dashboard/chart/nps.svg", LEADS),
    Route("GET", "reports.chart", "/dashboard/chart/breakdown.svg", LEADS),
    Route("GET", "reports.export", "/dashboard/export/nps.csv", LEADS),
    Route("GET", "reports.export", "/dashboard/export/breakdown.csv", LEADS),
    Route("GET", "reports.themes", "/dashboard/themes", LEADS),
    Route("GET", "reports.suspects", "/dashboard/suspects", LEADS),
    Route(
        "POST",
        "reports.review_suspect",
        "/dashboard/suspects/{response}",
        # A response that is not suspect: leads reach the action, which refuses.
        {
            role: tuple(REFUSED if o == OK else o for o in outs)
            for role, outs in LEADS.items()
        },
        form={"decision": "release"},
    ),
    # ---- the survey studio: CX leads and admins; checking stores nothing
    Route("GET", "studio.index", "/studio/", LEADS),
    Route("GET", "studio.new", "/studio/new", LEADS),
    Route(
        "POST",
        "studio.new",
        "/studio/new",
        LEADS,
        form={
            "source": STUDIO_SOURCE,
            "action": "check",
        },
    ),
    Route("GET", "studio.edit", "/studio/{survey}", LEADS),
    Route(
        "POST",
        "studio.edit",
        "/studio/{survey}",
        LEADS,
        form={
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
    Route("GET", "studio.export", "/studio/{survey}/export", LEADS),
    # ---- the admin screens; a set-password link is a capability like an invitation
    Route("GET", "admin.users", "/admin", ADMINS),
    Route("GET", "admin.user", "/admin/users/{user}", ADMINS, fresh="user"),
    Route(
        "POST",
        "admin.invite",
        "/admin/users",
        ADMIN_ACTION,
        form={
            "email": "invitee-{department}@example.com",
            "role": "advocate",
            "department": "{department}",
        },
    ),
    Route(
        "POST",
        "admin.change_user_role",
        "/admin/users/{user}/role",
        ADMIN_ACTION,
        form={"role": "cx_lead", "department": ""},
        fresh="user",
    ),
    Route(
        "POST",
        "admin.deactivate",
        "/admin/users/{user}/deactivate",
        ADMIN_ACTION,
        fresh="user",
    ),
    Route(
        "POST",
        "admin.reactivate",
        "/admin/users/{user}/reactivate",
        ADMIN_ACTION,
        fresh="inactive_user",
    ),
    Route(
        "POST",
        "admin.send_link",
        "/admin/users/{user}/link",
        ADMIN_ACTION,
        fresh="user",
    ),
    Route("GET", "admin.departments", "/admin/departments", ADMINS),
    Route("GET", "admin.department", "/admin/departments/{department}", ADMINS),
    Route(
        "POST",
        "admin.update_department",
        "/admin/departments/{department}",
        ADMIN_ACTION,
        form={
            "name": "Renamed {department}",
            "description": "",
            "webhook_url": "https://hooks.example.com/{department}",
            "advocates": "{advocate}",
        },
        fresh="advocate",
    ),
    Route(
        "GET",
        "auth.choose_password",
        "/auth/set-password/{password_token}",
        PUBLIC,
        token_scoped=True,
        fresh="invited_user",
    ),
    Route(
        "POST",
        "auth.choose_password",
        "/auth/set-password/{password_token}",
        PUBLIC_ACTION,
        form={"password": TEST_PASSWORD, "confirm": TEST_PASSWORD},
        token_scoped=True,
        fresh="invited_user",
    ),
)
OBJECTS = ("A", "B")
MATRIX_CELLS = len(MATRIX) * len(ROLES) * len(OBJECTS)


def test_the_matrix_covers_every_route_and_method_of_the_app(app: Flask):
    served = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in ("GET", "POST")
        if method in rule.methods
    }
    assert {(route.method, route.endpoint) for route in MATRIX} == served
    assert len(served) == 62
    assert MATRIX_CELLS == 71 * 5 * 2


def test_every_row_states_an_outcome_for_every_role_and_both_objects():
    for route in MATRIX:
        assert set(route.outcomes) == set(ROLES), route.id
        assert all(len(pair) == len(OBJECTS) for pair in route.outcomes.values())


class Clients:
    """One signed-in client per role, signed in again after it signs out."""

    def __init__(self, sign_in: Callable[[str], Any]) -> None:
        self.sign_in = sign_in
        self.clients: dict[str, Any] = {}

    def get(self, role: str) -> Any:
        if role not in self.clients:
            self.clients[role] = self.sign_in(role)
        return self.clients[role]

    def forget(self, role: str) -> None:
        self.clients.pop(role, None)


def outcome_of(response: Any) -> str:
    """The matrix outcome a response shows (before checking for changes)."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status == 302 and location.startswith("/auth/login") and "next=" in location:
        return LOGIN
    return {200: OK, 201: DONE, 302: DONE, 403: DENIED, 404: HIDDEN}.get(
        status, str(status)
    )


def fresh_objects(
    route: Route,
    department: str,
    key: str,
    make_theme: Callable,
    make_response: Callable,
    capabilities: Any,
) -> dict:
    """A new theme and its respondent, invitation or conversation, for one cell."""
    if route.fresh == "theme":
        theme = make_theme(
            department,
            label=f"Fresh theme of {key}",
            answers=[{"text": f"fresh answer of {key}", "consent": True}],
        )
        response_id = db.session.scalar(
            select(Answer.response_id)
            .join(ThemeAnswer, ThemeAnswer.answer_id == Answer.id)
            .where(ThemeAnswer.theme_id == theme.id)
        )
        advocate = db.session.scalar(
            select(User.id).join(Department).where(Department.slug == department)
        )
        return {"theme": theme.id, "response": response_id, "advocate": advocate}
    if route.fresh == "recipient":
        return {"recipient": capabilities.recipient(key)}
    if route.fresh == "loop_message":
        return {"loop_message": capabilities.loop_message(department, key)}
    if route.fresh == "invitation":
        survey_id = db.session.scalar(select(Survey.id))
        invitation = Invitation(survey_id=survey_id, token=new_token())
        db.session.add(invitation)
        db.session.commit()
        return {"invitation": invitation.token}
    if route.fresh == "conversation":
        return {"conversation": make_response(complete=False).token}
    if route.fresh in ("user", "inactive_user", "invited_user"):
        user = fresh_advocate(department, key, active=route.fresh != "inactive_user")
        token = password_token(user, now=utcnow())
        return {"user": user.id, "password_token": token}
    if route.fresh == "advocate":
        advocate = db.session.scalar(
            select(User.id).join(Department).where(Department.slug == department)
        )
        return {"advocate": advocate}
    return {}


def fresh_advocate(department: str, key: str, *, active: bool) -> User:
    """A new advocate of ``department``, invited and without a password yet."""
    user = User(
        email=f"fresh-{key}-{new_token()[:8]}@example.com".lower(),
        name=f"Fresh advocate of {key}",
        password_hash=INVITED_PREFIX + new_token(),
        role="advocate",
        department=db.session.scalar(select(Department).filter_by(slug=department)),
        is_active=active,
    )
    db.session.add(user)
    db.session.commit()
    return user


def send(client: Any, route: Route, url: str, form: dict[str, str]) -> tuple:
    """Make the route's request; return the response and its body as text.

    Binary bodies (the report's PDF) are read with replacement characters, so the
    leak check still searches whatever text they carry.
    """
    if route.method == "GET":
        with client.get(url) as response:  # closes the static file
            return response, response.get_data().decode("utf-8", "replace")
    if route.json is not None:
        response = client.post(url, json=route.json)
    else:
        uploads = {
            name: (io.BytesIO(content), filename)
            for name, (filename, content) in route.files.items()
        }
        response = client.post(url, data={**form, **uploads})
    return response, response.get_data().decode("utf-8", "replace")


@pytest.mark.parametrize("route", MATRIX, ids=lambda route: route.id)
def test_each_role_gets_the_stated_outcome_and_no_other_departments_data(
    world,
    signed_in,
    token_for,
    snapshot,
    make_theme,
    make_response,
    capabilities,
    route,
):
    clients = Clients(signed_in)
    mismatches, leaks, foreign_writes = [], [], []
    for role in ROLES:
        for index, key in enumerate(OBJECTS):
            expected = route.outcomes[role][index]
            department = world.objects[key].department
            values = fresh_objects(
                route, department, key, make_theme, make_response, capabilities
            )
            values["role"] = role
            client = clients.get(role)
            url = world.url(route.url, key, **values)
            form = {name: world.url(v, key, **values) for name, v in route.form.items()}
            if route.method == "POST" and route.json is None:
                form["csrf_token"] = token_for(client)
            before = snapshot() if route.method == "POST" else None
            response, body = send(client, route, url, form)
            seen = outcome_of(response)
            changed = before is not None and snapshot() != before
            if before is not None and seen in (OK, DONE):
                # An action is done when it changed data; a redirect that
                # changed nothing is a refusal.
                seen = DONE if changed else (REFUSED if seen == DONE else OK)
            if changed and expected in (LOGIN, DENIED, HIDDEN, REFUSED):
                foreign_writes.append((role, key, url, expected))
            if seen != expected:
                mismatches.append((role, key, url, expected, seen))
            if role in ADVOCATE_DEPARTMENT and not route.token_scoped:
                own = ADVOCATE_DEPARTMENT[role]
                markers = world.other(own).markers
                leaks += [(role, url, marker) for marker in markers if marker in body]
                if route.shows_answer and key == own:
                    assert world.objects[own].markers[1] in body, (role, url)
            # A new conversation for each cell, and a new sign-in after signing out.
            client.delete_cookie(f"cat_survey_{world.survey}")
            if route.endpoint == "auth.logout" and seen == DONE:
                clients.forget(role)
    assert mismatches == []
    assert leaks == [], "cross-department reads"
    assert foreign_writes == [], "requests that should change nothing changed data"


def test_an_advocate_lists_only_their_departments_themes_whatever_the_filter(
    world, signed_in
):
    client = signed_in("advocate_a")
    a, b = world.objects["A"], world.objects["B"]
    for query in ("", "?status=all", "?department=sales", "?status=closed&department="):
        page = client.get(f"/themes{query}").text
        assert b.markers[0] not in page
        assert (a.markers[0] in page) == (
            "sales" not in query and "closed" not in query
        )


def test_a_lead_sees_both_departments_on_every_list(world, signed_in):
    for role in ("cx_lead", "admin"):
        client = signed_in(role)
        themes = client.get("/themes?status=all").text
        triage = client.get("/themes/triage").text
        for objects in world.objects.values():
            assert objects.markers[0] in themes
            assert objects.markers[4] in triage
