"""Error pages: the app's own page for people, JSON for the API, never a trace."""

import pytest
from flask import Flask
from helpers import AuthActions

from cat_survey.extensions import LOCALE_COOKIE


def test_a_missing_page_is_the_apps_own_page_without_staff_links_for_customers(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>Page not found</h1>" in response.text
    assert 'href="/static/app.css"' in response.text
    assert 'aria-label="Staff"' not in response.text


def test_a_forbidden_page_says_so_and_keeps_the_staff_navigation(app, staff):
    client = app.test_client()
    AuthActions(client).login(staff["a"].email)
    response = client.get("/dashboard")
    assert response.status_code == 403
    assert "This page is not part of your role" in response.text
    assert "Ask an admin" in response.text
    assert 'aria-label="Staff"' in response.text


def test_a_wrong_method_keeps_its_allow_header(client):
    response = client.put("/auth/login")
    assert response.status_code == 405
    assert "That action is not possible here" in response.text
    assert "POST" in response.headers["Allow"]


def test_the_api_answers_errors_as_json(client):
    response = client.get("/api/v1/no-such-route")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


@pytest.fixture
def failing_app(app: Flask) -> Flask:
    """The app with a page and an API route that fail, reporting errors as a server."""

    def boom():
        raise RuntimeError("secret detail")

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_a_server_error_shows_a_calm_page_without_the_exception(failing_app):
    client = failing_app.test_client()
    page = client.get("/boom")
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.text
    assert "secret detail" not in page.text
    api = client.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.get_json()["error"]["status"] == 500
    assert "secret detail" not in api.text


def test_an_error_page_explains_itself_in_the_readers_language(client):
    english = client.get("/no-such-page").text
    assert "The requested URL was not found on the server." in english
    client.set_cookie(LOCALE_COOKIE, "ja")
    japanese = client.get("/no-such-page").text
    assert "お探しのページは見つかりませんでした。" in japanese
    assert "The requested URL was not found" not in japanese


def test_a_description_an_abort_wrote_itself_is_shown_as_given(client):
    # The set-password page aborts with its own words, not Werkzeug's.
    page = client.get("/auth/set-password/not-a-token").text
    assert "This link has expired or was already used." in page
