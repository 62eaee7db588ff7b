import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from secondop.accounts.models import User


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADVOCATE = "advocate", "Advocate"
    VIEWER = "viewer", "Viewer"


# What each role may do. "write" edits the case's content; "own" shares, archives and hands over.
ROLE_CAN = {
    Role.OWNER: {"read", "write", "own"},
    Role.ADVOCATE: {"read", "write"},
    Role.VIEWER: {"read"},
}


class CaseQuerySet(models.QuerySet["Case"]):
    def for_user(self, user: "User | AnonymousUser") -> "CaseQuerySet":
        """The cases this person is a member of (no one else's)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(memberships__user=user)

    def active(self) -> "CaseQuerySet":
        return self.filter(archived_at__isnull=True)

    def archived(self) -> "CaseQuerySet":
        return self.filter(archived_at__isnull=False)


class Case(models.Model):
    """One patient's effort to get a second opinion."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient_name = models.CharField("patient's name", max_length=120)
    concern = models.CharField(
        "what the second opinion is about",
        max_length=300,
        blank=True,
        help_text="A few words are enough, for example “the surgery my doctor recommends”.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.patient_name

    def get_absolute_url(self) -> str:
        return reverse("case_overview", args=[self.code])

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @classmethod
    def open_for(cls, user: "User", **fields: object) -> "Case":
        """Opens a case with `user` as its owner."""
        with transaction.atomic():
            case = cls.objects.create(created_by=user, **fields)
            Membership.objects.create(case=case, user=user, role=Role.OWNER)
        return case

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
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="one_membership_per_case_user")]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.case}"

    def can(self, action: str) -> bool:
        return action in ROLE_CAN[Role(self.role)]
