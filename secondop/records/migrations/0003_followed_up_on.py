import datetime

from django.db import migrations, models

from secondop.records import clock
from secondop.records.models import CLOSED_STATUSES


def fill_in(apps: object, schema_editor: object) -> None:
    """Requests with a contact about them on a later day than they were asked count as followed up; then
    every case gets its next due date."""
    RecordsRequest = apps.get_model("records", "RecordsRequest")  # type: ignore[attr-defined]
    Case = apps.get_model("cases", "Case")  # type: ignore[attr-defined]
    open_requests = RecordsRequest.objects.filter(requested_on__isnull=False).exclude(
        status__in=CLOSED_STATUSES
    )
    by_case: dict[int, list[object]] = {}
    for request in open_requests:
        later = [
            contact.happened_at.astimezone(datetime.UTC).date()
            for contact in request.contacts.all()
            if contact.happened_at.astimezone(datetime.UTC).date() > request.requested_on
        ]
        if later:
            request.followed_up_on = min(later)
            request.save(update_fields=["followed_up_on"])
        by_case.setdefault(request.case_id, []).append(request)
    for case_id, requests in by_case.items():
        found = clock.next_due(requests)  # type: ignore[type-var]
        Case.objects.filter(pk=case_id).update(next_due_on=found[0] if found else None)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0002_recordsrequest_letter_contactentry_requestevent_and_more"),
        ("cases", "0008_case_next_due"),
    ]

    operations = [
        migrations.AddField(
            model_name="recordsrequest",
            name="followed_up_on",
            field=models.DateField(blank=True, null=True, verbose_name="date you followed up"),
        ),
        migrations.RunPython(fill_in, migrations.RunPython.noop),
    ]
