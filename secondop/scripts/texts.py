"""The six scripts, in our own words, and the case facts they are filled with.

A fact the case does not have yet is written as a visible placeholder in square brackets, e.g.
"[the second-opinion doctor's name]" — never left blank — and the script page lists what is still to fill.

Every text here is lazy: a script is written in the language active when it is generated (the script's
own language, which may not be the reader's). Translations keep every {fact} in braces.
"""

import datetime
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from secondop.cases.models import Case, YesNoUnsure
from secondop.editing.texts import SHARED_LABELS
from secondop.opinions.models import Agreement, Decision, Opinion
from secondop.records.models import Provider, ProviderRole, describe_records
from secondop.scripts.models import DraftKind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Each fact, and the placeholder shown while the case does not know it.
FACT_LABELS: "dict[str, StrOrPromise]" = {
    "patient_name": SHARED_LABELS["patient_name"],
    "concern": _("what the second opinion is about"),
    "current_provider": _("your doctor's name"),
    "second_provider": _("the second-opinion doctor's name"),
    "second_practice": _("their practice or hospital"),
    "second_destination": _("their address or fax number"),
    "records_wanted": SHARED_LABELS["records"],
    "conversation_date": _("the date you talked with your doctor"),
}

TEMPLATES: "dict[str, StrOrPromise]" = {
    # Translators: what the patient says to their doctor to ask for a second opinion.
    DraftKind.SECOND_OPINION: _("""\
Before we decide about {concern}, I would like to get a second opinion. It is a standard step for a decision like this, and it will help me feel sure about my choice.

I plan to see {second_provider} at {second_practice}. Could your office send them my records — {records_wanted}?{referral}

Thank you. I will let you know what I learn."""),
    # Translators: what the patient says or writes to their doctor's office to get a copy of their records.
    DraftKind.RECORDS_REQUEST: _("""\
I would like a copy of my medical records: {records_wanted}.

Please send one copy to me, and one to {second_provider} at {second_practice}, {second_destination}.

Which forms do I need to fill in for this? If there is a fee, please tell me the amount before you send anything."""),
    # Translators: a warmer way to ask for a second opinion, for a doctor who welcomes questions.
    DraftKind.COLLABORATIVE: _("""\
Your care has been valuable to me, and I trust how you explain things. Because this is a big decision about {concern}, I would like another specialist's input. It will help me feel confident about the next step, and I want to keep working with you.

Could you help me by sending my records to {second_provider} at {second_practice} — {records_wanted}?{referral}

I will share what I learn with you."""),
    # Translators: what the patient says when their doctor disagrees with a second opinion.
    DraftKind.PUSHBACK: _("""\
I understand that you feel sure about this plan, and I value your view.

A second opinion is a normal part of a decision like this, and I have decided to get one.

What would help most now is getting my records — {records_wanted} — to {second_provider} at {second_practice}, so my care stays connected. Who in your office can arrange that?"""),
    # Translators: a message sent through the patient portal after the talk; its first line is the subject.
    DraftKind.PORTAL_MESSAGE: _("""\
Subject: My records request and second opinion

Hello {current_provider},

As we discussed on {conversation_date}, I am writing to confirm my request for a copy of my medical records: {records_wanted}.

Please send them to me and to {second_provider} at {second_practice}, {second_destination}.

Please let me know if you need a form from me, or if there is a fee. If I have not heard back, I will follow up next week.

Thank you,
{patient_name}"""),
    # The middle paragraph is the one of SHARE_RESULT_DECISIONS that fits what was decided.
    # Translators: after the second opinion, what the patient tells their first doctor. {second_view} is what
    # the second doctor said (sentences, or nothing), {decision} one of the paragraphs about the decision.
    DraftKind.SHARE_RESULT: _("""\
I had my second opinion about {concern}, and I want to tell you what I learned.

{second_provider} at {second_practice} reviewed my {records_wanted}.{second_view}

{decision}

I will ask their office to send you their report, so that my file with you is complete."""),
}

# Whatever was decided is said plainly: a second opinion is a normal step and needs no apology.
SHARE_RESULT_DECISIONS: "dict[str, StrOrPromise]" = {
    Decision.STAY: _(
        "I have decided to stay with the plan we talked about. Can we set up the next step together?"
    ),
    Decision.SWITCH: _(
        "I have decided to follow {second_provider}'s plan, and they will take over this part of my care. Please send them anything from my file that they ask for. Thank you for your care so far."
    ),
    Decision.COMBINE: _(
        "I would like to combine the two: to keep you as my doctor, and to add {second_provider}'s advice to my care. Could you read their report and tell me how you see the next step?"
    ),
    Decision.UNDECIDED: _(
        "I have not decided yet. I would like to talk it through with you before I choose. Can we set up a time for that?"
    ),
}

AGREEMENT_SENTENCES: "dict[str, StrOrPromise]" = {
    # Translators: in the script that shares the result, "they" is the second-opinion doctor, and "your
    # diagnosis" the first doctor's, to whom the patient speaks.
    Agreement.AGREED: _("They agreed with your diagnosis."),
    Agreement.PARTLY: _("They agreed with part of your diagnosis."),
    Agreement.DIFFERENT: _("They see the diagnosis differently."),
    Agreement.NOT_SURE: _("I am not yet sure whether they agree with your diagnosis."),
}

# The script to share the result, as a message through the patient portal: its text as it stands.
# Translators: {text} is the whole script; "Subject:" is the message's first line.
PORTAL_FRAME = _("""\
Subject: What I learned from my second opinion

Hello {current_provider},

{text}

Thank you,
{patient_name}""")

# The facts that are whole sentences following on from another: each starts with a space when it is there.
FOLLOW_ON = {"referral", "second_view"}

REFERRAL_SENTENCES: "dict[str, StrOrPromise]" = {
    YesNoUnsure.YES: _("My insurance plan needs a referral, so please send one to them too."),
    YesNoUnsure.UNSURE: _("Could you also tell me if my plan needs a referral from you?"),
}


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else f"{text}."


def second_view(opinion: Opinion | None) -> str:
    """What the second doctor said, as sentences that follow on from another ("" when nothing is written)."""
    if opinion is None:
        return ""
    parts = [str(AGREEMENT_SENTENCES.get(opinion.agreement, ""))]
    diagnosis = opinion.second_diagnosis.strip()
    if diagnosis and opinion.agreement != Agreement.AGREED:
        # Translators: {diagnosis} is what the second-opinion doctor said it is, as the patient wrote it.
        parts.append(_sentence(gettext("Their diagnosis: {diagnosis}").format(diagnosis=diagnosis)))
    recommendation = opinion.second_recommendation.strip()
    if recommendation:
        # Translators: {recommendation} is what the second-opinion doctor recommended, as the patient wrote it.
        text = gettext("Their recommendation: {recommendation}").format(recommendation=recommendation)
        parts.append(_sentence(text))
    return "".join(f" {part}" for part in parts if part)


def conversation_day(day: datetime.date) -> str:
    """The day of the talk as the script names it to a US office: "November 20", "20 de noviembre"."""
    # Translators: a Django date format (https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date)
    # for the day of a conversation in a script: "F j" is "November 20"; Spanish: j \d\e F.
    return date_format(day, pgettext("date format of a day in a script", "F j"))


def destination(provider: Provider) -> str:
    """Where to send the records: the address, the fax number, or both."""
    # Translators: where to send records by fax; {number} is the fax number.
    fax = gettext("fax {number}").format(number=provider.fax) if provider.fax else ""
    if provider.address and fax:
        # Translators: {address} is a postal address, {fax} is "fax 555-0100".
        return gettext("{address} or {fax}").format(address=provider.address, fax=fax)
    return provider.address or fax


@dataclass(frozen=True)
class Facts:
    values: dict[str, str]

    @classmethod
    def of(cls, case: Case) -> "Facts":
        providers: dict[str, Provider] = {}
        for provider in case.providers.all():
            providers.setdefault(provider.role, provider)
        current = providers.get(ProviderRole.CURRENT)
        second = providers.get(ProviderRole.SECOND_OPINION)
        conversation = (
            case.drafts.filter(
                kind__in=[DraftKind.SECOND_OPINION, DraftKind.COLLABORATIVE], uses__isnull=False
            )
            .order_by("-uses__used_on")
            .values_list("uses__used_on", flat=True)
            .first()
        )
        opinion = Opinion.objects.filter(case=case).first()
        values = {
            "patient_name": case.patient_name,
            "concern": case.concern,
            "current_provider": current.name if current else "",
            "second_provider": second.name if second else "",
            "second_practice": second.practice if second else "",
            "second_destination": destination(second) if second else "",
            "records_wanted": str(describe_records(case.records_wanted or [])),
            "conversation_date": conversation_day(conversation) if conversation else "",
            "referral": str(REFERRAL_SENTENCES.get(YesNoUnsure(case.referral_needed), ""))
            if case.referral_needed
            else "",
            "second_view": second_view(opinion),
            "decision": opinion.decision if opinion else Decision.UNDECIDED.value,
        }
        one_line = {key: " ".join(value.split()) for key, value in values.items()}
        # A sentence that follows on from the one before keeps the space it starts with.
        return cls(
            {key: f" {value}" if key in FOLLOW_ON and value else value for key, value in one_line.items()}
        )


class _Filler(string.Formatter):
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get_value(self, key: object, args: object, kwargs: object) -> str:
        assert isinstance(key, str)
        value = self.values.get(key, "")
        if value or key not in FACT_LABELS:
            return value
        return f"[{FACT_LABELS[key]}]"


def generate(kind: str, facts: Facts) -> str:
    """The script of `kind`, in the active language."""
    template = str(TEMPLATES[kind])
    if kind == DraftKind.SHARE_RESULT:
        # Our own words, so they may hold placeholders; what people typed only ever comes in as a value.
        undecided = SHARE_RESULT_DECISIONS[Decision.UNDECIDED]
        decision = SHARE_RESULT_DECISIONS.get(facts.values["decision"], undecided)
        template = template.replace("{decision}", str(decision))
    return _Filler(facts.values).format(template)


def portal_version(text: str, facts: Facts) -> str:
    """The script as a portal message: its text as it stands (edited or not), with a subject, a greeting
    to the first doctor and the patient's name."""
    return _Filler({**facts.values, "text": text.strip()}).format(str(PORTAL_FRAME))
