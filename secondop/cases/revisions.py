"""Each case's revision, counted by the database.

`Case.revision` goes up with every change to the case row and to every row its busiest pages show: the
case overview, the timeline and the dashboard (secondop.pagecache keeps their rendered parts under it).
Triggers do the counting, so no way of writing can forget it: a form, a Celery task, `bulk_create`,
`QuerySet.update`, a cascade, the admin or a psql session all count alike, inside the same transaction as
the change. Django never writes the number itself: on a case row an update always makes it the old value
plus one, whatever the statement set, so a stale instance's `save()` cannot turn it back.

`WATCHED` lists the tables and how a row of each leads to its cases. Adding a table to a cached page means
adding it here: tests/cases/test_page_cache.py reads every table the cached parts query and fails for one
that is missing. The triggers are (re)installed after every `migrate` (post_migrate), because SQLite drops
a table's triggers when a migration rebuilds the table.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper

PREFIX = "secondop_revision"


@dataclass(frozen=True)
class Watched:
    table: str
    # SQL selecting the ids of the cases a row belongs to; {row} is NEW or OLD.
    cases_of: str
    # Only updates (not inserts or deletes), and only of these columns: for rows whose other changes, or
    # whose coming and going, the pages do not show.
    only_update_of: tuple[str, ...] = ()


def _table(label: str) -> str:
    return apps.get_model(label)._meta.db_table


def _column(label: str, field: str) -> str:
    return apps.get_model(label)._meta.get_field(field).column


def watched() -> list[Watched]:
    direct = [
        "cases.Membership",
        "cases.ChecklistItem",
        "cases.TeamShare",
        "records.Provider",
        "records.RecordsRequest",
        "records.ContactEntry",
        "scripts.Draft",
    ]
    found = [Watched(_table(label), f"SELECT {{row}}.{_column(label, 'case')}") for label in direct]
    share, share_case, share_team = (
        _table("cases.TeamShare"),
        _column("cases.TeamShare", "case"),
        _column("cases.TeamShare", "team"),
    )
    team_of_member = _column("cases.TeamMembership", "team")
    found += [
        Watched(
            _table("records.RequestEvent"),
            f"SELECT {_column('records.RecordsRequest', 'case')} FROM {_table('records.RecordsRequest')} "
            f"WHERE id = {{row}}.{_column('records.RequestEvent', 'request')}",
        ),
        Watched(
            _table("scripts.DraftUse"),
            f"SELECT {_column('scripts.Draft', 'case')} FROM {_table('scripts.Draft')} "
            f"WHERE id = {{row}}.{_column('scripts.DraftUse', 'draft')}",
        ),
        # A team's members and name: the roles and "through <team>" of the cases shared with it.
        Watched(
            _table("cases.TeamMembership"),
            f"SELECT {share_case} FROM {share} WHERE {share_team} = {{row}}.{team_of_member}",
        ),
        Watched(
            _table("cases.Team"),
            f"SELECT {share_case} FROM {share} WHERE {share_team} = {{row}}.id",
            only_update_of=("name",),
        ),
        # A person's name or address, as the cases they belong to list them.
        Watched(
            _table("accounts.User"),
            f"SELECT {_column('cases.Membership', 'case')} FROM {_table('cases.Membership')} "
            f"WHERE {_column('cases.Membership', 'user')} = {{row}}.id",
            only_update_of=("display_name", "email"),
        ),
    ]
    return found


def _bump(ids: str) -> str:
    return f"UPDATE {_table('cases.Case')} SET revision = revision + 1 WHERE id IN ({ids})"


def _changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)


def _postgresql(item: Watched) -> list[str]:
    function = f"{PREFIX}_{item.table}"
    new, old = item.cases_of.format(row="NEW"), item.cases_of.format(row="OLD")
    events = "UPDATE" if item.only_update_of else "INSERT OR UPDATE OR DELETE"
    when = f" WHEN ({_changed(item.only_update_of)})" if item.only_update_of else ""
    return [
        f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN {_bump(new)};
  ELSIF TG_OP = 'DELETE' THEN {_bump(old)};
  ELSE {_bump(f"{new} UNION {old}")};
  END IF;
  RETURN NULL;
END $$""",
        f"CREATE OR REPLACE TRIGGER {PREFIX} AFTER {events} ON {item.table} "
        f"FOR EACH ROW{when} EXECUTE FUNCTION {function}()",
    ]


def _sqlite(item: Watched) -> list[str]:
    new, old = item.cases_of.format(row="NEW"), item.cases_of.format(row="OLD")
    statements = []
    events = {"UPDATE": f"{new} UNION {old}"}
    if not item.only_update_of:
        events |= {"INSERT": new, "DELETE": old}
    for event, ids in events.items():
        name = f"{PREFIX}_{item.table}_{event.lower()}"
        when = ""
        if event == "UPDATE" and item.only_update_of:
            when = " WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in item.only_update_of)
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} AFTER {event} ON {item.table} FOR EACH ROW{when} BEGIN {_bump(ids)}; END",
        ]
    return statements


def _case_row(vendor: str) -> list[str]:
    """An update of a case row always leaves it at the old revision plus one."""
    case = _table("cases.Case")
    if vendor == "postgresql":
        return [
            f"""CREATE OR REPLACE FUNCTION {PREFIX}_{case}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.revision := OLD.revision + 1;
  RETURN NEW;
END $$""",
            f"CREATE OR REPLACE TRIGGER {PREFIX} BEFORE UPDATE ON {case} "
            f"FOR EACH ROW EXECUTE FUNCTION {PREFIX}_{case}()",
        ]
    # SQLite cannot change NEW: the row is set after the update. With recursive triggers off (SQLite's
    # and Django's default) this inner update does not fire the trigger again.
    name = f"{PREFIX}_{case}_update"
    return [
        f"DROP TRIGGER IF EXISTS {name}",
        f"CREATE TRIGGER {name} AFTER UPDATE ON {case} FOR EACH ROW "
        f"BEGIN UPDATE {case} SET revision = OLD.revision + 1 WHERE id = NEW.id; END",
    ]


STATEMENTS: dict[str, Callable[[Watched], list[str]]] = {"postgresql": _postgresql, "sqlite": _sqlite}


def statements(vendor: str) -> list[str]:
    if vendor not in STATEMENTS:
        raise NotImplementedError(f"case revisions have no triggers for {vendor}")
    found = _case_row(vendor)
    for item in watched():
        found += STATEMENTS[vendor](item)
    return found


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in statements(connection.vendor):
            cursor.execute(statement)


def installed(connection: BaseDatabaseWrapper) -> set[str]:
    """The tables that carry a revision trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT event_object_table FROM information_schema.triggers "
                "WHERE trigger_name = %s AND trigger_schema = current_schema()",
                [PREFIX],
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{PREFIX}_%"],
            )
        return {row[0] for row in cursor.fetchall()}


def install_after_migrate(using: str, **kwargs: object) -> None:
    from django.db import connections

    connection = connections[using]
    if _table("cases.Case") in connection.introspection.table_names():
        install(connection)


def seen_by(user_id: int) -> list[tuple[int, int]]:
    """(id, revision) of every case the person can see, directly or through a team, by id: what the
    dashboard shows. Written out: the ORM took longer to build this query than the database to answer."""
    from django.db import connection

    quote = connection.ops.quote_name
    sql = (
        f"SELECT id, revision FROM {quote(_table('cases.Case'))} WHERE id IN "
        f"(SELECT case_id FROM {quote(_table('cases.Membership'))} WHERE user_id = %s) "
        f"OR id IN (SELECT s.case_id FROM {quote(_table('cases.TeamShare'))} s "
        f"JOIN {quote(_table('cases.TeamMembership'))} t ON t.team_id = s.team_id WHERE t.user_id = %s) "
        "ORDER BY id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, user_id])
        return [(row[0], row[1]) for row in cursor.fetchall()]
