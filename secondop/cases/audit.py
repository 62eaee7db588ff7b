"""The audit trail: who viewed a case (members other than the owner), changed what, shared, revoked or
exported it, and when."""

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from secondop.cases.models import AuditAction, AuditEvent, Case
from secondop.pwa.protocol import outcome_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from secondop.accounts.models import User

# Views and changes come in bursts (every autosave is a change): one entry per person, case and kind of
# change in this window is the trail a person can read.
QUIET_WINDOW = datetime.timedelta(minutes=30)

# What a write to each URL changed, as the owner reads it in the trail.
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


__all__ = ["AuditAction", "AuditMiddleware", "record", "record_once", "change_name", "change_when_saved"]
