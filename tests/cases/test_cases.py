from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from secondop.accounts.models import User
from secondop.cases.models import Case, Membership, Role
from tests.conftest import client_for, make_user


@dataclass(frozen=True)
class CaseView:
    name: str
    method: str
    need: str  # "read", "write" or "own"
    data: Callable[[Case], dict[str, str]] = lambda case: {}


CASE_VIEWS = [
    CaseView("case_overview", "get", "read"),
    CaseView("case_edit", "get", "write"),
    CaseView("case_edit", "post", "write", lambda case: {"patient_name": "Changed", "concern": ""}),
    CaseView("case_archive", "post", "own"),
    CaseView("case_unarchive", "post", "own"),
]
ROLE_CAN = {"owner": {"read", "write", "own"}, "advocate": {"read", "write"}, "viewer": {"read"}}


def request(client: Client, view: CaseView, case: Case) -> Any:
    url = reverse(view.name, args=[case.code])
    return getattr(client, view.method)(url, view.data(case))


@pytest.mark.parametrize("view", CASE_VIEWS, ids=lambda v: f"{v.method}-{v.name}")
def test_a_stranger_gets_404_and_changes_nothing(view: CaseView, case: Case, stranger: User) -> None:
    before = Case.objects.values().get(pk=case.pk)
    response = request(client_for(stranger), view, case)
    assert response.status_code == 404
    assert Case.objects.values().get(pk=case.pk) == before


@pytest.mark.parametrize("view", CASE_VIEWS, ids=lambda v: f"{v.method}-{v.name}")
@pytest.mark.parametrize("role", ["owner", "advocate", "viewer"])
def test_each_role_may_do_exactly_what_it_allows(
    view: CaseView, role: str, case: Case, request: pytest.FixtureRequest
) -> None:
    member = request.getfixturevalue(role)
    before = Case.objects.values().get(pk=case.pk)
    response = globals()["request"](client_for(member), view, case)
    if view.need in ROLE_CAN[role]:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403
        assert Case.objects.values().get(pk=case.pk) == before


@pytest.mark.parametrize("view", CASE_VIEWS, ids=lambda v: f"{v.method}-{v.name}")
def test_someone_logged_out_is_sent_to_log_in(view: CaseView, case: Case) -> None:
    response = request(Client(), view, case)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_for_user_holds_only_the_cases_a_person_is_a_member_of(case: Case, stranger: User) -> None:
    own = Case.open_for(stranger, patient_name="Sam")
    assert list(Case.objects.for_user(stranger)) == [own]
    assert case in Case.objects.for_user(case.memberships.get(role=Role.VIEWER).user)


def test_my_cases_lists_mine_and_not_a_strangers(case: Case, stranger: User) -> None:
    Case.open_for(stranger, patient_name="Somebody Else")
    response = client_for(case.memberships.get(role=Role.ADVOCATE).user).get(reverse("case_list"))
    assert response.status_code == 200
    assert "Alex Rivera" in response.text
    assert "Somebody Else" not in response.text


def test_my_cases_explains_what_to_do_first_when_there_are_none(stranger: User) -> None:
    response = client_for(stranger).get(reverse("case_list"))
    assert "Start with your first case" in response.text
    assert reverse("case_new") in response.text


def test_an_htmx_request_gets_only_the_rows(case: Case, owner: User) -> None:
    response = client_for(owner).get(reverse("case_list"), headers={"HX-Request": "true"})
    assert "Alex Rivera" in response.text
    assert "<html" not in response.text
    assert "HX-Request" in response["Vary"]


def test_opening_a_case_makes_me_its_owner(stranger: User) -> None:
    response = client_for(stranger).post(
        reverse("case_new"), {"patient_name": "  Jordan   Lee ", "concern": "my scan"}
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert case.patient_name == "Jordan Lee"
    assert Membership.objects.get(case=case).role == Role.OWNER
    assert Membership.objects.get(case=case).user == stranger


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_a_case_without_a_usable_name_is_refused_with_a_message(stranger: User, name: str) -> None:
    response = client_for(stranger).post(reverse("case_new"), {"patient_name": name, "concern": "kept"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert 'value="kept"' in response.text  # nothing the user typed is lost
    assert not Case.objects.exists()


def test_archiving_hides_the_case_and_unarchiving_brings_it_back(case: Case, owner: User) -> None:
    client = client_for(owner)
    client.post(reverse("case_archive", args=[case.code]), follow=True)
    case.refresh_from_db()
    assert case.is_archived
    assert "Alex Rivera" not in client.get(reverse("case_list")).text
    assert "Alex Rivera" in client.get(reverse("case_list") + "?show=archived").text
    client.post(reverse("case_unarchive", args=[case.code]))
    case.refresh_from_db()
    assert not case.is_archived


def test_an_advocate_edits_the_case(case: Case, advocate: User) -> None:
    response = client_for(advocate).post(
        reverse("case_edit", args=[case.code]), {"patient_name": "Alex R.", "concern": "the MRI"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.patient_name, case.concern) == ("Alex R.", "the MRI")


def test_a_made_up_case_code_is_404(owner: User) -> None:
    response = client_for(owner).get("/cases/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404
    assert client_for(owner).get("/cases/not-a-uuid/").status_code == 404


def test_the_overview_shows_the_members_and_the_viewer_gets_no_write_controls(
    case: Case, viewer: User
) -> None:
    response = client_for(viewer).get(case.get_absolute_url())
    assert "advocate@example.com" in response.text
    assert reverse("case_edit", args=[case.code]) not in response.text


def test_membership_is_unique_per_case_and_user(case: Case, owner: User) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(case=case, user=owner, role=Role.VIEWER)


def test_helpers_make_verified_users(db: None) -> None:
    from allauth.account.models import EmailAddress

    user = make_user("someone@example.com")
    assert EmailAddress.objects.get(user=user).verified


def test_the_case_overview_reads_as_many_queries_for_thirty_people_and_steps_as_for_three(
    case: Case, advocate: User
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from secondop.cases.models import ChecklistItem

    client = client_for(advocate)

    def queries() -> int:
        client.get(case.get_absolute_url())  # the audit trail's first view is written once
        with CaptureQueriesContext(connection) as captured:
            response = client.get(case.get_absolute_url())
        assert response.status_code == 200
        return len(captured)

    few = queries()
    for number in range(27):
        Membership.objects.create(case=case, user=make_user(f"helper{number}@example.com"), role=Role.VIEWER)
        ChecklistItem.objects.create(case=case, title=f"Step {number}", position=100 + number)
    assert case.memberships.count() == 30
    assert queries() == few


def test_the_overview_reads_as_many_queries_whatever_the_case_holds(case: Case, advocate: User) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from secondop.cases.models import ChecklistItem, Question

    client = client_for(advocate)  # not the owner: the view is in the audit trail too
    client.get(reverse("case_overview", args=[case.code]))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("case_overview", args=[case.code])).status_code == 200
        return len(queries)

    small = count()
    for number in range(30):
        member = make_user(f"member{number}@example.com")
        Membership.objects.create(case=case, user=member, role=Role.VIEWER)
        ChecklistItem.objects.create(case=case, title=f"Step {number}", position=10 + number)
        Question.objects.create(case=case, text=f"Question {number}?")
    assert count() == small <= 10
