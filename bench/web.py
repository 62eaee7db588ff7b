"""The web pages under load: `uv run python bench/web.py [--seconds 10] [--connections 32]`.

It sets itself up: a scratch var dir, a scratch database (a new PostgreSQL database on 127.0.0.1:5432 when
that server answers, dropped at the end; otherwise a SQLite file; or --database-url), migrations,
collectstatic, and a data set: an advocate with 200 cases (each with a provider, an open records request
and a few contacts), one of which has 1,000 timeline entries (contacts, status moves and script uses).
Then it starts gunicorn exactly as `python -m secondop.run web` does (secondop.run.service_command:
gthread, the same workers for every page), without DEBUG, on a free loopback port, with a bare Django
view switched on (BENCH_BARE_VIEW=1: `HttpResponse("ok")` through all the middleware) as the baseline,
logs in once through the real login form, and drives each page for --seconds in all with --connections
keep-alive connections (aiohttp), all sending the same session cookie, in --rounds rounds (every page in
turn, round after round, so that what else the machine does falls on all pages alike).

No rendered page is kept anywhere, so every request is the page as it renders from the database: what a
person gets on a first visit and every visit after.

The last line is exactly
    web: case_ratio=<case rps / bare rps> dashboard_ratio=<…> timeline_ratio=<…>
         p95_ms=<case,dashboard,timeline> bare_p95_ms=<…>   (on one line)
"""

import argparse
import asyncio
import contextlib
import datetime
import http.client
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import log, percentile  # noqa: E402

from secondop.embedded import free_port, start_on_free_port  # noqa: E402

ADVOCATE_EMAIL = "advocate@bench.example.com"
OWNER_EMAIL = "family@bench.example.com"
PASSWORD = "a calm long passphrase"
CASES = 200
TIMELINE_ENTRIES = 1000
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"


def postgres_answers(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url + "/postgres", connect_timeout=2):
            return True
    except Exception:
        return False


class Server:
    """A scratch var dir and database with the data set, and gunicorn serving them."""

    def __init__(self, database_url: str | None, *, bare_view: bool = True, postgres: bool = True) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="secondop-bench-web-"))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.bare_view = bare_view
        self.postgres = postgres  # a scratch PostgreSQL database when none is given and the server answers
        self.created_db: tuple[str, str] | None = None  # (server url, name) of a database to drop
        self.database_url = database_url
        self.process: subprocess.Popen[bytes] | None = None
        self.redis: subprocess.Popen[bytes] | None = None
        self.access_log = self.scratch / "gunicorn.log"
        self.case_code = ""
        self.big_case_code = ""

    # Setting up

    def environment(self) -> None:
        """Production settings, on plain http and loopback; gunicorn inherits them."""
        if self.database_url is None and self.postgres and postgres_answers(DEFAULT_POSTGRES):
            import psycopg

            name = f"secondop_bench_{secrets.token_hex(4)}"
            with psycopg.connect(DEFAULT_POSTGRES + "/postgres", autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            self.created_db = (DEFAULT_POSTGRES, name)
            self.database_url = f"{DEFAULT_POSTGRES}/{name}"
        (self.scratch / "var" / "static").mkdir(parents=True)
        os.environ.update(
            {
                "SECONDOP_VAR_DIR": str(self.scratch / "var"),
                "DJANGO_SETTINGS_MODULE": "secondop.settings",
                "DEBUG": "false",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": "127.0.0.1",
                "SITE_URL": self.base,
                "SECURE_SSL_REDIRECT": "false",
                "EMAIL_HOST": "localhost",
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
            }
        )
        # The cache is Redis, as in production (pages use it for the inbox's unread count): REDIS_URL when
        # it is set, else an embedded server of this run's own.
        os.environ.pop("CACHE_BACKEND", None)
        if not os.environ.get("REDIS_URL"):
            os.environ["REDIS_URL"], self.redis = start_on_free_port(self.scratch / "redis")
        if self.bare_view:
            os.environ["BENCH_BARE_VIEW"] = "1"
        if self.database_url:
            os.environ["DATABASE_URL"] = self.database_url
        else:
            os.environ.pop("DATABASE_URL", None)
        database = self.database_url or str(self.scratch / "var" / "secondop.sqlite3")
        log(f"scratch {self.scratch}; database {database}")

    def django(self) -> None:
        import django
        from django.core.management import call_command

        django.setup()
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        log(f"migrated and collected static files in {time.perf_counter() - started:.1f} s")

    def data(self) -> None:
        from allauth.account.models import EmailAddress
        from django.db import transaction
        from django.utils import timezone

        from secondop.accounts.models import Profile, User
        from secondop.cases.models import Case, ContactChannel, Membership, Role
        from secondop.records.models import (
            ContactEntry,
            Provider,
            ProviderRole,
            RecordsRequest,
            RequestEvent,
            RequestKind,
            RequestStatus,
        )
        from secondop.scripts.models import Draft, DraftKind, DraftUse

        started = time.perf_counter()
        now = timezone.now()
        today = timezone.localdate()
        channels = [choice for choice, _ in ContactChannel.choices]
        with transaction.atomic():
            advocate = User.objects.create_user(email=ADVOCATE_EMAIL, password=PASSWORD)
            owner = User.objects.create_user(email=OWNER_EMAIL, password=PASSWORD)
            for user in (advocate, owner):
                EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
                # As after a first visit: the browser has told the app its time zone.
                Profile.objects.filter(user=user).update(time_zone="America/Chicago")
            cases = [
                Case.open_for(
                    owner, patient_name=f"Patient {number:03}", concern=f"the knee surgery {number}"
                )
                for number in range(CASES)
            ]
            Membership.objects.bulk_create(
                Membership(case=case, user=advocate, role=Role.ADVOCATE, gets_reminders=True)
                for case in cases
            )
            providers = Provider.objects.bulk_create(
                Provider(case=case, role=role, name=f"Dr. {case.patient_name} {role}", practice="General")
                for case in cases
                for role in (ProviderRole.choices[0][0], ProviderRole.choices[-1][0])
            )
            holders = providers[::2]
            statuses = [RequestStatus.REQUESTED, RequestStatus.ACKNOWLEDGED, RequestStatus.EXTENDED]
            requests_ = RecordsRequest.objects.bulk_create(
                RecordsRequest(
                    case=case,
                    holder=holders[number],
                    kind=RequestKind.choices[0][0],
                    status=statuses[number % len(statuses)],
                    requested_on=today - datetime.timedelta(days=number % 45),
                    record_types=["notes", "imaging"],
                )
                for number, case in enumerate(cases)
            )
            ContactEntry.objects.bulk_create(
                ContactEntry(
                    case=case,
                    request=requests_[number],
                    happened_at=now - datetime.timedelta(days=number % 30, hours=contact),
                    channel=channels[contact % len(channels)],
                    with_whom="the records office",
                    asked="When will the records be sent?",
                    answered="Within the month.",
                    created_by=advocate,
                )
                for number, case in enumerate(cases)
                for contact in range(3)
            )

            # The big case: 1,000 timeline entries.
            big = cases[0]
            big_requests = RecordsRequest.objects.bulk_create(
                RecordsRequest(
                    case=big,
                    holder=holders[0],
                    kind=RequestKind.choices[0][0],
                    status=RequestStatus.REQUESTED,
                    requested_on=today - datetime.timedelta(days=10 + number),
                )
                for number in range(4)
            )
            big_requests.append(requests_[0])
            contacts, events, uses = 450, 350, TIMELINE_ENTRIES - 450 - 350
            ContactEntry.objects.bulk_create(
                ContactEntry(
                    case=big,
                    request=big_requests[number % len(big_requests)] if number % 3 else None,
                    happened_at=now - datetime.timedelta(hours=7 * number),
                    channel=channels[number % len(channels)],
                    with_whom=f"Records clerk {number % 7}",
                    asked="Did you get our request? We sent it by fax with the signed form. " * 2,
                    answered="Yes, it is in the queue; we will call back when it is ready. " * 2,
                    created_by=advocate,
                )
                for number in range(contacts)
            )
            moves = [
                (RequestStatus.PREPARING, RequestStatus.REQUESTED),
                (RequestStatus.REQUESTED, RequestStatus.ACKNOWLEDGED),
            ]
            RequestEvent.objects.bulk_create(
                RequestEvent(
                    request=big_requests[number % len(big_requests)],
                    from_status=moves[number % 2][0],
                    to_status=moves[number % 2][1],
                    on=today - datetime.timedelta(days=number % 300),
                    note="Called to confirm." if number % 2 else "",
                    by=advocate,
                )
                for number in range(events)
            )
            drafts = Draft.objects.bulk_create(
                Draft(
                    case=big,
                    kind=kind,
                    text=f"The script for {label}.",
                    generated_text=f"The script for {label}.",
                )
                for kind, label in DraftKind.choices
            )
            DraftUse.objects.bulk_create(
                DraftUse(
                    draft=drafts[number % len(drafts)],
                    used_on=today - datetime.timedelta(days=number % 300),
                    channel=channels[number % len(channels)],
                    provider_said="They said they would think about it." if number % 2 else "",
                    recorded_by=advocate,
                )
                for number in range(uses)
            )
        self.case_code = str(cases[1].code)
        self.big_case_code = str(big.code)
        log(
            f"data: {CASES} cases, {TIMELINE_ENTRIES} timeline entries in one, "
            f"in {time.perf_counter() - started:.1f} s"
        )

    def start(self) -> None:
        from secondop.run import service_command

        command = service_command("web")
        log(f"starting {' '.join(command[1:])}")
        with self.access_log.open("wb") as output:
            self.process = subprocess.Popen(
                command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"gunicorn exited with code {self.process.returncode}:\n{self.access_log.read_text()}"
                )
            with contextlib.suppress(OSError):
                status, _, _ = self.request("GET", "/health/")
                if status:
                    return
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not answer within 60 s")
            time.sleep(0.2)

    def setup(self) -> None:
        self.environment()
        self.django()
        self.data()
        self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(10)
            self.redis = None
        if self.created_db is not None:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            import psycopg

            server, name = self.created_db
            with psycopg.connect(server + "/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.created_db = None
        shutil.rmtree(self.scratch, ignore_errors=True)

    # Talking to it

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPResponse, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response, response.read()
        finally:
            conn.close()

    def login(self) -> str:
        """Logs in through allauth's form; returns the Cookie header to send."""
        status, response, body = self.request("GET", "/accounts/login/")
        cookies = cookies_from(response)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or "csrftoken" not in cookies or match is None:
            raise SystemExit(f"the login page answered {status} without a CSRF token")
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": match.group(1).decode(), "login": ADVOCATE_EMAIL, "password": PASSWORD}
        ).encode()
        status, response, _ = self.request(
            "POST",
            "/accounts/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookies['csrftoken']}",
            },
        )
        cookies.update(cookies_from(response))
        if status != 302 or "sessionid" not in cookies:
            raise SystemExit(f"logging in answered {status} without a session")
        return "; ".join(f"{name}={value}" for name, value in cookies.items())


def cookies_from(response: http.client.HTTPResponse) -> dict[str, str]:
    """Cookies set by a response, Secure or not (this client talks plain http to loopback)."""
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int
    bytes: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def __add__(self, other: "Result") -> "Result":
        return Result(
            self.requests + other.requests,
            self.seconds + other.seconds,
            self.latencies + other.latencies,
            self.errors + other.errors,
            self.bytes + other.bytes,
        )

    @property
    def p95_ms(self) -> float:
        return percentile(self.latencies, 0.95) * 1000


async def drive(base: str, path: str, cookie: str, *, seconds: float, connections: int) -> Result:
    """`connections` clients, each sending its next request as soon as the last one is answered."""
    import aiohttp

    latencies: list[float] = []
    errors = 0
    received = 0
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    headers = {"Cookie": cookie, "Accept-Encoding": "gzip"}
    async with aiohttp.ClientSession(base, connector=connector, headers=headers) as session:

        async def one() -> None:
            async with session.get(path, allow_redirects=False) as response:
                body = await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status}")
                nonlocal received
                received += len(body)

        # Warm up: one request per connection opens them all and fills the workers' caches.
        await asyncio.gather(*(one() for _ in range(connections)))

        deadline = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    await one()
                except Exception:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return Result(len(latencies), elapsed, latencies, errors, received)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each page is driven in all")
    parser.add_argument(
        "--rounds", type=int, default=5, help="the seconds of each page are split over this many rounds"
    )
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a throwaway database to migrate and fill (default: a scratch PostgreSQL database on "
        "127.0.0.1:5432 when it answers, else a scratch SQLite file)",
    )
    args = parser.parse_args()

    server = Server(args.database_url)
    try:
        server.setup()
        cookie = server.login()
        log(f"logged in as {ADVOCATE_EMAIL}; gunicorn on {server.base}")
        pages = {
            "bare": "/bench/bare/",
            "case": f"/cases/{server.case_code}/",
            "dashboard": "/cases/",
            "timeline": f"/cases/{server.big_case_code}/records/timeline/",
        }
        # Round after round of every page, so that whatever the machine does meanwhile falls on all of
        # them alike: the ratios compare pages driven minutes apart otherwise.
        results: dict[str, Result] = {}
        for round_ in range(1, args.rounds + 1):
            rates = []
            for name, path in pages.items():
                result = asyncio.run(
                    drive(
                        server.base,
                        path,
                        cookie,
                        seconds=args.seconds / args.rounds,
                        connections=args.connections,
                    )
                )
                results[name] = results[name] + result if name in results else result
                rates.append(f"{name} {result.rps:.0f}/s")
            log(f"round {round_}: " + ", ".join(rates))
        for name, result in results.items():
            log(
                f"{name:15} {pages[name]}: {result.rps:8.1f} requests/s"
                f"  p50 {percentile(result.latencies, 0.5) * 1000:7.1f} ms"
                f"  p95 {result.p95_ms:7.1f} ms  errors {result.errors}  ({result.requests} requests)"
            )
    finally:
        server.stop()
    bare = results["bare"]
    p95s = ",".join(f"{results[name].p95_ms:.1f}" for name in ("case", "dashboard", "timeline"))
    print(
        f"web: case_ratio={results['case'].rps / bare.rps:.3f} "
        f"dashboard_ratio={results['dashboard'].rps / bare.rps:.3f} "
        f"timeline_ratio={results['timeline'].rps / bare.rps:.3f} "
        f"p95_ms={p95s} "
        f"bare_p95_ms={bare.p95_ms:.1f}"
    )


if __name__ == "__main__":
    main()
