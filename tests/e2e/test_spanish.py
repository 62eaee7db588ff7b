"""secondop in Spanish, in a real phone-sized Chromium whose browser asks for Spanish: sign up, draft the
scripts (in Spanish), switch the records letter to English for the office, and get a reminder in Spanish in
the inbox. Each Spanish text is looked up in the catalogue and must differ from its English, so a string
left untranslated fails here."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import Browser, Page, expect

from secondop.accounts.models import User
from secondop.cases.models import Case
from secondop.records.models import Provider, ProviderRole, RecordsRequest
from secondop.reminders import dispatch
from secondop.reminders.models import Reminder, ReminderKind, ReminderStatus
from secondop.scripts.models import Draft, DraftKind
from tests.conftest import PASSWORD
from tests.e2e.conftest import new_phone_context

pytestmark = pytest.mark.browser


def spanish(english: str, context: str = "") -> str:
    with translation.override("es"):
        text = pgettext(context, english) if context else gettext(english)
    assert text != english, f"not translated: {english!r}"
    return text


def sign_up_in_spanish(page: Page, base: str, email: str, mailoutbox: list) -> User:
    page.goto(f"{base}/accounts/signup/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    # The language is offered as the browser's.
    expect(page.get_by_role("combobox", name=spanish("Language"))).to_have_value("es")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Registrarse").click()  # allauth's own Spanish
    page.wait_for_url("**/accounts/confirm-email/")
    [message] = mailoutbox
    [link] = re.findall(r"https?://\S+/accounts/confirm-email/\S+/", str(message.body))
    page.goto(link)
    page.get_by_role("button", name="Confirmar").click()
    page.wait_for_url(f"{base}/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text(spanish("My cases"))
    user = User.objects.get(email=email)
    assert user.profile.language == "es"
    return user


def test_sign_up_in_spanish_draft_in_spanish_send_the_letter_in_english_and_be_reminded_in_spanish(
    browser: Browser, live_server, mailoutbox
) -> None:
    base = live_server.url
    context = new_phone_context(browser, locale="es-US")
    page = context.new_page()
    user = sign_up_in_spanish(page, base, "rosa.diaz@example.com", mailoutbox)

    # A case, opened through its form.
    page.goto(f"{base}/cases/new/")
    page.locator("#id_patient_name").fill("Rosa Díaz")
    page.locator("#id_concern").fill("la cirugía de rodilla")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/$"))
    case = Case.objects.get(memberships__user=user)
    Provider.objects.create(
        case=case, role=ProviderRole.SECOND_OPINION, name="Dra. Ana Ruiz", practice="Clínica del Valle"
    )
    holder = Provider.objects.create(
        case=case, role=ProviderRole.CURRENT, name="Dr. John Miller", practice="Lakeside Orthopedics"
    )

    # The scripts, drafted in Spanish: the text and the page around it.
    page.goto(f"{base}/cases/{case.code}/scripts/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.goto(f"{base}/cases/{case.code}/scripts/{DraftKind.RECORDS_REQUEST}/")
    editor = page.get_by_label(spanish("Your script"))
    expect(editor).to_have_attribute("lang", "es")
    with translation.override("es"):
        from secondop.scripts.texts import Facts, generate

        expected = generate(DraftKind.RECORDS_REQUEST, Facts.of(case))
    with translation.override("en"):
        english = generate(DraftKind.RECORDS_REQUEST, Facts.of(case))
    assert expected != english
    expect(editor).to_have_value(expected)
    assert "Dra. Ana Ruiz" in expected  # the case's facts, in the Spanish words
    editor.fill(expected + "\n\nGracias.")
    page.get_by_role("button", name=spanish("Save"), exact=True).click()
    expect(page.get_by_role("status").filter(has_text=spanish("Saved."))).to_be_visible()
    draft = Draft.objects.get(case=case, kind=DraftKind.RECORDS_REQUEST)
    assert draft.language == "es" and draft.text.endswith("Gracias.")
    # Words typed just before switching the script's language are saved first (the switch waits for the
    # autosave and carries the version it brought back); ticked, the suggested English replaces them.
    editor.fill(draft.text + " Hasta pronto.")
    page.get_by_label(spanish("Replace what was typed with the suggested text in that language")).check()
    page.get_by_label(spanish("Language of this text")).select_option("en")
    page.get_by_role("button", name=spanish("Change the language")).click()
    expect(page.get_by_role("status").filter(has_text="English")).to_be_visible()
    draft.refresh_from_db()
    assert draft.language == "en" and draft.text == english
    expect(page.get_by_label(spanish("Your script"))).to_have_attribute("lang", "en")

    # The records letter, switched to English for the office; the page stays in Spanish.
    request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
    page.goto(f"{base}/cases/{case.code}/records/requests/{request.pk}/letters/request-letter/")
    letter = page.get_by_label(spanish("Your letter"))
    expect(letter).to_have_attribute("lang", "es")
    page.get_by_label(spanish("Language of this text")).select_option("en")
    page.get_by_role("button", name=spanish("Change the language")).click()
    expect(page.get_by_role("status").filter(has_text="English")).to_be_visible()
    expect(letter).to_have_attribute("lang", "en")
    stored = request.letters.get(kind="request-letter")
    assert stored.language == "en"
    expect(letter).to_have_value(stored.text)
    assert "I am writing to request" in stored.text or "medical records" in stored.text
    expect(page.get_by_role("button", name=spanish("Print"))).to_have_count(0)  # a link, not a button
    expect(page.get_by_role("link", name=spanish("Print"))).to_be_visible()

    # A reminder, in Spanish in the inbox.
    nudge = Reminder.objects.filter(recipient=user, kind=ReminderKind.CHECKLIST).order_by("due_at").first()
    assert nudge is not None
    token, claimed = dispatch.claim_due(1, now=nudge.due_at)
    assert claimed == [nudge.pk]
    with translation.override("en"):  # the worker's own language does not matter: the recipient's does
        dispatch.deliver(claimed, token)
    nudge.refresh_from_db()
    assert nudge.status == ReminderStatus.SENT
    page.goto(f"{base}/cases/")
    inbox = page.get_by_role("navigation", name=spanish("Main", "navigation")).get_by_role(
        "link", name=re.compile(r"1")
    )
    inbox.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(spanish("Inbox"))
    expect(page.locator("main")).to_contain_text(spanish("A step on this week's checklist is waiting."))
    context.close()
