"""The letters and messages made from one records request, in our own plain words.

As in the scripts, a fact the request does not have yet is a visible placeholder in square brackets
("[their address]"), never a blank, so the editor can list what is still to fill in (secondop.editing).
"""

import datetime

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, pgettext, pgettext_lazy

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

# Each fact, and the placeholder shown while the request does not know it (in the letter's language; at most
# 80 characters, without brackets: see secondop.editing.texts).
LABELS: dict[str, str | Promise] = {
    "patient_name": SHARED_LABELS["patient_name"],
    # Translators: a placeholder in a letter to a records office, shown in [brackets] until it is filled in.
    "holder_name": gettext_lazy("the name of the doctor or office with your records"),
    "holder_practice": gettext_lazy("their practice or hospital"),
    "holder_address": gettext_lazy("their address"),
    "records": SHARED_LABELS["records"],
    "recipient_name": gettext_lazy("the name of the doctor who should get them"),
    "recipient_practice": gettext_lazy("the new doctor's practice or hospital"),
    "destination": gettext_lazy("where to send them: an address or fax number"),
    "my_address": gettext_lazy("your mailing address"),
    "my_email": gettext_lazy("your e-mail address"),
    "my_fax": gettext_lazy("your fax number"),
    "requested_on": gettext_lazy("the date you asked"),
    "due_on": gettext_lazy("the deadline: 30 days after you asked"),
}

# Translators: how the records office sends the copy, in "Please send them to me as {medium}, by fax…".
MEDIUM_WORDS = {
    Medium.ELECTRONIC: pgettext_lazy("records letter", "an electronic copy"),
    Medium.PAPER: pgettext_lazy("records letter", "a paper copy"),
}
# How the copy travels: in a few words, then with where it goes ({to}), and which of the patient's own
# details that needs (if any).
DELIVERY_WORDS: dict[str, tuple[Promise, Promise | None, str | None]] = {
    DeliveryMethod.PORTAL: (pgettext_lazy("records letter", "through the patient portal"), None, None),
    DeliveryMethod.EMAIL: (
        pgettext_lazy("records letter", "by e-mail"),
        pgettext_lazy("records letter", "by e-mail to {to}"),
        "my_email",
    ),
    DeliveryMethod.FAX: (
        pgettext_lazy("records letter", "by fax"),
        pgettext_lazy("records letter", "by fax to {to}"),
        "my_fax",
    ),
    DeliveryMethod.MAIL: (
        pgettext_lazy("records letter", "by mail"),
        pgettext_lazy("records letter", "by mail to {to}"),
        "my_address",
    ),
    DeliveryMethod.DISC: (
        pgettext_lazy("records letter", "on a disc or USB stick"),
        pgettext_lazy("records letter", "on a disc or USB stick, sent to {to}"),
        None,
    ),
}

# Each letter, whole, so that a translation can say it as a records office expects it in that language.
TEMPLATES: dict[str, Promise] = {
    # Translators: the letter asking a US records office for a copy of the records (HIPAA right of access).
    # Keep every {placeholder}; the legal citation stays as it is. {date_range}, {directive_enclosed},
    # {fee_question} and {state_sooner} are empty or whole sentences of their own.
    LetterKind.REQUEST: gettext_lazy("""\
{letter_date}

{holder_name}
{holder_practice}
{holder_address}

Request for a copy of my medical records — {patient_name}

Dear {holder_name},

I am asking for a copy of my medical records. This is my right of access under the HIPAA Privacy Rule (45 CFR 164.524).

The records I would like: {records}{date_range}.

{where_to_send}{directive_enclosed}

Please tell me which forms you need me to fill in, if any.{fee_question}

The rule gives you 30 days from getting this request to act on it. If you need more time, please tell me in writing within those 30 days.{state_sooner}

Thank you for your help.

Signature: {sign_here}
{patient_name}"""),
    # Translators: the patient's signed, written directive to send the records to another provider (HIPAA).
    LetterKind.DIRECTIVE: gettext_lazy("""\
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
Date: {signed_on}"""),
    # Translators: a message sent through the office's patient portal, confirming the request in writing.
    LetterKind.PORTAL_MESSAGE: gettext_lazy("""\
Subject: My request for my medical records

Hello {holder_name},

I am writing to confirm my request{asked_on} for a copy of my medical records: {records}{date_range}.

{where_to_send}{directive_attached}

Please let me know if you need a form from me, or if there is a fee. If I have not heard back, I will follow up next week{follow_up}.

Thank you,
{patient_name}"""),
    # Translators: the follow-up letter once the legal deadline has passed: polite and firm.
    LetterKind.ESCALATION: gettext_lazy("""\
{today}

{holder_name}
{holder_practice}
{holder_address}

Follow-up on my request for medical records — {patient_name}

Dear {holder_name},

On {requested_on}, I asked you for a copy of my medical records: {records}{date_range}.{directive_reminder}

Under the HIPAA right of access (45 CFR 164.524){state_cite}, the deadline to act on my request was {due_on}{extension}. That date has passed, and {what_arrived}.

Please send the records, or tell me in writing why you cannot, within {reply_days} days — by {reply_by}.

I would like to settle this with you directly. I also know that I can file a complaint with the Office for Civil Rights (OCR) at the U.S. Department of Health and Human Services.

Thank you for your help.

Signature: {sign_here}
{patient_name}"""),
}


def long_date(day: datetime.date) -> str:
    """'March 5, 2026': how a US office writes a date (in the active language: '5 de marzo de 2026')."""
    # Translators: a date in a letter, as Django's date filter writes it (F month, j day, Y year).
    return date_format(day, pgettext("letter date", "F j, Y"))


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _records(records_request: RecordsRequest) -> str:
    keys = list(records_request.record_types or [])
    other = _one_line(records_request.other_records)
    if other:  # the words they wrote stand in for the bare "other records"
        keys = [key for key in keys if key != RecordType.OTHER]
    described = describe_records(keys)
    if described and other:
        # Translators: {records} is a list of kinds of records; {other} the patient's own words.
        return pgettext("records letter", "{records}, and also {other}").format(
            records=described, other=other
        )
    return described or other


def _date_range(records_request: RecordsRequest) -> str:
    """', from January 1, 2024 to June 30, 2025', or nothing: it follows the list of records."""
    start, end = records_request.date_from, records_request.date_to
    if start and end:
        text = pgettext("records letter", "from {start} to {end}").format(
            start=long_date(start), end=long_date(end)
        )
    elif start:
        text = pgettext("records letter", "from {start} onward").format(start=long_date(start))
    elif end:
        text = pgettext("records letter", "up to {end}").format(end=long_date(end))
    else:
        return ""
    return f", {text}"


def _destination(provider: Provider | None) -> str:
    if provider is None:
        return ""
    if provider.address and provider.fax:
        return pgettext("records letter", "{address} or fax {fax}").format(
            address=provider.address, fax=provider.fax
        )
    if provider.fax:
        return pgettext("records letter", "fax {fax}").format(fax=provider.fax)
    return provider.address


class _Facts(dict[str, str]):
    """The values for one letter; a missing fact reads as its placeholder."""

    def __missing__(self, key: str) -> str:
        return f"[{LABELS[key]}]"


def _facts(records_request: RecordsRequest, today: datetime.date) -> _Facts:
    """Every value the letters name, in the active language."""
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
    if deadline and rule:
        law = {"state": deadline.state_name, "citation": rule.citation}
        sooner = gettext("{state} law ({citation}) asks for them sooner: {within}.")
        facts["state_sooner"] = "\n\n" + sooner.format(**law, within=rule.in_words)
        facts["state_cite"] = " " + gettext("and {state} law ({citation})").format(**law)
    else:
        facts["state_sooner"] = facts["state_cite"] = ""
    facts.update(
        today=long_date(today),
        letter_date=long_date(records_request.requested_on or today),
        sign_here=SIGN_HERE,
        signed_on=long_date(records_request.directive_signed_on)
        if records_request.directive_signed_on
        else SIGN_HERE,
        date_range=_date_range(records_request),
        medium=str(MEDIUM_WORDS.get(Medium(records_request.medium), pgettext("records letter", "a copy"))),
        fee_question=(
            " "
            + gettext("If there is a fee, please tell me how much it will be before you prepare the records.")
            if records_request.fee_estimate_asked
            else ""
        ),
        reply_days=str(ESCALATION_REPLY_DAYS),
        reply_by=long_date(today + datetime.timedelta(days=ESCALATION_REPLY_DAYS)),
    )
    words, words_to, needs = DELIVERY_WORDS[records_request.delivery]
    facts["directive_delivery"] = "" if records_request.delivery == DeliveryMethod.PORTAL else f", {words}"
    if records_request.is_directive:
        to_whom = gettext("{recipient_name} at {recipient_practice}, {destination}").format_map(facts)
        facts["where_to_send"] = gettext("Please send them as {medium}{delivery} to {to_whom}.").format(
            medium=facts["medium"], delivery=facts["directive_delivery"], to_whom=to_whom
        )
        facts["directive_enclosed"] = " " + gettext("My signed directive for this is enclosed.")
        facts["directive_attached"] = " " + gettext("My signed directive for this is attached.")
        facts["directive_reminder"] = " " + gettext("I asked you to send them to {to_whom}.").format(
            to_whom=to_whom
        )
    else:
        send_to = _one_line(records_request.send_to)
        how = str(words)
        if needs and words_to:
            how = str(words_to).format(to=send_to or facts[needs])
        elif send_to and words_to:  # on a disc, sent somewhere (the portal needs no address)
            how = str(words_to).format(to=send_to)
        facts["where_to_send"] = gettext("Please send them to me as {medium}, {how}.").format(
            medium=facts["medium"], how=how
        )
        facts["directive_reminder"] = facts["directive_enclosed"] = facts["directive_attached"] = ""
    facts["asked_on"] = (
        # Translators: in "I am writing to confirm my request of March 2, 2026, for a copy of my records".
        " " + pgettext("records letter", "of {date},").format(date=facts["requested_on"])
        if records_request.requested_on
        else ""
    )
    follow_up = clock.follow_up_on(records_request)
    facts["follow_up"] = (
        # Translators: in "I will follow up next week, on March 9, 2026."
        ", " + pgettext("records letter", "on {date}").format(date=long_date(follow_up)) if follow_up else ""
    )
    facts["extension"] = (
        ", "
        + gettext("which includes the extra 30 days from your written notice of {date}").format(
            date=long_date(records_request.extension_notice_on)
        )
        if records_request.extension_notice_on and not rule
        else ""
    )
    facts["what_arrived"] = (
        # Translators: ends "That date has passed, and …".
        gettext("I have received only part of the records")
        if records_request.status == RequestStatus.PARTLY_RECEIVED
        else gettext("I have not received the records")
    )
    return facts


def generate(kind: str, records_request: RecordsRequest, today: datetime.date) -> str:
    """The letter of `kind` for `request`, as of `today` (the date a new letter carries), in the active
    language: call it inside `translation.override(letter.language)`."""
    return str(TEMPLATES[kind]).format_map(_facts(records_request, today))


def offered_letters(records_request: RecordsRequest, today: datetime.date) -> list[str]:
    """The letters this request offers, in the order they are usually needed."""
    kinds = [LetterKind.REQUEST.value]
    if records_request.is_directive:
        kinds.append(LetterKind.DIRECTIVE.value)
    kinds.append(LetterKind.PORTAL_MESSAGE.value)
    if clock.is_overdue(records_request, today):
        kinds.append(LetterKind.ESCALATION.value)
    return kinds
