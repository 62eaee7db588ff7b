"""The authorization a patient signs so that their doctors may share information with the person helping
them: made and edited by the owner or an advocate, read and printed by every member."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from secondop.authorizations import models
from secondop.authorizations.forms import AuthorizationForm, RevokeForm, SignForm
from secondop.authorizations.models import Authorization, Refused
from secondop.cases import audit
from secondop.cases.access import get_case_for
from secondop.cases.models import Case, Membership
from secondop.pwa.offline import keep_offline
from secondop.requests import AuthenticatedRequest

# What the audit trail says each write changed ("… changed an authorization to share records"): stored in
# English, translated where the trail is shown.
CHANGED = gettext_noop("an authorization to share records")
SIGNED = gettext_noop("an authorization to share records (marked signed)")
REVOKED = gettext_noop("an authorization to share records (marked revoked)")


def _authorization(case: Case, authorization_id: int, *, lock: bool = False) -> Authorization:
    """The case's authorization; locked for a change (inside the view's transaction), so that two changes
    at once (an edit and a signature, a signing date corrected while it is revoked) go one after the other."""
    rows = case.authorizations.select_related("case", "provider", "recipient")
    if lock:
        rows = rows.select_for_update(of=("self",))
    return get_object_or_404(rows, pk=authorization_id)


@keep_offline
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def authorization_new(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    today = request.user.profile.today()
    form = AuthorizationForm(request.POST or None, case=case, user=request.user, today=today)
    if request.method == "POST" and form.is_valid():
        audit.change_when_saved(request, case, CHANGED)
        authorization = form.save(commit=False)
        authorization.created_by = request.user
        authorization.save()
        messages.success(request, _("The authorization is ready. Print it for the patient to sign."))
        return redirect("authorization_detail", case.code, authorization.pk)
    return render(request, "authorizations/form.html", {"case": case, "form": form})


@keep_offline
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@transaction.atomic
def authorization_edit(request: AuthenticatedRequest, code: UUID, authorization_id: int) -> HttpResponse:
    case, _membership = get_case_for(request, code, "write")
    authorization = _authorization(case, authorization_id, lock=request.method == "POST")
    if not authorization.can_change:
        messages.error(
            request, _("It is signed, so it stays as the patient signed it. To change it, make a new one.")
        )
        return redirect("authorization_detail", case.code, authorization.pk)
    today = request.user.profile.today()
    form = AuthorizationForm(
        request.POST or None, case=case, user=request.user, today=today, instance=authorization
    )
    if request.method == "POST" and form.is_valid():
        audit.change_when_saved(request, case, CHANGED)
        form.save()
        messages.success(request, _("Saved."))
        return redirect("authorization_detail", case.code, authorization.pk)
    context = {"case": case, "form": form, "authorization": authorization}
    return render(request, "authorizations/form.html", context)


def _detail(
    request: AuthenticatedRequest,
    case: Case,
    membership: Membership,
    authorization: Authorization,
    **forms: object,
) -> HttpResponse:
    today = request.user.profile.today()
    context = {
        "case": case,
        "membership": membership,
        "authorization": authorization,
        "state": authorization.state_on(today),
        "state_text": authorization.describe_state(today),
        "may_write": membership.can("write"),
        "sign_form": forms.get("sign_form")
        or SignForm(initial={"signed_on": authorization.signed_on or today}),
        "revoke_form": forms.get("revoke_form") or RevokeForm(initial={"revoked_on": today}),
    }
    return render(request, "authorizations/detail.html", context)


@keep_offline
@login_required
@require_GET
def authorization_detail(request: AuthenticatedRequest, code: UUID, authorization_id: int) -> HttpResponse:
    case, membership = get_case_for(request, code)
    return _detail(request, case, membership, _authorization(case, authorization_id))


@login_required
@require_POST
@transaction.atomic
def authorization_sign(request: AuthenticatedRequest, code: UUID, authorization_id: int) -> HttpResponse:
    case, membership = get_case_for(request, code, "write")
    authorization = _authorization(case, authorization_id, lock=True)
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            authorization.mark_signed(form.cleaned_data["signed_on"], today=request.user.profile.today())
        except Refused as refusal:
            form.add_error("signed_on", str(refusal))
        else:
            audit.change_when_saved(request, case, SIGNED)
            messages.success(
                request, _("Marked as signed. Keep the signed paper, and give the patient a copy.")
            )
            return redirect("people", case.code)
    return _detail(request, case, membership, authorization, sign_form=form)


@login_required
@require_POST
@transaction.atomic
def authorization_revoke(request: AuthenticatedRequest, code: UUID, authorization_id: int) -> HttpResponse:
    case, membership = get_case_for(request, code, "write")
    authorization = _authorization(case, authorization_id, lock=True)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            authorization.revoke(form.cleaned_data["revoked_on"], today=request.user.profile.today())
        except Refused as refusal:
            form.add_error("revoked_on", str(refusal))
        else:
            audit.change_when_saved(request, case, REVOKED)
            messages.success(request, _("Marked as revoked."))
            return redirect("people", case.code)
    return _detail(request, case, membership, authorization, revoke_form=form)


@keep_offline
@login_required
@require_GET
def authorization_print(request: AuthenticatedRequest, code: UUID, authorization_id: int) -> HttpResponse:
    case, membership = get_case_for(request, code)
    authorization = _authorization(case, authorization_id)
    context = {
        "case": case,
        "membership": membership,
        "authorization": authorization,
        "state_text": authorization.describe_state(request.user.profile.today()),
        "citation": models.CITATION,
        "citation_url": models.CITATION_URL,
        "checked_on": models.CHECKED_ON,
    }
    return render(request, "authorizations/print.html", context)
