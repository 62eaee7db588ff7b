"""Sessions that end when left alone, the password asked again before what cannot be taken back, and
deleting an account: exactly the person's own data goes, and everyone else's stays as it was."""

import base64
import datetime
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.middleware import SessionMiddleware
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from secondop.accounts.models import Profile, User
from secondop.cases import audit, sharing, teams
from secondop.cases.models import (
    AuditAction,
    AuditEvent,
    Case,
    ChecklistItem,
    Membership,
    Role,
    Team,
    TeamMembership,
    TeamRole,
    TeamShare,
)
from secondop.records.models import Provider, RecordsRequest, RequestEvent
from secondop.records.progress import move
from secondop.reminders.models import Notification, PushSubscription, Reminder
from secondop.security import SessionIdleMiddleware
from tests.conftest import PASSWORD, client_for, make_user

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)


def reauthenticate(client: Client, password: str = PASSWORD) -> None:
    """Types the password again, as allauth's "confirm it's you" page asks."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response.status_code


def asks_for_the_password(response: object, then: str) -> bool:
    location = getattr(response, "headers", {}).get("Location", "")
    return location.startswith(reverse("account_reauthenticate")) and f"next={then}" in location.replace(
        "%2F", "/"
    )


# Sessions ---------------------------------------------------------------------------------------------


def test_the_idle_limit_comes_from_the_environment(tmp_path: Path) -> None:
    read = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_AGE, 'secondop.security.SessionIdleMiddleware' in s.MIDDLEWARE)"
    )
    env = {**os.environ, "SECONDOP_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "secondop.settings"}
    default = subprocess.run([sys.executable, "-c", read], cwd=ROOT, env=env, capture_output=True, text=True)
    assert default.stdout.split() == [str(14 * 24 * 3600), "True"], default.stderr
    env["SESSION_IDLE_SECONDS"] = "3600"
    short = subprocess.run([sys.executable, "-c", read], cwd=ROOT, env=env, capture_output=True, text=True)
    assert short.stdout.split() == ["3600", "True"], short.stderr


def test_a_session_left_alone_longer_than_the_idle_limit_is_logged_out(owner: User) -> None:
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(NOW, tick=False) as traveller:
        client = Client()
        client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})
        last_visit = NOW + idle - datetime.timedelta(minutes=5)
        traveller.move_to(last_visit)
        assert client.get(reverse("case_list")).status_code == 200
        # Left alone for the whole idle limit after that last visit.
        traveller.move_to(last_visit + idle + datetime.timedelta(minutes=1))
        response = client.get(reverse("case_list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_session_in_use_stays_signed_in_past_the_idle_limit(owner: User) -> None:
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(NOW, tick=False) as traveller:
        client = Client()
        client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD, "remember": "on"})
        # A visit every third of the idle limit, for three times the limit: never logged out.
        for step in range(1, 10):
            traveller.move_to(NOW + step * idle / 3)
            response = client.get(reverse("case_list"))
            assert response.status_code == 200, f"logged out at step {step}"
            # "Remember me": the browser keeps the cookie as long as the server keeps the session.
            assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE


def through_the_session_middleware(session_key: str, meanwhile: Callable[[], None]) -> HttpResponse:
    """One request with this session, during which `meanwhile` happens in another request."""

    def view(request: HttpRequest) -> HttpResponse:
        assert request.session.get("_auth_user_id")
        meanwhile()
        return HttpResponse("ok")

    request = RequestFactory().get("/cases/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = session_key
    response = SessionMiddleware(SessionIdleMiddleware(view))(request)
    assert isinstance(response, HttpResponse)
    return response


def test_a_request_that_overlaps_a_log_out_neither_fails_nor_brings_the_session_back(owner: User) -> None:
    with time_machine.travel(NOW, tick=False) as traveller:
        key = client_for(owner).session.session_key
        assert key
        traveller.shift(datetime.timedelta(hours=1))
        response = through_the_session_middleware(key, lambda: SessionStore(key).delete())
    assert response.status_code == 200  # not 400 (SessionInterrupted), as with SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.filter(session_key=key).exists()


def test_a_request_that_overlaps_a_change_to_the_session_does_not_write_old_data_back(owner: User) -> None:
    def reauthenticated_elsewhere() -> None:
        other = SessionStore(key)
        other["changed"] = "by the other request"
        other.save()

    with time_machine.travel(NOW, tick=False) as traveller:
        key = client_for(owner).session.session_key
        assert key
        traveller.shift(datetime.timedelta(hours=1))
        response = through_the_session_middleware(key, reauthenticated_elsewhere)
        assert response.status_code == 200
        assert SessionStore(key)["changed"] == "by the other request"
        idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        assert Session.objects.get(session_key=key).expire_date == NOW + datetime.timedelta(hours=1) + idle


# The password again -----------------------------------------------------------------------------------


def test_exporting_all_data_asks_for_the_password_first(case: Case, owner: User) -> None:
    client = client_for(owner)
    url = reverse("export_json")
    response = client.get(url)
    assert asks_for_the_password(response, url)
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()

    # A wrong password unlocks nothing.
    response = client.post(response["Location"], {"password": "not my password"})
    assert response.status_code == 200
    assert asks_for_the_password(client.get(url), url)

    response = client.post(client.get(url)["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == url  # back to the download
    response = client.get(url)
    assert response.status_code == 200
    assert json.loads(response.content)["account"]["email"] == owner.email


def test_the_password_is_asked_again_once_a_few_minutes_have_passed(owner: User) -> None:
    url = reverse("export_json")
    with time_machine.travel(NOW, tick=False) as traveller:
        client = client_for(owner)
        reauthenticate(client)
        assert client.get(url).status_code == 200
        traveller.shift(datetime.timedelta(minutes=6))
        assert asks_for_the_password(client.get(url), url)


def test_deleting_the_account_asks_for_the_password_first(case: Case, owner: User) -> None:
    client = client_for(owner)
    url = reverse("delete_account")
    assert asks_for_the_password(client.get(url), url)
    assert asks_for_the_password(client.post(url), url)
    assert User.objects.filter(pk=owner.pk).exists()
    assert Case.objects.filter(pk=case.pk).exists()


def test_a_visitor_is_sent_to_log_in_not_to_the_password_page(db: None) -> None:
    for url in (reverse("delete_account"), reverse("export_json")):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_turning_off_two_factor_asks_for_the_password_first(owner: User) -> None:
    TOTP.activate(owner, generate_totp_secret())
    client = client_for(owner)
    url = reverse("mfa_deactivate_totp")
    for response in (client.get(url), client.post(url)):
        assert asks_for_the_password(response, url)
    assert Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()

    reauthenticate(client)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert not Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()


# Deleting the account ---------------------------------------------------------------------------------


def deleting_client(user: User) -> Client:
    client = client_for(user)
    reauthenticate(client)
    return client


def open_request(case: Case, user: User) -> RecordsRequest:
    holder = Provider.objects.create(case=case, role="current", name="Dr. Chen")
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    move(request, "requested", NOW.date(), today=NOW.date(), user=user)
    return request


def subscribe(user: User, endpoint: str) -> PushSubscription:
    """Turns on reminders for a device, with keys like a browser's."""
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    keys = {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}
    response = client_for(user).post(
        reverse("push_subscribe"),
        json.dumps({"endpoint": endpoint, "keys": keys}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return PushSubscription.objects.get(endpoint=endpoint)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def others_snapshot(case: Case) -> dict[str, object]:
    """Everything about a case that is not the leaving person's to take away."""
    case.refresh_from_db()
    return {
        "case": Case.objects.values().get(pk=case.pk),
        "checklist": list(case.checklist.values("pk", "title", "done_at")),
        "requests": list(case.records_requests.values("pk", "status", "requested_on")),
        "events": list(RequestEvent.objects.filter(request__case=case).values("pk", "to_status", "on")),
        "audit": list(case.audit_events.values("pk", "actor_email", "action", "detail", "at")),
        "shares": list(case.team_shares.values("pk", "team_id", "role")),
    }


@time_machine.travel(NOW, tick=False)
def test_deleting_the_account_removes_exactly_the_persons_own_data(
    case: Case, owner: User, advocate: User, viewer: User
) -> None:
    # The owner's case is shared (the `case` fixture: an advocate and a viewer), has an open records
    # request with reminders for the owner and the advocate, and an inbox entry for each.
    Membership.objects.filter(case=case, user=advocate).update(gets_reminders=True)
    own_request = open_request(case, owner)
    # The owner also helps with someone else's case, and did things there.
    other_owner = make_user("other.owner@example.com")
    theirs = Case.open_for(other_owner, patient_name="Sam Jones", concern="a heart valve")
    sharing.accept(sharing.invite(theirs, other_owner, owner.email, Role.ADVOCATE)[0], owner)
    Membership.objects.filter(case=theirs, user=owner).update(gets_reminders=True)
    their_request = open_request(theirs, other_owner)
    audit.record(theirs, owner, AuditAction.CHANGED, "the questions")
    item = theirs.checklist.first()
    assert item is not None
    ChecklistItem.objects.filter(pk=item.pk).update(done_at=NOW, done_by=owner)
    # A team the owner runs with the advocate, and one the owner is alone in; the other owner's case is
    # shared with the first.
    practice = teams.start_team("Rivera Advocacy", owner)
    teams.add_member(practice, advocate, TeamRole.MEMBER)
    solo = teams.start_team("Just me", owner)
    TeamMembership.objects.create(team=practice, user=other_owner, role=TeamRole.MEMBER)
    sharing.share_with_team(theirs, practice, Role.VIEWER, other_owner)
    # Devices and the inbox.
    subscribe(owner, "https://fcm.googleapis.com/fcm/send/owner-phone")
    subscribe(advocate, "https://fcm.googleapis.com/fcm/send/advocate-phone")
    for user in (owner, advocate, other_owner):
        Notification.objects.create(user=user, case=theirs, title="Hi", body="A reminder", url="/inbox/")
    theirs_before = others_snapshot(theirs)
    advocate_reminders_elsewhere = set(
        Reminder.objects.filter(recipient=advocate).exclude(case=case).values_list("pk", flat=True)
    )
    other_owner_reminders = set(Reminder.objects.filter(recipient=other_owner).values_list("pk", flat=True))
    assert Reminder.objects.filter(recipient=owner, case=theirs).exists()
    assert Reminder.objects.filter(recipient=advocate, request=own_request).exists()
    owner_email = owner.email

    response = deleting_client(owner).post(reverse("delete_account"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Your account and everything in it are deleted." in response.text
    assert not response.wsgi_request.user.is_authenticated
    # The person, and everything only theirs.
    assert not User.objects.filter(email=owner_email).exists()
    assert not Profile.objects.filter(user_id=owner.pk).exists()
    assert not EmailAddress.objects.filter(email=owner_email).exists()
    assert not Reminder.objects.filter(recipient_id=owner.pk).exists()
    assert not Notification.objects.filter(user_id=owner.pk).exists()
    assert not PushSubscription.objects.filter(user_id=owner.pk).exists()
    assert not Membership.objects.filter(user_id=owner.pk).exists()
    assert not TeamMembership.objects.filter(user_id=owner.pk).exists()
    # Their own case, with everything in it (and the reminders it gave the advocate).
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not Membership.objects.filter(case_id=case.pk).exists()
    assert not RecordsRequest.objects.filter(pk=own_request.pk).exists()
    assert not Provider.objects.filter(case_id=case.pk).exists()
    assert not AuditEvent.objects.filter(case_id=case.pk).exists()
    assert not Reminder.objects.filter(case_id=case.pk).exists()
    # The other owner's case is as it was, except that the person left it; the trail keeps their e-mail.
    assert Case.objects.filter(pk=theirs.pk).exists()
    assert set(theirs.memberships.values_list("user__email", "role")) == {(other_owner.email, Role.OWNER)}
    after = others_snapshot(theirs)
    # They left the case, and the team the case is shared with.
    left = [after["audit"].pop(0), after["audit"].pop(0)]  # type: ignore[attr-defined]
    assert {(event["actor_email"], event["action"]) for event in left} == {
        (owner_email, AuditAction.LEFT),
        (owner_email, AuditAction.TEAM_LEFT),
    }
    assert after == theirs_before
    trail = AuditEvent.objects.filter(case=theirs, actor_email=owner_email)
    # "team_member": the trail listed the team's members, the owner among them, when the case was shared.
    assert sorted(trail.values_list("action", flat=True)) == [
        "changed",
        "joined",
        "left",
        "team_left",
        "team_member",
    ]
    assert not AuditEvent.objects.filter(case=theirs, actor_email=owner_email, actor__isnull=False).exists()
    assert ChecklistItem.objects.get(pk=item.pk).done_by is None
    assert RecordsRequest.objects.filter(pk=their_request.pk).exists()
    # Everyone else's reminders, devices, inbox and teams.
    assert set(Reminder.objects.filter(recipient=other_owner).values_list("pk", flat=True)) == (
        other_owner_reminders
    )
    assert set(Reminder.objects.filter(recipient=advocate).values_list("pk", flat=True)) == (
        advocate_reminders_elsewhere
    )
    assert PushSubscription.objects.filter(user=advocate).count() == 1
    assert set(Notification.objects.values_list("user__email", flat=True)) == {
        advocate.email,
        other_owner.email,
    }
    assert User.objects.filter(pk__in=[advocate.pk, viewer.pk, other_owner.pk]).count() == 3
    assert not Team.objects.filter(pk=solo.pk).exists()
    # The practice keeps an admin: the member who joined first.
    assert set(practice.members.values_list("user__email", "role")) == {
        (advocate.email, TeamRole.ADMIN),
        (other_owner.email, TeamRole.MEMBER),
    }
    assert TeamShare.objects.filter(case=theirs, team=practice).exists()


def test_the_confirmation_says_what_goes_and_suggests_handing_over_a_shared_case(
    case: Case, owner: User
) -> None:
    alone = Case.open_for(owner, patient_name="Kim Lee", concern="a rash")
    other_owner = make_user("other.owner@example.com")
    theirs = Case.open_for(other_owner, patient_name="Sam Jones")
    Membership.objects.create(case=theirs, user=owner, role=Role.VIEWER)
    teams.start_team("Just me", owner)

    response = deleting_client(owner).get(reverse("delete_account"))

    assert response.status_code == 200
    text = " ".join(response.text.split())
    assert "It cannot be undone." in text
    assert "Other people use one of your cases" in text
    assert f'href="{reverse("people", args=[case.code])}">Hand over Alex Rivera' in text
    assert f'href="{reverse("people", args=[alone.code])}"' not in text  # no one else sees that one
    assert "These 2 cases are deleted with everything in them" in text
    assert "Kim Lee — a rash" in text
    assert 'Sam Jones <span class="muted">— you are viewer</span>' in text
    assert "Just me has no other members, so it is deleted too." in text
    assert f'href="{reverse("export_json")}"' in text
    # The app clears this phone's saved pages before the form goes, as it does when logging out.
    assert '<form method="post" class="stack" data-logout>' in text
    assert User.objects.filter(pk=owner.pk).exists()  # looking changes nothing


def test_a_case_handed_over_first_stays_with_its_new_owner(case: Case, owner: User, advocate: User) -> None:
    owner_membership = case.memberships.get(user=owner)
    sharing.hand_over(case, owner_membership, case.memberships.get(user=advocate))
    client = deleting_client(owner)
    assert "You own no cases, so no case is deleted." in client.get(reverse("delete_account")).text

    client.post(reverse("delete_account"))

    assert not User.objects.filter(pk=owner.pk).exists()
    case.refresh_from_db()
    assert set(case.memberships.values_list("user__email", "role")) == {
        (advocate.email, Role.OWNER),
        ("viewer@example.com", Role.VIEWER),
    }
    assert [e.action for e in case.audit_events.all()][:2] == [AuditAction.LEFT, AuditAction.OWNER_CHANGED]


def test_after_deleting_the_account_its_other_sessions_are_signed_out_and_the_login_fails(
    owner: User,
) -> None:
    phone, laptop = deleting_client(owner), client_for(owner)
    phone.post(reverse("delete_account"))
    response = laptop.get(reverse("case_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Client().login(email=owner.email, password=PASSWORD)


def test_the_settings_page_links_to_deleting_the_account(owner: User) -> None:
    text = client_for(owner).get(reverse("profile_settings")).text
    assert f'<a href="{reverse("delete_account")}">Delete my account</a>' in text


@pytest.mark.parametrize("method", ["put", "delete"])
def test_deleting_takes_only_a_form_post(owner: User, method: str) -> None:
    response = getattr(deleting_client(owner), method)(reverse("delete_account"))
    assert response.status_code == 405
    assert User.objects.filter(pk=owner.pk).exists()
