from django.db import migrations

from secondop.records.models import CLOSED_STATUSES
from secondop.records.progress import due_fields


def fill_in(apps: object, schema_editor: object) -> None:
    """Every case with an open request stores what is due next, and whose records."""
    RecordsRequest = apps.get_model("records", "RecordsRequest")  # type: ignore[attr-defined]
    Case = apps.get_model("cases", "Case")  # type: ignore[attr-defined]
    by_case: dict[int, list[object]] = {}
    for request in (
        RecordsRequest.objects.filter(requested_on__isnull=False)
        .exclude(status__in=CLOSED_STATUSES)
        .select_related("holder")
    ):
        by_case.setdefault(request.case_id, []).append(request)
    for case_id, requests in by_case.items():
        Case.objects.filter(pk=case_id).update(**due_fields(requests))  # type: ignore[arg-type]


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0004_timeline_indexes"),
        ("cases", "0009_case_due_words"),
    ]

    operations = [migrations.RunPython(fill_in, migrations.RunPython.noop)]
