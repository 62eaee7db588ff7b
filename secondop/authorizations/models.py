"""A HIPAA authorization on a case: the patient's signed permission for a doctor or office to share their
health information with someone helping them (45 CFR 164.508(c) lists what it must say).

The app keeps what the paper says and where it stands (not signed yet, signed, revoked, ended). A reminder
before it ends hangs off `post_save` of Authorization: `needs_reminder` and `remind_on` say whether and when.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from secondop.cases.models import Case
from secondop.records.models import Provider

# What a new authorization says until someone changes it, in the language of the form (see `defaults_in`).
DEFAULT_PURPOSE = gettext_lazy("To help me get a second opinion, at my request.")
DEFAULT_EXPIRY_EVENT = gettext_lazy("when my second opinion is complete")
DEFAULT_DAYS = 365
# How long before its end date a reminder to renew it is due.
REMIND_DAYS_BEFORE = 14
# The regulation the printed form follows, and when its wording was last checked against it.
CITATION = "45 CFR 164.508(c)"
CITATION_URL = (
    "https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164/subpart-E/section-164.508"
)
CHECKED_ON = datetime.date(2026, 12, 6)


class Refused(ValueError):
    """A change the authorization's state does not allow; the message says why, in plain words."""


class Discloser(models.TextChoices):
    PROVIDER = "provider", gettext_lazy("One doctor or office in this case")
    ALL = "all", gettext_lazy("All my doctors, hospitals and other health care providers")
    OTHER = "other", gettext_lazy("Someone else (write who)")


class Information(models.TextChoices):
    RELATED = "related", gettext_lazy("My records about what the second opinion is about")
    ALL = "all", gettext_lazy("My complete medical record")
    DESCRIBED = "described", gettext_lazy("Only the records I describe")


class State(models.TextChoices):
    NOT_SIGNED = "not_signed", pgettext_lazy("authorization", "Not signed yet")
    SIGNED = "signed", pgettext_lazy("authorization", "Signed")
    REVOKED = "revoked", pgettext_lazy("authorization", "Revoked")
    ENDED = "ended", pgettext_lazy("authorization", "Ended")


def default_expires_on() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=DEFAULT_DAYS)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else f"{text}."


def _long_date(day: datetime.date) -> str:
    return date_format(day, "DATE_FORMAT")


def defaults_in(language: str) -> dict[str, str]:
    """The words a new form starts with, in one language: a form in Spanish says them in Spanish."""
    with translation.override(language):
        return {"purpose": str(DEFAULT_PURPOSE), "expiry_event": str(DEFAULT_EXPIRY_EVENT)}


class Authorization(models.Model):
    """One authorization form for one case. It always has an end date (`expires_on`), even when it also
    ends at an event ("when my second opinion is complete"), whichever comes first: a date is what a
    reminder can be set for, and what an office can check without asking."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="authorizations")
    # The language the form is printed and signed in: its words (the paper and what is frozen at signing)
    # are that language's, whoever reads them.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    # Who may receive the information: a member of the case, named as on the paper. The name and address
    # are kept as written, so the record still says who it named after that person leaves the case.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("who may receive the information"),
    )
    recipient_name = models.CharField(gettext_lazy("their full name"), max_length=150)
    recipient_email = models.EmailField(gettext_lazy("their e-mail address"), blank=True)
    # Who may share it: one of the case's doctors or offices, all of them, or someone written in.
    disclosed_by = models.CharField(
        gettext_lazy("who may share the information"),
        max_length=16,
        choices=Discloser.choices,
        default=Discloser.PROVIDER,
    )
    provider = models.ForeignKey(
        Provider,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=gettext_lazy("the doctor or office"),
    )
    # The provider as the form named them, for when the provider is later removed from the case.
    provider_named = models.CharField(max_length=700, blank=True, editable=False)
    # What the case was about when it was signed: the signed paper keeps its words (with provider_named).
    concern_named = models.CharField(max_length=300, blank=True, editable=False)
    disclosed_by_other = models.CharField(gettext_lazy("who else"), max_length=300, blank=True)
    information = models.CharField(
        gettext_lazy("what information"),
        max_length=16,
        choices=Information.choices,
        default=Information.RELATED,
    )
    information_detail = models.CharField(gettext_lazy("describe the records"), max_length=300, blank=True)
    purpose = models.CharField(gettext_lazy("why it is shared"), max_length=300, default=DEFAULT_PURPOSE)
    expires_on = models.DateField(gettext_lazy("it ends on"), default=default_expires_on)
    expiry_event = models.CharField(
        gettext_lazy("or earlier, when"), max_length=200, blank=True, default=DEFAULT_EXPIRY_EVENT
    )
    # Someone who signs for the patient (a parent, guardian, health care agent) and their authority.
    representative_name = models.CharField(gettext_lazy("their name"), max_length=150, blank=True)
    representative_authority = models.CharField(
        gettext_lazy("their authority to act for the patient"), max_length=200, blank=True
    )
    signed_on = models.DateField(gettext_lazy("date signed"), null=True, blank=True)
    revoked_on = models.DateField(gettext_lazy("date revoked"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_on__isnull=True)
                | models.Q(signed_on__isnull=False, revoked_on__gte=models.F("signed_on")),
                name="authorization_revoked_after_signed",
            ),
            models.CheckConstraint(
                condition=models.Q(disclosed_by__in=Discloser.values), name="authorization_discloser_known"
            ),
            models.CheckConstraint(
                condition=models.Q(information__in=Information.values), name="authorization_information_known"
            ),
        ]

    def __str__(self) -> str:
        return f"Authorization for {self.recipient_name}"

    # What the paper says --------------------------------------------------------------------------------

    @property
    def who_may_disclose(self) -> str:
        if self.disclosed_by == Discloser.ALL:
            return _("All doctors, hospitals and other health care providers who have treated me")
        if self.disclosed_by == Discloser.OTHER:
            return self.disclosed_by_other
        if self.provider is not None and self.signed_on is None:
            return describe_provider(self.provider)
        return self.provider_named  # as it was when signed (or when the doctor was removed)

    @property
    def who_may_receive(self) -> str:
        if self.recipient_email:
            return f"{self.recipient_name} ({self.recipient_email})"
        return self.recipient_name

    @property
    def what_information(self) -> str:
        """The records, in whole sentences: the choice, then what the person wrote (what to add or leave
        out), or only what they wrote."""
        if self.information == Information.DESCRIBED:
            return _sentence(self.information_detail)
        if self.information == Information.ALL:
            chosen = _("My complete medical record.")
        else:
            chosen = _(
                "My medical records about %(concern)s: visit notes, test and lab results, imaging and "
                "pathology reports, and letters between my doctors."
            ) % {"concern": self.concern_named if self.signed_on else self.case.concern}
        return f"{chosen} {_sentence(self.information_detail)}".strip()

    @property
    def ends(self) -> str:
        on = _long_date(self.expires_on)
        if self.expiry_event:
            return _("This authorization ends on %(date)s, or earlier %(event)s, whichever comes first.") % {
                "date": on,
                "event": self.expiry_event,
            }
        return _("This authorization ends on %(date)s.") % {"date": on}

    # Where it stands ------------------------------------------------------------------------------------

    def state_on(self, today: datetime.date) -> State:
        if self.revoked_on is not None:
            return State.REVOKED
        if self.expires_on < today:
            return State.ENDED
        if self.signed_on is not None:
            return State.SIGNED
        return State.NOT_SIGNED

    def describe_state(self, today: datetime.date) -> str:
        """The state in words, with its date: "Signed on 3 March 2026; ends on 3 March 2027"."""
        state = self.state_on(today)
        if state == State.REVOKED and self.revoked_on is not None:
            return _("Revoked on %(date)s") % {"date": _long_date(self.revoked_on)}
        if state == State.ENDED:
            return _("Ended on %(date)s") % {"date": _long_date(self.expires_on)}
        if state == State.SIGNED and self.signed_on is not None:
            return _("Signed on %(signed)s; ends on %(ends)s") % {
                "signed": _long_date(self.signed_on),
                "ends": _long_date(self.expires_on),
            }
        return _("Not signed yet; would end on %(date)s") % {"date": _long_date(self.expires_on)}

    @property
    def can_change(self) -> bool:
        """The form can be edited until it is signed: after that, the paper is what counts."""
        return self.signed_on is None and self.revoked_on is None

    @property
    def needs_reminder(self) -> bool:
        """Signed and not revoked: a reminder before `expires_on` is useful (cancel it otherwise)."""
        return self.signed_on is not None and self.revoked_on is None

    @property
    def remind_on(self) -> datetime.date:
        return self.expires_on - datetime.timedelta(days=REMIND_DAYS_BEFORE)

    # Changes --------------------------------------------------------------------------------------------

    def mark_signed(self, on: datetime.date, *, today: datetime.date) -> None:
        if self.revoked_on is not None:
            raise Refused(_("It was revoked, so it cannot be signed again. Make a new one instead."))
        if on > today:
            raise Refused(_("That date is in the future. Use the day the patient signed."))
        if on > self.expires_on:
            raise Refused(
                _("It ends on %(date)s, before that date. Check the date, or make a new authorization.")
                % {"date": _long_date(self.expires_on)}
            )
        # A day of slack: the form was made on this date somewhere in the world.
        if on < timezone.localdate(self.created_at) - datetime.timedelta(days=1):
            made = _long_date(timezone.localdate(self.created_at))
            raise Refused(
                _("This form was made on %(date)s, so it cannot have been signed before that.")
                % {"date": made}
            )
        self.signed_on = on
        # The signed paper keeps the words it was signed with, whatever the case or the doctor say later,
        # in the language it was signed in (whoever marks it signed).
        if self.provider is not None:
            with translation.override(self.language):
                self.provider_named = describe_provider(self.provider)
        self.concern_named = self.case.concern
        self.save(update_fields=["signed_on", "provider_named", "concern_named", "updated_at"])

    def revoke(self, on: datetime.date, *, today: datetime.date) -> None:
        if self.revoked_on is not None:
            raise Refused(
                _("It is already marked revoked on %(date)s.") % {"date": _long_date(self.revoked_on)}
            )
        if self.signed_on is None:
            raise Refused(_("It is not signed yet, so there is nothing to revoke. Simply do not sign it."))
        if on > today:
            raise Refused(_("That date is in the future. Use the day the patient revoked it in writing."))
        if on < self.signed_on:
            raise Refused(
                _("It was signed on %(date)s. It cannot be revoked before that date.")
                % {"date": _long_date(self.signed_on)}
            )
        self.revoked_on = on
        self.save(update_fields=["revoked_on", "updated_at"])


def describe_provider(provider: Provider) -> str:
    """ "Dr. Maria Chen, Eastside Clinic, 1 Main Street, Springfield": as specific as the case knows (one
    with no name is named by its role, in the active language)."""
    parts = [provider.name, provider.practice, provider.address]
    return ", ".join(part for part in parts if part) or str(provider)
