"""Each case's revision, counted by the database.

`Case.revision` goes up with every change to the case row and to every row its busiest pages show: the
case overview, the timeline and the dashboard (secondop.pagecache keeps their rendered parts under it).
Triggers do the counting, so no way of writing can forget it: a form, a Celery task, `bulk_create`,
`QuerySet.update`, a cascade, the admin or a psql session all count alike, in the same transaction as the
change. Django never writes the number itself: on a case row an update always makes it the old value plus
one, whatever the statement set, so a stale instance's `save()` cannot turn it back.

On PostgreSQL the count is deferred to the commit (constraint triggers, DEFERRABLE INITIALLY DEFERRED): a
change to a row of a case then locks the case row only while committing, after every lock the
transaction's own work took, so counting adds no deadlock to the row locks the app takes around one case
(a records request FOR UPDATE while its status moves, say), and one row that belongs to several cases
locks them by id. A transaction that changes rows of several cases (deleting an account) still locks them
at its commit in the order it changed them, and may rarely meet another such transaction in a deadlock,
which PostgreSQL ends by failing one of the two. The new revision and the change become visible together
at the commit. SQLite has one writer at a time.

`WATCHED` lists the tables and how a row of each leads to its cases. Adding a table to a cached page means
adding it here: tests/cases/test_page_cache.py reads every table the cached parts query and fails for one
that is missing. The triggers are removed before a `migrate` that has anything to do (pre_migrate) and put
back after it (post_migrate) while the revision column exists: a migration that rebuilds a table, or takes
the column away again, then meets no trigger that names it. While it runs, writes are not counted; a deploy
restarts the web processes, whose kept parts start afresh (secondop.pagecache.RUN). A `migrate` that fails
leaves them out until one succeeds.
"""

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

PREFIX = "secondop_revision"


ALL_EVENTS = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class Watched:
    table: str
    # SQL selecting the ids of the cases a row belongs to; {row} is NEW or OLD.
    cases_of: str
    events: tuple[str, ...] = ALL_EVENTS
    # Updates count only when one of these columns changes (all updates when empty): for rows of which the
    # pages show only some columns.
    update_of: tuple[str, ...] = ()


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
    ]
    found = [Watched(_table(label), f"SELECT {{row}}.{_column(label, 'case')}") for label in direct]
    # A script shows only through its uses, by its kind: editing its words changes no kept part.
    found.append(
        Watched(
            _table("scripts.Draft"),
            f"SELECT {{row}}.{_column('scripts.Draft', 'case')}",
            update_of=("kind", _column("scripts.Draft", "case")),
        )
    )
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
            events=("UPDATE",),
            update_of=("name",),
        ),
        # A person's name or address, as the cases they belong to list them.
        Watched(
            _table("accounts.User"),
            f"SELECT {_column('cases.Membership', 'case')} FROM {_table('cases.Membership')} "
            f"WHERE {_column('cases.Membership', 'user')} = {{row}}.id",
            events=("UPDATE",),
            update_of=("display_name", "email"),
        ),
    ]
    return found


def _bump(ids: str, *, in_order: bool = False) -> str:
    case = _table("cases.Case")
    if in_order:  # lock the rows by id first: two transactions bumping the same cases wait, never cross
        ids = f"SELECT id FROM {case} WHERE id IN ({ids}) ORDER BY id FOR NO KEY UPDATE"
    return f"UPDATE {case} SET revision = revision + 1 WHERE id IN ({ids})"


def _ids(item: Watched, event: str) -> str:
    new, old = item.cases_of.format(row="NEW"), item.cases_of.format(row="OLD")
    return {"INSERT": new, "DELETE": old, "UPDATE": f"{new} UNION {old}"}[event]


def _trigger_name(item: Watched, event: str) -> str:
    return f"{PREFIX}_{item.table}_{event.lower()}"


def _postgresql(item: Watched) -> list[str]:
    function = f"{PREFIX}_{item.table}"
    branches = "\n  ".join(
        f"{'ELSIF' if number else 'IF'} TG_OP = '{event}' THEN {_bump(_ids(item, event), in_order=True)};"
        for number, event in enumerate(item.events)
    )
    statements = [
        f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {branches}
  END IF;
  RETURN NULL;
END $$"""
    ]
    for event in item.events:
        when = ""
        if event == "UPDATE" and item.update_of:
            when = " WHEN (" + " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in item.update_of) + ")"
        statements.append(
            f"CREATE CONSTRAINT TRIGGER {_trigger_name(item, event)} AFTER {event} ON {item.table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW{when} EXECUTE FUNCTION {function}()"
        )
    return statements


def _sqlite(item: Watched) -> list[str]:
    statements = []
    for event in item.events:
        when = ""
        if event == "UPDATE" and item.update_of:
            when = " WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in item.update_of)
        statements.append(
            f"CREATE TRIGGER {_trigger_name(item, event)} AFTER {event} ON {item.table} FOR EACH ROW{when} "
            f"BEGIN {_bump(_ids(item, event))}; END"
        )
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
            f"CREATE TRIGGER {PREFIX}_{case}_update BEFORE UPDATE ON {case} "
            f"FOR EACH ROW EXECUTE FUNCTION {PREFIX}_{case}()",
        ]
    # SQLite cannot change NEW: the row is set after the update. With recursive triggers off (SQLite's
    # and Django's default) this inner update does not fire the trigger again.
    return [
        f"CREATE TRIGGER {PREFIX}_{case}_update AFTER UPDATE ON {case} FOR EACH ROW "
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
    """Puts the triggers in, in place of any there are."""
    uninstall(connection)
    with connection.cursor() as cursor:
        for statement in statements(connection.vendor):
            cursor.execute(statement)


def _ours(connection: BaseDatabaseWrapper) -> list[tuple[str, str]]:
    """(trigger, table) of every revision trigger in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE %s AND NOT t.tgisinternal AND pg_table_is_visible(c.oid)",
                [f"{PREFIX}%"],
            )
        else:
            cursor.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{PREFIX}%"],
            )
        return [(row[0], row[1]) for row in cursor.fetchall()]


def installed(connection: BaseDatabaseWrapper) -> set[str]:
    """The tables that carry a revision trigger."""
    return {table for _, table in _ours(connection)}


def uninstall(connection: BaseDatabaseWrapper) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for trigger, table in _ours(connection):
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {quote(trigger)} ON {quote(table)}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {quote(trigger)}")
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.proname LIKE %s "
                "AND pg_function_is_visible(p.oid)",
                [f"{PREFIX}%"],
            )
            for (function,) in cursor.fetchall():
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}")


def count_at_each_statement(connection: BaseDatabaseWrapper) -> None:
    """For a transaction that never commits (a test's, rolled back at its end): the counts deferred to the
    commit on PostgreSQL happen at each statement instead, as they did before the deferral."""
    if connection.vendor != "postgresql":
        return
    names = [_trigger_name(item, event) for item in watched() for event in item.events]
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {', '.join(names)} IMMEDIATE")


def uninstall_before_migrate(using: str, plan: list[object] | None = None, **kwargs: object) -> None:
    """Before a `migrate` that applies or unapplies anything: out of its way."""
    from django.db import connections

    if plan:
        uninstall(connections[using])


def install_after_migrate(using: str, plan: list[object] | None = None, **kwargs: object) -> None:
    """After a `migrate`: in again, once every watched table and the revision column exist. A `migrate`
    with nothing to do leaves complete triggers alone (replacing them locks every watched table), and
    puts back missing ones, after a `migrate` that failed half-way, say: run it again. A change to the
    triggers' SQL ships with a migration, even an empty one, so that deploying it reinstalls them."""
    from django.db import connections, transaction

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    case = _table("cases.Case")
    wanted = {item.table for item in watched()} | {case}
    if not wanted <= tables:
        logger.warning("case revision triggers not installed: missing tables %s", sorted(wanted - tables))
        return
    with connection.cursor() as cursor:
        columns = {column.name for column in connection.introspection.get_table_description(cursor, case)}
    if "revision" not in columns:
        return
    if not plan and installed(connection) == wanted:
        return
    with transaction.atomic(using=using):  # no moment without them
        install(connection)


@functools.cache
def _seen_by_sql() -> str:
    from django.db import connection

    quote = connection.ops.quote_name
    return (
        f"SELECT id, revision FROM {quote(_table('cases.Case'))} WHERE id IN "
        f"(SELECT case_id FROM {quote(_table('cases.Membership'))} WHERE user_id = %s) "
        f"OR id IN (SELECT s.case_id FROM {quote(_table('cases.TeamShare'))} s "
        f"JOIN {quote(_table('cases.TeamMembership'))} t ON t.team_id = s.team_id WHERE t.user_id = %s) "
        "ORDER BY id"
    )


def seen_by(user_id: int) -> list[tuple[int, int]]:
    """(id, revision) of every case the person can see, directly or through a team (the cases of
    `CaseQuerySet.for_user`), by id: what the dashboard shows. Written out once: the ORM took longer to
    build this query than the database to answer it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_seen_by_sql(), [user_id, user_id])
        return [(row[0], row[1]) for row in cursor.fetchall()]
