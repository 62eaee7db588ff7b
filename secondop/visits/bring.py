"""What to bring to the second-opinion visit, built from the case each time it is shown: the records asked
for (and where each stands), the questions list, the medication list, the insurance referral or approval,
ID and insurance card, and the physical items on their way. Only the ticks are stored (BringTick)."""

from dataclasses import dataclass

from django.urls import reverse

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
        state = "received" if request.status in ARRIVED else request.get_status_display().lower()
        add(
            f"request-{request.pk}",
            f"Records from {request.holder}",
            f"Request: {state}.",
            reverse("request_detail", args=[case.code, request.pk]),
        )
    questions = case.questions.count()
    add(
        "questions",
        "Your questions for the doctor",
        f"{questions} on your list." if questions else "Your list is still empty.",
        reverse("questions", args=[case.code]),
    )
    add("medications", "Your medication list", "Every medicine, with its dose, and any allergies.")
    insurance = InsuranceCheck.objects.filter(case=case).first()
    needs = insurance is not None and "yes" in (insurance.referral_required, insurance.preauth_required)
    add(
        "insurance",
        "Your insurance referral or approval" if needs else "Your insurance card",
        "Your plan asked for one: bring it, or its reference number." if needs else "And a photo ID.",
        reverse("insurance", args=[case.code]),
    )
    for item in PhysicalItem.objects.filter(case=case):
        if not item.arrived:
            add(
                f"item-{item.pk}",
                f"{item.get_kind_display()}{': ' + item.description if item.description else ''}",
                f"{item.get_status_display()}, not received yet: bring it yourself if it has not arrived.",
            )
    return things


def tick(case: Case, key: str, done: bool, by: User) -> None:
    if done:
        BringTick.objects.get_or_create(case=case, key=key, defaults={"done_by": by})
    else:
        BringTick.objects.filter(case=case, key=key).delete()
