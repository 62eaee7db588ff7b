"""One chronological timeline per case: contacts, status moves of its requests, and script uses."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from secondop.cases.models import Case
from secondop.records.models import ContactEntry, RequestEvent
from secondop.scripts.models import DraftUse


@dataclass(frozen=True)
class Entry:
    when: datetime.datetime  # for ordering; a dated entry sorts at the start of its day
    date: datetime.date
    kind: str  # "contact", "status" or "script"
    title: str
    detail: str
    request_id: int | None
    contact: ContactEntry | None = None


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def entries(case: Case, request_id: int | None = None) -> list[Entry]:
    """The case's timeline, oldest first; with `request_id`, only what belongs to that request."""
    contacts = case.contacts.select_related("request__holder")
    events = RequestEvent.objects.filter(request__case=case).select_related("request__holder")
    uses = DraftUse.objects.filter(draft__case=case).select_related("draft")
    if request_id is not None:
        contacts = contacts.filter(request_id=request_id)
        events = events.filter(request_id=request_id)
        uses = uses.none()
    timeline: list[Entry] = []
    for contact in contacts:
        who = f" with {contact.with_whom}" if contact.with_whom else ""
        detail = " ".join(
            part
            for part in (
                f"Asked: {contact.asked}" if contact.asked else "",
                f"Answer: {contact.answered}" if contact.answered else "",
            )
            if part
        )
        local = timezone.localtime(contact.happened_at)
        timeline.append(
            Entry(
                local,
                local.date(),
                "contact",
                f"{contact.get_channel_display()}{who}",
                detail,
                contact.request_id,
                contact,
            )
        )
    for event in events:
        note = f" — {event.note}" if event.note else ""
        timeline.append(
            Entry(
                _start_of(event.on),
                event.on,
                "status",
                f"Records from {event.request.holder}: {event.get_to_status_display().lower()}",
                f"Was {event.get_from_status_display().lower()}{note}",
                event.request_id,
            )
        )
    for use in uses:
        said = f"They said: {use.provider_said}" if use.provider_said else ""
        timeline.append(
            Entry(
                _start_of(use.used_on),
                use.used_on,
                "script",
                f"Used the script “{use.draft.get_kind_display()}” ({use.get_channel_display().lower()})",
                said,
                None,
            )
        )
    timeline.sort(key=lambda entry: entry.when)
    return timeline
