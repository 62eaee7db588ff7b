from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from secondop.cases.access import get_case_for
from secondop.opinions.forms import OpinionForm
from secondop.opinions.models import Opinion, opinion_saved
from secondop.pwa.offline import keep_offline
from secondop.records.models import Provider, ProviderRole
from secondop.requests import AuthenticatedRequest


@keep_offline
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def opinion(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    posted = request.method == "POST"
    case, membership = get_case_for(request, code, "write" if posted else "read")
    saved = Opinion.objects.filter(case=case).first()
    shown = saved or Opinion(case=case)
    form = None
    if membership.can("write"):
        form = OpinionForm(
            request.POST if posted else None, instance=Opinion(case=case) if saved is None else saved
        )
        if form.is_bound and form.is_valid():
            # update_or_create, not form.save(): two first saves at once must not both insert a row.
            Opinion.objects.update_or_create(
                case=case, defaults={**form.cleaned_data, "updated_by": request.user}
            )
            opinion_saved.send(sender=Opinion, case=case, user=request.user)
            messages.success(request, _("Saved the two opinions."))
            return redirect("opinion", case.code)
    questions = list(case.questions.all())
    doctors: dict[str, Provider] = {}
    for provider in case.providers.filter(role__in=[ProviderRole.CURRENT, ProviderRole.SECOND_OPINION]):
        doctors.setdefault(provider.role, provider)
    context = {
        "case": case,
        "membership": membership,
        "form": form,
        "opinion": shown,
        "saved": saved is not None,
        "first_doctor": doctors.get(ProviderRole.CURRENT),
        "second_doctor": doctors.get(ProviderRole.SECOND_OPINION),
        "questions": questions,
        "answered": sum(1 for question in questions if question.answered_at),
    }
    return render(request, "opinions/opinion.html", context)
