"""Idempotent writes for the offline outbox.

A POST that carries a client-made UUID (the `X-Client-Id` header, or a `client_id` form field) runs inside
one transaction together with the record of its answer. Replayed, the same UUID gets the stored answer
(marked `X-Secondop-Replayed: 1`) and the view does not run again. Only a write that happened (saved, or a
conflict that kept both texts) is kept; a refusal or a server error changed nothing and runs again. Every
answer to a POST goes out through secondop.pwa.protocol, which says how it went in its headers.
"""

import uuid
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseRedirect
from django.utils.translation import gettext as _

from secondop.cases.access import CASE_OF_WRITE, may
from secondop.cases.models import Membership, TeamMembership, TeamShare
from secondop.pwa import protocol
from secondop.pwa.models import Submission

STORED_BODY_LIMIT = 200_000
KEPT_HEADERS = ("HX-Trigger", "Content-Type", protocol.VERSION)


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
    response[protocol.OUTCOME] = submission.outcome
    response["X-Secondop-Replayed"] = "1"
    return response


class IdempotencyMiddleware:
    """Must come after CsrfViewMiddleware: a replay is answered in `process_view`, so it has passed the
    CSRF check and URL routing like the original; and the answer is given again only for the same path,
    and only while the person may still do to the case what the write needed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return protocol.finish(request, self._answer(request))

    def _answer(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not request.user.is_authenticated:
            return self.get_response(request)
        client_id = client_id_of(request)
        if client_id is None:
            return self.get_response(request)
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if getattr(request, _REPLAYED, False):
                    return response
                outcome = response[protocol.OUTCOME] = protocol.outcome_of(response, request)
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
            return _refused(HttpResponse(_("This submission cannot be accepted."), status=409))
        if known.case is not None and not may(request.user, known.case, known.need):
            # The person no longer has the access the write needed: the answer goes, and they get what
            # the view would answer them now.
            known.delete()
            return _refused(HttpResponseNotFound(_("No such case.")))
        return _replay(known)


def _refused(response: HttpResponse) -> HttpResponse:
    return protocol.answer(response, "refused")


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
