"""The letters and messages of one records request, in the shared editor (secondop.editing): edited,
read aloud, printed."""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from secondop.accounts.models import current_language
from secondop.cases.access import Need, get_case_for
from secondop.cases.models import Membership
from secondop.editing.views import Editor
from secondop.records.letters import LABELS, generate, offered_letters
from secondop.records.models import Letter, LetterKind, RecordsRequest
from secondop.requests import AuthenticatedRequest

DESCRIPTIONS = {
    LetterKind.REQUEST: gettext_lazy(
        "A letter asking for your records. You do not need to give a reason. "
        "Print it, or copy it into an e-mail or the office's own form."
    ),
    LetterKind.DIRECTIVE: gettext_lazy(
        "Your written request to send the records straight to another doctor. "
        "Print it, sign it, date it, and send it with your request."
    ),
    LetterKind.PORTAL_MESSAGE: gettext_lazy(
        "Send this through the patient portal, so your request is in writing."
    ),
    LetterKind.ESCALATION: gettext_lazy(
        "The deadline has passed. This letter asks, politely and firmly, for the records or a written reason."
    ),
}


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
    letter = records_request.letters.filter(kind=kind).first()
    # In its own language; a new one in the language of the person who opens it (the field's default).
    with translation.override(letter.language if letter else current_language()):
        fresh = generate(kind, records_request, today)
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


class LetterEditor(Editor[Letter]):
    name = "letter"
    print_template = "records/letter_print.html"

    def find(
        self, request: AuthenticatedRequest, need: Need, *, store: bool, **url: Any
    ) -> tuple[Letter, Membership]:
        case, membership = get_case_for(request, url["code"], need)
        records_request = get_object_or_404(case.records_requests, pk=url["request_id"])
        today = request.user.profile.today()
        return _letter_for(records_request, url["letter"], today, store=store), membership

    def generate(self, request: AuthenticatedRequest, text: Letter) -> str:
        return generate(text.kind, text.request, request.user.profile.today())

    def describe(self, text: Letter) -> dict[str, object]:
        records_request = text.request
        return {
            "records_request": records_request,
            "kind_label": LetterKind(text.kind).label,
            # A key the editing pages choose their sentences by, not a word to show.
            "noun": "message" if text.kind == LetterKind.PORTAL_MESSAGE else "letter",
            "description": DESCRIPTIONS[LetterKind(text.kind)],
            "parent_url": reverse("request_detail", args=[records_request.case.code, records_request.pk]),
            "parent_label": str(records_request),
            "fill_hint": gettext("Add the details to the request, or type over the words in brackets."),
        }

    def where_to_fill(self, text: Letter) -> dict[str, str]:
        """Each placeholder, as the active language writes it (the letter's: see Editor.context)."""
        labels = {key: str(label) for key, label in LABELS.items()}
        records_request = text.request
        case = records_request.case
        edit = reverse("request_edit", args=[case.code, records_request.pk])
        detail = reverse("request_detail", args=[case.code, records_request.pk])
        holder = reverse("provider_edit", args=[case.code, records_request.holder_id])
        if records_request.recipient_id:
            recipient = reverse("provider_edit", args=[case.code, records_request.recipient_id])
            recipient_name, recipient_practice = f"{recipient}#id_name", f"{recipient}#id_practice"
        else:
            recipient_name = recipient_practice = f"{edit}#id_recipient"
        return {
            labels["patient_name"]: reverse("case_edit", args=[case.code]) + "#id_patient_name",
            labels["holder_name"]: f"{holder}#id_name",
            labels["holder_practice"]: f"{holder}#id_practice",
            labels["holder_address"]: f"{holder}#id_address",
            labels["records"]: f"{edit}#id_record_types_0",
            labels["recipient_name"]: recipient_name,
            labels["recipient_practice"]: recipient_practice,
            labels["destination"]: f"{edit}#id_send_to",
            labels["my_address"]: f"{edit}#id_send_to",
            labels["my_email"]: f"{edit}#id_send_to",
            labels["my_fax"]: f"{edit}#id_send_to",
            labels["requested_on"]: f"{detail}#move-heading",
            labels["due_on"]: f"{detail}#move-heading",
        }


letter_editor = LetterEditor()
