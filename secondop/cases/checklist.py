"""The week's checklist: created with every case; items tick themselves when their work is done.

Hook for the reminders: `open_items(case)` is what is left to nudge about, and `item_ticked` is sent
whenever an item is ticked (by hand or by itself), so a scheduled nudge for it can be cancelled.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from secondop.cases.models import Case, ChecklistItem, InsuranceCheck

# Sent with `item` (a ChecklistItem) and `case` when an item is ticked, inside the same transaction (the
# reminders cancel its nudges).
item_ticked = Signal()


@dataclass(frozen=True)
class Standard:
    key: str
    title: str
    url_name: str
    url_args: tuple[str, ...] = ()

    def url(self, case: Case) -> str:
        return reverse(self.url_name, args=[case.code, *self.url_args])


# The titles are stored in English with each case's items; pages show them translated
# (ChecklistItem.shown_title).
STANDARD_ITEMS = [
    Standard("script", gettext_noop("Write your script"), "scripts_index"),
    Standard("rights", gettext_noop("Look up your right to your records"), "records_rights"),
    Standard("portal", gettext_noop("Send the portal message"), "draft_edit", ("portal-message",)),
    Standard("questions", gettext_noop("List your questions for the second opinion"), "questions"),
    Standard(
        "insurance", gettext_noop("Check if insurance needs a referral or pre-authorisation"), "insurance"
    ),
]
STANDARD_BY_KEY = {item.key: item for item in STANDARD_ITEMS}


def create_checklist(case: Case) -> None:
    # One by one, not in bulk: saving each item is what schedules its nudge.
    for index, item in enumerate(STANDARD_ITEMS):
        ChecklistItem.objects.get_or_create(
            case=case, key=item.key, defaults={"title": item.title, "position": index}
        )


def link_for(item: ChecklistItem) -> str | None:
    standard = STANDARD_BY_KEY.get(item.key)
    return standard.url(item.case) if standard else None


def open_items(case: Case) -> list[ChecklistItem]:
    return list(case.checklist.filter(done_at__isnull=True))


def _insurance_settled(case: Case) -> bool:
    insurance = InsuranceCheck.objects.filter(case=case).first()  # fresh, not the cached relation
    return insurance is not None and insurance.is_settled


# Whether a standard item's work is done, by its key. The work of "script" and "portal" is the scripts',
# which add their own tests here when the app is ready (secondop.scripts.apps): this app knows none of theirs.
DONE_WHEN: dict[str, Callable[[Case], bool]] = {
    "rights": lambda case: bool(case.rights_state.strip() or case.rights_notes.strip()),
    "questions": lambda case: case.questions.exists(),
    "insurance": _insurance_settled,
}


def work_done(case: Case) -> set[str]:
    """The standard items whose work the case shows as done."""
    return {key for key, done in DONE_WHEN.items() if done(case)}


def tick(item: ChecklistItem, user: object, *, automatically: bool = False) -> bool:
    """Ticks `item`; False when it was already ticked."""
    updated = ChecklistItem.objects.filter(pk=item.pk, done_at__isnull=True).update(
        done_at=timezone.now(), done_by=user, ticked_automatically=automatically
    )
    item.refresh_from_db()
    if updated:
        item_ticked.send(sender=ChecklistItem, item=item, case=item.case)
    return bool(updated)


def untick(item: ChecklistItem) -> None:
    ChecklistItem.objects.filter(pk=item.pk).update(done_at=None, done_by=None, ticked_automatically=False)
    item.refresh_from_db()


def sync(case: Case, user: object) -> list[ChecklistItem]:
    """Ticks the standard items whose work is now done; returns the ones it ticked.

    It never unticks: an item a person ticked, or one done earlier, stays done.
    """
    done = work_done(case)
    ticked = []
    for item in case.checklist.filter(done_at__isnull=True, key__in=done):
        if tick(item, user, automatically=True):
            ticked.append(item)
    return ticked


def progress(case: Case) -> tuple[int, int]:
    """(done, total) for the progress bar."""
    items = list(case.checklist.values_list("done_at", flat=True))
    return sum(1 for done_at in items if done_at is not None), len(items)
