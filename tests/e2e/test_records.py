"""The records paper trail on a phone: log a request, note two contacts, send the portal message, print the
packet and take the dates to a calendar."""

import datetime

import icalendar
import pytest
from playwright.sync_api import Page, expect

from secondop.cases.models import Case
from secondop.records.models import ContactEntry, RecordsRequest
from tests.conftest import make_user
from tests.e2e.test_browser import log_in

pytestmark = pytest.mark.browser


def test_log_a_request_add_contacts_send_the_portal_message_print_the_packet_and_get_the_calendar(
    page: Page, live_server
) -> None:
    base = live_server.url
    user = make_user("records.person@example.com")
    case = Case.open_for(user, patient_name="Robin Hale", concern="the biopsy result")
    log_in(page, base, user.email)
    page.goto(f"{base}{case.get_absolute_url()}")
    page.get_by_role("link", name="Records", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Records")

    # Who holds the records, then the request itself.
    page.get_by_role("link", name="Start a request").click()
    page.get_by_role("link", name="Add a doctor or office").first.click()
    page.get_by_label("Who is this?").select_option("records_office")
    page.locator("#id_name").fill("Lakeside Records Office")
    page.get_by_label("Fax").fill("555-0199")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New records request")
    page.get_by_label("Who holds the records").select_option(label="Lakeside Records Office")
    page.get_by_label("A copy for me").check()
    page.get_by_label("Pathology reports").check()
    page.get_by_role("button", name="Save the request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Records from Lakeside Records Office")

    today = datetime.date.today()
    page.get_by_label("New status").select_option("requested")
    page.locator("#id_on").fill(today.isoformat())
    page.get_by_role("button", name="Update").click()
    expect(page.locator(".status-line")).to_contain_text("Requested")
    follow_up = today + datetime.timedelta(days=7)
    due = today + datetime.timedelta(days=30)
    expect(page.locator(".facts").first).to_contain_text(f"{due.day} {due:%B %Y}")

    # Two contacts: one quick note, one with details.
    page.get_by_role("button", name="I called the records office").click()
    expect(page.get_by_role("status").first).to_contain_text("you called the records office")
    page.get_by_role("link", name="Add a contact with details").click()
    page.get_by_label("How").select_option("fax")
    page.get_by_label("With whom").fill("Dana at records")
    page.get_by_label("What you asked").fill("Did my signed form arrive?")
    page.get_by_label("What they answered").fill("Yes, it is being processed.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Records from Lakeside Records Office")

    # The portal message, marked sent: a contact, and the checklist item ticks itself.
    page.get_by_role("button", name="I sent the portal message").click()
    expect(page.get_by_role("status").first).to_contain_text("“Send the portal message” is ticked off")
    records_request = RecordsRequest.objects.get(case=case)
    assert records_request.status == "requested" and records_request.requested_on == today
    assert list(ContactEntry.objects.filter(case=case).order_by("pk").values_list("channel", flat=True)) == [
        "phone",
        "fax",
        "portal",
    ]
    assert case.checklist.get(key="portal").done_at is not None
    trail = page.locator("section", has=page.get_by_role("heading", name="Paper trail"))
    expect(trail).to_contain_text("Fax with Dana at records")
    expect(trail).to_contain_text("Patient portal with Lakeside Records Office")

    # The packet, as the printer sees it.
    page.goto(f"{base}/cases/{case.code}/records/")
    page.get_by_role("link", name="Second-opinion packet (to print)").click()
    page.emulate_media(media="print")
    expect(page.get_by_text("Lakeside Records Office").first).to_be_visible()
    expect(page.get_by_text("Did my signed form arrive?")).to_be_visible()
    expect(page.locator(".site-header")).to_be_hidden()
    assert page.pdf(format="A4")[:4] == b"%PDF"
    page.emulate_media(media="screen")

    # The calendar file: it downloads and parses, with the follow-up and the legal deadline.
    page.goto(f"{base}/cases/{case.code}/records/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add the dates to your calendar (.ics)").click()
    download = download_info.value
    calendar = icalendar.Calendar.from_ical(download.path().read_bytes())
    dates = sorted(event.decoded("DTSTART") for event in calendar.walk("VEVENT"))
    assert dates == [follow_up, due]
    assert "biopsy" not in calendar.to_ical().decode()
