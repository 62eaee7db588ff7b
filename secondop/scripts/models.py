from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from secondop.cases.models import Case


class DraftKind(models.TextChoices):
    SECOND_OPINION = "second-opinion", "Asking for a second opinion"
    RECORDS_REQUEST = "records-request", "Asking for your records"
    COLLABORATIVE = "collaborative", "Asking together (collaborative framing)"
    PUSHBACK = "pushback", "If your doctor pushes back"
    PORTAL_MESSAGE = "portal-message", "Portal message that documents the request"


class Channel(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"
    PORTAL = "portal", "Patient portal"
    EMAIL = "email", "E-mail"
    FAX = "fax", "Fax"
    MAIL = "mail", "Letter"


class SaveResult(models.TextChoices):
    SAVED = "saved"
    CONFLICT = "conflict"


class Draft(models.Model):
    """A script of one kind for one case: generated from our template with the case's facts, then edited.

    `version` goes up by one with every saved change; an edit based on an older version is a conflict,
    and then both texts are kept (`text` and `conflict_text`) until someone chooses.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="drafts")
    kind = models.CharField(max_length=24, choices=DraftKind.choices)
    text = models.TextField(max_length=20000)
    generated_text = models.TextField(max_length=20000)
    version = models.PositiveIntegerField(default=1)
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conflict_text = models.TextField(blank=True, max_length=20000)
    conflict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="one_draft_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.case}"

    @property
    def is_edited(self) -> bool:
        return self.text != self.generated_text

    @property
    def has_conflict(self) -> bool:
        return bool(self.conflict_text)

    def save_edit(self, text: str, based_on_version: int, user: object) -> SaveResult:
        """Saves `text` if nobody saved since `based_on_version`; otherwise keeps it beside the saved text."""
        with transaction.atomic():
            updated = Draft.objects.filter(pk=self.pk, version=based_on_version).update(
                text=text,
                version=F("version") + 1,
                edited_at=timezone.now(),
                edited_by=user,
                updated_at=timezone.now(),
            )
            if not updated:
                Draft.objects.filter(pk=self.pk).update(conflict_text=text, conflict_by=user)
        self.refresh_from_db()
        return SaveResult.SAVED if updated else SaveResult.CONFLICT

    def resolve_conflict(self, keep: str, user: object) -> None:
        """`keep` is "mine" (the text that arrived late) or "theirs" (the saved text)."""
        with transaction.atomic():
            draft = Draft.objects.select_for_update().get(pk=self.pk)
            if keep == "mine" and draft.conflict_text:
                draft.text = draft.conflict_text
                draft.version += 1
                draft.edited_at = timezone.now()
                draft.edited_by = user  # type: ignore[assignment]
            draft.conflict_text = ""
            draft.conflict_by = None
            draft.save()
        self.refresh_from_db()

    def restore_generated(self, generated: str, user: object) -> None:
        Draft.objects.filter(pk=self.pk).update(
            text=generated,
            generated_text=generated,
            version=F("version") + 1,
            edited_at=timezone.now(),
            edited_by=user,
            conflict_text="",
            conflict_by=None,
        )
        self.refresh_from_db()


class DraftUse(models.Model):
    """A time the script was used: when, how, and what the provider said (for pushback: their reaction)."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="uses")
    used_on = models.DateField("when")
    channel = models.CharField("how", max_length=16, choices=Channel.choices)
    provider_said = models.TextField("what they said", blank=True, max_length=5000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-used_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.draft} used on {self.used_on}"
