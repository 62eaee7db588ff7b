"""The opinion: what the first doctor and the second doctor said, side by side, and what the patient
decided after the second-opinion visit."""

from django.conf import settings
from django.db import models
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from secondop.cases.models import Case

# Sent after an opinion is saved (case=, user=): the scripts above follow what was decided.
opinion_saved = Signal()


class Agreement(models.TextChoices):
    AGREED = "agreed", _("Yes, they agreed")
    PARTLY = "partly", _("Partly")
    DIFFERENT = "different", _("No, they see it differently")
    NOT_SURE = "not_sure", _("Not sure yet")


class Decision(models.TextChoices):
    STAY = "stay", _("Stay with my first doctor's plan")
    SWITCH = "switch", _("Switch to the second doctor's plan")
    COMBINE = "combine", _("Combine the two: keep my first doctor, add the second doctor's advice")
    UNDECIDED = "undecided", _("Not decided yet")


class Opinion(models.Model):
    """One per case: the first opinion as the patient remembers it, the second as it was given, and the
    decision. Everything may stay empty until the patient knows it."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="opinion")
    first_diagnosis = models.TextField(_("what your first doctor said it is"), blank=True, max_length=2000)
    first_recommendation = models.TextField(
        _("what your first doctor recommended"), blank=True, max_length=2000
    )
    agreement = models.CharField(
        _("did the second doctor agree with the diagnosis?"),
        max_length=16,
        choices=Agreement.choices,
        blank=True,
    )
    second_diagnosis = models.TextField(_("what the second doctor said it is"), blank=True, max_length=2000)
    second_recommendation = models.TextField(
        _("what the second doctor recommended"), blank=True, max_length=2000
    )
    next_steps = models.TextField(_("next steps"), blank=True, max_length=2000)
    decision = models.CharField(
        _("what have you decided?"), max_length=16, choices=Decision.choices, default=Decision.UNDECIDED
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Opinion {self.pk}"

    @property
    def has_first(self) -> bool:
        return bool(self.first_diagnosis or self.first_recommendation)

    @property
    def has_second(self) -> bool:
        return bool(self.agreement or self.second_diagnosis or self.second_recommendation or self.next_steps)
