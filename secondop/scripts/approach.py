"""The approach chooser: which framing fits the relationship with the current doctor, and why."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from secondop.cases.models import Approach, Case, ProviderResponse, YesNoUnsure


@dataclass(frozen=True)
class Recommendation:
    approach: Approach
    collaborative_offered: bool
    reasons: list[str] = field(default_factory=list)
    answered: bool = True


def recommend(case: Case) -> Recommendation:
    """The routine framing is always available, and recommended after any dismissal, tension or
    defensiveness. The collaborative framing is offered only when the relationship is open: the doctor
    is supportive or neutral, and there has been no dismissal and no tension (a "not sure" counts as a
    maybe, so it is not offered then either)."""
    if not case.approach_answered:
        return Recommendation(
            Approach.ROUTINE,
            collaborative_offered=False,
            reasons=[
                _(
                    "Answer the questions and we will suggest the words that fit. Until then, the routine "
                    "framing is a safe start: a second opinion is standard practice."
                )
            ],
            answered=False,
        )
    reasons: list[str] = []
    response = case.provider_response
    strained = False
    if case.felt_dismissed == YesNoUnsure.YES:
        strained = True
        reasons.append(
            _(
                "You have felt dismissed before. The routine framing keeps your request short and "
                "matter-of-fact, so there is little to argue with."
            )
        )
    if case.met_tension == YesNoUnsure.YES:
        strained = True
        reasons.append(
            _(
                "There has been tension with this doctor. A calm, routine request keeps the focus on the "
                "next practical step."
            )
        )
    if response in (ProviderResponse.DEFENSIVE, ProviderResponse.DISMISSIVE):
        strained = True
        reasons.append(
            _(
                "Your doctor can be defensive or dismissive about questions. Treating the second opinion as "
                "routine — which it is — gives them nothing to take personally."
            )
        )
    unsure = YesNoUnsure.UNSURE in (case.felt_dismissed, case.met_tension)
    open_relationship = (
        not strained
        and not unsure
        and response in (ProviderResponse.SUPPORTIVE, ProviderResponse.NEUTRAL)
        and case.felt_dismissed == YesNoUnsure.NO
        and case.met_tension == YesNoUnsure.NO
    )
    if open_relationship and response == ProviderResponse.SUPPORTIVE:
        approach = Approach.COLLABORATIVE
        reasons.append(
            _(
                "Your doctor welcomes your questions, and there has been no dismissal or tension. The "
                "collaborative framing thanks them for their care and asks for their help."
            )
        )
        if case.wants_to_return == YesNoUnsure.YES:
            reasons.append(_("You want to keep seeing this doctor, and this framing says so."))
    else:
        approach = Approach.ROUTINE
        if open_relationship:
            reasons.append(
                _(
                    "Your doctor answers questions without trouble. The routine framing works well; the "
                    "collaborative one is there too if you prefer a warmer tone."
                )
            )
        elif unsure and not strained:
            reasons.append(
                _("You are not sure how past conversations went. The routine framing works in every case.")
            )
        elif not reasons:
            reasons.append(
                _("The routine framing works in every case: a second opinion is standard practice.")
            )
    if case.referral_needed == YesNoUnsure.YES:
        reasons.append(_("Your plan needs a referral, so the scripts ask for one."))
    elif case.referral_needed == YesNoUnsure.UNSURE:
        reasons.append(
            _("You are not sure about a referral: the scripts ask, and the checklist helps you check.")
        )
    return Recommendation(approach, collaborative_offered=open_relationship, reasons=reasons)
