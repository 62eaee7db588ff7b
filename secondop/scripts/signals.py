"""What the scripts tell the apps below them: when the checklist's script and portal items are done, and
the use of the portal message's script when the person notes they sent it."""

import datetime
from typing import Any

from django.db.models import Q
from django.dispatch import receiver

from secondop.accounts.models import User
from secondop.cases import checklist
from secondop.cases.models import Case, ContactChannel
from secondop.records.progress import portal_message_sent
from secondop.scripts.drafting import ensure_drafts
from secondop.scripts.models import DraftKind, DraftUse


@receiver(portal_message_sent)
def portal_message_is_a_use_of_its_script(
    sender: type, case: Case, user: User, on: datetime.date, **kwargs: Any
) -> None:
    draft = ensure_drafts(case)[DraftKind.PORTAL_MESSAGE]
    DraftUse.objects.create(draft=draft, used_on=on, channel=ContactChannel.PORTAL, recorded_by=user)


def script_written(case: Case) -> bool:
    """The approach is chosen and a script other than the portal message was used or edited."""
    drafts = case.drafts.exclude(kind=DraftKind.PORTAL_MESSAGE)
    return (
        case.approach_answered and drafts.filter(Q(uses__isnull=False) | Q(edited_at__isnull=False)).exists()
    )


def portal_message_sent_once(case: Case) -> bool:
    return case.drafts.filter(kind=DraftKind.PORTAL_MESSAGE, uses__isnull=False).exists()


checklist.DONE_WHEN |= {"script": script_written, "portal": portal_message_sent_once}
