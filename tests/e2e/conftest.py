"""Browser fixtures: one Chromium for the whole run, a fresh phone-sized context (its own cookies, caches and
service workers) for every test.

Playwright's own browser download cannot work offline, so the tests drive the system's Chromium
(CHROMIUM_PATH, /usr/bin/chromium by default). Without it the tests are skipped on a developer's machine
and fail in CI (CI=true), where a missing browser means the browser tests silently stopped running.
"""

import os
from collections.abc import Generator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from secondop.accounts.models import User
from tests.chromium import CHROMIUM_ARGS, chromium_path, wanted_path

# An ordinary phone (an iPhone 13-sized screen), in a time zone other than the server's.
PHONE_WIDTH, PHONE_HEIGHT = 390, 844
# Every wait is bounded: a broken service worker must fail a test in seconds, not hang the run.
DEFAULT_TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Generator[Browser]:
    path = chromium_path()
    if path is None:
        reason = (
            f"Chromium not found at {wanted_path()} "
            "(install it, e.g. `apt-get install chromium`, or set CHROMIUM_PATH)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(f"browser tests need Chromium: {reason}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_phone_context(browser: Browser, **options: Any) -> BrowserContext:
    """A phone-sized context with bounded waits; `options` go to `browser.new_context` (e.g. color_scheme,
    or a locale other than en-US)."""
    context = browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        **{"locale": "en-US", "timezone_id": "Europe/Berlin", **options},
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    return context


@pytest.fixture
def context(browser: Browser) -> Generator[BrowserContext]:
    context = new_phone_context(browser)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def sign_in_context(context: BrowserContext, base_url: str, user: User) -> None:
    """Gives `context` a logged-in session for `user` without the login form (for tests about other pages;
    the form itself is driven in test_browser.py and test_drafting.py)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}])
