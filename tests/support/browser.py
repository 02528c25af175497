"""Headless Chromium through Playwright: one browser per session, a fresh context per test, screenshots.

Chromium is Debian's (/usr/bin/chromium) or the one named by CHROMIUM_PATH. Without it (or without the
playwright package) browser tests are skipped with the reason, and fail under CI=true.

Fixtures:
    browser          the session's Chromium
    browser_context  a fresh context (1280x800, English); its console errors are in `console_errors`
    new_context      a factory of further contexts (e.g. a second user), closed after the test
    page             a page in `browser_context`
    console_errors   console errors and uncaught page errors seen by every context of the test
    screenshot       screenshot(page, "name") -> Path of test-output/screenshots/name.png

Helpers for the phone-sized tests:
    PHONE                      the phone viewport (390x844)
    log_in_on_phone(...)       a phone-sized page of a fresh context, logged in
    assert_fits_phone(page)    the page does not scroll sideways on the phone
    shoot(page, screenshot, "name")  a screenshot that is a real picture (not an empty page)
"""
from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
MIN_PNG_BYTES = 5 * 1024  # a smaller PNG of a whole page is blank or nearly so
TIMEOUT_MS = 15_000


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str):
    """Fail under CI, skip otherwise."""
    if _in_ci():
        pytest.fail(f"browser tests cannot run under CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str | None:
    """The Chromium executable to drive, or None when it is not installed."""
    wanted = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    found = wanted if os.path.isfile(wanted) else shutil.which(wanted)
    return found if found and os.access(found, os.X_OK) else None


@pytest.fixture(scope="session")
def browser():
    """The session's headless Chromium."""
    path = chromium_path()
    if path is None:
        _unavailable(f"Chromium is not installed at {os.environ.get('CHROMIUM_PATH') or DEFAULT_CHROMIUM} "
                     "(apt-get install chromium, or set CHROMIUM_PATH)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -r requirements-dev.txt)")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
    except Exception as exc:
        playwright.stop()
        pytest.fail(f"Chromium at {path} is installed but did not start: {exc}", pytrace=False)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def console_errors() -> list[str]:
    """Console errors (CSP violations show up here) and uncaught script errors of the test's pages."""
    return []


def _watch(context, errors: list[str]) -> None:
    def on_console(message) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    def on_page(page) -> None:
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))

    context.on("console", on_console)
    context.on("page", on_page)


@pytest.fixture
def new_context(browser, console_errors):
    """Make fresh browser contexts (own cookies): new_context(**playwright_options)."""
    contexts = []

    def make(**options):
        options = {"viewport": DESKTOP, "locale": "en-US", "timezone_id": "Europe/Berlin", **options}
        context = browser.new_context(**options)
        if os.environ.get("TEST_CLOCK_SHIFT_DAYS", "").strip():
            # the run with the clock moved ahead (tests/support/shifted_clock): pages' scripts see the
            # same "now" as the app instead of Chromium's own clock
            context.clock.install(time=datetime.now(UTC))
        context.set_default_timeout(TIMEOUT_MS)
        _watch(context, console_errors)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def browser_context(new_context):
    """A fresh context for this test."""
    return new_context()


@pytest.fixture
def page(browser_context):
    """A page in the test's context."""
    return browser_context.new_page()


def take_screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a PNG of the page as test-output/screenshots/<name>.png under the repo root."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def screenshot():
    """take_screenshot as a fixture: screenshot(page, "name") -> Path."""
    return take_screenshot


def log_in_on_phone(new_context, live_server, email: str, password: str = PASSWORD, *, lands_on: str | None = "/",
                    **context_options):
    """A page of a fresh phone context (PHONE, mobile, touch; `context_options` add to or override these),
    logged in as `email` through the login form. It checks the browser left the login page and, unless
    `lands_on` is None, that it landed on that path. Returns the page."""
    from playwright.sync_api import expect

    context = new_context(**{"viewport": PHONE, "is_mobile": True, "has_touch": True, **context_options})
    page = context.new_page()
    page.goto(live_server("/login"))
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    if lands_on is None:
        expect(page).not_to_have_url(live_server("/login"))
    else:
        expect(page).to_have_url(live_server(lands_on))
    return page


def assert_fits_phone(page) -> None:
    """The page's content is no wider than the phone: nothing scrolls sideways. Measured once the page
    has loaded: text can be on the page while a stylesheet is still on its way (seen under load: a
    table at its desktop width, 493 px)."""
    page.wait_for_load_state("load")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: content is {width}px wide"


def shoot(page, screenshot, name: str) -> Path:
    """Take the screenshot `name` and check it is a real picture (more than MIN_PNG_BYTES); returns its path."""
    path = screenshot(page, name)
    assert path.exists() and path.stat().st_size > MIN_PNG_BYTES, path
    return path
