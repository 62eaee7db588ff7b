"""A Californian request on a phone: the state's 15 days set the clock, and on day 16 it is overdue."""

import datetime

import pytest
import time_machine
from playwright.sync_api import Page, expect

from secondop.cases.models import Case
from tests.conftest import make_user
from tests.e2e.test_browser import log_in

pytestmark = pytest.mark.browser


def test_a_californian_request_goes_from_requested_to_overdue_on_day_16(page: Page, live_server) -> None:
    base = live_server.url
    user = make_user("california.person@example.com")
    case = Case.open_for(user, patient_name="Rosa Vega", concern="the scan")
    log_in(page, base, user.email)
    page.goto(f"{base}{case.get_absolute_url()}records/requests/new/")
    page.get_by_role("link", name="Add a doctor or office").first.click()
    page.get_by_label("Who is this?").select_option("records_office")
    page.locator("#id_name").fill("Bay Medical Records")
    page.get_by_label("What kind of provider").select_option("hospital")
    page.get_by_label("State").select_option(label="California")
    page.get_by_role("button", name="Save").click()
    page.get_by_label("Who holds the records").select_option(label="Bay Medical Records")
    page.get_by_label("A copy for me").check()
    page.get_by_role("button", name="Save the request").click()

    # The person's today, as the page counts it (in the browser's time zone, which the first page set):
    # the machine's date differs from it for an hour or more around midnight.
    user.profile.refresh_from_db()
    today = user.profile.today()
    page.get_by_label("New status").select_option("requested")
    page.locator("#id_on").fill(today.isoformat())
    page.get_by_role("button", name="Update").click()
    due, federal = today + datetime.timedelta(days=15), today + datetime.timedelta(days=30)
    facts = page.locator(".facts").first
    expect(facts).to_contain_text(f"{due.day} {due:%B %Y}")
    expect(facts).to_contain_text("15 days left")
    expect(facts).to_contain_text("California law: within 15 days of the request")
    expect(facts).to_contain_text(f"Federal law: {federal.day} {federal:%B %Y}.")
    expect(page.get_by_text("Overdue", exact=True)).to_have_count(0)
    address = page.url

    # Day 16: the state's deadline has passed (the federal one has not).
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=16)):
        log_in(page, base, user.email)  # fourteen idle days end a session
        page.goto(address)
        expect(page.locator(".status-line")).to_contain_text("Overdue")
        expect(page.locator(".facts").first).to_contain_text("passed")
        expect(page.get_by_text("The legal deadline has passed.")).to_be_visible()
