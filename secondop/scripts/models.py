from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from secondop.cases.models import Case, ContactChannel
from secondop.editing.models import VersionedText


class DraftKind(models.TextChoices):
    SECOND_OPINION = "second-opinion", _("Asking for a second opinion")
    RECORDS_REQUEST = "records-request", _("Asking for your records")
    COLLABORATIVE = "collaborative", _("Asking together (collaborative framing)")
    PUSHBACK = "pushback", _("If your doctor pushes back")
    PORTAL_MESSAGE = "portal-message", _("Portal message that documents the request")
    SHARE_RESULT = "share-result", _("Sharing the result with your doctor")


class Draft(VersionedText):
    """A script of one kind for one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="drafts")
    kind = models.CharField(max_length=24, choices=DraftKind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="one_draft_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.case}"


class DraftUse(models.Model):
    """A time the script was used: when, how, and what the provider said (for pushback: their reaction)."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="uses")
    used_on = models.DateField(pgettext_lazy("a use of a script", "when"))
    channel = models.CharField(
        pgettext_lazy("a use of a script", "how"), max_length=16, choices=ContactChannel.choices
    )
    provider_said = models.TextField(_("what they said"), blank=True, max_length=5000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-used_on", "-created_at"]
        indexes = [models.Index(fields=["draft", "used_on", "created_at"])]  # the timeline's order, by script

    def __str__(self) -> str:
        return f"{self.draft} used on {self.used_on}"
