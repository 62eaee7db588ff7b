import datetime
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from secondop.accounts.models import User
from secondop.cases import sharing
from secondop.cases.models import AuditEvent, Case, Invitation, Membership, Role, Team, TeamShare
from secondop.records.models import Provider, RecordsRequest
from secondop.records.progress import move
from secondop.reminders.models import Reminder, ReminderStatus
from tests.conftest import PASSWORD, client_for, make_user


def invite(client: Client, case: Case, email: str, role: str = "advocate") -> str:
    mail.outbox.clear()
    response = client.post(reverse("people", args=[case.code]), {"email": email, "role": role})
    assert response.status_code == 302, response.content
    match = re.search(r"http://[^/\s]+(/invitations/[^/\s]+/)", str(mail.outbox[-1].body))
    assert match
    return match.group(1)


def actions(case: Case) -> list[str]:
    return list(case.audit_events.order_by("at", "pk").values_list("action", flat=True))


def test_the_token_is_stored_only_as_a_hash_and_the_mail_has_no_health_detail(
    case: Case, owner: User
) -> None:
    link = invite(client_for(owner), case, "helper@example.com")
    token = link.split("/")[2]
    invitation = Invitation.objects.get(email="helper@example.com")
    assert token not in invitation.token_hash and invitation.token_hash == sharing.token_hash(token)
    body = str(mail.outbox[-1].body) + mail.outbox[-1].subject
    assert "Alex Rivera" not in body and "knee" not in body


def test_a_new_person_signs_up_then_joins(case: Case, owner: User) -> None:
    link = invite(client_for(owner), case, "New.Person@example.com")
    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200 and "Sign up" in page.text
    signup = visitor.post(
        reverse("account_signup") + f"?next={link}",
        {"email": "new.person@example.com", "password1": PASSWORD, "password2": PASSWORD, "next": link},
    )
    assert signup.status_code == 302
    confirm = re.search(r"http://[^/\s]+(/accounts/confirm-email/\S+/)", str(mail.outbox[-1].body))
    assert confirm
    visitor.post(confirm.group(1))
    response = visitor.post(link)
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    member = Membership.objects.get(case=case, user__email="new.person@example.com")
    assert member.role == Role.ADVOCATE
    assert visitor.get(case.get_absolute_url()).status_code == 200


def test_an_existing_person_logs_in_then_joins_once(case: Case, owner: User, stranger: User) -> None:
    link = invite(client_for(owner), case, stranger.email, role="viewer")
    visitor = Client()
    assert "Log in" in visitor.get(link).text
    assert visitor.post(link)["Location"].startswith(reverse("account_login"))
    visitor.force_login(stranger)
    visitor.post(link)
    assert Membership.objects.get(case=case, user=stranger).role == Role.VIEWER
    again = visitor.post(link)
    assert again.status_code == 410 and "already used" in again.text
    assert Membership.objects.filter(case=case, user=stranger).count() == 1


def test_an_expired_invitation_gets_a_clear_page_and_changes_nothing(
    case: Case, owner: User, stranger: User
) -> None:
    link = invite(client_for(owner), case, stranger.email)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        response = client_for(stranger).post(link)
    assert response.status_code == 410 and "expired" in response.text
    assert not Membership.objects.filter(case=case, user=stranger).exists()


def test_a_cancelled_invitation_gets_a_clear_page(case: Case, owner: User, stranger: User) -> None:
    client = client_for(owner)
    link = invite(client, case, stranger.email)
    invitation = Invitation.objects.get(email=stranger.email)
    assert stranger.email in client.get(reverse("people", args=[case.code])).text
    client.post(reverse("invitation_cancel", args=[case.code, invitation.pk]))
    response = client_for(stranger).post(link)
    assert response.status_code == 410 and "cancelled" in response.text
    assert not Membership.objects.filter(case=case, user=stranger).exists()


def test_an_invitation_opened_by_another_account_is_refused(case: Case, owner: User, stranger: User) -> None:
    link = invite(client_for(owner), case, "someone.else@example.com")
    response = client_for(stranger).post(link)
    assert response.status_code == 403 and "another e-mail address" in response.text
    assert not Membership.objects.filter(case=case, user=stranger).exists()
    assert Invitation.objects.get(email="someone.else@example.com").accepted_at is None


@pytest.mark.parametrize("token", ["nonsense", "x" * 43, "%3Cscript%3E"])
def test_a_wrong_token_gets_a_clear_page(db: None, token: str) -> None:
    response = Client().get(f"/invitations/{token}/")
    assert response.status_code == 404 and "not valid" in response.text


def test_bad_invitations_are_refused_next_to_the_field(case: Case, owner: User) -> None:
    client = client_for(owner)
    for data, message in [
        ({"email": "not an email", "role": "advocate"}, "valid email"),
        ({"email": "advocate@example.com", "role": "advocate"}, "already in this case"),
        ({"email": "x@example.com", "role": "owner"}, "Select a valid choice"),
    ]:
        response = client.post(reverse("people", args=[case.code]), data)
        assert response.status_code == 200 and message in response.text
    assert not Invitation.objects.exists()


def test_an_advocate_opens_a_case_for_a_client_and_hands_it_over(advocate: User, stranger: User) -> None:
    client = client_for(advocate)
    client.post(reverse("case_new"), {"patient_name": "Client Person"})
    case = Case.objects.get(patient_name="Client Person")
    link = invite(client, case, stranger.email, role="viewer")
    client_for(stranger).post(link)
    patient = Membership.objects.get(case=case, user=stranger)
    response = client.post(reverse("member_make_owner", args=[case.code, patient.pk]))
    assert response.status_code == 302
    roles = dict(Membership.objects.filter(case=case).values_list("user__email", "role"))
    assert roles == {advocate.email: "advocate", stranger.email: "owner"}
    # The new owner is in control; the advocate no longer is.
    assert client.post(reverse("case_archive", args=[case.code])).status_code == 403
    assert client_for(stranger).get(reverse("audit_trail", args=[case.code])).status_code == 200
    assert "owner_changed" in actions(case)


def test_revoking_takes_effect_at_once_including_push_reminders(
    case: Case, owner: User, advocate: User
) -> None:
    Membership.objects.filter(case=case, user=advocate).update(gets_reminders=True)
    holder = Provider.objects.create(case=case, role="current", name="Dr. Chen")
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    move(request, "requested", timezone.localdate(), today=timezone.localdate(), user=owner)
    assert Reminder.objects.filter(recipient=advocate, status=ReminderStatus.SCHEDULED).exists()
    advocate_client = client_for(advocate)
    assert advocate_client.get(case.get_absolute_url()).status_code == 200
    member = Membership.objects.get(case=case, user=advocate)
    client_for(owner).post(reverse("member_remove", args=[case.code, member.pk]))
    assert advocate_client.get(case.get_absolute_url()).status_code == 404
    assert not Reminder.objects.filter(recipient=advocate, status=ReminderStatus.SCHEDULED).exists()
    assert Reminder.objects.filter(recipient=owner, status=ReminderStatus.SCHEDULED).exists()
    assert "revoked" in actions(case)


def test_a_revoked_members_reminder_already_claimed_is_not_delivered(
    case: Case, owner: User, advocate: User
) -> None:
    from secondop.reminders import dispatch

    Membership.objects.filter(case=case, user=advocate).update(gets_reminders=True)
    reminder = Reminder.objects.create(
        recipient=advocate,
        case=case,
        kind="follow_up",
        due_on=timezone.localdate(),
        due_at=timezone.now() - datetime.timedelta(minutes=1),
        dedupe_key="test-claimed",
    )
    token, ids = dispatch.claim_due(10)
    assert reminder.pk in ids
    Membership.objects.filter(case=case, user=advocate).delete()
    outcome = dispatch.deliver(ids, token)
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.CANCELLED and outcome.skipped >= 1
    assert not reminder.deliveries.exists()


def test_roles_change_and_members_leave(case: Case, owner: User, advocate: User, viewer: User) -> None:
    member = Membership.objects.get(case=case, user=advocate)
    client_for(owner).post(reverse("member_role", args=[case.code, member.pk]), {"role": "viewer"})
    member.refresh_from_db()
    assert member.role == "viewer"
    assert (
        client_for(advocate).post(reverse("case_edit", args=[case.code]), {"patient_name": "X"}).status_code
        == 403
    )
    response = client_for(viewer).post(reverse("case_leave", args=[case.code]))
    assert response.status_code == 302
    assert not Membership.objects.filter(case=case, user=viewer).exists()
    owner_leaves = client_for(owner).post(reverse("case_leave", args=[case.code]), follow=True)
    assert "Hand the case to someone else" in owner_leaves.text
    assert Membership.objects.filter(case=case, user=owner, role="owner").exists()


def test_the_owner_cannot_be_removed_or_demoted(case: Case, owner: User) -> None:
    me = Membership.objects.get(case=case, user=owner)
    client = client_for(owner)
    client.post(reverse("member_remove", args=[case.code, me.pk]))
    client.post(reverse("member_role", args=[case.code, me.pk]), {"role": "viewer"})
    me.refresh_from_db()
    assert me.role == "owner"


def test_a_member_of_another_case_cannot_be_managed_from_this_one(case: Case, owner: User) -> None:
    other = Case.open_for(make_user("other.owner@example.com"), patient_name="Other")
    foreign = other.memberships.get()
    assert client_for(owner).post(reverse("member_remove", args=[case.code, foreign.pk])).status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_the_audit_trail_records_views_changes_shares_and_exports(
    case: Case, owner: User, advocate: User
) -> None:
    advocate_client = client_for(advocate)
    advocate_client.get(case.get_absolute_url())
    advocate_client.get(case.get_absolute_url())  # one entry for a burst of views
    client_for(owner).get(case.get_absolute_url())  # the owner's own views are not logged
    advocate_client.post(reverse("case_edit", args=[case.code]), {"patient_name": "Alex R.", "concern": ""})
    invite(client_for(owner), case, "family@example.com", role="viewer")
    advocate_client.get(reverse("packet", args=[case.code]))
    events = list(case.audit_events.order_by("at", "pk"))
    summary = [(event.actor_email, event.action, event.detail) for event in events]
    assert summary[:3] == [
        ("advocate@example.com", "viewed", ""),
        ("advocate@example.com", "changed", "the case details"),
        ("owner@example.com", "invited", "family@example.com as viewer"),
    ]
    assert ("advocate@example.com", "exported", "the second-opinion packet") in summary
    page = client_for(owner).get(reverse("audit_trail", args=[case.code])).text
    assert "advocate@example.com" in page and "viewed the case" in page
    assert client_for(advocate).get(reverse("audit_trail", args=[case.code])).status_code == 403


def test_a_head_request_is_a_view_in_the_audit_trail_too(case: Case, advocate: User) -> None:
    response = client_for(advocate).head(reverse("questions", args=[case.code]))
    assert response.status_code == 200
    assert actions(case) == ["viewed"]


def test_the_database_refuses_a_role_nobody_can_be_given(case: Case, advocate: User) -> None:
    team = Team.objects.create(name="Practice")
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamShare.objects.create(case=case, team=team, role=Role.OWNER)  # a team gives advocate or viewer
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(case=case, user=advocate).update(role="admin")
    invitation = {"case": case, "email": "x@e.com", "created_by": advocate, "expires_at": timezone.now()}
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(**invitation, role=Role.OWNER, token_hash="a")
    Invitation.objects.create(**invitation, role=Role.VIEWER, token_hash="b")  # what may be given is taken


def test_the_audit_trail_is_kept_after_the_member_is_removed(case: Case, owner: User, advocate: User) -> None:
    client_for(advocate).get(case.get_absolute_url())
    member = Membership.objects.get(case=case, user=advocate)
    client_for(owner).post(reverse("member_remove", args=[case.code, member.pk]))
    advocate.delete()
    viewed = AuditEvent.objects.get(case=case, action="viewed")
    assert viewed.actor is None and viewed.actor_email == "advocate@example.com"


def test_a_refused_change_leaves_no_trace_in_the_audit_trail(case: Case, owner: User, advocate: User) -> None:
    """The trail says what changed: a form sent back with its errors changed nothing."""
    client = client_for(advocate)
    refused = client.post(reverse("case_edit", args=[case.code]), {"patient_name": " ", "concern": ""})
    assert refused.status_code == 200 and refused["X-Secondop-Outcome"] == "refused"
    assert not case.audit_events.filter(action="changed").exists()
    client.post(reverse("case_edit", args=[case.code]), {"patient_name": "Alex R.", "concern": ""})
    assert list(case.audit_events.filter(action="changed").values_list("detail", flat=True)) == [
        "the case details"
    ]


# Invitations are not a way to send mail: limited, and naming the sender only by their confirmed address.


def refused_invitation(client: Client, case: Case, email: str) -> str:
    """Posts an invitation that must be refused with nothing changed; returns the page."""
    before = (list(Invitation.objects.order_by("pk").values()), actions(case), len(mail.outbox))
    response = client.post(reverse("people", args=[case.code]), {"email": email, "role": "viewer"})
    assert response.status_code == 200
    assert f'value="{email}"' in response.text  # nothing the owner typed is lost
    assert (list(Invitation.objects.order_by("pk").values()), actions(case), len(mail.outbox)) == before
    return response.text


def test_one_case_gets_at_most_ten_invitations_a_day(case: Case, owner: User) -> None:
    client = client_for(owner)
    for n in range(10):
        invite(client, case, f"helper{n}@example.com")
    page = refused_invitation(client, case, "one.more@example.com")
    assert "This case has had many invitations today. Try again tomorrow." in page
    assert 'aria-invalid="true"' in page
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        invite(client, case, "one.more@example.com")


def test_one_person_sends_at_most_twenty_case_invitations_a_day(owner: User) -> None:
    client = client_for(owner)
    cases = [Case.open_for(owner, patient_name=f"Client {n}") for n in range(3)]
    for n in range(20):
        invite(client, cases[n // 8], f"helper{n}@example.com")  # 8, 8 and 4: no case reaches its limit
    page = refused_invitation(client, cases[2], "one.more@example.com")
    assert "You have sent many invitations today. Try again tomorrow." in page


def test_the_invitation_mail_names_the_inviter_only_by_their_confirmed_address(
    case: Case, owner: User
) -> None:
    owner.display_name = "Your GP's office - urgent: confirm your results at https://evil.example"
    owner.save()
    invite(client_for(owner), case, "helper@example.com")
    sent = mail.outbox[-1]
    text = sent.subject + str(sent.body)
    assert "owner@example.com invited you to help with a case, as advocate" in text
    assert "evil.example" not in text and "GP" not in text
    assert "Alex Rivera" not in text and "knee" not in text


def test_someone_without_a_confirmed_address_cannot_send_invitations(case: Case, owner: User) -> None:
    EmailAddress.objects.filter(user=owner).update(verified=False)
    page = refused_invitation(client_for(owner), case, "helper@example.com")
    assert "Please confirm your e-mail address first" in page


def test_a_case_invitation_needs_the_invited_address_confirmed(case: Case, owner: User) -> None:
    unconfirmed = make_user("unconfirmed@example.com", verified=False)
    link = invite(client_for(owner), case, unconfirmed.email)
    response = client_for(unconfirmed).post(link)
    assert response.status_code == 403 and "confirm your e-mail address" in response.text
    assert not Membership.objects.filter(case=case, user=unconfirmed).exists()


def test_an_invitation_stops_working_once_its_sender_no_longer_owns_the_case(
    case: Case, owner: User, advocate: User, stranger: User
) -> None:
    client_for(owner).post(reverse("people", args=[case.code]), {"email": stranger.email, "role": "advocate"})
    match = re.search(r"https?://[^/\s]+(/invitations/[^/\s]+/)", str(mail.outbox[-1].body))
    assert match
    sharing.hand_over(case, case.memberships.get(user=owner), case.memberships.get(user=advocate))
    refused = client_for(stranger).post(match.group(1))
    assert refused.status_code == 403 and "can no longer invite" in refused.text
    assert not case.memberships.filter(user=stranger).exists()


def test_someone_revoked_cannot_come_back_through_an_invitation_to_their_other_address(
    case: Case, owner: User
) -> None:
    person = make_user("x-home@example.com")
    EmailAddress.objects.create(user=person, email="x-work@example.com", primary=False, verified=True)
    owner_client = client_for(owner)
    for address in ("x-work@example.com", "x-home@example.com"):
        owner_client.post(reverse("people", args=[case.code]), {"email": address, "role": "advocate"})
    match = re.search(r"https?://[^/\s]+(/invitations/[^/\s]+/)", str(mail.outbox[-1].body))
    assert match and client_for(person).post(match.group(1)).status_code == 302
    owner_client.post(reverse("member_remove", args=[case.code, case.memberships.get(user=person).pk]))

    waiting = Invitation.objects.get(email="x-work@example.com")
    assert waiting.cancelled_at is not None
    client_for(person).post(reverse("case_list"), {"invitation": f"case-{waiting.pk}"})
    assert client_for(person).get(case.get_absolute_url()).status_code == 404


def test_a_case_invitation_to_an_address_at_an_ip_literal_is_refused(case: Case, owner: User) -> None:
    answer = client_for(owner).post(
        reverse("people", args=[case.code]), {"email": "someone@[127.0.0.1]", "role": "viewer"}
    )
    assert answer.status_code == 200 and "with a domain name" in answer.text
    assert not mail.outbox and not Invitation.objects.exists()
