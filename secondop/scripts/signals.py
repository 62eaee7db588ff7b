"""What the scripts tell the apps below them: when the checklist's script and portal items are done, and
the use of the portal message's script when the person notes they sent it; and what they hear from them:
a saved opinion, which the script that shares the result follows."""

import datetime
from typing import Any

from django.db.models import Q
from django.dispatch import receiver

from secondop.accounts.models import User
from secondop.cases import checklist
from secondop.cases.models import Case, ContactChannel
from secondop.opinions.models import opinion_saved
from secondop.records.progress import portal_message_sent
from secondop.scripts.drafting import ensure_drafts, regenerate_unedited
from secondop.scripts.models import DraftKind, DraftUse


@receiver(portal_message_sent)
def portal_message_is_a_use_of_its_script(
    sender: type, case: Case, user: User, on: datetime.date, **kwargs: Any
) -> None:
    draft = ensure_drafts(case)[DraftKind.PORTAL_MESSAGE]
    DraftUse.objects.create(draft=draft, used_on=on, channel=ContactChannel.PORTAL, recorded_by=user)


@receiver(opinion_saved)
def the_shared_result_follows_the_opinion(sender: type, case: Case, **kwargs: Any) -> None:
    regenerate_unedited(case)


def script_written(case: Case) -> bool:
    """The approach is chosen and a script that asks for the second opinion was used or edited (not the
    portal message, nor the one that shares the result afterwards)."""
    drafts = case.drafts.exclude(kind__in=[DraftKind.PORTAL_MESSAGE, DraftKind.SHARE_RESULT])
    return (
        case.approach_answered and drafts.filter(Q(uses__isnull=False) | Q(edited_at__isnull=False)).exists()
    )


def portal_message_sent_once(case: Case) -> bool:
    return case.drafts.filter(kind=DraftKind.PORTAL_MESSAGE, uses__isnull=False).exists()


checklist.DONE_WHEN |= {"script": script_written, "portal": portal_message_sent_once}
