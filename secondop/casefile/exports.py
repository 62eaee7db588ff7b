"""Exports: the second-opinion packet, the deadlines calendar, and all of a person's own data."""

import dataclasses
import datetime
import json
from typing import Any
from uuid import UUID

import icalendar
from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from secondop.accounts.models import User
from secondop.casefile import timeline
from secondop.cases import audit
from secondop.cases.access import get_case_for
from secondop.cases.models import AuditAction, Case, Membership, Role
from secondop.opinions.models import Opinion
from secondop.records import clock
from secondop.records.models import (
    CLOSED_STATUSES,
    ProviderRole,
    RecordsRequest,
    describe_records,
)
from secondop.requests import AuthenticatedRequest
from secondop.visits.models import PhysicalItem, Visit

CALENDAR_FILENAME = "secondop-records-deadlines.ics"
EXPORT_FILENAME = "secondop-export.json"
EXPORT_FORMAT_VERSION = 1


# The packet ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PacketRequest:
    """One records request as the packet shows it, with its clock worked out."""

    request: RecordsRequest
    records: str
    follow_up_on: datetime.date | None
    legal_due_on: datetime.date | None
    by_state_law: str  # when a state's rule sets the date: "California law: within 15 days of the request"
    overdue: bool


def _packet_requests(case: Case, today: datetime.date) -> list[PacketRequest]:
    requests = case.records_requests.select_related("holder", "recipient")
    return [
        PacketRequest(
            request=records_request,
            records=describe_records(records_request.record_types),
            follow_up_on=clock.follow_up_on(records_request),
            legal_due_on=deadline.on if (deadline := clock.deadline(records_request)) else None,
            by_state_law=deadline.by_state_law if deadline else "",
            overdue=clock.is_overdue(records_request, today),
        )
        for records_request in requests
    ]


@login_required
@require_GET
def packet(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    """One printable page to bring to the second-opinion appointment."""
    case, membership = get_case_for(request, code)
    audit.record_once(case, request.user, AuditAction.EXPORTED, "the second-opinion packet")
    today = request.user.profile.today()
    providers = list(case.providers.all())
    try:
        insurance = case.insurance
    except ObjectDoesNotExist:
        insurance = None
    context = {
        "case": case,
        "membership": membership,
        "today": today,
        "current_providers": [p for p in providers if p.role == ProviderRole.CURRENT],
        "second_opinion_providers": [p for p in providers if p.role == ProviderRole.SECOND_OPINION],
        "records_offices": [p for p in providers if p.role == ProviderRole.RECORDS_OFFICE],
        "questions": list(case.questions.all()),
        "requests": _packet_requests(case, today),
        "timeline": timeline.entries(case),
        "insurance": insurance,
        "visit": Visit.objects.filter(case=case).select_related("doctor").first(),
        "items": list(PhysicalItem.objects.filter(case=case)),
        "opinion": Opinion.objects.filter(case=case).first(),
    }
    return render(request, "records/packet.html", context)


# The calendar ----------------------------------------------------------------------------------------


def _calendar_event(
    case: Case, records_request: RecordsRequest, slug: str, on: datetime.date, summary: str, note: str
) -> icalendar.Event:
    link = settings.SITE_URL + reverse("request_detail", args=[case.code, records_request.pk])
    revised = records_request.updated_at
    return icalendar.Event.new(
        # Stable, so that importing the file again replaces the event instead of adding a second one.
        uid=f"{case.code}-{records_request.pk}-{slug}@secondop",
        # Every save of the request (a status move, a corrected date) makes a later revision; the sequence
        # only ever grows, so calendars take the moved date rather than keeping the old one.
        sequence=max(0, int((revised - records_request.created_at).total_seconds())),
        stamp=revised,
        last_modified=revised,
        created=records_request.created_at,
        start=on,
        end=on + datetime.timedelta(days=1),
        summary=summary,
        description=note + "\n\n" + _("See where it stands: {link}").format(link=link),
        url=link,
        transparency=icalendar.TRANSP.TRANSPARENT,
    )


@login_required
@require_GET
@never_cache
def calendar_ics(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    """The follow-up and legal-deadline dates of the case's open records requests, as all-day events, and
    the second-opinion appointment.

    Nothing in it names the patient, the provider or the health concern: calendars are often shared.
    """
    case, _membership = get_case_for(request, code)
    audit.record_once(case, request.user, AuditAction.EXPORTED, "the calendar file")
    calendar = icalendar.Calendar.new(
        prodid="-//secondop//records deadlines//EN",
        calscale="GREGORIAN",
        name=_("Records requests (secondop)"),
    )
    open_requests = (
        case.records_requests.filter(requested_on__isnull=False)
        .exclude(status__in=[status.value for status in CLOSED_STATUSES])
        .select_related("holder")
    )
    for records_request in open_requests:
        follow_up = clock.follow_up_on(records_request)
        deadline = clock.deadline(records_request)
        assert records_request.requested_on and follow_up and deadline  # the query keeps dated requests only
        due, days = deadline.on, (deadline.on - records_request.requested_on).days
        if deadline.rule:
            answer_within = _(
                "The last day the office has to answer your records request ({by_state_law})."
            ).format(by_state_law=deadline.by_state_law)
        elif records_request.extension_notice_on:
            answer_within = ngettext(
                "The last day of the {days} day the office has to answer your records request, with the "
                "extension they gave notice of.",
                "The last day of the {days} days the office has to answer your records request, with the "
                "extension they gave notice of.",
                days,
            ).format(days=days)
        else:
            answer_within = ngettext(
                "The last day of the {days} day the office has to answer your records request.",
                "The last day of the {days} days the office has to answer your records request.",
                days,
            ).format(days=days)
        calendar.add_component(
            _calendar_event(
                case,
                records_request,
                "follow-up",
                follow_up,
                _("Follow up on your records request"),
                _(
                    "A week has passed since you asked for your records. A short call or message to check "
                    "that they have the request is reasonable."
                ),
            )
        )
        calendar.add_component(
            _calendar_event(
                case,
                records_request,
                "legal-due",
                due,
                _("Records request deadline"),
                answer_within,
            )
        )
    visit = Visit.objects.filter(case=case).first()
    if visit is not None:
        link = settings.SITE_URL + reverse("visit", args=[case.code])
        calendar.add_component(
            icalendar.Event.new(
                uid=f"{case.code}-visit@secondop",
                # Each save moves the sequence on, so calendars take a moved appointment.
                sequence=max(0, int(visit.updated_at.timestamp()) - 1_700_000_000),
                stamp=visit.updated_at,
                start=visit.starts_at,
                end=visit.starts_at + datetime.timedelta(hours=1),
                summary=_("Second-opinion appointment"),
                description=_("What to bring, and the things on their way: {link}").format(link=link),
                url=link,
            )
        )
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{CALENDAR_FILENAME}"'
    return response


# All my data -----------------------------------------------------------------------------------------


def _row(obj: models.Model, member_emails: dict[int, str], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every stored field of `obj`. A link to a person becomes their e-mail while they are a member of the
    case, and None otherwise; a link to anything else is its id (which the rest of the export uses)."""
    row: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in skip:
            continue
        value = getattr(obj, field.attname)
        if field.is_relation and field.related_model is User:
            row[field.name] = member_emails.get(value) if value is not None else None
        elif field.is_relation:
            row[field.attname] = value
        else:
            row[field.name] = value
    return row


def _case_export(case: Case) -> dict[str, Any]:
    memberships = list(case.memberships.all())
    member_emails = {membership.user_id: membership.user.email for membership in memberships}

    def row(obj: models.Model, *skip: str) -> dict[str, Any]:
        return _row(obj, member_emails, skip)

    try:
        insurance: dict[str, Any] | None = row(case.insurance, "case")
    except ObjectDoesNotExist:
        insurance = None
    visit, opinion = Visit.objects.filter(case=case).first(), Opinion.objects.filter(case=case).first()
    return {
        **row(case),
        "members": [
            {"email": membership.user.email, "role": membership.role, "since": membership.created_at}
            for membership in memberships
        ],
        "checklist": [row(item, "case") for item in case.checklist.all()],
        "questions": [row(question, "case") for question in case.questions.all()],
        "insurance": insurance,
        "providers": [row(provider, "case") for provider in case.providers.all()],
        "records_requests": [
            {
                **row(records_request, "case"),
                "events": [row(event, "request") for event in records_request.events.all()],
                "letters": [row(letter, "request") for letter in records_request.letters.all()],
            }
            for records_request in case.records_requests.all()
        ],
        "contacts": [row(contact, "case") for contact in case.contacts.all()],
        "drafts": [
            {**row(draft, "case"), "uses": [row(use, "draft") for use in draft.uses.all()]}
            for draft in case.drafts.all()
        ],
        "visit": row(visit, "case") if visit else None,
        "what_to_bring_packed": [row(tick, "case") for tick in case.bring_ticks.all()],
        "things_on_their_way": [row(item, "case") for item in case.physical_items.all()],
        "opinion": row(opinion, "case") if opinion else None,
        # A person's e-mail only while they are a member (as for every link to a person above).
        "authorizations": [
            row(
                authorization,
                "case",
                *([] if authorization.recipient_id in member_emails else ["recipient_email"]),
            )
            for authorization in case.authorizations.all()
        ],
    }


@login_required
@reauthentication_required
@require_GET
@never_cache
def export_json(request: AuthenticatedRequest) -> HttpResponse:
    """Everything the signed-in person owns, as one JSON file.

    Cases they only advocate for or view belong to someone else, so they are left out.
    """
    user = request.user
    profile = getattr(user, "profile", None)
    owned = (
        Case.objects.filter(memberships__user=user, memberships__role=Role.OWNER)
        .order_by("created_at", "pk")
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("user")),
            "checklist",
            "questions",
            "providers",
            "records_requests__events",
            "records_requests__letters",
            "contacts",
            "drafts__uses",
        )
    )
    data = {
        "format": "secondop-export",
        "version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now(),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "date_joined": user.date_joined,
            "time_zone": profile.time_zone if profile else "",
            "quiet_hours_start": profile.quiet_hours_start if profile else None,
            "quiet_hours_end": profile.quiet_hours_end if profile else None,
        },
        "cases": [_case_export(case) for case in owned],
    }
    for case in owned:
        audit.record(case, user, AuditAction.EXPORTED, "all the case's data")
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{EXPORT_FILENAME}"'
    return response
