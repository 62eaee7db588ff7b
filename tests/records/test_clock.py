import datetime

import pytest
import time_machine
from django.db import transaction

from secondop.accounts.models import Profile, User
from secondop.cases.models import Case
from secondop.records import clock
from secondop.records.models import ALLOWED_MOVES, Provider, RecordsRequest, RequestEvent, RequestStatus
from secondop.records.progress import MoveRefused, change_request_date, move
from secondop.reminders.models import Reminder

D = datetime.date


def make_request(case: Case, **fields: object) -> RecordsRequest:
    holder = Provider.objects.create(case=case, role="current", name="Dr. Chen")
    return RecordsRequest.objects.create(case=case, holder=holder, kind="copy", **fields)


@pytest.mark.parametrize(
    ("requested", "follow_up", "due", "due_extended"),
    [
        (D(2026, 1, 31), D(2026, 2, 7), D(2026, 3, 2), D(2026, 4, 1)),  # month end, February of 28 days
        (D(2028, 1, 31), D(2028, 2, 7), D(2028, 3, 1), D(2028, 3, 31)),  # a leap year
        (D(2028, 2, 29), D(2028, 3, 7), D(2028, 3, 30), D(2028, 4, 29)),  # the leap day itself
        (D(2026, 12, 15), D(2026, 12, 22), D(2027, 1, 14), D(2027, 2, 13)),  # across the new year
        (D(2026, 3, 1), D(2026, 3, 8), D(2026, 3, 31), D(2026, 4, 30)),  # over the US DST change (8 March)
        (D(2026, 10, 20), D(2026, 10, 27), D(2026, 11, 19), D(2026, 12, 19)),  # over the EU/US DST end
    ],
)
def test_the_dates_count_calendar_days(
    requested: datetime.date, follow_up: datetime.date, due: datetime.date, due_extended: datetime.date
) -> None:
    request = RecordsRequest(requested_on=requested, status="requested")
    assert clock.follow_up_on(request) == follow_up
    assert clock.legal_due_on(request) == due
    request.extension_notice_on = requested + datetime.timedelta(days=10)
    assert clock.legal_due_on(request) == due_extended


def test_no_dates_before_the_request_is_made() -> None:
    request = RecordsRequest(status="preparing")
    assert clock.follow_up_on(request) is None
    assert clock.legal_due_on(request) is None
    assert not clock.is_overdue(request, D(2030, 1, 1))


@pytest.mark.parametrize(
    ("zone", "utc_now", "local_date"),
    [
        ("America/Los_Angeles", datetime.datetime(2026, 3, 3, 5, 30, tzinfo=datetime.UTC), D(2026, 3, 2)),
        ("Pacific/Auckland", datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC), D(2026, 3, 3)),
        ("Europe/London", datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC), D(2026, 3, 29)),
        ("", datetime.datetime(2026, 3, 2, 23, 59, tzinfo=datetime.UTC), D(2026, 3, 2)),
        ("Not/AZone", datetime.datetime(2026, 3, 2, 23, 59, tzinfo=datetime.UTC), D(2026, 3, 2)),
    ],
)
def test_today_is_the_persons_own_date(
    zone: str, utc_now: datetime.datetime, local_date: datetime.date
) -> None:
    with time_machine.travel(utc_now, tick=False):
        assert Profile(time_zone=zone).today() == local_date


def test_overdue_is_judged_by_the_persons_own_date() -> None:
    request = RecordsRequest(requested_on=D(2026, 3, 1), status="requested")  # due 31 March
    # 1 April 03:00 UTC is still 31 March in Los Angeles (a day after the US DST change).
    with time_machine.travel(datetime.datetime(2026, 4, 1, 3, 0, tzinfo=datetime.UTC), tick=False):
        in_los_angeles, in_paris = (
            Profile(time_zone="America/Los_Angeles").today(),
            Profile(time_zone="Europe/Paris").today(),
        )
    assert not clock.is_overdue(request, in_los_angeles)
    assert clock.is_overdue(request, in_paris)
    request.status = "received"
    assert not clock.is_overdue(request, in_paris)


def test_every_allowed_move_is_accepted_and_kept_in_the_history(case: Case, owner: User) -> None:
    today = D(2026, 6, 30)
    for start, targets in ALLOWED_MOVES.items():
        for target in targets:
            request = make_request(
                case, status=start, requested_on=None if start == "preparing" else D(2026, 6, 1)
            )
            event = move(request, target, D(2026, 6, 10), today=today, user=owner, note="ok")
            request.refresh_from_db()
            assert request.status == target
            assert (event.from_status, event.to_status, event.on) == (start, target, D(2026, 6, 10))


def test_every_other_move_is_refused_with_a_message_and_changes_nothing(case: Case, owner: User) -> None:
    today = D(2026, 6, 30)
    refused = 0
    for start in RequestStatus.values:
        for target in RequestStatus.values:
            if target in ALLOWED_MOVES[start]:
                continue
            request = make_request(
                case, status=start, requested_on=None if start == "preparing" else D(2026, 6, 1)
            )
            with pytest.raises(MoveRefused) as refusal:
                move(request, target, D(2026, 6, 10), today=today, user=owner)
            assert "cannot" in str(refusal.value)
            request.refresh_from_db()
            assert request.status == start
            assert not RequestEvent.objects.filter(request=request).exists()
            refused += 1
    assert refused == 64 - sum(len(targets) for targets in ALLOWED_MOVES.values())


def test_marking_requested_starts_the_clock_and_received_stops_it(case: Case, owner: User) -> None:
    request = make_request(case)
    move(request, "requested", D(2026, 5, 4), today=D(2026, 5, 4), user=owner)
    request.refresh_from_db()
    assert request.requested_on == D(2026, 5, 4)
    assert clock.legal_due_on(request) == D(2026, 6, 3)
    move(request, "received", D(2026, 5, 20), today=D(2026, 5, 21), user=owner)
    request.refresh_from_db()
    assert request.received_on == D(2026, 5, 20)
    assert not clock.is_overdue(request, D(2026, 12, 1))


def test_the_extension_is_recorded_once_and_only_inside_the_first_30_days(case: Case, owner: User) -> None:
    request = make_request(case, status="requested", requested_on=D(2026, 5, 1))
    with pytest.raises(MoveRefused, match="within the first 30 days"):
        move(request, "extended", D(2026, 6, 2), today=D(2026, 6, 5), user=owner)
    move(request, "extended", D(2026, 5, 31), today=D(2026, 6, 5), user=owner)  # day 30 still counts
    request.refresh_from_db()
    assert request.extension_notice_on == D(2026, 5, 31)
    assert clock.legal_due_on(request) == D(2026, 6, 30)
    assert "extended" not in request.allowed_moves()
    request.extension_notice_on = D(2026, 5, 31)
    with pytest.raises(MoveRefused, match="only once"):
        from secondop.records.progress import check_move

        request.status = "acknowledged"
        check_move(request, "extended", D(2026, 6, 1), D(2026, 6, 5))


def test_a_move_dated_in_the_future_or_before_the_request_is_refused(case: Case, owner: User) -> None:
    request = make_request(case, status="requested", requested_on=D(2026, 5, 10))
    with pytest.raises(MoveRefused, match="future"):
        move(request, "acknowledged", D(2026, 5, 20), today=D(2026, 5, 19), user=owner)
    with pytest.raises(MoveRefused, match="before the day you asked"):
        move(request, "acknowledged", D(2026, 5, 9), today=D(2026, 5, 19), user=owner)


def test_moving_the_request_date_moves_the_deadline(case: Case, owner: User) -> None:
    request = make_request(case, status="requested", requested_on=D(2026, 5, 10))
    change_request_date(request, D(2026, 5, 8), today=D(2026, 5, 19))
    assert clock.legal_due_on(request) == D(2026, 6, 7)
    with pytest.raises(MoveRefused, match="future"):
        change_request_date(request, D(2026, 5, 20), today=D(2026, 5, 19))


@time_machine.travel(datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC), tick=False)
def test_what_a_move_makes_due_commits_or_rolls_back_with_it(case: Case, owner: User) -> None:
    request = make_request(case)
    with pytest.raises(RuntimeError), transaction.atomic():
        move(request, "requested", D(2026, 7, 1), today=D(2026, 7, 1), user=owner)
        case.refresh_from_db()
        assert case.next_due_on == D(2026, 7, 8)  # the follow-up
        assert Reminder.objects.filter(request=request).count() == 3
        raise RuntimeError
    case.refresh_from_db()
    assert case.next_due_on is None and not Reminder.objects.filter(request=request).exists()

    move(request, "requested", D(2026, 7, 1), today=D(2026, 7, 1), user=owner)
    move(request, "acknowledged", D(2026, 7, 1), today=D(2026, 7, 1), user=owner)  # the holder answered
    case.refresh_from_db()
    assert case.next_due_on == D(2026, 7, 31)  # the legal deadline
    assert Reminder.objects.get(request=request, kind="follow_up").status == "cancelled"
