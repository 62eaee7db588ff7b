"""A new person's first case on a phone: the approach chooser, the suggested scripts, editing one (saved as
they type), copying it, ticking the checklist, reading it aloud, and finding it all still there later."""

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from secondop.cases.models import Approach, Case
from secondop.scripts.models import Draft, DraftKind
from secondop.scripts.texts import Facts, generate
from tests.conftest import make_user
from tests.e2e.test_browser import log_in

pytestmark = pytest.mark.browser

# A doctor who brushes concerns aside: the routine framing, for three reasons, and a referral question.
ANSWERS = {
    "provider_response": "Dismissive — my concerns get brushed aside",
    "felt_dismissed": "Yes",
    "met_tension": "No",
    "wants_to_return": "Not sure",
    "referral_needed": "Yes",
}
ADDED = " I have brought a written request with me."
MORE = " Thank you for your help."
HAND_TICKED = "List your questions for the second opinion"


def checked_answers(page: Page) -> dict[str, str]:
    """The chooser's checked radio in each question, by field name, as its label reads."""
    return page.evaluate(
        """() => Object.fromEntries(
             [...document.querySelectorAll("fieldset.question input[type=radio]:checked")]
               .map((radio) => [radio.name, document.querySelector(`label[for="${radio.id}"]`).innerText]))"""
    )


def test_a_new_person_answers_the_chooser_edits_copies_ticks_and_finds_it_all_kept(
    context: BrowserContext, page: Page, live_server
) -> None:
    base = live_server.url
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    user = make_user("first.case@example.com")
    log_in(page, base, "first.case@example.com")

    # An empty case: only the patient's name.
    page.get_by_role("link", name="New case").click()
    page.get_by_label("Patient's name").fill("Jordan Lake")
    page.get_by_role("button", name="Start the case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jordan Lake")
    case = Case.objects.get(patient_name="Jordan Lake")
    assert case.memberships.get().user == user
    overview_url = f"{base}{case.get_absolute_url()}"
    expect(page.locator("#checklist-block")).to_contain_text("0 of 5 done")

    # The guided path starts at the approach chooser.
    page.get_by_role("link", name="Start here").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How does it usually go with your doctor?")
    approach_url = page.url
    for legend_field, label in ANSWERS.items():
        page.locator(f"fieldset:has(input[name={legend_field}])").get_by_label(label, exact=True).check()
    page.get_by_role("button", name="See our suggestion").click()

    suggestion = page.locator("#recommendation")
    expect(suggestion.get_by_role("heading", level=2)).to_have_text("Our suggestion: the routine framing")
    reasons = suggestion.locator(".reasons li")
    expect(reasons).to_have_count(3)
    expect(reasons.nth(0)).to_contain_text("You have felt dismissed before.")
    expect(reasons.nth(1)).to_contain_text("Your doctor can be defensive or dismissive")
    expect(reasons.nth(2)).to_contain_text("Your plan needs a referral")
    # No collaborative choice for a strained relationship: the routine framing is the one offered.
    expect(suggestion.get_by_role("radio")).to_have_count(0)
    case.refresh_from_db()
    assert case.approach == Approach.ROUTINE and case.approach_answered
    assert case.provider_response == "dismissive" and case.referral_needed == "yes"

    suggestion.get_by_role("button", name="Go to my scripts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approach & scripts")
    expect(page.locator(".messages")).to_have_text("You chose the routine framing.")
    expect(page.locator(".card-title")).to_have_text(
        [
            "Asking for a second opinion",
            "Asking for your records",
            "If your doctor pushes back",
            "Portal message that documents the request",
            "Sharing the result with your doctor",  # after the visit; offered on every case
        ]
    )

    # Edit the pushback script: it saves by itself a moment after the typing stops.
    page.get_by_role("link", name=re.compile("^If your doctor pushes back")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("If your doctor pushes back")
    draft_url = page.url
    # Opening the script stored nothing: it is stored at its first save, from version 1.
    assert not Draft.objects.filter(case=case).exists()
    generated = generate(DraftKind.PUSHBACK, Facts.of(case))
    # Every save of the script: an autosave is an "xhr", the Save button's a "document".
    saves: list[str] = []
    page.on(
        "request", lambda request: saves.append(request.resource_type) if "/save/" in request.url else None
    )
    editor = page.get_by_label("Your script")
    status = page.locator("#save-status")
    expect(status).to_have_text("Changes save as you type.")
    expect(page.locator("#draft-version")).to_have_value("1")
    expect(editor).to_have_value(generated)
    editor.press("Control+End")
    editor.press_sequentially(ADDED)
    edited = generated + ADDED
    expect(editor).to_have_value(edited)
    expect(status).to_have_text(re.compile(r"^Saved \d\d:\d\d\.$"))
    draft = Draft.objects.get(case=case, kind=DraftKind.PUSHBACK)
    assert draft.text == edited
    assert draft.version == 2, "one autosave after the typing stopped, not one per key"
    assert draft.edited_at is not None and draft.edited_by == user
    assert not draft.has_conflict
    # The page now carries the new version, so a second edit is not mistaken for a conflict.
    expect(page.locator("#draft-version")).to_have_value("2")

    page.get_by_role("button", name="Copy").click()
    expect(page.locator("[data-copy-status]")).to_have_text(
        "Copied. You can paste it into a message or the portal."
    )
    assert page.evaluate("navigator.clipboard.readText()") == edited
    # Leaving the field for the button sent nothing: the text was saved already.
    assert saves == ["xhr"], saves

    # More words, and Save pressed at once: leaving the field autosaves them, and the Save button's own
    # save waits for that one, so it is not taken for someone else's change.
    editor.press("Control+End")
    editor.press_sequentially(MORE)
    edited += MORE
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_have_text("Saved.")
    expect(page.get_by_role("heading", name="Two versions of this script")).to_have_count(0)
    expect(page.get_by_label("Your script")).to_have_value(edited)
    assert saves == ["xhr", "xhr", "document"], saves
    draft.refresh_from_db()
    assert not draft.has_conflict
    # The Save button sent the same text the autosave had just saved: no new version, and the browser's
    # CRLF line breaks are taken as the same text.
    assert draft.version == 3
    assert draft.text == edited

    # Editing the script ticked "Write your script" by itself; tick another by hand on the checklist.
    page.goto(overview_url)
    expect(page.locator("#checklist-block")).to_contain_text("1 of 5 done")
    page.get_by_role("link", name="Open the checklist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This week's checklist")
    checklist_url = page.url
    page.get_by_role("button", name=f"Mark as done: {HAND_TICKED}").click()
    ticked = page.get_by_role("button", name=f"Done: {HAND_TICKED}. Mark as not done")
    expect(ticked).to_have_attribute("aria-pressed", "true")
    # The list was swapped in place, and the button pressed still has the focus.
    expect(ticked).to_be_focused()
    expect(page.locator("#checklist-block")).to_contain_text("2 of 5 done")
    items = {item.key: item for item in case.checklist.all()}
    assert items["questions"].done_at is not None and items["questions"].done_by == user
    assert not items["questions"].ticked_automatically
    assert items["script"].done_at is not None and items["script"].ticked_automatically
    assert {key for key, item in items.items() if item.done_at is not None} == {"script", "questions"}

    # The say-it view: one part at a time.
    page.goto(draft_url)
    page.get_by_role("link", name="Say it").click()
    parts = page.locator("[data-say-part]")
    expect(parts).to_have_count(3)
    visible = page.locator("[data-say-part]:visible")
    count = page.locator("[data-say-count]")
    expect(count).to_have_text("Part 1 of 3")
    expect(visible).to_have_count(1)
    expect(visible).to_have_text("I understand that you feel sure about this plan, and I value your view.")
    back = page.get_by_role("button", name="Back", exact=True)
    next_part = page.get_by_role("button", name="Next")
    expect(back).to_be_disabled()
    next_part.click()
    expect(count).to_have_text("Part 2 of 3")
    expect(visible).to_have_count(1)
    expect(visible).to_have_text(re.compile("^A second opinion is a normal part of a decision like this"))
    next_part.click()
    expect(count).to_have_text("Part 3 of 3")
    expect(visible).to_contain_text(ADDED.strip())
    expect(next_part).to_be_disabled()
    back.click()
    expect(count).to_have_text("Part 2 of 3")

    # Later, everything is where it was left.
    page.goto(approach_url)
    assert checked_answers(page) == ANSWERS
    page.goto(draft_url)
    expect(page.get_by_label("Your script")).to_have_value(edited)
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Saved \d\d:\d\d\.$"))
    page.goto(checklist_url)
    expect(page.get_by_role("button", name=f"Done: {HAND_TICKED}. Mark as not done")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.get_by_role("button", name="Done: Write your script. Mark as not done")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#checklist-block")).to_contain_text("2 of 5 done")
    page.goto(overview_url)
    expect(page.locator("#checklist-block")).to_contain_text("2 of 5 done")
    expect(page.get_by_role("link", name="Go to your scripts")).to_be_visible()
    assert len(saves) == 3, saves
    draft.refresh_from_db()
    assert (draft.text, draft.version) == (edited, 3)
