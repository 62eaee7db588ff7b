"""What Chromium keeps of the app: only pages the server marks as safe to keep offline (never the TOTP
secret or the recovery codes), and nothing at all once the session has ended elsewhere."""

from typing import Any

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from playwright.sync_api import BrowserContext, Page, expect

from secondop.accounts.models import User
from secondop.cases.models import Case, Question
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in_context
from tests.e2e.test_browser import PAGE_CACHED_JS, wait_for_service_worker

pytestmark = pytest.mark.browser

OUTBOX_JS = "() => SecondopOutbox.all()"
KEPT_URLS_JS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    if (!name.startsWith("secondop-pages-")) continue;
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  }
  return urls;
}"""


def open_through_the_worker(page: Page, url: str) -> None:
    """Opens `url`, asking for the password again first if allauth wants it (two-factor pages do)."""
    page.goto(url)
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_url(url)


def test_the_totp_secret_and_the_recovery_codes_are_never_kept_on_the_phone(
    context: BrowserContext, page: Page, live_server: Any, owner: User, case: Case
) -> None:
    base = live_server.url
    sign_in_context(context, base, owner)
    overview = f"{base}{case.get_absolute_url()}"
    page.goto(overview)
    wait_for_service_worker(page)

    totp_setup = f"{base}/accounts/2fa/totp/activate/"
    open_through_the_worker(page, totp_setup)
    expect(page.get_by_text("Authenticator secret")).to_be_visible()
    TOTP.activate(owner, generate_totp_secret())
    RecoveryCodes.activate(owner)
    codes_page = f"{base}/accounts/2fa/recovery-codes/"
    open_through_the_worker(page, codes_page)
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()

    # A page marked safe, opened after both, is kept: the worker is at work, and left those two alone.
    page.goto(overview)
    assert page.evaluate(PAGE_CACHED_JS, [overview, 5000]), "the service worker did not keep the case page"
    kept: list[str] = page.evaluate(KEPT_URLS_JS)
    assert totp_setup not in kept and codes_page not in kept, kept
    assert not [url for url in kept if "/accounts/" in url], kept

    # Offline, those addresses show the offline page, never the secret or the codes.
    context.set_offline(True)
    for url in (totp_setup, codes_page):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    page.goto(overview)
    expect(page.get_by_role("heading", level=1)).to_have_text(case.patient_name)


def test_a_page_that_finds_the_session_ended_drops_the_kept_pages_and_the_next_person_the_outbox(
    context: BrowserContext, page: Page, live_server: Any, owner: User, stranger: User, case: Case
) -> None:
    base = live_server.url
    sign_in_context(context, base, owner)
    questions = f"{base}/cases/{case.code}/questions/"
    page.goto(questions)
    wait_for_service_worker(page)
    page.reload()
    assert page.evaluate(PAGE_CACHED_JS, [questions, 5000]), "the service worker did not keep the page"
    context.set_offline(True)
    page.reload()
    page.get_by_label("Your question").fill("Is surgery the only way?")
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_label("Your question")).to_have_value("")
    assert len(page.evaluate(OUTBOX_JS)) == 1

    # Offline, a page never opened is the offline page, which knows nothing of the session: all is kept.
    page.goto(f"{base}/about/disclaimer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    assert page.evaluate(PAGE_CACHED_JS, [questions, 500]), "the offline page dropped the kept pages"

    # The session runs out: the browser drops the expired cookie itself, and the next page has no session.
    context.clear_cookies()
    context.set_offline(False)
    page.goto(f"{base}/accounts/login/")
    kept = poll(page, KEPT_URLS_JS, lambda urls: not [url for url in urls if "/cases/" in url])
    assert not [url for url in kept if "/cases/" in url], kept
    # Offline, the case page is gone: whoever holds the phone sees the offline page.
    context.set_offline(True)
    page.goto(questions)
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.get_by_text("Is surgery the only way?")).to_have_count(0)
    context.set_offline(False)
    # The waiting write stays for its own person (tests/e2e/test_offline.py sends it after they log in),
    # shown to a page without a session only as a count.
    page.goto(f"{base}/accounts/login/")
    expect(page.locator("#outbox-banner")).to_contain_text("Log in to send 1 waiting change.")
    expect(page.get_by_text("Is surgery the only way?")).to_have_count(0)
    assert len(page.evaluate(OUTBOX_JS)) == 1

    # Someone else signs in on this phone: the previous person's write goes, unsent.
    sign_in_context(context, base, stranger)
    page.goto(f"{base}/cases/")
    poll(page, OUTBOX_JS, lambda items: items == [])
    assert not Question.objects.exists()


def poll(page: Page, script: str, done: Any, timeout_ms: int = 5000) -> Any:
    """Evaluates `script` until `done(value)` (the browser clears in the background), and returns it."""
    value = page.evaluate(script)
    for _ in range(timeout_ms // 100):
        if done(value):
            break
        page.wait_for_timeout(100)
        value = page.evaluate(script)
    return value


def test_a_kept_page_older_than_a_session_lasts_is_not_shown_offline(
    context: BrowserContext, page: Page, live_server: Any, owner: User, case: Case
) -> None:
    base = live_server.url
    sign_in_context(context, base, owner)
    overview = f"{base}{case.get_absolute_url()}"
    page.goto(overview)
    wait_for_service_worker(page)
    page.reload()
    assert page.evaluate(PAGE_CACHED_JS, [overview, 5000]), "the service worker did not keep the page"
    # Saved fifteen days ago (a session lasts fourteen without a visit).
    page.evaluate(
        """async (url) => {
          const cache = await caches.open("secondop-pages-v1");
          const kept = await cache.match(url);
          const headers = new Headers(kept.headers);
          headers.set("X-Secondop-Saved-At", new Date(Date.now() - 15 * 24 * 3600 * 1000).toISOString());
          await cache.put(url, new Response(await kept.blob(), {status: 200, headers}));
        }""",
        overview,
    )
    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
