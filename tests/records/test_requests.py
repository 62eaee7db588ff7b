import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from secondop.accounts.models import User
from secondop.cases.models import Case
from secondop.records.models import ContactEntry, Provider, RecordsRequest, RequestEvent
from secondop.records.progress import move
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


def link(page: str, label: str) -> str | None:
    """The query string of the page's "Show earlier entries" or "Show later entries" link."""
    found = re.search(rf'href="\?([^"]*)">{label}', page)
    return found[1].replace("&amp;", "&") if found else None


@time_machine.travel(NOW, tick=False)
def test_a_long_timeline_shows_the_newest_page_and_pages_back_to_the_oldest(case: Case, owner: User) -> None:
    contacts_over_days(case, 60)
    client = client_for(owner)
    url = reverse("timeline", args=[case.code])

    newest = client.get(url).text
    assert clerks(newest) == list(range(35, 60))  # the newest 25, oldest first
    assert link(newest, "Show later entries") is None
    assert "data-outbox-list" in newest  # contacts waiting to be sent show on the newest page

    middle = client.get(f"{url}?{link(newest, 'Show earlier entries')}").text
    assert clerks(middle) == list(range(10, 35))
    assert "data-outbox-list" not in middle

    oldest = client.get(f"{url}?{link(middle, 'Show earlier entries')}").text
    assert clerks(oldest) == list(range(10))
    assert link(oldest, "Show earlier entries") is None

    # And forward again, page by page, to the newest.
    again = client.get(f"{url}?{link(oldest, 'Show later entries')}").text
    assert clerks(again) == list(range(10, 35))
    latest = client.get(f"{url}?{link(again, 'Show later entries')}").text
    assert clerks(latest) == list(range(35, 60))
    assert link(latest, "Show later entries") is None and "data-outbox-list" in latest


@time_machine.travel(NOW, tick=False)
def test_a_made_up_or_foreign_page_key_shows_this_cases_newest_page(case: Case, owner: User) -> None:
    contacts_over_days(case, 60)
    other = Case.open_for(owner, patient_name="Other")
    stranger = ContactEntry.objects.create(case=other, channel="phone", with_whom="Stranger", happened_at=NOW)
    client = client_for(owner)
    url = reverse("timeline", args=[case.code])
    key = link(client.get(url).text, "Show earlier entries")
    assert key is not None and key.startswith("before=")
    day, moment, _kind, pk = key.removeprefix("before=").split("_")
    for made_up in (
        "",
        "abc",
        "²",
        "1\x00",
        "2026-13-01_2026-06-01T00:00:00.000000Z_contact_1",
        f"{day}_{moment}_contact_{'9' * 40}",
        f"{day}_{moment}_contact_-5",
        f"{day}_{moment}_contact_٣",
        f"{day}_{moment}_nothing_{pk}",
        f"{day}_{moment.removesuffix('Z')}_contact_{pk}",  # no time zone
        f"{day}_0001-01-01T00:00:00.000000+01:00_contact_{pk}",  # out of range in UTC
        "0001-01-01_0001-01-01T00:00:00.000000Z_contact_1",  # before the oldest entry
        "9999-12-31_9999-12-31T23:59:59.999999Z_status_1",  # after the newest
    ):
        for name in ("before", "after"):
            response = client.get(url, {name: made_up})
            assert response.status_code == 200, made_up
            assert clerks(response.text) == list(range(35, 60)), made_up
    # The key of another case's entry only places this case's entries in time.
    foreign = f"2026-06-15_2026-06-15T14:00:00.000000Z_contact_{stranger.pk}"
    for name in ("before", "after"):
        response = client.get(url, {name: foreign})
        assert response.status_code == 200 and "Stranger" not in response.text
        assert clerks(response.text) == list(range(35, 60))
    # A made-up request filter shows everything, here and where a contact is added.
    for made_up in ("-5", "abc", "1e9", "9" * 40, "", "²", "٣", "1\x00"):
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
    earlier_link = link(filtered, "Show earlier entries")
    assert earlier_link is not None and earlier_link.endswith(f"&request={request.pk}")
    earlier = client.get(f"{url}?{earlier_link}").text
    assert clerks(earlier) == list(range(5))
    later_link = link(earlier, "Show later entries")
    assert later_link is not None and later_link.endswith(f"&request={request.pk}")
    assert clerks(client.get(f"{url}?{later_link}").text) == list(range(5, 30))


@time_machine.travel(NOW, tick=False)
def test_the_timeline_lists_the_letters_written(case: Case, owner: User, holder: Provider) -> None:
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    ContactEntry.objects.create(
        case=case,
        request=request,
        channel="phone",
        with_whom="Pat",
        happened_at=NOW - datetime.timedelta(days=1),
    )
    client = client_for(owner)
    client.post(
        reverse("letter_save", args=[case.code, request.pk, "request-letter"]),
        {"text": "Dear…", "version": "1"},
    )
    for page in (
        client.get(reverse("timeline", args=[case.code])).text,
        client.get(reverse("packet", args=[case.code])).text,
    ):
        assert "Letter written: Request letter — Records from Eastside Records" in page
        assert page.index("Phone with Pat") < page.index("Letter written")
    mine = client.get(reverse("timeline", args=[case.code]), {"request": request.pk}).text
    assert "Letter written" in mine
    assert "Letter written" in client.get(reverse("request_detail", args=[case.code, request.pk])).text


def a_bit_of_everything(case: Case, owner: User, request: RecordsRequest) -> None:
    """A status move, a script use and a letter, today: on the newest page."""
    client = client_for(owner)
    move(request, "requested", NOW.date(), today=NOW.date(), user=owner)
    client.post(
        reverse("draft_use", args=[case.code, "second-opinion"]),
        {"used_on": "2026-06-15", "channel": "phone"},
    )
    client.post(
        reverse("letter_save", args=[case.code, request.pk, "request-letter"]),
        {"text": "Dear…", "version": "1"},
    )


@time_machine.travel(NOW, tick=False)
def test_the_timeline_page_reads_as_many_queries_for_a_thousand_entries_as_for_ten(
    case: Case, owner: User, holder: Provider
) -> None:
    client = client_for(owner)
    url = reverse("timeline", args=[case.code])
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    a_bit_of_everything(case, owner, request)
    counts = []
    for count in (10, 1000):
        ContactEntry.objects.all().delete()
        contacts_over_days(case, count, request)
        client.get(url)  # the audit trail's first write is not the page's
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200 and "Letter written" in response.text
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@time_machine.travel(NOW, tick=False)
def test_a_page_of_the_timeline_is_one_query(case: Case, owner: User, holder: Provider) -> None:
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    a_bit_of_everything(case, owner, request)
    contacts_over_days(case, 1000, request)
    client = client_for(owner)
    url = reverse("timeline", args=[case.code])
    page = client.get(url).text
    for _ in range(20):  # far back
        page = client.get(f"{url}?{link(page, 'Show earlier entries')}").text
    key = link(page, "Show earlier entries")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"{url}?{key}").text
    assert clerks(page) == list(range(453, 478))  # the newest page holds 22 contacts and 3 more
    union = [query["sql"] for query in queries if "UNION ALL" in query["sql"]]
    assert len(union) == 1 and "OFFSET" not in union[0], union
    timeline_tables = ("records_contactentry", "records_requestevent", "scripts_draftuse", "records_letter")
    reading = [query["sql"] for query in queries if any(table in query["sql"] for table in timeline_tables)]
    assert reading == union  # what each entry shows comes with it: nothing more is loaded
    with CaptureQueriesContext(connection) as queries:
        text = client.get(url).text
    assert "Request letter — Records from Eastside Records" in text  # every kind, from the one query
    reading = [query["sql"] for query in queries if any(table in query["sql"] for table in timeline_tables)]
    assert len(reading) == 1 and "UNION ALL" in reading[0]


def test_the_history_keeps_who_moved_the_status(case: Case, advocate: User, holder: Provider) -> None:
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    move(request, "requested", D(2026, 6, 1), today=D(2026, 6, 1), user=advocate)
    assert RequestEvent.objects.get().by == advocate
