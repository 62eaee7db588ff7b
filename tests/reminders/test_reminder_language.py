"""Reminders reach each person in their own language (Profile.language), whatever language the process that
sends them has active: the push payload, the e-mail and the inbox entry are all written in the recipient's.

The Spanish assertions need the merged, compiled catalogue (locale/es/LC_MESSAGES/django.mo).
"""

import datetime
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone, translation

from secondop.accounts.models import Profile, User
from secondop.cases.models import Case
from secondop.reminders import dispatch
from secondop.reminders.models import Notification, Reminder, ReminderKind, ReminderStatus
from tests.conftest import make_user
from tests.push_receiver import PushReceiver
from tests.reminders.conftest import DEADLINE, subscribe

pytestmark = pytest.mark.django_db

ENGLISH: dict[str, Any] = {
    "body": "A follow-up is due.",
    "subject": "secondop: A follow-up is due.",
    "open": "Open secondop to see it: ",
    "why": "You get this because reminders by e-mail are on in your settings.",
    "buttons": {"done": "Done", "tomorrow": "Remind me tomorrow"},
    "done": "Done.",
}
SPANISH: dict[str, Any] = {
    "body": "Es hora de dar seguimiento.",
    "subject": "secondop: Es hora de dar seguimiento.",
    "open": "Abra secondop para verlo: ",
    "why": "Recibe este mensaje porque tiene activados los recordatorios por correo electrónico en su "
    "configuración.",
    "buttons": {"done": "Hecho", "tomorrow": "Recordármelo mañana"},
    "done": "Listo.",
}
TEXTS = {"en": ENGLISH, "es": SPANISH}


def person(email: str, language: str) -> User:
    """Someone with a case of their own (whose reminders they get), who wants reminders on their devices
    and by e-mail too, in `language`."""
    user = make_user(email)
    Profile.objects.filter(user=user).update(language=language, email_reminders="always", push_reminders=True)
    return User.objects.select_related("profile").get(pk=user.pk)


def due_follow_up(user: User) -> Reminder:
    case = Case.open_for(user, patient_name="Alex Rivera", concern="the knee surgery")
    now = timezone.now()
    return Reminder.objects.create(
        recipient=user,
        case=case,
        kind=ReminderKind.FOLLOW_UP,
        due_on=now.date(),
        due_at=now - datetime.timedelta(minutes=1),
        dedupe_key=f"language-test:u{user.pk}",
    )


@pytest.fixture
def receiver(settings: Any) -> Any:
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = True  # the push service on 127.0.0.1
    with PushReceiver() as running:
        yield running


@pytest.mark.parametrize("process_language", ["en", "es"])
def test_each_recipient_gets_the_reminder_in_their_own_language(
    receiver: PushReceiver, process_language: str
) -> None:
    english = person("english@example.com", "en")
    spanish = person("spanish@example.com", "es")
    reminders = {"en": due_follow_up(english), "es": due_follow_up(spanish)}
    devices = {"en": subscribe(english, receiver), "es": subscribe(spanish, receiver)}
    mail.outbox.clear()

    # The worker runs in some language of its own: one of the two people's is not it.
    with translation.override(process_language):
        token, claimed = dispatch.claim_due(10)
        assert sorted(claimed) == sorted(r.pk for r in reminders.values())
        outcome = dispatch.deliver(claimed, token)
        assert translation.get_language() == process_language  # the recipients' languages did not leak
    assert outcome.sent == 2

    receiver.wait_for(2, timeout=DEADLINE)
    emails = {message.to[0]: message for message in mail.outbox}
    for language, user in (("en", english), ("es", spanish)):
        texts, reminder = TEXTS[language], reminders[language]
        assert Reminder.objects.get(pk=reminder.pk).status == ReminderStatus.SENT

        [push] = receiver.for_endpoint(devices[language].endpoint)
        payload = push.payload
        assert payload["title"] == "secondop"
        assert payload["body"] == texts["body"]
        assert payload["action_titles"] == texts["buttons"]
        assert "Alex" not in push.plaintext.decode() and "knee" not in push.plaintext.decode()

        email = emails[user.email]
        body = str(email.body)
        assert email.subject == texts["subject"]
        assert texts["open"] in body and texts["why"] in body
        assert "Alex" not in f"{email.subject} {body}" and "knee" not in f"{email.subject} {body}"

        notification = Notification.objects.get(reminder=reminder)
        assert (notification.title, notification.body) == ("secondop", texts["body"])
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(("language", "other"), [("en", "es"), ("es", "en")])
def test_the_payload_e_mail_and_inbox_text_do_not_follow_the_active_language(
    language: str, other: str
) -> None:
    user = person(f"{language}@example.com", language)
    reminder = Reminder.objects.select_related("recipient__profile", "case").get(pk=due_follow_up(user).pk)
    reminder.action_nonce = "n" * 32
    with translation.override(other):
        payload = dispatch.payload_for(reminder)
        email = dispatch.email_for(reminder)
        inbox_text = dispatch.message_for(reminder)
    assert payload["body"] == inbox_text == TEXTS[language]["body"]
    assert payload["action_titles"] == TEXTS[language]["buttons"]
    assert email.subject == TEXTS[language]["subject"]
    assert TEXTS[language]["open"] in str(email.body) and TEXTS[language]["why"] in str(email.body)


def test_someone_without_a_profile_gets_the_sites_language() -> None:
    user = make_user("old@example.com")
    Profile.objects.filter(user=user).delete()
    user = User.objects.get(pk=user.pk)
    with translation.override("es"):
        assert dispatch.language_of(user) == "en"
    Profile.objects.create(user=user, language="es")
    assert dispatch.language_of(User.objects.get(pk=user.pk)) == "es"


@pytest.mark.parametrize(("language", "other"), [("en", "es"), ("es", "en")])
def test_the_notifications_done_button_answers_in_the_reminders_language(language: str, other: str) -> None:
    user = person(f"{language}@example.com", language)
    reminder = due_follow_up(user)
    reminder.action_nonce = "n" * 32
    reminder.save(update_fields=["action_nonce"])
    link = dispatch.payload_for(reminder)["actions"]["done"]  # type: ignore[index]

    # The service worker's request, from a browser set to the other language, with no session.
    response = Client().post(link, HTTP_ACCEPT_LANGUAGE=other)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "message": TEXTS[language]["done"]}
