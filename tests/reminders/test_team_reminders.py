"""Reminders reach everyone who helps: someone a team gives a case chooses its reminders on the settings
page, as members do; nobody gets the same reminder twice; and whoever no longer reaches the case (left the
team, the share ended) gets no more of them."""

import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.urls import reverse

from secondop.accounts.models import User
from secondop.cases import sharing, teams
from secondop.cases.models import Case, Membership, Role, Team, TeamMembership, TeamRole, TeamShare
from secondop.records.models import Provider, RecordsRequest
from secondop.records.progress import move
from secondop.reminders import dispatch, scheduling
from secondop.reminders.models import Reminder, ReminderKind, ReminderStatus, TeamFollow
from tests.conftest import client_for, make_user

D = datetime.date
pytestmark = pytest.mark.django_db(transaction=True)  # the settling waits for the commit


@pytest.fixture(autouse=True)
def _on_the_first_of_may() -> Iterator[None]:
    with time_machine.travel(datetime.datetime(2026, 5, 1, 12, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def helper() -> User:
    return make_user("helper@example.com")


@pytest.fixture
def team(case: Case, owner: User, helper: User) -> Team:
    team = teams.start_team("Patient Advocates", owner)
    teams.add_member(team, helper, TeamRole.MEMBER)
    sharing.share_with_team(case, team, Role.ADVOCATE, owner)
    return team


def requested(case: Case, owner: User) -> RecordsRequest:
    holder = Provider.objects.create(case=case, role="current", name="Dr. Chen")
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    move(request, "requested", D(2026, 4, 28), today=D(2026, 4, 28), user=owner)
    return request


def follow_ups(user: User) -> list[Reminder]:
    return list(
        Reminder.objects.filter(recipient=user, kind=ReminderKind.FOLLOW_UP, status=ReminderStatus.SCHEDULED)
    )


def choose(user: User, case: Case, wanted: bool) -> None:
    data = {"form": "cases", f"case-{case.code}": "on"} if wanted else {"form": "cases"}
    assert client_for(user).post(reverse("reminder_settings"), data).status_code == 302


def test_a_team_member_chooses_the_cases_reminders_as_a_member_does(
    case: Case, owner: User, helper: User, team: Team
) -> None:
    requested(case, owner)
    assert follow_ups(helper) == []  # nothing until they choose
    page = client_for(helper).get(reverse("reminder_settings")).content.decode()
    assert f"Get reminders for {case.patient_name} (through your team)" in page

    choose(helper, case, True)
    [reminder] = follow_ups(helper)
    assert reminder.due_on == D(2026, 5, 5)
    assert scheduling.following({(case.pk, helper.pk)}) == {(case.pk, helper.pk)}

    choose(helper, case, False)
    assert follow_ups(helper) == [] and not TeamFollow.objects.exists()


def test_someone_who_is_both_a_member_and_in_the_team_gets_each_reminder_once(
    case: Case, owner: User, advocate: User, team: Team
) -> None:
    teams.add_member(team, advocate, TeamRole.MEMBER)
    Membership.objects.filter(case=case, user=advocate).update(gets_reminders=True)
    TeamFollow.objects.create(user=advocate, case=case)  # chosen before they became a member
    requested(case, owner)
    assert [r.recipient for r in Reminder.objects.filter(kind=ReminderKind.FOLLOW_UP).order_by("pk")] == [
        owner,
        advocate,
    ]
    assert [user.pk for user in scheduling.recipients(case)] == sorted([owner.pk, advocate.pk])


@pytest.mark.parametrize("how", ["leaves the team", "the share ends"])
def test_whoever_no_longer_reaches_the_case_gets_no_more_of_its_reminders(
    case: Case, owner: User, helper: User, team: Team, how: str
) -> None:
    request = requested(case, owner)
    choose(helper, case, True)
    [reminder] = follow_ups(helper)
    if how == "leaves the team":
        teams.leave_team(TeamMembership.objects.get(team=team, user=helper))
    else:
        sharing.unshare(TeamShare.objects.get(case=case, team=team), owner)
    assert follow_ups(helper) == []
    assert not TeamFollow.objects.exists()
    assert [r.recipient for r in follow_ups(owner)] == [owner]
    # And what was claimed before it changed is dropped at sending time, not sent.
    Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.SCHEDULED)
    assert scheduling.following({(request.case_id, helper.pk)}) == set()
    token, ids = dispatch.claim_due(10, now=reminder.due_at)
    outcome = dispatch.deliver([reminder.pk], token) if reminder.pk in ids else None
    assert outcome is not None and outcome.skipped == 1 and outcome.sent == 0


def test_a_member_removed_who_still_follows_through_a_team_keeps_the_reminders(
    case: Case, owner: User, advocate: User, team: Team
) -> None:
    teams.add_member(team, advocate, TeamRole.MEMBER)
    Membership.objects.filter(case=case, user=advocate).update(gets_reminders=True)
    TeamFollow.objects.create(user=advocate, case=case)
    requested(case, owner)
    assert len(follow_ups(advocate)) == 1
    sharing.revoke(Membership.objects.get(case=case, user=advocate), owner)
    assert len(follow_ups(advocate)) == 1
