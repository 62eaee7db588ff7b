"""Sharing a case stays the patient's: the owner invites, changes roles, revokes and hands over; members
may leave. Each change takes effect at once (the next request, and the next reminder) and is audited."""

import datetime
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from secondop import ratelimit
from secondop.accounts.models import User
from secondop.cases import audit
from secondop.cases.models import (
    AuditAction,
    AuditEvent,
    Case,
    Invitation,
    InvitationBase,
    Membership,
    Role,
    Team,
    TeamMembership,
    TeamShare,
)
from secondop.retry import retried

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

INVITATION_DAYS = 7
DAY = 24 * 60 * 60
# Case invitations one person may send in a day, and one case may get in a day (a family and a few
# helpers fit; a mail relay does not).
CASE_INVITATIONS_PER_PERSON = 20
CASE_INVITATIONS_PER_CASE = 10

TOO_MANY_FROM_YOU = gettext_lazy("You have sent many invitations today. Try again tomorrow.")
TOO_MANY_FOR_CASE = gettext_lazy("This case has had many invitations today. Try again tomorrow.")
NO_CONFIRMED_ADDRESS = gettext_lazy(
    "Please confirm your e-mail address first: the invitation tells them it comes from that address. "
    "You can do it in Settings, under E-mail addresses."
)


SENDER_GONE = gettext_lazy(
    "This invitation no longer works: the person who sent it can no longer invite. Ask for a new one."
)

# What an invitation mail invites to (send_invitation).
TO_CASE_AS_ADVOCATE = "case-advocate"
TO_CASE_AS_VIEWER = "case-viewer"
TO_TEAM = "team"


class SharingRefused(ValueError):
    """A sharing change the rules do not allow; the message says why."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_invitation[I: InvitationBase](
    model: type[I], email: str, role: str, by: User, **target: object
) -> tuple[I, str]:
    """Call inside a transaction. Cancels the unanswered invitations of `email` to the same case or team
    (`target`) and makes a new one; returns it with its link's token, of which only the hash is stored."""
    invitations: Any = model._default_manager  # the role, and the case or team, are the subclass's
    token = secrets.token_urlsafe(32)
    invitations.filter(email__iexact=email, **target).unanswered().update(cancelled_at=timezone.now())
    invitation: I = invitations.create(
        email=email,
        role=role,
        token_hash=token_hash(token),
        created_by=by,
        expires_at=timezone.now() + datetime.timedelta(days=INVITATION_DAYS),
        **target,
    )
    return invitation, token


def cancel_invitations_of[I: InvitationBase](model: type[I], user: User, **target: object) -> None:
    """Cancels the unanswered invitations of `model` to the case or team (`target`) addressed to any of the
    person's confirmed addresses: someone removed cannot come back through another invitation."""
    invitations: Any = model._default_manager
    invitations.filter(email__in=verified_addresses(user), **target).unanswered().update(
        cancelled_at=timezone.now()
    )


def refuse_unless_plain_address(email: str) -> None:
    """An address at a domain name: never at an IP address in brackets, which mail servers may deliver to
    a machine of their own network."""
    if email.rpartition("@")[2].startswith("["):
        raise SharingRefused(_("Use an e-mail address with a domain name, like name@example.com."))


def waiting[I: InvitationBase](model: type[I], user: User) -> QuerySet[I]:
    """Invitations of `model` still to be answered, addressed to one of the person's confirmed addresses."""
    invitations: Any = model._default_manager
    pending: QuerySet[I] = invitations.pending()
    return (
        pending.filter(email__in=verified_addresses(user))
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def verified_addresses(user: User) -> QuerySet[EmailAddress, str]:
    """The person's confirmed e-mail addresses, in lower case, as a subquery."""
    return (
        EmailAddress.objects.filter(user_id=user.pk, verified=True)
        .annotate(lower=Lower("email"))
        .values("lower")
    )


def sender_address(user: User) -> str:
    """How an invitation names the person who sent it: their primary address, confirmed. Never a name they
    typed (it could say anything), so the mail carries no words of the sender's choosing."""
    address = EmailAddress.objects.filter(user_id=user.pk, primary=True, verified=True).first()
    if address is None:
        raise SharingRefused(NO_CONFIRMED_ADDRESS)
    return address.email


def refuse_over_limit(*limits: "tuple[str, object, int, StrOrPromise]") -> None:
    """Counts one send against each (scope, key, limit a day, refusal) and refuses when any is used up."""
    for scope, key, limit, refusal in limits:
        if not ratelimit.allow(scope, key, limit, DAY):
            raise SharingRefused(refusal)


def language_for(email: str) -> str:
    """The language an invitation to `email` is written in: that of the person the address already belongs
    to (a confirmed address of theirs, or their account's), else the one in use (the inviting person's)."""
    owner = (
        User.objects.filter(
            pk__in=EmailAddress.objects.filter(email__iexact=email, verified=True).values("user_id")
        )
        .select_related("profile")
        .first()
        or User.objects.filter(email__iexact=email).select_related("profile").first()
    )
    profile = getattr(owner, "profile", None) if owner is not None else None
    return profile.language if profile is not None else (translation.get_language() or settings.LANGUAGE_CODE)


def send_invitation(email: str, sender: str, to: str, token: str) -> None:
    """The invitation mail, to a case as advocate or viewer, or to a team (`to`, one of the TO_ names), in
    the invited person's language. No patient name, no health detail, no team name and no words the sender
    typed: only their confirmed address, what they invite to, and the link."""
    link = settings.SITE_URL + reverse("invitation", args=[token])
    with translation.override(language_for(email)):
        subject, invited = {
            TO_CASE_AS_ADVOCATE: (
                _("secondop: an invitation to help with a case, as advocate"),
                _("On secondop, {sender} invited you to help with a case, as advocate."),
            ),
            TO_CASE_AS_VIEWER: (
                _("secondop: an invitation to help with a case, as viewer"),
                _("On secondop, {sender} invited you to help with a case, as viewer."),
            ),
            TO_TEAM: (
                _("secondop: an invitation to join their team of advocates"),
                _("On secondop, {sender} invited you to join their team of advocates."),
            ),
        }[to]
        open_link = ngettext(
            "Open this link to join (it works once, for {days} day):",
            "Open this link to join (it works once, for {days} days):",
            INVITATION_DAYS,
        ).format(days=INVITATION_DAYS)
        message = "\n\n".join(
            [
                invited.format(sender=sender),
                f"{open_link}\n{link}",
                _("New to secondop? The link lets you sign up first, with this e-mail address."),
                _("If you did not expect this, you can ignore this e-mail."),
            ]
        )
    mail.send_mail(subject=subject, message=message, from_email=None, recipient_list=[email])


def invitation_sent(email: str) -> str:
    """What the person who sent an invitation is told."""
    return ngettext(
        "Invitation sent to {email}. It works for {days} day.",
        "Invitation sent to {email}. It works for {days} days.",
        INVITATION_DAYS,
    ).format(email=email, days=INVITATION_DAYS)


def refuse_unless_acceptable(invitation: InvitationBase, user: User) -> None:
    """Refuses unless `user` may accept the invitation now: it is still open, and addressed to one of their
    confirmed addresses (a confirmed address is the same proof as the link)."""
    if invitation.cancelled_at is not None:
        raise SharingRefused(_("This invitation was cancelled. Ask for a new one."))
    if invitation.accepted_at is not None:
        raise SharingRefused(_("This invitation was already used."))
    if invitation.expires_at <= timezone.now():
        raise SharingRefused(_("This invitation has expired. Ask for a new one."))
    if not verified_addresses(user).filter(lower=invitation.email.lower()).exists():
        if user.email.lower() == invitation.email.lower():
            raise SharingRefused(
                _("Please confirm your e-mail address first, with the link we sent you. Then you can join.")
            )
        raise SharingRefused(
            _("This invitation was sent to another e-mail address. Log in with that address to join.")
        )


def invite(case: Case, by: User, email: str, role: str) -> tuple[Invitation, str]:
    """Creates an invitation and e-mails its link; returns it with the raw token (never stored)."""
    email = email.strip().lower()
    if role not in (Role.ADVOCATE, Role.VIEWER):
        raise SharingRefused(_("Choose advocate or viewer."))
    refuse_unless_plain_address(email)
    if Membership.objects.filter(case=case, user__email__iexact=email).exists():
        raise SharingRefused(_("That person is already in this case."))
    sender = sender_address(by)
    refuse_over_limit(
        ("case-invitations-by", by.pk, CASE_INVITATIONS_PER_PERSON, TOO_MANY_FROM_YOU),
        ("case-invitations-to", case.pk, CASE_INVITATIONS_PER_CASE, TOO_MANY_FOR_CASE),
    )
    with transaction.atomic():
        invitation, token = new_invitation(Invitation, email, role, by, case=case)
        audit.record(case, by, AuditAction.INVITED, f"{email} as {role}")
    send_invitation(email, sender, TO_CASE_AS_ADVOCATE if role == Role.ADVOCATE else TO_CASE_AS_VIEWER, token)
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("case", "created_by").filter(token_hash=token_hash(token)).first()
    )


def waiting_for(user: User) -> QuerySet[Invitation]:
    """Open invitations to cases, addressed to one of the person's confirmed addresses, for cases they are
    not in yet."""
    return waiting(Invitation, user).exclude(
        case__in=Membership.objects.filter(user_id=user.pk).values("case_id")
    )


def accept(invitation: Invitation, user: User) -> Membership:
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().select_related("case").get(pk=invitation.pk)
        refuse_unless_acceptable(locked, user)
        # An invitation holds only while the person who sent it still owns the case.
        sender = locked.created_by_id
        if (
            sender is None
            or not Membership.objects.filter(case=locked.case, user_id=sender, role=Role.OWNER).exists()
        ):
            raise SharingRefused(SENDER_GONE)
        membership, created = Membership.objects.get_or_create(
            case=locked.case, user=user, defaults={"role": locked.role}
        )
        locked.accepted_at = timezone.now()
        locked.accepted_by = user
        locked.save(update_fields=["accepted_at", "accepted_by"])
        if created:
            audit.record(locked.case, user, AuditAction.JOINED, f"as {locked.role}")
    return membership


def cancel_invitation(invitation: Invitation, by: User) -> None:
    updated = Invitation.objects.filter(pk=invitation.pk).unanswered().update(cancelled_at=timezone.now())
    if updated:
        audit.record(invitation.case, by, AuditAction.INVITATION_CANCELLED, invitation.email)


def change_role(membership: Membership, role: str, by: User) -> None:
    if membership.role == Role.OWNER:
        raise SharingRefused(_("The owner's role changes only by handing ownership to someone else."))
    if role not in (Role.ADVOCATE, Role.VIEWER):
        raise SharingRefused(_("Choose advocate or viewer."))
    if role != membership.role:
        Membership.objects.filter(pk=membership.pk).update(role=role)
        audit.record(
            membership.case,
            by,
            AuditAction.ROLE_CHANGED,
            f"{membership.user.email} to {role}",
        )


def _remove(membership: Membership) -> None:
    cancel_invitations_of(Invitation, membership.user, case=membership.case)
    membership.delete()


def revoke(membership: Membership, by: User) -> None:
    if membership.role == Role.OWNER:
        raise SharingRefused(_("The owner cannot be removed."))
    with transaction.atomic():
        audit.record(membership.case, by, AuditAction.REVOKED, membership.user.email)
        _remove(membership)


def leave(membership: Membership) -> None:
    if membership.role == Role.OWNER:
        raise SharingRefused(_("Hand the case to someone else before you leave it."))
    with transaction.atomic():
        audit.record(membership.case, membership.user, AuditAction.LEFT)
        _remove(membership)


def hand_over(case: Case, from_owner: Membership, to: Membership) -> None:
    """The new owner takes over in one step; the old owner stays, as advocate."""
    if to.case_id != case.pk or to.pk == from_owner.pk:
        raise SharingRefused(_("Choose another member of this case."))
    with transaction.atomic():
        Membership.objects.filter(pk=from_owner.pk).update(role=Role.ADVOCATE)
        to.role, to.gets_reminders = Role.OWNER, True
        to.save(update_fields=["role", "gets_reminders"])  # the reminders start (secondop.reminders.signals)
        audit.record(case, from_owner.user, AuditAction.OWNER_CHANGED, to.user.email)


def day(moment: datetime.datetime) -> str:
    """A date as the audit trail stores it, "3 May 2026": always in English, as all its details are (the
    trail shows them in the reader's language, secondop.cases.audit.describe)."""
    with translation.override("en"):
        return dateformat.format(timezone.localtime(moment), "j M Y")


def can_do(role: str) -> str:
    """What a role lets a person do with a case, in words for the audit trail (stored in English)."""
    return "read and change" if role == Role.ADVOCATE else "read"


def lock_team(team: Team) -> None:
    """Call inside a transaction. Who joins or leaves a team, and which cases it is shared with, change one
    at a time: otherwise a case shared while someone joins could list the team without them and miss their
    join too (each transaction not yet seeing the other's row)."""
    Team.objects.select_for_update(no_key=True).filter(pk=team.pk).first()


@retried
def share_with_team(case: Case, team: Team, role: str, by: User) -> TeamShare:
    """Shares the case with the team. The first time, the trail lists who is in the team then, each with
    the day they joined it; later joins and departures are recorded as they happen (secondop.cases.teams)."""
    if role not in (Role.ADVOCATE, Role.VIEWER):
        raise SharingRefused(_("Choose advocate or viewer."))
    if not team.members.filter(user=by).exists():
        raise SharingRefused(_("You can share only with a team you belong to."))
    with transaction.atomic():
        lock_team(team)
        share, created = TeamShare.objects.update_or_create(case=case, team=team, defaults={"role": role})
        audit.record(case, by, AuditAction.TEAM_SHARED, f"{team.name} as {role}")
        if created:
            members = (
                TeamMembership.objects.filter(team=team).select_related("user").order_by("created_at", "pk")
            )
            AuditEvent.objects.bulk_create(
                AuditEvent(
                    case=case,
                    actor=member.user,
                    actor_email=member.user.email,
                    action=AuditAction.TEAM_MEMBER,
                    detail=f"{team.name} (since {day(member.created_at)}) and can {can_do(role)} this case"[
                        :300
                    ],
                )
                for member in members
            )
    return share


def unshare(share: TeamShare, by: User) -> None:
    audit.record(share.case, by, AuditAction.TEAM_UNSHARED, share.team.name)
    share.delete()
