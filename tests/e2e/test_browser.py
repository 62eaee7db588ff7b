"""The app in a real phone-sized Chromium: the installable manifest, the service worker, offline pages and
the sign-up flow, each through the pages and forms a person uses."""

import re
import struct
from urllib.parse import urljoin

import pytest
from django.core import mail
from playwright.sync_api import BrowserContext, Page, expect

from secondop.accounts.models import User
from secondop.cases.models import Case
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Waits in the page until the service worker registered for it is active (state "activated"), or gives up
# after `timeoutMs` with an error that says what was missing.
SW_ACTIVATED_JS = """
async (timeoutMs) => {
  const give_up = (what) => new Promise((_, reject) =>
    setTimeout(() => reject(new Error(what + " after " + timeoutMs + " ms")), timeoutMs));
  const activated = (async () => {
    const registration = await navigator.serviceWorker.ready;
    const worker = registration.active;
    if (worker.state !== "activated") {
      await new Promise((resolve) => {
        const check = () => { if (worker.state === "activated") resolve(); };
        worker.addEventListener("statechange", check);
        check();
      });
    }
    return {state: worker.state, scope: registration.scope, scriptURL: worker.scriptURL};
  })();
  return Promise.race([activated, give_up("no activated service worker")]);
}
"""

CONTROLLED_JS = "navigator.serviceWorker.controller !== null"

DECODED_SIZE_JS = """
(url) => new Promise((resolve) => {
  const image = new Image();
  image.onload = () => resolve(image.naturalWidth + "x" + image.naturalHeight);
  image.onerror = () => resolve("an error");
  image.src = url;
})
"""

# Waits until the worker's page cache holds `url` (it stores each page in the background after serving it);
# false after `timeoutMs`.
PAGE_CACHED_JS = """
async ([url, timeoutMs]) => {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    for (const name of await caches.keys()) {
      if (name.startsWith("secondop-pages-") && await (await caches.open(name)).match(url)) return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
"""


def wait_for_service_worker(page: Page) -> dict[str, str]:
    """Wait for the page's worker to be activated and, reloading once if needed, to control the page."""
    worker: dict[str, str] = page.evaluate(SW_ACTIVATED_JS, 8000)
    if not page.evaluate(CONTROLLED_JS):
        # The first page a browser opens is not controlled until its next load (unless the worker claims
        # it, which can race with the load); a reload is what a person's next visit would be.
        page.reload()
    assert page.evaluate(CONTROLLED_JS), "the service worker does not control the page"
    return worker


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")


def png_size(body: bytes) -> tuple[int, int]:
    assert body.startswith(PNG_SIGNATURE), "not a PNG file"
    assert body[12:16] == b"IHDR"
    width, height = struct.unpack(">II", body[16:24])
    return width, height


def test_manifest_is_linked_and_installable(page: Page, live_server) -> None:
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert response is not None and response.ok

    head = page.locator("head")
    expect(head.locator("link[rel=manifest]")).to_have_count(1)
    expect(head.locator('meta[name="apple-mobile-web-app-capable"]')).to_have_attribute("content", "yes")
    expect(head.locator("link[rel=apple-touch-icon]")).to_have_count(1)

    manifest_href = head.locator("link[rel=manifest]").get_attribute("href")
    assert manifest_href, "<link rel=manifest> has no href"
    manifest_response = page.request.get(urljoin(page.url, manifest_href))
    assert manifest_response.ok
    assert manifest_response.headers["content-type"].startswith("application/json")
    manifest = manifest_response.json()

    assert manifest["name"] == "secondop"
    assert manifest["short_name"]
    assert manifest["start_url"] == "/cases/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", manifest["background_color"])
    # The theme colour the page announces is the manifest's.
    assert page.locator("meta[name=theme-color]").get_attribute("content") == manifest["theme_color"]

    icons = manifest["icons"]
    sizes = {icon["sizes"] for icon in icons}
    assert {"192x192", "512x512"} <= sizes
    assert any("maskable" in icon.get("purpose", "").split() for icon in icons), "no maskable icon"
    apple_icon = head.locator("link[rel=apple-touch-icon]").get_attribute("href")
    assert apple_icon, "<link rel=apple-touch-icon> has no href"
    for src, sizes in [*((icon["src"], icon["sizes"]) for icon in icons), (apple_icon, "180x180")]:
        url = urljoin(manifest_response.url, src)
        icon_response = page.request.get(url)
        assert icon_response.ok, f"{src} does not load"
        assert icon_response.headers["content-type"] == "image/png", src
        width, height = png_size(icon_response.body())
        assert f"{width}x{height}" == sizes, f"{src} is {width}x{height}, not {sizes}"
        # And the browser itself decodes it as an image of that size.
        decoded = page.evaluate(DECODED_SIZE_JS, url)
        assert decoded == f"{width}x{height}", f"{src} does not decode in the browser: {decoded}"


def test_service_worker_activates_controls_the_page_and_precaches_the_shell(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")

    worker = page.evaluate(SW_ACTIVATED_JS, 8000)
    assert worker["state"] == "activated"
    assert worker["scope"] == f"{live_server.url}/"
    assert worker["scriptURL"] == f"{live_server.url}/serviceworker.js"

    page.reload()
    assert page.evaluate(CONTROLLED_JS), "the page is not controlled after a reload"
    controller = page.evaluate("navigator.serviceWorker.controller.scriptURL")
    assert controller == f"{live_server.url}/serviceworker.js"

    css_href = page.locator("link[rel=stylesheet]").first.get_attribute("href")
    assert css_href and css_href.endswith(".css")
    shell = page.evaluate(
        """async (css) => {
          const names = (await caches.keys()).filter((name) => name.startsWith("secondop-shell-"));
          const holding = [];
          for (const name of names) {
            const cache = await caches.open(name);
            if (await cache.match(css)) holding.push(name);
          }
          return {names, holding};
        }""",
        css_href,
    )
    assert len(shell["names"]) == 1, f"expected one shell cache, found {shell['names']}"
    assert shell["holding"] == shell["names"], f"{css_href} is not in the shell cache"


def test_a_visited_page_reloads_offline_and_an_unvisited_one_shows_the_offline_page(
    context: BrowserContext, page: Page, live_server
) -> None:
    make_user("offline@example.com")
    log_in(page, live_server.url, "offline@example.com")

    page.goto(f"{live_server.url}/cases/new/")
    page.fill("input[name=patient_name]", "Robin Offline")
    page.get_by_role("button", name="Start the case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Robin Offline")
    case = Case.objects.get(patient_name="Robin Offline")
    overview_url = f"{live_server.url}{case.get_absolute_url()}"

    page.goto(overview_url)
    wait_for_service_worker(page)
    # Open it once more, now certainly through the worker, which keeps the page in the background after
    # serving it: wait until it has.
    page.reload()
    assert page.evaluate(PAGE_CACHED_JS, [overview_url, 5000]), "the service worker did not keep the page"
    expect(page.locator("#offline-banner")).to_be_hidden()

    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Robin Offline")
    banner = page.locator("#offline-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("You are offline. You are seeing the copy saved on ")
    # It is the worker's saved copy, stamped with when it was saved, not a page fetched from the server.
    saved_at = page.evaluate("document.documentElement.dataset.offlineSavedAt")
    assert saved_at, "the page is not marked as a saved copy"

    page.goto(f"{live_server.url}/about/disclaimer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.get_by_text("This page has not been saved on this phone yet.")).to_be_visible()

    context.set_offline(False)
    page.goto(overview_url)
    expect(page.locator("#offline-banner")).to_be_hidden()

    # A shared phone: after logging out, the pages this person opened are no longer kept.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()
    assert not page.evaluate(PAGE_CACHED_JS, [overview_url, 300]), (
        "the case page is still cached after logout"
    )


def test_sign_up_verify_log_out_and_log_in_again(page: Page, live_server, mailoutbox) -> None:
    email = "new.person@example.com"
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert User.objects.filter(email=email).exists()

    assert mailoutbox is mail.outbox
    assert len(mailoutbox) == 1, [message.subject for message in mailoutbox]
    message = mailoutbox[0]
    assert message.to == [email]
    body = str(message.body)
    links = re.findall(r"https?://\S+/accounts/confirm-email/\S+/", body)
    assert len(links) == 1, body
    assert links[0].startswith(f"{live_server.url}/"), links[0]

    page.goto(links[0])
    expect(page.get_by_text(email).first).to_be_visible()
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url(f"{live_server.url}/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
    expect(page.get_by_role("heading", name="Start with your first case")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    # On the first visit the browser's time zone fills the profile (the context runs in Berlin).
    expect(page.locator("body[data-time-zone-url]")).to_have_count(0)
    assert User.objects.get(email=email).profile.time_zone == "Europe/Berlin"

    page.get_by_role("button", name="Log out").click()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    expect(nav.get_by_role("button", name="Log out")).to_have_count(0)
    page.goto(f"{live_server.url}/cases/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next=/cases/$"))

    log_in(page, live_server.url, email)
    expect(page.get_by_role("heading", name="Start with your first case")).to_be_visible()
