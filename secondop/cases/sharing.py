"""Sharing a case stays the patient's: the owner invites, changes roles, revokes and hands over; members
may leave. Each change takes effect at once (the next request, and the next reminder) and is audited."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from secondop.accounts.models import User
from secondop.cases import audit
from secondop.cases.models import AuditAction, Case, Invitation, Membership, Role, Team, TeamShare

INVITATION_DAYS = 7


class SharingRefused(ValueError):
    """A sharing change the rules do not allow; the message says why."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(case: Case, by: User, email: str, role: str) -> tuple[Invitation, str]:
    """Creates an invitation and e-mails its link; returns it with the raw token (never stored)."""
    email = email.strip().lower()
    if role not in (Role.ADVOCATE, Role.VIEWER):
        raise SharingRefused("Choose advocate or viewer.")
    if Membership.objects.filter(case=case, user__email__iexact=email).exists():
        raise SharingRefused("That person is already in this case.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.filter(
            case=case, email__iexact=email, accepted_at__isnull=True, cancelled_at__isnull=True
        ).update(cancelled_at=timezone.now())
        invitation = Invitation.objects.create(
            case=case,
            email=email,
            role=role,
            token_hash=token_hash(token),
            created_by=by,
            expires_at=timezone.now() + datetime.timedelta(days=INVITATION_DAYS),
        )
        audit.record(case, by, AuditAction.INVITED, f"{email} as {Role(role).label.lower()}")
    link = settings.SITE_URL + reverse("invitation", args=[token])
    inviter = by.display_name or by.email
    # No patient name and no health detail: only who invites, and the link.
    mail.send_mail(
        subject="secondop: an invitation to help with a case",
        message=(
            f"{inviter} invited you to help with a case on secondop, as {Role(role).label.lower()}.\n\n"
            f"Open this link to join (it works once, for {INVITATION_DAYS} days):\n{link}\n\n"
            "If you did not expect this, you can ignore this e-mail."
        ),
        from_email=None,
        recipient_list=[email],
    )
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("case", "created_by").filter(token_hash=token_hash(token)).first()
    )


def accept(invitation: Invitation, user: User) -> Membership:
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.cancelled_at is not None:
            raise SharingRefused("This invitation was cancelled. Ask for a new one.")
        if locked.accepted_at is not None:
            raise SharingRefused("This invitation was already used.")
        if locked.expires_at <= timezone.now():
            raise SharingRefused("This invitation has expired. Ask for a new one.")
        if user.email.lower() != locked.email.lower():
            raise SharingRefused(
                "This invitation was sent to another e-mail address. Log in with that address to join."
            )
        membership, created = Membership.objects.get_or_create(
            case=locked.case, user=user, defaults={"role": locked.role}
        )
        locked.accepted_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by"])
        if created:
            audit.record(locked.case, user, AuditAction.JOINED, f"as {Role(locked.role).label.lower()}")
    return membership


def cancel_invitation(invitation: Invitation, by: User) -> None:
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=timezone.now())
    if updated:
        audit.record(invitation.case, by, AuditAction.INVITATION_CANCELLED, invitation.email)


def change_role(membership: Membership, role: str, by: User) -> None:
    if membership.role == Role.OWNER:
        raise SharingRefused("The owner's role changes only by handing ownership to someone else.")
    if role not in (Role.ADVOCATE, Role.VIEWER):
        raise SharingRefused("Choose advocate or viewer.")
    if role != membership.role:
        Membership.objects.filter(pk=membership.pk).update(role=role)
        audit.record(
            membership.case,
            by,
            AuditAction.ROLE_CHANGED,
            f"{membership.user.email} to {Role(role).label.lower()}",
        )


def _remove(membership: Membership) -> None:
    from secondop.reminders.scheduling import cancel_for_member

    cancel_for_member(membership.case, membership.user)
    membership.delete()


def revoke(membership: Membership, by: User) -> None:
    if membership.role == Role.OWNER:
        raise SharingRefused("The owner cannot be removed.")
    with transaction.atomic():
        audit.record(membership.case, by, AuditAction.REVOKED, membership.user.email)
        _remove(membership)


def leave(membership: Membership) -> None:
    if membership.role == Role.OWNER:
        raise SharingRefused("Hand the case to someone else before you leave it.")
    with transaction.atomic():
        audit.record(membership.case, membership.user, AuditAction.LEFT)
        _remove(membership)


def hand_over(case: Case, from_owner: Membership, to: Membership) -> None:
    """The new owner takes over in one step; the old owner stays, as advocate."""
    if to.case_id != case.pk or to.pk == from_owner.pk:
        raise SharingRefused("Choose another member of this case.")
    with transaction.atomic():
        Membership.objects.filter(pk=from_owner.pk).update(role=Role.ADVOCATE)
        Membership.objects.filter(pk=to.pk).update(role=Role.OWNER, gets_reminders=True)
        audit.record(case, from_owner.user, AuditAction.OWNER_CHANGED, to.user.email)
    from secondop.reminders.scheduling import schedule_for_member

    schedule_for_member(case, to.user)


def share_with_team(case: Case, team: Team, role: str, by: User) -> TeamShare:
    if role not in (Role.ADVOCATE, Role.VIEWER):
        raise SharingRefused("Choose advocate or viewer.")
    if not team.members.filter(user=by).exists():
        raise SharingRefused("You can share only with a team you belong to.")
    share, _ = TeamShare.objects.update_or_create(case=case, team=team, defaults={"role": role})
    audit.record(case, by, AuditAction.TEAM_SHARED, f"{team.name} as {Role(role).label.lower()}")
    return share


def unshare(share: TeamShare, by: User) -> None:
    audit.record(share.case, by, AuditAction.TEAM_UNSHARED, share.team.name)
    share.delete()
