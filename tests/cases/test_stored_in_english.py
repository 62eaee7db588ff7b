"""What the cases store stays in English whatever language the page is in (the pages translate it when they
show it), and an invitation is written in the language of the person it invites."""

import datetime

import time_machine
from allauth.account.models import EmailAddress
from django.utils import translation

from secondop.accounts.models import User
from secondop.cases import audit, sharing
from secondop.cases.checklist import STANDARD_BY_KEY
from secondop.cases.models import AuditAction, AuditEvent, Case, Role, Team, TeamMembership, TeamRole
from tests.conftest import make_user


def test_the_audit_trail_stores_its_details_in_english_whatever_the_language(case: Case, owner: User) -> None:
    team = Team.objects.create(name="Rivera Advocacy", created_by=owner)
    with time_machine.travel(datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)):
        TeamMembership.objects.create(team=team, user=owner, role=TeamRole.ADMIN)
    with translation.override("es"):  # Django's own Spanish names the months: "ene", not "Jan"
        sharing.share_with_team(case, team, Role.VIEWER, owner)
    details = dict(case.audit_events.values_list("action", "detail"))
    assert details[AuditAction.TEAM_SHARED] == "Rivera Advocacy as viewer"
    assert details[AuditAction.TEAM_MEMBER] == "Rivera Advocacy (since 5 Jan 2026) and can read this case"


def test_the_trail_reads_its_stored_details_back_as_they_were_written(case: Case, owner: User) -> None:
    def said(action: str, detail: str) -> str:
        return audit.describe(AuditEvent(case=case, action=action, detail=detail))

    assert said(AuditAction.INVITED, "a@example.com as viewer") == "invited a@example.com as viewer"
    assert (
        said(AuditAction.CHANGED, "the checklist (from a reminder)")
        == "changed the checklist (from a reminder)"
    )
    assert (
        said(
            AuditAction.TEAM_JOINED,
            "A (b) team (invited by c@example.com) and can now read and change this case",
        )
        == "joined the team A (b) team (invited by c@example.com) and can now read and change this case"
    )
    assert (
        said(AuditAction.TEAM_REMOVED, "d@example.com from the team E")
        == "removed d@example.com from the team E"
    )
    # What it cannot read is shown as it is stored.
    assert said(AuditAction.CHANGED, "something new") == "changed something new"
    assert said(AuditAction.TEAM_MEMBER, "T (since 31 Feb 2026) and can read this case") == (
        "is in the team T (since 31 Feb 2026) and can read this case"
    )
    assert said("gone", "x") == "gone x"


def test_the_standard_checklist_items_are_stored_in_english_and_shown_translated(owner: User) -> None:
    with translation.override("es"):
        case = Case.open_for(owner, patient_name="Alex Rivera")
    item = case.checklist.get(key="questions")
    assert item.title == STANDARD_BY_KEY["questions"].title == "List your questions for the second opinion"
    assert item.shown_title == item.title
    own = case.checklist.create(title="List your questions for the second opinion", position=9)
    assert own.shown_title == own.title  # the person's own words, never translated


def test_an_invitation_is_written_in_the_invited_persons_language_or_else_in_the_senders(db: None) -> None:
    ana = make_user("Ana@Example.com")
    ana.profile.language = "es"
    ana.profile.save()
    assert sharing.language_for("ana@example.com") == "es"
    with translation.override("es"):
        assert sharing.language_for("nobody@example.com") == "es"
    assert sharing.language_for("nobody@example.com") == "en"
    # An address someone added to their account but never confirmed is not theirs yet.
    EmailAddress.objects.create(user=ana, email="unconfirmed@example.com", verified=False, primary=False)
    assert sharing.language_for("unconfirmed@example.com") == "en"
