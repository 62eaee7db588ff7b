"""What the scripts hear from the records below them."""

import datetime
from typing import Any

from django.dispatch import receiver

from secondop.accounts.models import User
from secondop.cases.models import Case, ContactChannel
from secondop.records.services import portal_message_sent
from secondop.scripts.drafting import ensure_drafts
from secondop.scripts.models import DraftKind, DraftUse


@receiver(portal_message_sent)
def portal_message_is_a_use_of_its_script(
    sender: type, case: Case, user: User, on: datetime.date, **kwargs: Any
) -> None:
    draft = ensure_drafts(case)[DraftKind.PORTAL_MESSAGE]
    DraftUse.objects.create(draft=draft, used_on=on, channel=ContactChannel.PORTAL, recorded_by=user)
