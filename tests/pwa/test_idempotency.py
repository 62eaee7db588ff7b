import uuid

import pytest
from django.urls import reverse

from secondop.accounts.models import User
from secondop.cases.models import Case, Question
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
        assert response["X-Secondop-Outcome"] == "saved"
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
