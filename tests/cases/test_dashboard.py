import datetime
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from secondop.accounts.models import Profile, User
from secondop.casefile import dashboard as dashboard_module
from secondop.cases.models import (
    Case,
    ChecklistItem,
    Membership,
    Role,
    Team,
    TeamMembership,
    TeamRole,
    TeamShare,
)
from secondop.records.models import ContactEntry, Provider, RecordsRequest, RequestStatus
from secondop.records.progress import store_next_due
from tests.conftest import client_for

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen_time() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def open_case(owner: User, name: str, *, updated_days_ago: int = 0) -> Case:
    case = Case.open_for(owner, patient_name=name)
    Case.objects.filter(pk=case.pk).update(updated_at=NOW - datetime.timedelta(days=updated_days_ago))
    return case


def ask_for_records(
    case: Case,
    *,
    requested_days_ago: int | None,
    status: str = RequestStatus.REQUESTED,
    holder: str = "Dr. Chen",
    followed_up_days_ago: int | None = None,
) -> RecordsRequest:
    provider = Provider.objects.create(case=case, role="current", name=holder)
    requested_on = None if requested_days_ago is None else days_ago(requested_days_ago)
    followed_up_on = None if followed_up_days_ago is None else days_ago(followed_up_days_ago)
    return RecordsRequest.objects.create(
        case=case,
        holder=provider,
        kind="copy",
        status=status,
        requested_on=requested_on,
        followed_up_on=followed_up_on,
    )


def names(response: Any) -> list[str]:
    return [row.case.patient_name for row in response.context["board"].rows]


def dashboard(client: Client, **params: str) -> Any:
    response = client.get(reverse("case_list"), params)
    assert response.status_code == 200
    return response


@pytest.fixture
def board_cases(owner: User) -> dict[str, Case]:
    """One case in each state, each updated on a different day."""
    cases = {
        "quiet-older": open_case(owner, "Quinn Older", updated_days_ago=5),
        "quiet-newer": open_case(owner, "Quinn Newer", updated_days_ago=1),
        "later": open_case(owner, "Lee Later", updated_days_ago=3),
        "received": open_case(owner, "Rae Received", updated_days_ago=2),
        "preparing": open_case(owner, "Pat Preparing", updated_days_ago=4),
        "follow-up-soon": open_case(owner, "Fran Followup"),
        "legal-soon": open_case(owner, "Lou Legal"),
        "overdue-long": open_case(owner, "Olive Overdue"),
        "overdue-short": open_case(owner, "Oscar Overdue"),
        "archived": open_case(owner, "Archie Archived"),
    }
    # Followed up; the legal deadline in 20 days.
    ask_for_records(cases["later"], requested_days_ago=10, followed_up_days_ago=2)
    ask_for_records(cases["received"], requested_days_ago=40, status=RequestStatus.RECEIVED)
    ask_for_records(cases["preparing"], requested_days_ago=None, status=RequestStatus.PREPARING)
    ask_for_records(cases["follow-up-soon"], requested_days_ago=4)  # follow up on 4 June
    ask_for_records(cases["legal-soon"], requested_days_ago=28, followed_up_days_ago=20)  # deadline 3 June
    ask_for_records(cases["overdue-long"], requested_days_ago=40)  # due on 22 May
    ask_for_records(cases["overdue-short"], requested_days_ago=32, holder="City Hospital")  # due on 30 May
    ask_for_records(cases["archived"], requested_days_ago=40)
    cases["archived"].archive()
    return cases


def test_overdue_cases_come_first_then_by_next_due_date_then_the_rest_by_last_update(
    board_cases: dict[str, Case], owner: User
) -> None:
    response = dashboard(client_for(owner))
    assert names(response) == [
        "Olive Overdue",  # overdue since 22 May
        "Oscar Overdue",  # overdue since 30 May
        "Lou Legal",  # legal deadline on 3 June
        "Fran Followup",  # follow up on 4 June
        "Lee Later",  # legal deadline on 21 June
        "Quinn Newer",  # nothing due: most recently updated first
        "Rae Received",
        "Pat Preparing",
        "Quinn Older",
    ]


def test_each_row_says_what_is_due_in_words_with_its_date(board_cases: dict[str, Case], owner: User) -> None:
    text = dashboard(client_for(owner)).text
    assert "Overdue since 22 May" in text
    assert "Records from City Hospital" in text
    assert "Follow up on the records from Dr. Chen — 4 June" in text
    assert "Legal deadline for the records from Dr. Chen — 3 June" in text
    assert "This week" in text  # the soon ones carry words, not only a colour
    assert "Lee Later" in text and "Legal deadline for the records from Dr. Chen — 21 June" in text


def test_a_partly_received_request_has_only_its_legal_deadline_left(owner: User) -> None:
    case = open_case(owner, "Parker Partly")
    ask_for_records(case, requested_days_ago=3, status=RequestStatus.PARTLY_RECEIVED)
    text = dashboard(client_for(owner)).text
    assert "Follow up on the records" not in text
    assert "Legal deadline for the records from Dr. Chen — 28 June" in text


def test_a_follow_up_nobody_made_stays_due_until_someone_does(owner: User) -> None:
    case = open_case(owner, "Fay Forgot")
    request = ask_for_records(case, requested_days_ago=10)  # follow up on 29 May; legal deadline 21 June
    text = dashboard(client_for(owner), show="overdue").text
    assert "Overdue since 29 May" in text and "Follow up on the records from Dr. Chen" in text

    # A call about the request, on a later day than it was asked, is the follow-up.
    ContactEntry.objects.create(case=case, request=request, channel="phone", happened_at=NOW)
    assert names(dashboard(client_for(owner), show="overdue")) == []
    assert "Legal deadline for the records from Dr. Chen — 21 June" in dashboard(client_for(owner)).text


def test_a_passed_legal_deadline_is_what_the_row_says_over_a_missed_follow_up(owner: User) -> None:
    ask_for_records(open_case(owner, "Noel Never"), requested_days_ago=40)
    text = dashboard(client_for(owner)).text
    assert "Overdue since 22 May" in text and "Follow up on" not in text


def test_a_passed_legal_deadline_of_another_request_is_named_over_a_missed_follow_up(owner: User) -> None:
    case = open_case(owner, "Toby Two")
    ask_for_records(case, requested_days_ago=12, holder="Dr. Chen")  # follow up on 27 May, missed
    ask_for_records(case, requested_days_ago=31, status=RequestStatus.ACKNOWLEDGED, holder="City Hospital")
    text = dashboard(client_for(owner)).text
    assert "Overdue since 31 May" in text and "Records from City Hospital" in text
    assert "Follow up on" not in text


def test_renaming_the_doctor_renames_whose_records_are_due(owner: User) -> None:
    request = ask_for_records(open_case(owner, "Rory Renamed"), requested_days_ago=3)
    request.holder.name = "Dr. Okafor"
    request.holder.save()
    text = dashboard(client_for(owner)).text
    assert "Follow up on the records from Dr. Okafor — 5 June" in text and "Dr. Chen" not in text


def test_the_migration_fills_in_what_is_due_for_cases_made_before_it(owner: User) -> None:
    fill_in = importlib.import_module("secondop.records.migrations.0005_fill_case_due_words").fill_in
    case = open_case(owner, "Mona Migrated")
    ask_for_records(case, requested_days_ago=40, holder="City Hospital")
    stored = ("next_due_on", "next_due_kind", "next_due_from", "legal_due_on", "legal_due_from")
    expected = Case.objects.values_list(*stored).get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(
        next_due_on=None, next_due_kind="", next_due_from="", legal_due_on=None, legal_due_from=""
    )

    fill_in(django_apps, None)
    assert Case.objects.values_list(*stored).get(pk=case.pk) == expected
    assert expected == (days_ago(33), "follow_up", "City Hospital", days_ago(10), "City Hospital")


def test_a_written_extension_moves_the_deadline_and_the_case_is_no_longer_overdue(owner: User) -> None:
    case = open_case(owner, "Ezra Extended")
    request = ask_for_records(case, requested_days_ago=40, status=RequestStatus.EXTENDED)
    request.extension_notice_on = days_ago(35)
    request.save()
    response = dashboard(client_for(owner), show="overdue")
    assert names(response) == []
    assert "Legal deadline for the records from Dr. Chen — 21 June" in dashboard(client_for(owner)).text


def test_each_row_counts_the_open_checklist_items_and_shows_the_last_contact(owner: User) -> None:
    case = open_case(owner, "Casey Counted")
    items = list(case.checklist.all())
    total = len(items)
    ChecklistItem.objects.filter(pk__in=[items[0].pk, items[1].pk]).update(done_at=NOW)
    for day in (20, 3, 9):
        ContactEntry.objects.create(
            case=case, channel="phone", happened_at=NOW - datetime.timedelta(days=day)
        )
    response = dashboard(client_for(owner))
    row = response.context["board"].rows[0]
    assert row.open_items == total - 2
    assert row.last_contact_at == NOW - datetime.timedelta(days=3)
    assert f"{total - 2} open checklist items" in response.text
    assert "last contact 29 May 2026" in response.text


def test_a_case_without_contacts_says_so(owner: User) -> None:
    open_case(owner, "Nico None")
    assert "no contact noted yet" in dashboard(client_for(owner)).text


@pytest.mark.parametrize(
    ("show", "expected"),
    [
        ("overdue", ["Olive Overdue", "Oscar Overdue"]),
        ("week", ["Lou Legal", "Fran Followup"]),
        ("archived", ["Archie Archived"]),
    ],
)
def test_each_filter_shows_only_its_cases(
    board_cases: dict[str, Case], owner: User, show: str, expected: list[str]
) -> None:
    response = dashboard(client_for(owner), show=show)
    assert names(response) == expected
    assert 'aria-current="page"' in response.text


def test_all_shows_every_current_case_and_not_the_archived_ones(
    board_cases: dict[str, Case], owner: User
) -> None:
    all_names = names(dashboard(client_for(owner), show="all"))
    assert len(all_names) == 9
    assert "Archie Archived" not in all_names
    assert names(dashboard(client_for(owner), show="nonsense")) == all_names


def test_the_filter_links_count_what_is_overdue_and_due_this_week(
    board_cases: dict[str, Case], owner: User
) -> None:
    text = dashboard(client_for(owner)).text
    assert "Overdue (2)" in text
    assert "This week (2)" in text


def test_search_finds_patients_by_part_of_the_name_in_any_case(
    board_cases: dict[str, Case], owner: User
) -> None:
    assert names(dashboard(client_for(owner), q="quinn")) == ["Quinn Newer", "Quinn Older"]
    assert names(dashboard(client_for(owner), q="  OVERDUE ")) == ["Olive Overdue", "Oscar Overdue"]
    assert names(dashboard(client_for(owner), q="overdue", show="overdue")) == [
        "Olive Overdue",
        "Oscar Overdue",
    ]
    assert names(dashboard(client_for(owner), q="archie")) == []
    assert names(dashboard(client_for(owner), q="archie", show="archived")) == ["Archie Archived"]


def test_a_search_without_results_says_so_and_offers_the_way_back(
    board_cases: dict[str, Case], owner: User
) -> None:
    response = dashboard(client_for(owner), q="Zed")
    assert "No case matches “Zed”" in response.text
    assert "Start with your first case" not in response.text


@pytest.mark.parametrize(("show", "words"), [("overdue", "Nothing is overdue"), ("week", "Nothing is due")])
def test_an_empty_filter_says_nothing_is_due(owner: User, show: str, words: str) -> None:
    open_case(owner, "Quinn Quiet")
    response = dashboard(client_for(owner), show=show)
    assert words in response.text
    assert "Start with your first case" not in response.text


def test_someone_whose_cases_are_all_archived_is_told_where_they_are(owner: User) -> None:
    open_case(owner, "Archie Archived").archive()
    text = dashboard(client_for(owner)).text
    assert "All your cases are archived" in text
    assert "Start with your first case" not in text


def test_a_case_shared_through_a_team_appears_with_the_teams_role(owner: User, advocate: User) -> None:
    case = open_case(owner, "Tess Teamshared")
    ask_for_records(case, requested_days_ago=40)
    team = Team.objects.create(name="Rivera Advocacy", created_by=owner)
    TeamMembership.objects.create(team=team, user=owner, role=TeamRole.ADMIN)
    TeamMembership.objects.create(team=team, user=advocate, role=TeamRole.MEMBER)
    TeamShare.objects.create(case=case, team=team, role=Role.VIEWER)

    response = dashboard(client_for(advocate))
    assert names(response) == ["Tess Teamshared"]
    assert response.context["board"].rows[0].role == Role.VIEWER
    assert "Your role: Viewer, through Rivera Advocacy" in response.text
    assert "Overdue since 22 May" in response.text
    assert "Your role" not in dashboard(client_for(owner)).text  # the owner's own role goes without saying


def test_a_members_own_role_wins_over_a_weaker_team_role(case: Case, owner: User, advocate: User) -> None:
    team = Team.objects.create(name="Practice")
    TeamMembership.objects.create(team=team, user=advocate, role=TeamRole.ADMIN)
    TeamShare.objects.create(case=case, team=team, role=Role.VIEWER)
    response = dashboard(client_for(advocate))
    assert names(response) == ["Alex Rivera"]
    assert "Your role: Advocate<" in response.text


def test_a_strangers_case_never_appears(board_cases: dict[str, Case], stranger: User, owner: User) -> None:
    strangers = open_case(stranger, "Sam Stranger")
    other_team = Team.objects.create(name="Someone else's team")
    TeamMembership.objects.create(team=other_team, user=stranger, role=TeamRole.ADMIN)
    TeamShare.objects.create(case=strangers, team=other_team, role=Role.ADVOCATE)
    client = client_for(owner)
    for show in ("all", "overdue", "week", "archived"):
        response = dashboard(client, show=show, q="sam")
        assert "Sam Stranger" not in response.text
        response = dashboard(client, show=show)
        assert "Sam Stranger" not in response.text
    assert names(dashboard(client_for(stranger))) == ["Sam Stranger"]


def test_overdue_is_judged_by_the_persons_own_date(owner: User) -> None:
    case = open_case(owner, "Zoe Zoned")
    ask_for_records(case, requested_days_ago=30, followed_up_days_ago=20)  # due today, 1 June, in UTC
    assert names(dashboard(client_for(owner), show="overdue")) == []
    Profile.objects.filter(user=owner).update(time_zone="Pacific/Auckland")  # already 2 June there
    assert names(dashboard(client_for(owner), show="overdue")) == ["Zoe Zoned"]


def test_an_htmx_search_gets_only_the_rows_and_the_count_to_announce(
    board_cases: dict[str, Case], owner: User
) -> None:
    response = client_for(owner).get(reverse("case_list"), {"q": "quinn"}, headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert 'id="case-rows"' in response.text
    assert "2 cases found" in response.text
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(board_cases: dict[str, Case], owner: User) -> None:
    response = client_for(owner).get(
        reverse("case_list"), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.text


# The query count.


def bulk_cases(owner: User, other: User, team: Team, count: int, start: int) -> None:
    """`count` cases in every state, made in bulk: some the owner's, some another person's shared with the
    owner's team; with checklists, requests (none, preparing, recent, overdue, received, partly received
    with an extension) and contacts."""
    cases = Case.objects.bulk_create(
        [
            Case(patient_name=f"Patient {start + i:03}", created_by=owner if i % 4 else other)
            for i in range(count)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(case=case, user=case.created_by, role=Role.OWNER) for case in cases]
    )
    TeamShare.objects.bulk_create(
        [
            TeamShare(case=case, team=team, role=Role.ADVOCATE if i % 8 else Role.VIEWER)
            for i, case in enumerate(cases)
            if case.created_by == other or i % 3 == 0
        ]
    )
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(case=case, title=f"Step {k}", position=k, done_at=NOW if k < i % 5 else None)
            for i, case in enumerate(cases)
            for k in range(5)
        ]
    )
    providers = Provider.objects.bulk_create(
        [Provider(case=case, role="current", name=f"Dr. {start + i}") for i, case in enumerate(cases)]
    )
    states: list[tuple[str, int | None, bool]] = [
        (RequestStatus.PREPARING, None, False),
        (RequestStatus.REQUESTED, 3, False),
        (RequestStatus.ACKNOWLEDGED, 40, False),
        (RequestStatus.RECEIVED, 40, False),
        (RequestStatus.EXTENDED, 45, True),
    ]
    requests = []
    for i, (case, provider) in enumerate(zip(cases, providers, strict=True)):
        for status, requested, extended in states[: i % 6]:
            requests.append(
                RecordsRequest(
                    case=case,
                    holder=provider,
                    kind="copy",
                    status=status,
                    requested_on=None if requested is None else days_ago(requested + i % 7),
                    extension_notice_on=days_ago(requested) if extended and requested else None,
                )
            )
    RecordsRequest.objects.bulk_create(requests)
    for case in cases:  # what saving each request would have stored
        store_next_due(case.pk)
    ContactEntry.objects.bulk_create(
        [
            ContactEntry(case=case, channel="phone", happened_at=NOW - datetime.timedelta(days=day + i % 3))
            for i, case in enumerate(cases)
            if i % 2
            for day in (1, 8)
        ]
    )


def count_queries(client: Client, **params: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("case_list"), params)
    assert response.status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_number_of_cases(owner: User, stranger: User) -> None:
    team = Team.objects.create(name="Practice")
    TeamMembership.objects.create(team=team, user=owner, role=TeamRole.ADMIN)
    TeamMembership.objects.create(team=team, user=stranger, role=TeamRole.MEMBER)
    client = client_for(owner)
    shows = [{}, {"show": "overdue"}, {"show": "week"}, {"show": "archived"}, {"q": "patient"}]

    bulk_cases(owner, stranger, team, 2, start=0)
    # One case of every ten archived, so that every filter has rows to prefetch for.
    Case.objects.filter(patient_name__endswith="1").update(archived_at=NOW)
    client.get(reverse("case_list"))  # the first request of a session warms what it caches
    with_two = [count_queries(client, **params) for params in shows]
    assert names(dashboard(client, show="archived")) == ["Patient 001"]

    bulk_cases(owner, stranger, team, 198, start=2)
    Case.objects.filter(patient_name__endswith="1").update(archived_at=NOW)
    with_two_hundred = [count_queries(client, **params) for params in shows]
    board = dashboard(client).context["board"]

    # Every filter shows a full page of 200 cases in no more queries than "all" shows two: the frame's 4
    # (session, user, profile, expiry), then at most 4. A page with nothing due, or whose cases are all
    # the person's own or advocated (no team can give more), skips the requests or the team shares.
    assert max(with_two_hundred) <= with_two[0] <= 8, (with_two, with_two_hundred)
    assert len(board.rows) == dashboard_module.PAGE_SIZE
    assert board.total == 180
    assert board.overdue_count > 0 and board.this_week_count > 0

    # Page by page, every case once, the most urgent first across the pages.
    size = dashboard_module.PAGE_SIZE
    pages = -(-180 // size)
    rows = []
    for number in range(1, pages + 1):
        rows += dashboard(client, page=str(number)).context["board"].rows
    assert len({row.case.pk for row in rows}) == 180
    assert [row.urgency for row in rows] == sorted(row.urgency for row in rows)
    assert {row.role for row in rows} == {Role.OWNER, Role.ADVOCATE, Role.VIEWER}
    # A made-up page number shows a real page: past the end, the last one; not a number, the first.
    assert dashboard(client, page="99").context["board"].rows == rows[(pages - 1) * size :]
    for made_up in ("0", "-1", "x", "9" * 30):
        assert dashboard(client, page=made_up).status_code == 200
    assert dashboard(client, page="x").context["board"].rows == rows[:size]
    first = dashboard(client).text
    assert f"Cases 1–{size} of 180" in first and 'href="?page=2" rel="next"' in first
    assert 'href="?page=1" rel="prev"' in dashboard(client, page="2").text


def test_a_search_with_control_characters_searches_without_them(owner: User) -> None:
    Case.open_for(owner, patient_name="Robin Shaw")
    client = client_for(owner)
    for query in ("Rob\x00in", "\x00", "Robin\r\n", "Ro\x1bbin"):
        response = dashboard(client, q=query)
        assert names(response) == ["Robin Shaw"], (query, names(response))


def test_the_dashboard_looks_for_waiting_invitations_only_after_a_log_in_found_some(
    case: Case, owner: User, stranger: User
) -> None:
    """Looked up when the person logs in or confirms an address, not on every visit of the dashboard."""
    client = client_for(stranger)
    with CaptureQueriesContext(connection) as seen:
        client.get(reverse("case_list"))
    assert not [query for query in seen.captured_queries if "invitation" in query["sql"]]
