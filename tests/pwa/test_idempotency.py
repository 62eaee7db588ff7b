import uuid
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse

from secondop.accounts.models import User
from secondop.cases import sharing
from secondop.cases.models import Case, Membership, Question, Role, Team, TeamMembership, TeamShare
from secondop.pwa import protocol
from secondop.pwa.models import Submission
from secondop.records.models import ContactEntry
from secondop.scripts.drafting import ensure_drafts
from tests.conftest import client_for


def contact(client_id: uuid.UUID, **extra: str) -> dict[str, str]:
    return {"happened_at": "2026-06-02T10:30", "channel": "phone", "client_id": str(client_id), **extra}


def test_a_known_uuid_is_the_same_submission_with_the_same_answer(case: Case, owner: User) -> None:
    client = client_for(owner)
    client_id = uuid.uuid4()
    url = reverse("contact_new", args=[case.code])
    answers = [client.post(url, contact(client_id, with_whom="Pat")) for _ in range(3)]
    assert ContactEntry.objects.count() == 1
    assert {a.status_code for a in answers} == {302}
    assert len({a["Location"] for a in answers}) == 1
    assert [a["X-Secondop-Outcome"] for a in answers] == ["saved"] * 3
    assert [a.get("X-Secondop-Replayed") for a in answers] == [None, "1", "1"]


def test_the_uuid_may_come_in_a_header_for_htmx_writes(case: Case, owner: User) -> None:
    client = client_for(owner)
    draft = ensure_drafts(case)["pushback"]
    client_id = str(uuid.uuid4())
    url = reverse("draft_save", args=[case.code, "pushback"])
    data = {"text": "Offline words.", "version": draft.version}
    first = client.post(url, data, headers={"HX-Request": "true", "X-Client-Id": client_id})
    again = client.post(url, data, headers={"HX-Request": "true", "X-Client-Id": client_id})
    draft.refresh_from_db()
    assert draft.version == 2 and draft.text == "Offline words."
    assert first["X-Secondop-Outcome"] == again["X-Secondop-Outcome"] == "saved"
    assert again.content == first.content and again["HX-Trigger"] == "draft-saved"
    # The replay says the version too: the outbox rebases later edits of the same text on it.
    assert first["X-Secondop-Version"] == again["X-Secondop-Version"] == "2"


def test_a_refused_htmx_save_says_why_in_the_headers(case: Case, owner: User) -> None:
    ensure_drafts(case)
    url = reverse("draft_save", args=[case.code, "pushback"])
    response = client_for(owner).post(
        url,
        {"text": "x" * 20_001, "version": 1},
        headers={"HX-Request": "true", "X-Client-Id": str(uuid.uuid4())},
    )
    assert response["X-Secondop-Outcome"] == "refused"
    assert "longer than 20,000 characters" in unquote(response["X-Secondop-Message"])
    assert not Submission.objects.exists()


def test_an_edit_from_an_old_version_is_a_conflict_that_keeps_both_texts(case: Case, owner: User) -> None:
    client = client_for(owner)
    draft = ensure_drafts(case)["pushback"]
    url = reverse("draft_save", args=[case.code, "pushback"])
    client.post(url, {"text": "Online words.", "version": 1}, headers={"HX-Request": "true"})
    late = client.post(
        url,
        {"text": "Offline words.", "version": 1},
        headers={"HX-Request": "true", "X-Client-Id": str(uuid.uuid4())},
    )
    assert late["X-Secondop-Outcome"] == "conflict"
    draft.refresh_from_db()
    assert (draft.text, draft.conflict_text) == ("Online words.", "Offline words.")


def test_a_refused_submission_says_so_and_a_fixed_one_with_a_new_uuid_goes_through(
    case: Case, owner: User
) -> None:
    client = client_for(owner)
    url = reverse("contact_new", args=[case.code])
    refused = client.post(url, contact(uuid.uuid4(), channel="pigeon"))
    assert refused.status_code == 200 and refused["X-Secondop-Outcome"] == "refused"
    assert "Select a valid choice" in refused.text
    # The outbox reads what to show from the headers, never from the page.
    assert unquote(refused["X-Secondop-Message"]) == protocol.NEEDS_A_FIX
    assert not ContactEntry.objects.exists()
    assert client.post(url, contact(uuid.uuid4()))["X-Secondop-Outcome"] == "saved"


def test_an_expired_session_is_reported_as_login(case: Case) -> None:
    from django.test import Client

    response = Client().post(reverse("contact_new", args=[case.code]), contact(uuid.uuid4()))
    assert response.status_code == 302 and response["X-Secondop-Outcome"] == "login"


def test_an_htmx_tick_is_saved_once(case: Case, owner: User) -> None:
    client = client_for(owner)
    item = case.checklist.get(key="rights")
    client_id = str(uuid.uuid4())
    url = reverse("checklist_toggle", args=[case.code, item.pk])
    for _ in range(3):  # a tick replayed three times must not tick and untick
        response = client.post(url, headers={"HX-Request": "true", "X-Client-Id": client_id})
        assert response["X-Secondop-Outcome"] == "saved" and "HX-Trigger" not in response
    item.refresh_from_db()
    assert item.done_at is not None


def test_another_persons_uuid_is_refused_and_tells_nothing(case: Case, owner: User, advocate: User) -> None:
    client_id = uuid.uuid4()
    url = reverse("questions", args=[case.code])
    client_for(owner).post(url, {"text": "Mine?", "client_id": str(client_id)})
    response = client_for(advocate).post(url, {"text": "Theirs?", "client_id": str(client_id)})
    assert response.status_code == 409
    assert "Mine?" not in response.text
    assert list(Question.objects.values_list("text", flat=True)) == ["Mine?"]


@pytest.mark.parametrize("bad", ["not-a-uuid", "", "{}"])
def test_a_malformed_uuid_is_simply_not_idempotent(case: Case, owner: User, bad: str) -> None:
    response = client_for(owner).post(
        reverse("questions", args=[case.code]), {"text": "Q?", "client_id": bad}
    )
    assert response.status_code == 302
    assert not Submission.objects.exists()


def test_answers_older_than_a_month_are_pruned(case: Case, owner: User) -> None:
    import datetime

    from django.utils import timezone

    from secondop.tasks import prune_submissions

    client = client_for(owner)
    for _ in range(2):
        client.post(reverse("questions", args=[case.code]), {"text": "Q?", "client_id": str(uuid.uuid4())})
    Submission.objects.filter(pk=Submission.objects.first().pk).update(  # type: ignore[union-attr]
        created_at=timezone.now() - datetime.timedelta(days=31)
    )
    assert prune_submissions() == 1
    assert Submission.objects.count() == 1


def test_a_plain_form_edit_from_an_old_version_is_a_conflict_kept_once(case: Case, owner: User) -> None:
    """Without htmx the editor answers with a redirect and a message: still a conflict, kept, replayed."""
    client = client_for(owner)
    draft = ensure_drafts(case)["pushback"]
    url = reverse("draft_save", args=[case.code, "pushback"])
    client.post(url, {"text": "Online words.", "version": 1})
    client_id = str(uuid.uuid4())
    late = [
        client.post(url, {"text": "Offline words.", "version": 1, "client_id": client_id}) for _ in range(2)
    ]
    assert [answer.status_code for answer in late] == [302, 302]
    assert [answer["X-Secondop-Outcome"] for answer in late] == ["conflict", "conflict"]
    assert late[1]["X-Secondop-Replayed"] == "1"
    draft.refresh_from_db()
    assert (draft.text, draft.conflict_text) == ("Online words.", "Offline words.")
    assert "Both versions are kept" in client.get(late[0]["Location"]).text


def test_a_refusal_answered_with_a_redirect_and_a_message_is_refused_and_not_kept(
    case: Case, owner: User
) -> None:
    """Views refuse what is not a form field's fault with an error message on the next page: the outbox
    must show the item as refused, not drop it as saved, and the same UUID may be sent again."""
    from secondop.records.models import Provider, RecordsRequest

    client = client_for(owner)
    holder = Provider.objects.create(case=case, role="records_office", name="Eastside Records")
    closed = RecordsRequest.objects.create(case=case, holder=holder, kind="copy", status="withdrawn")
    client_id = str(uuid.uuid4())
    url = reverse("request_move", args=[case.code, closed.pk])
    answer = client.post(url, {"status": "requested", "on": "2026-06-01", "client_id": client_id})
    assert answer.status_code == 302 and answer["X-Secondop-Outcome"] == "refused"
    assert "cannot change any more" in client.get(answer["Location"]).text
    assert not Submission.objects.filter(client_id=client_id).exists()
    closed.refresh_from_db()
    assert closed.status == "withdrawn"

    # A script saved from a stale page without a version number: refused, and the text is untouched.
    draft = ensure_drafts(case)["pushback"]
    stale = client.post(
        reverse("draft_save", args=[case.code, "pushback"]),
        {"text": "Words.", "version": "x", "client_id": str(uuid.uuid4())},
    )
    assert stale["X-Secondop-Outcome"] == "refused"
    draft.refresh_from_db()
    assert draft.version == 1 and draft.text != "Words."


def test_the_outbox_reads_a_redirect_as_a_204_that_tells_the_outcome_and_the_message(
    case: Case, owner: User
) -> None:
    from urllib.parse import unquote

    from secondop.records.models import Provider, RecordsRequest

    client = client_for(owner)
    outbox = {"X-Secondop-Outbox": "1"}
    url = reverse("contact_new", args=[case.code])
    client_id = str(uuid.uuid4())
    saved = [client.post(url, contact(uuid.UUID(client_id)), headers=outbox) for _ in range(2)]
    assert [answer.status_code for answer in saved] == [204, 204]
    assert [answer["X-Secondop-Outcome"] for answer in saved] == ["saved", "saved"]
    assert saved[0]["X-Secondop-Location"] == saved[1]["X-Secondop-Location"]
    assert saved[0]["X-Secondop-Location"].startswith(f"/cases/{case.code}/")
    assert saved[1]["X-Secondop-Replayed"] == "1" and ContactEntry.objects.count() == 1

    holder = Provider.objects.create(case=case, role="records_office", name="Östside Records")
    closed = RecordsRequest.objects.create(case=case, holder=holder, kind="copy", status="received")
    refused = client.post(
        reverse("request_move", args=[case.code, closed.pk]),
        {"status": "requested", "on": "2026-06-01", "client_id": str(uuid.uuid4())},
        headers=outbox,
    )
    assert refused.status_code == 204 and refused["X-Secondop-Outcome"] == "refused"
    assert unquote(refused["X-Secondop-Message"]) == (
        "This request is received, so its status cannot change any more."
    )
    # The outbox showed the refusal on the item: the next page does not show it again.
    assert "cannot change any more" not in client.get(f"/cases/{case.code}/").text
    # Without the header, the same refusal is the plain redirect a browser follows.
    plain = client.post(reverse("request_move", args=[case.code, closed.pk]), {"status": "requested"})
    assert plain.status_code == 302 and plain["X-Secondop-Outcome"] == "refused"

    # A session that ended: the outcome says so, in a form the outbox can read.
    client.logout()
    login = client.post(url, contact(uuid.uuid4()), headers=outbox)
    assert login.status_code == 204 and login["X-Secondop-Outcome"] == "login"


def test_a_page_online_sends_a_write_once_and_the_next_page_shows_its_message(
    case: Case, owner: User
) -> None:
    client = client_for(owner)
    url = reverse("contact_new", args=[case.code])
    saved = client.post(url, contact(uuid.uuid4(), with_whom="Pat"), headers={"X-Secondop-Outbox": "page"})
    assert saved.status_code == 204 and saved["X-Secondop-Outcome"] == "saved"
    assert ContactEntry.objects.count() == 1
    # The page opens the address the form would have gone to, where its message waits.
    next_page = client.get(saved["X-Secondop-Location"])
    assert [str(message) for message in next_page.context["messages"]] == ["Added to your paper trail."]

    # Refused for bad input: the form comes back with its errors (the page shows it the ordinary way).
    refused = client.post(url, contact(uuid.uuid4(), channel="pigeon"), headers={"X-Secondop-Outbox": "page"})
    assert refused.status_code == 200 and refused["X-Secondop-Outcome"] == "refused"
    assert ContactEntry.objects.count() == 1


def test_a_write_sent_to_prove_it_is_them_again_is_login_and_not_kept(owner: User) -> None:
    client = client_for(owner)  # signed in long ago: deleting the account asks for the password again
    headers = {"X-Secondop-Outbox": "1", "X-Client-Id": str(uuid.uuid4())}
    answer = client.post(reverse("delete_account"), headers=headers)
    assert answer["X-Secondop-Outcome"] == "login" and "reauthenticate" in answer["X-Secondop-Location"]
    assert not Submission.objects.exists() and User.objects.filter(pk=owner.pk).exists()


# A replay passes the checks the original passed, and its answer goes with the access -------------------


def a_tick_by(user: User, case: Case) -> tuple[str, str, str]:
    """An advocate ticks a checklist item with a UUID, as htmx does: (url, client id, the answer's body)."""
    item = case.checklist.get(key="rights")
    url = reverse("checklist_toggle", args=[case.code, item.pk])
    client_id = str(uuid.uuid4())
    answer = client_for(user).post(url, headers={"HX-Request": "true", "X-Client-Id": client_id})
    assert answer["X-Secondop-Outcome"] == "saved" and item.title in answer.text
    return url, client_id, answer.text


def test_a_revoked_advocate_replaying_a_uuid_gets_no_stored_answer(
    case: Case, owner: User, advocate: User
) -> None:
    url, client_id, _ = a_tick_by(advocate, case)
    sharing.revoke(case.memberships.get(user=advocate), owner)
    assert not Submission.objects.filter(client_id=client_id).exists()
    again = client_for(advocate).post(url, headers={"HX-Request": "true", "X-Client-Id": client_id})
    assert again.status_code == 404 and again["X-Secondop-Outcome"] == "refused"
    assert "X-Secondop-Replayed" not in again
    assert "Research" not in again.text and "rights" not in again.text


def test_an_answer_whose_access_went_another_way_is_refused_and_forgotten(
    case: Case, owner: User, advocate: User
) -> None:
    url, client_id, _ = a_tick_by(advocate, case)
    # Moved straight in the database (no signal): the replay itself checks the access again.
    Membership.objects.filter(case=case, user=advocate).update(role=Role.VIEWER)
    again = client_for(advocate).post(url, headers={"HX-Request": "true", "X-Client-Id": client_id})
    assert again.status_code == 404 and again["X-Secondop-Outcome"] == "refused"
    assert not Submission.objects.filter(client_id=client_id).exists()


def test_a_replay_without_the_csrf_token_is_refused_like_the_original(case: Case, advocate: User) -> None:
    url, client_id, _ = a_tick_by(advocate, case)
    client = Client(enforce_csrf_checks=True)
    client.force_login(advocate)
    again = client.post(url, headers={"HX-Request": "true", "X-Client-Id": client_id})
    assert again.status_code == 403 and "X-Secondop-Replayed" not in again
    assert "rights" not in again.text


def test_a_failed_csrf_check_is_retry_and_a_real_refusal_stays_refused(case: Case, viewer: User) -> None:
    """A CSRF failure stored nothing, and the outbox's replay brings the session's current token: "retry".
    A write the person may not make is "refused", so it is not queued to be tried again."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    stale = client.post(reverse("questions", args=[case.code]), {"text": "Is surgery the only way?"})
    assert stale.status_code == 403 and stale[protocol.OUTCOME] == "retry"
    refused = client_for(viewer).post(reverse("questions", args=[case.code]), {"text": "Is it?"})
    assert refused.status_code == 403 and refused[protocol.OUTCOME] == "refused"
    assert not Question.objects.exists()


@pytest.mark.parametrize("elsewhere", ["questions", "nowhere"])
def test_a_uuid_replayed_to_another_address_gets_nothing(case: Case, advocate: User, elsewhere: str) -> None:
    _, client_id, stored = a_tick_by(advocate, case)
    url = reverse("questions", args=[case.code]) if elsewhere == "questions" else "/no/such/address/"
    again = client_for(advocate).post(url, {"text": "Q?"}, headers={"X-Client-Id": client_id})
    assert again.status_code in (404, 409) and "X-Secondop-Replayed" not in again
    assert again.content != stored.encode() and not Question.objects.exists()


def test_stored_answers_go_with_the_case_and_with_the_account(
    case: Case, owner: User, advocate: User
) -> None:
    a_tick_by(advocate, case)
    a_tick_by(owner, case)
    other = Case.open_for(advocate, patient_name="Sam Lee")
    a_tick_by(advocate, other)
    assert Submission.objects.count() == 3

    case.delete()
    assert list(Submission.objects.values_list("case_id", flat=True)) == [other.pk]
    advocate.delete()
    assert not Submission.objects.exists()


def test_stored_answers_go_when_the_team_that_gave_the_access_goes(
    case: Case, owner: User, stranger: User
) -> None:
    team = Team.objects.create(name="Practice")
    TeamMembership.objects.create(team=team, user=stranger, role="member")
    TeamShare.objects.create(case=case, team=team, role="advocate")
    a_tick_by(stranger, case)
    TeamMembership.objects.filter(team=team, user=stranger).delete()
    assert not Submission.objects.exists()

    TeamMembership.objects.create(team=team, user=stranger, role="member")
    a_tick_by(stranger, case)
    TeamShare.objects.filter(case=case).delete()
    assert not Submission.objects.exists()
