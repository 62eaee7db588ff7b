"""Two transactions that lock two cases in opposite orders, at the same moment, in two threads with their own
connections. On PostgreSQL the server finds the deadlock and ends one of them: `retried` runs it again and
both finish. On SQLite the second waits for the first (IMMEDIATE transactions), so nothing needs a repeat."""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from secondop.accounts.models import User
from secondop.casefile import deletion
from secondop.cases import sharing, teams
from secondop.cases.models import Case
from secondop.retry import retried

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_transactions_locking_two_cases_in_opposite_orders_both_finish(owner: User) -> None:
    first = Case.open_for(owner, patient_name="Alex Rivera", concern="the knee")
    second = Case.open_for(owner, patient_name="Sam Lee", concern="the hip")
    postgres = connection.vendor == "postgresql"
    # Each holds its first case before either asks for its second: a deadlock, where the database allows one.
    both_hold_one = threading.Barrier(2, timeout=20)
    attempts: list[str] = []
    failures: list[BaseException] = []

    @retried
    def note_both(name: str, one: Case, other: Case) -> None:
        with transaction.atomic():
            attempts.append(name)
            Case.objects.select_for_update().filter(pk=one.pk).first()
            if postgres and attempts.count(name) == 1:
                both_hold_one.wait()
            Case.objects.select_for_update().filter(pk=other.pk).first()
            Case.objects.filter(pk__in=[one.pk, other.pk]).update(concern=f"seen by {name}")

    def run(name: str, one: Case, other: Case) -> None:
        try:
            note_both(name, one, other)
        except BaseException as error:  # noqa: BLE001 - reported below, with the thread's name
            failures.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=("a", first, second)),
        threading.Thread(target=run, args=("b", second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert sorted(set(attempts)) == ["a", "b"]
    # PostgreSQL ended one of the two (deadlock_detected) and it ran once more; SQLite made one wait.
    assert len(attempts) == (3 if postgres else 2)
    assert {case.concern for case in Case.objects.filter(pk__in=[first.pk, second.pk])} == {
        f"seen by {attempts[-1]}"
    }


def test_another_error_is_not_repeated(owner: User) -> None:
    calls: list[int] = []

    @retried
    def duplicate() -> None:
        calls.append(1)
        with transaction.atomic():
            User.objects.create(email=owner.email)

    with pytest.raises(IntegrityError):
        duplicate()
    assert calls == [1]


def test_the_writes_that_lock_several_cases_are_retried() -> None:
    """A team's members joining or leaving (every case shared with it), a share, an account's deletion."""
    for function in (
        teams.add_member,
        teams.accept_invitation,
        teams.remove_member,
        teams.leave_team,
        sharing.share_with_team,
        deletion.delete_account,
    ):
        assert function.__code__ is retried(lambda: None).__code__, function  # retried's own wrapper
