import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from secondop.authorizations.models import Authorization
from secondop.cases.models import Case, ChecklistItem
from secondop.records.models import RecordsRequest
from secondop.reminders.devices import device_name
from secondop.visits.models import PhysicalItem, Visit


class ReminderKind(models.TextChoices):
    FOLLOW_UP = "follow_up", _("One-week follow-up")
    LEGAL_DUE = "legal_due", _("Legal deadline")
    OVERDUE = "overdue", _("Past the deadline")
    CHECKLIST = "checklist", _("Checklist nudge")
    SNOOZED = "snoozed", _("Reminder moved to the next day")
    VISIT = "visit", _("The day before the visit")
    ITEM_MISSING = "item_missing", _("Not arrived before the visit")
    AUTHORIZATION = "authorization", _("An authorization ends soon")


class ReminderStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


class TeamFollow(models.Model):
    """Someone who reaches a case only through a team, and chose to get its reminders (a direct member
    chooses on their Membership). It counts while the team still gives them the case."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_follows")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team_follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="team_follow_once")]

    def __str__(self) -> str:
        return f"{self.user} follows {self.case}"


class Reminder(models.Model):
    """One reminder for one person, due at one moment. The database is the source of truth: Redis only
    carries the short-lived messages that hand claimed rows to the workers."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    request = models.ForeignKey(
        RecordsRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    checklist_item = models.ForeignKey(
        ChecklistItem, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    physical_item = models.ForeignKey(
        PhysicalItem, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    authorization = models.ForeignKey(
        Authorization, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    due_on = models.DateField(help_text=_("The day it is for, in the recipient's own calendar."))
    due_at = models.DateTimeField(help_text=_("The moment it is due (UTC): 9:00 on that day where they are."))
    status = models.CharField(max_length=16, choices=ReminderStatus.choices, default=ReminderStatus.SCHEDULED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # A claim: which dispatch took the row, and until when; a row whose lease ran out goes back.
    claim = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Scheduling the same thing twice is harmless: the key names what the reminder is about.
    dedupe_key = models.CharField(max_length=120, unique=True)
    # The single-use token behind the notification's Done / Remind me tomorrow actions.
    action_nonce = models.CharField(max_length=32, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            # Exactly the rows the dispatcher scans, and the ones the reaper looks at.
            models.Index(fields=["due_at"], condition=Q(status="scheduled"), name="reminder_due_scheduled"),
            models.Index(
                fields=["lease_until"], condition=Q(status="sending"), name="reminder_lease_sending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient} at {self.due_at:%Y-%m-%d %H:%M}"


class Channel(models.TextChoices):
    PUSH = "push", _("Web Push")
    EMAIL = "email", _("E-mail")
    INBOX = "inbox", _("Inbox")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Will retry")
    GONE = "gone", _("Device gone")
    FAILED = "failed", _("Failed")


class PushSubscription(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    device_name = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    disabled_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        if self.device_name and self.user_agent:
            return device_name(self.user_agent)  # in the reader's language, not the one it was saved in
        return self.device_name or self.user_agent[:40] or str(_("A device"))

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None


class Delivery(models.Model):
    """One reminder on one channel (and one device for push). A delivery marked sent is never sent again."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    subscription = models.ForeignKey(
        PushSubscription, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "channel", "subscription"],
                name="one_delivery_per_device",
                condition=Q(subscription__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["reminder", "channel"],
                name="one_delivery_per_channel",
                condition=Q(subscription__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reminder} by {self.channel}"


class Notification(models.Model):
    """The in-app inbox."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    reminder = models.OneToOneField(
        Reminder, on_delete=models.SET_NULL, null=True, blank=True, related_name="notification"
    )
    title = models.CharField(max_length=120)
    body = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread")
        ]

    def __str__(self) -> str:
        return self.title


def new_nonce() -> str:
    return uuid.uuid4().hex
