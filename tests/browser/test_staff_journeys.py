"""The staff's journeys in a real browser: a CX lead, an admin and an advocate.

Each signs in through the login form, lands on the page of their daily work and
moves only by the navigation and the links on the pages: the lead runs triage
and switches the language, the admin changes a user's role, the advocate opens
their department's theme report. Screenshots of the dashboard, My themes and the
theme report are kept in ``test-artifacts/screenshots/`` (the README shows them).
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import TEST_PASSWORD
from playwright.sync_api import Browser, Page, expect

from cat_survey.db import db
from cat_survey.models import AdminEvent, Theme, User

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A desktop-sized English tab with JavaScript on."""
    context = browser.new_context(
        viewport=DESKTOP, base_url=live_server, locale="en-US"
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def sign_in(page: Page, user: User) -> None:
    """Sign in through the login form."""
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()


def nav(page: Page) -> Any:
    """The staff navigation."""
    return page.get_by_role("navigation", name=re.compile("Staff|スタッフ"))


def test_a_lead_lands_on_the_dashboard_goes_everywhere_and_runs_triage(
    page: Page, staff_world: dict[str, Any], screenshots: Path
):
    sign_in(page, staff_world["staff"]["lead"])
    page.wait_for_url(re.compile(r"/dashboard"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(nav(page).get_by_role("link", name="Dashboard")).to_have_attribute(
        "aria-current", "page"
    )
    page.screenshot(path=screenshots / "staff-dashboard.png", full_page=True)

    nav(page).get_by_role("link", name="Themes").click()
    page.wait_for_url(re.compile(r"/themes$"))
    theme = page.get_by_role("link", name="Invoices arrive late and totals are wrong")
    expect(theme).to_be_visible()
    theme.click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    page.get_by_role("link", name="← All themes").click()
    page.get_by_role("link", name="Theme report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Theme report")

    # The language switch, remembered for this person on every staff page.
    page.get_by_role("button", name="日本語").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(nav(page).get_by_role("link", name="ダッシュボード")).to_be_visible()
    nav(page).get_by_role("link", name="トリアージ").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("トリアージ")
    expect(page.get_by_role("columnheader", name="振り分け先")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # Triage: the router's guess is shown, but the lead must choose.
    page.wait_for_url(re.compile(r"/themes/triage"))
    row = page.get_by_role("row", name=re.compile("Webinar recordings are missing"))
    expect(row).to_contain_text("24% sure")
    select = row.get_by_label("Department")
    expect(select).to_have_value("")
    select.select_option("outreach")
    row.get_by_label("Why it belongs there").fill("Webinars are Outreach's")
    row.get_by_role("button", name="Send").click()
    expect(page.get_by_text("The theme now belongs to Outreach.")).to_be_visible()
    expect(page.get_by_text("Nothing to triage")).to_be_visible()
    theme_id = staff_world["themes"]["new"].id
    db.session.expire_all()
    department = db.session.get_one(Theme, theme_id).department
    db.session.rollback()
    assert department is not None
    assert department.slug == "outreach"


def test_an_admin_lands_on_the_dashboard_and_changes_a_users_role(
    page: Page, staff_world: dict[str, Any]
):
    advocate = staff_world["staff"]["b"]
    sign_in(page, staff_world["staff"]["admin"])
    page.wait_for_url(re.compile(r"/dashboard"))
    for name in ("Themes", "Triage", "Dashboard"):
        nav(page).get_by_role("link", name=name).click()
        expect(nav(page).get_by_role("link", name=name)).to_have_attribute(
            "aria-current", "page"
        )
    nav(page).get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Staff accounts")).to_be_visible()
    page.get_by_role("link", name=advocate.name, exact=True).click()
    page.get_by_label("Role", exact=True).select_option("cx_lead")
    page.get_by_role("button", name="Change role").click()
    expect(page.get_by_text("Role changed.")).to_be_visible()
    db.session.expire_all()
    role = db.session.get_one(User, advocate.id).role
    events = db.session.scalars(
        db.select(AdminEvent.kind).filter_by(user_id=advocate.id)
    ).all()
    db.session.rollback()
    assert role == "cx_lead"
    assert events


def test_an_advocate_lands_on_my_themes_and_opens_the_theme_report(
    page: Page, staff_world: dict[str, Any], screenshots: Path
):
    sign_in(page, staff_world["staff"]["a"])
    page.wait_for_url(re.compile(r"/themes$"))
    expect(page.get_by_role("heading", name="My themes")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Owner")).to_be_visible()
    page.screenshot(path=screenshots / "staff-my-themes.png", full_page=True)
    page.get_by_role("link", name="Theme report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Theme report: Customer experience, \d{4}-Q[1-4]$")
    )
    expect(page.get_by_role("table")).to_contain_text("Invoices arrive late")
    page.screenshot(path=screenshots / "staff-theme-report.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename.startswith("theme-report-cx-")
