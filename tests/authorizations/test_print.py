"""The printed authorization holds every core element and required statement of 45 CFR 164.508(c), each
filled in from the case: read element by element, as an office would check it."""

import re

import pytest
from django.urls import reverse

from secondop.accounts.models import Profile, User
from secondop.authorizations.models import Authorization
from secondop.cases.models import Case
from tests.authorizations.helpers import TODAY, Page, answers, doctor, make, on
from tests.conftest import client_for


@pytest.fixture
def authorization(case: Case, advocate: User) -> Authorization:
    """The advocate's authorization, made through the form with its defaults, for Dr. Chen's records."""
    advocate.display_name = "Sam Lee"
    advocate.save()
    with on(TODAY):
        return make(client_for(advocate), case, answers(advocate, doctor(case)))


def printed(authorization: Authorization, user: User) -> Page:
    url = reverse("authorization_print", args=[authorization.case.code, authorization.pk])
    with on(TODAY):
        response = client_for(user).get(url)
    assert response.status_code == 200
    return Page(response.text)


# One line per element of 45 CFR 164.508(c): (element id on the page, the filled text it must hold).
ELEMENTS = {
    # (c)(1)(i) a specific and meaningful description of the information: the case's concern.
    "c1i-information": (
        "what",
        "My medical records about the knee surgery: visit notes, test and lab results",
    ),
    # (c)(1)(ii) who may make the disclosure: the case's doctor, by name, practice and address.
    "c1ii-who-discloses": ("from", "Dr. Maria Chen, Eastside Clinic, 1 Main Street, Springfield"),
    # (c)(1)(iii) to whom: the advocate, by name and e-mail address.
    "c1iii-recipient": ("to", "Sam Lee (advocate@example.com), who is helping me get a second opinion"),
    # (c)(1)(iv) each purpose: "at my request" is enough when the patient asks.
    "c1iv-purpose": ("why", "To help me get a second opinion, at my request."),
    # (c)(1)(v) an expiration date and event.
    "c1v-expiry": (
        "ends",
        "This authorization ends on 2 March 2027, or earlier when my second opinion is complete, "
        "whichever comes first.",
    ),
    # (c)(1)(vi) the signature and date, and a personal representative's authority.
    "c1vi-signature": ("signature", "Signature of the patient: Date:"),
    "c1vi-representative": ("signature", "Their authority to act for the patient (for example parent of a"),
    # (c)(2)(i) the right to revoke in writing, how, and its exception (what was already shared).
    "c2i-revoke": (
        "revoke",
        "I may cancel (revoke) this authorization at any time by writing to Dr. Maria Chen, Eastside Clinic, "
        "1 Main Street, Springfield. It stops when they receive my letter. It does not undo what they "
        "already shared because of it.",
    ),
    # (c)(2)(ii) treatment, payment, enrollment and eligibility do not depend on signing.
    "c2ii-no-condition": (
        "condition",
        "My treatment, payment, enrollment in a health plan and eligibility for benefits do not depend on "
        "whether I sign it.",
    ),
    # (c)(2)(iii) redisclosure by the recipient, no longer protected by the Privacy Rule.
    "c2iii-redisclosure": (
        "redisclosure",
        "Once my information is shared with Sam Lee, they may share it again, and it may then no longer "
        "be protected by the federal privacy rules (the HIPAA Privacy Rule).",
    ),
    # (c)(4) the patient gets a copy.
    "c4-copy": ("copy", "I get a copy of this form once I sign it."),
}


@pytest.mark.parametrize("element", ELEMENTS.values(), ids=ELEMENTS.keys())
def test_the_printed_form_holds_each_element_filled_from_the_case(
    element: tuple[str, str], authorization: Authorization, advocate: User
) -> None:
    element_id, expected = element
    assert expected in printed(authorization, advocate).text(element_id)


def test_the_printed_form_names_the_patient_and_leaves_lines_to_sign_on(
    authorization: Authorization, advocate: User
) -> None:
    url = reverse("authorization_print", args=[authorization.case.code, authorization.pk])
    with on(TODAY):
        html = client_for(advocate).get(url).text
    page = Page(html)
    assert "Name: Alex Rivera" in page.text("patient")
    signature = html[html.index('id="signature"') : html.index("</section>", html.index('id="signature"'))]
    assert signature.count('class="blank-line"') == 4  # the patient's and the representative's signature
    assert signature.count('class="blank-line blank-line-short"') == 2  # and their dates


def test_the_printed_form_cites_the_rule_and_says_the_patient_keeps_a_copy(
    authorization: Authorization, advocate: User
) -> None:
    url = reverse("authorization_print", args=[authorization.case.code, authorization.pk])
    with on(TODAY):
        html = client_for(advocate).get(url).text
    main = Page(html).text("main")
    assert "45 CFR 164.508(c), checked on 6 December 2026" in main
    assert 'href="https://www.ecfr.gov/current/title-45/' in html
    assert "The patient keeps a copy." in main


def test_the_printed_form_is_in_plain_words(authorization: Authorization, advocate: User) -> None:
    """(c)(3): plain language. No legal Latin, and short sentences."""
    text = printed(authorization, advocate).text("main")
    for word in ("hereby", "herein", "pursuant", "heretofore", "aforementioned", "thereof", "whereas"):
        assert word not in text.lower()
    sentences = [sentence for sentence in re.split(r"(?<=[.:])\s", text) if sentence]
    assert max(len(sentence.split()) for sentence in sentences) <= 35


def test_the_printed_form_uses_the_print_stylesheets_and_a_print_button(
    authorization: Authorization, advocate: User
) -> None:
    url = reverse("authorization_print", args=[authorization.case.code, authorization.pk])
    with on(TODAY):
        html = client_for(advocate).get(url).text
    assert "css/print.css" in html and "authorizations/authorization.css" in html
    assert "data-print" in html and 'class="print-tools"' in html


# The other answers the form offers, as printed


def test_all_providers_and_a_representative_are_printed_as_written(
    case: Case, advocate: User, owner: User
) -> None:
    owner.display_name = "Alex Rivera"
    owner.save()
    data = answers(
        owner,
        None,
        disclosed_by="all",
        information="described",
        information_detail="The 2026 knee MRI and the surgeon's notes",
        purpose="At my request.",
        expiry_event="",
        representative_name="Jo Rivera",
        representative_authority="Health care power of attorney",
    )
    with on(TODAY):
        authorization = make(client_for(advocate), case, data)
    page = printed(authorization, advocate)
    assert "All doctors, hospitals and other health care providers who have treated me" in page.text("from")
    assert "by writing to each doctor or office that has it." in page.text("revoke")
    assert "Alex Rivera (owner@example.com)" in page.text("to")
    assert "information The 2026 knee MRI and the surgeon's notes. This does not include" in page.text("what")
    assert "At my request." in page.text("why")
    assert page.text("ends").endswith("ends This authorization ends on 2 March 2027.")
    assert "Name: Jo Rivera" in page.text("signature")
    assert "health care power of attorney): Health care power of attorney" in page.text("signature")


def test_someone_else_written_in_is_printed_as_who_may_share(case: Case, advocate: User) -> None:
    data = answers(advocate, None, disclosed_by="other", disclosed_by_other="Springfield General Hospital")
    advocate.display_name = "Sam Lee"
    advocate.save()
    with on(TODAY):
        authorization = make(client_for(advocate), case, data)
    page = printed(authorization, advocate)
    assert page.text("from") == "1. Who may share my information Springfield General Hospital"
    assert "by writing to Springfield General Hospital." in page.text("revoke")


def test_a_removed_doctor_is_still_named_as_the_form_named_them(
    authorization: Authorization, advocate: User
) -> None:
    case = authorization.case
    provider = authorization.provider
    assert provider is not None
    response = client_for(advocate).post(reverse("provider_delete", args=[case.code, provider.pk]))
    assert response.status_code == 302
    authorization.refresh_from_db()
    assert authorization.provider is None
    assert "Dr. Maria Chen, Eastside Clinic, 1 Main Street, Springfield" in printed(
        authorization, advocate
    ).text("from")


def test_a_signed_form_keeps_the_words_it_was_signed_with(
    authorization: Authorization, advocate: User
) -> None:
    """Editing the case or the doctor after signing changes nothing on the signed paper."""
    with on(TODAY):
        authorization.mark_signed(TODAY, today=TODAY)
    Case.objects.filter(pk=authorization.case_id).update(concern="something else entirely")
    assert authorization.provider is not None
    type(authorization.provider).objects.filter(pk=authorization.provider.pk).update(name="Dr. Someone Else")
    page = printed(Authorization.objects.get(pk=authorization.pk), advocate)
    assert "My medical records about the knee surgery" in page.text("what")
    assert "Dr. Maria Chen" in page.text("from") and "Someone Else" not in page.text("from")


# A form in Spanish (needs the Spanish catalogue, locale/es/LC_MESSAGES/django.mo, compiled)


def test_an_authorization_in_spanish_prints_in_spanish(case: Case, advocate: User, owner: User) -> None:
    """A new form is in the language its maker reads. Chosen in Spanish, the paper is in Spanish whoever
    prints it: every element, the dates, and the suggested words (sent in English here, as an English
    reader's form showed them); the page around it stays in the reader's language."""
    advocate.display_name = "Sam Lee"
    advocate.save()
    case.concern = "la cirugía de rodilla"
    case.save()
    Profile.objects.filter(user=owner).update(language="es")
    with on(TODAY):
        form = client_for(owner).get(reverse("authorization_new", args=[case.code])).text
    assert '<option value="es" selected>Español</option>' in form
    assert 'value="Para ayudarme a obtener una segunda opinión, a petición mía."' in form
    with on(TODAY):
        authorization = make(client_for(advocate), case, answers(advocate, doctor(case), language="es"))
    assert authorization.language == "es"
    assert authorization.purpose == "Para ayudarme a obtener una segunda opinión, a petición mía."
    assert authorization.expiry_event == "cuando ya tenga mi segunda opinión"
    with on(TODAY):
        authorization.mark_signed(TODAY, today=TODAY)
    url = reverse("authorization_print", args=[case.code, authorization.pk])
    with on(TODAY):
        html = client_for(advocate).get(url).text
    article = html[html.index("<article") : html.index("</article>")]
    assert article.startswith('<article class="letter-page authorization" lang="es"')
    paper = Page(f'<div id="paper">{article}</div>')
    assert paper.text("authorization-title") == "Autorización para compartir mi información de salud"
    assert paper.text("patient") == "Paciente Nombre: Alex Rivera Fecha de nacimiento:"
    assert paper.text("from") == (
        "1. Quién puede compartir mi información Dr. Maria Chen, Eastside Clinic, 1 Main Street, Springfield"
    )
    assert "Sam Lee (advocate@example.com), quien me ayuda a obtener una segunda opinión." in paper.text("to")
    assert "Mi expediente médico sobre la cirugía de rodilla: notas de las consultas" in paper.text("what")
    assert "Esto no incluye las notas de psicoterapia" in paper.text("what")
    assert paper.text("why") == "4. Para qué Para ayudarme a obtener una segunda opinión, a petición mía."
    assert paper.text("ends") == (
        "5. Cuándo vence esta autorización Esta autorización vence el 2 de marzo de 2027, o antes, cuando ya "
        "tenga mi segunda opinión, lo que ocurra primero."
    )
    assert paper.text("revoke") == (
        "Puedo cancelar (revocar) esta autorización en cualquier momento con una carta a Dr. Maria Chen, "
        "Eastside Clinic, 1 Main Street, Springfield. Deja de valer cuando reciban mi carta. No deshace lo "
        "que ya hayan compartido con base en ella."
    )
    assert paper.text("condition").startswith("Firmar es mi decisión. Mi tratamiento, el pago")
    assert paper.text("redisclosure").startswith("Una vez que mi información se comparta con Sam Lee")
    assert paper.text("copy") == "Recibiré una copia de este formulario cuando lo firme."
    assert "Firma del paciente: Fecha:" in paper.text("signature")
    assert "Su autoridad para actuar en nombre del paciente" in paper.text("signature")
    text = paper.text("paper")
    assert "45 CFR 164.508(c), revisado el 6 de diciembre de 2026" in text
    for english in ("Authorization", "Who ", "What ", "Signature", "Date", "Name:", "my ", "The ", "checked"):
        assert english not in text
    sentences = [sentence for sentence in re.split(r"(?<=[.:])\s", text) if sentence]
    assert max(len(sentence.split()) for sentence in sentences) <= 35
    # The tools around the paper are in the language of the person printing it.
    assert "Back to the authorization" in html
    assert "The form is in Spanish, the language chosen for the patient." in html
