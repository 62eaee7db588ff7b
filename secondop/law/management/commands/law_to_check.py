"""Lists the state rules last checked more than a year ago (or `--days`), oldest first: the ones to read
again in their official text (secondop/law/states/README.md says how to update an entry)."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from secondop.law import rules


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=365, help="older than this many days (365)")

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        since = datetime.date.today() - datetime.timedelta(days=days)
        stale = sorted(
            (
                (datetime.date.fromisoformat(rule.checked_on), law.code, rule)
                for law in rules.states().values()
                for rule in law.rules
                if datetime.date.fromisoformat(rule.checked_on) < since
            ),
            key=lambda each: each[:2],
        )
        for checked_on, code, rule in stale:
            self.stdout.write(f"{checked_on}  {code}  {rule.citation}  ({rule.checked_how})  {rule.url}")
        self.stdout.write(f"{len(stale)} rule{'s' if len(stale) != 1 else ''} last checked before {since}.")
