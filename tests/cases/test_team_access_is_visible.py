"""The patient sees everyone who can reach their case through a team: on the People page, with the day
each joined the team, and in the audit trail, as people join and leave."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from secondop.accounts.models import User
from secondop.cases import sharing
from secondop.cases.models import AuditAction, Case, Role, Team, TeamMembership, TeamRole
from tests.conftest import client_for, make_user

STARTED = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
OWNER_JOINED = datetime.datetime(2026, 3, 9, 10, 0, tzinfo=datetime.UTC)
SHARED = datetime.datetime(2026, 4, 1, 10, 0, tzinfo=datetime.UTC)
LATER = datetime.datetime(2026, 4, 20, 10, 0, tzinfo=datetime.UTC)


def join_by_invitation(team: Team, admin: User, person: User) -> None:
    """The admin invites through the team's page; the person accepts through the link."""
    response = client_for(admin).post(
        reverse("team_detail", args=[team.pk]), {"action": "invite", "email": person.email, "role": "member"}
    )
    assert response.status_code == 302
    match = re.search(r"http://[^/\s]+(/invitations/[^/\s]+/)", str(mail.outbox[-1].body))
    assert match
    assert client_for(person).post(match.group(1)).status_code == 302


@pytest.fixture
def admin(db: None) -> User:
    return make_user("admin@example.com")


@pytest.fixture
def team(admin: User, owner: User) -> Team:
    """A practice whose admin started it on 2 March; the patient joined it on 9 March."""
    with time_machine.travel(STARTED, tick=False):
        client_for(admin).post(reverse("teams"), {"name": "Rivera Advocacy"})
    team = Team.objects.get()
    with time_machine.travel(OWNER_JOINED, tick=False):
        TeamMembership.objects.create(team=team, user=owner)
    return team


@pytest.fixture
def shared(case: Case, team: Team, owner: User) -> Case:
    """The patient shares their case with the practice, on 1 April, for advocates."""
    with time_machine.travel(SHARED, tick=False):
        response = client_for(owner).post(
            reverse("team_share", args=[case.code]), {"team": team.pk, "role": "advocate"}
        )
    assert response.status_code == 302
    return case


def trail(case: Case) -> list[tuple[str, str, str]]:
    return list(case.audit_events.order_by("at", "pk").values_list("actor_email", "action", "detail"))


def test_sharing_with_a_team_lists_who_is_in_it_in_the_audit_trail(shared: Case, owner: User) -> None:
    assert trail(shared) == [
        ("owner@example.com", AuditAction.TEAM_SHARED, "Rivera Advocacy as advocate"),
        (
            "admin@example.com",
            AuditAction.TEAM_MEMBER,
            "Rivera Advocacy (since 2 Mar 2026) and can read and change this case",
        ),
        (
            "owner@example.com",
            AuditAction.TEAM_MEMBER,
            "Rivera Advocacy (since 9 Mar 2026) and can read and change this case",
        ),
    ]
    page = client_for(owner).get(reverse("audit_trail", args=[shared.code])).text
    assert (
        "<strong>admin@example.com</strong> is in the team Rivera Advocacy (since 2 Mar 2026) and can read "
        "and change this case" in page
    )


def test_the_people_page_shows_everyone_in_a_sharing_team_with_when_they_joined(
    shared: Case, team: Team, owner: User
) -> None:
    with time_machine.travel(LATER, tick=False):
        TeamMembership.objects.create(team=team, user=make_user("newcomer@example.com"))
    # The owner; the other members see the team, not its roster (the test below).
    page = client_for(owner).get(reverse("people", args=[shared.code])).text
    assert "Team Rivera Advocacy" in page
    assert re.search(r"admin@example.com\s*<span class=\"muted\">— in the team since 2 Mar 2026", page)
    assert re.search(r"newcomer@example.com\s*<span class=\"muted\">— in the team since 20 Apr 2026", page)


def test_someone_joining_a_team_shows_in_the_trail_of_every_case_shared_with_it(
    shared: Case, team: Team, owner: User, admin: User
) -> None:
    with time_machine.travel(SHARED, tick=False):
        other = Case.open_for(owner, patient_name="Second case")
        client_for(owner).post(reverse("team_share", args=[other.code]), {"team": team.pk, "role": "viewer"})
    newcomer = make_user("newcomer@example.com")
    with time_machine.travel(LATER, tick=False):
        join_by_invitation(team, admin, newcomer)
    assert trail(shared)[-1] == (
        "newcomer@example.com",
        AuditAction.TEAM_JOINED,
        "Rivera Advocacy (invited by admin@example.com) and can now read and change this case",
    )
    assert trail(other)[-1] == (
        "newcomer@example.com",
        AuditAction.TEAM_JOINED,
        "Rivera Advocacy (invited by admin@example.com) and can now read this case",
    )
    page = client_for(owner).get(reverse("audit_trail", args=[shared.code])).text
    assert (
        "<strong>newcomer@example.com</strong> joined the team Rivera Advocacy (invited by admin@example.com)"
        in page
    )
    people = client_for(owner).get(reverse("people", args=[shared.code])).text
    assert "newcomer@example.com" in people and "in the team since 20 Apr 2026" in people


def test_someone_leaving_or_removed_from_a_team_shows_in_the_trail(
    shared: Case, team: Team, owner: User, admin: User
) -> None:
    leaver, removed = make_user("leaver@example.com"), make_user("removed@example.com")
    join_by_invitation(team, admin, leaver)
    join_by_invitation(team, admin, removed)
    client_for(leaver).post(reverse("team_leave", args=[team.pk]))
    membership = team.members.get(user=removed)
    client_for(admin).post(reverse("team_member_remove", args=[team.pk, membership.pk]))
    assert trail(shared)[-2:] == [
        ("leaver@example.com", AuditAction.TEAM_LEFT, "Rivera Advocacy"),
        ("admin@example.com", AuditAction.TEAM_REMOVED, "removed@example.com from the team Rivera Advocacy"),
    ]
    page = client_for(owner).get(reverse("audit_trail", args=[shared.code])).text
    assert "<strong>leaver@example.com</strong> left the team Rivera Advocacy" in page
    assert (
        "<strong>admin@example.com</strong> removed removed@example.com from the team Rivera Advocacy" in page
    )
    people = client_for(owner).get(reverse("people", args=[shared.code])).text
    assert "leaver@example.com" not in people and "removed@example.com" not in people


def test_only_the_owner_reads_the_rosters_of_the_teams_a_case_is_shared_with(
    case: Case, owner: User, viewer: User
) -> None:
    """One practice's members are not another's to read: the owner sees who reaches the case, the other
    readers see which teams do."""
    other_admin = make_user("admin-b@practice-b.example")
    User.objects.filter(pk=other_admin.pk).update(display_name="Dr Bob Private")
    team_a = Team.objects.create(name="Practice A", created_by=owner)
    team_b = Team.objects.create(name="Practice B", created_by=other_admin)
    TeamMembership.objects.create(team=team_a, user=owner, role=TeamRole.ADMIN)
    a_member = make_user("a-member@practice-a.example")
    TeamMembership.objects.create(team=team_a, user=a_member)
    TeamMembership.objects.create(team=team_b, user=other_admin, role=TeamRole.ADMIN)
    TeamMembership.objects.create(team=team_b, user=owner)
    sharing.share_with_team(case, team_a, Role.VIEWER, owner)
    sharing.share_with_team(case, team_b, Role.VIEWER, owner)
    for reader in (a_member, viewer):
        page = client_for(reader).get(reverse("people", args=[case.code])).text
        assert "Team Practice B" in page
        assert "admin-b@practice-b.example" not in page and "Dr Bob Private" not in page
    page = client_for(owner).get(reverse("people", args=[case.code])).text
    assert "admin-b@practice-b.example" in page and "Dr Bob Private" in page
