import uuid
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from secondop.accounts.models import User


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADVOCATE = "advocate", _("Advocate")
    VIEWER = "viewer", _("Viewer")


# What each role may do. "write" edits the case's content; "own" shares, archives and hands over.
ROLE_CAN = {
    Role.OWNER: {"read", "write", "own"},
    Role.ADVOCATE: {"read", "write"},
    Role.VIEWER: {"read"},
}


class ProviderResponse(models.TextChoices):
    SUPPORTIVE = "supportive", _("Supportive — they welcome my questions")
    NEUTRAL = "neutral", _("Neutral — they answer, but briefly")
    DEFENSIVE = "defensive", _("Defensive — questions seem to bother them")
    DISMISSIVE = "dismissive", _("Dismissive — my concerns get brushed aside")


class YesNoUnsure(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNSURE = "unsure", _("Not sure")


class Approach(models.TextChoices):
    ROUTINE = "routine", _("Routine framing")
    COLLABORATIVE = "collaborative", _("Collaborative framing")


def default_records_wanted() -> list[str]:
    return ["complete", "visit_notes", "test_results", "imaging_reports"]


class ContactChannel(models.TextChoices):
    """How a contact happened or a script was used."""

    PORTAL = "portal", _("Patient portal")
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    FAX = "fax", _("Fax")
    EMAIL = "email", _("E-mail")
    MAIL = "mail", _("Mail")


class CaseQuerySet(models.QuerySet["Case"]):
    def for_user(self, user: "User | AnonymousUser") -> "CaseQuerySet":
        """The cases this person is a member of (no one else's)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        direct = Membership.objects.filter(user_id=cast(int, user.pk)).values("case_id")
        shared = TeamShare.objects.filter(team__members__user_id=cast(int, user.pk)).values("case_id")
        return self.filter(models.Q(pk__in=direct) | models.Q(pk__in=shared))

    def active(self) -> "CaseQuerySet":
        return self.filter(archived_at__isnull=True)

    def archived(self) -> "CaseQuerySet":
        return self.filter(archived_at__isnull=False)


class Case(models.Model):
    """One patient's effort to get a second opinion."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient_name = models.CharField(_("patient's name"), max_length=120)
    concern = models.CharField(
        _("what the second opinion is about"),
        max_length=300,
        blank=True,
        help_text=_("A few words are enough, for example “the surgery my doctor recommends”."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    # The approach chooser's answers (blank until answered) and the framing the person chose.
    provider_response = models.CharField(
        _("how does your doctor usually respond to your questions?"),
        max_length=16,
        choices=ProviderResponse.choices,
        blank=True,
    )
    felt_dismissed = models.CharField(
        _("have you felt dismissed when you raised a concern?"),
        max_length=8,
        choices=YesNoUnsure.choices,
        blank=True,
    )
    met_tension = models.CharField(
        _("has there been tension or an argument with this doctor?"),
        max_length=8,
        choices=YesNoUnsure.choices,
        blank=True,
    )
    wants_to_return = models.CharField(
        _("do you want to keep seeing this doctor?"), max_length=8, choices=YesNoUnsure.choices, blank=True
    )
    referral_needed = models.CharField(
        _("does your insurance plan need a referral for a specialist?"),
        max_length=8,
        choices=YesNoUnsure.choices,
        blank=True,
    )
    approach = models.CharField(max_length=16, choices=Approach.choices, blank=True)
    approach_answered_at = models.DateTimeField(null=True, blank=True)

    # Facts the scripts use that belong to no one provider.
    records_wanted = models.JSONField(default=default_records_wanted, blank=True)

    # What the person found out about their right to their records.
    rights_state = models.CharField(_("your state"), max_length=60, blank=True)
    rights_notes = models.TextField(_("what you found"), blank=True, max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # What is due next on the case's open records requests, as the dashboard orders and names it: the
    # earliest date due (secondop.records.clock.next_due), its kind and whose records; and the earliest legal
    # deadline, which the dashboard names instead once both have passed. Kept by secondop.records.progress
    # in the transaction of every change that moves them.
    next_due_on = models.DateField(null=True, blank=True, editable=False)
    next_due_kind = models.CharField(max_length=16, blank=True, editable=False)
    next_due_from = models.CharField(max_length=200, blank=True, editable=False)
    legal_due_on = models.DateField(null=True, blank=True, editable=False)
    legal_due_from = models.CharField(max_length=200, blank=True, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        # The dashboard's order: the next due date (ascending puts none last on PostgreSQL), then the
        # last update.
        indexes = [
            models.Index(
                models.F("next_due_on"),
                models.F("updated_at").desc(),
                models.F("id").desc(),
                name="case_dashboard",
            )
        ]

    def __str__(self) -> str:
        return self.patient_name

    def get_absolute_url(self) -> str:
        return reverse("case_overview", args=[self.code])

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @classmethod
    def open_for(cls, user: "User", **fields: object) -> "Case":
        """Opens a case with `user` as its owner, and the week's checklist."""
        from secondop.cases.checklist import create_checklist

        with transaction.atomic():
            case = cls.objects.create(created_by=user, **fields)
            Membership.objects.create(case=case, user=user, role=Role.OWNER, gets_reminders=True)
            create_checklist(case)
        return case

    @property
    def approach_answered(self) -> bool:
        return self.approach_answered_at is not None

    def archive(self) -> None:
        self.archived_at = timezone.now()
        self.save(update_fields=["archived_at", "updated_at"])

    def unarchive(self) -> None:
        self.archived_at = None
        self.save(update_fields=["archived_at", "updated_at"])


class Membership(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    gets_reminders = models.BooleanField(
        _("get this case's reminders"),
        default=False,
        help_text=_("The owner gets them unless they turn them off."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="one_membership_per_case_user"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_known"),
        ]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.case}"

    def can(self, action: str) -> bool:
        return action in ROLE_CAN[Role(self.role)]


class ChecklistItem(models.Model):
    """One item of the week's checklist. Standard items have a `key`; the person's own items have none."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="checklist")
    key = models.SlugField(max_length=32, blank=True)
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ticked_automatically = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "key"], condition=~models.Q(key=""), name="one_standard_item_per_case"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def shown_title(self) -> str:
        """The title as a page shows it: a standard item's in the reader's language (while it has the
        wording it was created with, stored in English); the person's own items as they wrote them."""
        from secondop.cases.checklist import STANDARD_BY_KEY

        standard = STANDARD_BY_KEY.get(self.key)
        if standard is not None and self.title == standard.title:
            return gettext(standard.title)
        return self.title


class Question(models.Model):
    """A question to ask at the second-opinion appointment."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=500)
    position = models.PositiveIntegerField(default=0)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_note = models.TextField(_("what you learned"), blank=True, max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class InsuranceCheck(models.Model):
    """What the insurer said about a referral and pre-authorisation."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="insurance")
    plan_name = models.CharField(_("insurance plan"), max_length=200, blank=True)
    phone_called = models.CharField(_("phone number you called"), max_length=40, blank=True)
    referral_required = models.CharField(
        _("is a referral required?"), max_length=8, choices=YesNoUnsure.choices, blank=True
    )
    preauth_required = models.CharField(
        _("is pre-authorisation required?"), max_length=8, choices=YesNoUnsure.choices, blank=True
    )
    reference_numbers = models.CharField(_("reference numbers"), max_length=300, blank=True)
    called_on = models.DateField(_("date of the call"), null=True, blank=True)
    spoke_with = models.CharField(_("person you spoke with"), max_length=120, blank=True)
    notes = models.TextField(blank=True, max_length=5000)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Insurance check for {self.case}"

    @property
    def is_settled(self) -> bool:
        """Both questions have a definite answer."""
        definite = {YesNoUnsure.YES, YesNoUnsure.NO}
        return self.referral_required in definite and self.preauth_required in definite


class InvitationQuerySet[I: "InvitationBase"](models.QuerySet[I]):
    def unanswered(self) -> "InvitationQuerySet[I]":
        """Neither accepted nor cancelled (expired or not)."""
        return self.filter(accepted_at__isnull=True, cancelled_at__isnull=True)

    def pending(self) -> "InvitationQuerySet[I]":
        """Still to be answered, and not expired: the ones that can be accepted."""
        return self.unanswered().filter(expires_at__gt=timezone.now())


class InvitationBase(models.Model):
    """What an invitation to a case and one to a team share. The link carries a random token; only its hash
    is stored. It is addressed to an e-mail address, works once, and only until it expires."""

    email = models.EmailField(_("e-mail address"))
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]
        # The dashboard looks up the invitations waiting for a person's addresses.
        indexes = [models.Index(fields=["email"], name="%(app_label)s_%(class)s_email")]

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None and self.expires_at > timezone.now()


class Invitation(InvitationBase):
    """An invitation to join a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(
        max_length=16, choices=[(Role.ADVOCATE, _("Advocate")), (Role.VIEWER, _("Viewer"))]
    )

    class Meta(InvitationBase.Meta):
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[Role.ADVOCATE, Role.VIEWER]), name="invitation_role_known"
            )
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.case}"


class TeamRole(models.TextChoices):
    ADMIN = "admin", _("Admin")
    MEMBER = "member", _("Member")


class Team(models.Model):
    """An advocacy practice: its members see the cases shared with the team."""

    name = models.CharField(max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(max_length=8, choices=TeamRole.choices, default=TeamRole.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="one_team_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class TeamShare(models.Model):
    """A case shared with a team, with the role its members get."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team_shares")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="shares")
    role = models.CharField(
        max_length=16, choices=[(Role.ADVOCATE, _("Advocate")), (Role.VIEWER, _("Viewer"))]
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "team"], name="one_share_per_team"),
            # A team gives advocate or viewer, never owner (secondop.cases.access).
            models.CheckConstraint(
                condition=models.Q(role__in=[Role.ADVOCATE, Role.VIEWER]), name="team_share_role_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} shared with {self.team}"


class TeamInvitation(InvitationBase):
    """An invitation to join a team. Joining lets the person see every case shared with the team, so it
    takes the invited person's own yes, given while signed in with the invited (verified) address."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=8, choices=TeamRole.choices, default=TeamRole.MEMBER)

    class Meta(InvitationBase.Meta):
        pass

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.team}"


class AuditAction(models.TextChoices):
    VIEWED = "viewed", _("viewed the case")
    CHANGED = "changed", _("changed")
    INVITED = "invited", _("invited")
    INVITATION_CANCELLED = "invitation_cancelled", _("cancelled the invitation of")
    JOINED = "joined", _("joined the case")
    ROLE_CHANGED = "role_changed", _("changed the role of")
    REVOKED = "revoked", _("removed")
    LEFT = "left", _("left the case")
    OWNER_CHANGED = "owner_changed", _("handed ownership to")
    TEAM_SHARED = "team_shared", _("shared the case with the team")
    TEAM_UNSHARED = "team_unshared", _("stopped sharing the case with the team")
    # Who can reach the case through a team: listed when the case is shared, and each change after.
    TEAM_MEMBER = "team_member", _("is in the team")
    TEAM_JOINED = "team_joined", _("joined the team")
    TEAM_LEFT = "team_left", _("left the team")
    TEAM_REMOVED = "team_removed", _("removed")
    EXPORTED = "exported", _("exported")


class AuditEvent(models.Model):
    """Who did what to a case, and when. The actor's e-mail is kept too, so the trail stays readable after
    that person leaves the case or deletes their account."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_email = models.EmailField(blank=True)
    action = models.CharField(max_length=24, choices=AuditAction.choices)
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["case", "actor", "action", "at"])]

    def __str__(self) -> str:
        return f"{self.actor_email} {self.get_action_display()} {self.detail}"
