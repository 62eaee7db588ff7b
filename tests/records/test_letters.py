import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from secondop.accounts.models import User
from secondop.cases.models import Case
from secondop.editing.texts import placeholders_in
from secondop.records import progress
from secondop.records.letter_views import _letter_for
from secondop.records.letters import LABELS, generate, offered_letters
from secondop.records.models import Letter, LetterKind, Provider, ProviderRole, RecordsRequest
from tests.conftest import client_for

D = datetime.date
ASKED = D(2026, 3, 2)  # the legal deadline is 30 days later: April 1, 2026
ALL_KINDS = [kind.value for kind in LetterKind]


def at(day: datetime.date) -> time_machine.travel:
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 12, tzinfo=datetime.UTC), tick=False
    )


def holder_for(case: Case, **fields: str) -> Provider:
    values = {
        "name": "Dr. Maria Chen",
        "practice": "Eastside Clinic",
        "address": "1 Main Street, Springfield",
    }
    return Provider.objects.create(case=case, role=ProviderRole.CURRENT, **{**values, **fields})


def full_request(
    case: Case, owner: User, *, kind: str = "directive", requested: bool = True
) -> RecordsRequest:
    """A request with every fact filled in, asked for on ASKED."""
    recipient = Provider.objects.create(
        case=case,
        role=ProviderRole.SECOND_OPINION,
        name="Dr. Sam Patel",
        practice="University Orthopedics",
        address="12 Hill Road, Springfield",
        fax="555-0100",
    )
    request = RecordsRequest.objects.create(
        case=case,
        holder=holder_for(case),
        kind=kind,
        recipient=recipient if kind == "directive" else None,
        directive_signed_on=D(2026, 3, 1) if kind == "directive" else None,
        record_types=["visit_notes", "imaging_reports"],
        other_records="the 2024 knee MRI",
        date_from=D(2024, 1, 1),
        date_to=D(2025, 6, 30),
        medium="electronic",
        delivery="fax",
        send_to="555-0199" if kind == "copy" else "",
        fee_estimate_asked=True,
    )
    if requested:
        progress.move(request, "requested", ASKED, today=ASKED, user=owner)
        request.refresh_from_db()
    return request


def bare_request(case: Case) -> RecordsRequest:
    """A request that knows almost nothing yet: no names, no records, no dates."""
    holder = Provider.objects.create(case=case, role=ProviderRole.RECORDS_OFFICE)
    return RecordsRequest.objects.create(case=case, holder=holder, kind="directive", delivery="mail")


def letter_url(name: str, request: RecordsRequest, kind: str) -> str:
    return reverse(name, args=[request.case.code, request.pk, kind])


# The generated texts


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_letter_is_generated_with_the_requests_facts(case: Case, owner: User, kind: str) -> None:
    request = full_request(case, owner)
    text = generate(kind, request, D(2026, 4, 6))
    assert placeholders_in(text) == []
    assert "Alex Rivera" in text
    assert "Dr. Maria Chen" in text
    assert "visit notes and imaging reports, and also the 2024 knee MRI" in text
    assert "from January 1, 2024 to June 30, 2025" in text
    assert "Dr. Sam Patel" in text and "University Orthopedics" in text
    for word in ("sorry", "apolog", "because", "lawyer", "sue "):
        assert word not in text.lower()
    if kind != LetterKind.PORTAL_MESSAGE:
        assert "45 CFR 164.524" in text
        assert "Signature: ____" in text
    if kind in (LetterKind.REQUEST, LetterKind.ESCALATION):
        assert "Eastside Clinic\n1 Main Street, Springfield" in text


def test_the_request_letter_asks_for_the_records_in_the_chosen_format(case: Case, owner: User) -> None:
    text = generate(LetterKind.REQUEST, full_request(case, owner, kind="copy"), D(2026, 4, 6))
    assert text.startswith("March 2, 2026\n\nDr. Maria Chen\nEastside Clinic\n")  # dated the day it was sent
    assert "right of access under the HIPAA Privacy Rule (45 CFR 164.524)" in text
    assert "Please send them to me as an electronic copy, by fax to 555-0199." in text
    assert "which forms you need" in text
    assert "how much it will be" in text  # the fee estimate
    assert "30 days" in text
    assert "Dear Dr. Maria Chen," in text
    assert text.endswith("Signature: ______________________\nAlex Rivera")


def test_the_request_letter_asks_about_a_fee_only_when_asked_to(case: Case, owner: User) -> None:
    request = full_request(case, owner, kind="copy")
    request.fee_estimate_asked = False
    request.delivery = "portal"
    text = generate(LetterKind.REQUEST, request, D(2026, 4, 6))
    assert "fee" not in text
    assert "as an electronic copy, through the patient portal." in text


def test_a_directive_request_letter_names_where_the_records_go(case: Case, owner: User) -> None:
    text = generate(LetterKind.REQUEST, full_request(case, owner), D(2026, 4, 6))
    assert (
        "Please send them as an electronic copy, by fax to Dr. Sam Patel at University Orthopedics, "
        "12 Hill Road, Springfield or fax 555-0100. My signed directive for this is enclosed." in text
    )


def test_the_directive_names_the_recipient_and_where_to_send_with_signature_and_date(
    case: Case, owner: User
) -> None:
    request = full_request(case, owner)
    text = generate(LetterKind.DIRECTIVE, request, D(2026, 4, 6))
    assert "To: Dr. Maria Chen, Eastside Clinic" in text
    assert "I, Alex Rivera, ask you to send a copy of my medical records to:" in text
    assert "Dr. Sam Patel\nUniversity Orthopedics\n12 Hill Road, Springfield or fax 555-0100" in text
    assert "Signature: ____" in text
    assert "Date: March 1, 2026" in text  # the day it was signed

    request.directive_signed_on = None
    request.send_to = "records@university-ortho.example"
    text = generate(LetterKind.DIRECTIVE, request, D(2026, 4, 6))
    assert "University Orthopedics\nrecords@university-ortho.example\n" in text  # send_to wins
    assert "Date: ____" in text


def test_the_portal_message_documents_the_request_and_gives_the_follow_up_date(
    case: Case, owner: User
) -> None:
    text = generate(LetterKind.PORTAL_MESSAGE, full_request(case, owner), D(2026, 4, 6))
    assert text.startswith("Subject: ")
    assert "Hello Dr. Maria Chen," in text
    assert "confirm my request of March 2, 2026, for a copy of my medical records" in text
    assert "to Dr. Sam Patel at University Orthopedics" in text
    assert "I will follow up next week, on March 9, 2026." in text
    assert text.endswith("Thank you,\nAlex Rivera")


def test_the_portal_message_before_the_request_is_sent_just_says_next_week(case: Case, owner: User) -> None:
    text = generate(LetterKind.PORTAL_MESSAGE, full_request(case, owner, requested=False), D(2026, 4, 6))
    assert "I will follow up next week." in text
    assert "confirm my request for a copy" in text


def test_the_escalation_cites_the_dates_asks_for_a_reply_soon_and_mentions_ocr(
    case: Case, owner: User
) -> None:
    text = generate(LetterKind.ESCALATION, full_request(case, owner), D(2026, 4, 6))
    assert text.startswith("April 6, 2026\n")
    assert "On March 2, 2026, I asked you for a copy of my medical records" in text
    assert "the deadline to act on my request was April 1, 2026. That date has passed" in text
    assert "or tell me in writing why you cannot, within 10 days — by April 16, 2026." in text
    assert "Office for Civil Rights (OCR)" in text and "Health and Human Services" in text


def test_the_escalation_counts_the_extension_when_there_was_one(case: Case, owner: User) -> None:
    request = full_request(case, owner)
    progress.move(request, "extended", D(2026, 3, 20), today=D(2026, 3, 20), user=owner)
    request.refresh_from_db()
    text = generate(LetterKind.ESCALATION, request, D(2026, 5, 4))
    assert (
        "was May 1, 2026, which includes the extra 30 days from your written notice of March 20, 2026" in text
    )


def test_the_escalation_says_when_only_part_arrived(case: Case, owner: User) -> None:
    request = full_request(case, owner)
    progress.move(request, "partly_received", D(2026, 3, 25), today=D(2026, 3, 25), user=owner)
    request.refresh_from_db()
    assert "I have received only part of the records" in generate(
        LetterKind.ESCALATION, request, D(2026, 4, 6)
    )


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_missing_facts_stay_visible_as_placeholders(case: Case, kind: str) -> None:
    case.patient_name = ""  # not possible through the forms, but a letter must still show the gap
    text = generate(kind, bare_request(case), D(2026, 4, 6))
    missing = placeholders_in(text)
    assert LABELS["holder_name"] in missing
    assert LABELS["records"] in missing
    assert LABELS["patient_name"] in missing
    expected = {
        LetterKind.REQUEST: [LABELS["holder_practice"], LABELS["holder_address"], LABELS["recipient_name"]],
        LetterKind.DIRECTIVE: [LABELS["recipient_name"], LABELS["recipient_practice"], LABELS["destination"]],
        LetterKind.PORTAL_MESSAGE: [LABELS["recipient_name"], LABELS["destination"]],
        LetterKind.ESCALATION: [LABELS["requested_on"], LABELS["due_on"]],
    }[LetterKind(kind)]
    assert set(expected) <= set(missing)
    assert not any("  " in line for line in text.splitlines())  # no silent blanks
    assert " at ." not in text and " , " not in text and "None" not in text


def test_a_copy_sent_by_mail_asks_for_the_patients_address(case: Case) -> None:
    request = bare_request(case)
    request.kind = "copy"
    assert "by mail to [your mailing address]." in generate(LetterKind.REQUEST, request, D(2026, 4, 6))


# Which letters are offered


def test_a_copy_request_offers_no_directive(case: Case, owner: User) -> None:
    request = full_request(case, owner, kind="copy")
    assert offered_letters(request, ASKED) == ["request-letter", "portal-message"]


def test_a_directive_request_offers_the_directive(case: Case, owner: User) -> None:
    request = full_request(case, owner)
    assert offered_letters(request, ASKED) == ["request-letter", "directive", "portal-message"]


def test_the_escalation_is_offered_only_once_the_deadline_has_passed(case: Case, owner: User) -> None:
    request = full_request(case, owner, kind="copy")
    client = client_for(owner)
    url = letter_url("letter_edit", request, "escalation")
    with at(D(2026, 4, 1)):  # the last day of the 30
        assert client.get(url).status_code == 404
    with at(D(2026, 4, 2)):
        page = client.get(url)
    assert page.status_code == 200
    assert "Office for Civil Rights (OCR)" in page.text
    assert ">April 2, 2026\n" in page.text


def test_no_escalation_once_the_records_arrived(case: Case, owner: User) -> None:
    request = full_request(case, owner, kind="copy")
    progress.move(request, "received", D(2026, 3, 30), today=D(2026, 3, 30), user=owner)
    request.refresh_from_db()
    assert "escalation" not in offered_letters(request, D(2026, 6, 1))
    with at(D(2026, 6, 1)):
        assert client_for(owner).get(letter_url("letter_edit", request, "escalation")).status_code == 404


def test_a_request_not_yet_sent_is_never_overdue(case: Case, owner: User) -> None:
    request = full_request(case, owner, requested=False)
    assert "escalation" not in offered_letters(request, D(2030, 1, 1))


# The letter pages


def test_opening_a_letter_shows_the_generated_text_and_stores_it_only_at_the_first_save(
    case: Case, owner: User
) -> None:
    request = full_request(case, owner)
    client = client_for(owner)
    with at(D(2026, 3, 5)):
        page = client.get(letter_url("letter_edit", request, "directive"))
    assert page.status_code == 200
    assert not Letter.objects.exists()
    generated = generate("directive", request, D(2026, 3, 5))
    assert escape(generated) in page.text and 'value="1"' in page.text
    with at(D(2026, 3, 5)):
        client.post(letter_url("letter_save", request, "directive"), {"text": "Edited.", "version": "1"})
    letter = Letter.objects.get(request=request, kind="directive")
    assert (letter.text, letter.generated_text, letter.version) == ("Edited.", generated, 2)
    assert "<textarea" in page.text and 'id="draft-version"' in page.text
    assert "Still to fill in" not in page.text
    assert reverse("letter_print", args=[case.code, request.pk, "directive"]) in page.text


def test_a_letter_created_by_someone_else_a_moment_ago_is_used_not_duplicated(
    case: Case, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = full_request(case, owner)
    theirs = Letter.objects.create(
        request=request, kind="directive", text="Theirs.", generated_text="Theirs."
    )
    first = QuerySet.first
    missed: list[bool] = []

    def misses_once(self: QuerySet[Any]) -> Any:  # as if the other request had not committed yet
        if self.model is Letter and not missed:
            missed.append(True)
            return None
        return first(self)

    monkeypatch.setattr(QuerySet, "first", misses_once)
    assert _letter_for(request, "directive", ASKED).pk == theirs.pk
    assert missed and Letter.objects.count() == 1


def test_the_page_lists_what_is_still_to_fill_and_links_to_it(case: Case, owner: User) -> None:
    request = bare_request(case)
    page = client_for(owner).get(letter_url("letter_edit", request, "request-letter")).text
    assert "Still to fill in" in page
    provider = reverse("provider_edit", args=[case.code, request.holder_id])
    assert f'href="{provider}#id_address"' in page
    assert f'href="{reverse("request_edit", args=[case.code, request.pk])}#id_record_types_0"' in page


def test_a_letter_nobody_edited_follows_the_requests_facts_but_an_edited_one_keeps_its_words(
    case: Case, owner: User
) -> None:
    request = full_request(case, owner)
    client = client_for(owner)
    old = generate("request-letter", request, timezone.localdate())
    unedited = Letter.objects.create(request=request, kind="request-letter", text=old, generated_text=old)
    client.post(
        letter_url("letter_save", request, "portal-message"), {"text": "My own words.", "version": "1"}
    )

    Provider.objects.filter(pk=request.holder_id).update(name="Dr. Ana Ruiz")
    assert "Dear Dr. Ana Ruiz," in client.get(letter_url("letter_edit", request, "request-letter")).text
    assert "My own words." in client.get(letter_url("letter_edit", request, "portal-message")).text
    # Shown, not written: a page changes nothing.
    assert Letter.objects.get(pk=unedited.pk).text == old


def test_autosave_saves_and_moves_the_version_on(case: Case, owner: User) -> None:
    request = full_request(case, owner)
    client = client_for(owner)
    client.get(letter_url("letter_edit", request, "directive"))
    response = client.post(
        letter_url("letter_save", request, "directive"),
        {"text": "Edited words.", "version": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "draft-saved"
    assert "Saved" in response.text
    assert 'id="draft-version"' in response.text and 'value="2"' in response.text
    assert 'hx-swap-oob="true"' in response.text
    letter = Letter.objects.get(request=request, kind="directive")
    assert (letter.text, letter.version) == ("Edited words.", 2)


def test_autosave_with_a_stale_version_reports_a_conflict_and_keeps_both_texts(
    case: Case, owner: User, advocate: User
) -> None:
    request = full_request(case, owner)
    url = letter_url("letter_save", request, "request-letter")
    client_for(owner).get(letter_url("letter_edit", request, "request-letter"))
    client_for(owner).post(url, {"text": "Owner's words.", "version": "1"})
    response = client_for(advocate).post(
        url, {"text": "Advocate's words.", "version": "1"}, headers={"HX-Request": "true"}
    )
    assert response["X-Secondop-Outcome"] == "conflict" and "X-Secondop-Version" not in response
    assert "someone else changed this letter" in response.text
    assert "Owner&#x27;s words." in response.text and "Advocate&#x27;s words." in response.text
    letter = Letter.objects.get(request=request, kind="request-letter")
    assert (letter.text, letter.conflict_text, letter.version) == ("Owner's words.", "Advocate's words.", 2)

    page = client_for(owner).get(letter_url("letter_edit", request, "request-letter")).text
    assert "Two versions of this letter" in page
    client_for(owner).post(letter_url("letter_resolve", request, "request-letter"), {"keep": "mine"})
    letter.refresh_from_db()
    assert (letter.text, letter.conflict_text, letter.version) == ("Advocate's words.", "", 3)


def test_a_save_without_htmx_redirects_back_with_the_conflict_message(case: Case, owner: User) -> None:
    request = full_request(case, owner)
    client = client_for(owner)
    client.get(letter_url("letter_edit", request, "portal-message"))
    client.post(letter_url("letter_save", request, "portal-message"), {"text": "First.", "version": "1"})
    response = client.post(
        letter_url("letter_save", request, "portal-message"), {"text": "Late.", "version": "1"}, follow=True
    )
    assert (
        "Someone else changed this message while you were writing. Both versions are kept." in response.text
    )


@pytest.mark.parametrize("data", [{"text": "x" * 20001, "version": "1"}, {"text": "x", "version": "abc"}])
def test_a_bad_save_is_refused_with_a_message_and_changes_nothing(
    case: Case, owner: User, data: dict[str, str]
) -> None:
    request = full_request(case, owner)
    client = client_for(owner)
    save = letter_url("letter_save", request, "directive")
    for _ in range(2):  # before the letter is stored, and after
        before = list(Letter.objects.values("text", "version"))
        response = client.post(save, data, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert "This letter could not be saved" in response.text
        assert list(Letter.objects.values("text", "version")) == before
        client.post(save, {"text": "Stored.", "version": "1"})


def test_restore_brings_back_the_generated_text(case: Case, owner: User) -> None:
    request = full_request(case, owner)
    client = client_for(owner)
    client.post(letter_url("letter_save", request, "request-letter"), {"text": "Mine.", "version": "1"})
    letter = Letter.objects.get(request=request, kind="request-letter")
    generated = letter.generated_text
    assert (
        "Restore the suggested text" in client.get(letter_url("letter_edit", request, "request-letter")).text
    )
    response = client.post(letter_url("letter_restore", request, "request-letter"))
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.text == generated


def test_the_print_view_shows_the_letter_on_its_own_with_the_print_stylesheet(
    case: Case, viewer: User
) -> None:
    request = full_request(case, viewer)
    page = client_for(viewer).get(letter_url("letter_print", request, "directive"))
    assert page.status_code == 200
    assert 'class="letter-page"' in page.text
    assert "I, Alex Rivera, ask you to send a copy of my medical records to:" in page.text
    assert "Dr. Sam Patel<br>University Orthopedics" in page.text
    assert "css/print.css" in page.text
    stylesheet = (Path(settings.BASE_DIR) / "static" / "css" / "print.css").read_text()
    assert "@media print" in stylesheet and ".site-header" in stylesheet


def test_the_say_it_view_shows_one_paragraph_per_part(case: Case, viewer: User) -> None:
    request = full_request(case, viewer)
    page = client_for(viewer).get(letter_url("letter_say", request, "portal-message")).text
    assert page.count("data-say-part") == 6
    assert "data-say-next" in page and "data-say-back" in page
    assert "Back to this message" in page


def test_a_viewer_reads_a_letter_without_an_editor(case: Case, owner: User, viewer: User) -> None:
    request = full_request(case, owner)
    page = client_for(viewer).get(letter_url("letter_edit", request, "request-letter")).text
    assert "<textarea" not in page
    assert "Copy" in page and "Print" in page
    assert "Dear Dr. Maria Chen," in page


# Who may see and change what


@pytest.mark.parametrize("name", ["letter_edit", "letter_say", "letter_print"])
def test_a_stranger_gets_404_on_every_page(case: Case, owner: User, stranger: User, name: str) -> None:
    request = full_request(case, owner)
    assert client_for(stranger).get(letter_url(name, request, "request-letter")).status_code == 404
    assert not Letter.objects.exists()


@pytest.mark.parametrize("name", ["letter_save", "letter_restore", "letter_resolve"])
def test_a_stranger_gets_404_and_a_viewer_403_on_every_write(
    case: Case, owner: User, viewer: User, stranger: User, name: str
) -> None:
    request = full_request(case, owner)
    client_for(owner).get(letter_url("letter_edit", request, "request-letter"))
    before = list(Letter.objects.values())
    data = {"text": "x", "version": "1", "keep": "mine"}
    assert client_for(stranger).post(letter_url(name, request, "request-letter"), data).status_code == 404
    assert client_for(viewer).post(letter_url(name, request, "request-letter"), data).status_code == 403
    assert list(Letter.objects.values()) == before


def test_reads_and_writes_refuse_the_other_method(case: Case, owner: User) -> None:
    request = full_request(case, owner)
    client = client_for(owner)
    assert client.post(letter_url("letter_edit", request, "request-letter")).status_code == 405
    assert client.get(letter_url("letter_save", request, "request-letter")).status_code == 405


@pytest.mark.parametrize("kind", ["letter-to-santa", "directive", "escalation"])
def test_an_unknown_or_not_offered_letter_is_404(case: Case, owner: User, kind: str) -> None:
    request = full_request(case, owner, kind="copy")  # no directive, and not overdue on ASKED
    with at(ASKED):
        assert client_for(owner).get(letter_url("letter_edit", request, kind)).status_code == 404
    assert not Letter.objects.exists()


def test_a_request_of_another_case_is_404_even_to_its_own_member(case: Case, owner: User) -> None:
    other = Case.open_for(owner, patient_name="Jo Lake")
    request = full_request(other, owner)
    url = reverse("letter_edit", args=[case.code, request.pk, "request-letter"])
    assert client_for(owner).get(url).status_code == 404


def test_html_in_the_facts_is_shown_as_text(case: Case, owner: User) -> None:
    request = full_request(case, owner)
    Provider.objects.filter(pk=request.holder_id).update(name="<script>alert('x')</script>")
    client = client_for(owner)
    for name in ("letter_edit", "letter_print", "letter_say"):
        page = client.get(letter_url(name, request, "request-letter")).text
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
