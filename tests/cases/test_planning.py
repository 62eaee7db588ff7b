"""The planning pages: the right to your records, questions for the second opinion, the insurance check."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from secondop.accounts.models import User
from secondop.cases.models import Case, InsuranceCheck, Question, YesNoUnsure
from tests.conftest import client_for

QUESTION_VIEWS = {"question_edit", "question_move", "question_answer", "question_delete"}


@dataclass(frozen=True)
class PlanningView:
    name: str
    method: str
    need: str  # "read" or "write"
    data: Callable[[], dict[str, str]] = dict

    def url(self, case: Case, question: Question) -> str:
        if self.name in QUESTION_VIEWS:
            return reverse(self.name, args=[case.code, question.pk])
        return reverse(self.name, args=[case.code])


INSURANCE_ANSWERS = {
    "plan_name": "Blue Plan",
    "phone_called": "1-800-555-0100",
    "referral_required": "yes",
    "preauth_required": "no",
    "reference_numbers": "REF-123",
    "called_on": "2026-03-02",
    "spoke_with": "Dana",
    "notes": "In network.",
}

PLANNING_VIEWS = [
    PlanningView("records_rights", "get", "read"),
    PlanningView(
        "records_rights", "post", "write", lambda: {"rights_state": "Ohio", "rights_notes": "30 days"}
    ),
    PlanningView("questions", "get", "read"),
    PlanningView("questions", "post", "write", lambda: {"text": "What other treatments are there?"}),
    PlanningView("question_edit", "get", "write"),
    PlanningView("question_edit", "post", "write", lambda: {"text": "Changed?"}),
    PlanningView("question_move", "post", "write", lambda: {"direction": "down"}),
    PlanningView("question_answer", "post", "write", lambda: {"answer_note": "Physio first."}),
    PlanningView("question_delete", "post", "write"),
    PlanningView("insurance", "get", "read"),
    PlanningView("insurance", "post", "write", lambda: dict(INSURANCE_ANSWERS)),
]
POSTS = [view for view in PLANNING_VIEWS if view.method == "post"]


def view_id(view: PlanningView) -> str:
    return f"{view.method}-{view.name}"


def add_question(client: Client, case: Case, text: str) -> Any:
    return client.post(reverse("questions", args=[case.code]), {"text": text})


def texts(case: Case) -> list[str]:
    return list(case.questions.values_list("text", flat=True))


def snapshot(case: Case) -> tuple[object, ...]:
    """Everything the planning views could change."""
    return (
        Case.objects.values().get(pk=case.pk),
        list(Question.objects.filter(case=case).values()),
        list(InsuranceCheck.objects.filter(case=case).values()),
        list(case.checklist.values("key", "done_at")),
    )


def is_ticked(case: Case, key: str) -> bool:
    return case.checklist.get(key=key).done_at is not None


@pytest.fixture
def first(case: Case) -> Question:
    """The first of two questions in the case, made through the page."""
    owner = case.memberships.get(role="owner").user
    client = client_for(owner)
    add_question(client, case, "First?")
    add_question(client, case, "Second?")
    return case.questions.get(text="First?")


@pytest.fixture
def other_case(stranger: User) -> Case:
    """Someone else's case, with a question of its own."""
    other = Case.open_for(stranger, patient_name="Sam Other")
    add_question(client_for(stranger), other, "Someone else's question?")
    return other


# Who may do what


@pytest.mark.parametrize("view", PLANNING_VIEWS, ids=view_id)
def test_a_stranger_gets_404_and_changes_nothing(
    view: PlanningView, case: Case, first: Question, stranger: User
) -> None:
    before = snapshot(case)
    response = getattr(client_for(stranger), view.method)(view.url(case, first), view.data())
    assert response.status_code == 404
    assert snapshot(case) == before


@pytest.mark.parametrize("view", POSTS, ids=view_id)
def test_a_viewer_gets_403_on_every_change_and_changes_nothing(
    view: PlanningView, case: Case, first: Question, viewer: User
) -> None:
    before = snapshot(case)
    response = client_for(viewer).post(view.url(case, first), view.data())
    assert response.status_code == 403
    assert snapshot(case) == before


@pytest.mark.parametrize("view", [v for v in PLANNING_VIEWS if v.method == "get"], ids=view_id)
def test_a_viewer_reads_the_pages_but_not_the_edit_form(
    view: PlanningView, case: Case, first: Question, viewer: User
) -> None:
    response = client_for(viewer).get(view.url(case, first))
    assert response.status_code == (403 if view.need == "write" else 200)


@pytest.mark.parametrize("view", PLANNING_VIEWS, ids=view_id)
@pytest.mark.parametrize("role", ["owner", "advocate"])
def test_the_owner_and_an_advocate_may_do_everything(
    view: PlanningView, role: str, case: Case, first: Question, request: pytest.FixtureRequest
) -> None:
    member = request.getfixturevalue(role)
    response = getattr(client_for(member), view.method)(view.url(case, first), view.data())
    assert response.status_code == (200 if view.method == "get" else 302)


@pytest.mark.parametrize("view", PLANNING_VIEWS, ids=view_id)
def test_someone_logged_out_is_sent_to_log_in(view: PlanningView, case: Case, first: Question) -> None:
    response = getattr(Client(), view.method)(view.url(case, first), view.data())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", sorted(QUESTION_VIEWS - {"question_edit"}))
def test_the_question_actions_refuse_a_get(name: str, case: Case, first: Question, owner: User) -> None:
    response = client_for(owner).get(reverse(name, args=[case.code, first.pk]))
    assert response.status_code == 405


@pytest.mark.parametrize("view", [v for v in PLANNING_VIEWS if v.name in QUESTION_VIEWS], ids=view_id)
def test_a_question_from_another_case_is_404_and_stays_as_it_was(
    view: PlanningView, case: Case, first: Question, other_case: Case, owner: User
) -> None:
    theirs = other_case.questions.get()
    before = snapshot(other_case), snapshot(case)
    url = reverse(view.name, args=[case.code, theirs.pk])  # my case's address, their question
    response = getattr(client_for(owner), view.method)(url, view.data())
    assert response.status_code == 404
    assert (snapshot(other_case), snapshot(case)) == before


# The right to your records


def test_the_rights_page_explains_the_right_of_access_in_plain_words(case: Case, owner: User) -> None:
    text = client_for(owner).get(reverse("records_rights", args=[case.code])).text
    assert text.count("<h1") == 1
    for fact in ["30 days", "in writing", "reasonable", "do not have to give a reason", "another doctor"]:
        assert fact in text
    assert "not legal advice" in text
    assert reverse("case_overview", args=[case.code]) in text


def test_saving_what_i_found_keeps_it_and_ticks_the_rights_item(case: Case, advocate: User) -> None:
    url = reverse("records_rights", args=[case.code])
    response = client_for(advocate).post(
        url, {"rights_state": "Ohio", "rights_notes": "Ohio: 30 days, first copy free."}, follow=True
    )
    case.refresh_from_db()
    assert (case.rights_state, case.rights_notes) == ("Ohio", "Ohio: 30 days, first copy free.")
    assert is_ticked(case, "rights")
    assert "Saved what you found." in response.text
    assert response.redirect_chain == [(url, 302)]


def test_choosing_a_state_shows_its_rules_with_their_sources_and_ticks_the_item(
    case: Case, owner: User
) -> None:
    url = reverse("records_rights", args=[case.code])
    assert "Choose a state" in client_for(owner).get(url).text
    page = client_for(owner).post(url, {"rights_state": "California", "rights_notes": ""}, follow=True).text
    assert "California's rules" in page
    assert "within 15 days of the request" in page and "123110" in page
    assert "Last checked 2026-12-06" in page and "not legal advice" in page
    assert is_ticked(case, "rights")
    # A state keeping the federal floor says so.
    page = (
        client_for(owner).post(url, {"rights_state": "South Carolina", "rights_notes": ""}, follow=True).text
    )
    assert "no rule in South Carolina that gives you your records sooner than the federal 30 days" in page


def test_a_state_that_is_not_one_is_refused(case: Case, owner: User) -> None:
    before = snapshot(case)
    response = client_for(owner).post(
        reverse("records_rights", args=[case.code]), {"rights_state": "Atlantis", "rights_notes": ""}
    )
    assert response.status_code == 200 and 'aria-invalid="true"' in response.text
    assert snapshot(case) == before


def test_saving_nothing_about_rights_does_not_tick_the_item(case: Case, owner: User) -> None:
    client_for(owner).post(
        reverse("records_rights", args=[case.code]), {"rights_state": " ", "rights_notes": ""}
    )
    assert not is_ticked(case, "rights")


def test_too_long_rights_notes_are_refused_and_kept_in_the_form(case: Case, owner: User) -> None:
    before = snapshot(case)
    response = client_for(owner).post(
        reverse("records_rights", args=[case.code]), {"rights_state": "Ohio", "rights_notes": "n" * 5001}
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert "n" * 5001 in response.text
    assert snapshot(case) == before


def test_a_viewer_sees_what_was_found_but_no_form(case: Case, owner: User, viewer: User) -> None:
    url = reverse("records_rights", args=[case.code])
    client_for(owner).post(url, {"rights_state": "Ohio", "rights_notes": "Deadline is 30 days."})
    text = client_for(viewer).get(url).text
    assert "Deadline is 30 days." in text
    assert 'method="post" action="' + url not in text
    assert "<textarea" not in text


# Questions


def test_no_questions_yet_says_what_to_write(case: Case, owner: User) -> None:
    text = client_for(owner).get(reverse("questions", args=[case.code])).text
    assert "Write down what you want to ask — for example, what other treatments there are" in text
    assert text.count("<h1") == 1
    assert reverse("case_overview", args=[case.code]) in text


def test_adding_a_question_puts_it_at_the_end_and_ticks_the_questions_item(case: Case, owner: User) -> None:
    client = client_for(owner)
    add_question(client, case, "What other treatments are there?")
    assert is_ticked(case, "questions")
    response = add_question(client, case, "  What happens if I wait?  ")
    new = case.questions.get(text="What happens if I wait?")
    assert response.status_code == 302
    assert response["Location"] == reverse("questions", args=[case.code]) + f"#question-{new.pk}"
    assert texts(case) == ["What other treatments are there?", "What happens if I wait?"]
    assert list(case.questions.values_list("position", flat=True)) == [0, 1]


def test_the_list_shows_the_questions_in_order_with_their_controls(
    case: Case, first: Question, owner: User
) -> None:
    text = client_for(owner).get(reverse("questions", args=[case.code])).text
    assert text.index("First?") < text.index("Second?")
    assert reverse("question_edit", args=[case.code, first.pk]) in text
    assert "Move “First?” down" in text
    assert "Move “First?” up" not in text  # already first
    assert "Move “Second?” up" in text
    assert "Delete “First?”" in text


def test_the_list_shows_only_this_cases_questions(
    case: Case, first: Question, other_case: Case, owner: User
) -> None:
    text = client_for(owner).get(reverse("questions", args=[case.code])).text
    assert "Someone else" not in text


@pytest.mark.parametrize("text", ["", "   \n  ", "x" * 501])
def test_a_question_that_is_blank_or_too_long_is_refused_and_kept(case: Case, owner: User, text: str) -> None:
    response = add_question(client_for(owner), case, text)
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert 'role="alert"' in response.text
    if text.strip():
        assert "501 characters long" in response.text
        assert text in response.text  # nothing typed is lost
    else:
        assert "Write your question here first." in response.text
    assert not case.questions.exists()
    assert not is_ticked(case, "questions")


def test_a_question_of_exactly_500_characters_fits(case: Case, owner: User) -> None:
    add_question(client_for(owner), case, "x" * 500)
    assert texts(case) == ["x" * 500]


def test_editing_a_question_saves_the_new_words(case: Case, first: Question, advocate: User) -> None:
    url = reverse("question_edit", args=[case.code, first.pk])
    client = client_for(advocate)
    form = client.get(url).text
    assert "First?" in form
    assert form.count("<h1") == 1
    assert reverse("case_overview", args=[case.code]) in form
    response = client.post(url, {"text": "What are the risks?"})
    assert response.status_code == 302
    assert texts(case) == ["What are the risks?", "Second?"]


@pytest.mark.parametrize("text", ["", "  ", "y" * 501])
def test_editing_a_question_to_blank_or_too_long_is_refused_and_changes_nothing(
    case: Case, first: Question, owner: User, text: str
) -> None:
    before = snapshot(case)
    response = client_for(owner).post(reverse("question_edit", args=[case.code, first.pk]), {"text": text})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    if text.strip():
        assert text in response.text
    assert snapshot(case) == before


def test_moving_a_question_swaps_it_with_its_neighbour(case: Case, first: Question, owner: User) -> None:
    client = client_for(owner)
    add_question(client, case, "Third?")
    url = reverse("question_move", args=[case.code, first.pk])
    response = client.post(url, {"direction": "down"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#question-{first.pk}")
    assert texts(case) == ["Second?", "First?", "Third?"]
    client.post(url, {"direction": "down"})
    assert texts(case) == ["Second?", "Third?", "First?"]
    client.post(url, {"direction": "up"})
    assert texts(case) == ["Second?", "First?", "Third?"]
    assert sorted(case.questions.values_list("position", flat=True)) == [0, 1, 2]


def test_moving_the_first_up_or_the_last_down_changes_nothing_and_is_fine(
    case: Case, first: Question, owner: User
) -> None:
    client = client_for(owner)
    last = case.questions.get(text="Second?")
    before = snapshot(case)
    up = client.post(reverse("question_move", args=[case.code, first.pk]), {"direction": "up"}, follow=True)
    down = client.post(
        reverse("question_move", args=[case.code, last.pk]), {"direction": "down"}, follow=True
    )
    assert (up.status_code, down.status_code) == (200, 200)
    assert "is already first" in up.text
    assert "is already last" in down.text
    assert snapshot(case) == before


@pytest.mark.parametrize("data", [{"direction": "sideways"}, {}], ids=["sideways", "missing"])
def test_a_move_that_is_neither_up_nor_down_is_400_and_changes_nothing(
    case: Case, first: Question, owner: User, data: dict[str, str]
) -> None:
    before = snapshot(case)
    response = client_for(owner).post(reverse("question_move", args=[case.code, first.pk]), data)
    assert response.status_code == 400
    assert snapshot(case) == before


def test_moving_mends_positions_that_tie(case: Case, owner: User) -> None:
    for text in ["A?", "B?", "C?"]:
        Question.objects.create(case=case, text=text, position=0)
    c = case.questions.get(text="C?")
    client_for(owner).post(reverse("question_move", args=[case.code, c.pk]), {"direction": "up"})
    assert texts(case) == ["A?", "C?", "B?"]
    assert list(case.questions.values_list("position", flat=True)) == [0, 1, 2]


def test_marking_a_question_answered_shows_it_in_words_with_the_note(
    case: Case, first: Question, advocate: User
) -> None:
    client = client_for(advocate)
    response = client.post(
        reverse("question_answer", args=[case.code, first.pk]), {"answer_note": "Physio first, then decide."}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.answered_at is not None
    assert first.answer_note == "Physio first, then decide."
    text = client.get(reverse("questions", args=[case.code])).text
    assert "Answered" in text
    assert "Physio first, then decide." in text
    assert 'name="answered" value="0"' in text


def test_marking_answered_again_keeps_the_first_time_and_updates_the_note(
    case: Case, first: Question, owner: User
) -> None:
    client = client_for(owner)
    url = reverse("question_answer", args=[case.code, first.pk])
    client.post(url, {"answer_note": "First note."})
    first.refresh_from_db()
    answered_at = first.answered_at
    client.post(url, {"answer_note": "Better note."})
    first.refresh_from_db()
    assert (first.answered_at, first.answer_note) == (answered_at, "Better note.")


def test_marking_a_question_unanswered_keeps_the_note(case: Case, first: Question, owner: User) -> None:
    client = client_for(owner)
    url = reverse("question_answer", args=[case.code, first.pk])
    client.post(url, {"answer_note": "Keep me."})
    response = client.post(url, {"answered": "0"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.answered_at is None
    assert first.answer_note == "Keep me."
    assert "✓ Answered" not in client.get(reverse("questions", args=[case.code])).text


def test_a_too_long_answer_note_is_refused_next_to_the_field_and_kept(
    case: Case, first: Question, owner: User
) -> None:
    before = snapshot(case)
    note = "z" * 5001
    response = client_for(owner).post(
        reverse("question_answer", args=[case.code, first.pk]), {"answer_note": note}
    )
    assert response.status_code == 200
    assert f'id="answer-{first.pk}-answer_note"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert note in response.text
    assert "<details open>" in response.text
    assert snapshot(case) == before


def test_an_answered_flag_that_is_neither_0_nor_1_is_400(case: Case, first: Question, owner: User) -> None:
    before = snapshot(case)
    response = client_for(owner).post(
        reverse("question_answer", args=[case.code, first.pk]), {"answered": "maybe"}
    )
    assert response.status_code == 400
    assert snapshot(case) == before


def test_deleting_a_question_removes_only_that_one(case: Case, first: Question, owner: User) -> None:
    response = client_for(owner).post(reverse("question_delete", args=[case.code, first.pk]), follow=True)
    assert texts(case) == ["Second?"]
    assert "Deleted the question “First?”" in response.text
    assert is_ticked(case, "questions")  # a ticked item stays ticked


# Insurance


def test_the_insurance_page_explains_why_and_has_a_date_picker(case: Case, owner: User) -> None:
    text = client_for(owner).get(reverse("insurance", args=[case.code])).text
    assert text.count("<h1") == 1
    assert "referral" in text
    assert "pre-authorisation" in text
    assert "number on your insurance card" in text
    assert 'type="date"' in text
    assert 'type="radio" name="referral_required" value="unsure"' in text
    assert 'type="radio" name="preauth_required" value="no"' in text
    assert reverse("case_overview", args=[case.code]) in text


def test_the_referral_answer_starts_from_the_approach_questions(case: Case, owner: User) -> None:
    case.referral_needed = YesNoUnsure.YES
    case.save()
    response = client_for(owner).get(reverse("insurance", args=[case.code]))
    assert response.context["form"]["referral_required"].value() == "yes"
    assert not InsuranceCheck.objects.filter(case=case).exists()  # a visit writes nothing


def test_a_saved_referral_answer_wins_over_the_approach_questions(case: Case, owner: User) -> None:
    client = client_for(owner)
    client.post(reverse("insurance", args=[case.code]), {**INSURANCE_ANSWERS, "referral_required": "no"})
    case.referral_needed = YesNoUnsure.YES
    case.save()
    response = client.get(reverse("insurance", args=[case.code]))
    assert response.context["form"]["referral_required"].value() == "no"


def test_saving_the_insurance_check_creates_it_once_and_then_updates_it(case: Case, advocate: User) -> None:
    client = client_for(advocate)
    url = reverse("insurance", args=[case.code])
    response = client.post(url, INSURANCE_ANSWERS, follow=True)
    assert "Saved what your insurance told you." in response.text
    client.post(url, {**INSURANCE_ANSWERS, "spoke_with": "Lee"})
    check = InsuranceCheck.objects.get(case=case)
    assert (check.plan_name, check.spoke_with, str(check.called_on)) == ("Blue Plan", "Lee", "2026-03-02")
    assert (check.referral_required, check.preauth_required) == ("yes", "no")


@pytest.mark.parametrize(
    ("referral", "preauth", "ticked"),
    [
        ("yes", "no", True),
        ("no", "no", True),
        ("yes", "unsure", False),
        ("unsure", "yes", False),
        ("", "yes", False),
        ("", "", False),
    ],
)
def test_the_insurance_item_ticks_only_with_a_definite_yes_or_no_for_both(
    case: Case, owner: User, referral: str, preauth: str, ticked: bool
) -> None:
    data = {**INSURANCE_ANSWERS, "referral_required": referral, "preauth_required": preauth}
    response = client_for(owner).post(reverse("insurance", args=[case.code]), data)
    assert response.status_code == 302
    assert is_ticked(case, "insurance") is ticked


@pytest.mark.parametrize(
    "change", [{"called_on": "not a date"}, {"referral_required": "perhaps"}, {"plan_name": "p" * 201}]
)
def test_a_bad_insurance_answer_is_refused_and_kept(case: Case, owner: User, change: dict[str, str]) -> None:
    before = snapshot(case)
    response = client_for(owner).post(reverse("insurance", args=[case.code]), {**INSURANCE_ANSWERS, **change})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text or 'class="errorlist"' in response.text
    assert "REF-123" in response.text  # the rest of what was typed is still there
    assert snapshot(case) == before


def test_a_viewer_sees_the_insurance_answers_without_a_form(case: Case, owner: User, viewer: User) -> None:
    url = reverse("insurance", args=[case.code])
    client_for(owner).post(url, INSURANCE_ANSWERS)
    text = client_for(viewer).get(url).text
    assert "Blue Plan" in text
    assert "REF-123" in text
    assert "<input" not in text.split("<main", 1)[1].split("</main>", 1)[0]


# What people type is shown as text, never run as HTML


def test_html_typed_anywhere_is_escaped(case: Case, owner: User, viewer: User) -> None:
    attack = "<script>alert(1)</script>"
    client = client_for(owner)
    add_question(client, case, attack)
    question = case.questions.get()
    client.post(reverse("question_answer", args=[case.code, question.pk]), {"answer_note": attack})
    client.post(reverse("records_rights", args=[case.code]), {"rights_state": "Ohio", "rights_notes": attack})
    client.post(reverse("insurance", args=[case.code]), {**INSURANCE_ANSWERS, "notes": attack})
    pages = [
        client.get(reverse("questions", args=[case.code])).text,
        client.get(reverse("question_edit", args=[case.code, question.pk])).text,
        client.get(reverse("records_rights", args=[case.code])).text,
        client.get(reverse("insurance", args=[case.code])).text,
        client_for(viewer).get(reverse("questions", args=[case.code])).text,
        client_for(viewer).get(reverse("records_rights", args=[case.code])).text,
        client_for(viewer).get(reverse("insurance", args=[case.code])).text,
        client.post(reverse("question_delete", args=[case.code, question.pk]), follow=True).text,
    ]
    for page in pages:
        assert attack not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_state_written_before_it_could_be_chosen_is_kept_when_the_notes_are_saved(
    case: Case, owner: User
) -> None:
    Case.objects.filter(pk=case.pk).update(rights_state="Ohio (Franklin County)")
    url = reverse("records_rights", args=[case.code])
    assert 'value="Ohio (Franklin County)" selected' in client_for(owner).get(url).text
    client_for(owner).post(url, {"rights_state": "Ohio (Franklin County)", "rights_notes": "Called them."})
    case.refresh_from_db()
    assert (case.rights_state, case.rights_notes) == ("Ohio (Franklin County)", "Called them.")
