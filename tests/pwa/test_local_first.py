"""The server side of the local-first pieces: the worker's config names the outbox it imports, the CSRF
endpoint says who is signed in (the outbox sends only that person's writes), and logging out ends this
phone's reminders (push_forget)."""

import datetime
import json

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from secondop.accounts.models import User
from secondop.pwa.views import service_worker_source
from secondop.reminders.models import PushSubscription
from tests.conftest import client_for


def subscription(user: User, endpoint: str) -> PushSubscription:
    return PushSubscription.objects.create(user=user, endpoint=endpoint, p256dh="key", auth="secret")


def worker_config(source: str) -> dict[str, object]:
    first_line = source.split("\n", 1)[0]
    assert first_line.startswith("self.SECONDOP = ") and first_line.endswith(";")
    config: dict[str, object] = json.loads(first_line.removeprefix("self.SECONDOP = ").removesuffix(";"))
    return config


def test_the_worker_config_names_the_outbox_script_it_imports(db: None) -> None:
    config = worker_config(service_worker_source())
    outbox = config["outbox"]
    assert isinstance(outbox, list) and [name.split("/")[-1].split(".")[0] for name in outbox] == [
        "outbox",
        "outbox-replay",
    ]
    assert all(name in config["precache"] for name in outbox)  # type: ignore[operator]
    assert "importScripts.apply(self, CONFIG.outbox)" in service_worker_source()


def test_the_worker_is_served_uncached(db: None) -> None:
    response = Client().get("/serviceworker.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert worker_config(response.content.decode())["version"]


def test_the_csrf_endpoint_says_who_is_signed_in(owner: User) -> None:
    answer = client_for(owner).get(reverse("pwa_csrf"))
    assert answer.status_code == 200
    data = answer.json()
    assert data["user"] == owner.pk and data["token"]
    assert "no-cache" in answer["Cache-Control"]


def test_the_csrf_endpoint_sends_a_signed_out_person_to_log_in(db: None) -> None:
    answer = Client().get(reverse("pwa_csrf"))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("account_login"))


def test_push_forget_disables_this_phones_subscription_only(owner: User, advocate: User) -> None:
    this_phone = subscription(owner, "https://push.example/this-phone")
    other_phone = subscription(owner, "https://push.example/other-phone")
    theirs = subscription(advocate, "https://push.example/theirs")
    client = client_for(owner)

    answer = client.post(reverse("push_forget"), {"endpoint": this_phone.endpoint})
    assert answer.status_code == 200 and answer.json() == {"ok": True, "disabled": 1}
    this_phone.refresh_from_db()
    other_phone.refresh_from_db()
    assert not this_phone.is_active and other_phone.is_active

    # Someone else's endpoint, or an unknown one, changes nothing and says so the same way.
    for endpoint in (theirs.endpoint, "https://push.example/unknown", this_phone.endpoint):
        answer = client.post(reverse("push_forget"), {"endpoint": endpoint})
        assert answer.json() == {"ok": True, "disabled": 0}
    theirs.refresh_from_db()
    assert theirs.is_active


def test_push_forget_keeps_the_first_time_it_was_disabled(owner: User) -> None:
    earlier = timezone.now() - datetime.timedelta(days=3)
    gone = subscription(owner, "https://push.example/gone")
    PushSubscription.objects.filter(pk=gone.pk).update(disabled_at=earlier)
    client_for(owner).post(reverse("push_forget"), {"endpoint": gone.endpoint})
    gone.refresh_from_db()
    assert gone.disabled_at == earlier


def test_push_forget_needs_an_endpoint_a_post_and_a_session(owner: User) -> None:
    client = client_for(owner)
    url = reverse("push_forget")
    assert client.post(url, {}).status_code == 400
    assert client.get(url).status_code == 405
    signed_out = Client().post(url, {"endpoint": "https://push.example/x"})
    assert signed_out.status_code == 302 and signed_out["X-Secondop-Outcome"] == "login"


def test_push_forget_checks_the_csrf_token(owner: User) -> None:
    this_phone = subscription(owner, "https://push.example/this-phone")
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(reverse("push_forget"), {"endpoint": this_phone.endpoint}).status_code == 403
    this_phone.refresh_from_db()
    assert this_phone.is_active


def test_push_forget_refuses_a_nul_character_without_a_server_error(owner: User) -> None:
    response = client_for(owner).post(reverse("push_forget"), {"endpoint": "https://push.example/\x00x"})
    assert response.status_code == 400
