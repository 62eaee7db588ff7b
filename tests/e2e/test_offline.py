"""Local-first on a phone: pages opened before reload offline; writes made offline wait in the outbox,
shown in the page as waiting, and reach the server exactly once when the connection is back (also when the
outbox is replayed again after a crash, and for many at once); an edit from an old version keeps both
texts; an expired session stops the replay until the person logs in again; a refused write stays until it
is fixed; logging out clears this phone; a new release asks before it reloads; installing.

Chromium's network is switched off with `context.set_offline(True)`, for the pages and the service
worker alike.
"""

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from secondop.accounts.models import User
from secondop.cases.models import Case, Question
from secondop.pwa import views as pwa_views
from secondop.pwa.models import Submission
from secondop.records.models import ContactEntry
from secondop.reminders.models import PushSubscription
from secondop.scripts.drafting import ensure_drafts
from secondop.scripts.models import DraftKind
from tests.conftest import PASSWORD
from tests.e2e.conftest import new_phone_context, sign_in_context
from tests.e2e.test_browser import PAGE_CACHED_JS, wait_for_service_worker
from tests.e2e.test_push import IPHONE_SAFARI, STORE_KEY, fake_push_service

pytestmark = pytest.mark.browser

OUTBOX_JS = "() => SecondopOutbox.all()"
CACHE_NAMES_JS = "async () => (await caches.keys()).filter((name) => name.startsWith('secondop-'))"
# The version of the worker that controls the page, as it says itself.
CONTROLLER_VERSION_JS = """
() => new Promise((resolve) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = (event) => resolve(event.data.version);
  navigator.serviceWorker.controller.postMessage({type: "VERSION"}, [channel.port2]);
})
"""
# Every text the outbox banner showed, in order (to see the progress of a long replay).
RECORD_BANNER_JS = """
() => {
  window.bannerSeen = [];
  const summary = document.querySelector("[data-outbox-summary]");
  new MutationObserver(() => window.bannerSeen.push(summary.textContent))
    .observe(summary, {childList: true, characterData: true, subtree: true});
}
"""


def outbox(page: Page) -> list[dict[str, Any]]:
    # Right after a navigation the page's deferred scripts may still be loading.
    page.wait_for_function("() => typeof SecondopOutbox !== 'undefined'")
    items: list[dict[str, Any]] = page.evaluate(OUTBOX_JS)
    return items


def wait_for_empty_outbox(page: Page, timeout_ms: int = 10_000) -> None:
    """Polls the outbox (in the browser's event loop, so its events keep flowing) until it is empty."""
    left: list[dict[str, Any]] = []
    for _ in range(timeout_ms // 100):
        left = outbox(page)
        if not left:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the outbox still holds {len(left)} item(s) after {timeout_ms} ms: {left[:3]}")


def cache_page(page: Page, url: str) -> None:
    """Opens `url` in a page the worker controls and waits until the worker has kept it."""
    page.goto(url)
    assert page.evaluate(PAGE_CACHED_JS, [url, 5000]), f"the service worker did not keep {url}"


def open_offline(context: BrowserContext, page: Page, url: str) -> None:
    """`url` kept by the worker, then opened again with the network off: the offline copy."""
    cache_page(page, url)
    context.set_offline(True)
    page.reload()


def start_controlled(page: Page, base: str, first_url: str) -> None:
    page.goto(first_url)
    wait_for_service_worker(page)


def banner(page: Page) -> Any:
    return page.get_by_role("status").filter(has_text=re.compile("waiting|Sending|Log in"))


@pytest.fixture
def owner_page(context: BrowserContext, page: Page, live_server: Any, owner: User, case: Case) -> Page:
    sign_in_context(context, live_server.url, owner)
    start_controlled(page, live_server.url, f"{live_server.url}{case.get_absolute_url()}")
    return page


def test_offline_writes_wait_in_the_page_and_reach_the_server_once(
    context: BrowserContext, owner_page: Page, live_server: Any, case: Case, owner: User
) -> None:
    page = owner_page
    base = live_server.url
    draft = ensure_drafts(case)[DraftKind.PUSHBACK]
    overview = f"{base}{case.get_absolute_url()}"
    timeline = f"{base}/cases/{case.code}/records/timeline/"
    contact_form = f"{base}/cases/{case.code}/records/contacts/new/"
    draft_page = f"{base}/cases/{case.code}/scripts/pushback/"
    checklist = f"{base}/cases/{case.code}/checklist/"
    for url in (overview, timeline, contact_form, draft_page, checklist):
        cache_page(page, url)

    # A visited case page reloads from the cache, marked as an offline copy.
    context.set_offline(True)
    page.goto(overview)
    expect(page.get_by_role("heading", level=1)).to_have_text("Alex Rivera")
    expect(page.locator("#offline-banner")).to_contain_text(
        "You are offline. You are seeing the copy saved on "
    )
    assert page.evaluate("document.documentElement.dataset.offlineSavedAt")

    # A contact: kept on the phone, and shown on the timeline as waiting.
    page.goto(contact_form)
    page.get_by_label("How").select_option("phone")
    page.get_by_label("With whom").fill("Pat")
    page.get_by_label("What you asked").fill("Has my request arrived?")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(timeline)
    waiting_contact = page.locator("[data-outbox-list] [data-outbox-entry]")
    expect(waiting_contact).to_have_count(1)
    expect(waiting_contact).to_contain_text("Waiting to sync")
    expect(waiting_contact).to_contain_text("Contact with Pat")
    expect(banner(page)).to_have_text("1 change waiting to sync")

    # A script edit (htmx autosave): the save status says it waits.
    page.goto(draft_page)
    editor = page.get_by_label("Your script")
    editor.press("Control+End")
    editor.press_sequentially(" Written on the train.")
    expect(page.locator("#save-status")).to_contain_text("Waiting to sync")
    expect(banner(page)).to_have_text("2 changes waiting to sync")
    # Reloaded, the saved copy of the page gets the waiting text back from the outbox.
    page.reload()
    expect(page.get_by_label("Your script")).to_have_value(draft.text + " Written on the train.")
    expect(page.locator("#save-status")).to_contain_text("Waiting to sync")

    # A checklist tick (htmx): ticked, marked as waiting.
    page.goto(checklist)
    item = case.checklist.get(key="questions")
    page.get_by_role("button", name=f"Mark as done: {item.title}").click()
    ticked = page.get_by_role("button", name=f"Done: {item.title}. Mark as not done")
    expect(ticked).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".checklist-item", has=ticked)).to_contain_text("(waiting to sync)")
    expect(banner(page)).to_have_text("3 changes waiting to sync")

    assert not ContactEntry.objects.exists()
    draft.refresh_from_db()
    assert draft.version == 1
    item.refresh_from_db()
    assert item.done_at is None
    assert [entry["kind"] for entry in outbox(page)] == ["contact", "draft", "tick"]

    # Back online: everything is sent, once each, and the page shows the server's answer.
    context.set_offline(False)
    wait_for_empty_outbox(page)
    expect(page.locator(".checklist-item", has=ticked)).not_to_contain_text("(waiting to sync)")
    expect(ticked).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#outbox-banner")).to_be_hidden()

    contact = ContactEntry.objects.get()
    assert (contact.with_whom, contact.asked, contact.channel) == ("Pat", "Has my request arrived?", "phone")
    assert contact.created_by == owner
    original = draft.text
    draft.refresh_from_db()
    assert draft.text == original + " Written on the train."
    assert draft.version == 2 and not draft.has_conflict
    item.refresh_from_db()
    assert item.done_at is not None
    assert Submission.objects.count() == 3

    page.goto(timeline)
    expect(page.locator(".timeline")).to_contain_text("Phone with Pat")
    expect(page.locator("[data-outbox-entry]")).to_have_count(0)


def test_an_outbox_replayed_again_after_a_crash_stores_each_write_once(
    context: BrowserContext, owner_page: Page, live_server: Any, case: Case
) -> None:
    page = owner_page
    base = live_server.url
    draft = ensure_drafts(case)[DraftKind.PUSHBACK]
    questions = f"{base}/cases/{case.code}/questions/"
    draft_page = f"{base}/cases/{case.code}/scripts/pushback/"
    checklist = f"{base}/cases/{case.code}/checklist/"
    for url in (draft_page, checklist, questions):
        cache_page(page, url)

    context.set_offline(True)
    page.goto(draft_page)
    editor = page.get_by_label("Your script")
    editor.press("Control+End")
    editor.press_sequentially(" Crash-proof.")
    expect(page.locator("#save-status")).to_contain_text("Waiting to sync")
    page.goto(checklist)
    item = case.checklist.get(key="questions")
    page.get_by_role("button", name=f"Mark as done: {item.title}").click()
    expect(page.get_by_text("(waiting to sync)")).to_be_visible()
    page.goto(questions)
    for text in ("What are the other options?", "What happens if we wait?"):
        page.get_by_label("Your question").fill(text)
        page.get_by_role("button", name="Add the question").click()
        expect(page.get_by_label("Your question")).to_have_value("")
    assert len(outbox(page)) == 4

    # The app sends each item and is "killed" before it deletes it: every replay sends them all again.
    # (The worker's Background Sync is held back, so that only these replays run.)
    for worker in context.service_workers:
        worker.evaluate(
            "() => { self.SecondopOutbox.replay = () => Promise.resolve({sent: 0, stopped: ''}); }"
        )
    page.evaluate(
        "() => { window.realRemove = SecondopOutbox.remove; SecondopOutbox.remove = async () => {}; }"
    )
    context.set_offline(False)
    results = [page.evaluate("() => SecondopOutbox.replay()") for _ in range(3)]
    assert [result["stopped"] for result in results] == ["", "", ""]
    assert len(outbox(page)) == 4, "nothing was deleted"
    assert Submission.objects.count() == 4
    assert sorted(Question.objects.values_list("text", flat=True)) == [
        "What are the other options?",
        "What happens if we wait?",
    ]
    draft.refresh_from_db()
    assert (draft.version, draft.text.endswith(" Crash-proof."), draft.has_conflict) == (2, True, False)
    item.refresh_from_db()
    assert item.done_at is not None, "replayed three times, the tick is still one tick"

    # Then a replay that completes.
    page.evaluate("() => { SecondopOutbox.remove = window.realRemove; return SecondopOutbox.replay(); }")
    assert outbox(page) == []
    assert Question.objects.count() == 2 and Submission.objects.count() == 4
    draft.refresh_from_db()
    item.refresh_from_db()
    assert draft.version == 2 and item.done_at is not None


def test_fifty_entries_made_offline_sync_to_fifty_rows_with_progress(
    context: BrowserContext, owner_page: Page, live_server: Any, case: Case
) -> None:
    page = owner_page
    questions = f"{live_server.url}/cases/{case.code}/questions/"
    open_offline(context, page, questions)
    field = page.get_by_label("Your question")
    add = page.get_by_role("button", name="Add the question")
    for number in range(1, 51):
        field.fill(f"Question number {number}?")
        add.click()
        expect(field).to_have_value("")
    expect(banner(page)).to_have_text("50 changes waiting to sync")
    waiting = page.locator("[data-outbox-list] [data-outbox-entry]")
    expect(waiting).to_have_count(50)
    expect(waiting.first).to_contain_text("Waiting to sync")
    expect(waiting.first).to_contain_text("Question: Question number 1?")
    assert not Question.objects.exists()

    page.evaluate(RECORD_BANNER_JS)
    context.set_offline(False)
    wait_for_empty_outbox(page, 30_000)
    assert Question.objects.filter(case=case).count() == 50
    assert list(Question.objects.order_by("position").values_list("text", flat=True)) == [
        f"Question number {number}?" for number in range(1, 51)
    ]
    seen: list[str] = page.evaluate("window.bannerSeen")
    progress = [text for text in seen if text.endswith(" of 50…")]
    assert progress, f"no progress was shown: {seen}"
    assert progress[0].startswith("Sending ")
    expect(waiting.filter(has_text="✓ Sent")).to_have_count(50)
    expect(page.locator("#outbox-banner")).to_be_hidden()


def test_two_people_edit_one_script_from_the_same_version_and_both_texts_are_kept(
    browser: Browser, context: BrowserContext, owner_page: Page, live_server: Any, case: Case, advocate: User
) -> None:
    base = live_server.url
    draft = ensure_drafts(case)[DraftKind.PUSHBACK]
    original = draft.text
    draft_page = f"{base}/cases/{case.code}/scripts/pushback/"
    mine = owner_page
    mine.goto(draft_page)
    theirs_context = new_phone_context(browser)
    try:
        sign_in_context(theirs_context, base, advocate)
        theirs = theirs_context.new_page()
        theirs.goto(draft_page)
        # Both have version 1 in front of them. The owner's phone loses its connection and writes on.
        context.set_offline(True)
        my_editor = mine.get_by_label("Your script")
        my_editor.press("Control+End")
        my_editor.press_sequentially(" Mine, from the waiting room.")
        expect(mine.locator("#save-status")).to_contain_text("Waiting to sync")
        # The advocate saves first.
        their_editor = theirs.get_by_label("Your script")
        their_editor.press("Control+End")
        their_editor.press_sequentially(" Theirs, from the office.")
        expect(theirs.locator("#save-status")).to_have_text(re.compile(r"^Saved \d\d:\d\d\.$"))
        draft.refresh_from_db()
        assert draft.version == 2

        # The owner's edit arrives later, made from version 1: a conflict, with both texts kept.
        context.set_offline(False)
        wait_for_empty_outbox(mine)
        expect(mine.get_by_role("heading", name="Two versions of this script")).to_be_visible()
        expect(mine.locator("#save-status")).to_contain_text("Not saved: someone else changed this script")
        draft.refresh_from_db()
        assert draft.text == original + " Theirs, from the office."
        assert draft.conflict_text == original + " Mine, from the waiting room."
        assert draft.has_conflict

        theirs.reload()
        expect(theirs.get_by_role("heading", name="Two versions of this script")).to_be_visible()
        conflict = theirs.locator("#draft-conflict")
        expect(conflict).to_contain_text("Theirs, from the office.")
        expect(conflict).to_contain_text("Mine, from the waiting room.")
    finally:
        theirs_context.close()


def test_an_expired_session_stops_the_replay_until_the_person_logs_in_again(
    context: BrowserContext, owner_page: Page, live_server: Any, case: Case, owner: User
) -> None:
    page = owner_page
    questions = f"{live_server.url}/cases/{case.code}/questions/"
    open_offline(context, page, questions)
    for text in ("Is surgery the only way?", "How long is recovery?"):
        page.get_by_label("Your question").fill(text)
        page.get_by_role("button", name="Add the question").click()
        expect(page.get_by_label("Your question")).to_have_value("")
    # The session ends meanwhile (it ran out on the server).
    context.clear_cookies()
    context.set_offline(False)
    expect(banner(page)).to_have_text("Log in again to send 2 waiting changes.")
    assert not Question.objects.exists()
    assert len(outbox(page)) == 2

    page.locator("#outbox-banner").get_by_role("link", name="Log in").click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    # Back where they were, and the outbox carries on by itself.
    page.wait_for_url(questions)
    wait_for_empty_outbox(page)
    assert sorted(Question.objects.values_list("text", flat=True)) == [
        "How long is recovery?",
        "Is surgery the only way?",
    ]


@pytest.mark.parametrize(
    "cookies", ["sessionid", None], ids=["session ended", "session and CSRF cookie gone"]
)
def test_an_online_tick_after_the_session_ended_waits_for_the_next_log_in(
    context: BrowserContext, owner_page: Page, live_server: Any, case: Case, owner: User, cookies: str | None
) -> None:
    """An htmx write online whose session has ended (answered "login" in headers, or a 403 for the CSRF
    cookie gone with it: never the log-in page swapped into the list) waits in the outbox and is sent once
    the person logs in again."""
    page = owner_page
    checklist = f"{live_server.url}/cases/{case.code}/checklist/"
    page.goto(checklist)
    button = page.get_by_role("button", name=re.compile("^Mark as done: ")).first
    title = (button.get_attribute("aria-label") or "").removeprefix("Mark as done: ")
    context.clear_cookies(name=cookies)  # the session ran out on the server
    button.click()
    expect(banner(page)).to_have_text("Log in again to send 1 waiting change.")
    expect(page.locator(".checklist-item.is-waiting")).to_contain_text(f"{title}(waiting to sync)")
    assert not case.checklist.filter(done_at__isnull=False).exists()

    page.locator("#outbox-banner").get_by_role("link", name="Log in").click()
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(checklist)
    wait_for_empty_outbox(page)
    assert list(case.checklist.filter(done_at__isnull=False).values_list("title", flat=True)) == [title]


def test_a_tab_left_open_after_logging_out_keeps_no_writes_for_later(
    context: BrowserContext, owner_page: Page, live_server: Any, case: Case
) -> None:
    """Logged out in one tab, a tick in another tab still showing the case is not kept to be sent at the
    next log-in (perhaps someone else's): that tab is loaded again, as a logged-out person sees it."""
    page = owner_page
    checklist = f"{live_server.url}/cases/{case.code}/checklist/"
    page.goto(checklist)
    other = context.new_page()
    other.goto(f"{live_server.url}/cases/")
    other.get_by_role("button", name="Log out").click()
    expect(other.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()

    page.get_by_role("button", name=re.compile("^Mark as done: ")).first.click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert outbox(page) == []
    assert not case.checklist.filter(done_at__isnull=False).exists()


def test_a_refused_write_stays_visible_until_it_is_fixed(
    context: BrowserContext, owner_page: Page, live_server: Any, case: Case
) -> None:
    page = owner_page
    questions = f"{live_server.url}/cases/{case.code}/questions/"
    open_offline(context, page, questions)
    page.get_by_role("button", name="Add the question").click()  # nothing written: the server refuses it
    expect(banner(page)).to_have_text("1 change waiting to sync")
    context.set_offline(False)

    problem = page.locator(".outbox-problem")
    expect(problem).to_contain_text("Not sent: A question.")
    expect(problem).to_contain_text("needs a small fix")
    [item] = outbox(page)
    assert item["status"] == "refused"
    page.reload()
    expect(page.locator(".outbox-problem")).to_have_count(1)

    # Open and fix: the server shows its answer again, with the error next to the field.
    page.get_by_role("button", name="Open and fix").click()
    expect(page.get_by_text("Write your question here first.")).to_be_visible()
    page.get_by_label("Your question").fill("Who else could look at the scans?")
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_text("Added your question.")).to_be_visible()
    wait_for_empty_outbox(page)
    assert list(Question.objects.values_list("text", flat=True)) == ["Who else could look at the scans?"]
    expect(page.locator(".outbox-problem")).to_have_count(0)


def test_a_write_refused_with_a_message_on_the_next_page_stays_in_the_outbox_with_that_message(
    context: BrowserContext, owner_page: Page, live_server: Any, case: Case
) -> None:
    """Some refusals are no form's fault (the request was withdrawn meanwhile, from another phone): the
    server answers them with a redirect and a message. The outbox must not take that for saved."""
    from secondop.records.models import Provider, RecordsRequest

    page = owner_page
    holder = Provider.objects.create(case=case, role="records_office", name="Eastside Records")
    records_request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    detail = f"{live_server.url}/cases/{case.code}/records/requests/{records_request.pk}/"
    open_offline(context, page, detail)
    page.get_by_label("New status").select_option(label="Requested")
    page.get_by_role("button", name="Update", exact=True).click()
    expect(banner(page)).to_have_text("1 change waiting to sync")
    RecordsRequest.objects.filter(pk=records_request.pk).update(status="withdrawn")  # another phone
    context.set_offline(False)

    problem = page.locator(".outbox-problem")
    expect(problem).to_contain_text("This request is withdrawn, so its status cannot change any more.")
    [item] = outbox(page)
    assert item["status"] == "refused"
    assert not Submission.objects.exists()
    records_request.refresh_from_db()
    assert records_request.status == "withdrawn"


def test_a_refused_write_can_be_discarded(
    context: BrowserContext, owner_page: Page, live_server: Any, case: Case
) -> None:
    page = owner_page
    questions = f"{live_server.url}/cases/{case.code}/questions/"
    open_offline(context, page, questions)
    page.get_by_role("button", name="Add the question").click()
    context.set_offline(False)
    problem = page.locator(".outbox-problem")
    problem.get_by_role("button", name="Discard").click()
    problem.get_by_role("button", name="Keep it").click()
    expect(page.locator(".outbox-problem")).to_have_count(1)
    page.locator(".outbox-problem").get_by_role("button", name="Discard").click()
    page.locator(".outbox-problem").get_by_role("button", name="Yes, discard it").click()
    expect(page.locator(".outbox-problem")).to_have_count(0)
    assert outbox(page) == []


def test_logging_out_clears_the_caches_the_outbox_and_this_phones_reminders(
    context: BrowserContext, page: Page, live_server: Any, case: Case, owner: User, settings: Any
) -> None:
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = True
    base = live_server.url
    endpoint, _ = fake_push_service(context, base)
    sign_in_context(context, base, owner)
    page.goto(f"{base}/reminders/")
    wait_for_service_worker(page)
    page.get_by_role("button", name="Turn on reminders").click()
    expect(page.get_by_text("Reminders are on for this phone.")).to_be_visible()
    subscription = PushSubscription.objects.get(endpoint=endpoint)
    assert subscription.is_active
    questions = f"{base}/cases/{case.code}/questions/"
    cache_page(page, questions)

    # A write the server refused stays in the outbox: logging out warns before it is lost.
    context.set_offline(True)
    page.reload()
    page.get_by_role("button", name="Add the question").click()
    context.set_offline(False)
    expect(page.locator(".outbox-problem")).to_have_count(1)

    page.get_by_role("button", name="Log out").click()
    warning = page.get_by_role("dialog", name="Not sent yet")
    expect(warning).to_contain_text("1 change has not been sent yet. Log out anyway? It will be lost.")
    warning.get_by_role("button", name="Stay logged in").click()
    expect(warning).to_be_hidden()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert len(outbox(page)) == 1
    subscription.refresh_from_db()
    assert subscription.is_active

    page.get_by_role("button", name="Log out").click()
    warning.get_by_role("button", name="Log out anyway").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()
    assert outbox(page) == []
    assert not page.evaluate(PAGE_CACHED_JS, [questions, 300]), "the case page is still cached"
    # Only what was opened after logging out is kept (the page it led to), nothing of the cases.
    kept: list[str] = page.evaluate(
        """async () => {
          const urls = [];
          for (const name of await caches.keys()) {
            if (!name.startsWith("secondop-pages-")) continue;
            for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
          }
          return urls;
        }"""
    )
    assert not [url for url in kept if "/cases/" in url or "/reminders/" in url], kept
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert page.evaluate(f"localStorage.getItem('{STORE_KEY}')") is None, "the browser still has it"


def test_a_new_release_asks_before_it_reloads_and_then_serves_the_new_assets(
    owner_page: Page, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = owner_page
    old_version = page.evaluate(CONTROLLER_VERSION_JS)
    source = pwa_views.service_worker_source()
    config_line, code = source.split("\n", 1)
    config = json.loads(config_line.removeprefix("self.SECONDOP = ").removesuffix(";"))
    new_asset = config["precache"][0] + "?release=2"
    config.update(version="release2", precache=[*config["precache"], new_asset])
    monkeypatch.setattr(
        pwa_views, "service_worker_source", lambda: f"self.SECONDOP = {json.dumps(config)};\n{code}"
    )

    page.evaluate(
        "() => navigator.serviceWorker.getRegistration('/').then((registration) => registration.update())"
    )
    update = page.get_by_role("status").filter(has_text="Update available")
    expect(update).to_contain_text("Update available — reload")
    # The new worker waits: this page still runs the old one.
    assert page.evaluate("() => navigator.serviceWorker.getRegistration('/').then((r) => !!r.waiting)")
    assert page.evaluate(CONTROLLER_VERSION_JS) == old_version

    with page.expect_navigation():
        update.get_by_role("button", name="Reload").click()
    page.wait_for_load_state()
    assert page.evaluate(CONTROLLER_VERSION_JS) == "release2"
    names = page.evaluate(CACHE_NAMES_JS)
    assert "secondop-shell-release2" in names and f"secondop-shell-{old_version}" not in names
    expect(page.locator("#update-banner")).to_be_hidden()
    # The new release's assets come from its own cache, even offline.
    page.context.set_offline(True)
    status = page.evaluate(
        "(url) => fetch(url).then((response) => response.status, () => 'failed')", new_asset
    )
    assert status == 200


def test_installing_offers_the_browsers_prompt_as_a_button(page: Page, live_server: Any, owner: User) -> None:
    sign_in_context(page.context, live_server.url, owner)
    page.goto(f"{live_server.url}/account/settings/")
    expect(page.get_by_role("button", name="Install secondop")).to_have_count(0)
    page.evaluate(
        """() => {
          const event = new Event("beforeinstallprompt", {cancelable: true});
          window.prompted = 0;
          event.prompt = () => { window.prompted += 1; return Promise.resolve(); };
          event.userChoice = Promise.resolve({outcome: "accepted"});
          window.dispatchEvent(event);
        }"""
    )
    install = page.locator("#install-banner").get_by_role("button", name="Install secondop")
    expect(install).to_be_visible()
    expect(page.locator("main").get_by_role("button", name="Install secondop")).to_be_visible()
    install.click()
    assert page.evaluate("window.prompted") == 1
    expect(page.get_by_role("button", name="Install secondop")).to_have_count(0)


def test_on_an_iphone_the_install_guide_shows_once_and_stays_in_the_settings(
    browser: Browser, live_server: Any, owner: User
) -> None:
    context = new_phone_context(browser, user_agent=IPHONE_SAFARI)
    try:
        page = context.new_page()
        sign_in_context(context, live_server.url, owner)
        page.goto(f"{live_server.url}/cases/")
        guide = page.get_by_role("region", name="Put secondop on your Home Screen")
        expect(guide).to_be_visible()
        expect(guide).to_contain_text("Add to Home Screen")
        expect(guide.locator("svg")).to_have_count(3)
        guide.get_by_role("button", name="Got it").click()
        expect(guide).to_be_hidden()
        page.reload()
        expect(page.get_by_role("heading", level=1)).to_have_text("My cases")
        expect(guide).to_be_hidden()
        page.goto(f"{live_server.url}/account/settings/")
        expect(guide).to_be_hidden()
        page.get_by_role("button", name="How to add secondop to your Home Screen").click()
        expect(guide).to_be_visible()
    finally:
        context.close()
