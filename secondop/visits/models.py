"""The second-opinion visit: the appointment, what to bring to it, and the physical things (an imaging disc,
pathology slides or blocks, films) that must travel from whoever holds them to whoever needs them."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from secondop.cases.models import Case
from secondop.records.models import Provider

# A physical item not received this many days before the appointment is nudged.
ITEM_NUDGE_DAYS = 3


class VisitMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video call")
    RECORDS_ONLY = "records_only", _("Records-only review (no visit)")


class Approval(models.TextChoices):
    NOT_NEEDED = "not_needed", pgettext_lazy("insurance approval", "Not needed")
    WAITING = "waiting", pgettext_lazy("insurance approval", "Asked for, waiting")
    APPROVED = "approved", pgettext_lazy("insurance approval", "Approved")
    DENIED = "denied", pgettext_lazy("insurance approval", "Denied")


class Visit(models.Model):
    """The case's second-opinion appointment (one: a new date moves it)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="visit")
    doctor = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="visits")
    starts_at = models.DateTimeField(_("date and time"))
    mode = models.CharField(_("how"), max_length=16, choices=VisitMode.choices, default=VisitMode.IN_PERSON)
    place = models.CharField(_("address or video link"), max_length=300, blank=True)
    cost = models.CharField(_("cost"), max_length=100, blank=True)
    approval = models.CharField(
        _("insurance approval"), max_length=16, choices=Approval.choices, blank=True, default=""
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Visit {self.pk}"

    @property
    def is_past(self) -> bool:
        return self.starts_at < timezone.now()


class ItemKind(models.TextChoices):
    IMAGING_DISC = "imaging_disc", _("Imaging disc (CD or DVD)")
    SLIDES = "slides", _("Pathology slides")
    BLOCKS = "blocks", _("Pathology blocks")
    FILMS = "films", _("Films (X-ray prints)")
    OTHER = "other", _("Something else")


class ItemStatus(models.TextChoices):
    ASKED = "asked", pgettext_lazy("item status", "Asked for")
    SENT = "sent", pgettext_lazy("item status", "Sent")
    RECEIVED = "received", pgettext_lazy("item status", "Received")
    RETURNED = "returned", pgettext_lazy("item status", "Returned")


class PhysicalItem(models.Model):
    """Something that travels: asked for from its holder, sent (carrier and tracking number), received by
    the second-opinion doctor, returned."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="physical_items")
    kind = models.CharField(_("what"), max_length=16, choices=ItemKind.choices)
    description = models.CharField(_("which"), max_length=200, blank=True)
    holder = models.CharField(_("who has it now"), max_length=200)
    recipient = models.CharField(_("who must receive it"), max_length=200)
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.ASKED)
    asked_on = models.DateField(_("asked for on"), default=datetime.date.today)
    carrier = models.CharField(_("carrier"), max_length=60, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Item {self.pk}"

    @property
    def arrived(self) -> bool:
        return self.status in (ItemStatus.RECEIVED, ItemStatus.RETURNED)


class BringTick(models.Model):
    """One thing on the what-to-bring list, ticked as packed. The list itself is built from the case
    (secondop.visits.bring); only the ticks are stored, by a key such as "request-12" or "questions"."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="bring_ticks")
    key = models.CharField(max_length=40)
    done_at = models.DateTimeField(default=timezone.now)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="bring_tick_once")]

    def __str__(self) -> str:
        return self.key
