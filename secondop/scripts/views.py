from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from secondop.cases import checklist
from secondop.cases.access import get_case_for
from secondop.cases.models import Approach, Case, Membership
from secondop.pwa.idempotency import CONFLICT_TAG
from secondop.pwa.offline import keep_offline
from secondop.requests import AuthenticatedRequest
from secondop.scripts.approach import recommend
from secondop.scripts.drafting import (
    DESCRIPTIONS,
    drafts_as_they_stand,
    ensure_drafts,
    offered_kinds,
    regenerate_unedited,
)
from secondop.scripts.forms import (
    ApproachForm,
    ChooseApproachForm,
    DraftSaveForm,
    DraftUseForm,
    FactsForm,
    ResolveForm,
)
from secondop.scripts.models import Draft, DraftKind, SaveResult
from secondop.scripts.texts import FACT_LABELS, Facts, generate, paragraphs, placeholders_in

# Where each placeholder is filled in on the details form.
PLACEHOLDER_FIELDS = {
    FACT_LABELS["patient_name"]: "id_patient_name",
    FACT_LABELS["concern"]: "id_concern",
    FACT_LABELS["current_provider"]: "id_current_name",
    FACT_LABELS["second_provider"]: "id_second_name",
    FACT_LABELS["second_practice"]: "id_second_practice",
    FACT_LABELS["second_destination"]: "id_second_address",
    FACT_LABELS["records_wanted"]: "id_records_wanted_0",
}


def _draft_for(case: Case, kind: str, *, store: bool = True) -> Draft:
    """The script of `kind`: stored for a write; for a page, as it stands (unsaved if nobody saved it)."""
    if kind not in offered_kinds(case):
        raise Http404("This script is not offered for this case.")
    return (ensure_drafts(case) if store else drafts_as_they_stand(case))[kind]


@keep_offline
@login_required
@require_GET
def scripts_index(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, membership = get_case_for(request, code)
    drafts = drafts_as_they_stand(case)
    rows = [
        {
            "kind": kind,
            "label": DraftKind(kind).label,
            "description": DESCRIPTIONS[DraftKind(kind)],
            "draft": drafts.get(kind),
            "missing": len(placeholders_in(drafts[kind].text)) if kind in drafts else None,
        }
        for kind in offered_kinds(case)
    ]
    return render(
        request,
        "scripts/index.html",
        {"case": case, "membership": membership, "recommendation": recommend(case), "rows": rows},
    )


@keep_offline
@login_required
def approach(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, membership = get_case_for(request, code, "read" if request.method == "GET" else "write")
    recommendation = recommend(case)
    form = ApproachForm(instance=case)
    choose = ChooseApproachForm(
        initial={"approach": case.approach or recommendation.approach},
        collaborative_offered=recommendation.collaborative_offered,
    )
    if request.method == "POST" and "approach" in request.POST:
        choose = ChooseApproachForm(request.POST, collaborative_offered=recommendation.collaborative_offered)
        if case.approach_answered and choose.is_valid():
            case.approach = choose.cleaned_data["approach"]
            case.save(update_fields=["approach", "updated_at"])
            messages.success(request, f"You chose the {case.get_approach_display().lower()}.")
            return redirect("scripts_index", case.code)
    elif request.method == "POST":
        form = ApproachForm(request.POST, instance=case)
        if form.is_valid():
            case = form.save(commit=False)
            case.approach_answered_at = timezone.now()
            recommendation = recommend(case)
            if case.approach != Approach.COLLABORATIVE or not recommendation.collaborative_offered:
                case.approach = recommendation.approach
            case.save()
            regenerate_unedited(case)
            checklist.sync(case, request.user)
            return redirect("approach", case.code)
    return render(
        request,
        "scripts/approach.html",
        {
            "case": case,
            "membership": membership,
            "form": form,
            "choose": choose,
            "recommendation": recommendation,
        },
    )


@keep_offline
@login_required
def script_facts(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    case, _ = get_case_for(request, code, "write")
    form = FactsForm(request.POST or None, initial=FactsForm.initial_for(case))
    if request.method == "POST" and form.is_valid():
        form.save(case)
        regenerate_unedited(case)
        messages.success(request, "Saved. Scripts you have not changed by hand now use these details.")
        back = request.POST.get("next", "")
        if back in offered_kinds(case):
            return redirect("draft_edit", case.code, back)
        return redirect("scripts_index", case.code)
    return render(
        request, "scripts/facts.html", {"case": case, "form": form, "next": request.GET.get("next")}
    )


def _editor(case: Case, draft: Draft, can_edit: bool) -> dict[str, object]:
    """What templates/includes/text_editor.html needs for a script."""
    args = [case.code, draft.kind]
    return {
        "case": case,
        "draft": draft,
        "editable": draft,
        "can_edit": can_edit,
        "save_url": reverse("draft_save", args=args),
        "restore_url": reverse("draft_restore", args=args),
        "resolve_url": reverse("draft_resolve", args=args),
        "say_url": reverse("draft_say", args=args),
        "noun": "script",
        "editor_label": "Your script",
        "share_title": DraftKind(draft.kind).label,
        "kind_label": DraftKind(draft.kind).label,
    }


def _draft_context(case: Case, draft: Draft, membership: Membership, **extra: object) -> dict[str, object]:
    missing = placeholders_in(draft.text)
    return {
        **_editor(case, draft, membership.can("write")),
        "membership": membership,
        "description": DESCRIPTIONS[DraftKind(draft.kind)],
        "missing": [(label, PLACEHOLDER_FIELDS.get(label)) for label in missing],
        "uses": draft.uses.select_related("recorded_by") if draft.pk else [],
        "use_form": DraftUseForm(initial={"used_on": timezone.localdate()}),
        **extra,
    }


@keep_offline
@login_required
@require_GET
def draft_edit(request: AuthenticatedRequest, code: UUID, kind: str) -> HttpResponse:
    case, membership = get_case_for(request, code)
    draft = _draft_for(case, kind, store=False)
    return render(request, "scripts/draft.html", _draft_context(case, draft, membership))


@login_required
@require_POST
def draft_save(request: AuthenticatedRequest, code: UUID, kind: str) -> HttpResponse:
    case, membership = get_case_for(request, code, "write")
    form = DraftSaveForm(request.POST)
    # A refused save stores nothing, not even the draft it would have gone into.
    draft = _draft_for(case, kind, store=form.is_valid())
    if not form.is_valid():
        message = "This script could not be saved: it is longer than 20,000 characters."
        if "version" in form.errors:
            message = (
                "This script could not be saved. Reload the page and try again; your text is still here."
            )
        if request.htmx:
            return render(
                request,
                "includes/text_editor.html#save-status",
                {**_editor(case, draft, True), "error": message},
            )
        messages.error(request, message)
        return redirect("draft_edit", case.code, kind)
    result = draft.save_edit(form.cleaned_data["text"], form.cleaned_data["version"], request.user)
    if result == SaveResult.SAVED:
        checklist.sync(case, request.user)
    if request.htmx:
        response = render(request, "includes/text_editor.html#autosave-answer", _editor(case, draft, True))
        response["HX-Trigger"] = "draft-saved" if result == SaveResult.SAVED else "draft-conflict"
        return response
    if result == SaveResult.CONFLICT:
        messages.error(
            request,
            "Someone else changed this script while you were writing. Both versions are kept.",
            extra_tags=CONFLICT_TAG,
        )
    else:
        messages.success(request, "Saved.")
    return redirect("draft_edit", case.code, kind)


@login_required
@require_POST
def draft_restore(request: AuthenticatedRequest, code: UUID, kind: str) -> HttpResponse:
    case, _ = get_case_for(request, code, "write")
    draft = _draft_for(case, kind)
    draft.restore_generated(generate(kind, Facts.of(case)), request.user)
    messages.success(request, "The suggested text is back.")
    return redirect("draft_edit", case.code, kind)


@login_required
@require_POST
def draft_resolve(request: AuthenticatedRequest, code: UUID, kind: str) -> HttpResponse:
    case, _ = get_case_for(request, code, "write")
    form = ResolveForm(request.POST)
    draft = _draft_for(case, kind, store=form.is_valid())
    if not form.is_valid():
        return HttpResponse("Choose which version to keep.", status=400, content_type="text/plain")
    draft.resolve_conflict(form.cleaned_data["keep"], request.user)
    messages.success(request, "Done: one version is kept.")
    return redirect("draft_edit", case.code, kind)


@keep_offline
@login_required
@require_GET
def draft_say(request: AuthenticatedRequest, code: UUID, kind: str) -> HttpResponse:
    case, _ = get_case_for(request, code)
    draft = _draft_for(case, kind, store=False)
    context = {
        **_editor(case, draft, False),
        "paragraphs": paragraphs(draft.text),
        "back_url": reverse("draft_edit", args=[case.code, kind]),
        "back_label": "Back to the script",
    }
    return render(request, "scripts/say.html", context)


@login_required
@require_POST
def draft_use(request: AuthenticatedRequest, code: UUID, kind: str) -> HttpResponse:
    case, membership = get_case_for(request, code, "write")
    form = DraftUseForm(request.POST)
    draft = _draft_for(case, kind, store=form.is_valid())
    if not form.is_valid():
        context = _draft_context(case, draft, membership, use_form=form)
        return render(request, "scripts/draft.html", context, status=200)
    use = form.save(commit=False)
    use.draft = draft
    use.recorded_by = request.user
    use.save()
    regenerate_unedited(case)  # the portal message names the date of the conversation
    checklist.sync(case, request.user)
    messages.success(request, "Noted. It is on the case's record.")
    return redirect("draft_edit", case.code, kind)
