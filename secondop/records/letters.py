"""The letters and messages made from one records request, in our own plain words.

As in the scripts, a fact the request does not have yet is a visible placeholder in square brackets
("[their address]"), never a blank, so the editor can list what is still to fill in (secondop.editing).
"""

import datetime

from secondop.editing.texts import SHARED_LABELS
from secondop.records import clock
from secondop.records.models import (
    DeliveryMethod,
    LetterKind,
    Medium,
    Provider,
    RecordsRequest,
    RecordType,
    RequestStatus,
    describe_records,
)

# How many days the escalation letter gives for an answer.
ESCALATION_REPLY_DAYS = 10
SIGN_HERE = "______________________"

# Each fact, and the placeholder shown while the request does not know it.
LABELS = {
    "patient_name": SHARED_LABELS["patient_name"],
    "holder_name": "the name of the doctor or office with your records",
    "holder_practice": "their practice or hospital",
    "holder_address": "their address",
    "records": SHARED_LABELS["records"],
    "recipient_name": "the name of the doctor who should get them",
    "recipient_practice": "the new doctor's practice or hospital",
    "destination": "where to send them: an address or fax number",
    "my_address": "your mailing address",
    "my_email": "your e-mail address",
    "my_fax": "your fax number",
    "requested_on": "the date you asked",
    "due_on": "the deadline: 30 days after you asked",
}

MEDIUM_WORDS = {Medium.ELECTRONIC: "an electronic copy", Medium.PAPER: "a paper copy"}
# How the copy travels, and which of the patient's own details that needs (if any).
DELIVERY_WORDS: dict[str, tuple[str, str | None]] = {
    DeliveryMethod.PORTAL: ("through the patient portal", None),
    DeliveryMethod.EMAIL: ("by e-mail", "my_email"),
    DeliveryMethod.FAX: ("by fax", "my_fax"),
    DeliveryMethod.MAIL: ("by mail", "my_address"),
    DeliveryMethod.DISC: ("on a disc or USB stick", None),
}

HOLDER_BLOCK = """\
{holder_name}
{holder_practice}
{holder_address}"""

TEMPLATES: dict[str, str] = {
    LetterKind.REQUEST: """\
{letter_date}

"""
    + HOLDER_BLOCK
    + """

Request for a copy of my medical records — {patient_name}

Dear {holder_name},

I am asking for a copy of my medical records. This is my right of access under the HIPAA Privacy Rule (45 CFR 164.524).

The records I would like: {records}{date_range}.

{where_to_send}{directive_enclosed}

Please tell me which forms you need me to fill in, if any.{fee_question}

The rule gives you 30 days from getting this request to act on it. If you need more time, please tell me in writing within those 30 days.{state_sooner}

Thank you for your help.

Signature: {sign_here}
{patient_name}""",
    LetterKind.DIRECTIVE: """\
Directive to send my medical records to another provider

To: {holder_name}, {holder_practice}
{holder_address}

I, {patient_name}, ask you to send a copy of my medical records to:

{recipient_name}
{recipient_practice}
{destination}

The records to send: {records}{date_range}.

Please send them as {medium}{directive_delivery}.

This is my written, signed request under my HIPAA right of access (45 CFR 164.524){state_cite}.

Signature: {sign_here}
Name: {patient_name}
Date: {signed_on}""",
    LetterKind.PORTAL_MESSAGE: """\
Subject: My request for my medical records

Hello {holder_name},

I am writing to confirm my request{asked_on} for a copy of my medical records: {records}{date_range}.

{where_to_send}{directive_attached}

Please let me know if you need a form from me, or if there is a fee. If I have not heard back, I will follow up next week{follow_up}.

Thank you,
{patient_name}""",
    LetterKind.ESCALATION: """\
{today}

"""
    + HOLDER_BLOCK
    + """

Follow-up on my request for medical records — {patient_name}

Dear {holder_name},

On {requested_on}, I asked you for a copy of my medical records: {records}{date_range}.{directive_reminder}

Under the HIPAA right of access (45 CFR 164.524){state_cite}, the deadline to act on my request was {due_on}{extension}. That date has passed, and {what_arrived}.

Please send the records, or tell me in writing why you cannot, within {reply_days} days — by {reply_by}.

I would like to settle this with you directly. I also know that I can file a complaint with the Office for Civil Rights (OCR) at the U.S. Department of Health and Human Services.

Thank you for your help.

Signature: {sign_here}
{patient_name}""",
}


def long_date(day: datetime.date) -> str:
    """'March 5, 2026': how a US office writes a date."""
    return f"{day:%B} {day.day}, {day.year}"


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _records(records_request: RecordsRequest) -> str:
    keys = list(records_request.record_types or [])
    other = _one_line(records_request.other_records)
    if other:  # the words they wrote stand in for the bare "other records"
        keys = [key for key in keys if key != RecordType.OTHER]
    described = describe_records(keys)
    if described and other:
        return f"{described}, and also {other}"
    return described or other


def _date_range(records_request: RecordsRequest) -> str:
    start, end = records_request.date_from, records_request.date_to
    if start and end:
        return f", from {long_date(start)} to {long_date(end)}"
    if start:
        return f", from {long_date(start)} onward"
    if end:
        return f", up to {long_date(end)}"
    return ""


def _destination(provider: Provider | None) -> str:
    if provider is None:
        return ""
    parts = [provider.address] if provider.address else []
    if provider.fax:
        parts.append(f"fax {provider.fax}")
    return " or ".join(parts)


class _Facts(dict[str, str]):
    """The values for one letter; a missing fact reads as its placeholder."""

    def __missing__(self, key: str) -> str:
        return f"[{LABELS[key]}]"


def _facts(records_request: RecordsRequest, today: datetime.date) -> _Facts:
    holder, recipient = records_request.holder, records_request.recipient
    known = {
        "patient_name": records_request.case.patient_name,
        "holder_name": holder.name,
        "holder_practice": holder.practice,
        "holder_address": holder.address,
        "records": _records(records_request),
        "recipient_name": recipient.name if recipient else "",
        "recipient_practice": recipient.practice if recipient else "",
        "destination": records_request.send_to or _destination(recipient),
        "requested_on": long_date(records_request.requested_on) if records_request.requested_on else "",
    }
    facts = _Facts({key: _one_line(value) for key, value in known.items() if value.strip()})
    deadline = clock.deadline(records_request)
    if deadline:
        facts["due_on"] = long_date(deadline.on)
    # Where the holder's state law is stricter, the letters name it beside the federal rule.
    rule = deadline.rule if deadline else None
    state = f"{deadline.state_name} law ({rule.citation})" if deadline and rule else ""
    facts["state_sooner"] = f"\n\n{state} asks for them sooner: {rule.in_words}." if rule else ""
    facts["state_cite"] = f" and {state}" if rule else ""
    facts.update(
        today=long_date(today),
        letter_date=long_date(records_request.requested_on or today),
        sign_here=SIGN_HERE,
        signed_on=long_date(records_request.directive_signed_on)
        if records_request.directive_signed_on
        else SIGN_HERE,
        date_range=_date_range(records_request),
        medium=MEDIUM_WORDS.get(Medium(records_request.medium), "a copy"),
        fee_question=(
            " If there is a fee, please tell me how much it will be before you prepare the records."
            if records_request.fee_estimate_asked
            else ""
        ),
        reply_days=str(ESCALATION_REPLY_DAYS),
        reply_by=long_date(today + datetime.timedelta(days=ESCALATION_REPLY_DAYS)),
    )
    words, needs = DELIVERY_WORDS[records_request.delivery]
    facts["directive_delivery"] = "" if records_request.delivery == DeliveryMethod.PORTAL else f", {words}"
    if records_request.is_directive:
        to_whom = "{recipient_name} at {recipient_practice}, {destination}".format_map(facts)
        facts["where_to_send"] = (
            f"Please send them as {facts['medium']}{facts['directive_delivery']} to {to_whom}."
        )
        facts["directive_enclosed"] = " My signed directive for this is enclosed."
        facts["directive_attached"] = " My signed directive for this is attached."
        facts["directive_reminder"] = f" I asked you to send them to {to_whom}."
    else:
        send_to = _one_line(records_request.send_to)
        if needs:
            words += f" to {send_to or facts[needs]}"
        elif send_to and records_request.delivery == DeliveryMethod.DISC:  # the portal needs no address
            words += f", sent to {send_to}"
        facts["where_to_send"] = f"Please send them to me as {facts['medium']}, {words}."
        facts["directive_reminder"] = facts["directive_enclosed"] = facts["directive_attached"] = ""
    facts["asked_on"] = f" of {facts['requested_on']}," if records_request.requested_on else ""
    follow_up = clock.follow_up_on(records_request)
    facts["follow_up"] = f", on {long_date(follow_up)}" if follow_up else ""
    facts["extension"] = (
        f", which includes the extra 30 days from your written notice of {long_date(records_request.extension_notice_on)}"
        if records_request.extension_notice_on and not rule
        else ""
    )
    facts["what_arrived"] = (
        "I have received only part of the records"
        if records_request.status == RequestStatus.PARTLY_RECEIVED
        else "I have not received the records"
    )
    return facts


def generate(kind: str, records_request: RecordsRequest, today: datetime.date) -> str:
    """The letter of `kind` for `request`, as of `today` (the date a new letter carries)."""
    return TEMPLATES[kind].format_map(_facts(records_request, today))


def offered_letters(records_request: RecordsRequest, today: datetime.date) -> list[str]:
    """The letters this request offers, in the order they are usually needed."""
    kinds = [LetterKind.REQUEST.value]
    if records_request.is_directive:
        kinds.append(LetterKind.DIRECTIVE.value)
    kinds.append(LetterKind.PORTAL_MESSAGE.value)
    if clock.is_overdue(records_request, today):
        kinds.append(LetterKind.ESCALATION.value)
    return kinds
