"""Each person's language: offered from the browser at sign-up, chosen in Settings or with the switch at the
foot of every page (a plain form), and used for their pages; each script and letter has a language of its
own, switched on its page."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from secondop.accounts.models import User
from secondop.cases.models import Case
from secondop.scripts.drafting import ensure_drafts
from secondop.scripts.models import Draft, DraftKind
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def test_pages_follow_the_browser_before_signing_in_and_the_person_after(owner: User) -> None:
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    page = anonymous.get(reverse("account_login"))
    assert '<html lang="es">' in page.text and page["Content-Language"] == "es"

    owner.profile.language = "es"
    owner.profile.save()
    signed_in = client_for(owner)  # its browser says nothing: the person's choice counts
    page = signed_in.get(reverse("case_list"))
    assert '<html lang="es">' in page.text and page["Content-Language"] == "es"
    page = client_for(owner).get(reverse("case_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="es">' in page.text


def test_the_switch_is_a_plain_form_that_keeps_the_choice(owner: User) -> None:
    client = client_for(owner)
    page = client.get(reverse("case_list"))
    assert f'action="{reverse("set_language")}"' in page.text and 'name="language" value="es"' in page.text
    answer = client.post(reverse("set_language"), {"language": "es", "next": "/cases/?sort=due"})
    assert answer.status_code == 302 and answer["Location"] == "/cases/?sort=due"
    assert answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    owner.profile.refresh_from_db()
    assert owner.profile.language == "es"
    assert '<html lang="es">' in client.get(reverse("case_list")).text


@pytest.mark.parametrize(
    "data",
    [{"language": "fr", "next": "/cases/"}, {"language": "", "next": "/cases/"}, {"next": "/cases/"}],
)
def test_a_language_we_do_not_have_changes_nothing(owner: User, data: dict[str, str]) -> None:
    answer = client_for(owner).post(reverse("set_language"), data)
    assert answer.status_code == 400 and settings.LANGUAGE_COOKIE_NAME not in answer.cookies
    owner.profile.refresh_from_db()
    assert owner.profile.language == "en"


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_the_switch_never_sends_anyone_elsewhere(back: str) -> None:
    answer = Client().post(reverse("set_language"), {"language": "es", "next": back})
    assert answer.status_code == 302 and answer["Location"] == "/"


def test_sign_up_offers_the_browsers_language_and_keeps_the_one_chosen(db: None) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    form = client.get(reverse("account_signup")).text
    assert '<option value="es" selected>' in form
    answer = client.post(
        reverse("account_signup"),
        {"email": "nueva@example.com", "password1": PASSWORD, "password2": PASSWORD, "language": "es"},
    )
    assert answer.status_code == 302
    assert User.objects.get(email="nueva@example.com").profile.language == "es"

    Client(HTTP_ACCEPT_LANGUAGE="es").post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD, "language": "en"},
    )
    assert User.objects.get(email="new@example.com").profile.language == "en"


def test_settings_change_the_language(owner: User) -> None:
    client = client_for(owner)
    form = client.get(reverse("profile_settings")).text
    assert 'name="language"' in form
    answer = client.post(
        reverse("profile_settings"),
        {
            "language": "es",
            "time_zone": "America/Chicago",
            "quiet_hours_start": "21:00",
            "quiet_hours_end": "08:00",
        },
    )
    assert answer.status_code == 302
    owner.profile.refresh_from_db()
    assert owner.profile.language == "es"


def test_a_new_script_is_in_the_language_of_its_writer_and_keeps_its_own(case: Case, owner: User) -> None:
    owner.profile.language = "es"
    owner.profile.save()
    client = client_for(owner)
    url = reverse("draft_edit", args=[case.code, DraftKind.RECORDS_REQUEST])
    page = client.get(url).text
    assert 'lang="es" data-autosave' in page
    client.post(reverse("draft_restore", args=[case.code, DraftKind.RECORDS_REQUEST]))
    draft = Draft.objects.get(case=case, kind=DraftKind.RECORDS_REQUEST)
    assert draft.language == "es"

    owner.profile.language = "en"
    owner.profile.save()
    assert 'lang="es" data-autosave' in client.get(url).text  # the reader's language does not change it


def test_switching_a_scripts_language_gives_the_suggested_text_in_it(case: Case, owner: User) -> None:
    draft = ensure_drafts(case)[DraftKind.RECORDS_REQUEST]
    english = draft.text
    client = client_for(owner)
    url = reverse("draft_language", args=[case.code, draft.kind])
    answer = client.post(url, {"language": "es", "version": 1})
    assert answer.status_code == 302
    draft.refresh_from_db()
    assert draft.language == "es" and draft.version == 2
    assert draft.text == draft.generated_text != english

    client.post(url, {"language": "en", "version": 2})
    draft.refresh_from_db()
    assert draft.language == "en" and draft.text == english


def test_typed_words_make_way_only_when_the_person_says_so(case: Case, owner: User) -> None:
    draft = ensure_drafts(case)[DraftKind.RECORDS_REQUEST]
    client = client_for(owner)
    client.post(reverse("draft_save", args=[case.code, draft.kind]), {"text": "My own words.", "version": 1})
    url = reverse("draft_language", args=[case.code, draft.kind])
    assert 'name="replace"' in client.get(reverse("draft_edit", args=[case.code, draft.kind])).text
    client.post(url, {"language": "es", "version": 2})
    draft.refresh_from_db()
    assert (draft.language, draft.text, draft.version) == ("en", "My own words.", 2)

    client.post(url, {"language": "es", "version": 2, "replace": "on"})
    draft.refresh_from_db()
    assert draft.language == "es" and draft.text == draft.generated_text and draft.version == 3


def test_a_switch_from_a_page_seen_before_a_change_changes_nothing(
    case: Case, owner: User, advocate: User
) -> None:
    """Someone else saved meanwhile (or a conflict waits): their words are not replaced unseen."""
    draft = ensure_drafts(case)[DraftKind.RECORDS_REQUEST]
    save = reverse("draft_save", args=[case.code, draft.kind])
    client_for(advocate).post(save, {"text": draft.text + " And theirs.", "version": 1})
    url = reverse("draft_language", args=[case.code, draft.kind])
    client_for(owner).post(url, {"language": "es", "version": 1, "replace": "on"})
    draft.refresh_from_db()
    assert (draft.language, draft.version) == ("en", 2) and draft.text.endswith("And theirs.")

    # A conflict waiting for a choice: both texts stay.
    client_for(owner).post(save, {"text": "Late words.", "version": 1})
    draft.refresh_from_db()
    assert draft.conflict_text == "Late words."
    client_for(owner).post(url, {"language": "es", "version": draft.version, "replace": "on"})
    draft.refresh_from_db()
    assert draft.language == "en" and draft.conflict_text == "Late words."


@pytest.mark.parametrize("language", ["fr", "", "es-ES"])
def test_a_scripts_language_we_do_not_have_changes_nothing(case: Case, owner: User, language: str) -> None:
    draft = ensure_drafts(case)[DraftKind.RECORDS_REQUEST]
    answer = client_for(owner).post(
        reverse("draft_language", args=[case.code, draft.kind]), {"language": language, "version": 1}
    )
    assert answer.status_code == 302
    after = Draft.objects.get(pk=draft.pk)
    assert (after.language, after.text, after.version) == ("en", draft.text, draft.version)


def test_a_viewer_cannot_switch_a_scripts_language(case: Case, viewer: User) -> None:
    draft = ensure_drafts(case)[DraftKind.RECORDS_REQUEST]
    answer = client_for(viewer).post(
        reverse("draft_language", args=[case.code, draft.kind]), {"language": "es", "version": 1}
    )
    assert answer.status_code in (403, 404)
    assert Draft.objects.get(pk=draft.pk).language == "en"


def test_a_made_up_version_does_not_pass_for_the_one_seen(case: Case, owner: User) -> None:
    draft = ensure_drafts(case)[DraftKind.RECORDS_REQUEST]
    client = client_for(owner)
    client.post(reverse("draft_save", args=[case.code, draft.kind]), {"text": "Mine.", "version": 1})
    # Version 3 is not the one anybody saw (2 is): typed words are not replaced, ticked or not.
    client.post(reverse("draft_language", args=[case.code, draft.kind]), {"language": "es", "version": 3})
    draft.refresh_from_db()
    assert (draft.language, draft.text, draft.version) == ("en", "Mine.", 2)


def test_an_autosave_tells_the_language_form_the_new_version(case: Case, owner: User) -> None:
    draft = ensure_drafts(case)[DraftKind.RECORDS_REQUEST]
    answer = client_for(owner).post(
        reverse("draft_save", args=[case.code, draft.kind]),
        {"text": "Mine.", "version": 1},
        headers={"HX-Request": "true"},
    )
    assert '<input type="hidden" name="version" value="2" id="language-version" hx-swap-oob="true">' in (
        answer.text
    )
