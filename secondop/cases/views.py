from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from secondop.cases import checklist as checklists
from secondop.cases.access import get_case_for
from secondop.cases.forms import CaseForm, ChecklistItemForm
from secondop.cases.models import Case
from secondop.pwa import protocol
from secondop.pwa.offline import keep_offline
from secondop.requests import AuthenticatedRequest


@keep_offline
@login_required
def case_new(request: AuthenticatedRequest) -> HttpResponse:
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = Case.open_for(request.user, **form.cleaned_data)
        messages.success(request, _("Your case is ready. The first step takes about a minute."))
        return redirect(case)
    return render(request, "cases/case_form.html", {"form": form, "case": None})


def _checklist_context(case: Case) -> dict[str, object]:
    items = list(case.checklist.all())
    done = sum(1 for item in items if item.is_done)
    rows = [(item, checklists.link_for(item)) for item in items]
    return {"checklist_rows": rows, "checklist_done": done, "checklist_total": len(items)}


@keep_offline
@login_required
@require_GET
def case_overview(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, membership = get_case_for(request, code)
    context = {
        "case": case,
        "membership": membership,
        "members": case.memberships.select_related("user"),
        **_checklist_context(case),
    }
    return render(request, "cases/case_overview.html", context)


@keep_offline
@login_required
def checklist(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, membership = get_case_for(request, code, "read" if request.method == "GET" else "write")
    form = ChecklistItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        last = case.checklist.order_by("-position").values_list("position", flat=True).first() or 0
        case.checklist.create(title=form.cleaned_data["title"], position=last + 1)
        messages.success(request, _("Added to your checklist."))
        return redirect("checklist", case.code)
    context = {"case": case, "membership": membership, "form": form, **_checklist_context(case)}
    return render(request, "cases/checklist.html", context)


@login_required
@require_POST
def checklist_toggle(request: AuthenticatedRequest, code: UUID, item_id: int) -> HttpResponse:
    case, membership = get_case_for(request, code, "write")
    item = get_object_or_404(case.checklist, pk=item_id)
    # Read before the change: a body that cannot be read (not UTF-8) must be refused with nothing ticked.
    back_to_overview = request.POST.get("next") == "overview"
    if item.is_done:
        checklists.untick(item)
    else:
        checklists.tick(item, request.user)
    if request.htmx:
        context = {"case": case, "membership": membership, **_checklist_context(case)}
        return protocol.answer(render(request, "cases/checklist.html#checklist-block", context), "saved")
    if back_to_overview:
        return redirect(case)
    return redirect("checklist", case.code)


@login_required
@require_POST
def checklist_delete(request: AuthenticatedRequest, code: UUID, item_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    item = get_object_or_404(case.checklist, pk=item_id, key="")
    item.delete()
    messages.success(request, _("“{title}” is removed from your checklist.").format(title=item.shown_title))
    return redirect("checklist", case.code)


@keep_offline
@login_required
def case_edit(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    form = CaseForm(request.POST or None, instance=case)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect(case)
    return render(request, "cases/case_form.html", {"form": form, "case": case})


@login_required
@require_POST
def case_archive(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, _membership = get_case_for(request, code, "own")
    case.archive()
    messages.success(
        request, _("“{name}” is archived. You can bring it back at any time.").format(name=case.patient_name)
    )
    return redirect("case_list")


@login_required
@require_POST
def case_unarchive(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, _membership = get_case_for(request, code, "own")
    case.unarchive()
    messages.success(request, _("“{name}” is back in your cases.").format(name=case.patient_name))
    return redirect(case)
