"""System checks of our own settings (`manage.py check --deploy`)."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning

NOT_REAL = ("localhost", "127.0.0.1", "[::1]", "example.com")


@register(Tags.security, deploy=True)
def vapid_subject_is_a_real_contact(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Push services write to the VAPID subject when the app's pushes misbehave, before they block them."""
    subject = str(settings.VAPID_SUBJECT)
    try:
        parts = urlsplit(subject)
        hostname = parts.hostname or ""
    except ValueError:  # a bracketed host that is no IP address, say
        parts, hostname = urlsplit(""), ""
    if parts.scheme == "mailto":
        _, at, domain = parts.path.rpartition("@")
        real = bool(at) and "." in domain and domain.lower() not in NOT_REAL
    elif parts.scheme == "https":
        real = hostname not in NOT_REAL and "." in hostname
    else:
        real = False
    if real:
        return []
    return [
        CheckWarning(
            f"VAPID_SUBJECT is {subject!r}: push services cannot reach anyone there.",
            hint="Set VAPID_SUBJECT to mailto:someone@your-domain (or an https:// page of yours).",
            id="secondop.W001",
        )
    ]
