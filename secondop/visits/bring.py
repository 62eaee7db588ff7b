"""What to bring to the second-opinion visit, built from the case each time it is shown: the records asked
for (and where each stands), the questions list, the medication list, the insurance referral or approval,
ID and insurance card, and the physical items on their way. Only the ticks are stored (BringTick)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from secondop.accounts.models import User
from secondop.cases.models import Case, InsuranceCheck
from secondop.records.models import RecordsRequest, RequestStatus
from secondop.visits.models import BringTick, PhysicalItem

ARRIVED = {RequestStatus.RECEIVED}


@dataclass(frozen=True)
class Thing:
    key: str
    title: str
    note: str
    link: str
    done: bool


def things_to_bring(case: Case) -> list[Thing]:
    ticked = set(BringTick.objects.filter(case=case).values_list("key", flat=True))
    things = []

    def add(key: str, title: str, note: str = "", link: str = "") -> None:
        things.append(Thing(key, title, note, link, key in ticked))

    for request in RecordsRequest.objects.filter(case=case).select_related("holder").order_by("pk"):
        if request.status == RequestStatus.WITHDRAWN:
            continue
        state = (
            RequestStatus.RECEIVED.label if request.status in ARRIVED else request.get_status_display()
        ).lower()
        add(
            f"request-{request.pk}",
            _("Records from %(holder)s") % {"holder": request.holder},
            _("Request: %(status)s.") % {"status": state},
            reverse("request_detail", args=[case.code, request.pk]),
        )
    questions = case.questions.count()
    add(
        "questions",
        _("Your questions for the doctor"),
        ngettext("%(count)d on your list.", "%(count)d on your list.", questions) % {"count": questions}
        if questions
        else _("Your list is still empty."),
        reverse("questions", args=[case.code]),
    )
    add("medications", _("Your medication list"), _("Every medicine, with its dose, and any allergies."))
    insurance = InsuranceCheck.objects.filter(case=case).first()
    needs = insurance is not None and "yes" in (insurance.referral_required, insurance.preauth_required)
    add(
        "insurance",
        _("Your insurance referral or approval") if needs else _("Your insurance card"),
        _("Your plan asked for one: bring it, or its reference number.") if needs else _("And a photo ID."),
        reverse("insurance", args=[case.code]),
    )
    for item in PhysicalItem.objects.filter(case=case):
        if not item.arrived:
            title = item.get_kind_display()
            if item.description:
                title = _("%(kind)s: %(description)s") % {"kind": title, "description": item.description}
            add(
                f"item-{item.pk}",
                title,
                _("%(status)s, not received yet: bring it yourself if it has not arrived.")
                % {"status": item.get_status_display()},
            )
    return things


def tick(case: Case, key: str, done: bool, by: User) -> None:
    if done:
        BringTick.objects.get_or_create(case=case, key=key, defaults={"done_by": by})
    else:
        BringTick.objects.filter(case=case, key=key).delete()
