import re

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from secondop.cases.models import Case, ContactChannel
from secondop.editing.models import VersionedText
from secondop.law import rules


class RecordType(models.TextChoices):
    COMPLETE = "complete", _("complete medical record")
    VISIT_NOTES = "visit_notes", _("visit notes")
    TEST_RESULTS = "test_results", _("lab and test results")
    IMAGING_REPORTS = "imaging_reports", _("imaging reports")
    IMAGING_FILES = "imaging_files", _("imaging files (the images themselves)")
    PATHOLOGY = "pathology", _("pathology reports")
    DISCHARGE = "discharge", _("discharge summaries")
    MEDICATIONS = "medications", _("medication list")
    BILLING = "billing", _("billing records")
    OTHER = "other", _("other records")


# A word that begins with the sound "i": Spanish joins it with "e" where it would say "y" ("notas e
# informes"), but not "hie…"/"hia…" ("y hielo"). English says "and" either way.
SOUNDS_LIKE_I = re.compile(r"h?[ií](?![aeiouáéíóú])", re.IGNORECASE)


def join_words(items: list[str]) -> str:
    """'a, b and c', in the active language."""
    if len(items) <= 1:
        return "".join(items)
    start, last = ", ".join(items[:-1]), items[-1]
    if SOUNDS_LIKE_I.match(last):
        # Translators: the end of a list whose last item begins with the sound "i" (Spanish: "e", not "y").
        return pgettext("list before a word sounding i", "{items} and {last}").format(items=start, last=last)
    # Translators: the end of a list: "visit notes, lab and test results and imaging reports".
    return gettext("{items} and {last}").format(items=start, last=last)


def describe_records(keys: list[str]) -> str:
    """'visit notes, lab and test results and imaging reports' — in the order of RecordType, in the active
    language."""
    return join_words([str(label) for value, label in RecordType.choices if value in keys])


class ProviderRole(models.TextChoices):
    CURRENT = "current", _("Current doctor")
    SECOND_OPINION = "second_opinion", _("Second-opinion doctor")
    RECORDS_OFFICE = "records_office", _("Records office")


class Provider(models.Model):
    """A person or office in a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="providers")
    role = models.CharField(max_length=16, choices=ProviderRole.choices)
    name = models.CharField(_("name"), max_length=150, blank=True)
    practice = models.CharField(_("practice or hospital"), max_length=200, blank=True)
    specialty = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    fax = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=300, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    portal_url = models.URLField(_("patient portal link"), blank=True)
    # The state whose law binds them (secondop.law), and what kind of holder they are under it.
    state = models.CharField(
        _("state"),
        max_length=2,
        blank=True,
        choices=rules.choices,
        help_text=_(
            "Where they practise: its law can give you your records sooner than the federal 30 days."
        ),
    )
    kind = models.CharField(
        _("what kind of provider"),
        max_length=16,
        blank=True,
        choices=[
            (rules.PHYSICIAN, _("A doctor or other practitioner")),
            (rules.HOSPITAL, _("A hospital or health facility")),
            (rules.OTHER, _("Another provider (a lab, an imaging center, …)")),
        ],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "pk"]

    def __str__(self) -> str:
        return holder_label(self)


def holder_label(provider: Provider) -> str:
    """How a doctor or office is named (also for the migrations' historical models)."""
    return (
        provider.name
        or provider.practice
        or str(dict(ProviderRole.choices).get(provider.role, provider.role))
    )


class RequestKind(models.TextChoices):
    COPY = "copy", _("A copy for me")
    DIRECTIVE = "directive", _("Send them to another provider")


class RequestStatus(models.TextChoices):
    PREPARING = "preparing", pgettext_lazy("records request status", "Being prepared")
    REQUESTED = "requested", pgettext_lazy("records request status", "Requested")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("records request status", "Acknowledged")
    EXTENDED = "extended", pgettext_lazy("records request status", "Extended (written notice)")
    PARTLY_RECEIVED = "partly_received", pgettext_lazy("records request status", "Partly received")
    RECEIVED = "received", pgettext_lazy("records request status", "Received")
    DENIED = "denied", pgettext_lazy("records request status", "Denied")
    WITHDRAWN = "withdrawn", pgettext_lazy("records request status", "Withdrawn")


# Where a request may go from each status. Everything else is refused with a message.
ALLOWED_MOVES: dict[str, set[str]] = {
    RequestStatus.PREPARING: {RequestStatus.REQUESTED, RequestStatus.WITHDRAWN},
    RequestStatus.REQUESTED: {
        RequestStatus.ACKNOWLEDGED,
        RequestStatus.EXTENDED,
        RequestStatus.PARTLY_RECEIVED,
        RequestStatus.RECEIVED,
        RequestStatus.DENIED,
        RequestStatus.WITHDRAWN,
    },
    RequestStatus.ACKNOWLEDGED: {
        RequestStatus.EXTENDED,
        RequestStatus.PARTLY_RECEIVED,
        RequestStatus.RECEIVED,
        RequestStatus.DENIED,
        RequestStatus.WITHDRAWN,
    },
    RequestStatus.EXTENDED: {
        RequestStatus.PARTLY_RECEIVED,
        RequestStatus.RECEIVED,
        RequestStatus.DENIED,
        RequestStatus.WITHDRAWN,
    },
    RequestStatus.PARTLY_RECEIVED: {RequestStatus.RECEIVED, RequestStatus.DENIED, RequestStatus.WITHDRAWN},
    RequestStatus.RECEIVED: set(),
    RequestStatus.DENIED: set(),
    RequestStatus.WITHDRAWN: set(),
}
# The clock stops in these: nothing more is owed.
CLOSED_STATUSES = {RequestStatus.RECEIVED, RequestStatus.DENIED, RequestStatus.WITHDRAWN}


class Medium(models.TextChoices):
    ELECTRONIC = "electronic", pgettext_lazy("records format", "Electronic")
    PAPER = "paper", pgettext_lazy("records format", "Paper")


class DeliveryMethod(models.TextChoices):
    """How the holder delivers the records (not to be confused with a reminder's delivery)."""

    PORTAL = "portal", pgettext_lazy("how the records are delivered", "Through the portal")
    EMAIL = "email", pgettext_lazy("how the records are delivered", "By e-mail")
    FAX = "fax", pgettext_lazy("how the records are delivered", "By fax")
    MAIL = "mail", pgettext_lazy("how the records are delivered", "By mail")
    DISC = "disc", pgettext_lazy("how the records are delivered", "On a disc or USB stick")


class RecordsRequest(models.Model):
    """One request for records to one holder: what was asked, of whom, how, and where it stands.

    The legal clock (HIPAA, 45 CFR 164.524): the holder must act within 30 days of the request, and may
    take one more 30 days if it says so in writing within the first 30. See `secondop.records.clock`.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="records_requests")
    holder = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="requests_held",
        verbose_name=_("who holds the records"),
    )
    kind = models.CharField(_("what you are asking for"), max_length=16, choices=RequestKind.choices)
    recipient = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests_received",
        verbose_name=_("send them to"),
    )
    send_to = models.CharField(
        _("where to send them"), max_length=300, blank=True, help_text=_("An address, fax number or e-mail.")
    )
    directive_signed_on = models.DateField(_("date you signed the request"), null=True, blank=True)
    record_types = models.JSONField(default=list, blank=True)
    other_records = models.CharField(_("other records"), max_length=300, blank=True)
    date_from = models.DateField(_("records from"), null=True, blank=True)
    date_to = models.DateField(_("records until"), null=True, blank=True)
    medium = models.CharField(_("format"), max_length=16, choices=Medium.choices, default=Medium.ELECTRONIC)
    delivery = models.CharField(
        _("delivered"), max_length=16, choices=DeliveryMethod.choices, default=DeliveryMethod.PORTAL
    )
    method = models.CharField(_("how you asked"), max_length=16, choices=ContactChannel.choices, blank=True)
    forms_needed = models.CharField(_("forms they need"), max_length=300, blank=True)
    forms_completed = models.BooleanField(_("forms filled in"), default=False)
    fee_estimate_asked = models.BooleanField(_("asked for a fee estimate"), default=False)
    fee_estimate = models.DecimalField(
        _("fee estimate given"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.PREPARING)
    requested_on = models.DateField(_("date you asked"), null=True, blank=True)
    extension_notice_on = models.DateField(_("date of the written extension notice"), null=True, blank=True)
    received_on = models.DateField(null=True, blank=True)
    # The first day someone followed up after asking (a contact about it, or a reminder's Done button).
    followed_up_on = models.DateField(_("date you followed up"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "status"])]

    def __str__(self) -> str:
        return gettext("Records from {holder}").format(holder=self.holder)

    @property
    def is_directive(self) -> bool:
        return self.kind == RequestKind.DIRECTIVE

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def allowed_moves(self) -> list[str]:
        return [value for value, _label in RequestStatus.choices if value in ALLOWED_MOVES[self.status]]


class RequestEvent(models.Model):
    """One status move of a request, dated: its history."""

    request = models.ForeignKey(RecordsRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=RequestStatus.choices)
    to_status = models.CharField(max_length=20, choices=RequestStatus.choices)
    on = models.DateField(_("date"))
    note = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["on", "at", "pk"]
        indexes = [models.Index(fields=["request", "on", "at"])]  # the timeline's order, request by request

    def __str__(self) -> str:
        return f"{self.request}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class ContactEntry(models.Model):
    """One contact in the paper trail: when, how, with whom, what was asked and answered."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    request = models.ForeignKey(
        RecordsRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("about the request"),
    )
    happened_at = models.DateTimeField(_("when"))
    channel = models.CharField(_("how"), max_length=16, choices=ContactChannel.choices)
    with_whom = models.CharField(_("with whom"), max_length=150, blank=True)
    asked = models.TextField(_("what you asked"), blank=True, max_length=5000)
    answered = models.TextField(_("what they answered"), blank=True, max_length=5000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["happened_at", "pk"]
        indexes = [models.Index(fields=["case", "happened_at"])]

    def __str__(self) -> str:
        on = f"{self.happened_at:%Y-%m-%d}"
        return gettext("{channel} on {date}").format(channel=self.get_channel_display(), date=on)


class LetterKind(models.TextChoices):
    REQUEST = "request-letter", _("Request letter")
    DIRECTIVE = "directive", _("Directive to send records to another provider")
    PORTAL_MESSAGE = "portal-message", _("Portal message")
    ESCALATION = "escalation", _("Follow-up letter (past the deadline)")


class Letter(VersionedText):
    """A letter or message generated from one records request, then edited."""

    request = models.ForeignKey(RecordsRequest, on_delete=models.CASCADE, related_name="letters")
    kind = models.CharField(max_length=24, choices=LetterKind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "kind"], name="one_letter_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.request}"
