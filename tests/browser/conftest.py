"""Fixtures for tests that drive Debian's headless Chromium through Playwright.

The test ``app`` is served by a real WSGI server on loopback, so the browser talks
to the same database the test reads afterwards. Playwright's own browser download
cannot run here; the Debian ``chromium`` package (installed by ``scripts/setup``)
is launched instead, and the tests are skipped with a reason when it is missing.
"""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, sync_playwright
from werkzeug.serving import make_server

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
