"""Domain changes that schedule, move or cancel reminders, in the transaction that makes the change."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from secondop.accounts.models import Profile
from secondop.authorizations.models import Authorization
from secondop.cases.checklist import item_ticked
from secondop.cases.models import ChecklistItem, Membership, TeamMembership, TeamShare
from secondop.records.models import Provider, RecordsRequest
from secondop.reminders import scheduling
from secondop.visits.models import PhysicalItem, Visit


@receiver(post_save, sender=RecordsRequest)
def request_changed_schedules(sender: type, instance: RecordsRequest, **kwargs: Any) -> None:
    scheduling.schedule_for_request(instance)


@receiver(post_save, sender=Provider)
def holder_change_moves_the_deadlines(sender: type, instance: Provider, **kwargs: Any) -> None:
    """Its state and kind set the state's deadline of the requests to it."""
    for records_request in instance.requests_held.all():
        records_request.holder = instance
        scheduling.schedule_for_request(records_request)


@receiver(post_save, sender=ChecklistItem)
def new_checklist_item_gets_its_nudge(
    sender: type, instance: ChecklistItem, created: bool, **kwargs: Any
) -> None:
    if created:
        scheduling.schedule_nudge(instance)


@receiver(item_ticked, sender=ChecklistItem)
def ticked_item_is_never_nudged_again(sender: type, item: ChecklistItem, **kwargs: Any) -> None:
    scheduling.cancel_nudges(item)


@receiver(post_save, sender=Membership)
def member_who_gets_reminders_gets_what_is_scheduled(
    sender: type, instance: Membership, created: bool, **kwargs: Any
) -> None:
    if instance.gets_reminders and not created:  # a new case's owner has nothing scheduled yet
        scheduling.schedule_for_member(instance.case, instance.user)


@receiver(post_delete, sender=Membership)
def removed_member_gets_no_more_reminders(sender: type, instance: Membership, **kwargs: Any) -> None:
    scheduling.cancel_for_member(instance.case_id, instance.user_id)
    # Unless a team still gives them the case and they follow it: settled once the change is committed
    # (not inside it: the case itself may be going, with everything that points to it).
    pair = (instance.case_id, instance.user_id)
    transaction.on_commit(lambda: scheduling.settle({pair}))


@receiver(post_delete, sender=TeamMembership)
def team_member_gone_keeps_only_what_else_gives_them(
    sender: type, instance: TeamMembership, **kwargs: Any
) -> None:
    cases = TeamShare.objects.filter(team_id=instance.team_id).values_list("case_id", flat=True)
    pairs = {(case_id, instance.user_id) for case_id in cases}
    transaction.on_commit(lambda: scheduling.settle(pairs))


@receiver(post_delete, sender=TeamShare)
def team_share_gone_keeps_only_what_else_gives_them(sender: type, instance: TeamShare, **kwargs: Any) -> None:
    users = TeamMembership.objects.filter(team_id=instance.team_id).values_list("user_id", flat=True)
    pairs = {(instance.case_id, user_id) for user_id in users}
    transaction.on_commit(lambda: scheduling.settle(pairs))


@receiver(post_save, sender=Profile)
def profile_change_moves_reminders(sender: type, instance: Profile, created: bool, **kwargs: Any) -> None:
    if not created:
        scheduling.reschedule_for_user(instance.user)


@receiver(post_save, sender=Visit)
def visit_is_reminded_the_day_before(sender: type, instance: Visit, **kwargs: Any) -> None:
    scheduling.schedule_for_visit(instance)


@receiver(post_save, sender=PhysicalItem)
def item_not_arrived_is_nudged_before_the_visit(sender: type, instance: PhysicalItem, **kwargs: Any) -> None:
    scheduling.schedule_for_item(instance)


@receiver(post_save, sender=Authorization)
def authorization_is_reminded_before_it_ends(sender: type, instance: Authorization, **kwargs: Any) -> None:
    scheduling.schedule_for_authorization(instance)
