"""Every model change has its migration: a field changed without one would differ between a database made by
the migrations and what the code expects."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_its_migration() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as missing:
        pytest.fail(f"makemigrations would write migrations (exit {missing.code}):\n{out.getvalue()}")
