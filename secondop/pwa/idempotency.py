"""Idempotent writes for the offline outbox.

A POST that carries a client-made UUID (the `X-Client-Id` header, or a `client_id` form field) runs inside
one transaction together with the record of its answer. Replayed, the same UUID gets the stored answer
and the view does not run again. Every answer also says how it went, in `X-Secondop-Outcome`, so the
outbox can tell a saved item from one refused for bad input (shown on the item, never dropped) or from a
session that expired (it stops and waits for the person to log in again):

  saved     a redirect (every form here answers a successful POST with one), or an htmx answer that
            announces itself with HX-Trigger
  conflict  an edit based on an old version: both texts are kept (HX-Trigger "draft-conflict", or a
            redirect with an error message tagged CONFLICT_TAG)
  refused   the form came back with its errors, a redirect with an error message (what the views do
            when they refuse something that is not a form's field: a closed request's status, the
            last owner's role), or a 4xx
  login     the session expired (a redirect to the log-in page)
  retry     a server error: nothing was stored; send it again later

The outbox cannot read a redirect's headers (a fetch that does not follow a redirect sees an opaque
answer), so a request marked `X-Secondop-Outbox: 1` gets, instead of a redirect, a 204 with the outcome,
the address it would have gone to (`X-Secondop-Location`) and the error message of a refusal or conflict
(`X-Secondop-Message`, percent-encoded UTF-8), which the outbox shows on the item.
"""

import uuid
from collections.abc import Callable
from urllib.parse import quote

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseRedirect

from secondop.cases.access import CASE_OF_WRITE, may
from secondop.cases.models import Membership, TeamMembership, TeamShare
from secondop.pwa.models import Submission
from secondop.pwa.outcome import error_messages, outcome_of

STORED_BODY_LIMIT = 200_000
KEPT_HEADERS = ("HX-Trigger", "Content-Type", "HX-Redirect")


def client_id_of(request: HttpRequest) -> uuid.UUID | None:
    raw = request.headers.get("X-Client-Id") or request.POST.get("client_id", "")
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


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


def _for_outbox(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A redirect answered to the outbox, in a form it can read (see the module's docstring)."""
    location = response.get("Location", "")
    if (
        request.headers.get("X-Secondop-Outbox") != "1"
        or not 300 <= response.status_code < 400
        or not location
    ):
        return response
    readable = HttpResponse(status=204)
    for name in ("X-Secondop-Outcome", "X-Secondop-Replayed"):
        if name in response:
            readable[name] = response[name]
    readable["X-Secondop-Location"] = location
    errors = error_messages(request)
    if errors:
        readable["X-Secondop-Message"] = quote(str(errors[0].message)[:500])
    # What the form would have said on the next page ("Saved.", a refusal) the outbox shows itself, on the
    # item: it must not turn up later on whatever page the person opens next.
    storage = getattr(request, "_messages", None)
    if storage is not None and hasattr(storage, "_queued_messages"):
        storage._queued_messages = []
    return readable


class IdempotencyMiddleware:
    """Must come after CsrfViewMiddleware: a replay is answered in `process_view`, so it has passed the
    CSRF check and URL routing like the original; and the answer is given again only for the same path,
    and only while the person may still do to the case what the write needed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return _for_outbox(request, self._answer(request))

    def _answer(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not request.user.is_authenticated:
            response = self.get_response(request)
            if request.method == "POST":
                response["X-Secondop-Outcome"] = outcome_of(response, request)
            return response
        client_id = client_id_of(request)
        if client_id is None:
            response = self.get_response(request)
            response["X-Secondop-Outcome"] = outcome_of(response, request)
            return response
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if getattr(request, _REPLAYED, False):
                    return response
                outcome = outcome_of(response, request)
                # Only a write that happened is kept: a refusal (bad input, a CSRF failure, a 403) or a
                # server error changed nothing, so sending it again simply runs it again.
                if outcome not in ("saved", "conflict"):
                    raise _DoNotKeep(response)
                # A view that signed the person out (deleting the account does) leaves no one to replay for.
                if request.user.is_authenticated:
                    body = b"" if response.streaming else response.content
                    redirected = 300 <= response.status_code < 400
                    case, need = getattr(request, CASE_OF_WRITE, (None, ""))
                    Submission.objects.create(
                        client_id=client_id,
                        user_id=request.user.pk,
                        path=request.path[:300],
                        case=case,
                        need=need,
                        status=response.status_code,
                        location=response.get("Location", "")[:300] if redirected else "",
                        outcome=outcome,
                        headers={name: response[name] for name in KEPT_HEADERS if name in response},
                        body=body.decode(errors="replace")[:STORED_BODY_LIMIT],
                    )
        except _DoNotKeep as failed:
            response = failed.response
        except IntegrityError:
            # The same UUID arrived twice at once and the other request won: its answer is the answer,
            # given under the same checks as any replay.
            answer = self._known_answer(request, client_id)
            if answer is None:
                raise
            return answer
        response["X-Secondop-Outcome"] = outcome
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., HttpResponse], args: object, kwargs: object
    ) -> HttpResponse | None:
        """A known UUID: the stored answer instead of running the view again."""
        if request.method != "POST" or not request.user.is_authenticated:
            return None
        client_id = client_id_of(request)
        if client_id is None:
            return None
        answer = self._known_answer(request, client_id)
        if answer is not None:
            setattr(request, _REPLAYED, True)
        return answer

    def _known_answer(self, request: HttpRequest, client_id: uuid.UUID) -> HttpResponse | None:
        known = Submission.objects.select_related("case").filter(client_id=client_id).first()
        if known is None:
            return None
        if known.user_id != request.user.pk or known.path != request.path[:300]:
            # Someone else's UUID, or this one sent somewhere else: refuse without telling anything.
            return _refused(HttpResponse("This submission cannot be accepted.", status=409))
        if known.case is not None and not may(request.user, known.case, known.need):
            # The person no longer has the access the write needed: the answer goes, and they get what
            # the view would answer them now.
            known.delete()
            return _refused(HttpResponseNotFound("No such case."))
        return _replay(known)


def _refused(response: HttpResponse) -> HttpResponse:
    response["X-Secondop-Outcome"] = "refused"
    return response


# Set on a request answered with a stored answer.
_REPLAYED = "_secondop_replayed"


class _DoNotKeep(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


# Stored answers go with the access that made them. (With the case and the person they go by cascade.)


def forget_answers_without_access(**scope: object) -> None:
    """Deletes the stored answers, among `scope`, of people who no longer reach the case at all."""
    Submission.objects.filter(case__isnull=False, **scope).exclude(
        Exists(Membership.objects.filter(case_id=OuterRef("case_id"), user_id=OuterRef("user_id")))
    ).exclude(
        Exists(
            TeamShare.objects.filter(case_id=OuterRef("case_id"), team__members__user_id=OuterRef("user_id"))
        )
    ).delete()


@receiver(post_delete, sender=Membership)
def _membership_gone(sender: object, instance: Membership, **kwargs: object) -> None:
    forget_answers_without_access(user_id=instance.user_id, case_id=instance.case_id)


@receiver(post_delete, sender=TeamMembership)
def _team_membership_gone(sender: object, instance: TeamMembership, **kwargs: object) -> None:
    forget_answers_without_access(user_id=instance.user_id)


@receiver(post_delete, sender=TeamShare)
def _team_share_gone(sender: object, instance: TeamShare, **kwargs: object) -> None:
    forget_answers_without_access(case_id=instance.case_id)
