"""What leaves the app, and what stays on a phone: the admin signs in only through allauth (two-factor,
rate limits); flash messages stay on the server; the access log names no patient and no secret link;
e-mail links reach the running app and say its name; logging out, or a page loaded after the session
ended, clears the browser's copy of the app."""

import datetime
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from gunicorn.config import Config

from secondop.accounts.models import User
from secondop.cases.models import Case, Question
from secondop.gunicorn_conf import PathOnlyLogger, access_log_format
from secondop.pwa.offline import CLEAR_SITE_DATA
from tests.conftest import PASSWORD, client_for, make_user

ROOT = Path(__file__).resolve().parents[2]
NAVIGATION = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}


# The admin --------------------------------------------------------------------------------------------


@pytest.fixture
def staff(db: None) -> User:
    user = make_user("staff@example.com")
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.refresh_from_db()
    return user


def test_the_admin_log_in_is_allauths_so_two_factor_cannot_be_skipped(staff: User) -> None:
    TOTP.activate(staff, generate_totp_secret())
    client = Client()
    page = client.get("/admin/login/?next=/admin/")
    assert page.status_code == 302 and page["Location"].startswith(reverse("account_login"))
    # The admin's own password form is gone: posting to it signs no one in.
    client.post("/admin/login/", {"username": staff.email, "password": PASSWORD, "next": "/admin/"})
    assert client.get("/admin/").status_code == 302
    assert client.get(reverse("case_list")).status_code == 302
    assert not Session.objects.exists()

    # allauth's log-in with the password alone stops at the second factor.
    answer = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert answer["Location"] == reverse("mfa_authenticate")
    assert client.get("/admin/").status_code == 302


def test_the_admin_never_checks_a_password_so_it_cannot_be_guessed_there(staff: User) -> None:
    """It used to take 40 wrong passwords in a row without a pause; now none is even looked at: each post
    is sent to allauth's log-in, whose limits hold (tests/accounts/test_accounts.py)."""
    client = Client()
    for attempt in range(40):
        answer = client.post("/admin/login/", {"username": staff.email, "password": f"wrong {attempt}"})
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("account_login"))
    answer = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert answer.status_code == 302 and client.get("/admin/").status_code == 302


def test_staff_signed_in_through_allauth_reach_the_admin_and_others_get_403(staff: User, owner: User) -> None:
    assert client_for(staff).get("/admin/").status_code == 200
    assert client_for(owner).get("/admin/login/").status_code == 403


# Messages ---------------------------------------------------------------------------------------------


def test_flash_messages_stay_on_the_server(case: Case, owner: User) -> None:
    question = Question.objects.create(case=case, text="Is R-CHOP right for my stage 3 lymphoma?")
    client = client_for(owner)
    answer = client.post(reverse("question_delete", args=[case.code, question.pk]))
    assert answer.status_code == 302
    assert "messages" not in answer.cookies
    assert all("lymphoma" not in morsel.value for morsel in answer.cookies.values())
    assert "Is R-CHOP right for my stage 3 lymphoma?" in client.get(answer["Location"]).text


# The access log ---------------------------------------------------------------------------------------


class _Response:
    status = "200 OK"
    headers: list[tuple[str, str]] = []
    sent = 512


def access_line(path: str, query: str, referer: str) -> str:
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", access_log_format)
    logger = PathOnlyLogger(config)
    lines: list[str] = []
    logger.access_log.info = lambda message, atoms: lines.append(message % atoms)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?{query}",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    request = type("Request", (), {"headers": [("REFERER", referer), ("COOKIE", "sessionid=abc")]})()
    logger.access(_Response(), request, environ, datetime.timedelta(milliseconds=12))
    assert len(lines) == 1
    return lines[0]


def test_the_access_log_names_no_patient_and_no_secret_link() -> None:
    line = access_line("/cases/", "q=Alex+Rivera", "http://127.0.0.1:8000/cases/?q=Alex")
    assert '"GET /cases/ HTTP/1.1" 200 512' in line
    assert "Alex" not in line and "q=" not in line and "sessionid" not in line
    for path in (
        "/invitations/SECRETTOKEN123/",
        "/r/SECRETTOKEN123/done/",
        "/accounts/confirm-email/SECRETTOKEN123/",
        "/accounts/password/reset/key/1-SECRETTOKEN123/",
    ):
        line = access_line(path, "", "")
        assert "SECRETTOKEN123" not in line and "/…/" in line, line


def test_even_a_log_format_given_on_the_command_line_cannot_print_the_query() -> None:
    config = Config()
    config.set("access_log_format", "%(r)s %(q)s %(f)s %({cookie}i)s %(U)s")
    logger = PathOnlyLogger(config)
    atoms = logger.atoms(
        _Response(),
        type("R", (), {"headers": [("COOKIE", "s=1")]})(),
        {
            "REQUEST_METHOD": "GET",
            "RAW_URI": "/cases/?q=Alex",
            "PATH_INFO": "/cases/",
            "QUERY_STRING": "q=Alex",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_REFERER": "/cases/?q=Alex",
        },
        datetime.timedelta(0),
    )
    assert "Alex" not in repr(atoms) and "s=1" not in repr(atoms)


# E-mails ----------------------------------------------------------------------------------------------


def test_without_site_url_links_point_where_make_run_serves(tmp_path: Path) -> None:
    read = "import django; django.setup(); from django.conf import settings as s; print(s.SITE_URL)"
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "HOST", "PORT")}
    env.update(SECONDOP_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="secondop.settings", PORT="8100")

    def site_url(**extra: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", read], cwd=ROOT, env={**env, **extra}, capture_output=True, text=True
        )
        return result.stdout.strip() or result.stderr

    assert site_url() == "http://127.0.0.1:8100"
    assert site_url(HOST="0.0.0.0") == "http://127.0.0.1:8100"
    assert site_url(SITE_URL="https://secondop.example.org/") == "https://secondop.example.org"


def test_allauths_mails_say_the_apps_name_not_the_host(owner: User, mailoutbox: list[Any]) -> None:
    Client().post(reverse("account_reset_password"), {"email": owner.email})
    assert len(mailoutbox) == 1
    body = str(mailoutbox[0].body)
    assert body.startswith("Hello from secondop!")
    assert "Thank you for using secondop." in body
    assert "Hello from 127.0.0.1" not in body and "testserver!" not in body
    assert mail.outbox is mailoutbox


def test_the_favicon_is_the_apps_icon(db: None) -> None:
    answer = Client().get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"].endswith("icons/icon-192.png")


# Leaving nothing on a shared phone --------------------------------------------------------------------


def test_logging_out_tells_the_browser_to_clear_this_sites_data(owner: User) -> None:
    client = client_for(owner)
    answer = client.post(reverse("account_logout"))
    assert answer.status_code == 302
    assert answer["Clear-Site-Data"] == CLEAR_SITE_DATA
    assert client.get(reverse("home"), headers=NAVIGATION).get("Clear-Site-Data") is None


def test_deleting_the_account_clears_the_browsers_copy_too(owner: User) -> None:
    client = client_for(owner)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    answer = client.post(reverse("delete_account"), {"confirm": "delete"})
    assert answer.status_code == 302 and answer["Clear-Site-Data"] == CLEAR_SITE_DATA


def test_a_signed_in_page_and_a_visitors_page_clear_nothing(owner: User) -> None:
    assert "Clear-Site-Data" not in client_for(owner).get(reverse("case_list"), headers=NAVIGATION)
    assert "Clear-Site-Data" not in Client().get(reverse("home"), headers=NAVIGATION)


def test_allauths_mails_never_carry_words_the_account_holder_typed(
    owner: User, mailoutbox: list[Any]
) -> None:
    User.objects.filter(pk=owner.pk).update(display_name="URGENT: your biopsy result, call +1-555-0100")
    client = client_for(owner)
    for number in range(3):
        client.post(reverse("account_email"), {"action_add": "", "email": f"victim{number}@example.org"})
    assert mailoutbox, "no confirmation mail was sent"
    assert not [message for message in mailoutbox if "biopsy" in str(message.body)]
    assert "owner@example.com" in str(mailoutbox[0].body)
    # One address to move to, no more: an account is no way to mail many people.
    assert EmailAddress.objects.filter(user=owner).count() == 2 and len(mailoutbox) == 1


def test_djangos_request_log_writes_no_token_of_a_link(case: Case, owner: User, stranger: User) -> None:
    import io
    import logging

    from secondop.cases import sharing
    from secondop.redact import SecretPathFilter

    _, token = sharing.invite(case, owner, "someone@example.com", "viewer")
    console = next(
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(found, SecretPathFilter) for found in handler.filters)
    )
    written = io.StringIO()
    previous = console.setStream(written)  # type: ignore[attr-defined]
    try:
        # Someone signed in with another address presses Join: 403, which Django logs with the path.
        answer = client_for(stranger).post(reverse("invitation", args=[token]))
        client_for(stranger).post(f"/r/{token}/nope/")
    finally:
        console.setStream(previous)  # type: ignore[attr-defined]
    assert answer.status_code == 403
    assert "Forbidden: /invitations/…/" in written.getvalue()
    assert token not in written.getvalue()


def test_every_handler_djangos_request_log_reaches_masks_link_secrets() -> None:
    """Django adds handlers of its own (a console under DEBUG, mail to ADMINS); none may see a record before
    the filter does."""
    import logging

    from secondop.redact import SecretPathFilter

    logger: logging.Logger | None = logging.getLogger("django.request")
    handlers: list[logging.Handler] = []
    while logger is not None:
        handlers += logger.handlers
        logger = logger.parent if logger.propagate else None
    assert handlers
    for handler in handlers:
        if type(handler).__module__.startswith("_pytest"):  # pytest's own capture, not the app's
            continue
        assert any(isinstance(found, SecretPathFilter) for found in handler.filters), handler
