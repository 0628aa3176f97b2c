"""Accessibility, measured: axe-core over every page, in both languages, at two widths.

axe-core (the npm package, which ``scripts/setup`` unpacks into
``.venv/share/axe-core/``) runs in headless Chromium on each customer step and
each staff page, in English and Japanese, at 1280 and 375 px. The target is no
critical, serious or moderate violation anywhere.

axe is handed to the page through the DevTools protocol (``page.evaluate``),
which the page's Content-Security-Policy does not govern: the site's own CSP
stays exactly as in production, and no test-only route or inline script is
added to it. Every run's findings are written to
``test-artifacts/axe/<language>-<width>.json``.
"""

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import TEST_PASSWORD
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

AXE = Path(__file__).parents[2] / ".venv" / "share" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "axe"
BLOCKING = ("critical", "serious", "moderate")
WIDTHS = {
    "1280": {"width": 1280, "height": 900},
    "375": {"width": 375, "height": 740},
}
LANGUAGES = {"en": "en-US", "ja": "ja-JP"}
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    """The axe-core script; the test cannot measure anything without it."""
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: run scripts/setup (it fetches axe-core)")
    return AXE.read_text()


class Audit:
    """Runs axe on pages and keeps every violation, by page."""

    def __init__(self, page: Page, axe_source: str) -> None:
        self.page = page
        self.axe_source = axe_source
        self.findings: dict[str, list[dict[str, Any]]] = {}

    def check(self, name: str) -> None:
        """Run axe on the page as it is now, under ``name``."""
        self.page.wait_for_load_state("load")
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(self.axe_source)
        self.findings[name] = self.page.evaluate(RUN_AXE)

    def blocking(self) -> list[str]:
        """One line per critical, serious or moderate violation."""
        return [
            f"{name}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}"
            for name, violations in self.findings.items()
            for v in violations
            if v["impact"] in BLOCKING
        ]


@pytest.fixture(
    params=[(lang, width) for lang in LANGUAGES for width in WIDTHS],
    ids=lambda param: f"{param[0]}-{param[1]}px",
)
def audit(
    request: pytest.FixtureRequest,
    browser: Browser,
    live_server: str,
    axe_source: str,
    make_survey: Callable[..., str],
    staff_world: dict[str, Any],
) -> Iterator[Audit]:
    """A browser in one language and width; its findings are saved afterwards."""
    language, width = request.param
    make_survey("relationship-nps")
    context = browser.new_context(
        base_url=live_server, viewport=WIDTHS[width], locale=LANGUAGES[language]
    )
    context.set_default_timeout(10_000)
    audit = Audit(context.new_page(), axe_source)
    yield audit
    context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = ARTIFACTS / f"{language}-{width}.json"
    report.write_text(json.dumps(audit.findings, indent=1, ensure_ascii=False))


def walk_customer_steps(audit: Audit) -> None:
    """Answer relationship-nps as a detractor, checking every step on the way."""
    page = audit.page
    page.goto("/s/relationship-nps?first_name=Aiko&segment=smb")
    audit.check("intro")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/c/"))
    expect(page.get_by_role("radio")).to_have_count(11)
    audit.check("step nps")
    # Enter on Send without a score: the error appears and takes the focus.
    page.locator("form[data-step] button[type=submit]").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#value-error")).to_be_focused()
    audit.check("step nps, no score chosen")
    page.get_by_role("radio", name="3", exact=True).check(force=True)
    page.locator("form[data-step] button[type=submit]").last.click()
    expect(page.locator("textarea")).to_be_visible()
    audit.check("step text")
    page.locator("textarea").fill("Invoices arrive late.")
    page.locator("form[data-step] button[type=submit]").last.click()
    expect(page.get_by_role("radio")).to_have_count(5)
    audit.check("step csat")
    page.get_by_role("radio").nth(1).check(force=True)
    page.locator("form[data-step] button[type=submit]").last.click()
    expect(page.get_by_role("radio")).to_have_count(2)
    audit.check("step consent")
    page.get_by_role("radio").first.check(force=True)
    page.locator("form[data-step] button[type=submit]").last.click()
    expect(page.locator(".thanks")).to_be_visible()
    audit.check("thank you")


def visit_staff_pages(audit: Audit, world: dict[str, Any]) -> None:
    """Sign in as the admin (who may open every staff page) and check each page."""
    page = audit.page
    page.goto("/auth/login")
    audit.check("sign in")
    page.locator("input[name=email]").fill(world["staff"]["admin"].email)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/dashboard"))
    themes = world["themes"]
    pages = {
        "dashboard": "/dashboard",
        "dashboard themes": "/dashboard/themes",
        "themes": "/themes",
        "theme": f"/themes/{themes['in_progress'].id}",
        "resolved theme": f"/themes/{themes['resolved'].id}",
        "tell respondents": f"/themes/{themes['resolved'].id}/close-loop",
        "triage": "/themes/triage",
        "theme report": "/themes/report?department=cx",
        "admin users": "/admin",
        "admin user": f"/admin/users/{world['staff']['a'].id}",
        "admin departments": "/admin/departments",
        "admin department": "/admin/departments/cx",
        "studio": "/studio/",
        "studio editor": "/studio/relationship-nps",
        "campaigns": "/campaigns/",
        "not found": "/no-such-page",
    }
    for name, url in pages.items():
        page.goto(url)
        audit.check(name)


def test_every_page_has_no_critical_serious_or_moderate_violation(
    audit: Audit, staff_world: dict[str, Any]
):
    walk_customer_steps(audit)
    visit_staff_pages(audit, staff_world)
    assert len(audit.findings) == 24
    assert audit.blocking() == []
