"""A case's whole timeline: the records' entries (`secondop.records.timeline`) and the uses of its scripts."""

from django.db.models import F
from django.utils.translation import gettext as _

from secondop.cases.models import Case
from secondop.records import timeline
from secondop.records.models import ContactChannel
from secondop.records.timeline import Entry, Kind, Page, about, filled, label
from secondop.scripts.models import DraftKind, DraftUse


def _use(row: timeline.Row, about: str) -> Entry:
    script, channel = label(DraftKind, row["a"]), label(ContactChannel, row["b"]).lower()
    return Entry(
        date=row["day"],
        kind="script",
        title=_("Used the script “{script}” ({channel})").format(script=script, channel=channel),
        details=filled((_("They said"), row["c"])),
    )


SCRIPT_USES = Kind(
    DraftUse,
    "draft__case",
    F("used_on"),
    "created_at",
    {"a": F("draft__kind"), "b": F("channel"), "c": F("provider_said")},
    _use,
)
KINDS = {**timeline.KINDS, "script": SCRIPT_USES}


def entries(case: Case) -> list[Entry]:
    return timeline.entries(case, about(case), kinds=KINDS)


def page(case: Case, named: timeline.About, request_id: int | None, before: str, after: str) -> Page:
    """A page of the case's timeline; of one request's (a script is about the case, not one request)."""
    kinds = KINDS if request_id is None else timeline.KINDS
    return timeline.page(case, named, request_id, before, after, kinds=kinds)
