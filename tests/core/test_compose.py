from pathlib import Path
from typing import Any

import yaml

from secondop.run import SERVICES

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_every_service_with_health_checks_and_named_volumes() -> None:
    spec = compose()
    assert set(spec["services"]) == {"web", "worker", "beat", "postgres", "redis"}
    for name in ("web", "worker", "postgres", "redis"):
        assert spec["services"][name]["healthcheck"]["test"], name
    assert {"pgdata", "redisdata", "appdata"} <= set(spec["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in spec["services"]["postgres"]["volumes"]


def test_compose_runs_the_same_commands_as_make_run() -> None:
    spec = compose()
    for name in SERVICES:
        assert spec["services"][name]["command"] == ["python", "-m", "secondop.run", name]


def test_compose_wires_the_database_and_redis_into_every_app_container() -> None:
    spec = compose()
    for name in SERVICES:
        service = spec["services"][name]
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"


def test_compose_builds_the_image_it_runs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "uv sync --locked --no-dev" in dockerfile
    assert compose()["services"]["web"]["build"] == "."
