import itertools
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from secondop.accounts.models import User
from secondop.cases.models import Approach, Case, ProviderResponse, YesNoUnsure
from secondop.scripts.approach import recommend
from tests.conftest import client_for

ANSWER_FIELDS = ["provider_response", "felt_dismissed", "met_tension", "wants_to_return", "referral_needed"]


def answer(client: Client, case: Case, **answers: str) -> Any:
    data = {
        "provider_response": "supportive",
        "felt_dismissed": "no",
        "met_tension": "no",
        "wants_to_return": "yes",
        "referral_needed": "no",
    }
    data.update(answers)
    return client.post(reverse("approach", args=[case.code]), data)


def case_with(**answers: str) -> Case:
    from django.utils import timezone

    return Case(approach_answered_at=timezone.now(), **answers)


ALL_PATTERNS = list(
    itertools.product(
        [choice.value for choice in ProviderResponse],
        [choice.value for choice in YesNoUnsure],
        [choice.value for choice in YesNoUnsure],
        [choice.value for choice in YesNoUnsure],
    )
)


@pytest.mark.parametrize(("response", "dismissed", "tension", "returning"), ALL_PATTERNS)
def test_collaborative_is_never_offered_after_dismissal_tension_or_defensiveness(
    response: str, dismissed: str, tension: str, returning: str
) -> None:
    case = case_with(
        provider_response=response, felt_dismissed=dismissed, met_tension=tension, wants_to_return=returning
    )
    recommendation = recommend(case)
    strained = (
        dismissed != "no"
        or tension != "no"
        or response in (ProviderResponse.DEFENSIVE, ProviderResponse.DISMISSIVE)
    )
    if strained:
        assert recommendation.approach == Approach.ROUTINE
        assert not recommendation.collaborative_offered
    else:
        assert recommendation.collaborative_offered
        expected = Approach.COLLABORATIVE if response == ProviderResponse.SUPPORTIVE else Approach.ROUTINE
        assert recommendation.approach == expected
    assert recommendation.reasons, "the recommendation always says why"


@pytest.mark.parametrize(
    ("answers", "reason_words"),
    [
        ({"felt_dismissed": "yes"}, "felt dismissed"),
        ({"met_tension": "yes"}, "tension"),
        ({"provider_response": "defensive"}, "defensive or dismissive"),
        ({"provider_response": "dismissive"}, "defensive or dismissive"),
        ({"felt_dismissed": "unsure"}, "not sure"),
        ({}, "welcomes your questions"),
        ({"provider_response": "neutral"}, "warmer tone"),
    ],
)
def test_the_recommendation_says_why(answers: dict[str, str], reason_words: str) -> None:
    base = {
        "provider_response": "supportive",
        "felt_dismissed": "no",
        "met_tension": "no",
        "wants_to_return": "no",
    }
    recommendation = recommend(case_with(**{**base, **answers}))
    assert any(reason_words in reason for reason in recommendation.reasons), recommendation.reasons


def test_an_unanswered_case_starts_with_the_routine_framing() -> None:
    recommendation = recommend(Case())
    assert recommendation.approach == Approach.ROUTINE
    assert not recommendation.answered
    assert not recommendation.collaborative_offered


def test_answers_are_kept_and_changing_them_updates_the_recommendation(case: Case, owner: User) -> None:
    client = client_for(owner)
    response = answer(client, case)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.approach == Approach.COLLABORATIVE
    page = client.get(reverse("approach", args=[case.code])).text
    assert "Our suggestion: the collaborative framing" in page
    supportive = re.search(r'<input[^>]*name="provider_response"[^>]*value="supportive"[^>]*>', page)
    assert supportive and "checked" in supportive.group(0)  # the answers are kept and shown

    answer(client, case, felt_dismissed="yes")
    case.refresh_from_db()
    assert case.felt_dismissed == "yes"
    assert case.approach == Approach.ROUTINE
    page = client.get(reverse("approach", args=[case.code])).text
    assert "Our suggestion: the routine framing" in page
    assert "You have felt dismissed before" in page
    assert 'value="collaborative"' not in page


def test_the_person_may_choose_routine_even_when_collaborative_is_suggested(case: Case, owner: User) -> None:
    client = client_for(owner)
    answer(client, case)
    response = client.post(reverse("approach", args=[case.code]), {"approach": "routine"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.approach == Approach.ROUTINE


def test_collaborative_cannot_be_chosen_when_it_is_not_offered(case: Case, owner: User) -> None:
    client = client_for(owner)
    answer(client, case, provider_response="dismissive")
    client.post(reverse("approach", args=[case.code]), {"approach": "collaborative"})
    case.refresh_from_db()
    assert case.approach == Approach.ROUTINE
    assert client.get(reverse("draft_edit", args=[case.code, "collaborative"])).status_code == 404


def test_a_missing_answer_is_refused_next_to_the_question_and_nothing_is_kept(
    case: Case, owner: User
) -> None:
    client = client_for(owner)
    response = client.post(reverse("approach", args=[case.code]), {"provider_response": "supportive"})
    assert response.status_code == 200
    assert "Choose one answer" in response.text
    case.refresh_from_db()
    assert not case.approach_answered
    assert case.provider_response == ""


def test_a_made_up_answer_is_refused(case: Case, owner: User) -> None:
    response = answer(client_for(owner), case, provider_response="<script>alert(1)</script>")
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    case.refresh_from_db()
    assert case.provider_response == ""


def test_a_viewer_sees_the_suggestion_but_cannot_answer(case: Case, owner: User, viewer: User) -> None:
    answer(client_for(owner), case)
    page = client_for(viewer).get(reverse("approach", args=[case.code]))
    assert page.status_code == 200
    assert "Our suggestion" in page.text
    assert "<form" not in page.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert answer(client_for(viewer), case, provider_response="dismissive").status_code == 403
