"""The audit trail: who viewed a case (members other than the owner), changed what, shared, revoked or
exported it, and when."""

import contextlib
import datetime
import hashlib
import logging
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from secondop.cases.models import AuditAction, AuditEvent, Case
from secondop.memo import Recent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from secondop.accounts.models import User

logger = logging.getLogger(__name__)

# Views and changes come in bursts (every autosave is a change): one entry per person, case and kind of
# change in this window is the trail a person can read.
QUIET_WINDOW = datetime.timedelta(minutes=30)
# How long a request holds the claim to write an event.
CLAIM_SECONDS = 10

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


# The events this process knows the database has, until their window ends: a page viewed again asks
# neither the database nor Redis.
remembered = Recent(10_000)


def record_once(case: Case, actor: "User | AnonymousUser", action: str, detail: str = "") -> None:
    """Records the event unless the same person did the same thing to this case a moment ago.

    This process (`remembered`) and the cache remember, for the window, events the database has — once
    the transaction that wrote (or found) the row has committed — so a page viewed again does not ask the
    database. When neither remembers (a new window, a cache emptied or down, a transaction rolled back),
    the database decides.
    """
    digest = hashlib.sha256(f"{case.pk}:{actor.pk}:{action}:{detail}".encode()).hexdigest()
    key = f"audit-once:{digest}"
    if key in remembered:
        return
    try:
        # Remembered: done. Otherwise a short claim, so that two requests at the same moment (two tabs)
        # do not both find no row and both write one; a claim whose transaction rolls back only holds
        # the next attempt back for those few seconds.
        if cache.get(key) or not cache.add(f"{key}:claim", True, timeout=CLAIM_SECONDS):
            return
    except Exception:
        logger.warning("the cache did not answer; the audit trail asks the database")
    since = timezone.now() - QUIET_WINDOW
    recent = (
        AuditEvent.objects.filter(case=case, actor_id=actor.pk, action=action, detail=detail, at__gte=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if recent is None:
        recent = record(case, actor, action, detail).at

    def remember() -> None:
        # Until the window of the event the trail holds ends, not a full window from now.
        seconds = (recent + QUIET_WINDOW - timezone.now()).total_seconds()
        remembered.put(key, True, seconds)
        with contextlib.suppress(Exception):
            cache.set(key, True, timeout=max(seconds, 1))

    transaction.on_commit(remember)


# Where get_case_for leaves a change to record, until the answer shows it happened.
_PENDING = "_secondop_audit_change"


def change_when_saved(request: HttpRequest, case: Case, detail: str) -> None:
    """Notes a change for the trail; `record_pending` records it once the answer says it was saved (a
    refused form, a stale version or a server error changed nothing, so the trail must not say it did)."""
    setattr(request, _PENDING, (case, detail))


def record_pending(request: HttpRequest) -> None:
    pending = getattr(request, _PENDING, None)
    if pending is not None:
        case, detail = pending
        record_once(case, request.user, AuditAction.CHANGED, detail)
        delattr(request, _PENDING)


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


__all__ = ["AuditAction", "record", "record_once", "change_name", "change_when_saved", "record_pending"]
