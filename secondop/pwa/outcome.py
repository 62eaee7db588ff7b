"""How a write went, as the outbox reads it (`X-Secondop-Outcome`; see secondop.pwa.idempotency)."""

from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

# The extra tag of an error message that reports a conflict (both versions kept), not a refusal.
CONFLICT_TAG = "conflict"


def error_messages(request: HttpRequest | None) -> list[Message]:
    """The error messages this request queued for the next page (the storage's own list: reading the
    messages through the public API would mark them as shown)."""
    storage = getattr(request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return [message for message in queued if message.level >= constants.ERROR]


def outcome_of(response: HttpResponse, request: HttpRequest | None = None) -> str:
    status = response.status_code
    if 300 <= status < 400:
        location = response.get("Location", "")
        if location.startswith(reverse(settings.LOGIN_URL)):
            return "login"
        errors = error_messages(request)
        if any(CONFLICT_TAG in (message.extra_tags or "").split() for message in errors):
            return "conflict"
        return "refused" if errors else "saved"
    if status >= 500:
        return "retry"
    if status >= 400:
        return "refused"
    if status == 204:  # No Content: done, with nothing to show
        return "saved"
    if response.get("Content-Type", "").startswith("application/json"):
        return "saved"
    trigger = response.get("HX-Trigger", "")
    if "conflict" in trigger:
        return "conflict"
    return "saved" if trigger else "refused"
