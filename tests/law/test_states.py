"""The state rules table, and the legal clock that follows the stricter of federal and state law."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from secondop.accounts.models import User
from secondop.cases.models import Case
from secondop.law import rules
from secondop.records import clock
from secondop.records.models import Provider, RecordsRequest
from secondop.reminders.models import Reminder, ReminderKind
from tests.conftest import client_for

D = datetime.date


def test_every_state_and_dc_has_an_entry_with_a_citation_a_source_link_and_a_checked_date() -> None:
    states = rules.states()
    assert len(states) == 51 and "DC" in states and "CA" in states and "TX" in states
    for law in states.values():
        assert law.name and law.summary and law.rules, law.code
        assert any(rule.url.startswith(("https://", "http://")) for rule in law.rules), law.code
        for rule in law.rules:
            assert rule.citation and rule.source, law.code
            assert D.fromisoformat(rule.checked_on) <= D(2026, 12, 31), law.code
            assert rule.checked_how in ("official text", "secondary source", "not confirmed"), law.code
        # A state marked as keeping the federal floor has no confirmed deadline for it below 30 days.
        if law.federal_floor:
            assert all(rule.days >= 30 for rule in rules.binding(law.code, rules.PHYSICIAN) if rule.days)


def request_to(holder: Provider, requested_on: D, **fields: object) -> RecordsRequest:
    return RecordsRequest(holder=holder, kind="copy", status="requested", requested_on=requested_on, **fields)


def holder(state: str = "", kind: str = "") -> Provider:
    return Provider(role="records_office", name="Records office", state=state, kind=kind)


def test_a_californian_copy_request_is_due_in_15_days() -> None:
    found = clock.deadline(request_to(holder("CA"), D(2026, 6, 1)))
    assert found is not None
    assert (found.on, found.federal_on) == (D(2026, 6, 16), D(2026, 7, 1))
    assert found.rule is not None and "123110" in found.rule.citation


def test_a_texan_physician_has_15_business_days_which_skip_weekends_and_holidays() -> None:
    # Asked on Friday 26 June 2026: the Independence Day weekend (Friday 3 July observed) is skipped.
    found = clock.deadline(request_to(holder("TX", rules.PHYSICIAN), D(2026, 6, 26)))
    assert found is not None and found.rule is not None and found.rule.unit == "business"
    assert found.on == D(2026, 7, 20)  # 15 weekdays after 26 June is 17 July; the holiday moves it on


def test_a_state_whose_law_allows_more_than_30_days_keeps_the_federal_floor() -> None:
    found = clock.deadline(request_to(holder("SC", rules.HOSPITAL), D(2026, 6, 1)))
    assert found is not None and (found.on, found.rule) == (D(2026, 7, 1), None)


def test_a_holder_with_no_state_keeps_the_federal_floor_and_its_extension() -> None:
    found = clock.deadline(request_to(holder(), D(2026, 6, 1), extension_notice_on=D(2026, 6, 10)))
    assert found is not None and (found.on, found.rule) == (D(2026, 7, 31), None)


def test_a_texan_hospital_is_bound_by_its_own_rule_not_the_physicians() -> None:
    found = clock.deadline(request_to(holder("TX", rules.HOSPITAL), D(2026, 6, 26)))
    assert found is not None and found.rule is not None and found.rule.unit == "calendar"
    assert found.on == D(2026, 7, 11)


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 6, 2, 12, tzinfo=datetime.UTC), tick=False)
def test_changing_a_providers_state_moves_the_reminders(case: Case) -> None:
    provider = Provider.objects.create(case=case, role="records_office", name="Records office")
    RecordsRequest.objects.create(
        case=case, holder=provider, kind="copy", status="requested", requested_on=D(2026, 6, 1)
    )

    def legal_due() -> D:
        reminder = Reminder.objects.filter(request__holder=provider, kind=ReminderKind.LEGAL_DUE).first()
        assert reminder is not None
        return reminder.due_on

    assert legal_due() == D(2026, 7, 1)
    provider.state = "CA"
    provider.save()
    assert legal_due() == D(2026, 6, 16)
    case.refresh_from_db()
    assert case.legal_due_on == D(2026, 6, 16)  # and the dashboard's order


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 6, 2, 12, tzinfo=datetime.UTC), tick=False)
def test_the_request_page_says_which_rule_sets_the_date_with_the_federal_floor_beside_it(
    case: Case, owner: User
) -> None:
    provider = Provider.objects.create(case=case, role="records_office", name="Bay Records", state="CA")
    request = RecordsRequest.objects.create(
        case=case, holder=provider, kind="copy", status="requested", requested_on=D(2026, 6, 1)
    )
    page = client_for(owner).get(reverse("request_detail", args=[case.code, request.pk])).text
    assert "16 June 2026" in page
    assert "California law: within 15 days of the request" in page and "123110(b)(1)" in page
    assert "Federal law: 1 July 2026." in page

    provider.state = ""
    provider.save()
    page = client_for(owner).get(reverse("request_detail", args=[case.code, request.pk])).text
    assert "1 July 2026" in page and "California" not in page and "Federal law: 30 days" in page


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 6, 20, 12, tzinfo=datetime.UTC), tick=False)
def test_the_letters_and_the_calendar_carry_the_state_date_and_name_the_statute(
    case: Case, owner: User
) -> None:
    from secondop.records import letters

    provider = Provider.objects.create(case=case, role="records_office", name="Bay Records", state="CA")
    request = RecordsRequest.objects.create(
        case=case, holder=provider, kind="copy", status="requested", requested_on=D(2026, 6, 1)
    )
    asking = letters.generate("request-letter", request, D(2026, 6, 1))
    assert "45 CFR 164.524" in asking
    assert "California law (Cal. Health & Safety Code § 123110(b)(1)) asks for them sooner" in asking
    request.kind, request.send_to = "directive", "Dr. Patel, 2 Oak St, Oakland, CA 94607"
    directive = letters.generate("directive", request, D(2026, 6, 1))
    assert "(45 CFR 164.524) and California law (Cal. Health & Safety Code § 123110(b)(1))." in directive
    request.kind = "copy"
    follow_up = letters.generate("escalation", request, D(2026, 6, 20))
    assert "(45 CFR 164.524) and California law (Cal. Health & Safety Code § 123110(b)(1))" in follow_up
    assert "was June 16, 2026" in follow_up
    assert "escalation" in letters.offered_letters(request, D(2026, 6, 20))  # overdue on day 17

    calendar = client_for(owner).get(reverse("calendar_ics", args=[case.code])).content.decode()
    assert "20260616" in calendar and "20260701" not in calendar
    assert "California law: within 15 days of the request" in calendar.replace("\r\n ", "")
    packet = client_for(owner).get(reverse("packet", args=[case.code])).text
    assert "16 June 2026 (California law: within 15 days of the request)" in packet

    provider.state = "SC"  # longer than 30 days: the federal floor, and no state named
    provider.save()
    request.refresh_from_db()
    asking = letters.generate("request-letter", request, D(2026, 6, 1))
    assert "sooner" not in asking and "South Carolina" not in asking


def test_the_command_lists_the_rules_last_checked_more_than_a_year_ago() -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with time_machine.travel(datetime.datetime(2027, 12, 7, tzinfo=datetime.UTC)):
        call_command("law_to_check", stdout=out)
    listed = out.getvalue().splitlines()
    every_rule = sum(len(law.rules) for law in rules.states().values())
    assert listed[-1] == f"{every_rule} rules last checked before 2026-12-07."
    assert any("CA  Cal. Health & Safety Code § 123110(b)(1)" in line for line in listed)

    out = StringIO()
    with time_machine.travel(datetime.datetime(2027, 1, 7, tzinfo=datetime.UTC)):
        call_command("law_to_check", stdout=out)
    assert out.getvalue() == "0 rules last checked before 2026-01-07.\n"


@pytest.mark.parametrize(
    ("address", "state"),
    [("1 Main St, Oakland, CA 94607", "CA"), ("200 Elm, Austin, TX 78701-1234", "TX"), ("Somewhere", "")],
)
def test_the_state_comes_from_the_address_when_none_is_chosen(address: str, state: str) -> None:
    from secondop.records.forms import ProviderForm

    form = ProviderForm({"role": "current", "name": "Dr. Chen", "address": address, "state": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["state"] == state
    chosen = ProviderForm({"role": "current", "name": "Dr. Chen", "address": address, "state": "NY"})
    assert chosen.is_valid() and chosen.cleaned_data["state"] == "NY"  # what the person chose stands


@pytest.mark.parametrize("state", ["DE", "FL", "WA"])
def test_a_long_term_care_rule_does_not_set_a_hospitals_clock(state: str) -> None:
    found = clock.deadline(request_to(holder(state, rules.HOSPITAL), D(2026, 6, 1)))
    assert found is not None and (
        found.rule is None or (found.rule.days or 0) >= 10
    )  # not the 2-day care-home rule


def test_a_rule_that_binds_only_some_requests_is_shown_but_does_not_set_the_clock() -> None:
    conditional = [rule for rule in rules.states()["AZ"].rules if rule.conditional]
    assert conditional and all(rule.days and rule.days < 30 for rule in conditional)
    found = clock.deadline(request_to(holder("AZ", rules.PHYSICIAN), D(2026, 6, 1)))
    assert found is not None and found.rule is None  # the federal 30 days


def test_a_state_code_the_data_does_not_know_is_named_by_its_code() -> None:
    found = clock.deadline(request_to(holder("PR"), D(2026, 6, 1)))
    assert found is not None and (found.state_name, found.rule) == ("PR", None)


@pytest.mark.parametrize("address", ["Berlin DE 10115", "1 Main St, Oakland, CA ٩٤٦٠٧"])
def test_an_address_that_is_not_a_us_one_gives_no_state(address: str) -> None:
    from secondop.records.forms import ProviderForm

    form = ProviderForm({"role": "current", "name": "Dr. Chen", "address": address, "state": ""})
    assert form.is_valid() and form.cleaned_data["state"] == ""
