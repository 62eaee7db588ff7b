"""The letters and messages of one records request: edited like the scripts, read aloud, printed."""

import datetime
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from secondop.cases.access import Need, get_case_for
from secondop.cases.models import Case, Membership
from secondop.pwa.idempotency import CONFLICT_TAG
from secondop.pwa.offline import keep_offline
from secondop.records.letters import LABELS, generate, offered_letters
from secondop.records.models import Letter, LetterKind, RecordsRequest
from secondop.requests import AuthenticatedRequest
from secondop.scripts.forms import DraftSaveForm, ResolveForm
from secondop.scripts.models import SaveResult
from secondop.scripts.texts import paragraphs, placeholders_in

DESCRIPTIONS = {
    LetterKind.REQUEST: "A letter asking for your records. You do not need to give a reason. "
    "Print it, or copy it into an e-mail or the office's own form.",
    LetterKind.DIRECTIVE: "Your written request to send the records straight to another doctor. "
    "Print it, sign it, date it, and send it with your request.",
    LetterKind.PORTAL_MESSAGE: "Send this through the patient portal, so your request is in writing.",
    LetterKind.ESCALATION: "The deadline has passed. This letter asks, politely and firmly, for the records "
    "or a written reason.",
}


def _records_request_for(
    request: AuthenticatedRequest, code: UUID, request_id: int, need: Need = "read"
) -> tuple[Case, Membership, RecordsRequest]:
    case, membership = get_case_for(request, code, need)
    records_request = get_object_or_404(case.records_requests, pk=request_id)
    return case, membership, records_request


def _letter_for(
    records_request: RecordsRequest, kind: str, today: datetime.date, *, store: bool = True
) -> Letter:
    """The request's letter of `kind`.

    For a write (`store`) it is stored with the generated text the first time. For a page it is shown as
    it stands, and nothing is written (a GET changes nothing): a letter nobody saved yet is its generated
    text, unsaved, and one nobody edited by hand shows the request's latest facts.
    """
    if kind not in offered_letters(records_request, today):
        raise Http404("This letter is not offered for this request.")
    fresh = generate(kind, records_request, today)
    letter = records_request.letters.filter(kind=kind).first()
    if letter is None:
        letter = Letter(request=records_request, kind=kind, text=fresh, generated_text=fresh)
        if store:
            try:
                with transaction.atomic():
                    letter.save()
            except IntegrityError:  # another request created it a moment ago
                letter = Letter.objects.get(request=records_request, kind=kind)
    elif not store and not letter.is_edited:
        letter.text = letter.generated_text = fresh
    return letter


def _where_to_fill(case: Case, records_request: RecordsRequest) -> dict[str, str]:
    """Where each placeholder's fact is filled in."""
    edit = reverse("request_edit", args=[case.code, records_request.pk])
    detail = reverse("request_detail", args=[case.code, records_request.pk])
    holder = reverse("provider_edit", args=[case.code, records_request.holder_id])
    if records_request.recipient_id:
        recipient = reverse("provider_edit", args=[case.code, records_request.recipient_id])
        recipient_name, recipient_practice = f"{recipient}#id_name", f"{recipient}#id_practice"
    else:
        recipient_name = recipient_practice = f"{edit}#id_recipient"
    return {
        LABELS["patient_name"]: reverse("case_edit", args=[case.code]) + "#id_patient_name",
        LABELS["holder_name"]: f"{holder}#id_name",
        LABELS["holder_practice"]: f"{holder}#id_practice",
        LABELS["holder_address"]: f"{holder}#id_address",
        LABELS["records"]: f"{edit}#id_record_types_0",
        LABELS["recipient_name"]: recipient_name,
        LABELS["recipient_practice"]: recipient_practice,
        LABELS["destination"]: f"{edit}#id_send_to",
        LABELS["my_address"]: f"{edit}#id_send_to",
        LABELS["my_email"]: f"{edit}#id_send_to",
        LABELS["my_fax"]: f"{edit}#id_send_to",
        LABELS["requested_on"]: f"{detail}#move-heading",
        LABELS["due_on"]: f"{detail}#move-heading",
    }


def _editor_context(
    case: Case, membership: Membership, records_request: RecordsRequest, letter: Letter, **extra: object
) -> dict[str, object]:
    """What letter.html and the include's partials need (see templates/includes/text_editor.html)."""
    args = [case.code, records_request.pk, letter.kind]
    can_edit = membership.can("write")
    where = _where_to_fill(case, records_request) if can_edit else {}
    noun = "message" if letter.kind == LetterKind.PORTAL_MESSAGE else "letter"
    kind_label = LetterKind(letter.kind).label
    return {
        "case": case,
        "membership": membership,
        "records_request": records_request,
        "letter": letter,
        "kind_label": kind_label,
        "description": DESCRIPTIONS[LetterKind(letter.kind)],
        "missing": [(label, where.get(label)) for label in placeholders_in(letter.text)],
        "editable": letter,
        "can_edit": can_edit,
        "noun": noun,
        "editor_label": f"Your {noun}",
        "share_title": kind_label,
        "save_url": reverse("letter_save", args=args),
        "restore_url": reverse("letter_restore", args=args),
        "resolve_url": reverse("letter_resolve", args=args),
        "say_url": reverse("letter_say", args=args),
        "print_url": reverse("letter_print", args=args),
        **extra,
    }


@keep_offline
@login_required
@require_GET
def letter_edit(request: AuthenticatedRequest, code: UUID, request_id: int, letter: str) -> HttpResponse:
    case, membership, records_request = _records_request_for(request, code, request_id)
    found = _letter_for(records_request, letter, request.user.profile.today(), store=False)
    return render(request, "records/letter.html", _editor_context(case, membership, records_request, found))


@login_required
@require_POST
def letter_save(request: AuthenticatedRequest, code: UUID, request_id: int, letter: str) -> HttpResponse:
    case, membership, records_request = _records_request_for(request, code, request_id, "write")
    form = DraftSaveForm(request.POST)
    # A refused save stores nothing, not even the letter it would have gone into.
    found = _letter_for(records_request, letter, request.user.profile.today(), store=form.is_valid())
    context = _editor_context(case, membership, records_request, found)
    if not form.is_valid():
        message = f"This {context['noun']} could not be saved: it is longer than 20,000 characters."
        if "version" in form.errors:
            message = (
                f"This {context['noun']} could not be saved. Reload the page and try again; "
                "your text is still here."
            )
        if request.htmx:
            return render(request, "includes/text_editor.html#save-status", {**context, "error": message})
        messages.error(request, message)
        return redirect("letter_edit", case.code, records_request.pk, letter)
    result = found.save_edit(form.cleaned_data["text"], form.cleaned_data["version"], request.user)
    if request.htmx:
        response = render(request, "includes/text_editor.html#autosave-answer", context)
        # The same events as the scripts' editor: static/js/app.js listens for them.
        response["HX-Trigger"] = "draft-saved" if result == SaveResult.SAVED else "draft-conflict"
        return response
    if result == SaveResult.CONFLICT:
        messages.error(
            request,
            f"Someone else changed this {context['noun']} while you were writing. Both versions are kept.",
            extra_tags=CONFLICT_TAG,
        )
    else:
        messages.success(request, "Saved.")
    return redirect("letter_edit", case.code, records_request.pk, letter)


@login_required
@require_POST
def letter_restore(request: AuthenticatedRequest, code: UUID, request_id: int, letter: str) -> HttpResponse:
    case, _, records_request = _records_request_for(request, code, request_id, "write")
    today = request.user.profile.today()
    found = _letter_for(records_request, letter, today)
    found.restore_generated(generate(letter, records_request, today), request.user)
    messages.success(request, "The suggested text is back.")
    return redirect("letter_edit", case.code, records_request.pk, letter)


@login_required
@require_POST
def letter_resolve(request: AuthenticatedRequest, code: UUID, request_id: int, letter: str) -> HttpResponse:
    case, _, records_request = _records_request_for(request, code, request_id, "write")
    form = ResolveForm(request.POST)
    found = _letter_for(records_request, letter, request.user.profile.today(), store=form.is_valid())
    if not form.is_valid():
        return HttpResponse("Choose which version to keep.", status=400, content_type="text/plain")
    found.resolve_conflict(form.cleaned_data["keep"], request.user)
    messages.success(request, "Done: one version is kept.")
    return redirect("letter_edit", case.code, records_request.pk, letter)


@keep_offline
@login_required
@require_GET
def letter_say(request: AuthenticatedRequest, code: UUID, request_id: int, letter: str) -> HttpResponse:
    case, membership, records_request = _records_request_for(request, code, request_id)
    found = _letter_for(records_request, letter, request.user.profile.today(), store=False)
    context = _editor_context(case, membership, records_request, found)
    context["paragraphs"] = paragraphs(found.text)
    context["back_url"] = reverse("letter_edit", args=[case.code, records_request.pk, letter])
    context["back_label"] = f"Back to the {context['noun']}"
    return render(request, "records/letter_say.html", context)


@keep_offline
@login_required
@require_GET
def letter_print(request: AuthenticatedRequest, code: UUID, request_id: int, letter: str) -> HttpResponse:
    case, membership, records_request = _records_request_for(request, code, request_id)
    found = _letter_for(records_request, letter, request.user.profile.today(), store=False)
    context = _editor_context(case, membership, records_request, found)
    context["paragraphs"] = paragraphs(found.text)
    return render(request, "records/letter_print.html", context)
