import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.utils import timezone

from secondop.accounts.models import Profile, User
from secondop.cases import checklist
from secondop.cases.models import (
    AuditAction,
    AuditEvent,
    Case,
    Membership,
    Role,
    Team,
    TeamMembership,
    TeamShare,
)
from secondop.records.models import ContactEntry, Provider, RecordsRequest
from secondop.records.progress import change_request_date, move
from secondop.reminders import buttons, scheduling
from secondop.reminders.models import Reminder, ReminderKind, ReminderStatus

D = datetime.date
UTC = datetime.UTC


@pytest.fixture(autouse=True)
def _before_the_dates_used_here() -> Iterator[None]:
    with time_machine.travel(datetime.datetime(2026, 5, 1, 12, 0, tzinfo=UTC), tick=False):
        yield


def set_zone(user: User, zone: str, quiet: tuple[str, str] = ("21:00", "08:00")) -> None:
    profile = Profile.objects.get(user=user)
    profile.time_zone = zone
    profile.quiet_hours_start = datetime.time.fromisoformat(quiet[0])
    profile.quiet_hours_end = datetime.time.fromisoformat(quiet[1])
    profile.save()
    user.refresh_from_db()


def requested(case: Case, user: User, on: D) -> RecordsRequest:
    holder = Provider.objects.create(case=case, role="current", name="Dr. Chen")
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    move(request, "requested", on, today=on, user=user)
    return request


def scheduled(**filters: object) -> list[Reminder]:
    return list(Reminder.objects.filter(status=ReminderStatus.SCHEDULED, **filters).order_by("due_at"))


@pytest.mark.parametrize(
    ("zone", "quiet", "day", "expected_utc"),
    [
        (
            "America/New_York",
            ("21:00", "08:00"),
            D(2026, 3, 9),
            datetime.datetime(2026, 3, 9, 13, 0, tzinfo=UTC),
        ),
        (
            "America/New_York",
            ("21:00", "08:00"),
            D(2026, 3, 6),
            datetime.datetime(2026, 3, 6, 14, 0, tzinfo=UTC),
        ),
        (
            "Europe/Berlin",
            ("21:00", "08:00"),
            D(2026, 10, 26),
            datetime.datetime(2026, 10, 26, 8, 0, tzinfo=UTC),
        ),
        (
            "Europe/Berlin",
            ("07:00", "10:30"),
            D(2026, 6, 1),
            datetime.datetime(2026, 6, 1, 8, 30, tzinfo=UTC),
        ),
        ("Asia/Tokyo", ("08:30", "07:00"), D(2026, 6, 1), datetime.datetime(2026, 6, 1, 22, 0, tzinfo=UTC)),
        ("", ("21:00", "08:00"), D(2026, 6, 1), datetime.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)),
    ],
)
def test_a_reminder_is_due_at_nine_in_the_persons_own_time_out_of_quiet_hours(
    owner: User, zone: str, quiet: tuple[str, str], day: D, expected_utc: datetime.datetime
) -> None:
    set_zone(owner, zone, quiet)
    assert scheduling.due_moment(owner, day) == expected_utc


def test_marking_requested_schedules_the_follow_up_a_week_later_and_the_deadlines(
    case: Case, owner: User
) -> None:
    set_zone(owner, "America/Chicago")
    request = requested(case, owner, D(2026, 5, 4))
    reminders = scheduled(request=request)
    assert [(r.kind, r.due_on) for r in reminders] == [
        (ReminderKind.FOLLOW_UP, D(2026, 5, 11)),
        (ReminderKind.LEGAL_DUE, D(2026, 6, 3)),
        (ReminderKind.OVERDUE, D(2026, 6, 4)),
    ]
    assert reminders[0].due_at == datetime.datetime(2026, 5, 11, 14, 0, tzinfo=UTC)  # 9:00 CDT
    assert {r.recipient for r in reminders} == {owner}


def test_moving_the_request_date_moves_the_reminders_and_scheduling_twice_is_harmless(
    case: Case, owner: User
) -> None:
    request = requested(case, owner, D(2026, 5, 4))
    change_request_date(request, D(2026, 5, 1), today=D(2026, 5, 4))
    scheduling.schedule_for_request(request)
    reminders = scheduled(request=request)
    assert len(reminders) == 3
    assert reminders[0].due_on == D(2026, 5, 8)


def test_an_extension_moves_the_deadline_to_day_60(case: Case, owner: User) -> None:
    request = requested(case, owner, D(2026, 5, 4))
    move(request, "extended", D(2026, 5, 20), today=D(2026, 5, 20), user=owner)
    assert scheduled(request=request, kind=ReminderKind.LEGAL_DUE)[0].due_on == D(2026, 7, 3)


def test_following_up_cancels_the_follow_up_and_leaves_the_deadlines(case: Case, owner: User) -> None:
    request = requested(case, owner, D(2026, 4, 28))
    ContactEntry.objects.create(  # on the day of the request: that is asking, not following up
        case=case,
        request=request,
        channel="phone",
        happened_at=datetime.datetime(2026, 4, 28, 15, tzinfo=UTC),
    )
    assert [r.kind for r in scheduled(request=request)][0] == ReminderKind.FOLLOW_UP
    ContactEntry.objects.create(case=case, request=request, channel="phone", happened_at=timezone.now())
    request.refresh_from_db()
    assert request.followed_up_on == D(2026, 5, 1)
    assert [r.kind for r in scheduled(request=request)] == [ReminderKind.LEGAL_DUE, ReminderKind.OVERDUE]
    case.refresh_from_db()
    assert case.next_due_on == D(2026, 5, 28)


def press_done(reminder: Reminder) -> None:
    Reminder.objects.filter(pk=reminder.pk).update(action_nonce=f"n{reminder.pk}")
    buttons.apply(buttons.make_token(Reminder.objects.get(pk=reminder.pk)), "done")


def test_done_on_the_follow_up_notification_is_the_follow_up(case: Case, owner: User, viewer: User) -> None:
    request = requested(case, owner, D(2026, 4, 24))
    Membership.objects.filter(case=case, user=viewer).update(gets_reminders=True)
    scheduling.schedule_for_request(request)
    press_done(Reminder.objects.get(request=request, kind=ReminderKind.FOLLOW_UP, recipient=viewer))
    request.refresh_from_db()
    assert request.followed_up_on is None  # a viewer's Done changes nothing in the case
    assert not AuditEvent.objects.filter(action=AuditAction.CHANGED).exists()

    press_done(Reminder.objects.get(request=request, kind=ReminderKind.FOLLOW_UP, recipient=owner))
    request.refresh_from_db()
    assert request.followed_up_on == D(2026, 5, 1)
    assert not scheduled(request=request, kind=ReminderKind.FOLLOW_UP)
    # No page was involved, so the trail says what changed and that it came from a reminder.
    event = AuditEvent.objects.get(action=AuditAction.CHANGED)
    assert (event.actor, event.detail) == (owner, "the follow-up (from a reminder)")


def test_done_on_a_snoozed_follow_up_settles_it_for_whoever_may_write(
    case: Case, owner: User, viewer: User
) -> None:
    """Also for a viewer of the case who is an advocate through a team: the app's own access rule."""
    team = Team.objects.create(name="Practice")
    TeamMembership.objects.create(team=team, user=viewer)
    TeamShare.objects.create(case=case, team=team, role=Role.ADVOCATE)
    request = requested(case, owner, D(2026, 4, 24))
    follow_up = Reminder.objects.get(request=request, kind=ReminderKind.FOLLOW_UP, recipient=owner)
    snoozed = Reminder.objects.create(
        recipient=viewer,
        case=case,
        kind=ReminderKind.SNOOZED,
        request=request,
        due_on=D(2026, 5, 2),
        due_at=follow_up.due_at,
        dedupe_key=f"snoozed:{follow_up.pk}:2026-05-02",
    )
    press_done(snoozed)
    request.refresh_from_db()
    assert request.followed_up_on == D(2026, 5, 1)


def test_a_contact_settles_only_a_request_of_its_own_case(case: Case, owner: User) -> None:
    other_case = Case.open_for(owner, patient_name="Other Patient")
    other = requested(other_case, owner, D(2026, 4, 24))
    ContactEntry.objects.create(case=case, request=other, channel="phone", happened_at=timezone.now())
    other.refresh_from_db()
    assert other.followed_up_on is None


@pytest.mark.parametrize("answer", ["acknowledged", "partly_received"])
def test_an_answer_from_the_holder_ends_the_follow_up(case: Case, owner: User, answer: str) -> None:
    request = requested(case, owner, D(2026, 4, 28))
    move(request, answer, D(2026, 4, 30), today=D(2026, 5, 1), user=owner)
    assert [r.kind for r in scheduled(request=request)] == [ReminderKind.LEGAL_DUE, ReminderKind.OVERDUE]


@pytest.mark.parametrize("closing", ["received", "withdrawn", "denied"])
def test_closing_the_request_cancels_its_reminders(case: Case, owner: User, closing: str) -> None:
    request = requested(case, owner, D(2026, 5, 4))
    move(request, closing, D(2026, 5, 6), today=D(2026, 5, 6), user=owner)
    assert scheduled(request=request) == []
    assert Reminder.objects.filter(request=request, status=ReminderStatus.CANCELLED).count() == 3


def test_advocates_who_chose_to_get_reminders_get_them_and_others_do_not(
    case: Case, owner: User, advocate: User, viewer: User
) -> None:
    Membership.objects.filter(case=case, user=advocate).update(gets_reminders=True)
    request = requested(case, owner, D(2026, 5, 4))
    assert {r.recipient for r in scheduled(request=request)} == {owner, advocate}


def test_the_checklist_is_nudged_once_a_day_over_the_week(owner: User) -> None:
    set_zone(owner, "Europe/London")
    case = Case.open_for(owner, patient_name="Sam")
    nudges = scheduled(case=case, kind=ReminderKind.CHECKLIST)
    days = [r.due_on for r in nudges]
    opened = case.created_at.date()
    assert days == [opened + datetime.timedelta(days=n) for n in range(1, 6)]
    assert len(set(days)) == len(days)  # at most one a day per case


def test_a_ticked_item_is_never_nudged_again(owner: User) -> None:
    case = Case.open_for(owner, patient_name="Sam")
    item = case.checklist.get(key="rights")
    checklist.tick(item, owner)
    assert not scheduled(checklist_item=item)
    checklist.untick(item)
    assert not scheduled(checklist_item=item)


def test_changing_the_time_zone_moves_scheduled_reminders_to_the_new_nine_oclock(
    case: Case, owner: User
) -> None:
    request = requested(case, owner, D(2026, 5, 4))
    set_zone(owner, "Asia/Kolkata")
    follow_up = scheduled(request=request, kind=ReminderKind.FOLLOW_UP)[0]
    assert follow_up.due_on == D(2026, 5, 11)
    assert follow_up.due_at == datetime.datetime(2026, 5, 11, 3, 30, tzinfo=UTC)


def test_a_day_already_past_gets_no_reminder(case: Case, owner: User) -> None:
    request = requested(case, owner, D(2026, 4, 1))  # logged a month late: the follow-up day has passed
    assert [r.kind for r in scheduled(request=request)] == [ReminderKind.LEGAL_DUE, ReminderKind.OVERDUE]
