from django.urls import reverse
from django.utils import timezone

from secondop.accounts.models import User
from secondop.cases import checklist
from secondop.cases.models import Case, ChecklistItem, InsuranceCheck, Question
from secondop.scripts.drafting import ensure_drafts
from tests.conftest import client_for


def item(case: Case, key: str) -> ChecklistItem:
    return case.checklist.get(key=key)


def test_every_case_starts_with_the_weeks_checklist(case: Case) -> None:
    assert list(case.checklist.values_list("key", flat=True)) == [
        "script",
        "rights",
        "portal",
        "questions",
        "insurance",
    ]
    assert not case.checklist.filter(done_at__isnull=False).exists()
    for entry in case.checklist.all():
        link = checklist.link_for(entry)
        assert link and str(case.code) in link


def test_writing_a_script_after_the_chooser_ticks_the_script_item(case: Case, owner: User) -> None:
    client = client_for(owner)
    draft = ensure_drafts(case)["second-opinion"]
    client.post(
        reverse("draft_save", args=[case.code, "second-opinion"]), {"text": "Mine", "version": draft.version}
    )
    assert item(case, "script").done_at is None  # the chooser is not answered yet
    client.post(
        reverse("approach", args=[case.code]),
        {
            "provider_response": "neutral",
            "felt_dismissed": "no",
            "met_tension": "no",
            "wants_to_return": "yes",
            "referral_needed": "no",
        },
    )
    script = item(case, "script")
    assert script.done_at is not None and script.ticked_automatically


def test_the_portal_message_marked_sent_ticks_the_portal_item(case: Case, owner: User) -> None:
    client_for(owner).post(
        reverse("draft_use", args=[case.code, "portal-message"]),
        {"used_on": "2026-11-21", "channel": "portal"},
    )
    assert item(case, "portal").done_at is not None
    assert item(case, "script").done_at is None  # the portal message is not "your script"


def test_questions_insurance_and_rights_tick_their_items(case: Case, owner: User) -> None:
    Question.objects.create(case=case, text="What else could we try?")
    InsuranceCheck.objects.create(case=case, referral_required="yes", preauth_required="unsure")
    case.rights_notes = "Ohio: same 30 days."
    case.save()
    ticked = {entry.key for entry in checklist.sync(case, owner)}
    assert ticked == {"questions", "rights"}  # "not sure" about pre-authorisation is not done yet
    InsuranceCheck.objects.filter(case=case).update(preauth_required="no")
    assert {entry.key for entry in checklist.sync(case, owner)} == {"insurance"}


def test_a_ticked_item_stays_ticked_and_the_signal_says_so_once(case: Case, owner: User) -> None:
    heard: list[str] = []

    def listener(sender: object, item: ChecklistItem, case: Case, **kwargs: object) -> None:
        heard.append(item.key)

    checklist.item_ticked.connect(listener)
    try:
        Question.objects.create(case=case, text="Q")
        checklist.sync(case, owner)
        Question.objects.all().delete()
        checklist.sync(case, owner)
    finally:
        checklist.item_ticked.disconnect(listener)
    assert heard == ["questions"]
    assert item(case, "questions").done_at is not None


def test_items_can_be_ticked_and_unticked_by_hand(case: Case, advocate: User) -> None:
    client = client_for(advocate)
    rights = item(case, "rights")
    response = client.post(
        reverse("checklist_toggle", args=[case.code, rights.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "1 of 5 done" in response.text
    rights.refresh_from_db()
    assert rights.done_by == advocate and not rights.ticked_automatically
    client.post(reverse("checklist_toggle", args=[case.code, rights.pk]))
    rights.refresh_from_db()
    assert rights.done_at is None


def test_own_items_can_be_added_and_removed_but_standard_ones_stay(case: Case, owner: User) -> None:
    client = client_for(owner)
    client.post(reverse("checklist", args=[case.code]), {"title": "  Ask   Sam to come along "})
    own = case.checklist.get(key="")
    assert own.title == "Ask Sam to come along"
    assert own.position > item(case, "insurance").position
    assert (
        client.post(reverse("checklist_delete", args=[case.code, item(case, "rights").pk])).status_code == 404
    )
    client.post(reverse("checklist_delete", args=[case.code, own.pk]))
    assert case.checklist.count() == 5


def test_a_blank_own_item_is_refused_with_a_message(case: Case, owner: User) -> None:
    response = client_for(owner).post(reverse("checklist", args=[case.code]), {"title": "   "})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert case.checklist.count() == 5


def test_an_item_of_another_case_is_404(case: Case, owner: User) -> None:
    other = Case.open_for(owner, patient_name="Other")
    foreign = other.checklist.first()
    assert foreign is not None
    response = client_for(owner).post(reverse("checklist_toggle", args=[case.code, foreign.pk]))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.done_at is None


def test_the_overview_shows_the_progress_bar(case: Case, owner: User) -> None:
    ChecklistItem.objects.filter(case=case, key__in=["rights", "questions"]).update(done_at=timezone.now())
    page = client_for(owner).get(case.get_absolute_url()).text
    assert '<progress max="5" value="2"' in page
    assert "2 of 5 done" in page
    assert checklist.progress(case) == (2, 5)
