"""The reminders page, the push subscription endpoints and the in-app inbox, through the real URLs."""

import base64
import datetime
import json
import os
import re
from typing import Any

import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from secondop.accounts.models import Profile, User
from secondop.cases.models import Case, Membership
from secondop.context_processors import site
from secondop.reminders import dispatch, push
from secondop.reminders.forms import device_name
from secondop.reminders.models import Notification, PushSubscription, Reminder, ReminderKind, ReminderStatus
from tests.conftest import client_for

ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc123"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def browser_keys() -> dict[str, str]:
    """What a browser's PushSubscription.toJSON() holds: its P-256 public key and a 16-byte secret."""
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}


def subscription_json(endpoint: str = ENDPOINT, **keys: str) -> dict[str, Any]:
    return {"endpoint": endpoint, "expirationTime": None, "keys": {**browser_keys(), **keys}}


def subscribe(client: Client, body: object, user_agent: str = ANDROID_CHROME) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        reverse("push_subscribe"), data=data, content_type="application/json", HTTP_USER_AGENT=user_agent
    )


def snapshot() -> list[Any]:
    return list(PushSubscription.objects.order_by("pk").values())


@pytest.fixture
def subscription(owner: User) -> PushSubscription:
    return PushSubscription.objects.create(
        user=owner, endpoint=ENDPOINT, user_agent=IPHONE, device_name=device_name(IPHONE), **browser_keys()
    )


# Subscribing


def test_it_stores_the_browsers_subscription_with_its_keys_and_a_readable_name(owner: User) -> None:
    body = subscription_json()
    response = subscribe(client_for(owner), body)
    assert response.status_code == 201
    stored = PushSubscription.objects.get()
    assert response.json() == {"ok": True, "id": stored.pk, "device": "Chrome on Android"}
    assert (stored.user, stored.endpoint) == (owner, ENDPOINT)
    assert (stored.p256dh, stored.auth) == (body["keys"]["p256dh"], body["keys"]["auth"])
    assert stored.user_agent == ANDROID_CHROME
    assert stored.is_active


def test_sending_it_again_updates_the_same_row_and_brings_a_disabled_one_back(
    owner: User, subscription: PushSubscription
) -> None:
    PushSubscription.objects.filter(pk=subscription.pk).update(disabled_at=timezone.now(), failures=3)
    later = timezone.now() + datetime.timedelta(days=2)
    body = subscription_json()
    with time_machine.travel(later, tick=False):
        response = subscribe(client_for(owner), body, user_agent=IPHONE)
    assert response.status_code == 200
    stored = PushSubscription.objects.get()
    assert stored.pk == subscription.pk
    assert stored.is_active and stored.failures == 0
    assert stored.last_seen_at == later
    assert stored.p256dh == body["keys"]["p256dh"]


def test_padded_keys_are_stored_without_their_padding(owner: User) -> None:
    keys = browser_keys()
    padded = {"p256dh": keys["p256dh"] + "=", "auth": keys["auth"] + "=="}
    assert subscribe(client_for(owner), subscription_json(**padded)).status_code == 201
    stored = PushSubscription.objects.get()
    assert (stored.p256dh, stored.auth) == (keys["p256dh"], keys["auth"])


def test_an_endpoint_another_person_had_moves_to_whoever_is_signed_in_now(
    owner: User, stranger: User, subscription: PushSubscription
) -> None:
    response = subscribe(client_for(stranger), subscription_json())
    assert response.status_code == 200
    stored = PushSubscription.objects.get()
    assert stored.pk == subscription.pk
    assert stored.user == stranger
    assert not owner.push_subscriptions.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "not valid JSON"),
        ([], "endpoint"),
        ({"endpoint": ENDPOINT}, "no keys"),
        (subscription_json("http://push.example.com/x"), "https://"),
        (subscription_json("http://127.0.0.1:8000/push"), "https://"),
        (subscription_json("https://10.0.0.5/push"), "not a push service"),
        (subscription_json("https://localhost/push"), "not a push service"),
        (subscription_json("https://intranet/push"), "not a push service"),
        (subscription_json("javascript:alert(1)"), "https://"),
        (subscription_json("https://fcm.googleapis.com/" + "x" * 1000), "endpoint"),
        (subscription_json(auth=b64url(os.urandom(8))), "16 bytes"),
        (subscription_json(auth="not*base64!"), "16 bytes"),
        (subscription_json(p256dh=b64url(b"\x04" + os.urandom(10))), "P-256"),
        (subscription_json(p256dh=b64url(b"\x04" + b"\x01" * 64)), "curve"),
        ({"endpoint": ENDPOINT, "keys": {"p256dh": 5, "auth": None}}, "no keys"),
    ],
    ids=[
        "not json",
        "not an object",
        "no keys",
        "plain http",
        "local http outside debug",
        "an ip address",
        "localhost",
        "an intranet name",
        "not a url",
        "too long",
        "short secret",
        "secret not base64url",
        "short key",
        "key off the curve",
        "keys not strings",
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    owner: User, subscription: PushSubscription, settings: Any, body: object, message: str
) -> None:
    settings.DEBUG = False
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = False
    before = snapshot()
    response = subscribe(client_for(owner), body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["ok"] is False
    assert message in answer["message"]
    assert snapshot() == before


def test_a_local_http_endpoint_is_accepted_on_a_developers_machine(owner: User, settings: Any) -> None:
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = True  # its default under DEBUG
    assert subscribe(client_for(owner), subscription_json("http://localhost:8000/push/1")).status_code == 201


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://127.0.0.1.nip.io:6379/x",  # a name that resolves to this machine, and Redis's port
        "https://kubernetes.default.svc/api",
        "https://push.example.com/x",
        "https://fcm.googleapis.com:6379/fcm/send/abc",  # a push service's name, another port
        "https://fcm.googleapis.com.evil.example/fcm/send/abc",
        "https://evilnotify.windows.com/w/x",  # a name that ends like WNS's without being under it
        "https://user@fcm.googleapis.com/fcm/send/abc",
        # Spellings that urllib3 reads as another host than urlsplit does: 127.0.0.1, 169.254.169.254.
        "https://127.0.0.1\\.notify.windows.com/x",
        "https://169.254.169.254%2F.notify.windows.com/x",
        "https://169.254.169.254#.notify.windows.com/x",
        "http://127.0.0.1:8000/push",  # the local receiver, outside the tests and DEBUG
    ],
)
def test_in_production_only_the_browsers_push_services_are_accepted(
    owner: User, settings: Any, endpoint: str
) -> None:
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = False
    response = subscribe(client_for(owner), subscription_json(endpoint))
    assert response.status_code == 400
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://web.push.apple.com/QGk3",
        "https://wns2-par02p.notify.windows.com/w/?token=abc",
        "https://fcm.googleapis.com:443/fcm/send/abc",
    ],
)
def test_the_browsers_push_services_are_accepted(owner: User, settings: Any, endpoint: str) -> None:
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = False
    assert subscribe(client_for(owner), subscription_json(endpoint)).status_code == 201


@pytest.mark.parametrize(
    "endpoint", ["https://127.0.0.1.nip.io:6379/x", "https://127.0.0.1\\.notify.windows.com/x"]
)
def test_the_worker_never_posts_to_an_endpoint_stored_before_the_rule(endpoint: str, settings: Any) -> None:
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = False
    result = push.send(endpoint, "key", "auth", {"title": "secondop"})
    assert result.gone and not result.ok and result.error == "The push address is not a push service."


def test_subscribing_needs_a_session_and_the_csrf_header(owner: User) -> None:
    anonymous = subscribe(Client(), subscription_json())
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    html = client.get(reverse("reminder_settings")).text  # sets the CSRF cookie, as a page view does
    assert subscribe(client, subscription_json()).status_code == 403
    assert not PushSubscription.objects.exists()

    token = html.split('"X-CSRFToken": "')[1].split('"')[0]
    response = client.post(
        reverse("push_subscribe"),
        data=json.dumps(subscription_json()),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201


def test_only_post_subscribes(owner: User) -> None:
    assert client_for(owner).get(reverse("push_subscribe")).status_code == 405


# Devices


def test_the_page_lists_my_active_devices_with_a_name_and_last_seen_date(
    owner: User, stranger: User, subscription: PushSubscription
) -> None:
    PushSubscription.objects.create(
        user=owner, endpoint=ENDPOINT + "-old", device_name="Firefox on Windows", disabled_at=timezone.now()
    )
    PushSubscription.objects.create(
        user=stranger, endpoint=ENDPOINT + "-theirs", device_name="Edge on Windows"
    )
    html = client_for(owner).get(reverse("reminder_settings")).text
    assert "Safari on iPhone" in html
    assert f"Last seen {subscription.last_seen_at:%-d %B %Y}" in html
    assert "Firefox on Windows" not in html
    assert "Edge on Windows" not in html


def test_removing_my_device_stops_its_reminders(owner: User, subscription: PushSubscription) -> None:
    response = client_for(owner).post(reverse("push_unsubscribe", args=[subscription.pk]))
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert "Safari on iPhone" not in client_for(owner).get(reverse("reminder_settings")).text


def test_removing_with_htmx_answers_the_new_list(owner: User, subscription: PushSubscription) -> None:
    response = client_for(owner).post(
        reverse("push_unsubscribe", args=[subscription.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'id="push-devices"' in response.text and "<h1>" not in response.text
    assert "No devices get reminders yet" in response.text


def test_a_stranger_cannot_remove_my_device(stranger: User, subscription: PushSubscription) -> None:
    before = snapshot()
    client = client_for(stranger)
    assert client.post(reverse("push_unsubscribe", args=[subscription.pk])).status_code == 404
    assert client.get(reverse("push_unsubscribe", args=[subscription.pk])).status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (IPHONE, "Safari on iPhone"),
        (ANDROID_CHROME, "Chrome on Android"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Mobile/15E148",
            "secondop on your iPhone",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
            "Firefox on Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.4 Safari/605.1.15",
            "Safari on Mac",
        ),
        ("", "A browser"),
    ],
)
def test_a_device_gets_a_name_people_recognise(user_agent: str, name: str) -> None:
    assert device_name(user_agent) == name


# Channels and cases


def test_the_channel_choices_are_saved(owner: User) -> None:
    response = client_for(owner).post(
        reverse("reminder_settings"), {"form": "channels", "email_reminders": "always"}
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=owner)
    assert profile.push_reminders is False  # an unticked box is sent as nothing
    assert profile.email_reminders == "always"


def test_an_unknown_channel_choice_is_shown_next_to_the_field(owner: User) -> None:
    response = client_for(owner).post(
        reverse("reminder_settings"),
        {"form": "channels", "push_reminders": "on", "email_reminders": "pigeon"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert Profile.objects.get(user=owner).email_reminders == "auto"


def scheduled_for(user: User, case: Case) -> set[tuple[str, int | None]]:
    return set(
        Reminder.objects.filter(recipient=user, case=case, status=ReminderStatus.SCHEDULED).values_list(
            "kind", "checklist_item_id"
        )
    )


def cases_form(*cases: Case) -> dict[str, str]:
    return {"form": "cases", **{f"case-{case.code}": "on" for case in cases}}


def test_the_page_shows_a_checkbox_for_each_of_my_cases(owner: User, advocate: User, case: Case) -> None:
    other = Case.open_for(advocate, patient_name="Sam Lee")
    html = client_for(advocate).get(reverse("reminder_settings")).text
    assert f'name="case-{case.code}"' in html and f'name="case-{other.code}"' in html
    assert "Get reminders for Alex Rivera" in html
    owners_page = client_for(owner).get(reverse("reminder_settings")).text
    assert "Sam Lee" not in owners_page


def test_turning_a_case_on_schedules_its_reminders_for_me(advocate: User, owner: User, case: Case) -> None:
    assert scheduled_for(advocate, case) == set()
    owners_before = scheduled_for(owner, case)
    response = client_for(advocate).post(reverse("reminder_settings"), cases_form(case))
    assert response.status_code == 302
    assert Membership.objects.get(case=case, user=advocate).gets_reminders
    nudges = {(ReminderKind.CHECKLIST, item.pk) for item in case.checklist.all()}
    assert scheduled_for(advocate, case) == nudges
    assert scheduled_for(owner, case) == owners_before == nudges


def test_turning_a_case_off_cancels_my_reminders_only(owner: User, advocate: User, case: Case) -> None:
    client_for(advocate).post(reverse("reminder_settings"), cases_form(case))
    other = Case.open_for(owner, patient_name="Sam Lee")

    response = client_for(owner).post(reverse("reminder_settings"), cases_form(other))
    assert response.status_code == 302
    assert not Membership.objects.get(case=case, user=owner).gets_reminders
    assert scheduled_for(owner, case) == set()
    assert Reminder.objects.filter(recipient=owner, case=case, status=ReminderStatus.CANCELLED).count() == 5
    assert len(scheduled_for(advocate, case)) == 5
    assert len(scheduled_for(owner, other)) == 5


def test_a_case_i_am_not_in_cannot_be_switched_from_my_page(stranger: User, case: Case) -> None:
    response = client_for(stranger).post(reverse("reminder_settings"), cases_form(case))
    assert response.status_code == 302
    assert not Membership.objects.filter(case=case, user=stranger).exists()
    assert scheduled_for(stranger, case) == set()


def test_the_switch_and_its_scheduling_happen_together_or_not_at_all(
    advocate: User, case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(case: Case, user: User) -> None:
        raise RuntimeError("scheduling failed")

    monkeypatch.setattr("secondop.reminders.scheduling.schedule_for_member", broken)
    with pytest.raises(RuntimeError):
        client_for(advocate).post(reverse("reminder_settings"), cases_form(case))
    assert not Membership.objects.get(case=case, user=advocate).gets_reminders


def test_the_settings_page_links_to_reminders(owner: User) -> None:
    html = client_for(owner).get(reverse("profile_settings")).text
    assert f'href="{reverse("reminder_settings")}"' in html


# Inbox


def notify(
    user: User, body: str, *, url: str = "/cases/", minutes_ago: int = 0, read: bool = False
) -> Notification:
    created = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return Notification.objects.create(
        user=user, title="secondop", body=body, url=url, created_at=created, read_at=created if read else None
    )


def test_the_inbox_lists_my_notifications_newest_first_with_the_unread_ones_in_words(
    owner: User, stranger: User
) -> None:
    notify(owner, "A follow-up is due.", minutes_ago=60, read=True)
    notify(owner, "A records deadline is today.", minutes_ago=5)
    notify(stranger, "Someone else's reminder.")
    html = client_for(owner).get(reverse("inbox")).text
    assert html.index("A records deadline is today.") < html.index("A follow-up is due.")
    assert html.count('class="badge badge-new">New</span>') == 1
    assert "Someone else" not in html


def test_the_inbox_names_the_case_only_while_i_am_a_member(owner: User, advocate: User, case: Case) -> None:
    Notification.objects.create(
        user=advocate, case=case, title="secondop", body="A follow-up is due.", url="/"
    )
    assert "Alex Rivera" in client_for(advocate).get(reverse("inbox")).text
    Membership.objects.filter(case=case, user=advocate).delete()
    assert "Alex Rivera" not in client_for(advocate).get(reverse("inbox")).text


def test_an_empty_inbox_says_what_to_do(owner: User) -> None:
    html = client_for(owner).get(reverse("inbox")).text
    assert "Nothing here yet" in html and reverse("reminder_settings") in html


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(owner: User, case: Case) -> None:
    notification = notify(owner, "A step is waiting.", url=f"/cases/{case.code}/checklist/")
    response = client_for(owner).get(reverse("notification_open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.code}/checklist/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_a_notification_never_sends_me_off_the_site(owner: User, url: str) -> None:
    notification = notify(owner, "Odd.", url=url)
    response = client_for(owner).get(reverse("notification_open", args=[notification.pk]))
    assert response["Location"] == reverse("inbox")


def test_a_stranger_cannot_open_or_read_my_notification(owner: User, stranger: User) -> None:
    notification = notify(owner, "Mine.")
    assert client_for(stranger).get(reverse("notification_open", args=[notification.pk])).status_code == 404
    client_for(stranger).post(reverse("inbox_read_all"))
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_as_read_marks_only_mine(owner: User, stranger: User) -> None:
    mine = [notify(owner, "One."), notify(owner, "Two.")]
    theirs = notify(stranger, "Theirs.")
    response = client_for(owner).post(reverse("inbox_read_all"))
    assert response.status_code == 302 and response["Location"] == reverse("inbox")
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert client_for(owner).get(reverse("inbox_read_all")).status_code == 405


def test_the_header_shows_the_unread_count_on_every_page(owner: User) -> None:
    notify(owner, "One.")
    notify(owner, "Two.")
    notify(owner, "Three.")
    notify(owner, "Old.", read=True)
    client = client_for(owner)
    for url in ["/cases/", reverse("profile_settings"), reverse("reminder_settings")]:
        html = client.get(url).text
        assert 'aria-label="Inbox, 3 unread">Inbox <span class="inbox-count">(3)</span></a>' in html
        assert f'href="{reverse("reminder_settings")}"' in html


def test_no_count_when_everything_is_read_and_no_inbox_when_signed_out(owner: User) -> None:
    notify(owner, "Old.", read=True)
    html = client_for(owner).get("/cases/").text
    assert ">Inbox</a>" in html and "inbox-count" not in html
    assert reverse("inbox") not in Client().get("/").text


def test_the_count_is_one_query_and_none_until_shown(owner: User, django_assert_num_queries: Any) -> None:
    notify(owner, "One.")
    request = RequestFactory().get("/")
    request.user = owner
    with django_assert_num_queries(0):
        context = site(request)
    with django_assert_num_queries(1):
        assert str(context["inbox_unread"]) == "1"
        assert bool(context["inbox_unread"])
    # The next page remembers it.
    with django_assert_num_queries(0):
        assert str(site(request)["inbox_unread"]) == "1"


def test_the_remembered_count_follows_new_and_read_notifications(
    owner: User, django_capture_on_commit_callbacks: Any
) -> None:
    """Forgotten once the change commits (the test's own transaction never does: the callbacks run here
    as a commit would run them)."""
    client = client_for(owner)

    def count() -> str:
        match = re.search(r'class="inbox-count">\((\d+)\)', client.get("/cases/").text)
        return match.group(1) if match else "0"

    assert count() == "0"
    case = Case.open_for(owner, patient_name="Robin Shaw")
    nudge = Reminder.objects.filter(recipient=owner, kind=ReminderKind.CHECKLIST).order_by("due_at").first()
    assert nudge is not None
    token, claimed = dispatch.claim_due(1, now=nudge.due_at)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.deliver(claimed, token)  # a worker puts it in the inbox
    assert count() == "1"
    notification = owner.notifications.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("notification_open", args=[notification.pk]))
    assert count() == "0"
    Notification.objects.create(user=owner, case=case, title="secondop", body="Two.", url="/")
    Notification.objects.create(user=owner, case=case, title="secondop", body="Three.", url="/")
    cache.clear()  # rows written some other way show within a minute; here, at once
    assert count() == "2"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("inbox_read_all"))
    assert count() == "0"


def test_one_person_gets_pushes_on_at_most_ten_devices_the_longest_unseen_stops_first(owner: User) -> None:
    client = client_for(owner)
    start = timezone.now()
    for number in range(12):
        with time_machine.travel(start + datetime.timedelta(minutes=number), tick=False):
            assert subscribe(client, subscription_json(f"{ENDPOINT}-{number}")).status_code == 201
    active = PushSubscription.objects.filter(user=owner, disabled_at__isnull=True)
    assert active.count() == 10
    assert sorted(active.values_list("endpoint", flat=True)) == sorted(
        f"{ENDPOINT}-{n}" for n in range(2, 12)
    )
    # The first phone opens the app again: it is back, and the one seen longest ago stops instead.
    with time_machine.travel(start + datetime.timedelta(minutes=30), tick=False):
        assert subscribe(client, subscription_json(f"{ENDPOINT}-0")).status_code == 200
    assert active.count() == 10 and active.filter(endpoint=f"{ENDPOINT}-0").exists()
    assert not active.filter(endpoint=f"{ENDPOINT}-2").exists()
