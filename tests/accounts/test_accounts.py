import datetime
import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core import mail
from django.test import Client
from django.urls import reverse

from secondop.accounts.models import Profile, User
from tests.conftest import PASSWORD, client_for, make_user


def link_in(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", str(message.body))
    assert match, message.body
    return match.group(1)


def test_sign_up_verify_and_log_in(db: None) -> None:
    client = Client()
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert Profile.objects.filter(user=user).exists()
    assert not EmailAddress.objects.get(user=user).verified
    # Unverified: not let in yet.
    assert client.get(reverse("case_list")).status_code == 302

    assert len(mail.outbox) == 1
    confirm_url = link_in(mail.outbox[0])
    assert client.get(confirm_url).status_code == 200  # a page with a button, not a state change on GET
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("case_list")).status_code == 200

    client.post(reverse("account_logout"))
    assert client.get(reverse("case_list")).status_code == 302
    response = client.post(reverse("account_login"), {"login": "new@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("case_list")).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(owner: User) -> None:
    response = Client().post(reverse("account_login"), {"login": owner.email, "password": "wrong password"})
    assert response.status_code == 200
    assert "not correct" in response.text or "incorrect" in response.text.lower()


def test_password_reset_sends_a_link_that_sets_a_new_password(owner: User) -> None:
    client = Client()
    client.post(reverse("account_reset_password"), {"email": owner.email})
    assert len(mail.outbox) == 1
    reset_url = link_in(mail.outbox[0])
    response = client.get(reset_url, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else reset_url
    new_password = "another calm long passphrase"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(new_password)


def current_totp(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def test_totp_two_factor_is_asked_for_at_the_next_log_in(owner: User) -> None:
    client = client_for(owner)
    response = client.get(reverse("mfa_activate_totp"))
    # allauth asks for the password again before security changes.
    if response.status_code == 302 and "reauthenticate" in response["Location"]:
        client.post(response["Location"], {"password": PASSWORD})
        response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": current_totp(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()

    fresh = Client()
    response = fresh.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert fresh.get(reverse("case_list")).status_code == 302  # the password alone is not enough
    response = fresh.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200  # refused, asked again
    assert fresh.get(reverse("case_list")).status_code == 302


def test_failed_log_ins_are_rate_limited(owner: User) -> None:
    client = Client()
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": owner.email, "password": "wrong"})
        assert "Too many failed login attempts" not in response.text
    # Even the right password waits while the limit holds.
    response = client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.text
    assert client.get(reverse("case_list")).status_code == 302


def test_too_many_log_in_requests_from_one_address_get_429(db: None) -> None:
    client = Client()
    statuses = [
        client.post(reverse("account_login"), {"login": f"n{i}@example.com", "password": "x"}).status_code
        for i in range(32)
    ]
    assert statuses[0] == 200
    assert statuses[-1] == 429


def test_password_reset_requests_are_rate_limited_per_address(owner: User, mailoutbox: list[Any]) -> None:
    """Five a minute for one e-mail address (ACCOUNT_RATE_LIMITS["reset_password"]), so nobody can flood
    someone's mailbox with reset links."""
    client = Client()
    statuses = [
        client.post(reverse("account_reset_password"), {"email": owner.email}).status_code for _ in range(6)
    ]
    assert statuses[:5] == [302] * 5
    assert statuses[5] == 429
    assert len(mailoutbox) == 5


def test_the_browser_fills_in_the_time_zone_once(owner: User) -> None:
    client = client_for(owner)
    assert 'data-time-zone-url="' in client.get(reverse("case_list")).text
    assert client.post(reverse("browser_time_zone"), {"time_zone": "Europe/Berlin"}).status_code == 204
    assert Profile.objects.get(user=owner).time_zone == "Europe/Berlin"
    assert 'data-time-zone-url="' not in client.get(reverse("case_list")).text
    # A later report from another browser does not overwrite it.
    assert client.post(reverse("browser_time_zone"), {"time_zone": "Asia/Tokyo"}).status_code == 200
    assert Profile.objects.get(user=owner).time_zone == "Europe/Berlin"


@pytest.mark.parametrize("value", ["", "Mars/Olympus", "<script>", "x" * 500])
def test_a_bad_browser_time_zone_is_refused_and_changes_nothing(owner: User, value: str) -> None:
    response = client_for(owner).post(reverse("browser_time_zone"), {"time_zone": value})
    assert response.status_code == 400
    assert Profile.objects.get(user=owner).time_zone == ""


def test_settings_save_the_time_zone_and_quiet_hours(owner: User) -> None:
    client = client_for(owner)
    response = client.post(
        reverse("profile_settings"),
        {
            "display_name": "Robin",
            "time_zone": "America/Chicago",
            "quiet_hours_start": "22:30",
            "quiet_hours_end": "07:15",
        },
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=owner)
    assert profile.time_zone == "America/Chicago"
    assert (profile.quiet_hours_start, profile.quiet_hours_end) == (
        datetime.time(22, 30),
        datetime.time(7, 15),
    )
    assert User.objects.get(pk=owner.pk).display_name == "Robin"
    # Shown in the person's own zone from now on.
    assert "America/Chicago" in client.get(reverse("profile_settings")).text


def test_settings_refuse_an_unknown_time_zone_next_to_the_field(owner: User) -> None:
    response = client_for(owner).post(
        reverse("profile_settings"),
        {"time_zone": "Nowhere/Land", "quiet_hours_start": "21:00", "quiet_hours_end": "08:00"},
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert Profile.objects.get(user=owner).time_zone == ""


@pytest.mark.parametrize(
    ("start", "end", "at", "quiet"),
    [
        ("21:00", "08:00", "23:30", True),
        ("21:00", "08:00", "07:59", True),
        ("21:00", "08:00", "08:00", False),
        ("21:00", "08:00", "12:00", False),
        ("13:00", "14:00", "13:30", True),
        ("13:00", "14:00", "14:30", False),
        ("09:00", "09:00", "09:00", False),
    ],
)
def test_quiet_hours_may_wrap_past_midnight(owner: User, start: str, end: str, at: str, quiet: bool) -> None:
    profile = Profile.objects.get(user=owner)
    profile.quiet_hours_start = datetime.time.fromisoformat(start)
    profile.quiet_hours_end = datetime.time.fromisoformat(end)
    assert profile.is_quiet_at(datetime.time.fromisoformat(at)) is quiet


def test_the_signed_in_persons_time_zone_is_active_for_the_request(owner: User) -> None:
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.utils import timezone

    from secondop.accounts.middleware import UserTimeZoneMiddleware

    seen: list[str] = []

    def view(request: object) -> HttpResponse:
        seen.append(timezone.get_current_timezone_name())
        return HttpResponse()

    Profile.objects.filter(user=owner).update(time_zone="Pacific/Auckland")
    request = RequestFactory().get("/")
    request.user = User.objects.get(pk=owner.pk)
    UserTimeZoneMiddleware(view)(request)
    request.user = User.objects.get(pk=make_user("utc@example.com").pk)
    UserTimeZoneMiddleware(view)(request)
    assert seen == ["Pacific/Auckland", "UTC"]


def test_helper_users_log_in(db: None) -> None:
    make_user("x@example.com")
    assert Client().login(email="x@example.com", password=PASSWORD)
