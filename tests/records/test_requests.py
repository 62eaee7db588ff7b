import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from secondop.accounts.models import User
from secondop.cases.models import Case
from secondop.records.models import ContactEntry, Provider, RecordsRequest, RequestEvent
from secondop.records.services import move
from tests.conftest import client_for

D = datetime.date
NOW = datetime.datetime(2026, 6, 15, 14, 0, tzinfo=datetime.UTC)


@pytest.fixture
def holder(case: Case) -> Provider:
    return Provider.objects.create(case=case, role="records_office", name="Eastside Records", fax="555-0101")


@pytest.fixture
def new_doctor(case: Case) -> Provider:
    return Provider.objects.create(
        case=case, role="second_opinion", name="Dr. Sam Patel", address="12 Hill Road, Springfield"
    )


def request_data(holder: Provider, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "holder": holder.pk,
        "kind": "copy",
        "record_types": ["visit_notes", "imaging_reports"],
        "medium": "electronic",
        "delivery": "portal",
        "method": "portal",
    }
    data.update(extra)
    return data


def test_a_provider_is_added_and_a_name_or_practice_is_required(case: Case, owner: User) -> None:
    client = client_for(owner)
    response = client.post(reverse("provider_new", args=[case.code]), {"role": "current", "name": " "})
    assert response.status_code == 200
    assert "Write a name or a practice" in response.text
    assert not case.providers.exists()
    client.post(reverse("provider_new", args=[case.code]), {"role": "current", "name": "Dr. Chen"})
    assert case.providers.get().name == "Dr. Chen"


def test_a_provider_in_a_request_is_kept(case: Case, owner: User, holder: Provider) -> None:
    RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    response = client_for(owner).post(reverse("provider_delete", args=[case.code, holder.pk]), follow=True)
    assert "is part of a records request" in response.text
    assert Provider.objects.filter(pk=holder.pk).exists()


def test_a_request_is_logged_with_its_fields(case: Case, owner: User, holder: Provider) -> None:
    response = client_for(owner).post(
        reverse("request_new", args=[case.code]),
        request_data(
            holder,
            date_from="2024-01-01",
            date_to="2026-05-31",
            fee_estimate_asked="on",
            forms_needed="Form HIM-12",
        ),
    )
    request = RecordsRequest.objects.get()
    assert response["Location"] == reverse("request_detail", args=[case.code, request.pk])
    assert request.status == "preparing"
    assert request.record_types == ["visit_notes", "imaging_reports"]
    assert (request.date_from, request.date_to) == (D(2024, 1, 1), D(2026, 5, 31))
    assert request.fee_estimate_asked and request.forms_needed == "Form HIM-12"


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"kind": "directive"}, "recipient", "must name who gets them"),
        ({"record_types": []}, "record_types", "at least one kind of record"),
        ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "date_to", "before the start date"),
        ({"fee_estimate": "-5"}, "fee_estimate", "below zero"),
        ({"kind": "telepathy"}, "kind", "Select a valid choice"),
    ],
)
def test_a_bad_request_is_refused_next_to_the_field(
    case: Case, owner: User, holder: Provider, extra: dict[str, object], field: str, message: str
) -> None:
    response = client_for(owner).post(reverse("request_new", args=[case.code]), request_data(holder, **extra))
    assert response.status_code == 200
    assert message in response.text
    assert not RecordsRequest.objects.exists()


def test_a_directive_takes_where_to_send_from_the_recipient(
    case: Case, owner: User, holder: Provider, new_doctor: Provider
) -> None:
    client_for(owner).post(
        reverse("request_new", args=[case.code]),
        request_data(holder, kind="directive", recipient=new_doctor.pk),
    )
    request = RecordsRequest.objects.get()
    assert request.recipient == new_doctor
    assert request.send_to == "12 Hill Road, Springfield"


def test_a_holder_from_another_case_is_refused(case: Case, owner: User, holder: Provider) -> None:
    other = Case.open_for(owner, patient_name="Other")
    foreign = Provider.objects.create(case=other, role="current", name="Dr. Elsewhere")
    response = client_for(owner).post(reverse("request_new", args=[case.code]), request_data(foreign))
    assert "Choose one of the providers in this case" in response.text
    assert not RecordsRequest.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_status_moves_through_the_page_and_an_illegal_one_gets_a_message(
    case: Case, owner: User, holder: Provider
) -> None:
    client = client_for(owner)
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    url = reverse("request_move", args=[case.code, request.pk])
    assert client.post(url, {"to_status": "requested", "on": "2026-06-01"}).status_code == 302
    page = client.get(reverse("request_detail", args=[case.code, request.pk])).text
    assert "8 June 2026" in page and "1 July 2026" in page  # follow-up and the legal deadline
    assert "16 days left" in page
    response = client.post(url, {"to_status": "preparing", "on": "2026-06-02"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text  # only the allowed moves are offered
    client.post(url, {"to_status": "received", "on": "2026-06-10"})
    response = client.post(url, {"to_status": "withdrawn", "on": "2026-06-11"}, follow=True)
    assert "This request is received, so its status cannot change any more." in response.text
    request.refresh_from_db()
    assert request.status == "received"
    assert list(request.events.values_list("to_status", flat=True)) == ["requested", "received"]


@time_machine.travel(NOW, tick=False)
def test_an_extension_after_30_days_is_refused_with_a_clear_message(
    case: Case, owner: User, holder: Provider
) -> None:
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    move(request, "requested", D(2026, 5, 1), today=D(2026, 6, 15), user=owner)
    response = client_for(owner).post(
        reverse("request_move", args=[case.code, request.pk]),
        {"to_status": "extended", "on": "2026-06-10", "extension_notice_on": "2026-06-05"},
    )
    assert "within the first 30 days" in response.text
    request.refresh_from_db()
    assert request.status == "requested" and request.extension_notice_on is None


@time_machine.travel(NOW, tick=False)
def test_an_overdue_request_is_marked_in_words(case: Case, owner: User, holder: Provider) -> None:
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    move(request, "requested", D(2026, 5, 1), today=D(2026, 5, 1), user=owner)
    client = client_for(owner)
    assert "Overdue since 31 May 2026" in client.get(reverse("records", args=[case.code])).text
    assert "passed" in client.get(reverse("request_detail", args=[case.code, request.pk])).text


@time_machine.travel(NOW, tick=False)
def test_quick_add_portal_message_logs_a_contact_and_ticks_the_checklist(
    case: Case, owner: User, holder: Provider
) -> None:
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    move(request, "requested", D(2026, 6, 1), today=D(2026, 6, 15), user=owner)
    client = client_for(owner)
    client.post(reverse("contact_quick_add", args=[case.code, request.pk]), {"what": "called"})
    response = client.post(
        reverse("contact_quick_add", args=[case.code, request.pk]), {"what": "portal"}, follow=True
    )
    assert "portal message sent" in response.text
    assert list(case.contacts.values_list("channel", flat=True)) == ["phone", "portal"]
    assert all(contact.request_id == request.pk for contact in case.contacts.all())
    assert case.checklist.get(key="portal").done_at is not None


def test_contacts_are_added_edited_and_removed(case: Case, owner: User, holder: Provider) -> None:
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    client = client_for(owner)
    response = client.post(
        reverse("contact_new", args=[case.code]),
        {
            "happened_at": "2026-06-02T10:30",
            "channel": "phone",
            "with_whom": "  Pat   at records ",
            "request": request.pk,
            "asked": "Where are my films?",
            "answered": "Next week.",
        },
    )
    assert response["Location"] == reverse("request_detail", args=[case.code, request.pk])
    contact = case.contacts.get()
    assert contact.with_whom == "Pat at records"
    client.post(
        reverse("contact_edit", args=[case.code, contact.pk]),
        {"happened_at": "2026-06-02T10:30", "channel": "phone", "with_whom": "Pat", "answered": "Friday."},
    )
    contact.refresh_from_db()
    assert contact.answered == "Friday." and contact.request is None
    client.post(reverse("contact_delete", args=[case.code, contact.pk]))
    assert not case.contacts.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"happened_at": "2099-01-01T10:00", "channel": "phone"}, "in the future"),
        ({"happened_at": "yesterday", "channel": "phone"}, "Enter a valid date/time"),
        ({"happened_at": "2026-06-02T10:30", "channel": "carrier-pigeon"}, "Select a valid choice"),
        ({"happened_at": "1900-01-01T10:30", "channel": "phone"}, "too early"),
    ],
)
def test_a_bad_contact_is_refused_and_what_was_typed_is_kept(
    case: Case, owner: User, data: dict[str, str], message: str
) -> None:
    response = client_for(owner).post(
        reverse("contact_new", args=[case.code]), {**data, "asked": "kept words"}
    )
    assert response.status_code == 200
    assert message in response.text
    assert "kept words" in response.text
    assert not ContactEntry.objects.exists()


def test_a_contact_cannot_point_at_another_cases_request(case: Case, owner: User) -> None:
    other = Case.open_for(owner, patient_name="Other")
    foreign = RecordsRequest.objects.create(
        case=other, holder=Provider.objects.create(case=other, role="current", name="X"), kind="copy"
    )
    response = client_for(owner).post(
        reverse("contact_new", args=[case.code]),
        {"happened_at": "2026-06-02T10:30", "channel": "phone", "request": foreign.pk},
    )
    assert "Choose one of this case" in response.text
    assert not ContactEntry.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_timeline_mixes_contacts_moves_and_script_uses_and_filters_by_request(
    case: Case, owner: User, holder: Provider, new_doctor: Provider
) -> None:
    first = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    second = RecordsRequest.objects.create(case=case, holder=new_doctor, kind="copy")
    move(first, "requested", D(2026, 6, 1), today=D(2026, 6, 15), user=owner)
    move(second, "requested", D(2026, 6, 3), today=D(2026, 6, 15), user=owner)
    ContactEntry.objects.create(
        case=case, request=first, channel="phone", with_whom="Pat", happened_at=timezone.now(), asked="Films?"
    )
    client = client_for(owner)
    client.post(
        reverse("draft_use", args=[case.code, "second-opinion"]),
        {"used_on": "2026-05-30", "channel": "in_person"},
    )
    page = client.get(reverse("timeline", args=[case.code])).text
    order = [
        page.index(text)
        for text in (
            "Used the script",
            "Eastside Records: requested",
            "Dr. Sam Patel: requested",
            "Phone with Pat",
        )
    ]
    assert order == sorted(order)  # oldest first
    filtered = client.get(reverse("timeline", args=[case.code]) + f"?request={first.pk}").text
    assert "Phone with Pat" in filtered and "Eastside Records: requested" in filtered
    assert "Dr. Sam Patel: requested" not in filtered and "Used the script" not in filtered
    # A made-up filter shows everything rather than failing.
    assert client.get(reverse("timeline", args=[case.code]) + "?request=99999").status_code == 200


def contacts_over_days(case: Case, count: int, request: RecordsRequest | None = None) -> None:
    """`count` contacts, one a day, numbered from the oldest: "Clerk 0", "Clerk 1", …"""
    ContactEntry.objects.bulk_create(
        ContactEntry(
            case=case,
            request=request,
            channel="phone",
            with_whom=f"Clerk {number}",
            happened_at=NOW - datetime.timedelta(days=count - number),
        )
        for number in range(count)
    )


def clerks(page: str) -> list[int]:
    return [int(number) for number in re.findall(r"Phone with Clerk (\d+)<", page)]


@time_machine.travel(NOW, tick=False)
def test_a_long_timeline_shows_the_newest_page_and_pages_back_to_the_oldest(case: Case, owner: User) -> None:
    contacts_over_days(case, 60)
    client = client_for(owner)
    url = reverse("timeline", args=[case.code])

    newest = client.get(url).text
    assert clerks(newest) == list(range(35, 60))  # the newest 25, oldest first
    assert "Show later entries" not in newest
    assert 'href="?older=25">Show earlier entries' in newest

    middle = client.get(url + "?older=25").text
    assert clerks(middle) == list(range(10, 35))
    assert 'href="?older=50">Show earlier entries' in middle
    assert 'href="?">Show later entries' in middle

    oldest = client.get(url + "?older=50").text
    assert clerks(oldest) == list(range(10))
    assert "Show earlier entries" not in oldest
    assert 'href="?older=25">Show later entries' in oldest

    # Made-up page numbers show a page rather than failing: past the end, the oldest page.
    assert clerks(client.get(url + "?older=5000").text) == list(range(25))
    for made_up in ("-5", "abc", "1e9", "9" * 40, "", "²", "٣", "1\x00"):
        response = client.get(url, {"older": made_up})
        assert response.status_code == 200
        assert clerks(response.text) == list(range(35, 60))
        # The same for a made-up request filter, here and where a contact is added.
        assert client.get(url, {"request": made_up}).status_code == 200
        assert client.get(reverse("contact_new", args=[case.code]), {"request": made_up}).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_paging_keeps_the_request_filter(case: Case, owner: User, holder: Provider) -> None:
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    contacts_over_days(case, 30, request)
    contacts_over_days(case, 10)  # not about the request
    client = client_for(owner)
    url = reverse("timeline", args=[case.code])
    filtered = client.get(url, {"request": request.pk}).text
    assert clerks(filtered) == list(range(5, 30))
    assert f'href="?older=25&amp;request={request.pk}">Show earlier entries' in filtered
    earlier = client.get(url, {"request": request.pk, "older": 25}).text
    assert clerks(earlier) == list(range(5))
    assert f'href="?request={request.pk}">Show later entries' in earlier


def test_the_timeline_page_reads_as_many_queries_for_a_thousand_entries_as_for_ten(
    case: Case, owner: User, holder: Provider
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(owner)
    url = reverse("timeline", args=[case.code])
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    counts = []
    for count in (10, 1000):
        ContactEntry.objects.all().delete()
        contacts_over_days(case, count, request)
        client.get(url)  # the audit trail's first write is not the page's
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_history_keeps_who_moved_the_status(case: Case, advocate: User, holder: Provider) -> None:
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    move(request, "requested", D(2026, 6, 1), today=D(2026, 6, 1), user=advocate)
    assert RequestEvent.objects.get().by == advocate
