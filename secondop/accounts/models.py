import datetime
import zoneinfo
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


def current_language() -> str:
    """The language in use now (the page's, or the one a reminder is written in), as one of LANGUAGES."""
    try:
        return translation.get_supported_language_variant(translation.get_language() or "")
    except LookupError:
        return settings.LANGUAGE_CODE


@cache
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in available_time_zones():
        raise ValidationError(_("Choose a time zone from the list, for example Europe/London."))


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with an e-mail address (there is no username)."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("your name"), max_length=120, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    objects = UserManager()  # type: ignore[assignment,misc]

    def __str__(self) -> str:
        return self.display_name or self.email


def email_of(user: User) -> str:
    """How allauth names an account in its pages and mails (ACCOUNT_USER_DISPLAY): never the display name,
    which is words the person typed."""
    return user.email


class Profile(models.Model):
    """Where and when this person wants to hear from secondop."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    time_zone_from_browser = models.BooleanField(
        default=False, help_text="Set automatically from the browser rather than chosen by the user."
    )
    push_reminders = models.BooleanField(_("reminders on this phone's home screen"), default=True)
    email_reminders = models.CharField(
        _("reminders by e-mail"),
        max_length=8,
        choices=[
            ("auto", _("Only when no device gets them")),
            ("always", _("Always")),
            ("never", _("Never")),
        ],
        default="auto",
    )
    # The language of the pages, the reminders and the e-mails this person gets (a script or letter has a
    # language of its own: the one it will be used in).
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    quiet_hours_start = models.TimeField(default=datetime.time(21, 0))
    quiet_hours_end = models.TimeField(default=datetime.time(8, 0))

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The person's time zone; UTC until they tell us (or for a name no longer known)."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def today(self) -> datetime.date:
        """Today's date where the person is (UTC until they tell us): the one "today" every date the app
        judges (due, overdue, too late for a reminder) is compared with."""
        return timezone.localdate(timezone=self.zone)

    def is_quiet_at(self, local_time: datetime.time) -> bool:
        """Whether a local wall-clock time falls inside quiet hours (which may wrap past midnight)."""
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if start == end:
            return False
        if start < end:
            return start <= local_time < end
        return local_time >= start or local_time < end
