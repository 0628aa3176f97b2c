"""The language switch in a real browser, with JavaScript off: plain form posts."""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect


@pytest.fixture
def new_context(
    browser: Browser, live_server: str, make_survey: Callable[..., str]
) -> Iterator[Callable[[], BrowserContext]]:
    """Return a factory of English-speaking browsers without JavaScript."""
    make_survey("relationship-nps")
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(
            base_url=live_server, java_script_enabled=False, locale="en-US"
        )
        context.set_default_timeout(5_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def test_a_customer_switches_to_japanese_and_the_conversation_keeps_it(new_context):
    page = new_context().new_page()
    page.goto("/s/relationship-nps")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="日本語").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_text("カスタマーアドボカシーチームです")).to_be_visible()
    page.locator("form.step button[type=submit]").click()
    expect(page.get_by_text("当社を友人や同僚に薦める可能性")).to_be_visible()

    # The same link on another device, whose browser asks for English.
    elsewhere = new_context().new_page()
    elsewhere.goto(page.url)
    expect(elsewhere.locator("html")).to_have_attribute("lang", "ja")
    elsewhere.get_by_role("button", name="English").click()
    expect(elsewhere.locator("html")).to_have_attribute("lang", "en")
    expect(elsewhere.get_by_text("How likely are you to recommend us")).to_be_visible()
    assert elsewhere.url == page.url
