"""The letters and messages of one records request, in the shared editor (secondop.editing): edited,
read aloud, printed."""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from secondop.cases.access import Need, get_case_for
from secondop.cases.models import Membership
from secondop.editing.views import Editor
from secondop.records.letters import LABELS, generate, offered_letters
from secondop.records.models import Letter, LetterKind, RecordsRequest
from secondop.requests import AuthenticatedRequest

DESCRIPTIONS = {
    LetterKind.REQUEST: "A letter asking for your records. You do not need to give a reason. "
    "Print it, or copy it into an e-mail or the office's own form.",
    LetterKind.DIRECTIVE: "Your written request to send the records straight to another doctor. "
    "Print it, sign it, date it, and send it with your request.",
    LetterKind.PORTAL_MESSAGE: "Send this through the patient portal, so your request is in writing.",
    LetterKind.ESCALATION: "The deadline has passed. This letter asks, politely and firmly, for the records "
    "or a written reason.",
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
            "noun": "message" if text.kind == LetterKind.PORTAL_MESSAGE else "letter",
            "description": DESCRIPTIONS[LetterKind(text.kind)],
            "parent_url": reverse("request_detail", args=[records_request.case.code, records_request.pk]),
            "parent_label": f"Records from {records_request.holder}",
            "fill_hint": "Add the details to the request, or type over the words in brackets.",
        }

    def where_to_fill(self, text: Letter) -> dict[str, str]:
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


letter_editor = LetterEditor()
