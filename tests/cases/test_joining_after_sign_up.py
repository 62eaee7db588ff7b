"""Someone invited who has no account signs up, confirms their address, and arrives at the one Join step:
on the same device through the invitation's link, on any device through the invitations waiting for their
confirmed addresses on the dashboard and the teams page."""

import datetime
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from secondop.accounts.models import User
from secondop.cases.models import (
    Case,
    Invitation,
    Membership,
    Role,
    Team,
    TeamInvitation,
    TeamMembership,
    TeamRole,
)
from tests.conftest import PASSWORD, client_for, make_user

NEWCOMER = "new.person@example.com"


def link_in_last_mail() -> str:
    match = re.search(r"http://[^/\s]+(/invitations/[^/\s]+/)", str(mail.outbox[-1].body))
    assert match
    return match.group(1)


def invite_to_case(owner: User, case: Case, email: str = NEWCOMER, role: str = "advocate") -> str:
    response = client_for(owner).post(reverse("people", args=[case.code]), {"email": email, "role": role})
    assert response.status_code == 302
    return link_in_last_mail()


def sign_up(visitor: Client, link: str, email: str = NEWCOMER) -> str:
    """Signs up from the invitation's page; returns the path of the confirmation link mailed."""
    visitor.get(link)
    response = visitor.post(
        reverse("account_signup") + f"?next={link}",
        {"email": email, "password1": PASSWORD, "password2": PASSWORD, "next": link},
    )
    assert response.status_code == 302
    confirm = re.search(r"http://[^/\s]+(/accounts/confirm-email/\S+/)", str(mail.outbox[-1].body))
    assert confirm
    return confirm.group(1)


@pytest.fixture
def team(db: None) -> Team:
    admin = make_user("admin@example.com")
    team = Team.objects.create(name="Rivera Advocacy", created_by=admin)
    TeamMembership.objects.create(team=team, user=admin, role=TeamRole.ADMIN)
    return team


def invite_to_team(team: Team, email: str = NEWCOMER) -> str:
    admin = team.members.get(role=TeamRole.ADMIN).user
    response = client_for(admin).post(
        reverse("team_detail", args=[team.pk]), {"action": "invite", "email": email, "role": "member"}
    )
    assert response.status_code == 302
    return link_in_last_mail()


def test_confirming_on_the_same_device_lands_on_the_join_step(case: Case, owner: User) -> None:
    link = invite_to_case(owner, case)
    visitor = Client()
    confirm = sign_up(visitor, link)
    landed = visitor.post(confirm)
    assert landed["Location"] == link
    assert "Join the case" in visitor.get(link).text
    assert visitor.post(link)["Location"] == case.get_absolute_url()


def test_confirming_on_another_device_then_logging_in_offers_the_case_on_the_dashboard(
    case: Case, owner: User
) -> None:
    link = invite_to_case(owner, case)
    confirm = sign_up(Client(), link)
    phone = Client()  # another device: no trace of the invitation in its session
    phone.get(confirm)
    phone.post(confirm)
    logged_in = phone.post(reverse("account_login"), {"login": NEWCOMER, "password": PASSWORD})
    assert logged_in["Location"] == reverse("case_list")
    dashboard = phone.get(reverse("case_list")).text
    invitation = Invitation.objects.get(email=NEWCOMER)
    assert "owner@example.com invited you to help with a case, as advocate." in dashboard
    assert f'name="invitation" value="case-{invitation.pk}"' in dashboard
    assert "Alex Rivera" not in dashboard  # the case's name only once they joined

    joined = phone.post(reverse("case_list"), {"invitation": f"case-{invitation.pk}"})
    assert joined["Location"] == case.get_absolute_url()
    assert Membership.objects.get(case=case, user__email=NEWCOMER).role == Role.ADVOCATE
    dashboard = phone.get(reverse("case_list")).text
    assert "Alex Rivera" in dashboard and "invited you" not in dashboard


def test_the_teams_page_and_the_dashboard_offer_a_waiting_team_invitation(team: Team) -> None:
    invite_to_team(team)
    newcomer = make_user(NEWCOMER)
    invitation = TeamInvitation.objects.get()
    client = client_for(newcomer)
    for page in (reverse("teams"), reverse("case_list")):
        text = client.get(page).text
        assert "admin@example.com invited you to join the team “Rivera Advocacy”, as member." in text
        assert f'name="invitation" value="team-{invitation.pk}"' in text
    joined = client.post(reverse("case_list"), {"invitation": f"team-{invitation.pk}"})
    assert joined["Location"] == reverse("team_detail", args=[team.pk])
    assert team.members.filter(user=newcomer, role=TeamRole.MEMBER).exists()
    assert "invited you" not in client.get(reverse("teams")).text


def test_an_invitation_to_an_unconfirmed_address_is_neither_offered_nor_joined(
    case: Case, owner: User, stranger: User
) -> None:
    EmailAddress.objects.create(user=stranger, email="second@example.com", verified=False)
    invite_to_case(owner, case, "second@example.com")
    invitation = Invitation.objects.get()
    client = client_for(stranger)
    assert "invited you" not in client.get(reverse("case_list")).text
    response = client.post(reverse("case_list"), {"invitation": f"case-{invitation.pk}"}, follow=True)
    assert "This invitation is no longer waiting for you." in response.text
    assert not Membership.objects.filter(case=case, user=stranger).exists()
    # Once the address is confirmed (through allauth's link, while signed in), it is offered.
    key = EmailConfirmationHMAC(EmailAddress.objects.get(email="second@example.com")).key
    assert client.post(reverse("account_confirm_email", args=[key])).status_code == 302
    assert EmailAddress.objects.get(email="second@example.com").verified
    assert "invited you" in client.get(reverse("case_list")).text


@pytest.mark.parametrize(
    "value", ["case-{pk}", "team-{pk}", "case-0", "case-99999999999999999999", "case-", "nonsense", ""]
)
def test_someone_elses_invitation_cannot_be_joined_from_the_dashboard(
    case: Case, owner: User, stranger: User, value: str
) -> None:
    invite_to_case(owner, case, "someone.else@example.com")
    invitation = Invitation.objects.get()
    response = client_for(stranger).post(
        reverse("case_list"), {"invitation": value.format(pk=invitation.pk)}, follow=True
    )
    assert response.status_code == 200
    assert "This invitation is no longer waiting for you." in response.text
    assert not Membership.objects.filter(case=case, user=stranger).exists()
    assert Invitation.objects.get().accepted_at is None


def test_expired_cancelled_or_used_invitations_are_not_offered(
    case: Case, owner: User, stranger: User
) -> None:
    invite_to_case(owner, case, stranger.email)
    client = client_for(stranger)
    assert "invited you" in client.get(reverse("case_list")).text
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        assert "invited you" not in client.get(reverse("case_list")).text
    Invitation.objects.update(cancelled_at=timezone.now())
    assert "invited you" not in client.get(reverse("case_list")).text
