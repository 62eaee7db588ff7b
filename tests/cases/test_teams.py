import datetime
import re
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from secondop.accounts.models import User
from secondop.cases import sharing, teams
from secondop.cases.models import Case, Membership, Role, Team, TeamInvitation, TeamMembership, TeamRole
from tests.conftest import PASSWORD, client_for, make_user


@pytest.fixture
def admin(db: None) -> User:
    return make_user("admin@example.com")


@pytest.fixture
def member(db: None) -> User:
    return make_user("member@example.com")


@pytest.fixture
def team(admin: User, member: User) -> Team:
    """A practice started by its admin, with one other member."""
    client_for(admin).post(reverse("teams"), {"name": "Rivera Advocacy"})
    team = Team.objects.get()
    TeamMembership.objects.create(team=team, user=member, role=TeamRole.MEMBER)
    return team


@pytest.fixture
def team_case(team: Team, admin: User) -> Case:
    """A case its owner (the admin) shares with the team, for advocates."""
    case = Case.open_for(admin, patient_name="Tess Teamshared")
    sharing.share_with_team(case, team, Role.ADVOCATE, by=admin)
    return case


def snapshot(team: Team) -> list[object]:
    return [
        list(Team.objects.filter(pk=team.pk).values()),
        sorted(TeamMembership.objects.filter(team=team).values_list("user__email", "role")),
        list(TeamInvitation.objects.filter(team=team).order_by("pk").values()),
    ]


def link_in(message: Any) -> str:
    match = re.search(r"http://[^/\s]+(/invitations/[^/\s]+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def invite(client: Client, team: Team, email: str, role: str = "member") -> str:
    """Invites through the team's page; returns the path of the link the invited person gets."""
    response = client.post(
        reverse("team_detail", args=[team.pk]), {"action": "invite", "email": email, "role": role}
    )
    assert response.status_code == 302, response.content
    assert mail.outbox[-1].to == [email.strip().lower()]
    return link_in(mail.outbox[-1])


@dataclass(frozen=True)
class TeamUrl:
    name: str
    method: str
    admin_only: bool
    data: dict[str, str]


def team_urls(team: Team, member: User) -> list[tuple[str, TeamUrl]]:
    membership = TeamMembership.objects.get(team=team, user=member)
    admin = team.members.get(role=TeamRole.ADMIN).user
    invitation = (
        TeamInvitation.objects.filter(team=team).first()
        or (teams.invite_member(team, admin, "invited@example.com", TeamRole.MEMBER)[0])
    )
    detail = reverse("team_detail", args=[team.pk])
    return [
        (detail, TeamUrl("team_detail", "get", False, {})),
        (
            detail,
            TeamUrl(
                "team_detail invite",
                "post",
                True,
                {"action": "invite", "email": "viewer@example.com", "role": "member"},
            ),
        ),
        (
            reverse("team_invitation_cancel", args=[team.pk, invitation.pk]),
            TeamUrl("team_invitation_cancel", "post", True, {}),
        ),
        (
            detail,
            TeamUrl(
                "team_detail role",
                "post",
                True,
                {"action": "role", "member": str(membership.pk), "role": "admin"},
            ),
        ),
        (
            reverse("team_member_remove", args=[team.pk, membership.pk]),
            TeamUrl("team_member_remove", "post", True, {}),
        ),
        (reverse("team_leave", args=[team.pk]), TeamUrl("team_leave", "post", False, {})),
    ]


def call(client: Client, url: str, view: TeamUrl) -> Any:
    return getattr(client, view.method)(url, view.data)


def test_someone_outside_the_team_gets_404_everywhere_and_changes_nothing(
    team: Team, member: User, stranger: User, viewer: User
) -> None:
    urls = team_urls(team, member)
    before = snapshot(team)
    for url, view in urls:
        assert call(client_for(stranger), url, view).status_code == 404, view.name
    assert client_for(stranger).get(reverse("team_detail", args=[team.pk + 1000])).status_code == 404
    assert snapshot(team) == before


def test_a_member_who_is_not_admin_gets_403_on_what_only_admins_do(
    team: Team, member: User, viewer: User
) -> None:
    urls = team_urls(team, member)
    before = snapshot(team)
    for url, view in urls:
        if view.admin_only:
            assert call(client_for(member), url, view).status_code == 403, view.name
    assert snapshot(team) == before


def test_someone_logged_out_is_sent_to_log_in(team: Team, member: User) -> None:
    for url, view in [*team_urls(team, member), (reverse("teams"), TeamUrl("teams", "get", False, {}))]:
        response = call(Client(), url, view)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_the_actions_take_only_posts(team: Team, member: User) -> None:
    team_urls(team, member)  # makes an invitation
    membership = TeamMembership.objects.get(team=team, user=member)
    client = client_for(member)
    assert client.get(reverse("team_leave", args=[team.pk])).status_code == 405
    assert client.get(reverse("team_member_remove", args=[team.pk, membership.pk])).status_code == 405
    invitation = TeamInvitation.objects.get()
    assert client.get(reverse("team_invitation_cancel", args=[team.pk, invitation.pk])).status_code == 405


def test_starting_a_team_makes_me_its_admin(stranger: User) -> None:
    response = client_for(stranger).post(reverse("teams"), {"name": "  Lee   & Partners "})
    team = Team.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("team_detail", args=[team.pk])
    assert team.name == "Lee & Partners"
    assert team.created_by == stranger
    assert list(team.members.values_list("user", "role")) == [(stranger.pk, TeamRole.ADMIN)]


def test_one_person_starts_at_most_three_teams_a_day(stranger: User) -> None:
    client = client_for(stranger)
    for n in range(3):
        assert client.post(reverse("teams"), {"name": f"Practice {n}"}).status_code == 302
    response = client.post(reverse("teams"), {"name": "Practice 4"})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.text
    assert "You have started many teams today. Try again tomorrow." in response.text
    assert 'value="Practice 4"' in response.text
    assert Team.objects.count() == 3
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        assert client.post(reverse("teams"), {"name": "Practice 4"}).status_code == 302


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_a_team_without_a_usable_name_is_refused_next_to_the_field(stranger: User, name: str) -> None:
    response = client_for(stranger).post(reverse("teams"), {"name": name})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert not Team.objects.exists()


def test_the_list_shows_my_teams_and_not_others(team: Team, member: User, stranger: User) -> None:
    other = Team.objects.create(name="Somebody Else's Practice")
    TeamMembership.objects.create(team=other, user=stranger, role=TeamRole.ADMIN)
    response = client_for(member).get(reverse("teams"))
    assert response.status_code == 200
    assert "Rivera Advocacy" in response.text
    assert "You are member · 2 members · 0 shared cases" in response.text
    assert "Somebody Else" not in response.text


def test_with_no_team_the_list_says_what_to_do(stranger: User) -> None:
    response = client_for(stranger).get(reverse("teams"))
    assert "You are not in a team yet" in response.text
    assert 'for="id_name"' in response.text


def test_the_team_page_shows_the_members_their_roles_and_the_shared_cases(
    team_case: Case, team: Team, member: User
) -> None:
    response = client_for(member).get(reverse("team_detail", args=[team.pk]))
    assert response.status_code == 200
    assert "admin@example.com" in response.text and "member@example.com (you)" in response.text
    assert "Admin" in response.text and "Member" in response.text
    assert "Tess Teamshared" in response.text
    assert team_case.get_absolute_url() in response.text
    assert "The team's role: Advocate" in response.text
    assert reverse(
        "team_member_remove", args=[team.pk, team.members.get(user__email="admin@example.com").pk]
    ) not in (response.text)  # a member gets no admin controls
    assert 'name="action" value="invite"' not in response.text


def test_the_admin_sees_the_controls(team: Team, admin: User) -> None:
    response = client_for(admin).get(reverse("team_detail", args=[team.pk]))
    membership = team.members.get(user__email="member@example.com")
    assert reverse("team_member_remove", args=[team.pk, membership.pk]) in response.text
    assert 'name="action" value="invite"' in response.text
    assert 'for="id_email"' in response.text


def test_an_admins_invitation_gives_no_access_until_the_invited_person_accepts_it(
    team_case: Case, team: Team, admin: User, viewer: User
) -> None:
    response = client_for(admin).post(
        reverse("team_detail", args=[team.pk]),
        {"action": "invite", "email": " Viewer@Example.COM ", "role": "member"},
        follow=True,
    )
    assert "Invitation sent to viewer@example.com. It works for 7 days." in response.text
    assert not team.members.filter(user=viewer).exists()
    assert client_for(viewer).get(team_case.get_absolute_url()).status_code == 404
    link = link_in(mail.outbox[-1])

    joined = client_for(viewer).post(link)
    assert joined.status_code == 302 and joined["Location"] == reverse("team_detail", args=[team.pk])
    assert team.members.get(user=viewer).role == TeamRole.MEMBER
    assert client_for(viewer).get(team_case.get_absolute_url()).status_code == 200
    assert "Tess Teamshared" in client_for(viewer).get(reverse("case_list")).text
    again = client_for(viewer).post(link)
    assert again.status_code == 410 and "already used" in again.text


def test_an_admin_cannot_put_someone_in_the_team_without_their_yes(
    team_case: Case, team: Team, admin: User, viewer: User
) -> None:
    """Adding an account by typing its address (how teams grew before invitations) does nothing."""
    before = snapshot(team)
    response = client_for(admin).post(
        reverse("team_detail", args=[team.pk]), {"action": "add", "email": viewer.email, "role": "admin"}
    )
    assert response.status_code == 400
    assert snapshot(team) == before
    assert client_for(viewer).get(team_case.get_absolute_url()).status_code == 404


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    team: Team, admin: User, viewer: User
) -> None:
    client = client_for(admin)
    answers = []
    for email in ("viewer@example.com", "nobody@example.com"):
        response = client.post(
            reverse("team_detail", args=[team.pk]), {"action": "invite", "email": email, "role": "admin"}
        )
        page = client.get(response["Location"]).text
        sent = mail.outbox[-1]
        assert sent.to == [email]
        answers.append(
            (
                response.status_code,
                response["Location"],
                re.findall(r'<p class="message[^>]*>(.*?)</p>', page.replace(email, "EMAIL")),
                sent.subject,
                str(sent.body).replace(link_in(sent), "LINK"),
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][2] == ["Invitation sent to EMAIL. It works for 7 days."]
    assert "sign up" in answers[0][4]
    assert sorted(TeamInvitation.objects.values_list("email", flat=True)) == [
        "nobody@example.com",
        "viewer@example.com",
    ]
    assert not team.members.filter(user=viewer).exists()


def test_someone_new_signs_up_from_a_team_invitation_and_joins(
    team_case: Case, team: Team, admin: User
) -> None:
    link = invite(client_for(admin), team, "new.person@example.com")
    visitor = Client()
    assert "Sign up" in visitor.get(link).text
    visitor.post(
        reverse("account_signup") + f"?next={link}",
        {"email": "new.person@example.com", "password1": PASSWORD, "password2": PASSWORD, "next": link},
    )
    confirm = re.search(r"http://[^/\s]+(/accounts/confirm-email/\S+/)", str(mail.outbox[-1].body))
    assert confirm
    assert visitor.post(confirm.group(1))["Location"] == link  # back at the one Join step
    assert visitor.post(link)["Location"] == reverse("team_detail", args=[team.pk])
    assert team.members.filter(user__email="new.person@example.com").exists()
    assert visitor.get(team_case.get_absolute_url()).status_code == 200


def test_a_team_invitation_opened_by_another_account_changes_nothing(
    team: Team, admin: User, stranger: User
) -> None:
    link = invite(client_for(admin), team, "someone.else@example.com")
    before = snapshot(team)
    response = client_for(stranger).post(link)
    assert response.status_code == 403 and "another e-mail address" in response.text
    assert snapshot(team) == before


def test_a_team_invitation_needs_the_invited_address_confirmed(team: Team, admin: User) -> None:
    unconfirmed = make_user("unconfirmed@example.com", verified=False)
    EmailAddress.objects.create(user=unconfirmed, email=unconfirmed.email, primary=True, verified=False)
    link = invite(client_for(admin), team, "unconfirmed@example.com")
    before = snapshot(team)
    response = client_for(unconfirmed).post(link)
    assert response.status_code == 403 and "confirm your e-mail address" in response.text
    assert snapshot(team) == before


def test_an_expired_team_invitation_changes_nothing(team: Team, admin: User, viewer: User) -> None:
    link = invite(client_for(admin), team, viewer.email)
    before = snapshot(team)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        response = client_for(viewer).post(link)
    assert response.status_code == 410 and "expired" in response.text
    assert snapshot(team) == before


def test_admins_see_and_cancel_waiting_team_invitations(
    team: Team, admin: User, member: User, viewer: User
) -> None:
    link = invite(client_for(admin), team, viewer.email)
    invitation = TeamInvitation.objects.get()
    cancel = reverse("team_invitation_cancel", args=[team.pk, invitation.pk])
    page = client_for(admin).get(reverse("team_detail", args=[team.pk])).text
    assert "viewer@example.com" in page and cancel in page
    assert "viewer@example.com" not in client_for(member).get(reverse("team_detail", args=[team.pk])).text
    assert client_for(member).post(cancel).status_code == 403
    response = client_for(admin).post(cancel, follow=True)
    assert "The invitation to viewer@example.com is cancelled." in response.text
    assert cancel not in response.text
    refused = client_for(viewer).post(link)
    assert refused.status_code == 410 and "cancelled" in refused.text
    assert not team.members.filter(user=viewer).exists()


def test_the_team_invitation_mail_names_the_inviter_only_by_their_confirmed_address(
    admin: User, viewer: User
) -> None:
    admin.display_name = "Your GP's office - urgent: confirm your results at https://evil.example"
    admin.save()
    client = client_for(admin)
    client.post(reverse("teams"), {"name": "URGENT call 555-0100 https://evil.example"})
    team = Team.objects.get()
    invite(client, team, viewer.email)
    sent = mail.outbox[-1]
    text = sent.subject + str(sent.body)
    assert "admin@example.com invited you" in text
    assert "evil.example" not in text and "GP" not in text and "555" not in text


def test_someone_without_a_confirmed_address_cannot_invite_to_a_team(team: Team, admin: User) -> None:
    EmailAddress.objects.filter(user=admin).update(verified=False)
    before = snapshot(team)
    response = client_for(admin).post(
        reverse("team_detail", args=[team.pk]),
        {"action": "invite", "email": "viewer@example.com", "role": "member"},
    )
    assert response.status_code == 200
    assert "Please confirm your e-mail address first" in response.text
    assert 'value="viewer@example.com"' in response.text  # nothing the admin typed is lost
    assert not mail.outbox
    assert snapshot(team) == before


def test_team_invitations_stop_at_twenty_a_day_per_team(team: Team, admin: User, member: User) -> None:
    TeamMembership.objects.filter(team=team, user=member).update(role=TeamRole.ADMIN)
    for n in range(15):
        invite(client_for(admin), team, f"a{n}@example.com")
    for n in range(5):
        invite(client_for(member), team, f"b{n}@example.com")
    before, sent = snapshot(team), len(mail.outbox)
    response = client_for(member).post(
        reverse("team_detail", args=[team.pk]),
        {"action": "invite", "email": "c@example.com", "role": "member"},
    )
    assert response.status_code == 200
    assert "This team has had many invitations today. Try again tomorrow." in response.text
    assert snapshot(team) == before and len(mail.outbox) == sent
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        invite(client_for(member), team, "c@example.com")


def test_team_invitations_stop_at_twenty_a_day_per_person(team: Team, admin: User) -> None:
    client = client_for(admin)
    client.post(reverse("teams"), {"name": "Second practice"})
    second = Team.objects.get(name="Second practice")
    for n in range(12):
        invite(client, team, f"a{n}@example.com")
    for n in range(8):
        invite(client, second, f"b{n}@example.com")
    before, sent = snapshot(second), len(mail.outbox)
    response = client.post(
        reverse("team_detail", args=[second.pk]),
        {"action": "invite", "email": "c@example.com", "role": "member"},
    )
    assert "You have sent many invitations today. Try again tomorrow." in response.text
    assert snapshot(second) == before and len(mail.outbox) == sent


def test_someone_already_in_the_team_is_not_invited(team: Team, admin: User) -> None:
    before = snapshot(team)
    response = client_for(admin).post(
        reverse("team_detail", args=[team.pk]),
        {"action": "invite", "email": "member@example.com", "role": "admin"},
    )
    assert "already in this team" in response.text
    assert snapshot(team) == before
    assert not mail.outbox


def test_an_admin_changes_a_members_role(team: Team, admin: User, member: User) -> None:
    membership = team.members.get(user=member)
    client = client_for(admin)
    client.post(
        reverse("team_detail", args=[team.pk]), {"action": "role", "member": membership.pk, "role": "admin"}
    )
    membership.refresh_from_db()
    assert membership.role == TeamRole.ADMIN
    # Now the former member may do what admins do.
    response = client_for(member).post(
        reverse("team_detail", args=[team.pk]), {"action": "role", "member": membership.pk, "role": "member"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == TeamRole.MEMBER


def test_the_last_admin_cannot_step_down(team: Team, admin: User) -> None:
    mine = team.members.get(user=admin)
    before = snapshot(team)
    response = client_for(admin).post(
        reverse("team_detail", args=[team.pk]),
        {"action": "role", "member": mine.pk, "role": "member"},
        follow=True,
    )
    assert "A team needs at least one admin" in response.text
    assert snapshot(team) == before


def test_a_made_up_role_or_member_changes_nothing(team: Team, admin: User, stranger: User) -> None:
    other = Team.objects.create(name="Other")
    strangers = TeamMembership.objects.create(team=other, user=stranger, role=TeamRole.MEMBER)
    membership = team.members.get(user__email="member@example.com")
    url = reverse("team_detail", args=[team.pk])
    client = client_for(admin)
    assert client.post(url, {"action": "role", "member": membership.pk, "role": "owner"}).status_code == 400
    assert client.post(url, {"action": "role", "member": strangers.pk, "role": "admin"}).status_code == 404
    assert client.post(url, {"action": "dance"}).status_code == 400
    assert client.post(reverse("team_member_remove", args=[team.pk, strangers.pk])).status_code == 404
    strangers.refresh_from_db()
    membership.refresh_from_db()
    assert (strangers.role, membership.role) == (TeamRole.MEMBER, TeamRole.MEMBER)


def test_removing_a_member_takes_the_teams_cases_away_at_once(
    team_case: Case, team: Team, admin: User, member: User
) -> None:
    client = client_for(member)  # signed in before, still signed in after
    assert client.get(team_case.get_absolute_url()).status_code == 200
    membership = team.members.get(user=member)
    response = client_for(admin).post(
        reverse("team_member_remove", args=[team.pk, membership.pk]), follow=True
    )
    assert "no longer in the team" in response.text
    assert not team.members.filter(user=member).exists()
    assert client.get(team_case.get_absolute_url()).status_code == 404
    assert "Tess Teamshared" not in client.get(reverse("case_list")).text
    assert client.get(reverse("team_detail", args=[team.pk])).status_code == 404


def test_the_last_admin_cannot_be_removed(team: Team, admin: User) -> None:
    mine = team.members.get(user=admin)
    before = snapshot(team)
    response = client_for(admin).post(reverse("team_member_remove", args=[team.pk, mine.pk]), follow=True)
    assert "A team needs at least one admin" in response.text
    assert snapshot(team) == before


def test_an_admin_removing_themself_when_another_admin_remains_leaves(
    team: Team, admin: User, member: User
) -> None:
    TeamMembership.objects.filter(team=team, user=member).update(role=TeamRole.ADMIN)
    mine = team.members.get(user=admin)
    response = client_for(admin).post(reverse("team_member_remove", args=[team.pk, mine.pk]))
    assert response["Location"] == reverse("teams")
    assert list(team.members.values_list("user__email", flat=True)) == ["member@example.com"]


def test_leaving_takes_the_teams_cases_away_at_once(team_case: Case, team: Team, member: User) -> None:
    client = client_for(member)
    assert client.get(team_case.get_absolute_url()).status_code == 200
    response = client.post(reverse("team_leave", args=[team.pk]))
    assert response["Location"] == reverse("teams")
    assert not team.members.filter(user=member).exists()
    assert client.get(team_case.get_absolute_url()).status_code == 404
    assert "Tess Teamshared" not in client.get(reverse("case_list")).text
    assert "Rivera Advocacy" not in client.get(reverse("teams")).text


def test_leaving_keeps_the_cases_i_was_invited_to_myself(team_case: Case, team: Team, member: User) -> None:
    Membership.objects.create(case=team_case, user=member, role=Role.VIEWER)
    client = client_for(member)
    client.post(reverse("team_leave", args=[team.pk]))
    assert client.get(team_case.get_absolute_url()).status_code == 200
    assert client.post(reverse("case_edit", args=[team_case.code]), {"patient_name": "X"}).status_code == 403


def test_the_last_admin_must_make_someone_else_admin_before_leaving(
    team_case: Case, team: Team, admin: User, member: User
) -> None:
    client = client_for(admin)
    before = snapshot(team)
    response = client.post(reverse("team_leave", args=[team.pk]), follow=True)
    assert "Make someone else admin first" in response.text
    assert snapshot(team) == before

    membership = team.members.get(user=member)
    client.post(
        reverse("team_detail", args=[team.pk]), {"action": "role", "member": membership.pk, "role": "admin"}
    )
    assert client.post(reverse("team_leave", args=[team.pk])).status_code == 302
    assert list(team.members.values_list("user__email", "role")) == [("member@example.com", TeamRole.ADMIN)]
    # The admin owns the case itself, so it stays theirs; the team keeps it too.
    assert client.get(team_case.get_absolute_url()).status_code == 200
    assert client_for(member).get(team_case.get_absolute_url()).status_code == 200


def test_settings_link_to_teams(stranger: User) -> None:
    response = client_for(stranger).get(reverse("profile_settings"))
    assert f'href="{reverse("teams")}"' in response.text


def test_the_invitations_of_an_admin_who_is_removed_stop_working(
    team_case: Case, team: Team, admin: User, member: User, stranger: User
) -> None:
    """A rogue admin invites an accomplice, and is removed before the accomplice accepts: the invitation
    goes with the admin's rights, and the accomplice never reaches the patient's case."""
    teams.change_role(team.members.get(user=member), TeamRole.ADMIN)
    client_for(member).post(
        reverse("team_detail", args=[team.pk]), {"action": "invite", "email": stranger.email, "role": "admin"}
    )
    link = link_in(mail.outbox[-1])
    client_for(admin).post(reverse("team_member_remove", args=[team.pk, team.members.get(user=member).pk]))
    assert not team.members.filter(user=member).exists()

    refused = client_for(stranger).post(link)
    assert refused.status_code == 403 and "can no longer invite" in refused.text
    assert not team.members.filter(user=stranger).exists()
    assert client_for(stranger).get(team_case.get_absolute_url()).status_code == 404


def test_someone_removed_cannot_come_back_through_an_invitation_to_their_other_address(
    team_case: Case, team: Team, admin: User
) -> None:
    person = make_user("x-home@example.com")
    EmailAddress.objects.create(user=person, email="x-work@example.com", primary=False, verified=True)
    admin_client = client_for(admin)
    for address in ("x-work@example.com", "x-home@example.com"):
        admin_client.post(
            reverse("team_detail", args=[team.pk]), {"action": "invite", "email": address, "role": "member"}
        )
    assert client_for(person).post(link_in(mail.outbox[-1])).status_code == 302
    membership = team.members.get(user=person)
    admin_client.post(reverse("team_member_remove", args=[team.pk, membership.pk]))

    waiting = TeamInvitation.objects.get(email="x-work@example.com")
    assert waiting.cancelled_at is not None
    client_for(person).post(reverse("case_list"), {"invitation": f"team-{waiting.pk}"})
    assert not team.members.filter(user=person).exists()
    assert client_for(person).get(team_case.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("address", ["someone@[127.0.0.1]", "someone@[10.0.0.5]"])
def test_an_invitation_to_an_address_at_an_ip_literal_is_refused(
    team: Team, admin: User, address: str
) -> None:
    answer = client_for(admin).post(
        reverse("team_detail", args=[team.pk]), {"action": "invite", "email": address, "role": "member"}
    )
    assert answer.status_code == 200 and "with a domain name" in answer.text
    assert not mail.outbox and not TeamInvitation.objects.exists()


@pytest.mark.parametrize("made_up", ["abc", "9" * 25, "-1"])
def test_a_role_change_for_a_made_up_member_is_404_not_a_server_error(
    team: Team, admin: User, made_up: str
) -> None:
    answer = client_for(admin).post(
        reverse("team_detail", args=[team.pk]), {"action": "role", "member": made_up, "role": "member"}
    )
    assert answer.status_code == 404
