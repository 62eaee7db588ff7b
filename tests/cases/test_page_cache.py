"""The kept parts of the case overview, the timeline and the dashboard (secondop.pagecache) and the case
revision they are kept under (secondop.cases.revisions)."""

import datetime
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from secondop import pagecache
from secondop.accounts.models import User
from secondop.cases import revisions
from secondop.cases.models import (
    AuditAction,
    AuditEvent,
    Case,
    ChecklistItem,
    Membership,
    Role,
    Team,
    TeamMembership,
    TeamRole,
    TeamShare,
)
from secondop.embedded import free_port
from secondop.memo import Recent
from secondop.records.models import ContactEntry, Provider, RecordsRequest, RequestEvent
from secondop.records.services import move
from secondop.scripts.models import Draft, DraftKind, DraftUse
from tests.conftest import PASSWORD, client_for, make_user

NOW = datetime.datetime(2026, 6, 15, 14, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 6, 15)


@dataclass
class World:
    case: Case
    owner: User
    advocate: User
    helper: User  # reaches the case through a team only
    team: Team
    holder: Provider
    request: RecordsRequest
    use: DraftUse

    def url(self, page: str) -> str:
        return {
            "case": self.case.get_absolute_url(),
            "timeline": reverse("timeline", args=[self.case.code]),
            "dashboard": reverse("case_list"),
        }[page]


@pytest.fixture
def world(case: Case, owner: User, advocate: User) -> World:
    with time_machine.travel(NOW, tick=False):
        holder = Provider.objects.create(case=case, role="records_office", name="Eastside Records")
        request = RecordsRequest.objects.create(case=case, holder=holder, kind="copy")
        move(request, "requested", TODAY - datetime.timedelta(days=3), today=TODAY, user=owner)
        ContactEntry.objects.create(
            case=case, request=request, channel="phone", with_whom="Pat", happened_at=NOW, asked="Films?"
        )
        draft = Draft.objects.create(case=case, kind=DraftKind.SECOND_OPINION, text="Hello")
        use = DraftUse.objects.create(draft=draft, used_on=TODAY, channel="phone", recorded_by=owner)
        team = Team.objects.create(name="Practice")
        helper = make_user("helper@example.com")
        TeamMembership.objects.create(team=team, user=helper, role=TeamRole.MEMBER)
        TeamMembership.objects.create(team=team, user=advocate, role=TeamRole.MEMBER)
        TeamShare.objects.create(case=case, team=team, role=Role.ADVOCATE)
    return World(case, owner, advocate, helper, team, holder, request, use)


def visit(client: Client, url: str) -> tuple[str, bool]:
    """The page's HTML, and whether its part was the kept one."""
    response = client.get(url)
    assert response.status_code == 200
    return response.text, response.context["part"].html is not None


def warmed(user: User, url: str) -> Client:
    """A signed-in client whose part of `url` is kept (its first page brings the CSRF cookie)."""
    client = client_for(user)
    visit(client, url)
    visit(client, url)
    assert visit(client, url)[1], "the part should be kept by now"
    return client


def _normal(sql: str) -> str:
    return re.sub(r"'[^']*'|\b\d+(\.\d+)?\b", "?", sql)


def _tables(sqls: list[str]) -> set[str]:
    return {match for sql in sqls for match in re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', sql)}


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("page", ["case", "timeline", "dashboard"])
@pytest.mark.parametrize("who", ["advocate", "helper"])
def test_every_table_a_kept_part_reads_moves_the_revision(world: World, page: str, who: str) -> None:
    from django.core.cache import cache

    client = warmed(getattr(world, who), world.url(page))
    key = client.get(world.url(page)).context["part"].key
    cache.delete(key)  # only the part: the rest stays warm
    pagecache.near.clear()
    with CaptureQueriesContext(connection) as miss:
        assert not visit(client, world.url(page))[1]
    with CaptureQueriesContext(connection) as hit:
        assert visit(client, world.url(page))[1]
    # What a kept part spares: the queries of the render that the kept answer does not make.
    spared = Counter(_normal(query["sql"]) for query in miss) - Counter(_normal(q["sql"]) for q in hit)
    read = _tables(list(spared))
    assert read, "a kept part spares some reading"
    watched = {item.table for item in revisions.watched()} | {Case._meta.db_table}
    assert read <= watched, f"{page} shows tables whose changes do not move the revision: {read - watched}"


def test_the_triggers_are_on_every_watched_table_after_migrating(db: None) -> None:
    expected = {item.table for item in revisions.watched()} | {Case._meta.db_table}
    assert revisions.installed(connection) == expected
    revisions.install(connection)  # again, as after every migrate: replaces, does not add
    assert revisions.installed(connection) == expected


def revision(case: Case) -> int:
    return Case.objects.values_list("revision", flat=True).get(pk=case.pk)


def test_every_way_of_writing_moves_the_revision_and_a_stale_save_cannot_turn_it_back(
    transactional_db: None, world: World
) -> None:
    # Committed, statement by statement, as in production: on PostgreSQL the count happens at the commit.
    case = world.case
    stale = Case.objects.get(pk=case.pk)
    contact = ContactEntry(case=case, happened_at=NOW)
    event = RequestEvent(request=world.request, to_status="x", on=TODAY)
    steps: list[tuple[str, Callable[[], object]]] = [
        ("a save", lambda: Case.objects.get(pk=case.pk).save()),
        ("a stale instance's save", stale.save),
        ("a queryset update", lambda: Case.objects.filter(pk=case.pk).update(concern="x")),
        ("a checklist tick", lambda: ChecklistItem.objects.filter(case=case).update(done_at=NOW)),
        ("a bulk insert", lambda: ContactEntry.objects.bulk_create([contact])),
        ("a status move", event.save),
        ("a script use deleted", world.use.delete),
        ("a provider renamed", lambda: Provider.objects.filter(pk=world.holder.pk).update(name="New")),
        ("a role changed", lambda: Membership.objects.filter(user=world.advocate).update(role="viewer")),
        ("a team renamed", lambda: Team.objects.filter(pk=world.team.pk).update(name="Care team")),
        ("a team member gone", lambda: TeamMembership.objects.filter(user=world.helper).delete()),
        ("a member's name", lambda: User.objects.filter(pk=world.advocate.pk).update(display_name="Robin")),
        ("a share ended", lambda: TeamShare.objects.filter(case=case).delete()),
    ]
    with connection.cursor() as cursor:
        before = revision(case)
        cursor.execute("UPDATE records_contactentry SET with_whom = 'Sam' WHERE case_id = %s", [case.pk])
        assert revision(case) > before, "raw SQL"
    for name, step in steps:
        before = revision(case)
        step()
        assert revision(case) > before, name


def test_what_the_pages_do_not_show_leaves_the_revision_alone(world: World) -> None:
    before = revision(world.case)
    User.objects.filter(pk=world.advocate.pk).update(last_login=NOW)
    Team.objects.filter(pk=world.team.pk).update(created_at=NOW)
    AuditEvent.objects.create(case=world.case, actor=world.owner, action=AuditAction.VIEWED)
    other = Case.open_for(world.owner, patient_name="Someone else")
    ChecklistItem.objects.filter(case=other).update(done_at=NOW)
    Draft.objects.filter(case=world.case).update(text="New words for the script")  # shown by kind only
    assert revision(world.case) == before


@dataclass(frozen=True)
class Change:
    name: str
    who: str
    page: str
    make: Callable[[World], object]
    shows: str
    gone: str = ""


def _tick_through_the_page(world: World) -> None:
    item = world.case.checklist.first()
    assert item is not None
    client = client_for(world.owner)
    client.post(reverse("checklist_toggle", args=[world.case.code, item.pk]), {"next": "overview"})


def _rename_with_a_stale_instance(case: Case) -> None:
    # The fixture's instance: its revision is far behind the row's, and save() writes every field.
    case.patient_name = "Alexandra"
    case.save()


def _raw_rename(world: World) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE records_provider SET name = %s WHERE id = %s", ["Westside Films", world.holder.pk]
        )


CHANGES = [
    Change("ticked through the page", "owner", "case", _tick_through_the_page, "1 of 5 done", "0 of 5 done"),
    Change(
        "a stale instance saved",
        "advocate",
        "case",
        lambda w: _rename_with_a_stale_instance(w.case),
        "Alexandra",
    ),
    Change(
        "a role lowered",
        "advocate",
        "case",
        lambda w: Membership.objects.filter(case=w.case, user=w.advocate).update(role=Role.VIEWER),
        "Your role: Advocate",  # the team still gives the advocate role
    ),
    Change(
        "a member renamed",
        "owner",
        "case",
        lambda w: User.objects.filter(pk=w.advocate.pk).update(display_name="Robin Advocate"),
        "Robin Advocate",
    ),
    Change(
        "a contact added",
        "owner",
        "timeline",
        lambda w: ContactEntry.objects.create(case=w.case, channel="email", with_whom="Jo", happened_at=NOW),
        "E-mail with Jo",
    ),
    Change(
        "a contact changed by a queryset",
        "owner",
        "timeline",
        lambda w: ContactEntry.objects.filter(case=w.case).update(with_whom="Dana"),
        "with Dana",
        "with Pat",
    ),
    Change("a script use deleted", "owner", "timeline", lambda w: w.use.delete(), "", "Used the script"),
    Change("a provider renamed in SQL", "owner", "timeline", _raw_rename, "Westside Films", "Eastside"),
    Change(
        "a request received",
        "owner",
        "dashboard",
        lambda w: move(w.request, "received", TODAY, today=TODAY, user=w.owner),
        "Alex Rivera",
        "Follow up on the records from Eastside Records",
    ),
    Change(
        "a team renamed",
        "helper",
        "dashboard",
        lambda w: Team.objects.filter(pk=w.team.pk).update(name="Care Team"),
        "through Care Team",
        "through Practice",
    ),
    Change(
        "a team left",
        "helper",
        "dashboard",
        lambda w: TeamMembership.objects.filter(user=w.helper).delete(),
        "Start with your first case",
        "Alex Rivera",
    ),
]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("change", CHANGES, ids=[change.name for change in CHANGES])
def test_a_change_shows_at_once_however_it_was_written(world: World, change: Change) -> None:
    user = getattr(world, change.who)
    client = warmed(user, world.url(change.page))
    change.make(world)
    page, kept = visit(client, world.url(change.page))
    assert not kept
    if change.shows:
        assert change.shows in page
    if change.gone:
        assert change.gone not in page
    again, kept = visit(client, world.url(change.page))
    assert kept and _without_tokens(again) == _without_tokens(page)


def _without_tokens(html: str) -> str:
    """The page without what is new on every request: CSRF tokens (masked afresh) and the CSP nonce."""
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": |nonce=)"[^"]+"', r"\1TOKEN", html)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("page", ["case", "timeline", "dashboard"])
def test_a_kept_page_is_the_page_as_rendered(world: World, page: str, settings: Any) -> None:
    client = warmed(world.advocate, world.url(page))
    kept, _ = visit(client, world.url(page))
    settings.PAGE_CACHE_SECONDS = 0
    rendered, was_kept = visit(client, world.url(page))
    assert not was_kept
    assert _without_tokens(kept) == _without_tokens(rendered)


@time_machine.travel(NOW, tick=False)
def test_each_person_gets_their_own_part_and_each_session_its_own_csrf_token(world: World) -> None:
    from django.core.cache import cache

    url = world.url("case")
    first = warmed(world.owner, url)
    # The viewer sees their own role and no forms, not the owner's kept page.
    viewer = User.objects.get(email="viewer@example.com")
    page, kept = visit(client_for(viewer), url)
    assert "Your role: Viewer" in page and "Archive this case" not in page and not kept
    # The owner on a second phone: a new session with a CSRF secret of its own gets the kept part, with
    # tokens for its own secret; what is kept holds none.
    phone = Client(enforce_csrf_checks=True)
    assert phone.login(email=world.owner.email, password=PASSWORD)
    visit(phone, url)
    response = phone.get(url)
    part = response.context["part"]
    assert part.html is not None
    assert pagecache.TOKEN in cache.get(part.key) and "csrfmiddlewaretoken" in part.html
    assert pagecache.TOKEN not in response.text and "nonce" not in part.html
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text))
    assert len(tokens) == 1  # every form of the page, and the one in the header, carry this request's
    assert tokens != set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', visit(first, url)[0]))
    item = world.case.checklist.first()
    assert item is not None
    response = phone.post(
        reverse("checklist_toggle", args=[world.case.code, item.pk]),
        {"csrfmiddlewaretoken": tokens.pop(), "next": "overview"},
    )
    assert response.status_code == 302


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "address", ["/cases/?page=1", "/cases/?q=alex", "/cases/?show=week", "/cases/?made-up=1"]
)
def test_only_plain_addresses_are_kept_so_made_up_ones_cannot_fill_the_cache(
    world: World, address: str
) -> None:
    client = warmed(world.owner, world.url("dashboard"))
    for _ in range(2):
        response = client.get(address)
        assert response.status_code == 200 and response.context["part"].key is None
    timeline = world.url("timeline")
    for query in ("?older=25", f"?request={world.request.pk}", "?older=1&older=2"):
        assert client.get(timeline + query).context["part"].key is None


@time_machine.travel(NOW, tick=False)
def test_tomorrow_the_dashboard_is_worked_out_again(world: World) -> None:
    client = warmed(world.owner, world.url("dashboard"))
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        assert not visit(client, world.url("dashboard"))[1]
        assert visit(client, world.url("dashboard"))[1]


@time_machine.travel(NOW, tick=False)
def test_without_a_cache_the_pages_still_render(world: World) -> None:
    client = client_for(world.advocate)
    visit(client, world.url("case"))
    dead = f"redis://127.0.0.1:{free_port()}/0"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": dead,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    pagecache.near.clear()  # nothing kept in the process either
    with override_settings(CACHES=caches):
        for page in ("case", "timeline", "dashboard"):
            html, kept = visit(client, world.url(page))
            assert not kept and "Alex Rivera" in html


@time_machine.travel(NOW, tick=False)
def test_a_made_up_htmx_header_is_no_new_part(world: World) -> None:
    from django.core.cache import cache

    client = warmed(world.owner, world.url("case"))
    keys = {
        client.get(world.url("case"), headers={"HX-Request": value}).context["part"].key
        for value in ("true", "false", "yes", "1", "x" * 40, "")
    }
    assert len(keys) == 2  # htmx asking, or not
    assert all(cache.get(key) is not None for key in keys)


def _migrate(*args: str) -> None:
    from django.core.management import call_command

    call_command("migrate", *args, verbosity=0)


def test_migrations_back_and_forth_meet_no_trigger_in_their_way(transactional_db: None, world: World) -> None:
    watched = {item.table for item in revisions.watched()} | {Case._meta.db_table}
    try:
        _migrate("cases", "0004")  # takes the revision column away again
        assert revisions.installed(connection) == set()
        assert ChecklistItem.objects.filter(case_id=world.case.pk).update(done_at=NOW) == 5
        assert Membership.objects.filter(case_id=world.case.pk).update(gets_reminders=False) == 3
    finally:
        _migrate()
    assert revisions.installed(connection) == watched
    before = revision(world.case)
    ChecklistItem.objects.filter(case_id=world.case.pk).update(done_at=None)
    assert revision(world.case) > before
    # A migrate with nothing to do leaves complete triggers alone (replacing them locks every table)…
    with CaptureQueriesContext(connection) as queries:
        _migrate()
    assert not [query for query in queries if re.match(r"\s*(DROP|CREATE)\b", query["sql"], re.I)]
    # …and puts back what a migrate that failed half-way left out.
    revisions.uninstall(connection)
    _migrate()
    assert revisions.installed(connection) == watched


def test_counting_adds_no_deadlock_to_the_row_locks_the_app_takes(
    transactional_db: None, world: World
) -> None:
    """A status move holds its request FOR UPDATE and writes an event; meanwhile someone else removes the
    request's history and then touches the request. Counted in the middle of each transaction, each would
    hold the case row the other wants next (PostgreSQL gave one a deadlock error); counted at the commit,
    the second simply waits for the first."""
    import threading

    from django.db import connections, transaction

    request_id, case_id = world.request.pk, world.case.pk
    before = revision(world.case)
    postgres = connection.vendor == "postgresql"  # SQLite has one writer: the second waits at its start
    locked, history_gone = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def mover() -> None:
        try:
            with transaction.atomic():
                RecordsRequest.objects.select_for_update().get(pk=request_id)
                locked.set()
                if postgres:
                    assert history_gone.wait(10)
                RequestEvent.objects.create(request_id=request_id, to_status="acknowledged", on=TODAY)
        except BaseException as error:
            failures.append(error)
        finally:
            locked.set()
            connections.close_all()

    def remover() -> None:
        try:
            assert locked.wait(10)
            with transaction.atomic():
                RequestEvent.objects.filter(request_id=request_id).delete()
                history_gone.set()
                RecordsRequest.objects.filter(pk=request_id).update(forms_needed="A signed form")
        except BaseException as error:
            failures.append(error)
        finally:
            history_gone.set()
            connections.close_all()

    threads = [threading.Thread(target=mover), threading.Thread(target=remover)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    assert revision(Case(pk=case_id)) >= before + 2


def test_the_process_keeps_at_most_its_last_parts_and_none_past_the_timeout() -> None:
    near = Recent(3)
    for number in range(5):
        near.put(f"k{number}", f"<p>{number}</p>", 60)
    assert [near.get(f"k{number}") for number in range(5)] == [None, None, "<p>2</p>", "<p>3</p>", "<p>4</p>"]
    near.get("k2")  # used: the last to go
    near.put("k5", "<p>5</p>", 60)
    assert near.get("k2") == "<p>2</p>" and near.get("k3") is None
    near.put("old", "<p>old</p>", -1)
    assert near.get("old") is None and "old" not in near.items


def test_the_audit_memory_forgets_what_has_ended_when_full() -> None:
    memory = Recent(3)
    memory.put("ended", True, -1)
    memory.put("a", True, 60)
    memory.put("b", True, 60)
    assert "ended" not in memory and "a" in memory
    memory.put("c", True, 60)  # full: what has ended goes
    assert set(memory.items) == {"a", "b", "c"}
