"""Every URL that takes a case, found by walking the URL configuration (so a new one is covered the day
it is added): strangers get 404, viewers 403 on every write, and nothing changes on a refused request."""

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver
from django.utils import timezone

from secondop.accounts.models import User
from secondop.authorizations.models import Authorization
from secondop.cases import sharing
from secondop.cases.models import Case, ChecklistItem, Invitation, Question, Team, TeamMembership, TeamShare
from secondop.opinions.models import Opinion
from secondop.records.models import ContactEntry, Letter, Provider, RecordsRequest
from secondop.visits.models import PhysicalItem, Visit
from tests.conftest import client_for
from tests.fuzzing import route_params, walk

CASE_ROUTES = [
    (route, pattern) for route, pattern in walk(get_resolver().url_patterns) if "<uuid:code>" in route
]


def sample_kwargs(case: Case, route: str) -> dict[str, object]:
    item = ChecklistItem.objects.get_or_create(case=case, key="", title="My own step")[0]
    question = Question.objects.get_or_create(case=case, text="What are my other options?")[0]
    holder = Provider.objects.get_or_create(case=case, role="current", name="Dr. Chen")[0]
    records_request = RecordsRequest.objects.get_or_create(case=case, holder=holder, kind="copy")[0]
    contact = ContactEntry.objects.get_or_create(
        case=case, request=records_request, channel="phone", happened_at=timezone.now()
    )[0]
    authorization = Authorization.objects.get_or_create(case=case, recipient_name="Sam Lee")[0]
    thing = PhysicalItem.objects.get_or_create(case=case, kind="films", holder="City Imaging", recipient="B")[
        0
    ]
    owner = case.memberships.get(role="owner").user
    invitation = (
        Invitation.objects.filter(case=case).first()
        or sharing.invite(case, owner, "invited@example.com", "viewer")[0]
    )
    advocate = case.memberships.get(role="advocate")
    team = Team.objects.get_or_create(name="Practice")[0]
    TeamMembership.objects.get_or_create(team=team, user=owner, defaults={"role": "admin"})
    share = TeamShare.objects.get_or_create(case=case, team=team, defaults={"role": "viewer"})[0]
    values: dict[str, object] = {
        "invitation_id": invitation.pk,
        "member_id": advocate.pk,
        "share_id": share.pk,
        "code": case.code,
        "item_id": item.pk,
        "question_id": question.pk,
        "kind": "pushback",
        "provider_id": holder.pk,
        "request_id": records_request.pk,
        "contact_id": contact.pk,
        "letter": "request-letter",
        "authorization_id": authorization.pk,
        "thing_id": thing.pk,
    }
    names = route_params(route)
    unknown = set(names) - set(values)
    assert not unknown, f"{route}: add sample values for {unknown} to this sweep"
    return {name: values[name] for name in names}


def snapshot(case: Case) -> list[object]:
    case.refresh_from_db()
    return [
        Case.objects.values().get(pk=case.pk),
        list(case.checklist.values()),
        list(case.questions.values()),
        list(case.drafts.values()),
        list(case.providers.values()),
        list(case.records_requests.values()),
        list(case.contacts.values()),
        list(Letter.objects.filter(request__case=case).values()),
        list(case.memberships.values()),
        list(case.invitations.values()),
        list(case.team_shares.values()),
        list(case.authorizations.values()),
        list(Visit.objects.filter(case=case).values()),
        list(case.bring_ticks.values()),
        list(case.physical_items.values()),
        list(Opinion.objects.filter(case=case).values()),
    ]


def url_for(pattern: URLPattern, kwargs: dict[str, object]) -> str:
    from django.urls import reverse

    assert pattern.name, f"{pattern} needs a name"
    return reverse(pattern.name, kwargs=kwargs)


def test_the_sweep_finds_the_case_urls() -> None:
    names = {pattern.name for _, pattern in CASE_ROUTES}
    assert {
        "case_overview",
        "draft_save",
        "question_move",
        "checklist_toggle",
        "insurance",
        "request_move",
        "letter_save",
        "contact_delete",
        "calendar_ics",
        "packet",
    } <= names


@pytest.mark.parametrize(("route", "pattern"), CASE_ROUTES, ids=[route for route, _ in CASE_ROUTES])
def test_a_stranger_gets_404_everywhere(route: str, pattern: URLPattern, case: Case, stranger: User) -> None:
    url = url_for(pattern, sample_kwargs(case, route))
    before = snapshot(case)
    client = client_for(stranger)
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, {"text": "x", "version": "1", "title": "x"}).status_code in (404, 405)
    assert snapshot(case) == before


# Leaving is the one thing a viewer may do: it changes their own access, not the case.
VIEWER_MAY = {"case_leave"}


@pytest.mark.parametrize(
    ("route", "pattern"),
    [(route, pattern) for route, pattern in CASE_ROUTES if pattern.name not in VIEWER_MAY],
    ids=[route for route, pattern in CASE_ROUTES if pattern.name not in VIEWER_MAY],
)
def test_a_viewer_gets_403_on_every_write(route: str, pattern: URLPattern, case: Case, viewer: User) -> None:
    url = url_for(pattern, sample_kwargs(case, route))
    before = snapshot(case)
    data = {
        "text": "x",
        "version": "1",
        "title": "x",
        "keep": "mine",
        "to_status": "withdrawn",
        "what": "called",
    }
    response = client_for(viewer).post(url, data)
    # 405: the URL only shows something (GET); there is nothing to write there.
    assert response.status_code in (403, 405), response.status_code
    assert snapshot(case) == before


@pytest.mark.parametrize(("route", "pattern"), CASE_ROUTES, ids=[route for route, _ in CASE_ROUTES])
def test_someone_logged_out_is_asked_to_log_in(route: str, pattern: URLPattern, case: Case) -> None:
    url = url_for(pattern, sample_kwargs(case, route))
    response = Client().get(url)
    assert response.status_code in (302, 405)
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("route", "pattern"), CASE_ROUTES, ids=[route for route, _ in CASE_ROUTES])
def test_looking_changes_nothing_whoever_looks(
    route: str, pattern: URLPattern, case: Case, owner: User, advocate: User, viewer: User
) -> None:
    """A GET writes nothing to the case (a script page used to create its drafts, a letter page its
    letter): not for any role, and not from a link on another site. Views by members other than the
    owner still go into the audit trail, which the snapshot leaves out."""
    url = url_for(pattern, sample_kwargs(case, route))
    before = snapshot(case)
    for person in (owner, advocate, viewer):
        assert client_for(person).get(url).status_code in (200, 302, 403, 405), (url, person)
        assert snapshot(case) == before, (url, person)
