"""A case's whole timeline: the records' entries (`secondop.records.timeline`) and the uses of its scripts."""

from django.db.models import F

from secondop.cases.models import Case
from secondop.records import timeline
from secondop.records.timeline import Entry, Kind, Page, filled
from secondop.scripts.models import DraftUse


def _use(use: DraftUse) -> Entry:
    return Entry(
        date=use.used_on,
        kind="script",
        title=f"Used the script “{use.draft.get_kind_display()}” ({use.get_channel_display().lower()})",
        details=filled(("They said", use.provider_said)),
    )


KINDS = {**timeline.KINDS, "script": Kind(DraftUse, "draft__case", F("used_on"), "created_at", "draft", _use)}


def entries(case: Case) -> list[Entry]:
    return timeline.entries(case, kinds=KINDS)


def page(case: Case, request_id: int | None, before: str, after: str) -> Page:
    """A page of the case's timeline; of one request's (a script is about the case, not one request)."""
    kinds = KINDS if request_id is None else timeline.KINDS
    return timeline.page(case, request_id, before, after, kinds=kinds)
