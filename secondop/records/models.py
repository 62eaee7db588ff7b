from django.db import models

from secondop.cases.models import Case


class RecordType(models.TextChoices):
    COMPLETE = "complete", "complete medical record"
    VISIT_NOTES = "visit_notes", "visit notes"
    TEST_RESULTS = "test_results", "lab and test results"
    IMAGING_REPORTS = "imaging_reports", "imaging reports"
    IMAGING_FILES = "imaging_files", "imaging files (the images themselves)"
    PATHOLOGY = "pathology", "pathology reports"
    DISCHARGE = "discharge", "discharge summaries"
    MEDICATIONS = "medications", "medication list"
    BILLING = "billing", "billing records"
    OTHER = "other", "other records"


def describe_records(keys: list[str]) -> str:
    """'visit notes, lab and test results and imaging reports' — in the order of RecordType."""
    labels = [label for value, label in RecordType.choices if value in keys]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


class ProviderRole(models.TextChoices):
    CURRENT = "current", "Current doctor"
    SECOND_OPINION = "second_opinion", "Second-opinion doctor"
    RECORDS_OFFICE = "records_office", "Records office"


class Provider(models.Model):
    """A person or office in a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="providers")
    role = models.CharField(max_length=16, choices=ProviderRole.choices)
    name = models.CharField("name", max_length=150, blank=True)
    practice = models.CharField("practice or hospital", max_length=200, blank=True)
    specialty = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    fax = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=300, blank=True)
    email = models.EmailField("e-mail", blank=True)
    portal_url = models.URLField("patient portal link", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "pk"]

    def __str__(self) -> str:
        return self.name or self.practice or self.get_role_display()
