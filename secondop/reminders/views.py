import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from secondop.accounts.models import Profile
from secondop.cases.models import Membership
from secondop.pwa import protocol
from secondop.pwa.offline import keep_offline
from secondop.reminders import buttons, dispatch, push
from secondop.reminders.forms import CaseRemindersForm, ChannelsForm, PushSubscriptionForm
from secondop.reminders.inbox import forget_unread
from secondop.reminders.models import Notification, PushSubscription
from secondop.requests import AuthenticatedRequest

INBOX_LENGTH = 100


@csrf_exempt  # called by the service worker with the signed single-use token, not a session
@require_POST
def reminder_action(request: HttpRequest, token: str, action: str) -> HttpResponse:
    try:
        reminder = buttons.apply(token, action)
    except buttons.ActionRefused as refusal:
        return JsonResponse({"ok": False, "message": str(refusal)}, status=400)
    # Shown on the phone as the notification that replaces the reminder: in the reminder's language.
    with translation.override(dispatch.language_of(reminder.recipient)):
        message = _("Done.") if action == "done" else _("We will remind you tomorrow.")
    return JsonResponse({"ok": True, "message": message})


def _devices_context(request: AuthenticatedRequest) -> dict[str, object]:
    return {"devices": request.user.push_subscriptions.filter(disabled_at__isnull=True)}


@login_required
@vary_on_headers("HX-Request")
def reminder_settings(request: AuthenticatedRequest) -> HttpResponse:
    """Turning reminders on for this device, the devices that get them, the channels, and which cases."""
    profile, _created = Profile.objects.get_or_create(user=request.user)
    sent = request.POST.get("form") if request.method == "POST" else None
    channels = ChannelsForm(request.POST if sent == "channels" else None, instance=profile)
    cases = CaseRemindersForm(request.user, request.POST if sent == "cases" else None)
    if sent == "channels" and channels.is_valid():
        channels.save()
        messages.success(request, _("Saved. Reminders reach you the way you chose."))
        return redirect("reminder_settings")
    if sent == "cases" and cases.is_valid():
        cases.save()
        messages.success(request, _("Saved. Your cases' reminders are up to date."))
        return redirect("reminder_settings")
    if request.htmx and request.method == "GET":
        return render(request, "reminders/settings.html#devices", _devices_context(request))
    context = {
        "channels": channels,
        "cases": cases,
        "application_server_key": push.application_server_key(),
        **_devices_context(request),
    }
    return render(request, "reminders/settings.html", context)


@login_required
@require_POST
def push_subscribe(request: AuthenticatedRequest) -> JsonResponse:
    """Stores this browser's push subscription (JSON, as `PushSubscription.toJSON()` gives it). The app sends
    it after "Turn on reminders" and again at every start, since Safari never says an endpoint expired."""
    if request.content_type != "application/json":
        # A form body is read by the middleware before this view runs; its raw body is gone.
        return JsonResponse({"ok": False, "message": "Send the subscription as JSON."}, status=415)
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError):  # RecursionError: arrays or objects nested thousands deep
        return JsonResponse({"ok": False, "message": "The subscription is not valid JSON."}, status=400)
    form = PushSubscriptionForm.from_json(data)
    if not form.is_valid():
        return JsonResponse({"ok": False, "message": form.first_error()}, status=400)
    subscription, created = form.save(request.user, request.headers.get("User-Agent", ""))
    return JsonResponse(
        {"ok": True, "id": subscription.pk, "device": str(subscription)}, status=201 if created else 200
    )


@login_required
@require_POST
def push_unsubscribe(request: AuthenticatedRequest, subscription_id: int) -> HttpResponse:
    subscription = get_object_or_404(request.user.push_subscriptions, pk=subscription_id)
    PushSubscription.objects.filter(pk=subscription.pk, disabled_at__isnull=True).update(
        disabled_at=timezone.now()
    )
    if request.htmx:
        return protocol.answer(
            render(request, "reminders/settings.html#devices", _devices_context(request)), "saved"
        )
    messages.success(request, _("Removed. %(device)s no longer gets reminders.") % {"device": subscription})
    return redirect("reminder_settings")


@login_required
@require_POST
def push_forget(request: AuthenticatedRequest) -> JsonResponse:
    """Ends this browser's reminders when its person logs out (a shared phone): the app unsubscribes in the
    browser and sends the endpoint here. Only the signed-in person's own subscription is touched; an
    endpoint that is unknown, someone else's or already off changes nothing (and says so alike)."""
    field = forms.CharField(max_length=1000)  # also refuses NUL characters, which no endpoint has
    try:
        endpoint = field.clean(request.POST.get("endpoint", ""))
    except forms.ValidationError:
        return JsonResponse({"ok": False, "message": "Send the subscription's endpoint."}, status=400)
    disabled = PushSubscription.objects.filter(
        user=request.user, endpoint=endpoint, disabled_at__isnull=True
    ).update(disabled_at=timezone.now())
    return JsonResponse({"ok": True, "disabled": disabled})


@keep_offline
@login_required
@require_GET
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    # The case's name only while the person is still a member of it.
    member = Membership.objects.filter(case=OuterRef("case"), user=request.user)
    notifications = (
        request.user.notifications.select_related("case")
        .annotate(still_member=Exists(member))
        .order_by("-created_at", "-pk")[:INBOX_LENGTH]
    )
    return render(request, "reminders/inbox.html", {"notifications": notifications})


def _local_path(url: str) -> bool:
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=set())


@login_required
@require_GET
def notification_open(request: AuthenticatedRequest, notification_id: int) -> HttpResponse:
    notification = get_object_or_404(request.user.notifications, pk=notification_id)
    if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now()):
        forget_unread([request.user.pk])
    return redirect(notification.url if _local_path(notification.url) else reverse("inbox"))


@login_required
@require_POST
def inbox_read_all(request: AuthenticatedRequest) -> HttpResponse:
    marked = request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    if marked:
        forget_unread([request.user.pk])
        messages.success(request, _("Everything in your inbox is marked as read."))
    return redirect("inbox")
