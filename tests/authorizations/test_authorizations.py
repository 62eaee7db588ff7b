"""Making, signing and revoking an authorization: who may, what is refused and why, the audit trail, the
People page, and the hook a reminder hangs on."""

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, get_resolver, reverse

from secondop.accounts.models import User
from secondop.authorizations.models import Authorization, State
from secondop.authorizations.views import CHANGED, REVOKED, SIGNED
from secondop.cases.models import AuditAction, AuditEvent, Case
from secondop.records.models import Provider
from tests.authorizations.helpers import ENDS, TODAY, Page, answers, doctor, make, on
from tests.conftest import client_for
from tests.fuzzing import route_params, walk

D = datetime.date


@pytest.fixture
def provider(case: Case) -> Provider:
    return doctor(case)


@pytest.fixture
def authorization(case: Case, advocate: User, provider: Provider) -> Authorization:
    advocate.display_name = "Sam Lee"
    advocate.save()
    with on(TODAY):
        return make(client_for(advocate), case, answers(advocate, provider))


def rows(case: Case) -> list[Any]:
    return list(Authorization.objects.filter(case=case).order_by("pk").values())


def changes(case: Case) -> list[tuple[str | None, str]]:
    return list(
        AuditEvent.objects.filter(case=case, action=AuditAction.CHANGED)
        .order_by("pk")
        .values_list("actor__email", "detail")
    )


def sign(client: Client, authorization: Authorization, day: str) -> Any:
    url = reverse("authorization_sign", args=[authorization.case.code, authorization.pk])
    return client.post(url, {"signed_on": day})


def revoke(client: Client, authorization: Authorization, day: str) -> Any:
    url = reverse("authorization_revoke", args=[authorization.case.code, authorization.pk])
    return client.post(url, {"revoked_on": day})


# Making one


def test_an_advocate_makes_one_for_themselves_by_default(
    case: Case, advocate: User, provider: Provider
) -> None:
    advocate.display_name = "Sam Lee"
    advocate.save()
    with on(TODAY):
        form = client_for(advocate).get(reverse("authorization_new", args=[case.code])).text
        authorization = make(client_for(advocate), case, answers(advocate, provider))
    # The form starts with the advocate as recipient, the case's doctor, the defaults, and a year's time.
    assert f'<option value="{advocate.pk}" selected>Sam Lee (advocate@example.com)</option>' in form
    assert f'<option value="{provider.pk}" selected>' in form
    assert 'value="To help me get a second opinion, at my request."' in form
    assert 'value="2027-03-02"' in form
    assert authorization.recipient == advocate
    assert (authorization.recipient_name, authorization.recipient_email) == (
        "Sam Lee",
        "advocate@example.com",
    )
    assert authorization.provider == provider
    assert authorization.created_by == advocate
    assert authorization.expires_on == ENDS
    assert authorization.state_on(TODAY) == State.NOT_SIGNED


def test_the_owner_may_make_one_too(case: Case, owner: User, advocate: User, provider: Provider) -> None:
    with on(TODAY):
        authorization = make(client_for(owner), case, answers(advocate, provider, recipient_name="Sam Lee"))
    assert authorization.created_by == owner
    assert authorization.recipient_name == "Sam Lee"


# Access: owner and advocate write, a viewer reads, a stranger sees nothing


def test_a_viewer_reads_and_prints_but_changes_nothing(authorization: Authorization, viewer: User) -> None:
    case = authorization.case
    client = client_for(viewer)
    before = rows(case)
    args = [case.code, authorization.pk]
    assert client.get(reverse("authorization_detail", args=args)).status_code == 200
    assert client.get(reverse("authorization_print", args=args)).status_code == 200
    assert client.get(reverse("authorization_new", args=[case.code])).status_code == 403
    assert client.get(reverse("authorization_edit", args=args)).status_code == 403
    with on(TODAY):
        assert (
            client.post(reverse("authorization_new", args=[case.code]), answers(viewer, None)).status_code
            == 403
        )
        assert client.post(reverse("authorization_edit", args=args), answers(viewer, None)).status_code == 403
        assert sign(client, authorization, "2026-03-02").status_code == 403
        assert revoke(client, authorization, "2026-03-02").status_code == 403
    assert rows(case) == before
    detail = client.get(reverse("authorization_detail", args=args)).text
    assert "Mark as signed" not in detail and ">Edit<" not in detail


AUTHORIZATION_ROUTES = [
    (route, pattern)
    for route, pattern in walk(get_resolver().url_patterns)
    if (pattern.name or "").startswith("authorization_")
]


def test_every_authorization_url_is_checked() -> None:
    assert {pattern.name for _, pattern in AUTHORIZATION_ROUTES} == {
        "authorization_new",
        "authorization_detail",
        "authorization_edit",
        "authorization_sign",
        "authorization_revoke",
        "authorization_print",
    }


def url_of(pattern: URLPattern, route: str, authorization: Authorization) -> str:
    values = {"code": authorization.case.code, "authorization_id": authorization.pk}
    return reverse(str(pattern.name), kwargs={name: values[name] for name in route_params(route)})


@pytest.mark.parametrize(("route", "pattern"), AUTHORIZATION_ROUTES, ids=[r for r, _ in AUTHORIZATION_ROUTES])
def test_a_stranger_gets_404_everywhere(
    route: str, pattern: URLPattern, authorization: Authorization, stranger: User
) -> None:
    url = url_of(pattern, route, authorization)
    before = rows(authorization.case)
    client = client_for(stranger)
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, {**answers(stranger, None), "signed_on": "2026-03-02"}).status_code in (404, 405)
    assert rows(authorization.case) == before


@pytest.mark.parametrize(("route", "pattern"), AUTHORIZATION_ROUTES, ids=[r for r, _ in AUTHORIZATION_ROUTES])
def test_someone_logged_out_is_asked_to_log_in(
    route: str, pattern: URLPattern, authorization: Authorization
) -> None:
    response = Client().get(url_of(pattern, route, authorization))
    assert response.status_code in (302, 405)
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")


def test_another_cases_authorization_is_not_found_through_this_case(
    authorization: Authorization, stranger: User
) -> None:
    theirs = Case.open_for(stranger, patient_name="Sam Other")
    url = reverse("authorization_print", args=[theirs.code, authorization.pk])
    assert client_for(stranger).get(url).status_code == 404


# Bad input changes nothing and says what to fix


BAD_ANSWERS = {
    "an end date in the past": (
        {"expires_on": "2026-03-01"},
        "Choose a date after today: the authorization has to end in the future.",
    ),
    "an end date of today": ({"expires_on": "2026-03-02"}, "Choose a date after today"),
    "no end date": ({"expires_on": ""}, "This field is required."),
    "a doctor without choosing one": (
        {"provider": ""},
        "Choose the doctor or office, or choose another answer",
    ),
    "someone else without a name": ({"disclosed_by": "other"}, "Write who may share the information"),
    "records described without words": ({"information": "described"}, "Describe the records, for example"),
    "no purpose": ({"purpose": "   "}, "Write why the information is shared. “At my request” is enough."),
    "a representative without authority": (
        {"representative_name": "Jo Rivera"},
        "Write how they may act for the patient",
    ),
    "authority without a name": (
        {"representative_authority": "Legal guardian"},
        "Write the name of the person signing for the patient.",
    ),
}


@pytest.mark.parametrize("bad", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_bad_answers_change_nothing_and_say_what_to_fix(
    bad: tuple[dict[str, object], str], case: Case, advocate: User, provider: Provider
) -> None:
    changes_, message = bad
    with on(TODAY):
        response = client_for(advocate).post(
            reverse("authorization_new", args=[case.code]), answers(advocate, provider, **changes_)
        )
    assert response.status_code == 200
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert rows(case) == []
    assert changes(case) == []


def test_a_recipient_without_a_name_must_be_named(case: Case, advocate: User, provider: Provider) -> None:
    with on(TODAY):
        response = client_for(advocate).post(
            reverse("authorization_new", args=[case.code]), answers(advocate, provider)
        )
    assert "advocate@example.com has not given a name in secondop. Write their full name." in response.text
    assert rows(case) == []


def test_only_the_cases_people_and_doctors_can_be_chosen(
    case: Case, advocate: User, stranger: User, provider: Provider
) -> None:
    theirs = Case.open_for(stranger, patient_name="Sam Other")
    their_doctor = doctor(theirs)
    with on(TODAY):
        response = client_for(advocate).post(
            reverse("authorization_new", args=[case.code]),
            answers(stranger, their_doctor, recipient_name="Someone"),
        )
    assert "Choose one of the people on this case." in response.text
    assert "Choose one of the doctors or offices in this case." in response.text
    assert rows(case) == []


def test_the_concern_must_be_known_to_describe_records_by_it(case: Case, advocate: User) -> None:
    case.concern = ""
    case.save()
    with on(TODAY):
        response = client_for(advocate).post(
            reverse("authorization_new", args=[case.code]),
            answers(advocate, None, disclosed_by="all", recipient_name="Sam Lee"),
        )
    assert "This case does not say yet what the second opinion is about." in response.text
    assert rows(case) == []


SIGNING = {
    "a date in the future": ("2026-03-03", "That date is in the future. Use the day the patient signed."),
    "after it ends": ("2027-03-03", "That date is in the future"),
    "before it was made": ("2026-02-01", "This form was made on 2 March 2026"),
    "no date": ("", "This field is required."),
}


@pytest.mark.parametrize("bad", SIGNING.values(), ids=SIGNING.keys())
def test_a_wrong_signing_date_changes_nothing(
    bad: tuple[str, str], authorization: Authorization, advocate: User
) -> None:
    day, message = bad
    before = rows(authorization.case)
    with on(TODAY):
        response = sign(client_for(advocate), authorization, day)
    assert response.status_code == 200
    assert message in response.text
    assert rows(authorization.case) == before
    assert changes(authorization.case) == [("advocate@example.com", CHANGED)]


def test_a_signing_date_after_the_end_is_refused(authorization: Authorization, advocate: User) -> None:
    with on(ENDS + datetime.timedelta(days=3)):
        response = sign(client_for(advocate), authorization, (ENDS + datetime.timedelta(days=1)).isoformat())
    assert "It ends on 2 March 2027, before that date." in response.text
    authorization.refresh_from_db()
    assert authorization.signed_on is None


def test_revoking_is_refused_before_signing_and_before_the_signing_date(
    authorization: Authorization, advocate: User
) -> None:
    client = client_for(advocate)
    with on(D(2026, 3, 10)):
        response = revoke(client, authorization, "2026-03-05")
        assert "It is not signed yet, so there is nothing to revoke." in response.text
        sign(client, authorization, "2026-03-06")
        response = revoke(client, authorization, "2026-03-05")
        assert "It was signed on 6 March 2026. It cannot be revoked before that date." in response.text
        response = revoke(client, authorization, "2026-03-11")
        assert "That date is in the future." in response.text
    authorization.refresh_from_db()
    assert authorization.revoked_on is None


def test_a_signed_authorization_cannot_be_edited(authorization: Authorization, advocate: User) -> None:
    client = client_for(advocate)
    url = reverse("authorization_edit", args=[authorization.case.code, authorization.pk])
    with on(TODAY):
        sign(client, authorization, "2026-03-02")
        before = rows(authorization.case)
        response = client.post(url, answers(advocate, None, disclosed_by="all", recipient_name="Changed"))
        assert response.status_code == 302
        assert rows(authorization.case) == before
        page = client.get(response["Location"]).text
    assert "It is signed, so it stays as the patient signed it. To change it, make a new one." in page


# Signing, revoking, ending: the state, the People page and the audit trail


def test_signing_and_revoking_show_on_the_people_page_and_in_the_audit_trail(
    authorization: Authorization, advocate: User, owner: User, viewer: User
) -> None:
    case = authorization.case
    people = reverse("people", args=[case.code])
    with on(TODAY):
        assert "Not signed yet; would end on 2 March 2027" in client_for(viewer).get(people).text
        response = sign(client_for(owner), authorization, "2026-03-02")
        assert response["Location"] == people
        assert "Signed on 2 March 2026; ends on 2 March 2027" in client_for(viewer).get(people).text
    with on(D(2026, 5, 4)):
        revoke(client_for(advocate), authorization, "2026-05-04")
        assert "Revoked on 4 May 2026" in client_for(viewer).get(people).text
    authorization.refresh_from_db()
    assert (authorization.signed_on, authorization.revoked_on) == (TODAY, D(2026, 5, 4))
    assert changes(case) == [
        ("advocate@example.com", CHANGED),
        ("owner@example.com", SIGNED),
        ("advocate@example.com", REVOKED),
    ]


def test_editing_is_audited(authorization: Authorization, owner: User, advocate: User) -> None:
    url = reverse("authorization_edit", args=[authorization.case.code, authorization.pk])
    with on(TODAY):
        response = client_for(owner).post(url, answers(advocate, None, disclosed_by="all"))
    assert response.status_code == 302
    authorization.refresh_from_db()
    assert authorization.disclosed_by == "all" and authorization.provider is None
    assert changes(authorization.case) == [("advocate@example.com", CHANGED), ("owner@example.com", CHANGED)]


def test_an_authorization_past_its_date_has_ended(authorization: Authorization, advocate: User) -> None:
    with on(TODAY):
        sign(client_for(advocate), authorization, "2026-03-02")
    people = reverse("people", args=[authorization.case.code])
    with on(ENDS):
        assert "Signed on 2 March 2026; ends on 2 March 2027" in client_for(advocate).get(people).text
    with on(ENDS + datetime.timedelta(days=1)):
        assert "Ended on 2 March 2027" in client_for(advocate).get(people).text


def test_the_people_page_offers_writers_the_links_and_viewers_only_reading(
    authorization: Authorization, advocate: User, viewer: User
) -> None:
    case = authorization.case
    people = reverse("people", args=[case.code])
    args = [case.code, authorization.pk]
    page = client_for(advocate).get(people).text
    for name in ("authorization_new", "authorization_edit", "authorization_print", "authorization_detail"):
        assert reverse(name, args=args if name != "authorization_new" else [case.code]) in page
    assert "#sign-heading" in page
    page = client_for(viewer).get(people).text
    assert reverse("authorization_print", args=args) in page
    assert reverse("authorization_new", args=[case.code]) not in page
    assert reverse("authorization_edit", args=args) not in page


def test_the_people_page_reads_the_authorizations_in_one_query(
    authorization: Authorization, advocate: User, provider: Provider
) -> None:
    case = authorization.case
    people = reverse("people", args=[case.code])
    client = client_for(advocate)
    client.get(people)
    with CaptureQueriesContext(connection) as one:
        client.get(people)
    with on(TODAY):
        for _ in range(3):
            make(client, case, answers(advocate, provider))
    with CaptureQueriesContext(connection) as four:
        client.get(people)
    assert len(four) == len(one)


def test_deleting_the_case_deletes_its_authorizations(authorization: Authorization) -> None:
    authorization.case.delete()
    assert not Authorization.objects.exists()


# The hook for a reminder before it ends


@pytest.fixture
def saved() -> Iterator[list[Authorization]]:
    seen: list[Authorization] = []

    def receiver(sender: type[Authorization], instance: Authorization, **kwargs: object) -> None:
        seen.append(instance)

    post_save.connect(receiver, sender=Authorization)
    yield seen
    post_save.disconnect(receiver, sender=Authorization)


def test_post_save_tells_when_a_reminder_is_needed_and_when_it_is_due(
    authorization: Authorization, advocate: User, saved: list[Authorization]
) -> None:
    with on(TODAY):
        sign(client_for(advocate), authorization, "2026-03-02")
    assert saved[-1].needs_reminder
    assert saved[-1].remind_on == D(2027, 2, 16)  # two weeks before it ends
    with on(D(2026, 4, 1)):
        revoke(client_for(advocate), authorization, "2026-04-01")
    assert not saved[-1].needs_reminder
    assert len(saved) == 2


# The pages are accessible: a label for every field, headings in order, made for a phone


@pytest.mark.parametrize("name", ["new", "edit", "detail", "print", "people"])
def test_every_page_has_labelled_fields_and_headings_in_order(
    name: str, authorization: Authorization, advocate: User
) -> None:
    case = authorization.case
    urls = {
        "new": reverse("authorization_new", args=[case.code]),
        "edit": reverse("authorization_edit", args=[case.code, authorization.pk]),
        "detail": reverse("authorization_detail", args=[case.code, authorization.pk]),
        "print": reverse("authorization_print", args=[case.code, authorization.pk]),
        "people": reverse("people", args=[case.code]),
    }
    with on(TODAY):
        html = client_for(advocate).get(urls[name]).text
    page = Page(html)
    assert page.unlabelled_controls() == []
    assert page.headings_in_order(), page.headings
    assert page.styled == 0  # nothing inline: the CSP forbids it, and the stylesheets adapt to a phone
    assert 'name="viewport" content="width=device-width' in html


def test_the_form_is_laid_out_with_the_apps_phone_classes(case: Case, advocate: User) -> None:
    with on(TODAY):
        html = client_for(advocate).get(reverse("authorization_new", args=[case.code])).text
    assert '<form method="post" class="stack" novalidate>' in html
    assert '<button type="submit" class="button">Save</button>' in html
    assert html.count('class="choice"') == 6  # each radio button on a line of its own, with its label


def test_an_error_is_shown_next_to_its_field(case: Case, advocate: User, provider: Provider) -> None:
    with on(TODAY):
        response = client_for(advocate).post(
            reverse("authorization_new", args=[case.code]),
            answers(advocate, provider, recipient_name="Sam Lee", expires_on="2020-01-01"),
        )
    html = response.text
    field = html[html.index('<label for="id_expires_on"') : html.index('id="id_expires_on"')]
    assert "Choose a date after today" in field
    assert 'value="Sam Lee"' in html  # nothing typed is lost
