import datetime
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import ProtectedError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from secondop.cases import checklist
from secondop.cases.access import get_case_for
from secondop.cases.models import Case
from secondop.pwa.offline import keep_offline
from secondop.records import clock, letters, progress
from secondop.records.forms import (
    ContactForm,
    MoveForm,
    ProviderForm,
    QuickContactForm,
    RecordsRequestForm,
    RequestDateForm,
)
from secondop.records.models import ContactChannel, ContactEntry, LetterKind, RecordsRequest, RequestStatus
from secondop.records.progress import MoveRefused, change_request_date, move, portal_message_sent
from secondop.records.timeline import entries
from secondop.requests import AuthenticatedRequest, query_number


def _request_rows(case: Case, today: datetime.date) -> list[dict[str, object]]:
    return [
        {
            "request": item,
            "follow_up_on": clock.follow_up_on(item),
            "legal_due_on": clock.legal_due_on(item),
            "overdue": clock.is_overdue(item, today),
            "days_left": clock.days_left(item, today),
        }
        for item in case.records_requests.select_related("holder", "recipient")
    ]


@keep_offline
@login_required
@require_GET
def records_home(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, membership = get_case_for(request, code)
    today = request.user.profile.today()
    context = {
        "case": case,
        "membership": membership,
        "rows": _request_rows(case, today),
        "providers": case.providers.all(),
        "today": today,
    }
    return render(request, "records/home.html", context)


@keep_offline
@login_required
def provider_new(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    form = ProviderForm(request.POST or None, initial={"role": request.GET.get("role", "records_office")})
    if request.method == "POST" and form.is_valid():
        provider = form.save(commit=False)
        provider.case = case
        provider.save()
        messages.success(request, _("Added {name}.").format(name=provider))
        if request.POST.get("next") == "request_new":
            return redirect("request_new", case.code)
        return redirect("records", case.code)
    return render(
        request,
        "records/provider_form.html",
        {"case": case, "form": form, "next": request.GET.get("next", "")},
    )


@keep_offline
@login_required
def provider_edit(request: AuthenticatedRequest, code: UUID, provider_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    provider = get_object_or_404(case.providers, pk=provider_id)
    form = ProviderForm(request.POST or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("records", case.code)
    return render(request, "records/provider_form.html", {"case": case, "form": form, "provider": provider})


@login_required
@require_POST
def provider_delete(request: AuthenticatedRequest, code: UUID, provider_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    provider = get_object_or_404(case.providers, pk=provider_id)
    try:
        provider.delete()
    except ProtectedError:
        messages.error(
            request,
            _("{name} is part of a records request or the appointment, so it stays. Edit it.").format(
                name=provider
            ),
        )
    else:
        messages.success(request, _("Removed {name}.").format(name=provider))
    return redirect("records", case.code)


@keep_offline
@login_required
def request_new(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    form = RecordsRequestForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        records_request = form.save(commit=False)
        records_request.case = case
        records_request.save()
        messages.success(request, _("Your request is ready. When you have sent it, mark it as requested."))
        return redirect("request_detail", case.code, records_request.pk)
    return render(
        request,
        "records/request_form.html",
        {"case": case, "form": form, "has_providers": case.providers.exists()},
    )


@keep_offline
@login_required
def request_edit(request: AuthenticatedRequest, code: UUID, request_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    records_request = get_object_or_404(case.records_requests, pk=request_id)
    form = RecordsRequestForm(request.POST or None, case=case, instance=records_request)
    date_form = RequestDateForm(initial={"requested_on": records_request.requested_on})
    if request.method == "POST" and "requested_on" in request.POST:
        date_form = RequestDateForm(request.POST)
        if date_form.is_valid():
            try:
                change_request_date(
                    records_request, date_form.cleaned_data["requested_on"], request.user.profile.today()
                )
            except MoveRefused as refusal:
                date_form.add_error("requested_on", str(refusal))
            else:
                messages.success(
                    request, _("The request date is changed; the follow-up and deadline moved with it.")
                )
                return redirect("request_detail", case.code, records_request.pk)
        form = RecordsRequestForm(case=case, instance=records_request)
    elif request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("request_detail", case.code, records_request.pk)
    context = {"case": case, "form": form, "date_form": date_form, "records_request": records_request}
    return render(request, "records/request_form.html", context)


def _request_context(
    request: AuthenticatedRequest,
    case: Case,
    records_request: RecordsRequest,
    membership: object,
    **extra: object,
) -> dict[str, object]:
    today = request.user.profile.today()
    return {
        "case": case,
        "membership": membership,
        "records_request": records_request,
        "follow_up_on": clock.follow_up_on(records_request),
        "deadline": (deadline := clock.deadline(records_request)),
        "legal_due_on": deadline.on if deadline else None,
        "overdue": clock.is_overdue(records_request, today),
        "days_left": clock.days_left(records_request, today),
        "extension_window": clock.extension_window(records_request),
        "letters": [
            (kind, LetterKind(kind).label) for kind in letters.offered_letters(records_request, today)
        ],
        "events": records_request.events.select_related("by"),
        "timeline": entries(case, {records_request.pk: str(records_request)}, records_request.pk),
        "move_form": extra.pop("move_form", None)
        or MoveForm(request_obj=records_request, initial={"on": today}),
        "today": today,
        **extra,
    }


@keep_offline
@login_required
@require_GET
def request_detail(request: AuthenticatedRequest, code: UUID, request_id: int) -> HttpResponse:
    case, membership = get_case_for(request, code)
    records_request = get_object_or_404(
        case.records_requests.select_related("holder", "recipient"), pk=request_id
    )
    return render(
        request, "records/request_detail.html", _request_context(request, case, records_request, membership)
    )


@login_required
@require_POST
def request_move(request: AuthenticatedRequest, code: UUID, request_id: int) -> HttpResponse:
    case, membership = get_case_for(request, code, "write")
    records_request = get_object_or_404(case.records_requests, pk=request_id)
    if not records_request.allowed_moves():
        messages.error(request, progress.closed_message(records_request.status))
        return redirect("request_detail", case.code, records_request.pk)
    form = MoveForm(request.POST, request_obj=records_request)
    if form.is_valid():
        try:
            move(
                records_request,
                form.cleaned_data["to_status"],
                form.cleaned_data["on"],
                today=request.user.profile.today(),
                user=request.user,
                note=form.cleaned_data["note"],
                extension_notice_on=form.cleaned_data["extension_notice_on"],
            )
        except MoveRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            status = RequestStatus(form.cleaned_data["to_status"]).label.lower()
            messages.success(request, _("Marked as {status}.").format(status=status))
            return redirect("request_detail", case.code, records_request.pk)
    context = _request_context(request, case, records_request, membership, move_form=form)
    return render(request, "records/request_detail.html", context, status=200)


@login_required
@require_POST
def contact_quick_add(request: AuthenticatedRequest, code: UUID, request_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    records_request = get_object_or_404(case.records_requests.select_related("holder"), pk=request_id)
    form = QuickContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what happened."))
        return redirect("request_detail", case.code, records_request.pk)
    holder = str(records_request.holder)
    with transaction.atomic():
        if form.cleaned_data["what"] == "portal":
            ContactEntry.objects.create(
                case=case,
                request=records_request,
                happened_at=timezone.now(),
                channel=ContactChannel.PORTAL,
                with_whom=holder,
                asked=_("Sent the portal message that documents the request."),
                created_by=request.user,
            )
            # The portal script's use is the scripts' to note (secondop.scripts.signals).
            portal_message_sent.send(
                ContactEntry, case=case, user=request.user, on=request.user.profile.today()
            )
            text = _("Noted: portal message sent.")
        else:
            ContactEntry.objects.create(
                case=case,
                request=records_request,
                happened_at=timezone.now(),
                channel=ContactChannel.PHONE,
                with_whom=holder,
                asked=_("Called about the records request."),
                created_by=request.user,
            )
            text = _("Noted: you called the records office. Add what they said if you like.")
        for item in checklist.sync(case, request.user):
            text += " " + _("“{title}” is ticked off your checklist.").format(title=item.shown_title)
    messages.success(request, text)
    return redirect("request_detail", case.code, records_request.pk)


@keep_offline
@login_required
def contact_new(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    chosen = query_number(request.GET.get("request"))
    initial = {"request": chosen} if chosen is not None else {}
    form = ContactForm(request.POST or None, case=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        contact = form.save(commit=False)
        contact.case = case
        contact.created_by = request.user
        contact.save()
        messages.success(request, _("Added to your paper trail."))
        if contact.request_id:
            return redirect("request_detail", case.code, contact.request_id)
        return redirect("timeline", case.code)
    return render(request, "records/contact_form.html", {"case": case, "form": form})


@keep_offline
@login_required
def contact_edit(request: AuthenticatedRequest, code: UUID, contact_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    contact = get_object_or_404(case.contacts, pk=contact_id)
    form = ContactForm(request.POST or None, case=case, instance=contact)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("timeline", case.code)
    return render(request, "records/contact_form.html", {"case": case, "form": form, "contact": contact})


@login_required
@require_POST
def contact_delete(request: AuthenticatedRequest, code: UUID, contact_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    contact = get_object_or_404(case.contacts, pk=contact_id)
    contact.delete()
    messages.success(request, _("Removed from your paper trail."))
    return redirect("timeline", case.code)
