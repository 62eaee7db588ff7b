"""Idempotent writes for the offline outbox.

A POST that carries a client-made UUID (the `X-Client-Id` header, or a `client_id` form field) runs inside
one transaction together with the record of its answer. Replayed, the same UUID gets the stored answer
and the view does not run again. Every answer also says how it went, in `X-Secondop-Outcome`, so the
outbox can tell a saved item from one refused for bad input (shown on the item, never dropped) or from a
session that expired (it stops and waits for the person to log in again):

  saved     a redirect (every form here answers a successful POST with one), or an htmx answer that
            announces itself with HX-Trigger
  conflict  an edit based on an old version: both texts are kept (HX-Trigger "draft-conflict")
  refused   the form came back with its errors, or a 4xx
  login     the session expired (a redirect to the log-in page)
  retry     a server error: nothing was stored; send it again later
"""

import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from secondop.pwa.models import Submission

STORED_BODY_LIMIT = 200_000
KEPT_HEADERS = ("HX-Trigger", "Content-Type", "HX-Redirect")


def client_id_of(request: HttpRequest) -> uuid.UUID | None:
    raw = request.headers.get("X-Client-Id") or request.POST.get("client_id", "")
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


def outcome_of(response: HttpResponse) -> str:
    status = response.status_code
    if 300 <= status < 400:
        location = response.get("Location", "")
        return "login" if location.startswith(reverse(settings.LOGIN_URL)) else "saved"
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


def _replay(submission: Submission) -> HttpResponse:
    if submission.location:
        response: HttpResponse = HttpResponseRedirect(submission.location)
    else:
        response = HttpResponse(submission.body, status=submission.status)
    for name, value in submission.headers.items():
        response[name] = value
    response["X-Secondop-Outcome"] = submission.outcome
    response["X-Secondop-Replayed"] = "1"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not request.user.is_authenticated:
            response = self.get_response(request)
            if request.method == "POST":
                response["X-Secondop-Outcome"] = outcome_of(response)
            return response
        client_id = client_id_of(request)
        if client_id is None:
            response = self.get_response(request)
            response["X-Secondop-Outcome"] = outcome_of(response)
            return response
        known = Submission.objects.filter(client_id=client_id, user_id=request.user.pk).first()
        if known is not None:
            return _replay(known)
        if Submission.objects.filter(client_id=client_id).exists():
            # Someone else's UUID: refuse without telling anything about it.
            refused = HttpResponse("This submission cannot be accepted.", status=409)
            refused["X-Secondop-Outcome"] = "refused"
            return refused
        try:
            with transaction.atomic():
                response = self.get_response(request)
                outcome = outcome_of(response)
                # Only a write that happened is kept: a refusal (bad input, a CSRF failure, a 403) or a
                # server error changed nothing, so sending it again simply runs it again.
                if outcome not in ("saved", "conflict"):
                    raise _DoNotKeep(response)
                # A view that signed the person out (deleting the account does) leaves no one to replay for.
                if request.user.is_authenticated:
                    body = b"" if response.streaming else response.content
                    redirected = 300 <= response.status_code < 400
                    Submission.objects.create(
                        client_id=client_id,
                        user_id=request.user.pk,
                        path=request.path[:300],
                        status=response.status_code,
                        location=response.get("Location", "")[:300] if redirected else "",
                        outcome=outcome,
                        headers={name: response[name] for name in KEPT_HEADERS if name in response},
                        body=body.decode(errors="replace")[:STORED_BODY_LIMIT],
                    )
        except _DoNotKeep as failed:
            response = failed.response
        except IntegrityError:
            # The same UUID arrived twice at once and the other request won: its answer is the answer.
            known = Submission.objects.filter(client_id=client_id, user_id=request.user.pk).first()
            if known is None:
                raise
            return _replay(known)
        response["X-Secondop-Outcome"] = outcome
        return response


class _DoNotKeep(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response
