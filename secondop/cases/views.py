from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from secondop.cases.access import get_case_for
from secondop.cases.forms import CaseForm
from secondop.cases.models import Case
from secondop.requests import AuthenticatedRequest


@login_required
@vary_on_headers("HX-Request")
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    show_archived = request.GET.get("show") == "archived"
    cases = Case.objects.for_user(request.user)
    cases = cases.archived() if show_archived else cases.active()
    context = {"cases": cases, "show_archived": show_archived}
    if request.htmx:
        return render(request, "cases/case_list.html#case-rows", context)
    return render(request, "cases/case_list.html", context)


@login_required
def case_new(request: AuthenticatedRequest) -> HttpResponse:
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = Case.open_for(request.user, **form.cleaned_data)
        messages.success(request, "Your case is ready. The first step takes about a minute.")
        return redirect(case)
    return render(request, "cases/case_form.html", {"form": form, "case": None})


@login_required
def case_overview(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, membership = get_case_for(request, code)
    members = case.memberships.select_related("user")
    return render(
        request, "cases/case_overview.html", {"case": case, "membership": membership, "members": members}
    )


@login_required
def case_edit(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, _ = get_case_for(request, code, "write")
    form = CaseForm(request.POST or None, instance=case)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Saved.")
        return redirect(case)
    return render(request, "cases/case_form.html", {"form": form, "case": case})


@login_required
@require_POST
def case_archive(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, _ = get_case_for(request, code, "own")
    case.archive()
    messages.success(request, f"“{case.patient_name}” is archived. You can bring it back at any time.")
    return redirect("case_list")


@login_required
@require_POST
def case_unarchive(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, _ = get_case_for(request, code, "own")
    case.unarchive()
    messages.success(request, f"“{case.patient_name}” is back in your cases.")
    return redirect(case)
