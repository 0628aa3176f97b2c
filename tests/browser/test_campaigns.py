"""E-mail campaigns in a real browser: the lead's page, and a score link's page.

The lead uploads a customer CSV, reads the e-mail in both languages and sends it
(plain forms). A customer opens a score link from the e-mail: the score is chosen,
nothing is stored until one press, and the conversation goes on. axe-core checks
each page for critical, serious and moderate violations, as the audit does.
"""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from helpers import TEST_PASSWORD
from playwright.sync_api import Browser, BrowserContext, Page, expect

from cat_survey.db import db
from cat_survey.domain.campaigns import create_campaign, send_due_campaign_mail
from cat_survey.domain.responses import load_conversation
from cat_survey.invitations import read_customer_csv
from cat_survey.models import (
    Campaign,
    Notification,
    Suppression,
    Survey,
    SurveyResponse,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).parents[2] / ".venv" / "share" / "axe-core" / "axe.min.js"
# The violations axe-core finds that the accessibility audit also blocks on.
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => ["critical", "serious", "moderate"].includes(v.impact))
    .map(v => v.id + " at " + v.nodes.map(n => n.target.join(" ")).join(", "));
}"""

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CUSTOMERS = (
    "ref,email,name,locale\nC-1,ana@example.com,Ana,en\nC-2,aiko@example.jp,Aiko,ja\n"
)


def axe_violations(page: Page) -> list[str]:
    """Critical, serious and moderate axe-core violations of the page as it is."""
    page.evaluate(AXE.read_text())
    return page.evaluate(RUN_AXE)


@pytest.fixture
def context(
    browser: Browser, live_server: str, app: Flask, make_survey
) -> Iterator[BrowserContext]:
    """An English-speaking browser on the live server; e-mail links point at it."""
    make_survey("relationship-nps")
    app.config["BASE_URL"] = live_server
    # JavaScript on: axe-core runs in the page (the campaign pages need none).
    context = browser.new_context(base_url=live_server, locale="en-US")
    context.set_default_timeout(5_000)
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: run scripts/setup (it fetches axe-core)")
    yield context
    context.close()


def test_a_score_link_opens_with_the_score_chosen_and_one_press_sends_it(
    context: BrowserContext, app_ctx, screenshots: Path
):
    survey = db.session.scalar(db.select(Survey).filter_by(slug="relationship-nps"))
    rows = read_customer_csv(b"ref,email,name\nC-1,ana@example.com,Ana\n", "c.csv")
    create_campaign(survey, rows, name="c.csv", send_at=NOW, now=NOW)
    db.session.commit()
    send_due_campaign_mail(now=NOW)
    body = db.session.scalar(db.select(Notification.body))
    link = re.search(r"^8: (\S+)$", body, re.M).group(1)

    page = context.new_page()
    page.goto(link)
    expect(page.get_by_role("radio", name="8")).to_be_checked()
    page.screenshot(path=str(screenshots / "campaign-score-link.png"))
    assert axe_violations(page) == []
    assert db.session.scalar(db.select(db.func.count(SurveyResponse.id))) == 0

    page.get_by_role("button", name="Send my score").click()
    expect(page.get_by_text("What would it take for us to earn a 10")).to_be_visible()
    db.session.expire_all()
    response = db.session.scalar(db.select(SurveyResponse))
    assert load_conversation(response.token).answers == {"nps": 8}
    assert page.url.endswith(f"/c/{response.token}")


def test_a_lead_uploads_previews_and_sends_a_campaign(
    context: BrowserContext, staff, tmp_path: Path
):
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS, encoding="utf-8")
    page = context.new_page()
    page.goto("/auth/login")
    page.locator("input[name=email]").fill(staff["lead"].email)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/dashboard"))

    page.get_by_role("link", name="Campaigns", exact=True).click()
    assert axe_violations(page) == []
    page.get_by_label("Survey").select_option("relationship-nps")
    page.get_by_label("Customer CSV").set_input_files(str(customers))
    page.get_by_label("Remind customers who have not started after (days)").fill("5")
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", name="E-mail in English")).to_be_visible()
    expect(page.get_by_role("heading", name="E-mail in 日本語")).to_be_visible()
    expect(page.get_by_text("当社を友人や同僚に薦める可能性").first).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send to 2 customers").click()

    created = re.compile(r"Campaign \d+ created: 2 e-mails to send")
    expect(page.get_by_text(created)).to_be_visible()
    db.session.expire_all()
    campaign = db.session.scalar(db.select(Campaign))
    assert (campaign.name, campaign.reminder_days) == ("customers.csv", 5)


def test_the_unsubscribe_page_asks_for_one_press_in_the_customers_language(
    context: BrowserContext, app_ctx
):
    survey = db.session.scalar(db.select(Survey).filter_by(slug="relationship-nps"))
    rows = read_customer_csv(b"ref,email,locale\nC-2,aiko@example.jp,ja\n", "c.csv")
    recipient = create_campaign(survey, rows, name="c.csv", now=NOW).recipients[0]
    db.session.commit()

    page = context.new_page()
    page.goto(f"/unsubscribe/{recipient.token}")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    assert axe_violations(page) == []
    page.get_by_role("button", name="配信を停止する").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("配信を停止しました"))
    db.session.expire_all()
    assert db.session.scalar(db.select(Suppression.email)) == "aiko@example.jp"
