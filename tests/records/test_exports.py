"""The exports: the second-opinion packet, the deadlines calendar, and all of a person's own data."""

import datetime
import json
from dataclasses import dataclass
from typing import Any

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from secondop.accounts.models import User
from secondop.cases.models import Case, InsuranceCheck, Membership, Question, Role
from secondop.records.models import ContactEntry, Letter, Provider, RecordsRequest
from secondop.records.progress import move
from secondop.scripts.models import Draft, DraftUse
from tests.conftest import PASSWORD, client_for, make_user

D = datetime.date
NOW = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def requested(
    case: Case, holder: Provider, on: datetime.date, user: User, kind: str = "copy", **fields: object
) -> RecordsRequest:
    """A request made through the real status move, as of `on`."""
    records_request = RecordsRequest.objects.create(case=case, holder=holder, kind=kind, **fields)
    move(records_request, "requested", on, today=TODAY, user=user)
    records_request.refresh_from_db()
    return records_request


@dataclass
class Filled:
    case: Case
    extended: RecordsRequest  # asked 1 June, extension notice 20 June: due 31 July
    overdue: RecordsRequest  # a directive asked 15 May, nothing since: due 14 June
    received: RecordsRequest  # asked 1 May, received 20 May
    preparing: RecordsRequest  # not asked yet


@pytest.fixture
def filled(case: Case, owner: User) -> Filled:
    """The shared case, with everything a packet shows."""
    with time_machine.travel(NOW, tick=False):
        current = Provider.objects.create(
            case=case, role="current", name="Dr. Maple Chen", practice="Harbor Clinic", phone="555-0110"
        )
        second = Provider.objects.create(
            case=case, role="second_opinion", name="Dr. Sam Patel", specialty="Orthopaedics"
        )
        office = Provider.objects.create(
            case=case, role="records_office", name="Eastside Records", fax="555-0101"
        )
        Question.objects.create(case=case, text="Is surgery the only option?", position=1)
        Question.objects.create(
            case=case,
            text="What happens if I wait?",
            position=2,
            answered_at=timezone.now(),
            answer_note="Waiting a few months is safe.",
        )
        InsuranceCheck.objects.create(
            case=case,
            plan_name="Blue Plan",
            referral_required="yes",
            preauth_required="no",
            reference_numbers="REF-123",
            spoke_with="Dana",
            notes="The knee specialist is in network.",
        )
        extended = requested(
            case, office, D(2026, 6, 1), owner, record_types=["visit_notes", "imaging_reports"]
        )
        move(extended, "extended", D(2026, 6, 20), today=TODAY, user=owner, note="Letter says 30 more days")
        overdue = requested(case, current, D(2026, 5, 15), owner, kind="directive", recipient=second)
        received = requested(case, current, D(2026, 5, 1), owner, record_types=["test_results"])
        move(received, "received", D(2026, 5, 20), today=TODAY, user=owner)
        preparing = RecordsRequest.objects.create(case=case, holder=office, kind="copy")
        ContactEntry.objects.create(
            case=case,
            request=extended,
            happened_at=at(D(2026, 6, 9)),
            channel="phone",
            with_whom="Maria at the front desk",
            asked="Did my request for the knee MRI arrive?",
            answered="Yes, it is in the queue.",
            created_by=owner,
        )
        draft = Draft.objects.create(
            case=case, kind="records-request", text="Please send my records.", generated_text="Please send."
        )
        DraftUse.objects.create(
            draft=draft,
            used_on=D(2026, 5, 28),
            channel="portal",
            provider_said="They will look into the knee films.",
            recorded_by=owner,
        )
        Letter.objects.create(
            request=extended, kind="request-letter", text="Dear Eastside Records", generated_text="Dear"
        )
    for records_request in (extended, overdue, received, preparing):
        records_request.refresh_from_db()
    return Filled(case, extended, overdue, received, preparing)


OTHER_OWNERS_WORDS = ["Zed Quartermaine", "zebra rash", "Dr. Otherly", "Zebra-stripe clinic", "Is it zebras?"]
SAME_OWNERS_WORDS = [
    "Yolanda Second",
    "yellow fever shots",
    "Dr. Yellowby",
    "Yarrow Records",
    "Yellow question?",
]


def other_case(owner: User, words: list[str]) -> tuple[Case, RecordsRequest]:
    patient, concern, doctor, office, question = words
    with time_machine.travel(NOW, tick=False):
        case = Case.open_for(owner, patient_name=patient, concern=concern)
        Provider.objects.create(case=case, role="current", name=doctor)
        holder = Provider.objects.create(case=case, role="records_office", name=office)
        Question.objects.create(case=case, text=question)
        records_request = requested(case, holder, D(2026, 6, 2), owner)
        ContactEntry.objects.create(
            case=case, request=records_request, happened_at=at(D(2026, 6, 3)), channel="fax", asked=question
        )
    return case, records_request


@pytest.fixture
def someone_elses_case(owner: User) -> tuple[Case, RecordsRequest]:
    """Another person's case, which our owner helps with as an advocate."""
    case, records_request = other_case(make_user("someone@example.com"), OTHER_OWNERS_WORDS)
    Membership.objects.create(case=case, user=owner, role=Role.ADVOCATE)
    return case, records_request


@pytest.fixture
def owners_other_case(owner: User) -> tuple[Case, RecordsRequest]:
    return other_case(owner, SAME_OWNERS_WORDS)


def download_calendar(user: User, case: Case) -> icalendar.Calendar:
    response = client_for(user).get(reverse("calendar_ics", args=[case.code]))
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def events_by_uid(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {event.uid: event for event in calendar.events}


def unfolded(content: bytes) -> str:
    """The .ics text with its long lines joined again, so that a search cannot miss a folded word."""
    return content.decode().replace("\r\n ", "").replace("\r\n\t", "")


# The packet ------------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_packet_shows_the_whole_case_to_bring_to_the_appointment(filled: Filled, owner: User) -> None:
    response = client_for(owner).get(reverse("packet", args=[filled.case.code]))
    assert response.status_code == 200
    page = response.text
    for expected in [
        "Alex Rivera",
        "the knee surgery",
        "Dr. Maple Chen",
        "Harbor Clinic",
        "555-0110",
        "Dr. Sam Patel",
        "Orthopaedics",
        "Eastside Records",
        "Waiting a few months is safe.",
        # The extended request: asked, follow-up, 60-day due date with the notice.
        "1 June 2026",
        "8 June 2026",
        "31 July 2026",
        "60 days: extended by a written notice on 20 June 2026",
        "visit notes and imaging reports",
        # The overdue directive, said in words.
        "Send them to another provider",
        "14 June 2026",
        "Overdue: the legal due date has passed",
        # The received request.
        "20 May 2026",
        # The timeline.
        "Maria at the front desk",
        "Did my request for the knee MRI arrive?",
        "Letter says 30 more days",
        "They will look into the knee films.",
        # Insurance.
        "Blue Plan",
        "REF-123",
        "The knee specialist is in network.",
        # The disclaimer, the print button and the print stylesheet.
        "It is not medical or legal advice.",
        "data-print",
        "css/packet-print.css",
    ]:
        assert expected in page, expected
    assert page.index("Is surgery the only option?") < page.index("What happens if I wait?")
    assert "Not asked yet" in page  # the request still being prepared


@time_machine.travel(NOW, tick=False)
def test_the_packet_timeline_is_in_date_order(filled: Filled, owner: User) -> None:
    page = client_for(owner).get(reverse("packet", args=[filled.case.code])).text
    timeline = page[page.index('id="packet-timeline"') :]
    script_use = timeline.index("They will look into the knee films.")  # 28 May
    contact = timeline.index("Maria at the front desk")  # 9 June
    extension = timeline.index("Letter says 30 more days")  # 20 June
    assert timeline.index("15 May 2026") < script_use < contact < extension


@time_machine.travel(NOW, tick=False)
def test_the_packet_holds_nothing_from_another_case(
    filled: Filled,
    owner: User,
    someone_elses_case: tuple[Case, RecordsRequest],
    owners_other_case: tuple[Case, RecordsRequest],
) -> None:
    page = client_for(owner).get(reverse("packet", args=[filled.case.code])).text
    for word in OTHER_OWNERS_WORDS + SAME_OWNERS_WORDS:
        assert word not in page


@time_machine.travel(NOW, tick=False)
def test_a_viewer_can_read_the_packet_and_a_stranger_cannot_find_it(
    filled: Filled, viewer: User, stranger: User
) -> None:
    url = reverse("packet", args=[filled.case.code])
    assert client_for(viewer).get(url).status_code == 200
    response = client_for(stranger).get(url)
    assert response.status_code == 404
    assert "Alex Rivera" not in response.text


def test_the_packet_asks_a_visitor_to_log_in(case: Case, client: Client) -> None:
    response = client.get(reverse("packet", args=[case.code]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@time_machine.travel(NOW, tick=False)
def test_an_empty_case_gets_a_calm_packet(case: Case, owner: User) -> None:
    page = client_for(owner).get(reverse("packet", args=[case.code])).text
    assert "No questions written down yet." in page
    assert "No records requests yet." in page
    assert "Nothing written down about insurance yet." in page


# The calendar ----------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_calendar_has_all_day_follow_up_and_deadline_events_for_open_requests(
    filled: Filled, owner: User
) -> None:
    response = client_for(owner).get(reverse("calendar_ics", args=[filled.case.code]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="secondop-records-deadlines.ics"'
    events = events_by_uid(icalendar.Calendar.from_ical(response.content))
    code = filled.case.code
    extended, overdue = filled.extended.pk, filled.overdue.pk
    assert {uid: event.start for uid, event in events.items()} == {
        f"{code}-{extended}-follow-up@secondop": D(2026, 6, 8),  # + 7
        f"{code}-{extended}-legal-due@secondop": D(2026, 7, 31),  # + 60, with the extension
        f"{code}-{overdue}-follow-up@secondop": D(2026, 5, 22),  # + 7
        f"{code}-{overdue}-legal-due@secondop": D(2026, 6, 14),  # + 30
    }
    for event in events.values():
        assert type(event.start) is datetime.date  # all day, not a moment
        assert event.end == event.start + datetime.timedelta(days=1)
    text = unfolded(response.content)
    assert "DTSTART;VALUE=DATE:20260608" in text
    assert "DTSTART;VALUE=DATE:20260731" in text
    link = settings.SITE_URL + reverse("request_detail", args=[code, extended])
    assert str(events[f"{code}-{extended}-legal-due@secondop"]["URL"]) == link
    assert link in str(events[f"{code}-{extended}-legal-due@secondop"]["DESCRIPTION"])


@time_machine.travel(NOW, tick=False)
def test_the_calendar_says_nothing_about_health(filled: Filled, owner: User) -> None:
    response = client_for(owner).get(reverse("calendar_ics", args=[filled.case.code]))
    calendar = icalendar.Calendar.from_ical(response.content)
    summaries = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
    assert summaries == {"Follow up on your records request", "Records request deadline"}
    text = unfolded(response.content).lower()
    for private in [
        "knee",
        "surgery",
        "alex rivera",
        "is surgery the only option?",
        "waiting a few months",
        "maria",
        "letter says 30 more days",
        "dr. maple chen",
        "eastside records",
        "blue plan",
        "visit notes",
    ]:
        assert private not in text, private


def test_the_calendar_uids_stay_and_the_revision_moves_with_the_date(case: Case, owner: User) -> None:
    holder = Provider.objects.create(case=case, role="records_office", name="Eastside Records")
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        records_request = requested(case, holder, D(2026, 6, 1), owner)
        first = events_by_uid(download_calendar(owner, case))
        again = events_by_uid(download_calendar(owner, case))
    due_uid = f"{case.code}-{records_request.pk}-legal-due@secondop"
    assert set(first) == set(again)
    assert first[due_uid].start == D(2026, 7, 1)
    assert [first[uid].sequence for uid in first] == [again[uid].sequence for uid in again]

    # The office gives written notice of an extension: the deadline moves to 60 days.
    with time_machine.travel(datetime.datetime(2026, 6, 12, 15, 0, tzinfo=datetime.UTC), tick=False):
        move(records_request, "extended", D(2026, 6, 12), today=D(2026, 6, 12), user=owner)
        extended = events_by_uid(download_calendar(owner, case))
    assert set(extended) == set(first)
    assert extended[due_uid].start == D(2026, 7, 31)
    assert extended[due_uid].sequence > first[due_uid].sequence
    assert extended[due_uid].DTSTAMP > first[due_uid].DTSTAMP

    # The request date is corrected through an edit of the request: both dates move.
    with time_machine.travel(datetime.datetime(2026, 6, 14, 8, 0, tzinfo=datetime.UTC), tick=False):
        records_request.refresh_from_db()
        records_request.requested_on = D(2026, 6, 2)
        records_request.save()
        corrected = events_by_uid(download_calendar(owner, case))
    follow_up_uid = f"{case.code}-{records_request.pk}-follow-up@secondop"
    assert set(corrected) == set(first)
    assert corrected[follow_up_uid].start == D(2026, 6, 9)
    assert corrected[due_uid].start == D(2026, 8, 1)
    assert corrected[follow_up_uid].sequence > extended[follow_up_uid].sequence
    assert corrected[follow_up_uid].DTSTAMP > extended[follow_up_uid].DTSTAMP


@time_machine.travel(NOW, tick=False)
def test_a_request_that_is_closed_leaves_the_calendar(filled: Filled, owner: User) -> None:
    move(filled.overdue, "denied", TODAY, today=TODAY, user=owner)
    uids = set(events_by_uid(download_calendar(owner, filled.case)))
    assert uids == {
        f"{filled.case.code}-{filled.extended.pk}-follow-up@secondop",
        f"{filled.case.code}-{filled.extended.pk}-legal-due@secondop",
    }


@time_machine.travel(NOW, tick=False)
def test_the_calendar_holds_only_this_cases_requests(
    filled: Filled,
    owner: User,
    someone_elses_case: tuple[Case, RecordsRequest],
    owners_other_case: tuple[Case, RecordsRequest],
) -> None:
    response = client_for(owner).get(reverse("calendar_ics", args=[filled.case.code]))
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert len(events) == 4
    for event in events:
        assert str(event["UID"]).startswith(f"{filled.case.code}-")
    text = unfolded(response.content)
    for other, other_request in (someone_elses_case, owners_other_case):
        assert str(other.code) not in text
        assert reverse("request_detail", args=[other.code, other_request.pk]) not in text
    for word in OTHER_OWNERS_WORDS + SAME_OWNERS_WORDS:
        assert word.lower() not in text.lower()


@time_machine.travel(NOW, tick=False)
def test_a_viewer_can_download_the_calendar_and_a_stranger_cannot_find_it(
    filled: Filled, viewer: User, stranger: User
) -> None:
    url = reverse("calendar_ics", args=[filled.case.code])
    assert len(download_calendar(viewer, filled.case).walk("VEVENT")) == 4
    assert client_for(stranger).get(url).status_code == 404


# All my data -----------------------------------------------------------------------------------------


def export_of(user: User) -> dict[str, Any]:
    client = client_for(user)
    # Exporting everything asks for the password again first.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("export_json"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="secondop-export.json"'
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert isinstance(data, dict)
    return data


@time_machine.travel(NOW, tick=False)
def test_the_export_has_the_account_and_every_owned_case_with_everything_in_it(
    filled: Filled,
    owner: User,
    someone_elses_case: tuple[Case, RecordsRequest],
    owners_other_case: tuple[Case, RecordsRequest],
) -> None:
    owner.display_name = "Alex"
    owner.save()
    owner.profile.time_zone = "America/Chicago"
    owner.profile.save()

    data = export_of(owner)
    assert data["version"] == 1
    assert data["account"].pop("date_joined").startswith(f"{owner.date_joined:%Y-%m-%dT%H:%M:%S}")
    assert data["account"] == {
        "email": "owner@example.com",
        "display_name": "Alex",
        "time_zone": "America/Chicago",
        "quiet_hours_start": "21:00:00",
        "quiet_hours_end": "08:00:00",
    }
    cases = data["cases"]
    assert isinstance(cases, list)
    # Owned cases only: not the one the owner only advocates for.
    assert {case["code"] for case in cases} == {str(filled.case.code), str(owners_other_case[0].code)}
    exported = next(case for case in cases if case["code"] == str(filled.case.code))
    assert exported["patient_name"] == "Alex Rivera"
    assert exported["concern"] == "the knee surgery"
    assert exported["created_by"] == "owner@example.com"
    assert exported["members"] == [
        {"email": "owner@example.com", "role": "owner", "since": exported["members"][0]["since"]},
        {"email": "advocate@example.com", "role": "advocate", "since": exported["members"][1]["since"]},
        {"email": "viewer@example.com", "role": "viewer", "since": exported["members"][2]["since"]},
    ]
    assert len(exported["checklist"]) == filled.case.checklist.count() > 0
    assert [q["text"] for q in exported["questions"]] == [
        "Is surgery the only option?",
        "What happens if I wait?",
    ]
    assert exported["questions"][1]["answer_note"] == "Waiting a few months is safe."
    assert exported["insurance"]["plan_name"] == "Blue Plan"
    assert {p["name"] for p in exported["providers"]} == {
        "Dr. Maple Chen",
        "Dr. Sam Patel",
        "Eastside Records",
    }

    requests = {r["id"]: r for r in exported["records_requests"]}
    assert set(requests) == {filled.extended.pk, filled.overdue.pk, filled.received.pk, filled.preparing.pk}
    extended = requests[filled.extended.pk]
    assert extended["requested_on"] == "2026-06-01"
    assert extended["extension_notice_on"] == "2026-06-20"
    assert extended["record_types"] == ["visit_notes", "imaging_reports"]
    assert extended["holder_id"] in {p["id"] for p in exported["providers"]}
    assert [(e["to_status"], e["on"], e["by"]) for e in extended["events"]] == [
        ("requested", "2026-06-01", "owner@example.com"),
        ("extended", "2026-06-20", "owner@example.com"),
    ]
    assert [letter["text"] for letter in extended["letters"]] == ["Dear Eastside Records"]
    assert requests[filled.received.pk]["received_on"] == "2026-05-20"

    [contact] = exported["contacts"]
    assert contact["request_id"] == filled.extended.pk
    assert contact["asked"] == "Did my request for the knee MRI arrive?"
    [draft] = exported["drafts"]
    assert draft["text"] == "Please send my records."
    assert [use["provider_said"] for use in draft["uses"]] == ["They will look into the knee films."]


@time_machine.travel(NOW, tick=False)
def test_the_export_leaves_out_other_peoples_cases_and_secrets(
    filled: Filled, owner: User, advocate: User, someone_elses_case: tuple[Case, RecordsRequest]
) -> None:
    text = json.dumps(export_of(owner))
    for word in OTHER_OWNERS_WORDS:
        assert word not in text
    assert "someone@example.com" not in text
    assert "pbkdf2" not in text and "password" not in text
    assert owner.password not in text

    # An advocate owns nothing here, so their export has their account and no cases.
    data = export_of(advocate)
    assert data["cases"] == []
    assert "Alex Rivera" not in json.dumps(data)


@time_machine.travel(NOW, tick=False)
def test_a_stranger_gets_only_their_own_export_and_a_visitor_must_log_in(
    filled: Filled, stranger: User, client: Client
) -> None:
    data = export_of(stranger)
    assert data["account"]["email"] == "stranger@example.com"
    assert data["cases"] == []
    assert "owner@example.com" not in json.dumps(data)

    response = client.get(reverse("export_json"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
