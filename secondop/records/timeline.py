"""One chronological timeline per case: contacts, status moves of its requests, and script uses.

Used by the timeline page, the request page and the second-opinion packet. Times are shown in the
active time zone (the signed-in person's, set by UserTimeZoneMiddleware).
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from secondop.cases.models import Case
from secondop.records.models import ContactEntry, RequestEvent
from secondop.scripts.models import DraftUse


@dataclass(frozen=True)
class Entry:
    when: datetime.datetime  # for ordering; a dated entry sorts by when it was recorded that day
    date: datetime.date
    kind: str  # "contact", "status" or "script"
    title: str
    details: list[tuple[str, str]] = field(default_factory=list)  # (label, text), only those with text
    time: datetime.time | None = None  # the local time of day, known for contacts only
    request_id: int | None = None
    contact: ContactEntry | None = None


def _on_day(day: datetime.date, recorded: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(recorded)
    return timezone.make_aware(datetime.datetime.combine(day, local.time()))


def _filled(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return [(label, text) for label, text in pairs if text]


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
        local = timezone.localtime(contact.happened_at)
        who = f" with {contact.with_whom}" if contact.with_whom else ""
        timeline.append(
            Entry(
                when=local,
                date=local.date(),
                time=local.time(),
                kind="contact",
                title=f"{contact.get_channel_display()}{who}",
                details=_filled(
                    ("About", str(contact.request) if contact.request else ""),
                    ("You asked", contact.asked),
                    ("They answered", contact.answered),
                ),
                request_id=contact.request_id,
                contact=contact,
            )
        )
    for event in events:
        timeline.append(
            Entry(
                when=_on_day(event.on, event.at),
                date=event.on,
                kind="status",
                title=f"{event.request}: {event.get_to_status_display().lower()}",
                details=_filled(("Before", event.get_from_status_display()), ("Note", event.note)),
                request_id=event.request_id,
            )
        )
    for use in uses:
        timeline.append(
            Entry(
                when=_on_day(use.used_on, use.created_at),
                date=use.used_on,
                kind="script",
                title=f"Used the script “{use.draft.get_kind_display()}” "
                f"({use.get_channel_display().lower()})",
                details=_filled(("They said", use.provider_said)),
            )
        )
    timeline.sort(key=lambda entry: entry.when)
    return timeline
