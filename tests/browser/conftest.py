"""Fixtures for tests that drive Debian's headless Chromium through Playwright.

The test ``app`` is served by a real WSGI server on loopback, so the browser talks
to the same database the test reads afterwards. Playwright's own browser download
cannot run here; the Debian ``chromium`` package (installed by ``scripts/setup``)
is launched instead, and the tests are skipped with a reason when it is missing.
"""

import threading
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, sync_playwright
from werkzeug.serving import make_server

from cat_survey.db import db
from cat_survey.models import (
    Department,
    Theme,
    ThemeAnswer,
    ThemeEvent,
    ThemeMonth,
    User,
    utcnow,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test app on a free loopback port; return its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    # Stop serving before the app fixture empties the tables under it.
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian Chromium for the whole session."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (scripts/setup)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def screenshots() -> Path:
    """The folder kept as a test artifact for screenshots of the customer screens."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def staff_world(
    staff: dict[str, User],
    departments: dict[str, Department],
    make_response: Callable[..., Any],
) -> dict[str, Any]:
    """Staff with themes to look at: an open CX theme, a resolved one, one in triage.

    Each theme's answers come from stored responses (NPS, free text, consent),
    answered this month and last, so the dashboard, the theme pages and the
    report all have something to show. Returns the staff and the themes.
    """
    now = utcnow()
    earlier = now - timedelta(days=35)
    specs = [
        ("Invoices arrive late and totals are wrong", "cx", "in_progress",
         ["The invoice total was wrong again", "Invoices arrive two weeks late",
          "請求書の金額が間違っていました", "Billing support never called back"]),
        ("Search is slow", "cx", "resolved",
         ["Search takes ten seconds", "The search page times out"]),
        ("Webinar recordings are missing", None, "new",
         ["Where are the webinar recordings?"]),
    ]  # fmt: skip
    themes = {}
    for number, (label, department, status, texts) in enumerate(specs):
        theme = Theme(
            label=label,
            terms=label.lower().split()[:3],
            department=departments[department] if department else None,
            status=status,
            sentiment=-0.4,
            owner=staff["a"] if department else None,
            routing_confidence=0.82 if department else 0.24,
            routing_terms=label.lower().split()[:1],
            needs_triage=department is None,
        )
        db.session.add(theme)
        db.session.flush()
        months: dict[date, int] = {}
        for index, text in enumerate(texts):
            at = now if index % 2 == 0 else earlier
            response = make_response(
                hidden={"first_name": f"Customer{number}{index}", "segment": "smb"},
                at=at,
                nps=index + 2,
                fix_first=text,
                contact_consent="yes" if index % 2 == 0 else "no",
            )
            answer = next(a for a in response.answers if a.question_id == "fix_first")
            db.session.add(ThemeAnswer(answer_id=answer.id, theme_id=theme.id))
            month = at.date().replace(day=1)
            months[month] = months.get(month, 0) + 1
            theme.quotes = [*(theme.quotes or []), answer.id]
        theme.size = len(texts)
        for month, count in months.items():
            db.session.add(ThemeMonth(theme_id=theme.id, month=month, count=count))
        themes[status] = theme
    # Customers outside the themes, mostly promoters: the themes drag NPS down.
    for index in range(12):
        make_response(hidden={"segment": "enterprise"}, at=now, nps=7 + index % 4)
    db.session.add(
        ThemeEvent(
            theme=themes["resolved"],
            actor_id=staff["a"].id,
            kind="status_changed",
            from_value="in_progress",
            to_value="resolved",
            reason="Search index rebuilt; pages answer in under a second",
        )
    )
    db.session.commit()
    return {"staff": staff, "themes": themes}
