"""The write protocol between the page, the service worker's outbox and the server (the README's "The write
protocol" says it in prose). Nothing in it is read out of HTML: an answer's headers say how a write went.

A write sends `X-Client-Id` (a UUID made on the phone: secondop.pwa.idempotency answers a repeat with the
stored answer). Every answer to a POST carries:

  X-Secondop-Outcome   saved | conflict | refused | login | retry
  X-Secondop-Message   for refused and conflict: what to show on the item (percent-encoded UTF-8)
  X-Secondop-Version   for an edit of a versioned text: its version now (the outbox's later edits of the same
                       text are rebased on it)
  X-Secondop-Location  where the form would have gone next, to a request marked `X-Secondop-Outbox`, whose
                       redirect becomes a 204 (a fetch cannot read a redirect's headers): `1` from the
                       outbox's replay (the message the next page would have shown is the item's instead),
                       `page` from a page online (the next page shows it)

A view that answers a write itself (an htmx answer) says how it went with `answer`; otherwise the outcome
follows from the response: a redirect is saved (an error message queued with it makes it refused, or a
conflict when tagged CONFLICT_TAG; to the log-in page it is login), a 204 or JSON is saved, a page (the form
with its errors) or a 4xx is refused, a 5xx is retry.
"""

from urllib.parse import quote

from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

OUTCOME = "X-Secondop-Outcome"
MESSAGE = "X-Secondop-Message"
VERSION = "X-Secondop-Version"
LOCATION = "X-Secondop-Location"
# The extra tag of an error message that reports a conflict (both versions kept), not a refusal.
CONFLICT_TAG = "conflict"
# A refusal that names nothing itself (a form came back with its errors): the person opens it to see.
# Shown on the phone, in the language of the request that was refused.
NEEDS_A_FIX = _("This was not saved: it needs a small fix. Open it to see what.")
NOT_ALLOWED = _("This was not saved: you may not make this change.")
# Where a write is sent when the person must first sign in, or prove it is them again: nothing was written.
SIGN_IN = (settings.LOGIN_URL, "account_reauthenticate", "mfa_reauthenticate")


def answer(
    response: HttpResponse, outcome: str, *, message: str = "", version: int | None = None
) -> HttpResponse:
    """How a write the view answered itself went, with the message to show and the text's version now."""
    response[OUTCOME] = outcome
    if message:
        response[MESSAGE] = quote(str(message)[:500])
    if version is not None:
        response[VERSION] = str(version)
    return response


def error_messages(request: HttpRequest | None) -> list[Message]:
    """The error messages this request queued for the next page (the storage's own list: reading the
    messages through the public API would mark them as shown)."""
    storage = getattr(request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return [message for message in queued if message.level >= constants.ERROR]


def outcome_of(response: HttpResponse, request: HttpRequest | None = None) -> str:
    if given := response.get(OUTCOME):
        return given
    status = response.status_code
    if 300 <= status < 400:
        location = response.get("Location", "")
        if any(location.startswith(reverse(name)) for name in SIGN_IN):
            return "login"
        errors = error_messages(request)
        if any(CONFLICT_TAG in (message.extra_tags or "").split() for message in errors):
            return "conflict"
        return "refused" if errors else "saved"
    if status >= 500:
        return "retry"
    if status >= 400:
        return "refused"
    if status == 204 or response.get("Content-Type", "").startswith("application/json"):
        return "saved"
    return "refused"  # the form again, with its errors


def finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The headers every answer to a POST carries; for the outbox, a redirect told as a 204."""
    if request.method != "POST":
        return response
    outcome = response[OUTCOME] = outcome_of(response, request)
    if outcome in ("refused", "conflict") and MESSAGE not in response:
        errors = error_messages(request)
        if errors or outcome == "refused":
            fallback = NOT_ALLOWED if response.status_code == 403 else NEEDS_A_FIX
            response[MESSAGE] = quote(str(errors[0].message if errors else fallback)[:500])
    location = response.get("Location", "")
    asked = request.headers.get("X-Secondop-Outbox")
    if asked not in ("1", "page") or not 300 <= response.status_code < 400 or not location:
        return response
    readable = HttpResponse(status=204)
    for name in (OUTCOME, MESSAGE, "X-Secondop-Replayed"):
        if name in response:
            readable[name] = response[name]
    readable[LOCATION] = location
    # What the form would have said on the next page ("Saved.", a refusal) the outbox shows itself, on the
    # item: it must not turn up later on whatever page the person opens next.
    storage = getattr(request, "_messages", None)
    if asked == "1" and storage is not None and hasattr(storage, "_queued_messages"):
        storage._queued_messages = []
    return readable
