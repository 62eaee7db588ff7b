from django.conf import settings
from django.db import models
from django.utils import timezone

from secondop.cases.models import Case, ContactChannel
from secondop.editing.models import VersionedText
from secondop.law import rules


class RecordType(models.TextChoices):
    COMPLETE = "complete", "complete medical record"
    VISIT_NOTES = "visit_notes", "visit notes"
    TEST_RESULTS = "test_results", "lab and test results"
    IMAGING_REPORTS = "imaging_reports", "imaging reports"
    IMAGING_FILES = "imaging_files", "imaging files (the images themselves)"
    PATHOLOGY = "pathology", "pathology reports"
    DISCHARGE = "discharge", "discharge summaries"
    MEDICATIONS = "medications", "medication list"
    BILLING = "billing", "billing records"
    OTHER = "other", "other records"


def describe_records(keys: list[str]) -> str:
    """'visit notes, lab and test results and imaging reports' — in the order of RecordType."""
    labels = [label for value, label in RecordType.choices if value in keys]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


class ProviderRole(models.TextChoices):
    CURRENT = "current", "Current doctor"
    SECOND_OPINION = "second_opinion", "Second-opinion doctor"
    RECORDS_OFFICE = "records_office", "Records office"


class Provider(models.Model):
    """A person or office in a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="providers")
    role = models.CharField(max_length=16, choices=ProviderRole.choices)
    name = models.CharField("name", max_length=150, blank=True)
    practice = models.CharField("practice or hospital", max_length=200, blank=True)
    specialty = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    fax = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=300, blank=True)
    email = models.EmailField("e-mail", blank=True)
    portal_url = models.URLField("patient portal link", blank=True)
    # The state whose law binds them (secondop.law), and what kind of holder they are under it.
    state = models.CharField(
        "state",
        max_length=2,
        blank=True,
        choices=rules.choices,
        help_text="Where they practise: its law can give you your records sooner than the federal 30 days.",
    )
    kind = models.CharField(
        "what kind of provider",
        max_length=16,
        blank=True,
        choices=[
            (rules.PHYSICIAN, "A doctor or other practitioner"),
            (rules.HOSPITAL, "A hospital or health facility"),
            (rules.OTHER, "Another provider (a lab, an imaging center, …)"),
        ],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "pk"]

    def __str__(self) -> str:
        return holder_label(self)


def holder_label(provider: Provider) -> str:
    """How a doctor or office is named (also for the migrations' historical models)."""
    return provider.name or provider.practice or dict(ProviderRole.choices).get(provider.role, provider.role)


class RequestKind(models.TextChoices):
    COPY = "copy", "A copy for me"
    DIRECTIVE = "directive", "Send them to another provider"


class RequestStatus(models.TextChoices):
    PREPARING = "preparing", "Being prepared"
    REQUESTED = "requested", "Requested"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    EXTENDED = "extended", "Extended (written notice)"
    PARTLY_RECEIVED = "partly_received", "Partly received"
    RECEIVED = "received", "Received"
    DENIED = "denied", "Denied"
    WITHDRAWN = "withdrawn", "Withdrawn"


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
    ELECTRONIC = "electronic", "Electronic"
    PAPER = "paper", "Paper"


class DeliveryMethod(models.TextChoices):
    """How the holder delivers the records (not to be confused with a reminder's delivery)."""

    PORTAL = "portal", "Through the portal"
    EMAIL = "email", "By e-mail"
    FAX = "fax", "By fax"
    MAIL = "mail", "By mail"
    DISC = "disc", "On a disc or USB stick"


class RecordsRequest(models.Model):
    """One request for records to one holder: what was asked, of whom, how, and where it stands.

    The legal clock (HIPAA, 45 CFR 164.524): the holder must act within 30 days of the request, and may
    take one more 30 days if it says so in writing within the first 30. See `secondop.records.clock`.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="records_requests")
    holder = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="requests_held", verbose_name="who holds the records"
    )
    kind = models.CharField("what you are asking for", max_length=16, choices=RequestKind.choices)
    recipient = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests_received",
        verbose_name="send them to",
    )
    send_to = models.CharField(
        "where to send them", max_length=300, blank=True, help_text="An address, fax number or e-mail."
    )
    directive_signed_on = models.DateField("date you signed the request", null=True, blank=True)
    record_types = models.JSONField(default=list, blank=True)
    other_records = models.CharField("other records", max_length=300, blank=True)
    date_from = models.DateField("records from", null=True, blank=True)
    date_to = models.DateField("records until", null=True, blank=True)
    medium = models.CharField("format", max_length=16, choices=Medium.choices, default=Medium.ELECTRONIC)
    delivery = models.CharField(
        "delivered", max_length=16, choices=DeliveryMethod.choices, default=DeliveryMethod.PORTAL
    )
    method = models.CharField("how you asked", max_length=16, choices=ContactChannel.choices, blank=True)
    forms_needed = models.CharField("forms they need", max_length=300, blank=True)
    forms_completed = models.BooleanField("forms filled in", default=False)
    fee_estimate_asked = models.BooleanField("asked for a fee estimate", default=False)
    fee_estimate = models.DecimalField(
        "fee estimate given", max_digits=8, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.PREPARING)
    requested_on = models.DateField("date you asked", null=True, blank=True)
    extension_notice_on = models.DateField("date of the written extension notice", null=True, blank=True)
    received_on = models.DateField(null=True, blank=True)
    # The first day someone followed up after asking (a contact about it, or a reminder's Done button).
    followed_up_on = models.DateField("date you followed up", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "status"])]

    def __str__(self) -> str:
        return f"Records from {self.holder}"

    @property
    def is_directive(self) -> bool:
        return self.kind == RequestKind.DIRECTIVE

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def allowed_moves(self) -> list[str]:
        return [value for value, _ in RequestStatus.choices if value in ALLOWED_MOVES[self.status]]


class RequestEvent(models.Model):
    """One status move of a request, dated: its history."""

    request = models.ForeignKey(RecordsRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=RequestStatus.choices)
    to_status = models.CharField(max_length=20, choices=RequestStatus.choices)
    on = models.DateField("date")
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
        verbose_name="about the request",
    )
    happened_at = models.DateTimeField("when")
    channel = models.CharField("how", max_length=16, choices=ContactChannel.choices)
    with_whom = models.CharField("with whom", max_length=150, blank=True)
    asked = models.TextField("what you asked", blank=True, max_length=5000)
    answered = models.TextField("what they answered", blank=True, max_length=5000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["happened_at", "pk"]
        indexes = [models.Index(fields=["case", "happened_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} on {self.happened_at:%Y-%m-%d}"


class LetterKind(models.TextChoices):
    REQUEST = "request-letter", "Request letter"
    DIRECTIVE = "directive", "Directive to send records to another provider"
    PORTAL_MESSAGE = "portal-message", "Portal message"
    ESCALATION = "escalation", "Follow-up letter (past the deadline)"


class Letter(VersionedText):
    """A letter or message generated from one records request, then edited."""

    request = models.ForeignKey(RecordsRequest, on_delete=models.CASCADE, related_name="letters")
    kind = models.CharField(max_length=24, choices=LetterKind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "kind"], name="one_letter_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.request}"
