"""The survey studio in a real browser, JavaScript off: edit, a validation error,
the preview, then publishing a new version."""

import re
from collections.abc import Iterator

import pytest
from helpers import TEST_PASSWORD
from playwright.sync_api import Browser, BrowserContext, expect

from cat_survey.db import db
from cat_survey.models import SurveyVersion

pytestmark = pytest.mark.browser


@pytest.fixture
def context(
    browser: Browser, live_server: str, make_survey
) -> Iterator[BrowserContext]:
    """An English-speaking browser without JavaScript, relationship-nps loaded."""
    make_survey("relationship-nps")
    context = browser.new_context(
        base_url=live_server, java_script_enabled=False, locale="en-US"
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


def versions() -> list[int]:
    """The stored version numbers, read in a transaction ended at once."""
    db.session.expire_all()
    numbers = list(db.session.scalars(db.select(SurveyVersion.number)).all())
    db.session.commit()  # hold no read transaction while the server writes
    return numbers


def test_a_lead_edits_sees_an_error_previews_and_publishes(context, staff):
    page = context.new_page()
    page.goto("/auth/login")
    page.locator("input[name=email]").fill(staff["lead"].email)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/dashboard"))

    page.get_by_role("link", name="Studio").click()
    page.get_by_role("link", name="How are we doing?").first.click()
    editor = page.get_by_label("Survey definition (YAML)")
    original = editor.input_value()

    # A typo in a question type: the message names file, line, question, field.
    editor.fill(original.replace("type: nps", "type: nsp", 1))
    page.get_by_role("button", name="Check").click()
    line = original.splitlines().index("    type: nps") + 1
    message = f"relationship-nps.yaml:{line}: question 'nps': field 'type'"
    expect(page.locator("#problem-list")).to_contain_text(message)
    expect(page.locator(f"#line-{line}")).to_contain_text("type: nsp")
    expect(page.locator(f"#line-{line} .error")).to_contain_text(message)
    # axe-core checks the studio pages in test_accessibility.py: it needs JavaScript,
    # and evaluating script in a page with JavaScript off never returns.

    # Fixed and reworded: the preview shows both languages and stores nothing.
    reworded = original.replace("How are we doing?", "How are we doing today?", 1)
    page.get_by_label("Survey definition (YAML)").fill(reworded)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="English")).to_be_visible()
    expect(page.get_by_role("heading", name="日本語")).to_be_visible()
    expect(page.locator(".preview-locale[lang=en]")).to_contain_text(
        "How are we doing today?"
    )
    assert versions() == [1]

    page.get_by_role("button", name="Publish new version").click()
    expect(page.get_by_text("Published version 2.")).to_be_visible()
    assert sorted(versions()) == [1, 2]
    expect(page.get_by_label("Survey definition (YAML)")).to_have_value(reworded)
