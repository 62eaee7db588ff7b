"""Which reminders exist, and when they are due: created, moved and cancelled in the same transaction as
the change that causes them (a request marked requested, records received, a checklist item ticked)."""

import datetime
from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from secondop.accounts.models import Profile, User
from secondop.authorizations.models import Authorization
from secondop.cases.models import Case, ChecklistItem, Membership, TeamShare
from secondop.records import clock
from secondop.records.models import RecordsRequest
from secondop.reminders.models import Reminder, ReminderKind, ReminderStatus, TeamFollow
from secondop.visits.models import ITEM_NUDGE_DAYS, PhysicalItem, Visit

REMINDER_TIME = datetime.time(9, 0)
# The checklist nudges: item `position` n is nudged on day n + 1 after the case was opened (one a day).
NUDGE_FIRST_DAY = 1


def following(pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Of these (case, person) pairs, those who get the case's reminders: a member who chose to (the owner
    by default), or someone the case reaches through a team who chose to, and whom a team still gives it.
    A person who is both is one recipient: the reminders are keyed by person, so none comes twice."""
    pairs = set(pairs)
    if not pairs:
        return set()
    cases, users = {case for case, _ in pairs}, {user for _, user in pairs}
    members = Membership.objects.filter(case_id__in=cases, user_id__in=users)
    direct = set(members.filter(gets_reminders=True).values_list("case_id", "user_id"))
    reach = TeamShare.objects.filter(case_id=OuterRef("case_id"), team__members__user_id=OuterRef("user_id"))
    through_teams = set(
        TeamFollow.objects.filter(case_id__in=cases, user_id__in=users)
        .filter(Exists(reach))
        .exclude(Exists(Membership.objects.filter(case_id=OuterRef("case_id"), user_id=OuterRef("user_id"))))
        .values_list("case_id", "user_id")
    )
    return pairs & (direct | through_teams)


def recipients(case: Case) -> list[User]:
    """Who gets this case's reminders (`following`)."""
    direct = case.memberships.filter(gets_reminders=True).values_list("user_id", flat=True)
    followers = TeamFollow.objects.filter(case=case).values_list("user_id", flat=True)
    candidates = {(case.pk, user) for user in [*direct, *followers]}
    chosen = {user for _, user in following(candidates)}
    return list(User.objects.filter(pk__in=chosen).select_related("profile").order_by("pk"))


def _profile(user: User) -> Profile:
    profile = getattr(user, "profile", None)
    return profile if profile is not None else Profile.objects.get_or_create(user=user)[0]


def due_moment(user: User, day: datetime.date) -> datetime.datetime:
    """9:00 on `day` where the person is, moved to the end of their quiet hours if 9:00 is inside them."""
    profile = _profile(user)
    zone = profile.zone
    at = REMINDER_TIME
    next_day = False
    if profile.is_quiet_at(at):
        at = profile.quiet_hours_end
        next_day = at <= REMINDER_TIME  # quiet hours that end before 9:00 again wrap to the next morning
    local_day = day + datetime.timedelta(days=1 if next_day else 0)
    local = datetime.datetime.combine(local_day, at).replace(tzinfo=zone)
    return local.astimezone(datetime.UTC)


def _schedule(user: User, case: Case, kind: str, key: str, day: datetime.date, **links: object) -> None:
    """Creates the reminder, or moves it while it has not been sent. A day already past in the person's
    calendar gets none (someone who joins a case late is not sent a week of old nudges at once)."""
    if day < _profile(user).today():
        _cancel(dedupe_key=key)
        return
    due_at = due_moment(user, day)
    reminder, created = Reminder.objects.get_or_create(
        dedupe_key=key,
        defaults={"recipient": user, "case": case, "kind": kind, "due_on": day, "due_at": due_at, **links},
    )
    if not created:
        Reminder.objects.filter(
            pk=reminder.pk, status__in=[ReminderStatus.SCHEDULED, ReminderStatus.CANCELLED]
        ).update(due_on=day, due_at=due_at, status=ReminderStatus.SCHEDULED)


def _cancel(**filters: object) -> int:
    return Reminder.objects.filter(status=ReminderStatus.SCHEDULED, **filters).update(
        status=ReminderStatus.CANCELLED
    )


def schedule_for_request(records_request: RecordsRequest) -> None:
    """What `clock.milestones` says is due: the follow-up a week after the request, the legal deadline
    (day 30, or 60 when extended) and one more the day after it. Whatever is no longer due is cancelled."""
    reminders = {}
    for kind, day in clock.milestones(records_request):
        if kind == clock.FOLLOW_UP:
            reminders[ReminderKind.FOLLOW_UP] = day
        else:
            reminders[ReminderKind.LEGAL_DUE] = day
            reminders[ReminderKind.OVERDUE] = day + datetime.timedelta(days=1)
    if not reminders:  # closed, or not yet asked: everything about it, snoozed ones too
        _cancel(request=records_request)
    elif ReminderKind.FOLLOW_UP not in reminders:  # followed up, or part of the records came
        _cancel(request=records_request, kind=ReminderKind.FOLLOW_UP)
    for user in recipients(records_request.case) if reminders else []:
        for kind, day in reminders.items():
            key = f"{kind}:r{records_request.pk}:u{user.pk}"
            _schedule(user, records_request.case, kind, key, day, request=records_request)


def schedule_nudge(item: ChecklistItem) -> None:
    """One nudge a day per case, spread over the week: the item at position n on day n + 1."""
    if not item.key or item.done_at is not None:
        return
    for user in recipients(item.case):
        zone = _profile(user).zone
        opened = item.case.created_at.astimezone(zone).date()
        day = opened + datetime.timedelta(days=NUDGE_FIRST_DAY + item.position)
        key = f"{ReminderKind.CHECKLIST}:i{item.pk}:u{user.pk}"
        _schedule(user, item.case, ReminderKind.CHECKLIST, key, day, checklist_item=item)


def cancel_nudges(item: ChecklistItem) -> None:
    _cancel(checklist_item=item)


def _visit_day(visit: Visit, user: User) -> datetime.date:
    return visit.starts_at.astimezone(_profile(user).zone).date()


def schedule_for_visit(visit: Visit) -> None:
    """The day before the appointment (at the person's reminder hour), with what to bring; and a nudge for
    each physical item not yet arrived a few days before it. A moved appointment's old reminder goes."""
    key_now = f"{visit.starts_at:%Y%m%d%H%M}:"
    Reminder.objects.filter(visit=visit, status=ReminderStatus.SCHEDULED).exclude(
        dedupe_key__contains=key_now
    ).update(status=ReminderStatus.CANCELLED)
    for user in recipients(visit.case):
        day = _visit_day(visit, user) - datetime.timedelta(days=1)
        # The appointment's time in the key: a moved one is reminded again, even after the first went out.
        key = f"{ReminderKind.VISIT}:v{visit.case_id}:{visit.starts_at:%Y%m%d%H%M}:u{user.pk}"
        _schedule(user, visit.case, ReminderKind.VISIT, key, day, visit=visit)
    for item in PhysicalItem.objects.filter(case=visit.case):
        schedule_for_item(item, visit)


def schedule_for_authorization(authorization: Authorization) -> None:
    """Two weeks before a signed authorization ends (a new one takes a signature, and time)."""
    if not authorization.needs_reminder:
        _cancel(authorization=authorization)
        return
    for user in recipients(authorization.case):
        key = f"{ReminderKind.AUTHORIZATION}:a{authorization.pk}:u{user.pk}"
        # One signed with less than two weeks left is reminded at once (today, or tomorrow if 9:00 passed).
        today = _profile(user).today()
        day = (
            max(authorization.remind_on, today)
            if authorization.expires_on >= today
            else authorization.remind_on
        )
        _schedule(user, authorization.case, ReminderKind.AUTHORIZATION, key, day, authorization=authorization)


def schedule_for_item(item: PhysicalItem, visit: Visit | None = None) -> None:
    visit = visit or Visit.objects.filter(case=item.case).first()
    if visit is None or item.arrived:
        _cancel(physical_item=item)
        return
    moved = f":{visit.starts_at:%Y%m%d}:"
    Reminder.objects.filter(physical_item=item, status=ReminderStatus.SCHEDULED).exclude(
        dedupe_key__contains=moved
    ).update(status=ReminderStatus.CANCELLED)
    for user in recipients(item.case):
        day = _visit_day(visit, user) - datetime.timedelta(days=ITEM_NUDGE_DAYS)
        key = f"{ReminderKind.ITEM_MISSING}:p{item.pk}:{visit.starts_at:%Y%m%d}:u{user.pk}"
        _schedule(user, item.case, ReminderKind.ITEM_MISSING, key, day, physical_item=item)


def reschedule_for_user(user: User) -> None:
    """After a change of time zone or quiet hours: the same days, at this person's new 9:00."""
    for reminder in Reminder.objects.filter(recipient=user, status=ReminderStatus.SCHEDULED):
        Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.SCHEDULED).update(
            due_at=due_moment(user, reminder.due_on)
        )


def schedule_for_member(case: Case, user: User) -> None:
    """When a member starts getting a case's reminders: what is already scheduled for others."""
    for records_request in case.records_requests.select_related("holder"):
        schedule_for_request(records_request)
    for item in case.checklist.filter(done_at__isnull=True).exclude(key=""):
        schedule_nudge(item)
    for visit in Visit.objects.filter(case=case):
        schedule_for_visit(visit)
    for authorization in Authorization.objects.filter(case=case):
        schedule_for_authorization(authorization)


def cancel_for_member(case_id: int, user_id: int) -> None:
    """A member who stops getting the case's reminders (or is removed) gets none from now on."""
    _cancel(case_id=case_id, recipient_id=user_id)


def settle(pairs: Iterable[tuple[int, int]]) -> None:
    """After a change of who reaches which case (a membership or a team's share or member gone): a person
    who still follows a case keeps (or gets back) its reminders; one who no longer does gets none, and a
    team follow the teams no longer back is forgotten."""
    pairs = set(pairs)
    kept = following(pairs)
    for case_id, user_id in pairs - kept:
        reach = TeamShare.objects.filter(case_id=case_id, team__members__user_id=user_id)
        if not reach.exists():
            TeamFollow.objects.filter(case_id=case_id, user_id=user_id).delete()
        cancel_for_member(case_id, user_id)
    for case_id, user_id in kept:
        case, user = Case.objects.filter(pk=case_id).first(), User.objects.filter(pk=user_id).first()
        if case is not None and user is not None:  # neither deleted meanwhile
            schedule_for_member(case, user)
