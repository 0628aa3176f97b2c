"""Signing in lands each role on the page of its daily work, never on /healthz."""

import pytest


@pytest.mark.parametrize(
    ("role", "home", "shows"),
    [
        ("cx_lead", "/dashboard", "NPS"),
        ("admin", "/dashboard", "NPS"),
        ("advocate", "/themes", "theme"),
    ],
)
def test_signing_in_lands_on_the_roles_working_page(
    client, auth, make_user, departments, role, home, shows
):
    department = "cx" if role == "advocate" else None
    make_user("someone@example.com", role=role, department=department)
    response = auth.login("someone@example.com")
    assert response.status_code == 302
    assert response.headers["Location"].split("?")[0] == home
    page = client.get(home)
    assert page.status_code == 200
    assert shows in page.text
    assert page.mimetype == "text/html"
