from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from secondop.reminders import actions
from secondop.requests import AuthenticatedRequest


@csrf_exempt  # called by the service worker with the signed single-use token, not a session
@require_POST
def reminder_action(request: HttpRequest, token: str, action: str) -> HttpResponse:
    try:
        actions.apply(token, action)
    except actions.ActionRefused as refusal:
        return JsonResponse({"ok": False, "message": str(refusal)}, status=400)
    message = "Done." if action == "done" else "We will remind you tomorrow."
    return JsonResponse({"ok": True, "message": message})


# Being written (helper): the functions below are replaced.
def reminder_settings(request: AuthenticatedRequest) -> HttpResponse:
    raise NotImplementedError


push_subscribe = inbox = inbox_read_all = reminder_settings


def push_unsubscribe(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    raise NotImplementedError


def notification_open(request: AuthenticatedRequest, notification_id: int) -> HttpResponse:
    raise NotImplementedError
