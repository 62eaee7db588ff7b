"""Domain changes that schedule, move or cancel reminders, in the transaction that makes the change."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from secondop.accounts.models import Profile
from secondop.cases.checklist import item_ticked
from secondop.cases.models import ChecklistItem
from secondop.records.models import RecordsRequest
from secondop.records.services import request_changed
from secondop.reminders import scheduling


@receiver(request_changed, sender=RecordsRequest)
def request_changed_schedules(sender: type, request: RecordsRequest, **kwargs: Any) -> None:
    scheduling.schedule_for_request(request)


@receiver(post_save, sender=ChecklistItem)
def new_checklist_item_gets_its_nudge(
    sender: type, instance: ChecklistItem, created: bool, **kwargs: Any
) -> None:
    if created:
        scheduling.schedule_nudge(instance)


@receiver(item_ticked, sender=ChecklistItem)
def ticked_item_is_never_nudged_again(sender: type, item: ChecklistItem, **kwargs: Any) -> None:
    scheduling.cancel_nudges(item)


@receiver(post_save, sender=Profile)
def profile_change_moves_reminders(sender: type, instance: Profile, created: bool, **kwargs: Any) -> None:
    if not created:
        scheduling.reschedule_for_user(instance.user)
