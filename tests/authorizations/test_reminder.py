"""A signed authorization is reminded two weeks before it ends, to whoever gets the case's reminders; an
unsigned or revoked one is not. The reminder names nothing."""

import datetime

from secondop.accounts.models import User
from secondop.cases.models import Case
from secondop.reminders.dispatch import payload_for
from secondop.reminders.models import Reminder, ReminderKind, ReminderStatus
from tests.authorizations.helpers import ENDS, TODAY, answers, doctor, make, on
from tests.conftest import client_for


def reminders() -> list[Reminder]:
    return list(Reminder.objects.filter(kind=ReminderKind.AUTHORIZATION, status=ReminderStatus.SCHEDULED))


def test_a_signed_authorization_is_reminded_two_weeks_before_it_ends(
    case: Case, owner: User, advocate: User
) -> None:
    advocate.display_name = "Sam Lee"
    advocate.save()
    with on(TODAY):
        authorization = make(client_for(advocate), case, answers(advocate, doctor(case)))
        assert reminders() == []  # not signed yet
        authorization.mark_signed(TODAY, today=TODAY)
        [reminder] = reminders()
        assert reminder.recipient == owner and reminder.due_on == ENDS - datetime.timedelta(days=14)
        payload = str(payload_for(reminder))
        for private in ("Chen", "Eastside", case.patient_name, "Sam Lee"):
            assert private not in payload
        authorization.revoke(TODAY, today=TODAY)
        assert reminders() == []


def test_one_signed_with_less_than_two_weeks_left_is_reminded_at_once(case: Case, advocate: User) -> None:
    advocate.display_name = "Sam Lee"
    advocate.save()
    soon = TODAY + datetime.timedelta(days=5)
    with on(TODAY):
        authorization = make(
            client_for(advocate), case, answers(advocate, doctor(case), expires_on=soon.isoformat())
        )
        authorization.mark_signed(TODAY, today=TODAY)
        [reminder] = reminders()
        assert reminder.due_on == TODAY
