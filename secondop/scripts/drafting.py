"""Keeping a case's drafts in step with its facts."""

from django.db import IntegrityError, transaction

from secondop.cases.models import Approach, Case
from secondop.scripts.approach import recommend
from secondop.scripts.models import Draft, DraftKind
from secondop.scripts.texts import Facts, generate

DESCRIPTIONS = {
    DraftKind.SECOND_OPINION: "What to say when you ask for the second opinion. Short and matter-of-fact.",
    DraftKind.RECORDS_REQUEST: "Ask for your complete records, for you and for the new doctor. "
    "You do not need to give a reason.",
    DraftKind.COLLABORATIVE: "A warmer way to ask, for a doctor who welcomes your questions.",
    DraftKind.PUSHBACK: "If your doctor disagrees: acknowledge it, keep your decision, and move to the next "
    "practical step. No apology needed.",
    DraftKind.PORTAL_MESSAGE: "Send this through the patient portal after you talk, so the request is in "
    "writing.",
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
    ]


def ensure_drafts(case: Case) -> dict[str, Draft]:
    """The case's drafts of every offered kind, generating the ones that do not exist yet."""
    drafts = {draft.kind: draft for draft in case.drafts.all()}
    missing = [kind for kind in offered_kinds(case) if kind not in drafts]
    if missing:
        facts = Facts.of(case)
        for kind in missing:
            text = generate(kind, facts)
            try:
                with transaction.atomic():
                    drafts[kind] = Draft.objects.create(case=case, kind=kind, text=text, generated_text=text)
            except IntegrityError:  # another request created it a moment ago
                drafts[kind] = Draft.objects.get(case=case, kind=kind)
    return drafts


def regenerate_unedited(case: Case) -> None:
    """After the facts change: drafts nobody edited follow the new facts; edited ones keep their words
    (their "restore the generated text" gives the new version)."""
    facts = Facts.of(case)
    for draft in case.drafts.all():
        draft.follow_generated(generate(draft.kind, facts))
