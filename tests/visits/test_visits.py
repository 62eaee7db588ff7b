"""The second-opinion visit: the appointment (on the overview, in the calendar file, reminded the day before),
what to bring, and the physical items on their way (nudged when still missing before the appointment)."""

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from secondop.accounts.models import Profile, User
from secondop.cases.models import Case, Question
from secondop.records.models import Provider, RecordsRequest
from secondop.records.progress import move
from secondop.reminders.dispatch import payload_for
from secondop.reminders.models import Reminder, ReminderKind, ReminderStatus
from secondop.visits.models import BringTick, ItemStatus, PhysicalItem, Visit
from tests.conftest import client_for

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

UTC = datetime.UTC
NOW = datetime.datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _on_the_first_of_may() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def doctor(case: Case) -> Provider:
    return Provider.objects.create(case=case, role="second_opinion", name="Dr. Ana Ortiz")


def in_new_york(user: User) -> None:
    Profile.objects.filter(user=user).update(time_zone="America/New_York")


def book(client: Client, case: Case, doctor: Provider, when: str = "2026-05-20T14:30") -> "TestResponse":
    data = {"doctor": doctor.pk, "starts_at": when, "mode": "in_person", "place": "1 Main St"}
    return client.post(reverse("visit", args=[case.code]), data)


def scheduled(**filters: object) -> list[Reminder]:
    return list(Reminder.objects.filter(status=ReminderStatus.SCHEDULED, **filters).order_by("due_at"))


def test_booking_the_appointment_shows_it_and_reminds_the_day_before(
    case: Case, owner: User, doctor: Provider
) -> None:
    in_new_york(owner)
    client = client_for(owner)
    response = book(client, case, doctor)
    assert response.status_code == 302
    visit = Visit.objects.get(case=case)
    # 14:30 where the person is (New York, summer time: UTC-4).
    assert visit.starts_at == datetime.datetime(2026, 5, 20, 18, 30, tzinfo=UTC)
    overview = client.get(reverse("case_overview", args=[case.code])).content.decode()
    assert "The second-opinion visit" in overview and "Wednesday 20 May 2026, 14:30" in overview
    assert "Dr. Ana Ortiz" in overview

    [reminder] = scheduled(kind=ReminderKind.VISIT)
    assert reminder.recipient == owner and reminder.due_on == datetime.date(2026, 5, 19)
    assert reminder.due_at == datetime.datetime(2026, 5, 19, 13, 0, tzinfo=UTC)  # 9:00 in New York
    payload = payload_for(reminder)
    assert payload["url"] == reverse("visit", args=[case.code])
    for private in ("Ortiz", case.patient_name, case.concern, "Main St"):
        assert private not in str(payload)

    # A new date moves the reminder; the calendar file has the appointment, naming no one.
    book(client, case, doctor, when="2026-05-27T09:00")
    [moved] = scheduled(kind=ReminderKind.VISIT)
    assert moved.due_on == datetime.date(2026, 5, 26)
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.CANCELLED  # the old day's
    ics = client.get(reverse("calendar_ics", args=[case.code])).content.decode()
    assert "SUMMARY:Second-opinion appointment" in ics
    assert "DTSTART:20260527T130000Z" in ics
    assert "Ortiz" not in ics and case.patient_name not in ics and "Main St" not in ics


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("2026-04-01T10:00", "That date has passed."),
        ("2030-01-01T10:00", "more than three years away"),
        ("not a date", "Enter a valid date/time."),
    ],
)
def test_a_wrong_date_gets_a_clear_message_and_changes_nothing(
    case: Case, owner: User, doctor: Provider, when: str, message: str
) -> None:
    response = book(client_for(owner), case, doctor, when=when)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Visit.objects.exists() and not Reminder.objects.filter(kind=ReminderKind.VISIT).exists()


def test_a_doctor_of_another_case_cannot_be_chosen(case: Case, owner: User) -> None:
    other = Case.open_for(owner, patient_name="Sam Lee", concern="the hip")
    elsewhere = Provider.objects.create(case=other, role="second_opinion", name="Dr. Elsewhere")
    response = book(client_for(owner), case, elsewhere)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Visit.objects.exists()


def test_a_viewer_reads_the_visit_and_a_stranger_finds_nothing(
    case: Case, owner: User, viewer: User, stranger: User, doctor: Provider
) -> None:
    book(client_for(owner), case, doctor)
    page = client_for(viewer).get(reverse("visit", args=[case.code]))
    assert page.status_code == 200 and "Dr. Ana Ortiz" in page.content.decode()
    assert "Save the appointment" not in page.content.decode()
    assert book(client_for(viewer), case, doctor, when="2026-06-01T10:00").status_code == 403
    assert client_for(stranger).get(reverse("visit", args=[case.code])).status_code == 404
    assert Visit.objects.get().starts_at.date() == datetime.date(2026, 5, 20)


def test_what_to_bring_is_built_from_the_case_and_ticked(case: Case, owner: User) -> None:
    holder = Provider.objects.create(case=case, role="current", name="Dr. Chen")
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    move(request, "requested", datetime.date(2026, 4, 20), today=datetime.date(2026, 4, 20), user=owner)
    Question.objects.create(case=case, text="Is surgery the only way?")
    client = client_for(owner)
    page = client.get(reverse("visit", args=[case.code])).content.decode()
    for expected in (
        "Records from Dr. Chen",
        "Request: requested.",
        "1 on your list.",
        "Your medication list",
    ):
        assert expected in page

    tick = reverse("bring_tick", args=[case.code])
    assert client.post(tick, {"key": "medications", "done": "1"}).status_code == 302
    assert client.post(tick, {"key": f"request-{request.pk}", "done": "1"}).status_code == 302
    assert set(BringTick.objects.values_list("key", flat=True)) == {"medications", f"request-{request.pk}"}
    assert (
        "Packed: Your medication list. Mark as not packed"
        in client.get(reverse("visit", args=[case.code])).text
    )
    client.post(tick, {"key": "medications", "done": "0"})
    assert list(BringTick.objects.values_list("key", flat=True)) == [f"request-{request.pk}"]

    response = client.post(tick, {"key": "request-999999", "done": "1"}, follow=True)
    assert "That is no longer on the list. Nothing was changed." in response.content.decode()
    assert BringTick.objects.count() == 1


def test_a_disc_is_followed_from_its_holder_to_the_doctor_and_nudged_while_missing(
    case: Case, owner: User, doctor: Provider
) -> None:
    client = client_for(owner)
    book(client, case, doctor)
    new = {"kind": "imaging_disc", "description": "MRI of the left knee", "holder": "City Imaging"}
    assert (
        client.post(
            reverse("item_new", args=[case.code]), {**new, "recipient": "Dr. Ortiz's office"}
        ).status_code
        == 302
    )
    item = PhysicalItem.objects.get()
    assert item.status == ItemStatus.ASKED and item.asked_on == datetime.date(2026, 5, 1)
    [nudge] = scheduled(kind=ReminderKind.ITEM_MISSING)
    assert nudge.due_on == datetime.date(2026, 5, 17)  # three days before the appointment
    assert "MRI" not in str(payload_for(nudge)) and "Imaging" not in str(payload_for(nudge))
    assert (
        "MRI of the left knee" in client.get(reverse("visit", args=[case.code])).text
    )  # on the list to bring

    progress = reverse("item_progress", args=[case.code, item.pk])
    refused = client.post(progress, {"status": "sent", "on": "2026-05-01"}, follow=True)
    assert "Add the tracking number" in refused.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.ASKED

    client.post(
        progress, {"status": "sent", "on": "2026-05-01", "carrier": "FedEx", "tracking_number": "7712 3456"}
    )
    item.refresh_from_db()
    assert (item.status, item.carrier, item.tracking_number) == (ItemStatus.SENT, "FedEx", "7712 3456")
    page = client.get(reverse("visit", args=[case.code])).text
    assert "with FedEx, tracking number 7712 3456" in page
    assert scheduled(kind=ReminderKind.ITEM_MISSING) == [nudge]  # sent is not arrived

    client.post(progress, {"status": "received", "on": "2026-05-01"})
    item.refresh_from_db()
    assert item.status == ItemStatus.RECEIVED and item.received_on == datetime.date(2026, 5, 1)
    assert scheduled(kind=ReminderKind.ITEM_MISSING) == []
    assert "not received yet" not in client.get(reverse("visit", args=[case.code])).text


def test_an_item_needs_its_holder_and_recipient(case: Case, owner: User) -> None:
    response = client_for(owner).post(reverse("item_new", args=[case.code]), {"kind": "slides"})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not PhysicalItem.objects.exists()


def test_the_dashboard_and_the_packet_show_the_appointment_and_the_items(
    case: Case, owner: User, doctor: Provider
) -> None:
    client = client_for(owner)
    book(client, case, doctor)
    new = {"kind": "slides", "holder": "City Lab", "recipient": "Second Lab"}
    client.post(reverse("item_new", args=[case.code]), new)
    dashboard = client.get(reverse("case_list")).content.decode()
    assert "Second-opinion appointment Wednesday 20 May, 14:30" in dashboard
    packet = client.get(reverse("packet", args=[case.code])).content.decode()
    assert "The appointment" in packet and "Wednesday 20 May 2026, 14:30" in packet
    assert "Pathology slides — asked for. From City Lab to Second Lab." in packet


def test_the_export_of_everything_has_the_visit_the_ticks_and_the_items(
    case: Case, owner: User, doctor: Provider
) -> None:
    from tests.records.test_exports import export_of

    client = client_for(owner)
    book(client, case, doctor)
    client.post(reverse("bring_tick", args=[case.code]), {"key": "medications", "done": "1"})
    client.post(reverse("item_new", args=[case.code]), {"kind": "films", "holder": "A", "recipient": "B"})
    [exported] = [row for row in export_of(owner)["cases"] if row["code"] == str(case.code)]
    assert exported["visit"]["starts_at"].startswith("2026-05-20T14:30")
    assert exported["visit"]["doctor_id"] == doctor.pk
    assert [tick["key"] for tick in exported["what_to_bring_packed"]] == ["medications"]
    assert [(item["kind"], item["holder"]) for item in exported["things_on_their_way"]] == [("films", "A")]


def test_the_owner_of_a_case_with_an_appointment_can_delete_their_account(
    case: Case, owner: User, doctor: Provider
) -> None:
    from secondop.casefile.deletion import delete_account

    book(client_for(owner), case, doctor)
    delete_account(owner)
    assert not Case.objects.filter(pk=case.pk).exists() and not Visit.objects.exists()


def test_a_moved_appointment_is_reminded_again_after_the_first_reminder_went_out(
    case: Case, owner: User, doctor: Provider
) -> None:
    client = client_for(owner)
    book(client, case, doctor)
    Reminder.objects.filter(kind=ReminderKind.VISIT).update(status=ReminderStatus.SENT)
    book(client, case, doctor, when="2026-06-03T09:00")
    [again] = scheduled(kind=ReminderKind.VISIT)
    assert again.due_on == datetime.date(2026, 6, 2)
