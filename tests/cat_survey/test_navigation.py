"""The staff navigation: each role sees the pages it may use, on every staff page."""

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from helpers import AuthActions

from cat_survey.models import Role

NAV = re.compile(r'<nav aria-label="Staff">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"(?: aria-current="(\w+)")?>([^<]+)</a>')
TEMPLATE = Path(__file__).parents[2] / "cat_survey" / "templates" / "_staff_nav.html"

#: What each role's navigation offers, in order.
EXPECTED = {
    "a": ["My themes"],  # the advocate
    "lead": ["Dashboard", "Themes", "Triage", "Campaigns", "Studio"],
    "admin": ["Dashboard", "Themes", "Triage", "Campaigns", "Studio", "Admin"],
}


def nav_links(html: str) -> list[tuple[str, str, str]]:
    """(url, aria-current, label) of each staff navigation link on a page."""
    match = NAV.search(html)
    assert match, "the page has no staff navigation"
    return LINK.findall(match.group(1))


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A client signed in through the login form."""
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_sees_the_pages_it_may_use_and_each_one_opens(app, staff, role):
    client = signed_in(app, staff[role].email)
    links = nav_links(client.get("/themes").text)
    assert [label for _, _, label in links] == EXPECTED[role]
    for url, _, label in links:
        assert client.get(url).status_code == 200, label


@pytest.mark.parametrize(
    ("url", "current"),
    [
        ("/dashboard", ("Dashboard", "page")),
        ("/themes", ("Themes", "page")),
        ("/themes/triage", ("Triage", "page")),
        ("/campaigns/", ("Campaigns", "page")),
        ("/studio/", ("Studio", "page")),
        ("/admin", ("Admin", "page")),
        ("/admin/departments", ("Admin", "true")),
        ("/no-such-page", None),
    ],
)
def test_every_staff_page_has_the_navigation_with_the_open_page_marked(
    app, staff, url, current
):
    client = signed_in(app, staff["admin"].email)
    links = nav_links(client.get(url).text)
    assert [label for _, _, label in links] == EXPECTED["admin"]
    marked = [(label, mark) for _, mark, label in links if mark]
    assert marked == ([current] if current else [])


def test_customers_see_no_staff_navigation(client):
    assert 'aria-label="Staff"' not in client.get("/").text
    assert 'aria-label="Staff"' not in client.get("/no-such-page").text


def test_the_template_spells_no_address_and_no_role():
    source = TEMPLATE.read_text(encoding="utf-8")
    assert "/dashboard" not in source
    assert "/themes" not in source
    assert not [role.value for role in Role if role.value in source]
