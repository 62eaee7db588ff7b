import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from secondop.env import env_bool, env_int, env_list, read_or_create_secret

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    drop = {"DATABASE_URL", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_BACKEND"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        DEBUG="false",
        SECONDOP_VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="secondop.example.org",
        SITE_URL="https://secondop.example.org",
        EMAIL_HOST="smtp.example.org",
        VAPID_SUBJECT="mailto:admin@secondop.example.org",
        PYTHONWARNINGS="error::DeprecationWarning",
    )
    env.update(extra)
    return env


def test_check_deploy_in_production_mode_reports_nothing(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_check_deploy_catches_production_without_a_mail_server(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["EMAIL_HOST"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "mail.E001" in result.stderr


@pytest.mark.parametrize(
    "subject", ["", "mailto:admin@localhost", "admin@secondop.example.org", "https://localhost/"]
)
def test_check_deploy_asks_for_a_vapid_subject_push_services_can_reach(tmp_path: Path, subject: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path, VAPID_SUBJECT=subject),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "secondop.W001" in result.stderr


def test_production_settings_are_secure(tmp_path: Path) -> None:
    script = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, "
        "s.SECURE_SSL_REDIRECT, s.ALLOWED_HOSTS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env=production_env(tmp_path, DJANGO_SETTINGS_MODULE="secondop.settings"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split(" ", 5) == [
        "False",
        "True",
        "True",
        "True",
        "True",
        "['secondop.example.org']\n",
    ]


def test_the_embedded_default_generates_its_secrets_into_var(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "VAPID_PRIVATE_KEY"}}
    env.update(SECONDOP_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="secondop.settings")
    read = "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY)"
    first = subprocess.run([sys.executable, "-c", read], cwd=ROOT, env=env, capture_output=True, text=True)
    second = subprocess.run([sys.executable, "-c", read], cwd=ROOT, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert len(first.stdout.strip()) >= 50
    assert first.stdout == second.stdout  # generated once, then kept
    assert (tmp_path / "secret_key").read_text().strip() == first.stdout.strip()
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert "BEGIN PRIVATE KEY" in (tmp_path / "vapid_private.pem").read_text()


def test_concurrent_starts_agree_on_one_secret(tmp_path: Path) -> None:
    results: list[str] = []
    counter = iter(range(1000))
    threads = [
        threading.Thread(
            target=lambda: results.append(
                read_or_create_secret(tmp_path / "s", lambda: f"secret-{next(counter)}")
            )
        )
        for _ in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1
    assert list(tmp_path.iterdir()) == [tmp_path / "s"]  # no temporary files left behind


def test_env_helpers_read_types_and_refuse_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "Yes")
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_LIST", " a.example, b.example ,,")
    assert env_bool("X_BOOL") is True
    assert env_bool("X_MISSING", default=True) is True
    assert env_int("X_INT", 3) == 12
    assert env_list("X_LIST") == ["a.example", "b.example"]
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ValueError, match="X_BOOL"):
        env_bool("X_BOOL")
    monkeypatch.setenv("X_INT", "twelve")
    with pytest.raises(ValueError, match="X_INT must be a whole number"):
        env_int("X_INT", 3)


def test_sqlite_waits_for_writers_instead_of_failing() -> None:
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        assert database["ENGINE"] == "django.db.backends.postgresql"
        return
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] >= 5
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]


def test_production_web_refuses_to_start_without_a_mail_server(tmp_path: Path) -> None:
    """Console mail in production would print every sign-up, reset and invitation link to the log."""
    env = production_env(tmp_path)
    del env["EMAIL_HOST"]
    started = subprocess.run(
        [sys.executable, "-c", "from secondop import run; run.prepare()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode != 0
    assert "mail.E001" in started.stderr
    database = tmp_path / "secondop.sqlite3"
    if database.exists():
        with sqlite3.connect(database) as connection:
            tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        assert not tables, "it migrated before refusing"
