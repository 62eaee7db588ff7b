from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from secondop.cases import checklist
from secondop.cases.access import Need, get_case_for
from secondop.cases.models import Approach, Membership
from secondop.editing.texts import placeholders_in
from secondop.editing.views import Editor
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
from secondop.scripts.forms import ApproachForm, ChooseApproachForm, DraftUseForm, FactsForm
from secondop.scripts.models import Draft, DraftKind
from secondop.scripts.texts import FACT_LABELS, Facts, generate, portal_version

# Where each fact's placeholder is filled in on the details form.
PLACEHOLDER_FIELDS = {
    "patient_name": "id_patient_name",
    "concern": "id_concern",
    "current_provider": "id_current_name",
    "second_provider": "id_second_name",
    "second_practice": "id_second_practice",
    "second_destination": "id_second_address",
    "records_wanted": "id_records_wanted_0",
}


def placeholder_fields() -> dict[str, str]:
    """Each placeholder as a script may read, in any of our languages (a script's language need not be the
    reader's) → the field of the details form that fills it."""
    fields: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            fields |= {str(FACT_LABELS[fact]): field for fact, field in PLACEHOLDER_FIELDS.items()}
    return fields


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
            if case.approach == Approach.COLLABORATIVE:
                messages.success(request, _("You chose the collaborative framing."))
            else:
                messages.success(request, _("You chose the routine framing."))
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
    case, _membership = get_case_for(request, code, "write")
    form = FactsForm(request.POST or None, initial=FactsForm.initial_for(case))
    if request.method == "POST" and form.is_valid():
        form.save(case)
        regenerate_unedited(case)
        messages.success(request, _("Saved. Scripts you have not changed by hand now use these details."))
        back = request.POST.get("next", "")
        if back in offered_kinds(case):
            return redirect("draft_edit", case.code, back)
        return redirect("scripts_index", case.code)
    return render(
        request, "scripts/facts.html", {"case": case, "form": form, "next": request.GET.get("next")}
    )


class DraftEditor(Editor[Draft]):
    name = "draft"
    template = "scripts/draft.html"

    def find(
        self, request: AuthenticatedRequest, need: Need, *, store: bool, **url: Any
    ) -> tuple[Draft, Membership]:
        case, membership = get_case_for(request, url["code"], need)
        if url["kind"] not in offered_kinds(case):
            raise Http404("This script is not offered for this case.")
        return (ensure_drafts(case) if store else drafts_as_they_stand(case))[url["kind"]], membership

    def generate(self, request: AuthenticatedRequest, text: Draft) -> str:
        return generate(text.kind, Facts.of(text.case))

    def describe(self, text: Draft) -> dict[str, object]:
        shares_result = text.kind == DraftKind.SHARE_RESULT
        portal = ""
        if shares_result:
            with translation.override(text.language):  # the script's language, not the reader's
                portal = portal_version(text.text, Facts.of(text.case))
        return {
            "kind_label": DraftKind(text.kind).label,
            "noun": "script",  # a key the editing pages choose their sentences by, not a word to show
            "description": DESCRIPTIONS[DraftKind(text.kind)],
            "parent_url": reverse("scripts_index", args=[text.case.code]),
            "parent_label": _("Approach & scripts"),
            "fill_hint": _("Add the details, or type over the words in brackets."),
            "uses": text.uses.select_related("recorded_by") if text.pk else [],
            "use_form": DraftUseForm(initial={"used_on": timezone.localdate()}),
            # The script that shares the result follows the opinion page, and has a portal version.
            "opinion_url": reverse("opinion", args=[text.case.code]) if shares_result else "",
            "portal_version": portal,
        }

    def where_to_fill(self, text: Draft) -> dict[str, str]:
        facts = reverse("script_facts", args=[text.case.code])
        return {label: f"{facts}?next={text.kind}#{field}" for label, field in placeholder_fields().items()}

    def saved(self, request: AuthenticatedRequest, text: Draft) -> None:
        checklist.sync(text.case, request.user)


draft_editor = DraftEditor()


@login_required
@require_POST
def draft_use(request: AuthenticatedRequest, code: UUID, kind: str) -> HttpResponse:
    form = DraftUseForm(request.POST)
    draft, membership = draft_editor.find(request, "write", store=form.is_valid(), code=code, kind=kind)
    if not form.is_valid():
        context = {**draft_editor.context(draft, membership, {"code": code, "kind": kind}), "use_form": form}
        return render(request, "scripts/draft.html", context)
    use = form.save(commit=False)
    use.draft = draft
    use.recorded_by = request.user
    use.save()
    regenerate_unedited(draft.case)  # the portal message names the date of the conversation
    checklist.sync(draft.case, request.user)
    messages.success(request, _("Noted. It is on the case's record."))
    return redirect("draft_edit", code, kind)
