import pytest
from django.urls import reverse

from secondop.accounts.models import User
from secondop.cases.models import Case
from secondop.editing.texts import placeholders_in
from secondop.records.models import Provider, ProviderRole
from secondop.scripts.drafting import ensure_drafts
from secondop.scripts.models import Draft, DraftKind
from secondop.scripts.texts import FACT_LABELS
from tests.conftest import client_for

ALL_KINDS = [kind.value for kind in DraftKind]


def with_facts(case: Case) -> Case:
    Provider.objects.create(
        case=case, role=ProviderRole.CURRENT, name="Dr. Maria Chen", practice="Eastside Clinic"
    )
    Provider.objects.create(
        case=case,
        role=ProviderRole.SECOND_OPINION,
        name="Dr. Sam Patel",
        practice="University Orthopedics",
        address="12 Hill Road, Springfield",
        fax="555-0100",
    )
    case.referral_needed = "yes"
    case.save()
    return case


def open_collaborative(case: Case) -> None:
    from django.utils import timezone

    case.provider_response = "supportive"
    case.felt_dismissed = case.met_tension = "no"
    case.approach_answered_at = timezone.now()
    case.save()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_script_is_generated_with_the_cases_facts(case: Case, kind: str) -> None:
    with_facts(case)
    open_collaborative(case)
    draft = ensure_drafts(case)[kind]
    text = draft.text
    assert "Dr. Sam Patel" in text
    assert "University Orthopedics" in text
    assert "visit notes" in text and "imaging reports" in text
    assert placeholders_in(text) == ([FACT_LABELS["conversation_date"]] if kind == "portal-message" else [])
    if kind in ("second-opinion", "collaborative"):
        assert "the knee surgery" in text
        assert "referral" in text
    if kind in ("records-request", "portal-message"):
        assert "12 Hill Road, Springfield or fax 555-0100" in text
    if kind == "portal-message":
        assert "Hello Dr. Maria Chen" in text
        assert "Alex Rivera" in text
        assert "follow up next week" in text
    for word in ("sorry", "apolog"):
        assert word not in text.lower()


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_missing_facts_stay_visible_as_placeholders(case: Case, kind: str) -> None:
    open_collaborative(case)
    case.concern = ""
    case.records_wanted = []
    case.save()
    text = ensure_drafts(case)[kind].text
    missing = placeholders_in(text)
    assert FACT_LABELS["second_provider"] in missing
    assert FACT_LABELS["records_wanted"] in missing
    assert not any("  " in line for line in text.splitlines())  # no silent blanks
    assert " at ." not in text and " , " not in text


def test_the_script_page_lists_what_is_still_to_fill_and_links_to_it(case: Case, owner: User) -> None:
    page = client_for(owner).get(reverse("draft_edit", args=[case.code, "records-request"])).text
    assert "Still to fill in" in page
    assert "[the second-opinion doctor&#x27;s name]" in page
    assert reverse("script_facts", args=[case.code]) + "?next=records-request#id_second_name" in page


def test_filling_in_the_details_updates_scripts_nobody_edited_but_not_edited_ones(
    case: Case, owner: User
) -> None:
    client = client_for(owner)
    drafts = ensure_drafts(case)
    edited = drafts["pushback"]
    edited.save_edit("My own words.", edited.version, owner)
    response = client.post(
        reverse("script_facts", args=[case.code]),
        {
            "patient_name": "Alex Rivera",
            "concern": "the knee surgery",
            "second_name": "Dr. Sam Patel",
            "second_practice": "University Orthopedics",
            "records_wanted": ["complete", "imaging_files"],
        },
    )
    assert response.status_code == 302
    assert "Dr. Sam Patel" in Draft.objects.get(case=case, kind="records-request").text
    assert "imaging files" in Draft.objects.get(case=case, kind="records-request").text
    assert Draft.objects.get(case=case, kind="pushback").text == "My own words."
    assert Provider.objects.get(case=case, role="second_opinion").name == "Dr. Sam Patel"


def test_autosave_saves_and_moves_the_version_on(case: Case, owner: User) -> None:
    client = client_for(owner)
    draft = ensure_drafts(case)["pushback"]
    response = client.post(
        reverse("draft_save", args=[case.code, "pushback"]),
        {"text": "Edited words.", "version": draft.version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "draft-saved"
    assert (response["X-Secondop-Outcome"], response["X-Secondop-Version"]) == ("saved", "2")
    assert "Saved" in response.text
    draft.refresh_from_db()
    assert (draft.text, draft.version) == ("Edited words.", 2)
    assert 'id="draft-version"' in response.text and 'value="2"' in response.text
    assert 'hx-swap-oob="true"' in response.text


def test_autosave_with_a_stale_version_reports_a_conflict_and_keeps_both_texts(
    case: Case, owner: User, advocate: User
) -> None:
    draft = ensure_drafts(case)["pushback"]
    base = draft.version
    client_for(owner).post(
        reverse("draft_save", args=[case.code, "pushback"]), {"text": "Owner's words.", "version": base}
    )
    response = client_for(advocate).post(
        reverse("draft_save", args=[case.code, "pushback"]),
        {"text": "Advocate's words.", "version": base},
        headers={"HX-Request": "true"},
    )
    assert response["X-Secondop-Outcome"] == "conflict" and "X-Secondop-Version" not in response
    assert "someone else changed this script" in response.text
    assert "Owner&#x27;s words." in response.text and "Advocate&#x27;s words." in response.text
    draft.refresh_from_db()
    assert draft.text == "Owner's words."  # nothing silently overwritten
    assert draft.conflict_text == "Advocate's words."  # and nothing lost
    assert draft.version == base + 1

    page = client_for(owner).get(reverse("draft_edit", args=[case.code, "pushback"])).text
    assert "Two versions of this script" in page
    client_for(owner).post(reverse("draft_resolve", args=[case.code, "pushback"]), {"keep": "mine"})
    draft.refresh_from_db()
    assert (draft.text, draft.conflict_text, draft.version) == ("Advocate's words.", "", base + 2)


def test_keeping_the_saved_version_drops_only_the_other(case: Case, owner: User) -> None:
    draft = ensure_drafts(case)["pushback"]
    draft.save_edit("Saved.", draft.version, owner)
    draft.save_edit("Late.", draft.version - 1, owner)
    client_for(owner).post(reverse("draft_resolve", args=[case.code, "pushback"]), {"keep": "theirs"})
    draft.refresh_from_db()
    assert (draft.text, draft.conflict_text) == ("Saved.", "")


@pytest.mark.parametrize(
    "data", [{"text": "x" * 20001, "version": "1"}, {"text": "x", "version": "abc"}, {"text": "x"}]
)
def test_a_bad_save_is_refused_with_a_message_and_changes_nothing(
    case: Case, owner: User, data: dict[str, str]
) -> None:
    draft = ensure_drafts(case)["pushback"]
    before = (draft.text, draft.version)
    response = client_for(owner).post(
        reverse("draft_save", args=[case.code, "pushback"]), data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "could not be saved" in response.text
    draft.refresh_from_db()
    assert (draft.text, draft.version) == before


def test_restore_brings_back_the_generated_text_in_one_click(case: Case, owner: User) -> None:
    client = client_for(owner)
    draft = ensure_drafts(case)["second-opinion"]
    generated = draft.text
    draft.save_edit("Mine.", draft.version, owner)
    assert (
        "Restore the suggested text"
        in client.get(reverse("draft_edit", args=[case.code, "second-opinion"])).text
    )
    client.post(reverse("draft_restore", args=[case.code, "second-opinion"]))
    draft.refresh_from_db()
    assert draft.text == generated


def test_marking_the_pushback_script_used_records_the_reaction(case: Case, owner: User) -> None:
    client = client_for(owner)
    response = client.post(
        reverse("draft_use", args=[case.code, "pushback"]),
        {
            "used_on": "2026-11-20",
            "channel": "in_person",
            "provider_said": "She said it was fine, a bit short.",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("draft_edit", args=[case.code, "pushback"])).text
    assert "How they reacted" in page
    assert "She said it was fine, a bit short." in page


def test_the_portal_message_names_the_date_of_the_conversation_once_it_is_noted(
    case: Case, owner: User
) -> None:
    client = client_for(owner)
    client.post(
        reverse("draft_use", args=[case.code, "second-opinion"]),
        {"used_on": "2026-11-20", "channel": "in_person"},
    )
    assert "As we discussed on November 20" in ensure_drafts(case)["portal-message"].text


def test_a_bad_use_is_refused_next_to_the_field(case: Case, owner: User) -> None:
    response = client_for(owner).post(
        reverse("draft_use", args=[case.code, "pushback"]), {"used_on": "not a date", "channel": "pigeon"}
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert not ensure_drafts(case)["pushback"].uses.exists()


def test_the_say_it_view_shows_one_paragraph_per_part(case: Case, viewer: User) -> None:
    page = client_for(viewer).get(reverse("draft_say", args=[case.code, "pushback"])).text
    assert page.count("data-say-part") == 3
    assert "data-say-next" in page and "data-say-back" in page


def test_an_unknown_script_kind_is_404(case: Case, owner: User) -> None:
    assert (
        client_for(owner).get(reverse("draft_edit", args=[case.code, "letter-to-santa"])).status_code == 404
    )


def test_a_viewer_reads_a_script_without_an_editor(case: Case, viewer: User) -> None:
    page = client_for(viewer).get(reverse("draft_edit", args=[case.code, "pushback"])).text
    assert "<textarea" not in page
    assert "Copy" in page


def test_saving_the_same_text_again_is_no_new_version_and_no_conflict(case: Case, owner: User) -> None:
    draft = ensure_drafts(case)["pushback"]
    draft.save_edit("Same words.", draft.version, owner)
    version = draft.version
    assert draft.save_edit("Same words.", version - 1, owner) == "saved"  # even from a stale tab
    draft.refresh_from_db()
    assert (draft.version, draft.conflict_text) == (version, "")


def test_a_plain_form_post_with_crlf_line_breaks_is_the_same_text(case: Case, owner: User) -> None:
    draft = ensure_drafts(case)["pushback"]
    client_for(owner).post(
        reverse("draft_save", args=[case.code, "pushback"]),
        {"text": draft.text.replace("\n", "\r\n"), "version": draft.version},
    )
    draft.refresh_from_db()
    assert not draft.is_edited
    assert draft.version == 1


def test_the_say_it_view_leads_back_to_the_script(case: Case, viewer: User) -> None:
    page = client_for(viewer).get(reverse("draft_say", args=[case.code, "pushback"])).text
    assert f'href="{reverse("draft_edit", args=[case.code, "pushback"])}"' in page
