"""The sixth script: telling the first doctor what the second opinion said and what was decided, with no
apology, whatever the decision; and its portal-message version."""

import pytest
from django.urls import reverse

from secondop.accounts.models import User
from secondop.cases import checklist
from secondop.cases.models import Case
from secondop.editing.texts import placeholders_in
from secondop.opinions.models import Decision
from secondop.records.models import Provider, ProviderRole
from secondop.scripts.drafting import drafts_as_they_stand, ensure_drafts, offered_kinds
from secondop.scripts.models import Draft, DraftKind
from secondop.scripts.texts import FACT_LABELS, Facts, portal_version
from tests.conftest import client_for

KIND = DraftKind.SHARE_RESULT.value

# What each decision makes the script say (and nothing of the others').
DECISION_WORDS = {
    "stay": "I have decided to stay with the plan we talked about.",
    "switch": "I have decided to follow Dr. Sam Patel's plan, and they will take over this part of my care.",
    "combine": "I would like to combine the two: to keep you as my doctor, and to add Dr. Sam Patel's advice",
    "undecided": "I have not decided yet.",
}


@pytest.fixture
def named(case: Case) -> Case:
    Provider.objects.create(
        case=case, role=ProviderRole.CURRENT, name="Dr. Maria Chen", practice="Eastside Clinic"
    )
    Provider.objects.create(
        case=case, role=ProviderRole.SECOND_OPINION, name="Dr. Sam Patel", practice="University Orthopedics"
    )
    return case


def record(case: Case, user: User, **opinion: str) -> None:
    data = {"decision": "undecided", **opinion}
    response = client_for(user).post(reverse("opinion", args=[case.code]), data)
    assert response.status_code == 302


def script_text(case: Case) -> str:
    return drafts_as_they_stand(case)[KIND].text


def portal_text(case: Case) -> str:
    return portal_version(script_text(case), Facts.of(case))


def test_the_sixth_script_is_offered_last_on_every_case(case: Case) -> None:
    assert offered_kinds(case)[-1] == KIND
    assert KIND in drafts_as_they_stand(case)


@pytest.mark.parametrize("decision", [choice.value for choice in Decision])
def test_the_script_says_the_decision_plainly_with_the_names_and_no_apology(
    named: Case, owner: User, decision: str
) -> None:
    record(
        named, owner, decision=decision, agreement="agreed", second_recommendation="Physical therapy first"
    )
    text = script_text(named)
    portal = portal_text(named)
    assert DECISION_WORDS[decision] in text
    for other, words in DECISION_WORDS.items():
        if other != decision:
            assert words not in text
    assert "Dr. Sam Patel at University Orthopedics reviewed my" in text
    assert text.startswith(
        "I had my second opinion about the knee surgery, and I want to tell you what I learned."
    )
    assert "They agreed with your diagnosis. Their recommendation: Physical therapy first." in text
    assert "I will ask their office to send you their report" in text
    assert placeholders_in(text) == [] and placeholders_in(portal) == []
    for words in (text, portal):
        for word in ("sorry", "apolog", "forgive", "regret"):
            assert word not in words.lower()
    # The portal version: a subject, the first doctor greeted, the script, the patient's name.
    assert portal.startswith("Subject: What I learned from my second opinion\n\nHello Dr. Maria Chen,\n\n")
    assert text in portal
    assert portal.endswith("Thank you,\nAlex Rivera")


@pytest.mark.parametrize(
    ("opinion", "expected", "absent"),
    [
        (
            {"agreement": "agreed", "second_diagnosis": "Same tear."},
            "They agreed with your diagnosis.",
            "Same",
        ),
        (
            {"agreement": "partly", "second_diagnosis": "A smaller tear"},
            "They agreed with part of your diagnosis. Their diagnosis: A smaller tear.",
            "differently",
        ),
        (
            {"agreement": "different", "second_diagnosis": "Arthritis, not a tear!"},
            "They see the diagnosis differently. Their diagnosis: Arthritis, not a tear!",
            "agreed",
        ),
        (
            {"agreement": "not_sure"},
            "I am not yet sure whether they agree with your diagnosis.",
            "Their diagnosis",
        ),
        (
            {"second_recommendation": "Wait\nand watch."},
            "reports. Their recommendation: Wait and watch.",
            "They",
        ),
    ],
)
def test_what_the_second_doctor_said_follows_on_in_plain_sentences(
    named: Case, owner: User, opinion: dict[str, str], expected: str, absent: str
) -> None:
    record(named, owner, **opinion)
    text = script_text(named)
    assert expected in text, text
    assert absent not in text.split("\n\n")[1]


def test_before_anything_is_recorded_the_script_reads_as_undecided_with_nothing_to_fill(
    named: Case,
) -> None:
    text = script_text(named)
    assert DECISION_WORDS["undecided"] in text
    assert "agree" not in text and "recommendation" not in text
    assert placeholders_in(text) == []


def test_missing_names_stay_visible_as_placeholders_in_both_versions(case: Case) -> None:
    text = script_text(case)
    portal = portal_text(case)
    assert FACT_LABELS["second_provider"] in placeholders_in(text)
    assert FACT_LABELS["current_provider"] in placeholders_in(portal)
    case.patient_name = ""
    assert FACT_LABELS["patient_name"] in placeholders_in(portal_version(text, Facts.of(case)))


def test_a_stored_script_nobody_edited_follows_the_opinion_and_an_edited_one_keeps_its_words(
    named: Case, owner: User
) -> None:
    draft = ensure_drafts(named)[KIND]
    assert DECISION_WORDS["undecided"] in draft.text
    record(named, owner, decision="switch")
    draft.refresh_from_db()
    assert DECISION_WORDS["switch"] in draft.text
    draft.save_edit("My own words to Dr. Chen.", draft.version, owner)
    record(named, owner, decision="stay")
    draft.refresh_from_db()
    assert draft.text == "My own words to Dr. Chen."
    # Restoring the suggested text brings the one that fits the decision now.
    client_for(owner).post(reverse("draft_restore", args=[named.code, KIND]))
    draft.refresh_from_db()
    assert DECISION_WORDS["stay"] in draft.text


def test_what_people_type_is_never_read_as_a_template(named: Case, owner: User) -> None:
    record(
        named, owner, agreement="different", second_diagnosis="{patient_name} {0} {decision", decision="stay"
    )
    text = script_text(named)
    assert "Their diagnosis: {patient_name} {0} {decision." in text


def test_the_script_page_shows_the_portal_version_and_leads_to_the_opinion_page(
    named: Case, owner: User, viewer: User
) -> None:
    record(named, owner, decision="combine")
    for user in (owner, viewer):
        page = client_for(user).get(reverse("draft_edit", args=[named.code, KIND])).text
        assert "Sharing the result with your doctor" in page
        assert "As a portal message" in page
        portal = page.split('id="portal-version"', 1)[1].split("</div>", 1)[0]
        assert "Subject: What I learned from my second opinion" in portal
        assert "Hello Dr. Maria Chen," in portal and "Alex Rivera" in portal
        assert "Dr. Sam Patel&#x27;s advice" in portal
        assert 'data-copy="#portal-version"' in page
        assert f'href="{reverse("opinion", args=[named.code])}"' in page


def test_the_portal_version_carries_the_edited_words(named: Case, owner: User) -> None:
    draft = ensure_drafts(named)[KIND]
    draft.save_edit("We will keep working together.", draft.version, owner)
    page = client_for(owner).get(reverse("draft_edit", args=[named.code, KIND])).text
    portal = page.split('id="portal-version"', 1)[1].split("</div>", 1)[0]
    assert "We will keep working together." in portal


def test_the_other_scripts_have_no_portal_version(named: Case, owner: User) -> None:
    page = client_for(owner).get(reverse("draft_edit", args=[named.code, "pushback"])).text
    assert "portal-version" not in page


def test_using_it_joins_the_paper_trail(named: Case, owner: User) -> None:
    client = client_for(owner)
    response = client.post(
        reverse("draft_use", args=[named.code, KIND]),
        {"used_on": "2026-12-01", "channel": "portal", "provider_said": "Thanks for letting me know."},
    )
    assert response.status_code == 302
    assert Draft.objects.get(case=named, kind=KIND).uses.count() == 1
    timeline = client.get(reverse("timeline", args=[named.code])).text
    assert "Used the script “Sharing the result with your doctor” (patient portal)" in timeline
    assert "Thanks for letting me know." in timeline
    assert (
        "Sharing the result with your doctor" in client.get(reverse("scripts_index", args=[named.code])).text
    )


def test_a_viewer_may_not_mark_it_used(named: Case, viewer: User) -> None:
    response = client_for(viewer).post(
        reverse("draft_use", args=[named.code, KIND]), {"used_on": "2026-12-01", "channel": "portal"}
    )
    assert response.status_code == 403
    assert not Draft.objects.filter(case=named, kind=KIND).exists()


def test_a_stranger_gets_404_on_the_script(named: Case, stranger: User) -> None:
    assert client_for(stranger).get(reverse("draft_edit", args=[named.code, KIND])).status_code == 404


def test_writing_this_script_does_not_tick_the_write_your_script_item(named: Case, owner: User) -> None:
    from django.utils import timezone

    named.approach_answered_at = timezone.now()
    named.save()
    draft = ensure_drafts(named)[KIND]
    draft.save_edit("My own words.", draft.version, owner)
    checklist.sync(named, owner)
    assert named.checklist.get(key="script").done_at is None


def test_a_sentence_that_follows_on_keeps_its_space(named: Case, owner: User) -> None:
    """The referral sentence of the opening scripts, and what the second doctor said in this one."""
    named.referral_needed = "yes"
    named.save()
    record(named, owner, agreement="agreed")
    assert (
        "imaging reports? My insurance plan needs a referral"
        in drafts_as_they_stand(named)["second-opinion"].text
    )
    assert "imaging reports. They agreed with your diagnosis." in script_text(named)
