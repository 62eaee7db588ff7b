"""The visit page of a case: the appointment, what to bring (ticked as it is packed), and the physical items
on their way."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from secondop.cases.access import get_case_for
from secondop.cases.models import Case, Membership
from secondop.pwa.offline import keep_offline
from secondop.requests import AuthenticatedRequest
from secondop.visits import bring
from secondop.visits.forms import ItemForm, ItemProgressForm, VisitForm
from secondop.visits.models import ItemStatus, PhysicalItem, Visit

require_get_or_post = require_http_methods(["GET", "HEAD", "POST"])


def _page(request: AuthenticatedRequest, case: Case, membership: Membership, **forms: object) -> HttpResponse:
    visit = Visit.objects.filter(case=case).select_related("doctor").first()
    context = {
        "case": case,
        "membership": membership,
        "visit": visit,
        "things": bring.things_to_bring(case),
        "items": PhysicalItem.objects.filter(case=case),
        "statuses": ItemStatus.choices,
        **forms,
    }
    return render(request, "visits/visit.html", context)


@keep_offline
@login_required
@require_get_or_post
def visit(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    posted = request.method == "POST"
    case, membership = get_case_for(request, code, "write" if posted else "read")
    current = Visit.objects.filter(case=case).first()
    form = None
    if membership.can("write"):
        instance = current or Visit(case=case, created_by=request.user)
        form = VisitForm(request.POST if posted else None, instance=instance, case=case)
        if posted and form.is_valid():
            # update_or_create, not form.save(): two first saves at once must not both insert a row.
            fields = {name: form.cleaned_data[name] for name in VisitForm.Meta.fields}
            created = {**fields, "created_by": request.user}
            Visit.objects.update_or_create(case=case, defaults=fields, create_defaults=created)
            messages.success(request, _("Saved. You get a reminder the day before, with what to bring."))
            return redirect("visit", case.code)
    return _page(request, case, membership, visit_form=form, item_form=ItemForm() if form else None)


@login_required
@require_POST
def bring_tick(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    keys = {thing.key for thing in bring.things_to_bring(case)}
    key = request.POST.get("key", "")
    if key not in keys:
        messages.error(request, _("That is no longer on the list. Nothing was changed."))
        return redirect("visit", case.code)
    bring.tick(case, key, request.POST.get("done") == "1", request.user)
    return redirect(reverse("visit", args=[case.code]) + "#bring")


@login_required
@require_POST
def item_new(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, membership = get_case_for(request, code, "write")
    form = ItemForm(request.POST)
    if not form.is_valid():
        return _page(request, case, membership, visit_form=None, item_form=form)
    item = form.save(commit=False)
    item.case = case
    item.save()
    messages.success(request, _("Saved. You can follow it here until it is back."))
    return redirect("visit", case.code)


@login_required
@require_POST
def item_progress(request: AuthenticatedRequest, code: UUID, thing_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    item = get_object_or_404(PhysicalItem, case=case, pk=thing_id)
    form = ItemProgressForm(request.POST)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        messages.error(request, _("Not saved: %(error)s") % {"error": first})
        return redirect("visit", case.code)
    data = form.cleaned_data
    item.status = data["status"]
    on = data["on"]
    if item.status == ItemStatus.SENT:
        item.sent_on, item.carrier, item.tracking_number = on, data["carrier"], data["tracking_number"]
    elif item.status == ItemStatus.RECEIVED:
        item.received_on = on
    elif item.status == ItemStatus.RETURNED:
        item.returned_on = on
    item.save()
    messages.success(request, _("Saved: %(status)s.") % {"status": item.get_status_display().lower()})
    return redirect("visit", case.code)
