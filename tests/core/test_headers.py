"""Every page, logged out and logged in as a case's owner, carries the security headers: a Content
Security Policy with nothing inline allowed, a Permissions-Policy, Referrer-Policy, nosniff and
X-Frame-Options. Pages are found by walking the URL configuration, so a new one is covered the day it is
added, and the HTML itself has nothing inline that the policy would block. (tests/e2e/test_csp.py has
Chromium confirm it while the scripts run.)"""

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from secondop.accounts.models import User
from secondop.authorizations.models import Authorization
from secondop.cases import sharing, teams
from secondop.cases.models import Case, Question, TeamRole
from secondop.records.models import ContactEntry, Provider, RecordsRequest
from secondop.records.progress import move
from secondop.reminders.models import Notification, PushSubscription
from secondop.visits.models import PhysicalItem
from tests.conftest import PASSWORD, client_for

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],  # plus this response's nonce, when the page has one
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'"],
    "manifest-src": ["'self'"],
    "frame-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "object-src": ["'none'"],
}
FEATURES_OFF = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "midi"]
FEATURES_FOR_THIS_SITE = ["clipboard-write", "screen-wake-lock"]


# The walk -------------------------------------------------------------------------------------------------


def walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # its own pages; the login page is visited below
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


ROUTES = [(route, pattern) for route, pattern in walk(get_resolver().url_patterns) if pattern.name]
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")
# Not in the URL configuration's walk, and pages all the same.
EXTRA_PATHS = ["/admin/login/", "/no-such-page/"]


def parameters(route: str) -> list[str]:
    return [a or b for a, b in PARAMETER.findall(route)]


def sample_values(case: Case, owner: User) -> dict[str, object]:
    """Real objects of the owner's case (so the owner sees real pages), and made-up tokens and keys."""
    question = Question.objects.create(case=case, text="What are my other options?")
    holder = Provider.objects.create(case=case, role="current", name="Dr. Chen")
    records_request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    today = timezone.localdate()
    move(records_request, "requested", today, today=today, user=owner)
    contact = ContactEntry.objects.create(
        case=case, request=records_request, channel="phone", happened_at=timezone.now()
    )
    invitation, _ = sharing.invite(case, owner, "invited@example.com", "viewer")
    team = teams.start_team("Practice", owner)
    advocate = case.memberships.get(role="advocate")
    teams.add_member(team, advocate.user, TeamRole.MEMBER)
    share = sharing.share_with_team(case, team, "viewer", owner)
    subscription = PushSubscription.objects.create(
        user=owner, endpoint="https://push.example.net/1", p256dh="x", auth="y"
    )
    notification = Notification.objects.create(
        user=owner, case=case, title="Follow up", body="A week has passed.", url=case.get_absolute_url()
    )
    checklist_item = case.checklist.first()
    assert checklist_item is not None
    thing = PhysicalItem.objects.create(
        case=case, kind="imaging_disc", holder="City Imaging", recipient="Dr. B"
    )
    authorization = Authorization.objects.create(
        case=case, recipient=owner, recipient_name="Alex Rivera", recipient_email=owner.email, provider=holder
    )
    return {
        "code": case.code,
        "item_id": checklist_item.pk,
        "question_id": question.pk,
        "kind": "pushback",
        "provider_id": holder.pk,
        "request_id": records_request.pk,
        "contact_id": contact.pk,
        "letter": "request-letter",
        "invitation_id": invitation.pk,
        "member_id": advocate.pk,
        "share_id": share.pk,
        "team_id": team.pk,
        "subscription_id": subscription.pk,
        "notification_id": notification.pk,
        "thing_id": thing.pk,
        "lang": "es",
        "authorization_id": authorization.pk,
        "token": "not-a-real-token",
        "action": "done",
        "key": "not-a-real-key",
        "uidb36": "1",
    }


def every_path(case: Case, owner: User) -> list[str]:
    values = sample_values(case, owner)
    paths = []
    for route, pattern in ROUTES:
        names = parameters(route)
        unknown = set(names) - set(values)
        assert not unknown, f"{route}: add sample values for {unknown} to this walk"
        paths.append(reverse(pattern.name or "", kwargs={name: values[name] for name in names}))
    return sorted(set(paths)) + EXTRA_PATHS


# The checks -----------------------------------------------------------------------------------------------


def policy(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def nonce_of(response: Any) -> str | None:
    """The nonce the response's policy allows, if the page asked for one."""
    for value in policy(response["Content-Security-Policy"])["script-src"]:
        if value.startswith("'nonce-"):
            return value.removeprefix("'nonce-").removesuffix("'")
    return None


def header_problems(response: Any) -> list[str]:
    problems = []
    csp = response.get("Content-Security-Policy")
    if not csp:
        return ["no Content-Security-Policy"]
    directives = policy(csp)
    script_src = [value for value in directives.get("script-src", []) if not value.startswith("'nonce-")]
    if {**directives, "script-src": script_src} != EXPECTED_CSP:
        problems.append(f"Content-Security-Policy is {csp!r}")
    if "unsafe" in csp:
        problems.append("the policy allows something unsafe")
    features = dict(
        item.strip().split("=", 1) for item in response.get("Permissions-Policy", "").split(",") if item
    )
    for feature in FEATURES_OFF:
        if features.get(feature) != "()":
            problems.append(f"Permissions-Policy: {feature} is {features.get(feature)!r}, not ()")
    for feature in FEATURES_FOR_THIS_SITE:
        if features.get(feature) != "(self)":
            problems.append(f"Permissions-Policy: {feature} is {features.get(feature)!r}, not (self)")
    expected = {
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
    }
    for name, value in expected.items():
        if response.get(name) != value:
            problems.append(f"{name} is {response.get(name)!r}")
    return problems


class InlineFinder(HTMLParser):
    """What in a page the policy would block: inline scripts and styles, style and on… attributes."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__()
        self.nonce = nonce
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script":
            data_only = attributes.get("type") in ("application/json", "application/ld+json")
            if not attributes.get("src") and not data_only and attributes.get("nonce") != self.nonce:
                self.found.append("<script> without a src or this response's nonce")
            if attributes.get("nonce") and attributes.get("nonce") != self.nonce:
                self.found.append("<script> with a nonce the policy does not name")


def inline_problems(response: Any) -> list[str]:
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    finder = InlineFinder(nonce_of(response))
    finder.feed(response.content.decode())
    return finder.found


def visit_all(client: Client, paths: list[str]) -> dict[str, Any]:
    responses = {}
    for path in paths:
        responses[path] = client.get(path)
        # The same page as an htmx request, where the view answers with a part of it.
        if path.startswith("/cases/"):
            responses[f"{path} (htmx)"] = client.get(path, headers={"HX-Request": "true"})
    return responses


def report(responses: dict[str, Any], check: Any) -> str:
    lines = []
    for path, response in responses.items():
        for problem in check(response):
            lines.append(f"{path} ({response.status_code}): {problem}")
    return "\n".join(lines)


@pytest.fixture
def owner_client(case: Case, owner: User) -> Client:
    client = client_for(owner)
    # The password again, so that the pages behind it (export, deleting, two-factor) are seen too.
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    return client


def test_the_walk_finds_the_pages_people_use() -> None:
    names = {pattern.name for _, pattern in ROUTES}
    assert {
        "case_overview",
        "draft_say",
        "request_detail",
        "letter_print",
        "packet",
        "profile_settings",
        "delete_account",
        "inbox",
        "reminder_settings",
        "teams",
        "account_login",
        "mfa_activate_totp",
        "serviceworker",
        "manifest",
    } <= names


def test_every_page_carries_the_security_headers_for_the_owner_and_for_a_visitor(
    case: Case, owner: User, owner_client: Client
) -> None:
    paths = every_path(case, owner)
    seen_by_owner = visit_all(owner_client, paths)
    seen_by_visitor = visit_all(Client(), paths)

    problems = report(seen_by_owner, header_problems) + report(seen_by_visitor, header_problems)
    assert not problems, problems
    # The walk really saw the owner's pages, not only redirects to the login page.
    shown = {path for path, response in seen_by_owner.items() if response.status_code == 200}
    pages: list[tuple[str, list[object]]] = [
        ("case_overview", [case.code]),
        ("draft_say", [case.code, "pushback"]),
        ("packet", [case.code]),
        ("people", [case.code]),
        ("profile_settings", []),
        ("delete_account", []),
        ("export_json", []),
        ("inbox", []),
        ("reminder_settings", []),
        ("teams", []),
        ("mfa_activate_totp", []),
        ("serviceworker", []),
    ]
    for name, args in pages:
        assert reverse(name, args=args) in shown, name
    assert any("/letters/request-letter/print/" in path for path in shown)
    assert sum(response.status_code == 200 for response in seen_by_visitor.values()) >= 8


def test_no_page_has_anything_inline_the_policy_would_block(
    case: Case, owner: User, owner_client: Client
) -> None:
    paths = every_path(case, owner)
    responses = visit_all(owner_client, paths) | {
        f"{path} (visitor)": response for path, response in visit_all(Client(), paths).items()
    }
    problems = report(responses, inline_problems)
    assert not problems, problems


def test_htmx_is_told_not_to_add_its_own_style_or_run_code_from_attributes(db: None) -> None:
    page = Client().get(reverse("account_login")).text
    match = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    assert match, "base.html needs the htmx-config meta"
    assert json.loads(match.group(1)) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "allowScriptTags": False,
        # htmx keeps no copy of a page (patients' names, from the dashboard's search) in sessionStorage.
        "historyCacheSize": 0,
    }
    assert page.index("htmx-config") < page.index("htmx-2")  # read before htmx starts


def test_a_nonce_is_new_on_every_response(db: None) -> None:
    client = Client()
    first, second = client.get(reverse("account_login")), client.get(reverse("account_login"))
    assert nonce_of(first) and nonce_of(second) and nonce_of(first) != nonce_of(second)
    assert f'nonce="{nonce_of(first)}"' in first.text  # htmx's script tag carries it


# What the phone may keep ----------------------------------------------------------------------------------

# Account, security and export pages, and those of sharing: never kept on the phone.
NEVER_KEPT = re.compile(
    r"^/(accounts|account|settings|teams|admin|reminders|invitations|r)/|/(people|audit|packet)/|\.ics$|\.json$"
)


def cache_control(response: Any) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def caching_problems(response: Any) -> list[str]:
    directives = cache_control(response)
    if response.get("X-Secondop-Offline") == "keep":
        if (
            response.status_code != 200
            or not {"private", "no-cache"} <= directives
            or "no-store" in directives
        ):
            return [f"kept offline with Cache-Control {sorted(directives)}"]
        return []
    if "no-store" not in directives and response.get("Content-Type", "").startswith("text/html"):
        return [f"a page not kept offline without no-store: {sorted(directives)}"]
    return []


def test_only_pages_marked_safe_are_kept_on_the_phone_and_every_other_says_no_store(
    case: Case, owner: User, owner_client: Client
) -> None:
    paths = every_path(case, owner)
    seen_by_owner = visit_all(owner_client, paths)
    seen_by_visitor = visit_all(Client(), paths)
    problems = report(seen_by_owner, caching_problems) + report(seen_by_visitor, caching_problems)
    assert not problems, problems

    kept = {path for path, response in seen_by_owner.items() if response.get("X-Secondop-Offline") == "keep"}
    wrongly_kept = [path for path in kept if NEVER_KEPT.search(path)]
    assert not wrongly_kept, wrongly_kept
    # Two-factor set-up (the TOTP secret), the recovery codes, the export: no-store, never kept.
    TOTP.activate(owner, generate_totp_secret())
    RecoveryCodes.activate(owner)
    seen_by_owner[reverse("mfa_view_recovery_codes")] = owner_client.get(reverse("mfa_view_recovery_codes"))
    for name in ("mfa_activate_totp", "mfa_view_recovery_codes", "export_json", "account_email"):
        response = seen_by_owner[reverse(name)]
        assert response.status_code == 200, name
        assert "no-store" in cache_control(response) and response.get("X-Secondop-Offline") is None, name
    # The pages a person reads offline are kept, and only for them: private.
    pages: list[tuple[str, list[object]]] = [
        ("case_list", []),
        ("case_overview", [case.code]),
        ("questions", [case.code]),
        ("draft_edit", [case.code, "pushback"]),
        ("timeline", [case.code]),
        ("inbox", []),
    ]
    for name, args in pages:
        assert reverse(name, args=args) in kept, name
    # Every answer to the signed-in person is theirs alone (the service worker's script is no one's).
    shared = [path for path, response in seen_by_owner.items() if "private" not in cache_control(response)]
    assert shared == [reverse("serviceworker")], shared
