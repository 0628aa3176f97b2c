"""The customer conversation in a real browser, on a phone-sized screen.

Headless Debian Chromium walks ``relationship-nps`` as a detractor with JavaScript
on (steps swap in place, focus follows the question) and off (plain form posts),
then the test reads what the server stored. Screenshots of the customer screens
are kept in ``test-artifacts/screenshots/``.
"""

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from cat_survey.db import db
from cat_survey.domain.responses import conversation_of
from cat_survey.models import SurveyResponse

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
START_URL = "/s/relationship-nps?first_name=Aiko&segment=smb"
NPS_PROMPT = "How likely are you to recommend us to a friend or colleague?"
FIX_FIRST_PROMPT = re.compile(r"^Sorry we let you down\.")
CSAT_PROMPT = re.compile(r"^Thinking of the last time you contacted our support")
CONSENT_PROMPT = re.compile(r"^May someone from our team contact you")
VALUE_MOST_PROMPT = re.compile(r"^That's great to hear!")
COMPLAINT = "Invoices arrive late and the totals are wrong."
DETRACTOR_ANSWERS = {
    "nps": 3,
    "fix_first": COMPLAINT,
    "support_csat": 2,
    "contact_consent": None,
}

# Form controls without an accessible name (label, aria-label or aria-labelledby).
UNLABELLED_CONTROLS_JS = """() => [...document.querySelectorAll(
    "input:not([type=hidden]), textarea, select, button")]
  .filter(el => !(
    [...(el.labels || [])].some(label => label.textContent.trim())
    || (el.getAttribute("aria-label") || "").trim()
    || el.getAttribute("aria-labelledby")
    || (el.tagName === "BUTTON" && el.textContent.trim())))
  .map(el => el.outerHTML.slice(0, 80))"""

# Visible text below WCAG AA contrast against the nearest opaque background.
LOW_CONTRAST_TEXT_JS = """() => {
  const rgba = s => { const v = s.match(/[\\d.]+/g).map(Number);
                      return v.length > 3 ? v : [...v, 1]; };
  const channel = c => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = ([r, g, b]) =>
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = el => {
    for (; el; el = el.parentElement) {
      const colour = rgba(getComputedStyle(el).backgroundColor);
      if (colour[3] > 0) { return colour; }
    }
    return [255, 255, 255, 1];
  };
  const failures = [];
  for (const el of document.querySelectorAll("body *")) {
    const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (!text || style.visibility === "hidden" || box.width <= 1 || box.height <= 1) {
      continue;
    }
    const [light, dark] = [luminance(rgba(style.color)), luminance(background(el))]
      .sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && parseInt(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      failures.push(el.tagName + " '" + el.textContent.trim().slice(0, 30) + "' "
                    + ratio.toFixed(2));
    }
  }
  return failures;
}"""


@pytest.fixture
def relationship(make_survey: Callable[..., str]) -> str:
    return make_survey("relationship-nps")


@pytest.fixture
def page(browser: Browser, live_server: str, relationship: str) -> Iterator[Page]:
    """A phone-sized tab with JavaScript on (a 2x screen, for crisp screenshots)."""
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, base_url=live_server
    )
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_without_js(
    browser: Browser, live_server: str, relationship: str
) -> Iterator[Page]:
    """A phone-sized tab with JavaScript off."""
    context = browser.new_context(
        viewport=PHONE, base_url=live_server, java_script_enabled=False
    )
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()


def stored_response() -> dict[str, Any]:
    """The one stored response: status, hidden fields and answers."""
    response = db.session.scalars(db.select(SurveyResponse)).one()
    stored = {
        "status": response.status,
        "hidden": response.hidden,
        "answers": conversation_of(response).answers,
    }
    # SQLite transactions here are BEGIN IMMEDIATE: never keep one open while the
    # browser is still posting answers.
    db.session.rollback()
    return stored


def question(page: Page, prompt: str | re.Pattern[str]) -> Locator:
    """A scale or choice question, found the way a screen reader finds it."""
    return page.get_by_role("group", name=prompt)


def start(page: Page) -> None:
    """Open the survey link and press Start."""
    page.goto(START_URL)
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/c/"))


def expire_form_token(page: Page) -> None:
    """Make the open step's CSRF token stale, as after a long pause."""
    page.locator("form[data-step] [name=csrf_token]").evaluate("el => el.value = 'x'")


def assert_fits_phone(page: Page) -> None:
    """Nothing is wider than the 375 px screen (no sideways scrolling)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width}px wide on a 375px screen"


def test_a_detractor_finishes_on_a_phone_with_steps_swapped_in_place(
    page: Page, screenshots: Path, app_ctx: None
):
    page.goto(START_URL)
    expect(page.get_by_text("Hi Aiko!")).to_be_visible()
    assert_fits_phone(page)
    page.screenshot(path=screenshots / "1-intro.png")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/c/"))

    nps = question(page, NPS_PROMPT)
    expect(nps.get_by_role("radio")).to_have_count(11)
    page.keyboard.press("3")
    expect(nps.get_by_role("radio", name="3", exact=True)).to_be_checked()
    assert_fits_phone(page)
    page.screenshot(path=screenshots / "2-nps-question.png")
    page.evaluate("window.__marker = 1")
    page.get_by_role("button", name="Send").click()

    text_box = page.get_by_role("textbox", name=FIX_FIRST_PROMPT)
    expect(text_box).to_be_visible()
    expect(page.locator("#prompt")).to_be_focused()
    expect(page.get_by_text("Question 2 of 4")).to_be_visible()
    # The new question is announced from outside the swapped markup.
    expect(page.locator("#announcer")).to_have_text(FIX_FIRST_PROMPT)
    assert page.evaluate("window.__marker") == 1, "the step reloaded the page"

    text_box.press_sequentially("Invoices are")
    expect(page.locator("#value-count")).to_have_text("12 / 2000")
    text_box.fill(COMPLAINT)
    expect(page.locator("#value-count")).to_have_text(f"{len(COMPLAINT)} / 2000")
    expire_form_token(page)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Your answer is still here")
    expect(page.locator("#prompt")).to_be_focused()
    expect(text_box).to_have_value(COMPLAINT)
    expect(page.locator("#value-count")).to_have_text(f"{len(COMPLAINT)} / 2000")
    assert_fits_phone(page)
    page.screenshot(path=screenshots / "3-free-text-error.png")

    page.get_by_role("button", name="Send").click()
    expect(question(page, CSAT_PROMPT)).to_be_visible()
    assert page.evaluate("window.__marker") == 1, "the step reloaded the page"

    page.reload()
    csat = question(page, CSAT_PROMPT)
    expect(csat).to_be_visible()
    transcript = page.get_by_role("list", name="Your answers so far")
    expect(transcript.get_by_role("listitem")).to_have_count(2)
    expect(transcript).to_contain_text(NPS_PROMPT)
    expect(transcript).to_contain_text(COMPLAINT)
    score_bubble = transcript.locator(".bubble-answer").first.bounding_box()
    assert score_bubble["height"] < 60, "markup whitespace inflates the answer bubble"
    assert_fits_phone(page)
    page.screenshot(path=screenshots / "4-transcript-and-csat.png", full_page=True)

    page.evaluate("window.__marker = 2")
    csat.get_by_text("2", exact=True).click()
    page.get_by_role("button", name="Send").click()
    expect(question(page, CONSENT_PROMPT)).to_be_visible()
    page.get_by_role("button", name="Skip").click()

    thanks = page.get_by_role("heading", name="Thank you!")
    expect(thanks).to_be_focused()
    expect(page.get_by_text("Thank you, Aiko.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Change"))).to_have_count(0)
    assert page.evaluate("window.__marker") == 2, "the step reloaded the page"
    assert_fits_phone(page)
    page.screenshot(path=screenshots / "5-thank-you.png")

    assert stored_response() == {
        "status": "complete",
        "hidden": {"first_name": "Aiko", "segment": "smb"},
        "answers": DETRACTOR_ANSWERS,
    }


def test_a_detractor_finishes_with_javascript_off_through_plain_form_posts(
    page_without_js: Page, app_ctx: None
):
    page = page_without_js
    start(page)
    question(page, NPS_PROMPT).get_by_text("3", exact=True).click()
    page.get_by_role("button", name="Send").click()

    text_box = page.get_by_role("textbox", name=FIX_FIRST_PROMPT)
    expect(page.locator("#value-count")).to_have_text("Up to 2000 characters")
    text_box.fill(COMPLAINT)
    page.get_by_role("button", name="Send").click()
    # The post answers with a redirect: reloading before it lands races the navigation.
    expect(question(page, CSAT_PROMPT)).to_be_visible()

    page.reload()
    csat = question(page, CSAT_PROMPT)
    expect(page.get_by_role("list", name="Your answers so far")).to_contain_text(
        COMPLAINT
    )
    csat.get_by_text("2", exact=True).click()
    page.get_by_role("button", name="Send").click()
    question(page, CONSENT_PROMPT).wait_for()
    page.get_by_role("button", name="Skip").click()

    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    assert_fits_phone(page)
    assert stored_response() == {
        "status": "complete",
        "hidden": {"first_name": "Aiko", "segment": "smb"},
        "answers": DETRACTOR_ANSWERS,
    }


def test_without_javascript_an_unanswered_score_puts_focus_on_its_error(
    page_without_js: Page, app_ctx: None
):
    page = page_without_js
    start(page)
    question(page, NPS_PROMPT).wait_for()
    page.get_by_role("button", name="Send").press("Enter")

    error = page.locator("#value-error")
    expect(error).to_be_visible()
    expect(error).to_be_focused()
    # The group names the error as its description, so it is read with the scale.
    expect(question(page, NPS_PROMPT)).to_have_accessible_description(
        re.compile(re.escape(error.inner_text().strip()))
    )


def test_the_survey_link_resumes_an_unfinished_conversation(page: Page, app_ctx: None):
    start(page)
    question(page, NPS_PROMPT).get_by_text("3", exact=True).click()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("textbox", name=FIX_FIRST_PROMPT)).to_be_visible()
    conversation_url = page.url

    page.goto(START_URL)
    assert page.url == conversation_url
    expect(page.get_by_role("textbox", name=FIX_FIRST_PROMPT)).to_be_visible()
    expect(page.get_by_role("list", name="Your answers so far")).to_contain_text("3")


def test_changing_nps_to_a_promoter_drops_the_detractor_follow_up(
    page: Page, app_ctx: None
):
    start(page)
    question(page, NPS_PROMPT).get_by_text("3", exact=True).click()
    page.get_by_role("button", name="Send").click()
    page.get_by_role("textbox", name=FIX_FIRST_PROMPT).fill(COMPLAINT)
    page.get_by_role("button", name="Send").click()
    expect(question(page, CSAT_PROMPT)).to_be_visible()

    change_nps = re.compile(r"Change your answer to: How likely")
    page.get_by_role("link", name=change_nps).click()
    nps = question(page, NPS_PROMPT)
    expect(nps.get_by_role("radio", name="3", exact=True)).to_be_checked()
    expect(page.locator("#prompt")).to_be_focused()
    # "1" then "0" in quick succession is the keyboard's way to say 10.
    page.keyboard.press("1")
    page.keyboard.press("0")
    expect(nps.get_by_role("radio", name="10", exact=True)).to_be_checked()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("textbox", name=VALUE_MOST_PROMPT)).to_be_visible()
    transcript = page.get_by_role("list", name="Your answers so far")
    expect(transcript.get_by_role("listitem")).to_have_count(1)
    expect(transcript).not_to_contain_text(COMPLAINT)
    assert stored_response()["answers"] == {"nps": 10}


def test_every_screen_is_labelled_readable_and_shows_keyboard_focus(
    page: Page, app_ctx: None
):
    start(page)
    nps = question(page, NPS_PROMPT)
    assert page.evaluate("document.querySelector('#prompt').tagName") == "LEGEND"
    for score in range(11):
        expect(nps.get_by_role("radio", name=str(score), exact=True)).to_have_count(1)
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    assert page.evaluate(LOW_CONTRAST_TEXT_JS) == []

    page.keyboard.press("5")
    outline = page.evaluate(
        "getComputedStyle(document.activeElement.nextElementSibling).outlineStyle"
    )
    assert outline == "solid", "the chosen score shows no keyboard focus"
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send")).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == (
        "solid"
    )
    page.keyboard.press("Enter")

    text_box = page.get_by_role("textbox", name=FIX_FIRST_PROMPT)
    text_box.fill(COMPLAINT)
    expire_form_token(page)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(text_box).to_have_accessible_description(
        re.compile(rf"^{len(COMPLAINT)} / 2000 .*Your answer is still here")
    )
    expect(page.locator("#announcer")).to_have_attribute("aria-live", "polite")
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    assert page.evaluate(LOW_CONTRAST_TEXT_JS) == []

    page.get_by_role("button", name="Send").click()
    page.get_by_role("group", name=CSAT_PROMPT).get_by_text("4", exact=True).click()
    page.get_by_role("button", name="Send").click()
    consent = question(page, CONSENT_PROMPT)
    for label in ("Yes, please get in touch", "No, thanks"):
        expect(consent.get_by_role("radio", name=label)).to_have_count(1)
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
    assert page.evaluate(LOW_CONTRAST_TEXT_JS) == []
