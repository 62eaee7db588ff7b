"""The case revision and its triggers go: pages are built from the data, no rendered part is kept."""

from django.db import migrations

PREFIX = "secondop_revision"


def drop_triggers(apps: object, schema_editor: object) -> None:
    connection = schema_editor.connection  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE %s AND NOT t.tgisinternal AND pg_table_is_visible(c.oid)",
                [f"{PREFIX}%"],
            )
            for trigger, table in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER IF EXISTS {quote(trigger)} ON {quote(table)}")
            cursor.execute(
                "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.proname LIKE %s "
                "AND pg_function_is_visible(p.oid)",
                [f"{PREFIX}%"],
            )
            for (function,) in cursor.fetchall():
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}")
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{PREFIX}%"]
            )
            for (trigger,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER IF EXISTS {quote(trigger)}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_teaminvitation"),
    ]

    operations = [
        migrations.RunPython(drop_triggers, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="case", name="revision"),
    ]
