"""The audit trail: who viewed a case (members other than the owner), changed what, shared, revoked or
exported it, and when."""

import datetime
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from secondop.cases.models import AuditAction, AuditEvent, Case
from secondop.pwa.protocol import outcome_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from secondop.accounts.models import User

# Views and changes come in bursts (every autosave is a change): one entry per person, case and kind of
# change in this window is the trail a person can read.
QUIET_WINDOW = datetime.timedelta(minutes=30)

# What a write to each URL changed, as the trail stores it (in English, as all its details: `describe`
# says them in the reader's language).
CHANGE_NAMES = {
    "case_edit": "the case details",
    "case_archive": "archived the case",
    "case_unarchive": "brought the case back",
    "approach": "the approach answers",
    "script_facts": "the details for the scripts",
    "draft_save": "a script",
    "draft_restore": "a script",
    "draft_resolve": "a script",
    "draft_use": "a script's use",
    "draft_language": "a script",
    "checklist": "the checklist",
    "checklist_toggle": "the checklist",
    "checklist_delete": "the checklist",
    "records_rights": "the records rights notes",
    "questions": "the questions",
    "question_edit": "the questions",
    "question_move": "the questions",
    "question_answer": "the questions",
    "question_delete": "the questions",
    "insurance": "the insurance check",
    "opinion": "the second opinion",
    "visit": "the appointment",
    "bring_tick": "the list of what to bring",
    "item_new": "the items on their way",
    "item_progress": "the items on their way",
}


def record(case: Case, actor: "User | AnonymousUser", action: str, detail: str = "") -> AuditEvent:
    email = getattr(actor, "email", "") or ""
    return AuditEvent.objects.create(
        case=case,
        actor_id=actor.pk,
        actor_email=email,
        action=action,
        detail=detail[:300],
    )


def recent(actor: "User | AnonymousUser", action: str, detail: str = "") -> QuerySet[AuditEvent]:
    """The events of this kind by this person within the window, of any case (filter or OuterRef it):
    AuditEvent's index leads with these fields."""
    since = timezone.now() - QUIET_WINDOW
    return AuditEvent.objects.filter(actor_id=actor.pk, action=action, detail=detail, at__gte=since)


def record_once(case: Case, actor: "User | AnonymousUser", action: str, detail: str = "") -> None:
    """Records the event unless the same person did the same thing to this case within the window."""
    if not recent(actor, action, detail).filter(case=case).exists():
        record(case, actor, action, detail)


# Where get_case_for leaves a change to record, until the answer shows it happened.
_PENDING = "_secondop_audit_change"


def change_when_saved(request: HttpRequest, case: Case, detail: str) -> None:
    """Notes a change for the trail; AuditMiddleware records it once the answer says it was saved (a
    refused form, a stale version or a server error changed nothing, so the trail must not say it did)."""
    setattr(request, _PENDING, (case, detail))


class AuditMiddleware:
    """Records the change a write noted once its answer says it was saved. It comes after the outbox's
    IdempotencyMiddleware, so it runs inside the write's transaction; a replayed answer ran no view and
    noted nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        pending = getattr(request, _PENDING, None)
        if pending is not None and outcome_of(response, request) in ("saved", "conflict"):
            case, detail = pending
            record_once(case, request.user, AuditAction.CHANGED, detail)
        return response


# Writes that record an event of their own (sharing, exports), not a generic "changed".
SPECIFIC = {
    "people",
    "invitation_cancel",
    "member_role",
    "member_remove",
    "member_make_owner",
    "case_leave",
    "team_share",
    "team_unshare",
}


def change_name(url_name: str | None) -> str:
    if url_name and url_name in CHANGE_NAMES:
        return CHANGE_NAMES[url_name]
    return (url_name or "the case").replace("_", " ")


# How the trail says each change it stores (CHANGE_NAMES, a URL's name for the others, and the details the
# authorizations and the reminders give), after the name of who made it.
CHANGES = {
    "the case details": gettext_lazy("changed the case details"),
    # Translators: the owner archived the case.
    "archived the case": gettext_lazy("changed archived the case"),
    # Translators: the owner took the case out of the archive.
    "brought the case back": gettext_lazy("changed brought the case back"),
    "the approach answers": gettext_lazy("changed the approach answers"),
    "the details for the scripts": gettext_lazy("changed the details for the scripts"),
    "a script": gettext_lazy("changed a script"),
    "a script's use": gettext_lazy("changed a script's use"),
    "the checklist": gettext_lazy("changed the checklist"),
    "the records rights notes": gettext_lazy("changed the records rights notes"),
    "the questions": gettext_lazy("changed the questions"),
    "the insurance check": gettext_lazy("changed the insurance check"),
    "the second opinion": gettext_lazy("changed the second opinion"),
    "the appointment": gettext_lazy("changed the appointment"),
    "the list of what to bring": gettext_lazy("changed the list of what to bring"),
    "the items on their way": gettext_lazy("changed the items on their way"),
    "the follow-up": gettext_lazy("changed the follow-up"),
    "an authorization to share records": gettext_lazy("changed an authorization to share records"),
    "an authorization to share records (marked signed)": gettext_lazy(
        "changed an authorization to share records (marked signed)"
    ),
    "an authorization to share records (marked revoked)": gettext_lazy(
        "changed an authorization to share records (marked revoked)"
    ),
    # Translators: "provider new" and the like are the names of pages (adding a doctor or office, ...).
    "provider new": gettext_lazy("changed provider new"),
    "provider edit": gettext_lazy("changed provider edit"),
    "provider delete": gettext_lazy("changed provider delete"),
    "request new": gettext_lazy("changed request new"),
    "request edit": gettext_lazy("changed request edit"),
    "request move": gettext_lazy("changed request move"),
    "contact quick add": gettext_lazy("changed contact quick add"),
    "contact new": gettext_lazy("changed contact new"),
    "contact edit": gettext_lazy("changed contact edit"),
    "contact delete": gettext_lazy("changed contact delete"),
    "letter save": gettext_lazy("changed letter save"),
    "letter restore": gettext_lazy("changed letter restore"),
    "letter resolve": gettext_lazy("changed letter resolve"),
    "letter language": gettext_lazy("changed letter language"),
    "the case": gettext_lazy("changed the case"),
}
FROM_A_REMINDER = " (from a reminder)"
EXPORTS = {
    "the second-opinion packet": gettext_lazy("exported the second-opinion packet"),
    "the calendar file": gettext_lazy("exported the calendar file"),
    "all the case's data": gettext_lazy("exported all the case's data"),
}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
TEAM_MEMBER = re.compile(
    r"(?P<team>.+) \(since (?P<day>\d{1,2} [A-Z][a-z]{2} \d{4})\)"
    r" and can (?P<can>read and change|read) this case"
)
TEAM_JOINED = re.compile(
    r"(?P<team>.+) \((?:invited by (?P<inviter>[^()]+)|(?P<added>added without an invitation))\)"
    r" and can now (?P<can>read and change|read) this case"
)


def _stored_day(text: str) -> str | None:
    """A date the trail stored ("3 May 2026", secondop.cases.sharing.day) as the reader's language writes
    it; None when it is not one."""
    number, month, year = text.split(" ")
    if month not in MONTHS:
        return None
    try:
        return date_format(
            datetime.date(int(year), MONTHS.index(month) + 1, int(number)), "SHORT_DATE_FORMAT"
        )
    except ValueError:
        return None


def _with_role(detail: str, separator: str, advocate: str, viewer: str, name: str) -> str | None:
    """For a detail that ends with a role ("x@example.com as viewer"): the sentence for that role, with
    what comes before the role as `name`."""
    before, found, role = detail.rpartition(separator)
    if not found or not before or role not in ("advocate", "viewer"):
        return None
    return (advocate if role == "advocate" else viewer).format(**{name: before})


def _said(action: str, detail: str) -> str | None:
    """The sentence for an event, or None for a detail it cannot read."""
    if action == AuditAction.CHANGED:
        change, from_reminder = detail.removesuffix(FROM_A_REMINDER), detail.endswith(FROM_A_REMINDER)
        changed = CHANGES.get(change)
        if changed is None:
            return None
        return _("{change} (from a reminder)").format(change=changed) if from_reminder else str(changed)
    if action == AuditAction.EXPORTED:
        exported = EXPORTS.get(detail)
        return None if exported is None else str(exported)
    if not detail:
        return {
            AuditAction.VIEWED: _("viewed the case"),
            AuditAction.JOINED: _("joined the case"),
            AuditAction.LEFT: _("left the case"),
        }.get(AuditAction(action))
    if action == AuditAction.INVITED:
        return _with_role(
            detail, " as ", _("invited {email} as advocate"), _("invited {email} as viewer"), "email"
        )
    if action == AuditAction.JOINED:
        return {
            "as advocate": _("joined the case as advocate"),
            "as viewer": _("joined the case as viewer"),
        }.get(detail)
    if action == AuditAction.ROLE_CHANGED:
        return _with_role(
            detail,
            " to ",
            _("changed the role of {email} to advocate"),
            _("changed the role of {email} to viewer"),
            "email",
        )
    if action == AuditAction.TEAM_SHARED:
        return _with_role(
            detail,
            " as ",
            _("shared the case with the team {team} as advocate"),
            _("shared the case with the team {team} as viewer"),
            "team",
        )
    if action == AuditAction.TEAM_MEMBER:
        found = TEAM_MEMBER.fullmatch(detail)
        day = _stored_day(found["day"]) if found else None
        if found is None or day is None:
            return None
        is_in = (
            _("is in the team {team} (since {day}) and can read and change this case")
            if found["can"] == "read and change"
            else _("is in the team {team} (since {day}) and can read this case")
        )
        return is_in.format(team=found["team"], day=day)
    if action == AuditAction.TEAM_JOINED:
        found = TEAM_JOINED.fullmatch(detail)
        if found is None:
            return None
        can_change = found["can"] == "read and change"
        if found["added"]:
            added = (
                _(
                    "joined the team {team} (added without an invitation) "
                    "and can now read and change this case"
                )
                if can_change
                else _("joined the team {team} (added without an invitation) and can now read this case")
            )
            return added.format(team=found["team"])
        invited = (
            _("joined the team {team} (invited by {inviter}) and can now read and change this case")
            if can_change
            else _("joined the team {team} (invited by {inviter}) and can now read this case")
        )
        inviter = found["inviter"]
        # Translators: who invited someone to a team, when their address is no longer known.
        inviter = _("a team admin") if inviter == "a team admin" else inviter
        return invited.format(team=found["team"], inviter=inviter)
    if action == AuditAction.TEAM_REMOVED:
        email, found_, team = detail.partition(" from the team ")
        if not found_ or not email or not team:
            return None
        return _("removed {email} from the team {team}").format(email=email, team=team)
    if action in (AuditAction.INVITATION_CANCELLED, AuditAction.REVOKED, AuditAction.OWNER_CHANGED):
        return {
            AuditAction.INVITATION_CANCELLED: _("cancelled the invitation of {email}"),
            AuditAction.REVOKED: _("removed {email}"),
            AuditAction.OWNER_CHANGED: _("handed ownership to {email}"),
        }[AuditAction(action)].format(email=detail)
    if action in (AuditAction.TEAM_UNSHARED, AuditAction.TEAM_LEFT):
        return {
            AuditAction.TEAM_UNSHARED: _("stopped sharing the case with the team {team}"),
            AuditAction.TEAM_LEFT: _("left the team {team}"),
        }[AuditAction(action)].format(team=detail)
    return None


def describe(event: AuditEvent) -> str:
    """What the trail says of the event after the address of who did it, in the reader's language. Its
    details are stored in English (an address, a team's name, a role, a date, what changed); this reads them
    and says the whole in one sentence. A detail it cannot read is shown as it is stored."""
    try:
        said = _said(event.action, event.detail)
    except ValueError:  # an action this version does not know
        said = None
    if said is not None:
        return said
    label = event.get_action_display()
    return f"{label} {event.detail}" if event.detail else str(label)


__all__ = [
    "AuditAction",
    "AuditMiddleware",
    "record",
    "record_once",
    "change_name",
    "change_when_saved",
    "describe",
]
