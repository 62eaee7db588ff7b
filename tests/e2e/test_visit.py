"""After the records, on a phone: book the second-opinion appointment, tick what to bring, follow an imaging
disc from the imaging center to the second doctor, write down the opinion, and open the script that tells
the first doctor, filled with the case's names."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from secondop.cases.models import Case
from secondop.opinions.models import Decision, Opinion
from secondop.records.models import Provider
from secondop.visits.models import BringTick, ItemStatus, PhysicalItem, Visit
from tests.conftest import make_user
from tests.e2e.test_browser import log_in

pytestmark = pytest.mark.browser


def test_book_the_visit_tick_the_list_follow_a_disc_record_the_opinion_and_open_the_sharing_script(
    page: Page, live_server
) -> None:
    base = live_server.url
    user = make_user("visit.person@example.com")
    case = Case.open_for(user, patient_name="Robin Hale", concern="the biopsy result")
    Provider.objects.create(case=case, role="current", name="Dr. Chen")
    Provider.objects.create(case=case, role="second_opinion", name="Dr. Ana Ortiz")
    log_in(page, base, user.email)
    page.goto(f"{base}{case.get_absolute_url()}")

    # The appointment.
    page.get_by_role("link", name=re.compile("^The visit")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The second-opinion visit")
    when = datetime.date.today() + datetime.timedelta(days=10)
    page.get_by_label("The second-opinion doctor").select_option(label="Dr. Ana Ortiz")
    page.get_by_label("Date and time").fill(f"{when.isoformat()}T14:30")
    page.get_by_label("In person").check()
    page.get_by_label("Address or video link").fill("12 Harbor Street, Boston")
    page.get_by_role("button", name="Save the appointment").click()
    expect(page.get_by_role("status").first).to_contain_text("You get a reminder the day before")
    expect(page.locator(".visit-facts")).to_contain_text(f"{when.day} {when:%B %Y}, 14:30")
    expect(page.locator(".visit-facts")).to_contain_text("Dr. Ana Ortiz")

    # What to bring: the medication list is packed.
    page.get_by_role("button", name="Mark as packed: Your medication list").click()
    expect(
        page.get_by_role("button", name="Packed: Your medication list. Mark as not packed")
    ).to_be_visible()

    # An imaging disc, asked for, sent with a tracking number, received.
    page.get_by_text("Add something on its way").click()
    page.get_by_label("What it is").select_option(label="Imaging disc (CD or DVD)")
    page.get_by_label("Which").fill("MRI of the left knee")
    page.get_by_label("Who has it now").fill("City Imaging")
    page.get_by_label("Who must receive it").fill("Dr. Ortiz's office")
    page.get_by_role("button", name="Add it").click()
    disc = page.locator(".panel", has_text="MRI of the left knee")
    expect(disc.locator("p > strong")).to_have_text("Asked for")
    disc.get_by_text("Update where it is").click()
    disc.get_by_label("Sent").check()
    disc.get_by_label("Carrier").fill("FedEx")
    disc.get_by_label("Tracking number").fill("7712 3456 0001")
    disc.get_by_role("button", name="Save where it is").click()
    disc = page.locator(".panel", has_text="MRI of the left knee")
    expect(disc).to_contain_text("Sent with FedEx, tracking number 7712 3456 0001")
    disc.get_by_text("Update where it is").click()
    disc.get_by_label("Received").check()
    disc.get_by_role("button", name="Save where it is").click()
    expect(page.locator(".panel", has_text="MRI of the left knee").locator("p > strong")).to_have_text(
        "Received"
    )

    # The opinion, side by side with the first one.
    page.goto(f"{base}{case.get_absolute_url()}")
    page.get_by_role("link", name="The two opinions, side by side").click()
    page.get_by_label("What your first doctor said it is (the diagnosis)").fill("A torn meniscus")
    page.get_by_label("What your first doctor recommended").fill("Surgery in March")
    page.get_by_label("Partly").check()
    page.get_by_label("What the second doctor recommended").fill("Physical therapy first, then decide")
    page.get_by_label(re.compile("^Combine the two")).check()
    page.get_by_role("button", name="Save", exact=True).click()
    side_by_side = page.locator("section", has=page.get_by_role("heading", name="Side by side"))
    expect(side_by_side).to_contain_text("Surgery in March")
    expect(side_by_side).to_contain_text("Physical therapy first, then decide")

    # The script that tells the first doctor: their names, no apology.
    page.get_by_role("link", name="Open the script").click()
    text = page.locator("#draft-text")
    expect(text).to_have_value(re.compile("Dr. Ana Ortiz at .* reviewed my complete medical record"))
    expect(text).to_have_value(re.compile("I would like to combine the two"))
    portal = page.locator("#portal-version")
    expect(portal).to_contain_text("Hello Dr. Chen,")
    expect(portal).to_contain_text("Robin Hale")
    assert not re.search(r"sorry|apolog", text.input_value() + portal.inner_text(), re.IGNORECASE)

    visit = Visit.objects.get(case=case)
    assert visit.doctor.name == "Dr. Ana Ortiz" and visit.place == "12 Harbor Street, Boston"
    assert list(BringTick.objects.filter(case=case).values_list("key", flat=True)) == ["medications"]
    item = PhysicalItem.objects.get(case=case)
    assert (item.status, item.carrier, item.tracking_number) == (
        ItemStatus.RECEIVED,
        "FedEx",
        "7712 3456 0001",
    )
    assert Opinion.objects.get(case=case).decision == Decision.COMBINE
