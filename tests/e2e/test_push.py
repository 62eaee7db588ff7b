"""Reminders on a phone, end to end: turning them on, the subscription sent again at every start, a push
delivered to the service worker, and the notification's Done button.

Headless Chromium cannot reach a real push service (`pushManager.subscribe` never settles), so an init
script replaces `PushManager.prototype.subscribe` / `getSubscription` with a fake that returns a
subscription to a local endpoint, with keys the test made. The push itself is handed to the worker through
the DevTools protocol (`ServiceWorker.deliverPushMessage`), carrying the payload the dispatcher built for a
real reminder.
"""

import base64
import json
import os
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, Worker, expect

from secondop.cases.models import Case, ChecklistItem
from secondop.reminders import dispatch, push
from secondop.reminders.models import PushSubscription, Reminder, ReminderKind, ReminderStatus
from tests.conftest import make_user
from tests.e2e.conftest import new_phone_context, sign_in_context
from tests.e2e.test_browser import log_in

pytestmark = pytest.mark.browser

STORE_KEY = "secondop-test-push"

# Runs before the page's own scripts. The subscription "exists" once subscribe() was called (kept in
# localStorage, so a reload finds it, as a real one would be found); requestPermission calls are counted.
FAKE_PUSH_JS = """
(() => {
  const fake = %(subscription)s;
  const store = "%(store)s";
  const read = (name) => { try { return localStorage.getItem(name); } catch (error) { return null; } };
  const write = (name, value) => { try { localStorage.setItem(name, value); } catch (error) {} };
  const bytes = (text) =>
    Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const subscription = (data) => ({
    endpoint: data.endpoint,
    expirationTime: null,
    options: {userVisibleOnly: true},
    getKey: (name) => bytes(data.keys[name]).buffer,
    toJSON: () => ({endpoint: data.endpoint, expirationTime: null, keys: data.keys}),
    unsubscribe: () => {
      try { localStorage.removeItem(store); } catch (error) {}
      return Promise.resolve(true);
    },
  });
  if (typeof PushManager !== "undefined") {
    PushManager.prototype.subscribe = function (options) {
      const key = new Uint8Array(options.applicationServerKey);
      const asked = {userVisibleOnly: options.userVisibleOnly, key: btoa(String.fromCharCode(...key))};
      write(store, JSON.stringify({data: fake, asked: asked}));
      return Promise.resolve(subscription(fake));
    };
    PushManager.prototype.getSubscription = function () {
      const saved = read(store);
      return Promise.resolve(saved ? subscription(JSON.parse(saved).data) : null);
    };
  }
  if (typeof Notification !== "undefined") {
    const ask = Notification.requestPermission.bind(Notification);
    Notification.requestPermission = function (callback) {
      write(store + "-asked", String(Number(read(store + "-asked") || 0) + 1));
      return ask(callback);
    };
  }
})();
"""

# Wraps the worker's showNotification so the test sees every call (and whether the browser accepted it).
RECORD_NOTIFICATIONS_JS = """
() => {
  self.shownForTest = [];
  const show = self.registration.showNotification.bind(self.registration);
  self.registration.showNotification = (title, options) => {
    const call = {title: title, options: JSON.parse(JSON.stringify(options || {})), outcome: "pending"};
    self.shownForTest.push(call);
    return show(title, options).then(
      (value) => { call.outcome = "shown"; return value; },
      (error) => { call.outcome = "refused: " + error; throw error; });
  };
  return true;
}
"""

IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def made_keys() -> dict[str, str]:
    """A browser's side of a push subscription: a P-256 key pair's public point and a 16-byte secret."""
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}


def fake_push_service(context: BrowserContext, base: str) -> tuple[str, dict[str, str]]:
    """Notifications allowed, and a pushManager that hands out a subscription to an endpoint on the test
    server with keys the test made: the endpoint and the keys."""
    keys = made_keys()
    endpoint = f"{base}/test-push-service/{uuid.uuid4().hex}"
    context.grant_permissions(["notifications"], origin=base)
    context.add_init_script(
        FAKE_PUSH_JS % {"subscription": json.dumps({"endpoint": endpoint, "keys": keys}), "store": STORE_KEY}
    )
    return endpoint, keys


def resends_subscription(base: str) -> Callable[[Any], bool]:
    """Whether a response answers the page sending its push subscription to the server."""
    return lambda response: (
        response.url == f"{base}/reminders/subscriptions/" and response.request.method == "POST"
    )


def poll(page: Page, check: Callable[[], Any], what: str, timeout_ms: int = 5000) -> Any:
    """Waits (in the browser's event loop, so its events keep flowing) until `check()` is truthy."""
    for _ in range(timeout_ms // 50):
        value = check()
        if value:
            return value
        page.wait_for_timeout(50)
    raise AssertionError(f"gave up waiting for {what} after {timeout_ms} ms")


def the_worker(context: BrowserContext) -> Worker:
    if not context.service_workers:
        context.wait_for_event("serviceworker")
    return context.service_workers[0]


def registration_id(page: Page, cdp: CDPSession, scope: str) -> str:
    found: dict[str, str] = {}

    def updated(event: dict[str, Any]) -> None:
        for registration in event["registrations"]:
            if registration["scopeURL"] == scope and not registration.get("isDeleted"):
                found["id"] = registration["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", updated)
    cdp.send("ServiceWorker.enable")
    return str(poll(page, lambda: found.get("id"), f"a service worker registration for {scope}"))


def shown(page: Page, worker: Worker, count: int) -> list[dict[str, Any]]:
    """The worker's first `count` notifications, once the browser has answered the last of them."""

    def settled() -> list[dict[str, Any]] | None:
        calls: list[dict[str, Any]] = worker.evaluate("self.shownForTest")
        return calls if len(calls) >= count and calls[count - 1]["outcome"] != "pending" else None

    calls: list[dict[str, Any]] = poll(page, settled, f"{count} notification(s)")
    return calls[:count]


@pytest.fixture
def local_endpoints(settings: Any) -> None:
    # The fake subscription's endpoint is on this machine, as on a developer's.
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = True


def test_someone_else_logging_in_on_the_phone_takes_its_reminders_over_at_once(
    context: BrowserContext, page: Page, live_server, local_endpoints: None
) -> None:
    """Once per start, but per person: when the first person's session ended on the server (no log-out on
    the phone) and someone else logs in in the same tab, the phone's subscription moves to them."""
    from django.contrib.sessions.models import Session

    base = live_server.url
    first, second = make_user("first.person@example.com"), make_user("second.person@example.com")
    endpoint, keys = fake_push_service(context, base)
    log_in(page, base, first.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reminders").click()
    page.get_by_role("button", name="Turn on reminders").click()
    expect(page.get_by_role("status").filter(has_text="Reminders are on")).to_be_visible()
    assert PushSubscription.objects.get().user == first

    Session.objects.all().delete()  # the first session ends on the server
    with page.expect_response(resends_subscription(base)) as moved:
        log_in(page, base, second.email)
    assert moved.value.status == 200
    assert list(PushSubscription.objects.values_list("user__email", flat=True)) == [second.email]


def test_turn_on_reminders_resend_at_start_show_a_push_and_tick_the_checklist_from_it(
    context: BrowserContext, page: Page, live_server, local_endpoints: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = live_server.url
    user = make_user("push.person@example.com")
    Case.open_for(user, patient_name="Jordan Vale", concern="the spinal fusion")
    endpoint, keys = fake_push_service(context, base)

    log_in(page, base, user.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reminders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminders")
    expect(page.get_by_text("No devices get reminders yet.")).to_be_visible()
    turn_on = page.get_by_role("button", name="Turn on reminders")
    expect(turn_on).to_be_visible()
    # Nothing asks for permission until the tap.
    assert page.evaluate(f"localStorage.getItem('{STORE_KEY}-asked')") is None

    turn_on.click()
    status = page.get_by_role("status").filter(has_text="Reminders are on")
    expect(status).to_have_text("Reminders are on for this phone.")
    assert page.evaluate(f"localStorage.getItem('{STORE_KEY}-asked')") == "1"
    asked = page.evaluate(f"JSON.parse(localStorage.getItem('{STORE_KEY}')).asked")
    assert asked["userVisibleOnly"] is True
    assert b64url(base64.b64decode(asked["key"])) == push.application_server_key()

    stored = PushSubscription.objects.get()
    assert (stored.user, stored.endpoint, stored.p256dh, stored.auth) == (
        user,
        endpoint,
        keys["p256dh"],
        keys["auth"],
    )
    assert stored.is_active
    # The device list was refreshed in place, and knows which row is this phone.
    device = page.locator(f'[data-endpoint="{endpoint}"]')
    expect(device).to_contain_text("Chrome on Linux")
    expect(device.get_by_text("This phone")).to_be_visible()
    expect(page.get_by_text("This phone", exact=True)).to_have_count(1)

    # Every start sends the subscription again (Safari never reports an expired endpoint): a new tab, or
    # the installed app launched again, begins a new browsing session.
    is_resend = resends_subscription(base)
    first_seen = stored.last_seen_at
    page = context.new_page()
    with page.expect_response(is_resend) as resent:
        page.goto(f"{base}/reminders/")
    assert resent.value.status == 200
    stored.refresh_from_db()
    assert stored.last_seen_at > first_seen
    assert PushSubscription.objects.count() == 1
    expect(page.get_by_role("status").filter(has_text="Reminders are on")).to_be_visible()
    # Once per start, not once per page: moving around the app sends nothing more.
    resends: list[Any] = []
    page.on("response", lambda response: resends.append(response) if is_resend(response) else None)
    page.reload()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reminders").click()
    expect(page.get_by_role("status").filter(has_text="Reminders are on")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert resends == []

    # The dispatcher sends the first checklist nudge; the push service is this test.
    sent: list[dict[str, Any]] = []

    def push_service(
        endpoint: str, p256dh: str, auth: str, payload: dict[str, Any], **_: Any
    ) -> push.PushResult:
        sent.append({"endpoint": endpoint, "p256dh": p256dh, "auth": auth, "payload": payload})
        return push.PushResult(True, 201)

    monkeypatch.setattr(push, "send", push_service)
    nudge = Reminder.objects.filter(recipient=user, kind=ReminderKind.CHECKLIST).order_by("due_at").first()
    assert nudge is not None
    item_id = nudge.checklist_item_id
    assert item_id is not None
    token, claimed = dispatch.claim_due(1, now=nudge.due_at)
    assert claimed == [nudge.pk]
    dispatch.deliver(claimed, token)
    nudge.refresh_from_db()
    assert nudge.status == ReminderStatus.SENT
    assert len(sent) == 1
    assert (sent[0]["endpoint"], sent[0]["p256dh"], sent[0]["auth"]) == (
        endpoint,
        keys["p256dh"],
        keys["auth"],
    )
    payload = sent[0]["payload"]
    assert payload == dispatch.payload_for(nudge)

    # Deliver it to the service worker and see what it shows.
    wait_for_controlled = "navigator.serviceWorker.controller !== null"
    poll(page, lambda: page.evaluate(wait_for_controlled), "the service worker to control the page")
    worker = the_worker(context)
    assert worker.evaluate(RECORD_NOTIFICATIONS_JS)
    cdp = context.new_cdp_session(page)
    registration = registration_id(page, cdp, f"{base}/")
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": base, "registrationId": registration, "data": json.dumps(payload)},
    )
    [notification] = shown(page, worker, 1)
    options = notification["options"]
    assert notification["title"] == "secondop"
    assert options["body"] == "A step on this week's checklist is waiting."
    assert [(action["action"], action["title"]) for action in options["actions"]] == [
        ("done", "Done"),
        ("tomorrow", "Remind me tomorrow"),
    ]
    assert options["tag"] == f"reminder-{nudge.pk}"
    assert options["data"] == {"url": payload["url"], "actions": payload["actions"]}
    assert notification["outcome"] == "shown", notification["outcome"]
    everything = json.dumps(notification)
    for detail in ("Jordan", "Vale", "spinal", "fusion", user.email):
        assert detail not in everything, f"{detail!r} is in the notification"

    # A push the worker cannot read still shows a notification: a neutral one.
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": base, "registrationId": registration, "data": "\x00 not json"},
    )
    neutral = shown(page, worker, 2)[1]
    assert (neutral["title"], neutral["options"]["body"]) == ("secondop", "You have a reminder in secondop")
    assert "actions" not in neutral["options"]

    # Done, from the notification: the checklist item is ticked, without opening the app.
    pages_before = len(context.pages)
    result = worker.evaluate(
        "([data, tag]) => self.handleNotificationAction('done', data, tag)", [options["data"], options["tag"]]
    )
    assert result == {"ok": True, "message": "Done."}
    item = ChecklistItem.objects.get(pk=item_id)
    assert item.done_at is not None and item.done_by == user
    nudge.refresh_from_db()
    assert nudge.acted_at is not None
    confirmation = shown(page, worker, 3)[2]
    assert confirmation["options"]["body"] == "Done." and confirmation["options"]["tag"] == options["tag"]
    assert len(context.pages) == pages_before

    # The same button a second time does nothing more.
    again = worker.evaluate(
        "([data, tag]) => self.handleNotificationAction('done', data, tag)", [options["data"], options["tag"]]
    )
    assert again == {"ok": False, "message": "This button was already used."}
    assert shown(page, worker, 4)[3]["options"]["body"] == "This button was already used."
    assert not Reminder.objects.filter(kind=ReminderKind.SNOOZED).exists()

    # A tap on the notification itself brings the open window to the reminder's page (no new window).
    page.goto(f"{base}/cases/")
    opened = worker.evaluate(
        "(data) => self.handleNotificationAction('', data).then(() => true)", options["data"]
    )
    assert opened is True
    page.wait_for_url(f"{base}{payload['url']}")
    assert len(context.pages) == pages_before

    # The same reminder is in the inbox, counted in the header.
    page.goto(f"{base}/cases/")
    inbox = page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox, 1 unread")
    expect(inbox).to_be_visible()
    inbox.click()
    expect(page.get_by_role("link", name="New A step on this week's checklist is waiting.")).to_be_visible()
    page.get_by_role("link", name="New A step on this week's checklist is waiting.").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This week's checklist")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Inbox", exact=True)).to_be_visible()


def test_removing_this_phone_ends_its_subscription_in_the_browser_too(
    context: BrowserContext, page: Page, live_server, local_endpoints: None
) -> None:
    base = live_server.url
    user = make_user("remove.phone@example.com")
    endpoint = f"{base}/test-push-service/{uuid.uuid4().hex}"
    context.grant_permissions(["notifications"], origin=base)
    context.add_init_script(
        FAKE_PUSH_JS
        % {"subscription": json.dumps({"endpoint": endpoint, "keys": made_keys()}), "store": STORE_KEY}
    )
    sign_in_context(context, base, user)
    other_phone = PushSubscription.objects.create(
        user=user,
        endpoint="https://fcm.googleapis.com/fcm/send/other",
        device_name="Chrome on Android",
        **made_keys(),
    )
    page.goto(f"{base}/reminders/")
    page.get_by_role("button", name="Turn on reminders").click()
    expect(page.get_by_text("Reminders are on for this phone.")).to_be_visible()
    device = page.locator(f'[data-endpoint="{endpoint}"]')
    expect(device.get_by_text("This phone")).to_be_visible()
    expect(page.locator(f'[data-endpoint="{other_phone.endpoint}"]').get_by_text("This phone")).to_be_hidden()

    device.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("no longer gets reminders")).to_be_visible()
    this_phone = PushSubscription.objects.get(endpoint=endpoint)
    assert not this_phone.is_active
    # The browser no longer has it, so the next start does not bring it back.
    assert page.evaluate(f"localStorage.getItem('{STORE_KEY}')") is None
    expect(page.get_by_role("button", name="Turn on reminders")).to_be_visible()
    page.reload()
    expect(page.locator("[data-endpoint]")).to_have_count(1)
    this_phone.refresh_from_db()
    assert not this_phone.is_active
    other_phone.refresh_from_db()
    assert other_phone.is_active


def test_a_refused_permission_is_explained_and_nothing_is_stored(page: Page, live_server) -> None:
    # Headless Chromium answers the permission prompt with "denied", as a person tapping Block would.
    sign_in_context(page.context, live_server.url, make_user("blocked@example.com"))
    page.goto(f"{live_server.url}/reminders/")
    page.get_by_role("button", name="Turn on reminders").click()
    blocked = "Notifications are blocked for secondop in this browser."
    expect(page.get_by_role("status").filter(has_text=blocked)).to_contain_text("allow notifications")
    expect(page.get_by_role("button", name="Turn on reminders")).to_be_hidden()
    assert not PushSubscription.objects.exists()

    page.reload()
    expect(page.get_by_role("status").filter(has_text=blocked)).to_be_visible()
    expect(page.get_by_role("button", name="Turn on reminders")).to_be_hidden()


def test_on_an_iphone_outside_the_home_screen_app_the_page_explains_how_to_add_it(
    browser: Browser, live_server
) -> None:
    context = new_phone_context(browser, user_agent=IPHONE_SAFARI)
    try:
        page = context.new_page()
        sign_in_context(context, live_server.url, make_user("iphone@example.com"))
        page.goto(f"{live_server.url}/reminders/")
        expect(page.get_by_text("Add secondop to your Home Screen first:")).to_be_visible()
        expect(page.get_by_text("tap Share")).to_be_visible()
        expect(page.get_by_role("button", name="Turn on reminders")).to_be_hidden()
    finally:
        context.close()
