"""Keeping a case's drafts in step with its facts."""

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from secondop.cases.models import Approach, Case
from secondop.scripts.approach import recommend
from secondop.scripts.models import Draft, DraftKind
from secondop.scripts.texts import Facts, generate

DESCRIPTIONS = {
    DraftKind.SECOND_OPINION: _("What to say when you ask for the second opinion. Short and matter-of-fact."),
    DraftKind.RECORDS_REQUEST: _(
        "Ask for your complete records, for you and for the new doctor. You do not need to give a reason."
    ),
    DraftKind.COLLABORATIVE: _("A warmer way to ask, for a doctor who welcomes your questions."),
    DraftKind.PUSHBACK: _(
        "If your doctor disagrees: acknowledge it, keep your decision, and move to the next practical step. "
        "No apology needed."
    ),
    DraftKind.PORTAL_MESSAGE: _(
        "Send this through the patient portal after you talk, so the request is in writing."
    ),
    DraftKind.SHARE_RESULT: _(
        "After the second opinion: tell your first doctor what you learned and what you decided. No apology "
        "needed, whatever you choose."
    ),
}


def offered_kinds(case: Case) -> list[str]:
    """The scripts for this case, the recommended opening first."""
    recommendation = recommend(case)
    opening = [DraftKind.SECOND_OPINION.value]
    if recommendation.collaborative_offered:
        if case.approach == Approach.COLLABORATIVE:
            opening = [DraftKind.COLLABORATIVE.value, DraftKind.SECOND_OPINION.value]
        else:
            opening.append(DraftKind.COLLABORATIVE.value)
    return [
        *opening,
        DraftKind.RECORDS_REQUEST.value,
        DraftKind.PUSHBACK.value,
        DraftKind.PORTAL_MESSAGE.value,
        DraftKind.SHARE_RESULT.value,
    ]


def drafts_as_they_stand(case: Case) -> dict[str, Draft]:
    """The case's drafts of every offered kind: the saved ones, and for a kind nobody saved yet its
    generated text, unsaved (looking at a script changes nothing; the first save stores it), in the active
    language, which a new draft takes as its own."""
    drafts = {draft.kind: draft for draft in case.drafts.all()}
    missing = [kind for kind in offered_kinds(case) if kind not in drafts]
    if missing:
        facts = Facts.of(case)
        for kind in missing:
            text = generate(kind, facts)
            drafts[kind] = Draft(case=case, kind=kind, text=text, generated_text=text)
    return drafts


def ensure_drafts(case: Case) -> dict[str, Draft]:
    """The case's drafts of every offered kind, storing the ones that do not exist yet (for a write)."""
    drafts = drafts_as_they_stand(case)
    for kind, draft in drafts.items():
        if draft.pk is None:
            try:
                with transaction.atomic():
                    draft.save()
            except IntegrityError:  # another request created it a moment ago
                drafts[kind] = Draft.objects.get(case=case, kind=kind)
    return drafts


def regenerate_unedited(case: Case) -> None:
    """After the facts change: drafts nobody edited follow the new facts; edited ones keep their words
    (their "restore the generated text" gives the new version)."""
    facts: dict[str, Facts] = {}  # by language: the facts' own words (a fax number, a date) are in it too
    for draft in case.drafts.all():
        with translation.override(draft.language):
            if draft.language not in facts:
                facts[draft.language] = Facts.of(case)
            draft.follow_generated(generate(draft.kind, facts[draft.language]))
