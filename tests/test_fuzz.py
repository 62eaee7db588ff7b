"""Property-based fuzzing of every POST endpoint, found by walking the URL configuration: hostile and random
input, as the owner, as a plain form post and as htmx. For every request:

- never a server error;
- never an unescaped echo of an HTML payload in an HTML answer (nor on the page a redirect leads to);
- a refused submission (a 4xx, an answer marked `X-Secondop-Outcome: refused`, or a redirect that only
  carries an error message) changes nothing in the case;
- nothing in another person's case ever changes, and nothing of it ever shows in an answer.

The inputs that found bugs are also sent on their own every run (FOUND), and markup saved through every
form is looked for, unescaped, on every page (test_saved_markup_is_shown_escaped_on_every_page).

Each example runs in a savepoint that is rolled back, so every example starts from the same world.
`HYPOTHESIS_PROFILE=deep` runs many more examples; the default profile is quick and derandomized.
"""

import json
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from unittest import mock
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from secondop import health
from secondop.authorizations.forms import AuthorizationForm
from secondop.cases.models import Case, Membership, Role
from secondop.cases.planning_forms import InsuranceForm
from secondop.opinions.forms import OpinionForm
from secondop.records.forms import RecordsRequestForm
from secondop.visits.forms import ItemForm, VisitForm
from tests.conftest import PASSWORD, make_user
from tests.fuzzing import (
    BYSTANDER_SECRETS,
    CONTENT_TYPES,
    MARKERS,
    NASTY,
    RAW_BODIES,
    Post,
    World,
    browser_keys,
    build_world,
    form_data,
    json_values,
    our_routes,
    push_subscription_json,
    route_params,
    scalar,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
settings.register_profile(
    "deep",
    parent=settings.get_profile("ci"),
    max_examples=500,
    derandomize=False,
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

ROUTES = {pattern.name: route for route, pattern in our_routes() if pattern.name}

# Every POST endpoint and the form fields it reads. A new POST endpoint fails
# test_every_post_endpoint_is_fuzzed until it is added here.
FORM_FIELDS: dict[str, list[str]] = {
    # Cases
    "case_list": ["invitation"],  # Join: an invitation waiting for one of the person's addresses
    "case_new": ["patient_name", "concern"],
    "case_edit": ["patient_name", "concern"],
    "case_archive": [],
    "case_unarchive": [],
    "checklist": ["title"],
    "checklist_toggle": ["next"],
    "checklist_delete": [],
    # Planning
    "records_rights": ["rights_state", "rights_notes"],
    "questions": ["text"],
    "question_edit": ["text"],
    "question_move": ["direction"],
    "question_answer": ["answered", "answer_note"],
    "question_delete": [],
    "insurance": list(InsuranceForm.Meta.fields),
    # People and teams
    "people": ["email", "role"],
    "invitation_cancel": [],
    "member_role": ["role"],
    "member_remove": [],
    "member_make_owner": [],
    "case_leave": [],
    "team_share": ["team", "role"],
    "team_unshare": [],
    "teams": ["name"],
    "team_detail": ["action", "email", "role", "member"],
    "team_member_remove": [],
    "team_invitation_cancel": [],
    "team_leave": [],
    "invitation": [],
    # Scripts
    "approach": [
        "approach",
        "provider_response",
        "felt_dismissed",
        "met_tension",
        "wants_to_return",
        "referral_needed",
    ],
    "script_facts": [
        "patient_name",
        "concern",
        "current_name",
        "current_practice",
        "second_name",
        "second_practice",
        "second_address",
        "second_fax",
        "records_wanted",
        "next",
    ],
    "draft_save": ["text", "version"],
    "draft_restore": [],
    "draft_resolve": ["keep"],
    "draft_language": ["language", "version", "replace"],
    "draft_use": ["used_on", "channel", "provider_said"],
    # Records
    "provider_new": [
        "role",
        "name",
        "practice",
        "specialty",
        "phone",
        "fax",
        "address",
        "email",
        "portal_url",
        "next",
    ],
    "provider_edit": [
        "role",
        "name",
        "practice",
        "specialty",
        "phone",
        "fax",
        "address",
        "email",
        "portal_url",
    ],
    "provider_delete": [],
    "request_new": list(RecordsRequestForm.Meta.fields),
    "request_edit": ["requested_on", *RecordsRequestForm.Meta.fields],
    "request_move": ["to_status", "on", "extension_notice_on", "note"],
    "contact_quick_add": ["what"],
    "letter_save": ["text", "version"],
    "letter_restore": [],
    "letter_resolve": ["keep"],
    "letter_language": ["language", "version", "replace"],
    "contact_new": ["happened_at", "channel", "with_whom", "request", "asked", "answered"],
    "contact_edit": ["happened_at", "channel", "with_whom", "request", "asked", "answered"],
    "contact_delete": [],
    # The visit and the opinion
    "visit": list(VisitForm.Meta.fields),
    "bring_tick": ["key", "done"],
    "item_new": list(ItemForm.Meta.fields),
    "item_progress": ["status", "on", "carrier", "tracking_number"],
    "opinion": list(OpinionForm.Meta.fields),
    # Authorizations
    "authorization_new": list(AuthorizationForm.Meta.fields),
    "authorization_edit": list(AuthorizationForm.Meta.fields),
    "authorization_sign": ["signed_on"],
    "authorization_revoke": ["revoked_on"],
    # Account and reminders
    "profile_settings": ["display_name", "language", "time_zone", "quiet_hours_start", "quiet_hours_end"],
    "set_language": ["language", "next"],
    "browser_time_zone": ["time_zone"],
    "delete_account": [],
    "reminder_settings": ["form", "push_reminders", "email_reminders", "case-{code}", "case-{other_code}"],
    "push_unsubscribe": [],
    "push_forget": ["endpoint"],
    "inbox_read_all": [],
    "reminder_action": [],
}
# Endpoints whose body is JSON.
JSON_ENDPOINTS = {"push_subscribe"}
# Pages that answer a POST as they answer a GET, reading nothing from it: a few examples are enough.
IGNORES_BODY = {"home", "disclaimer", "health", "serviceworker", "pwa_csrf"}

FUZZED = sorted(FORM_FIELDS) + sorted(JSON_ENDPOINTS) + sorted(IGNORES_BODY)


@pytest.fixture(scope="module")
def built_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The world, built once for the module inside a transaction that is rolled back at its end. Each test
    runs in a savepoint within it (the `db` fixture), and each example in a savepoint within that."""
    with django_db_blocker.unblock(), transaction.atomic():
        owner = make_user("owner@example.com")
        case = Case.open_for(owner, patient_name="Alex Rivera", concern="the knee surgery")
        Membership.objects.create(case=case, user=make_user("advocate@example.com"), role=Role.ADVOCATE)
        Membership.objects.create(case=case, user=make_user("viewer@example.com"), role=Role.VIEWER)
        world = build_world(owner, case)
        # The strongest role there is: the owner, who also just typed their password again (so what asks
        # for it, like deleting the account, runs rather than redirecting). One client for every test: a
        # new one loads the middleware again, and WhiteNoise's scans every static file.
        client = Client()
        client.force_login(owner)
        reauthenticated = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        assert reauthenticated.status_code == 302
        world.session_key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        world.client = client
        # The health page's Celery ping waits 1.5 s for a worker the unit tests do not start.
        with mock.patch.object(health, "check_worker", lambda: health.Check("worker", True, "fuzzing")):
            yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(built_world: World, db: None) -> World:
    return built_world


def owner_client(world: World) -> Client:
    """The owner's client, on the session the `world` fixture signed in. The session row comes back with
    each example's rollback even when the example logged out; the cookie is put back here."""
    world.client.cookies.clear()
    world.client.cookies[django_settings.SESSION_COOKIE_NAME] = world.session_key
    return world.client


def fields_of(world: World, name: str) -> list[str]:
    return [
        field.format(code=world.case.code, other_code=world.other_case.code)
        for field in FORM_FIELDS.get(name, [])
    ]


@st.composite
def posts(draw: st.DrawFn, world: World, name: str) -> Post:
    headers: dict[str, str] = {}
    if draw(st.booleans()):
        headers["HX-Request"] = "true"
        if draw(st.booleans()):
            headers["HX-Target"] = draw(
                st.sampled_from(["main", "autosave-status", "<script>fuzz(1)</script>"])
            )
    client_id = draw(
        st.one_of(st.none(), st.none(), st.uuids().map(str), st.sampled_from(["x", "{}", "\x00"]))
    )
    if client_id is not None:
        headers["X-Client-Id"] = client_id
    if name in JSON_ENDPOINTS:
        encoding = draw(st.sampled_from(["json"] * 4 + ["raw"] * 2 + ["multipart", "urlencoded"]))
    else:
        encoding = draw(
            st.sampled_from(
                [
                    "multipart",
                    "multipart",
                    "urlencoded",
                    "urlencoded",
                    "bad bytes",
                    "bad bytes",
                    "json",
                    "raw",
                ]
            )
        )
    form = draw(form_data(world, name, fields_of(world, name)))
    if encoding == "multipart":
        return Post(form, None, headers)
    if encoding == "urlencoded":
        return Post(urlencode(form, doseq=True).encode(), "application/x-www-form-urlencoded", headers)
    if encoding == "bad bytes":
        # Bytes that are not UTF-8 (a lone surrogate, 0xFF) and a NUL, percent-encoded in every field; or
        # a form in a charset Django refuses to read (a 400 from wherever request.POST is first read).
        spoiled = "&".join(f"{quote(name)}=%ED%A0%80%FF%00%C0%AF" for name in form)
        charset = draw(st.sampled_from(["", "; charset=utf-16"]))
        return Post(spoiled.encode(), "application/x-www-form-urlencoded" + charset, headers)
    if encoding == "json":
        value = draw(
            push_subscription_json() if name in JSON_ENDPOINTS else st.one_of(st.just(form), json_values)
        )
        body = json.dumps(value).encode() if draw(st.integers(0, 9)) else json.dumps(value)[:-1].encode()
        json_type = ["application/json"] * 4 if name in JSON_ENDPOINTS else ["application/json"]
        content_type = draw(
            st.sampled_from([*json_type, "application/json; charset=utf-8", "text/plain", ""])
        )
        return Post(body, content_type, headers)
    content_types = ["application/json"] * len(CONTENT_TYPES) if name in JSON_ENDPOINTS else []
    content_type = draw(st.sampled_from([*content_types, *CONTENT_TYPES]))
    return Post(draw(st.sampled_from(RAW_BODIES)), content_type, headers)


def send(client: Client, url: str, post: Post) -> "TestResponse":
    if isinstance(post.body, dict):
        return client.post(url, post.body, headers=post.headers)
    return client.generic("POST", url, post.body, content_type=post.content_type or "", headers=post.headers)


def is_html(response: "TestResponse") -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def assert_safe_answer(response: "TestResponse", what: str) -> None:
    """No server error, no unescaped echo of an HTML payload, nothing of the bystander's case."""
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if response.streaming:
        return
    text = response.content.decode(errors="replace")
    for secret in BYSTANDER_SECRETS:
        assert secret not in text, f"{what}: shows {secret!r}, from another person's case"
    if is_html(response):
        for marker in MARKERS:
            assert marker not in text, f"{what}: unescaped echo of {marker!r}"


def refused(response: "TestResponse") -> bool:
    """Whether the app refused the submission: it says so, or it redirects with only an error message."""
    if response.status_code >= 400 or response.get("X-Secondop-Outcome") == "refused":
        return True
    if 300 <= response.status_code < 400:
        queued = getattr(get_messages(response.wsgi_request), "_queued_messages", [])
        levels = {message.level for message in queued}
        # An edit that met a newer save keeps both texts: told with an error message, but not refused.
        conflict = any("Both versions are kept" in str(message) for message in queued)
        return messages.ERROR in levels and messages.SUCCESS not in levels and not conflict
    return False


def check_one(
    world: World, client: Client, url: str, post: Post, before: list[object], bystander: list[object]
) -> "TestResponse":
    response = send(client, url, post)
    what = f"POST {url[:200]} ({post.content_type}, {post.headers})"
    assert_safe_answer(response, what)
    if 400 <= response.status_code < 500:
        assert response.content, f"{what}: a {response.status_code} without a word to say why"
    if refused(response):
        assert world.snapshot() == before, f"{what}: refused ({response.status_code}), but the case changed"
    assert world.bystander_snapshot() == bystander, f"{what}: another person's case changed"
    location = response.get("Location", "")
    if (
        300 <= response.status_code < 400
        and location.startswith("/")
        and not location.startswith("/accounts/")
    ):
        # The page the redirect leads to shows what was saved, and the messages about it.
        htmx = {name: value for name, value in post.headers.items() if name.startswith("HX")}
        page = client.get(urlsplit(location).path, headers=htmx)
        assert_safe_answer(page, f"GET {location} after {what}")
    return response


def prefer_first(values: list[Any]) -> st.SearchStrategy[Any]:
    """Mostly the owner's own value, so that most examples reach the form; sometimes any of them (the
    bystander's, nobody's, a malformed one)."""
    return st.sampled_from([values[0]] * (3 * len(values)) + values)


def fuzz(world: World, name: str, data: st.DataObject) -> None:
    choose: Callable[[list[Any]], Any] = lambda values: data.draw(prefer_first(values))  # noqa: E731
    url = world.url(name, ROUTES[name], choose)
    post = data.draw(posts(world, name))
    client = owner_client(world)
    with transaction.atomic():
        response = check_one(world, client, url, post, world.before, world.bystander_before)
        transaction.set_rollback(True)
    # What the examples met, for --hypothesis-show-statistics.
    event(f"{response.status_code} {response.get('X-Secondop-Outcome', '-')}")


def test_every_post_endpoint_is_fuzzed(world: World) -> None:
    """Walks every URL of ours and posts to it as the owner: whatever does not answer 405 is a POST
    endpoint, and the fuzzer must drive it."""
    answers_post = set()
    for name, route in ROUTES.items():
        url = world.url(name, route, lambda values: values[0])
        with transaction.atomic():
            if owner_client(world).post(url).status_code != 405:
                answers_post.add(name)
            transaction.set_rollback(True)
    assert answers_post - set(FUZZED) == set(), "new POST endpoints: add them to FORM_FIELDS in this file"
    assert set(FUZZED) - answers_post == set(), "these no longer take a POST: remove them here"


@pytest.mark.parametrize("name", sorted(FORM_FIELDS) + sorted(JSON_ENDPOINTS))
@settings(settings.get_profile(PROFILE))
@given(data=st.data())
def test_hostile_input_changes_nothing_and_never_breaks(name: str, world: World, data: st.DataObject) -> None:
    fuzz(world, name, data)


@pytest.mark.parametrize("name", sorted(IGNORES_BODY))
@settings(settings.get_profile(PROFILE), max_examples=5)
@given(data=st.data())
def test_pages_that_ignore_a_post_body_ignore_a_hostile_one(
    name: str, world: World, data: st.DataObject
) -> None:
    fuzz(world, name, data)


# The inputs that found bugs, sent again every run -----------------------------------------------------


def url_with(world: World, name: str, **chosen: object) -> str:
    """The URL of `name` with the owner's own values, except those `chosen`."""
    params = route_params(ROUTES[name])
    return reverse(
        name, kwargs={param: chosen.get(param, world.values_for(name, param)[0]) for param in params}
    )


def subscription(endpoint: str) -> bytes:
    return json.dumps({"endpoint": endpoint, "keys": browser_keys(seed=7)}).encode()


HTMX = {"HX-Request": "true"}
CLIENT_ID = {"X-Client-Id": "00000000-0000-4000-8000-000000000001"}
FOUND: dict[str, tuple[str, dict[str, object], Post]] = {
    # The middleware reads a form body for its client id; the view then had no raw body left to read.
    "a form posted to the JSON endpoint": ("push_subscribe", {}, Post({"endpoint": "x"}, None, {})),
    "JSON nested 100,000 deep": ("push_subscribe", {}, Post(b"[" * 100_000, "application/json", {})),
    "a lone surrogate, escaped in JSON": (
        "push_subscribe",
        {},
        Post(subscription("https://push.example.com/\ud800"), "application/json", {}),
    ),
    "a bracketed host that is no IP address": (
        "push_subscribe",
        {},
        Post(subscription("https://[not-an-ip]/push"), "application/json", {}),
    ),
    "a team id too big for the database (leave)": ("team_leave", {"team_id": 2**63}, Post({}, None, {})),
    "a team id too big for the database (page)": ("team_detail", {"team_id": 10**30}, Post({}, None, {})),
    "a team id too big for the database (remove)": (
        "team_member_remove",
        {"team_id": 2**63},
        Post({}, None, {}),
    ),
    # The view signs the person out; the middleware then stored its answer for nobody.
    "deleting the account with a client id": ("delete_account", {}, Post({}, None, CLIENT_ID)),
    # Both changed something while answering like a refusal.
    "removing a device with htmx": ("push_unsubscribe", {}, Post({}, None, HTMX)),
    "the browser's time zone": ("browser_time_zone", {}, Post({"time_zone": "Europe/London"}, None, {})),
    # The body was read (and refused: not UTF-8) only after the item was ticked.
    "a form in UTF-16, after the tick": (
        "checklist_toggle",
        {},
        Post(b"next=overview", "application/x-www-form-urlencoded; charset=utf-16", CLIENT_ID),
    ),
}


@pytest.mark.parametrize("found", list(FOUND))
def test_the_inputs_that_found_bugs_are_handled(found: str, world: World) -> None:
    name, chosen, post = FOUND[found]
    with transaction.atomic():
        check_one(
            world,
            owner_client(world),
            url_with(world, name, **chosen),
            post,
            world.before,
            world.bystander_before,
        )
        transaction.set_rollback(True)


# What is saved comes back escaped everywhere it is shown ---------------------------------------------

STORED = MARKERS[0] + MARKERS[3]  # a <script>, and a quote that would end an attribute


def test_saved_markup_is_shown_escaped_on_every_page(world: World) -> None:
    """Markup saved through the real forms, into every text field a person can fill in, then every page of
    ours opened (as the owner, as a plain request and as htmx): never a raw <script> or a broken attribute."""
    client = owner_client(world)
    case = world.case
    code = case.code
    requests_ = list(case.records_requests.order_by("pk"))
    writes: list[tuple[str, dict[str, object]]] = [
        (reverse("case_edit", args=[code]), {"patient_name": STORED, "concern": STORED}),
        (reverse("checklist", args=[code]), {"title": STORED}),
        (reverse("questions", args=[code]), {"text": STORED}),
        (
            reverse("question_answer", args=[code, case.questions.first().pk]),  # type: ignore[union-attr]
            {"answered": "1", "answer_note": STORED},
        ),
        (
            reverse("records_rights", args=[code]),
            {"rights_state": "Ohio", "rights_notes": STORED},
        ),  # a state is chosen
        (
            reverse("insurance", args=[code]),
            {
                "plan_name": STORED,
                "phone_called": STORED[:40],
                "reference_numbers": STORED,
                "spoke_with": STORED,
                "notes": STORED,
                "referral_required": "yes",
                "preauth_required": "no",
            },
        ),
        (
            reverse("contact_new", args=[code]),
            {
                "happened_at": "2025-01-02T10:00",
                "channel": "phone",
                "with_whom": STORED,
                "request": str(requests_[0].pk),
                "asked": STORED,
                "answered": STORED,
            },
        ),
        (
            reverse("request_move", args=[code, requests_[0].pk]),
            {"to_status": "requested", "on": "2025-01-02", "note": STORED},
        ),
        (
            reverse("script_facts", args=[code]),
            {
                "patient_name": STORED,
                "concern": STORED,
                "current_name": STORED,
                "current_practice": STORED,
                "second_name": STORED,
                "second_practice": STORED,
                "second_address": STORED,
                "second_fax": STORED[:40],
                "records_wanted": ["complete"],
            },
        ),
        (
            reverse("draft_use", args=[code, "pushback"]),
            {"used_on": "2025-01-02", "channel": "phone", "provider_said": STORED},
        ),
        (reverse("teams"), {"name": STORED}),
        (
            reverse("profile_settings"),
            {
                "display_name": STORED,
                "time_zone": "Europe/London",
                "quiet_hours_start": "21:00",
                "quiet_hours_end": "08:00",
            },
        ),
    ]
    for provider in case.providers.all():
        texts = dict.fromkeys(["name", "practice", "specialty", "address"], STORED)
        numbers = dict.fromkeys(["phone", "fax"], STORED[:40])
        writes.append(
            (reverse("provider_edit", args=[code, provider.pk]), {"role": provider.role, **texts, **numbers})
        )
    for draft in case.drafts.all():
        writes.append(
            (reverse("draft_save", args=[code, draft.kind]), {"text": STORED, "version": str(draft.version)})
        )
    for records_request in requests_:
        for letter in records_request.letters.all():
            url = reverse("letter_save", args=[code, records_request.pk, letter.kind])
            writes.append((url, {"text": STORED, "version": str(letter.version)}))
    for url, data in writes:
        response = client.post(url, data)
        assert response.status_code == 302, f"{url} did not save: {response.status_code}"

    shown = 0
    for name, route in ROUTES.items():
        if name in IGNORES_BODY:
            continue
        url = world.url(name, route, lambda values: values[0])
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert_safe_answer(response, f"GET {url} {headers}")
            shown += STORED[:20] in response.content.decode(errors="replace")
    assert shown, "no page showed what was saved: the check above checked nothing"


# What pages read from their query strings, and a few names no page reads.
QUERY_NAMES = ["page", "before", "request", "show", "q", "next", "kind", "letter", "step", "part", "x"]
PAGES = sorted(ROUTES)


@settings(settings.get_profile(PROFILE), max_examples=150)
@given(data=st.data())
def test_every_page_takes_any_query_string(world: World, data: st.DataObject) -> None:
    """Paging, filters and searches read the query string: whatever it holds, the page answers (a page,
    a redirect or a 4xx), never a server error, and never echoes markup unescaped."""
    client = owner_client(world)
    name = data.draw(st.sampled_from(PAGES), label="page")
    url = world.url(name, ROUTES[name], lambda values: values[0])
    params = data.draw(
        st.dictionaries(
            st.sampled_from(QUERY_NAMES), st.one_of(scalar, st.lists(scalar, max_size=3)), max_size=3
        ),
        label="query",
    )
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(url, params, headers=headers)
        assert_safe_answer(response, f"GET {url} {params} {headers}")


@pytest.mark.parametrize("name", ["timeline", "case_list", "contact_new", "request_detail", "inbox"])
def test_pages_that_read_numbers_from_the_query_string_take_every_nasty_value(
    world: World, name: str
) -> None:
    client = owner_client(world)
    url = world.url(name, ROUTES[name], lambda values: values[0])
    for key in ("page", "before", "after", "request", "show", "q"):
        for value in NASTY:
            response = client.get(url, {key: value})
            assert_safe_answer(response, f"GET {url} {key}={value!r}")
