"""axe-core on the app's pages, as a phone shows them, in the light and the dark theme: no serious or
critical violation (contrast, names, labels, landmarks, ARIA…) on any of them.

axe-core comes from the npm registry (package.json at the top of the project; `npm ci` installs it).
Without it the check is skipped on a developer's machine and fails in CI (CI=true).
"""

import datetime
import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from secondop.accounts.models import User
from secondop.cases import checklist
from secondop.cases.models import Case, ContactChannel, InsuranceCheck, Question, YesNoUnsure
from secondop.records.models import ContactEntry, Provider, ProviderRole, RecordsRequest
from secondop.records.progress import move
from secondop.reminders.models import Notification, PushSubscription
from secondop.scripts.drafting import ensure_drafts
from secondop.scripts.models import DraftKind, DraftUse
from tests.conftest import make_user
from tests.e2e.conftest import new_phone_context, sign_in_context

pytestmark = pytest.mark.browser

AXE_PATH = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

RUN_AXE_JS = """
async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    nodes: violation.nodes.map((node) => ({
      target: node.target.join(" "),
      summary: node.failureSummary,
    })),
  }));
}
"""


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE_PATH.is_file():
        reason = f"axe-core is not installed at {AXE_PATH} (run `npm ci` in {settings.BASE_DIR})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the accessibility check cannot run: {reason}", pytrace=False)
        pytest.skip(f"the accessibility check needs axe-core: {reason}")
    return AXE_PATH


def serious_violations(page: Page, axe: Path) -> list[dict[str, Any]]:
    """Runs axe on the page as it is now; the violations with a serious or critical impact."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script>: the page's Content Security Policy blocks inline scripts.
        page.evaluate(axe.read_text())
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE_JS)
    return [violation for violation in violations if violation["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    - {node['target']}: {summary}")
    return "\n".join(lines)


class Audit:
    """Visits pages and collects every page's serious problems, so one run reports all of them."""

    def __init__(self, page: Page, base_url: str, axe: Path, scheme: str) -> None:
        self.page, self.base_url, self.axe, self.scheme = page, base_url, axe, scheme
        self.problems: dict[str, list[dict[str, Any]]] = {}
        self.checked: list[str] = []

    def visit(self, name: str, path: str) -> None:
        response = self.page.goto(f"{self.base_url}{path}")
        assert response is not None and response.ok, f"{name}: {path} answered {response and response.status}"
        self.check(name)

    def check(self, name: str) -> None:
        """The page as it is now (after an action on it)."""
        # The theme under test is the one the page shows.
        assert self.page.evaluate(f"matchMedia('(prefers-color-scheme: {self.scheme})').matches")
        self.checked.append(name)
        found = serious_violations(self.page, self.axe)
        if found:
            self.problems[f"{name} ({self.page.url})"] = found

    def assert_clean(self) -> None:
        report = "\n".join(f"{name}:\n{describe(found)}" for name, found in self.problems.items())
        assert not self.problems, (
            f"serious or critical accessibility problems ({self.scheme} theme):\n{report}"
        )


def a_case_with_some_data(owner: User) -> Case:
    """A case whose approach is answered (an open relationship: both framings offered), with the scripts
    generated, one edited and one with a conflict, a question, notes and part of an insurance check."""
    case = Case.open_for(owner, patient_name="Alex Rivera", concern="the knee surgery")
    case.provider_response = "supportive"
    case.felt_dismissed = case.met_tension = YesNoUnsure.NO
    case.wants_to_return = YesNoUnsure.YES
    case.referral_needed = YesNoUnsure.UNSURE
    case.approach = "collaborative"
    case.approach_answered_at = timezone.now()
    case.rights_state = "Ohio"
    case.rights_notes = "30 days; the fee is for copies only."
    case.save()
    Provider.objects.create(case=case, role=ProviderRole.CURRENT, name="Dr. Kim")
    Provider.objects.create(
        case=case, role=ProviderRole.SECOND_OPINION, name="Dr. Osei", practice="City Clinic"
    )
    drafts = ensure_drafts(case)
    pushback = drafts[DraftKind.PUSHBACK]
    pushback.save_edit(pushback.text + " Thank you.", pushback.version, owner)
    DraftUse.objects.create(
        draft=pushback,
        used_on=timezone.localdate(),
        channel=ContactChannel.IN_PERSON,
        provider_said="Fine.",
        recorded_by=owner,
    )
    opening = drafts[DraftKind.SECOND_OPINION]
    opening.save_edit(opening.text + " (theirs)", opening.version, owner)
    opening.save_edit(opening.text + " (mine)", opening.version - 1, owner)
    assert opening.has_conflict
    Question.objects.create(case=case, text="What happens if I wait a few months?", position=0)
    Question.objects.create(
        case=case,
        text="Are there other treatments?",
        position=1,
        answered_at=timezone.now(),
        answer_note="Two.",
    )
    InsuranceCheck.objects.create(case=case, plan_name="Good Health", referral_required=YesNoUnsure.YES)
    office = Provider.objects.create(
        case=case, role=ProviderRole.RECORDS_OFFICE, name="Kim Records", fax="555-0100"
    )
    records_request = RecordsRequest.objects.create(
        case=case, holder=office, kind="copy", record_types=["visit_notes", "pathology"]
    )
    today = timezone.localdate()
    move(records_request, "requested", today - datetime.timedelta(days=40), today=today, user=owner)
    ContactEntry.objects.create(
        case=case,
        request=records_request,
        happened_at=timezone.now(),
        channel="phone",
        with_whom="Pat",
        asked="Where are they?",
        answered="Soon.",
        created_by=owner,
    )
    checklist.sync(case, owner)
    return case


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_problems(
    browser: Browser, live_server, axe_source: Path, scheme: str
) -> None:
    context = new_phone_context(browser, color_scheme=scheme)
    try:
        page = context.new_page()
        audit = Audit(page, live_server.url, axe_source, scheme)

        audit.visit("home (logged out)", "/")
        audit.visit("login", "/accounts/login/")
        audit.visit("signup", "/accounts/signup/")

        owner = make_user("owner@example.com")
        sign_in_context(context, live_server.url, owner)
        audit.visit("my cases (none yet)", "/cases/")
        expect(page.get_by_role("heading", name="Start with your first case")).to_be_visible()
        audit.visit("new case", "/cases/new/")

        fresh = Case.open_for(owner, patient_name="Sam Lee")
        case = a_case_with_some_data(owner)
        scripts = f"/cases/{case.code}/scripts"
        audit.visit("my cases", "/cases/")
        audit.visit("case overview", case.get_absolute_url())
        audit.visit("case overview (nothing answered yet)", fresh.get_absolute_url())
        audit.visit("checklist", f"/cases/{case.code}/checklist/")
        audit.visit("approach chooser (unanswered)", f"/cases/{fresh.code}/scripts/approach/")
        page.get_by_role("button", name="See our suggestion").click()
        expect(page.locator(".field-errors").first).to_be_visible()
        audit.check("approach chooser (answers missing)")
        audit.visit("approach chooser (answered)", f"{scripts}/approach/")
        audit.visit("scripts", f"{scripts}/")
        audit.visit("details for the scripts", f"{scripts}/details/")
        audit.visit("pushback script", f"{scripts}/pushback/")
        audit.visit("script with a conflict", f"{scripts}/second-opinion/")
        expect(page.get_by_role("heading", name="Two versions of this script")).to_be_visible()
        audit.visit("say it", f"{scripts}/pushback/say/")
        audit.visit("records rights", f"/cases/{case.code}/rights/")
        audit.visit("questions", f"/cases/{case.code}/questions/")
        audit.visit("insurance", f"/cases/{case.code}/insurance/")
        audit.visit("settings", "/account/settings/")
        PushSubscription.objects.create(
            user=owner,
            endpoint="https://fcm.googleapis.com/fcm/send/a11y",
            p256dh="k",
            auth="a",
            device_name="Chrome on Android",
        )
        audit.visit("reminders", "/reminders/")
        audit.visit("inbox (nothing yet)", "/inbox/")
        expect(page.get_by_role("heading", name="Nothing here yet")).to_be_visible()
        for body, read_at in [
            ("A follow-up is due.", timezone.now()),
            ("A records deadline is today.", None),
        ]:
            Notification.objects.create(
                user=owner,
                case=case,
                title="secondop",
                body=body,
                url=case.get_absolute_url(),
                read_at=read_at,
            )
        audit.visit("inbox", "/inbox/")
        records = f"/cases/{case.code}/records"
        request_id = case.records_requests.get().pk
        audit.visit("records", f"{records}/")
        audit.visit("new records request", f"{records}/requests/new/")
        audit.visit("records request (overdue)", f"{records}/requests/{request_id}/")
        audit.visit("escalation letter", f"{records}/requests/{request_id}/letters/escalation/")
        audit.visit("letter to print", f"{records}/requests/{request_id}/letters/request-letter/print/")
        audit.visit("add a contact", f"{records}/contacts/new/")
        audit.visit("timeline", f"{records}/timeline/")
        audit.visit("packet", f"{records}/packet/")

        assert len(audit.checked) == 32
        audit.assert_clean()
    finally:
        context.close()


def test_the_check_reports_what_it_finds(page: Page, axe_source: Path) -> None:
    """The check is not blind: faint text and an image without a name are reported, with where they are."""
    page.set_content(
        '<!doctype html><html lang="en"><title>Check</title><main><h1>Check</h1>'
        '<p id="faint" style="color:#999;background:#aaa">Faint words</p><img id="nameless" src="data:,">'
        "</main></html>"
    )
    found = serious_violations(page, axe_source)
    assert {violation["id"] for violation in found} == {"color-contrast", "image-alt"}
    report = describe(found)
    assert "color-contrast (serious)" in report and "#faint" in report
    assert "image-alt (critical)" in report and "#nameless" in report


def test_no_serious_accessibility_problems_in_spanish(
    browser: Browser, live_server, axe_source: Path
) -> None:
    """The same check on the pages a Spanish speaker uses most, each with lang="es" (which axe checks is a
    valid language) and longer words than the English (which must still fit a phone)."""
    context = new_phone_context(browser, locale="es-US")
    try:
        page = context.new_page()
        audit = Audit(page, live_server.url, axe_source, "light")
        audit.visit("home (logged out)", "/")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        audit.visit("signup", "/accounts/signup/")

        owner = make_user("owner@example.com")
        owner.profile.language = "es"
        owner.profile.save()
        sign_in_context(context, live_server.url, owner)
        case = a_case_with_some_data(owner)
        scripts = f"/cases/{case.code}/scripts"
        records = f"/cases/{case.code}/records"
        request_id = case.records_requests.get().pk
        audit.visit("my cases", "/cases/")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        audit.visit("case overview", case.get_absolute_url())
        audit.visit("checklist", f"/cases/{case.code}/checklist/")
        audit.visit("approach chooser", f"{scripts}/approach/")
        audit.visit("scripts", f"{scripts}/")
        audit.visit("script with a conflict", f"{scripts}/second-opinion/")
        audit.visit("records rights", f"/cases/{case.code}/rights/")
        audit.visit("records request", f"{records}/requests/{request_id}/")
        audit.visit("escalation letter", f"{records}/requests/{request_id}/letters/escalation/")
        audit.visit("packet", f"{records}/packet/")
        audit.visit("people", f"/cases/{case.code}/people/")
        audit.visit("visit", f"/cases/{case.code}/visit/")
        audit.visit("opinion", f"/cases/{case.code}/opinion/")
        audit.visit("settings", "/account/settings/")
        audit.visit("reminders", "/reminders/")

        assert len(audit.checked) == 17
        audit.assert_clean()
    finally:
        context.close()
