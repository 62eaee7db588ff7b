"""Chromium enforces the Content Security Policy and the Permissions-Policy while the app does its most
script-heavy things (htmx swaps, the service worker, the say-it view, printing, the reminders page), and
reports nothing: no blocked inline style or script, no header it cannot read."""

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, ConsoleMessage, expect

from secondop.accounts.models import User
from secondop.cases.models import Case
from secondop.records.models import Provider, RecordsRequest
from secondop.records.progress import move
from tests.e2e.conftest import new_phone_context, sign_in_context

pytestmark = pytest.mark.browser

# Playwright adds it before any of the page's own scripts, outside the page's policy.
LISTEN_FOR_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber}`);
});
"""


def test_chromium_reports_no_policy_problem_while_the_app_works(
    browser: Browser, live_server: Any, case: Case, owner: User
) -> None:
    holder = Provider.objects.create(case=case, role="current", name="Dr. Chen")
    records_request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    today = timezone.localdate()
    move(records_request, "requested", today, today=today, user=owner)
    context = new_phone_context(browser)
    context.add_init_script(LISTEN_FOR_VIOLATIONS)
    complaints: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if any(word in message.text for word in ("Content Security Policy", "Permissions-Policy")):
            complaints.append(message.text)

    try:
        page = context.new_page()
        page.on("console", on_console)
        page.goto(f"{live_server.url}/accounts/login/")
        sign_in_context(context, live_server.url, owner)
        checklist = reverse("checklist", args=[case.code])
        for path in [
            reverse("case_overview", args=[case.code]),
            checklist,
            reverse("draft_say", args=[case.code, "pushback"]),
            reverse("letter_print", args=[case.code, records_request.pk, "request-letter"]),
            reverse("packet", args=[case.code]),
            reverse("reminder_settings"),
            reverse("profile_settings"),
        ]:
            page.goto(f"{live_server.url}{path}")
            if path == checklist:
                # An htmx swap: tick the first item and wait for the list to come back ticked.
                page.locator("#checklist-block .tick-button").first.click()
                expect(page.locator("#checklist-block .tick-button").first).to_have_attribute(
                    "aria-pressed", "true"
                )
            violations = page.evaluate("window.__violations")
            assert violations == [], f"{path}: {violations}"
        assert complaints == [], "\n".join(sorted(set(complaints)))
    finally:
        context.close()
