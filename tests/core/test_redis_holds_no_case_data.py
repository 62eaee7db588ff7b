"""Redis holds task messages and counters, never a patient's words: after every page of a case has been
opened, by its owner and as htmx asks for parts of them, nothing in the cache names the patient or their
concern."""

import os
import uuid
from typing import Any

import redis

from secondop.accounts.models import User
from secondop.cases.models import Case
from tests.conftest import client_for
from tests.core.test_headers import every_path, visit_all


def test_no_page_leaves_the_patients_name_or_concern_in_redis(case: Case, owner: User, settings: Any) -> None:
    prefix = f"no-case-data-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": prefix,
        }
    }
    client = client_for(owner)
    seen = visit_all(client, every_path(case, owner))
    assert sum(response.status_code == 200 for response in seen.values()) > 20
    server = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = list(server.scan_iter(f"{prefix}*"))
    try:
        assert keys, "the pages wrote nothing to the cache at all: is this test looking in the right place?"
        for key in keys:
            value = server.get(key) or b""
            for words in (case.patient_name, case.concern):
                assert words.encode() not in key + value, (key, value[:200])
    finally:
        if keys:
            server.delete(*keys)
