"""The opinion page: what the second doctor said, beside what the first one said, and what was decided."""

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from secondop.accounts.models import User
from secondop.cases.models import AuditAction, AuditEvent, Case
from secondop.opinions.models import Opinion
from secondop.records.models import Provider, ProviderRole
from tests.conftest import client_for

OPINION = {
    "first_diagnosis": "A torn meniscus.",
    "first_recommendation": "Knee surgery in March.",
    "agreement": "partly",
    "second_diagnosis": "A small tear that may heal.",
    "second_recommendation": "Six weeks of physical therapy first.",
    "next_steps": "Book physical therapy. See Dr. Patel again in June.",
    "decision": "combine",
}


def url(case: Case) -> str:
    return reverse("opinion", args=[case.code])


def record(client: Client, case: Case, **change: str) -> Any:
    return client.post(url(case), {**OPINION, **change})


def snapshot(case: Case) -> list[object]:
    return list(Opinion.objects.filter(case=case).values())


def main_of(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.fixture
def doctors(case: Case) -> Case:
    Provider.objects.create(case=case, role=ProviderRole.CURRENT, name="Dr. Maria Chen")
    Provider.objects.create(case=case, role=ProviderRole.SECOND_OPINION, name="Dr. Sam Patel")
    return case


# Recording it, and seeing both side by side


def test_recording_the_opinion_keeps_every_part_of_it(case: Case, owner: User) -> None:
    response = record(client_for(owner), case)
    assert response.status_code == 302
    assert response["Location"] == url(case)
    opinion = Opinion.objects.get(case=case)
    assert opinion.first_diagnosis == "A torn meniscus."
    assert opinion.agreement == "partly"
    assert opinion.second_recommendation == "Six weeks of physical therapy first."
    assert opinion.next_steps == "Book physical therapy. See Dr. Patel again in June."
    assert opinion.decision == "combine"
    assert opinion.updated_by == owner


def test_the_page_shows_both_opinions_side_by_side_with_the_doctors_names(doctors: Case, owner: User) -> None:
    client = client_for(owner)
    record(client, doctors)
    page = client.get(url(doctors)).text
    side_by_side = page.split('id="side-by-side"', 1)[1].split("</section>", 1)[0]
    for text in (
        "A torn meniscus.",
        "Knee surgery in March.",
        "A small tear that may heal.",
        "Six weeks of physical therapy first.",
        "Book physical therapy.",
        "Partly",
        "Combine the two",
        "Dr. Maria Chen",
        "Dr. Sam Patel",
    ):
        assert text in side_by_side, text
    # Each topic puts the first doctor's words beside the second's.
    diagnosis = side_by_side.split("<h3>The diagnosis</h3>", 1)[1].split("</dl>", 1)[0]
    assert diagnosis.index("A torn meniscus.") < diagnosis.index("A small tear that may heal.")


def test_saving_says_so_on_the_next_page(case: Case, owner: User) -> None:
    page = client_for(owner).post(url(case), OPINION, follow=True).text
    assert "Saved the two opinions." in page


def test_the_first_opinion_may_be_written_before_the_second(case: Case, owner: User) -> None:
    client = client_for(owner)
    client.post(url(case), {"first_diagnosis": "A torn meniscus.", "decision": "undecided"})
    opinion = Opinion.objects.get(case=case)
    assert (opinion.first_diagnosis, opinion.agreement, opinion.second_recommendation) == (
        "A torn meniscus.",
        "",
        "",
    )
    side_by_side = client.get(url(case)).text.split('id="side-by-side"', 1)[1].split("</section>", 1)[0]
    assert "A torn meniscus." in side_by_side
    assert "Not written down yet" in side_by_side


def test_saving_again_changes_the_one_opinion_of_the_case(case: Case, advocate: User) -> None:
    client = client_for(advocate)
    record(client, case)
    record(client, case, decision="stay", second_recommendation="Surgery is reasonable.")
    opinion = Opinion.objects.get(case=case)
    assert (opinion.decision, opinion.second_recommendation) == ("stay", "Surgery is reasonable.")
    assert opinion.updated_by == advocate


def test_nothing_written_yet_says_what_to_do(case: Case, owner: User, viewer: User) -> None:
    page = client_for(owner).get(url(case)).text
    assert "Nothing written down yet. After the visit" in page
    assert 'href="#write-heading"' in page
    assert "Nothing written down yet." in client_for(viewer).get(url(case)).text
    assert not Opinion.objects.exists()  # looking creates nothing


def test_every_field_is_labelled(case: Case, owner: User) -> None:
    page = client_for(owner).get(url(case)).text
    form = page.split('action="' + url(case) + '"', 1)[1].split("</form>", 1)[0]
    for name in ("first_diagnosis", "first_recommendation", "second_diagnosis", "second_recommendation"):
        assert f'<label for="id_{name}"' in form, name
    assert '<label for="id_next_steps"' in form
    for name, count in (("agreement", 4), ("decision", 4)):
        assert form.count(f'name="{name}"') == count
        for index in range(count):
            assert f'<label for="id_{name}_{index}"' in form
    assert "<legend>Did the second doctor agree with the diagnosis?</legend>" in form
    assert "<legend>What have you decided?</legend>" in form
    assert 'data-outbox="opinion"' in form and f'data-outbox-case="{case.code}"' in form


def test_the_form_names_the_doctors_and_asks_for_them_when_missing(case: Case, owner: User) -> None:
    page = client_for(owner).get(url(case)).text
    assert reverse("script_facts", args=[case.code]) in page
    Provider.objects.create(case=case, role=ProviderRole.CURRENT, name="Dr. Maria Chen")
    Provider.objects.create(case=case, role=ProviderRole.SECOND_OPINION, name="Dr. Sam Patel")
    page = client_for(owner).get(url(case)).text
    assert "<legend>The first opinion — Dr. Maria Chen</legend>" in page
    assert "<legend>The second opinion — Dr. Sam Patel</legend>" in page
    assert reverse("script_facts", args=[case.code]) not in page


# The questions: shown here, answered on their own page


def test_the_questions_are_listed_with_whether_they_were_answered_and_link_to_their_page(
    case: Case, owner: User
) -> None:
    answered = case.questions.create(text="Is surgery the only option?", position=0)
    open_one = case.questions.create(text="How long is recovery?", position=1)
    client = client_for(owner)
    client.post(
        reverse("question_answer", args=[case.code, answered.pk]), {"answer_note": "No: therapy first."}
    )
    page = client.get(url(case)).text
    section = page.split('id="questions-heading"', 1)[1].split("</section>", 1)[0]
    assert "1 of 2 answered." in section
    assert "Answered</li>" not in section  # the state is in words, beside each question
    assert "Answered: <a" in section and "Not answered yet: <a" in section
    assert f"{reverse('questions', args=[case.code])}#question-{answered.pk}" in section
    assert f"{reverse('questions', args=[case.code])}#question-{open_one.pk}" in section
    assert f'href="{reverse("questions", args=[case.code])}"' in section


def test_with_no_questions_a_writer_is_pointed_to_the_questions_page(case: Case, owner: User) -> None:
    section = client_for(owner).get(url(case)).text.split('id="questions-heading"', 1)[1]
    assert "No questions written down." in section.split("</section>", 1)[0]
    assert reverse("questions", args=[case.code]) in section.split("</section>", 1)[0]


def test_the_page_leads_to_the_script_for_telling_the_first_doctor(case: Case, viewer: User) -> None:
    page = client_for(viewer).get(url(case)).text
    assert reverse("draft_edit", args=[case.code, "share-result"]) in page


def test_the_case_overview_links_to_the_opinion_page(case: Case, owner: User) -> None:
    page = client_for(owner).get(reverse("case_overview", args=[case.code])).text
    assert f'href="{url(case)}"' in page


# Who may do what


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_stranger_gets_404_and_changes_nothing(
    case: Case, owner: User, stranger: User, method: str
) -> None:
    record(client_for(owner), case)
    before = snapshot(case)
    response = getattr(client_for(stranger), method)(url(case), {**OPINION, "decision": "switch"})
    assert response.status_code == 404
    assert snapshot(case) == before


def test_a_viewer_reads_both_opinions_but_gets_no_form_and_403_on_a_write(
    case: Case, owner: User, viewer: User
) -> None:
    record(client_for(owner), case)
    before = snapshot(case)
    client = client_for(viewer)
    page = client.get(url(case))
    assert page.status_code == 200
    assert "A torn meniscus." in page.text and "Six weeks of physical therapy first." in page.text
    main = main_of(page.text)
    assert "<textarea" not in main and "<input" not in main
    assert client.post(url(case), {**OPINION, "decision": "switch"}).status_code == 403
    assert snapshot(case) == before


@pytest.mark.parametrize("role", ["owner", "advocate"])
def test_the_owner_and_an_advocate_may_record_it(
    case: Case, role: str, request: pytest.FixtureRequest
) -> None:
    member = request.getfixturevalue(role)
    assert client_for(member).get(url(case)).status_code == 200
    assert record(client_for(member), case).status_code == 302
    assert Opinion.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_someone_logged_out_is_sent_to_log_in(case: Case, method: str) -> None:
    response = getattr(Client(), method)(url(case), OPINION)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Opinion.objects.exists()


def test_a_saved_change_is_in_the_audit_trail_and_a_refused_one_is_not(case: Case, advocate: User) -> None:
    client = client_for(advocate)
    record(client, case, decision="maybe")
    assert not AuditEvent.objects.filter(case=case, action=AuditAction.CHANGED).exists()
    record(client, case)
    event = AuditEvent.objects.get(case=case, action=AuditAction.CHANGED)
    assert (event.actor_id, event.detail) == (advocate.pk, "the second opinion")


# Bad input


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"second_recommendation": "x" * 2001}, "second_recommendation", "at most 2000 fit here"),
        ({"first_diagnosis": "x" * 2001}, "first_diagnosis", "at most 2000 fit here"),
        ({"agreement": "kind of"}, "agreement", "Choose one of the answers shown."),
        ({"decision": "flip a coin"}, "decision", "Choose one of the answers shown."),
        ({"decision": ""}, "decision", "“Not decided yet” is fine"),
    ],
)
def test_bad_input_is_refused_with_a_message_kept_and_changes_nothing(
    case: Case, owner: User, change: dict[str, str], field: str, message: str
) -> None:
    client = client_for(owner)
    record(client, case, next_steps="What was saved before.")
    before = snapshot(case)
    response = client.post(url(case), {**OPINION, **change}, headers={"X-Secondop-Outbox": "page"})
    assert response.status_code == 200
    assert response["X-Secondop-Outcome"] == "refused"
    assert message in response.text
    assert "needs a small fix" in response.text
    assert "Book physical therapy. See Dr. Patel again in June." in response.text  # what was typed stays
    assert snapshot(case) == before


def test_a_first_bad_save_creates_nothing(case: Case, owner: User) -> None:
    response = record(client_for(owner), case, agreement="kind of")
    assert response.status_code == 200
    assert 'class="field-errors"' in response.text
    assert not Opinion.objects.exists()


def test_html_typed_is_shown_as_text(case: Case, owner: User, viewer: User) -> None:
    attack = "<script>alert(1)</script>"
    record(client_for(owner), case, first_diagnosis=attack, second_recommendation=attack)
    for client in (client_for(owner), client_for(viewer)):
        page = client.get(url(case)).text
        assert attack not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# Through the outbox


def test_a_replayed_submission_is_the_same_write(case: Case, owner: User) -> None:
    client = client_for(owner)
    client_id = str(uuid.uuid4())
    first = client.post(url(case), OPINION, headers={"X-Client-Id": client_id, "X-Secondop-Outbox": "1"})
    record(client, case, decision="stay")  # a later change, online
    again = client.post(url(case), OPINION, headers={"X-Client-Id": client_id, "X-Secondop-Outbox": "1"})
    assert (first.status_code, first["X-Secondop-Outcome"]) == (204, "saved")
    assert first["X-Secondop-Location"] == url(case)
    assert again["X-Secondop-Replayed"] == "1"
    assert Opinion.objects.get(case=case).decision == "stay"  # the replay changed nothing
