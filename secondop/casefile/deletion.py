"""Deleting an account: the person's own cases with everything in them, and everything that is theirs
alone. Cases other people own stay as they are; their audit trail keeps the e-mail of who did what (the link
to the account becomes empty)."""

import dataclasses

from django.db import transaction
from django.db.models import Count, Q

from secondop.accounts.models import User
from secondop.cases import sharing, teams
from secondop.cases.models import Case, Membership, Role, Team, TeamMembership, TeamRole
from secondop.records.models import RecordsRequest
from secondop.retry import retried
from secondop.visits.models import Visit


@dataclasses.dataclass(frozen=True)
class DeletionPlan:
    """What deleting the account will do, for the confirmation page."""

    owned_cases: list[Case]
    # Owned cases someone else can see (a member or a team): deleting takes them away from those people.
    shared_owned_cases: list[Case]
    other_memberships: list[Membership]
    # Teams in which this person is the only admin while others remain: the longest-standing member
    # becomes admin, so that the team keeps one.
    teams_handed_on: list[Team]
    # Teams in which this person is the only member: they go too.
    teams_deleted: list[Team]


def owned_cases(user: User) -> list[Case]:
    return list(
        Case.objects.filter(memberships__user=user, memberships__role=Role.OWNER).order_by("created_at", "pk")
    )


def plan(user: User) -> DeletionPlan:
    owned = owned_cases(user)
    shared_ids = set(
        Case.objects.filter(pk__in=[case.pk for case in owned])
        .annotate(
            others=Count("memberships", filter=~Q(memberships__user=user), distinct=True),
            teams=Count("team_shares", distinct=True),
        )
        .filter(Q(others__gt=0) | Q(teams__gt=0))
        .values_list("pk", flat=True)
    )
    teams = (
        # pk__in, not members__user: a filter across the relation would also narrow the counts to this person.
        Team.objects.filter(pk__in=TeamMembership.objects.filter(user=user).values("team_id"))
        .annotate(
            member_count=Count("members", distinct=True),
            admin_count=Count("members", filter=Q(members__role=TeamRole.ADMIN), distinct=True),
            my_admin=Count("members", filter=Q(members__user=user, members__role=TeamRole.ADMIN)),
        )
        .order_by("name", "pk")
    )
    return DeletionPlan(
        owned_cases=owned,
        shared_owned_cases=[case for case in owned if case.pk in shared_ids],
        other_memberships=list(
            Membership.objects.filter(user=user)
            .exclude(role=Role.OWNER)
            .select_related("case")
            .order_by("case__patient_name", "pk")
        ),
        teams_handed_on=[
            team for team in teams if team.member_count > 1 and team.my_admin and team.admin_count == 1
        ],
        teams_deleted=[team for team in teams if team.member_count == 1],
    )


@retried
def delete_account(user: User) -> None:
    """Deletes the account and what is the person's own, in one transaction."""
    with transaction.atomic():
        # Lock the person's row: a second request deleting at the same moment waits, then finds nothing.
        User.objects.select_for_update().filter(pk=user.pk).first()
        # Their place in other people's cases: audited as leaving (under their e-mail), reminders cancelled.
        for membership in (
            Membership.objects.filter(user=user).exclude(role=Role.OWNER).select_related("case")
        ):
            sharing.leave(membership)
        # Everything in their own cases goes with them (checklists, records, letters, scripts, reminders,
        # invitations, team shares and the cases' own audit trail).
        owned = Case.objects.filter(memberships__user=user, memberships__role=Role.OWNER)
        # A provider cannot be deleted while a request names it (PROTECT), so the requests go first.
        RecordsRequest.objects.filter(case__in=owned).delete()
        Visit.objects.filter(case__in=owned).delete()  # the same, for the appointment's doctor
        owned.delete()
        for team_membership in TeamMembership.objects.filter(user=user).select_related("team"):
            _leave_team(team_membership)
        # The rest cascades from the account: profile, e-mail addresses, two-factor keys, reminders, inbox,
        # push subscriptions. Links from other people's data (who ticked an item, who
        # wrote a script, the actor of an audit event) become empty.
        user.delete()


def _leave_team(membership: TeamMembership) -> None:
    others = (
        TeamMembership.objects.select_for_update()
        .filter(team_id=membership.team_id)
        .exclude(pk=membership.pk)
    )
    remaining = list(others.order_by("created_at", "pk"))
    if not remaining:
        membership.team.delete()
        return
    if membership.role == TeamRole.ADMIN and not any(m.role == TeamRole.ADMIN for m in remaining):
        TeamMembership.objects.filter(pk=remaining[0].pk).update(role=TeamRole.ADMIN)
    teams.record_left(membership)  # the trail of every case shared with the team says so
    membership.delete()
