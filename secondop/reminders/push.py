"""Web Push: pywebpush encrypts (aes128gcm, RFC 8291), py_vapid signs (RFC 8292), urllib3 posts. VAPID keys
come from settings; every push has a TTL and an urgency, and carries no health detail.

A worker sends many pushes to few push services (FCM, Mozilla, Apple…), so two things are kept between
sends, per thread and per push service: one urllib3 connection pool (reusing its connection sends 40-70 %
faster; urllib3 is what requests uses underneath, without requests' own per-request work, which costs as
much CPU as the encryption), and the signed VAPID header (RFC 8292 lets a token be reused until it
expires; signing every send costs nearly as much again).
"""

import base64
import json
import re
import threading
import time
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import certifi
import urllib3
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid
from pywebpush import WebPusher, WebPushException

PUSH_TIMEOUT_SECONDS = 10
PUSH_TTL_SECONDS = 24 * 3600
# A VAPID token is signed to last 12 hours and reused for at most the first hour of it.
VAPID_TOKEN_SECONDS = 12 * 3600
VAPID_REUSE_SECONDS = 3600

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


LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
NOT_HTTPS = "The push address must start with https://."
PLAIN_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")
NOT_A_PUSH_SERVICE = "The push address is not a push service."


def endpoint_refusal(endpoint: str) -> str:
    """Why the worker must not POST to `endpoint`, or "" when it may: only the browsers' push services
    (settings.PUSH_SERVICE_HOSTS, over https on port 443), so that no one can point it at a machine of
    ours. http://127.0.0.1 and http://localhost, the tests' receiver, only with PUSH_ALLOW_LOCAL_ENDPOINTS."""
    try:
        endpoint.encode()  # fails on half a surrogate pair, which JSON's \u escapes can spell
        parts = urlsplit(endpoint)  # fails on a bracketed host that is no IP address
        port = parts.port  # fails on a port that is no number
    except ValueError:
        return "The push address is not a valid web address."
    host = (parts.hostname or "").lower()
    if parts.scheme == "http" and host in LOCAL_HOSTS and settings.PUSH_ALLOW_LOCAL_ENDPOINTS:
        return "" if parts.netloc.lower() in (host, f"{host}:{port}") else NOT_A_PUSH_SERVICE
    if parts.scheme != "https" or not host:
        return NOT_HTTPS
    # The address part must be nothing but a plain host name (and :443): urllib3, which sends, reads some
    # other spellings differently ("127.0.0.1\.notify.windows.com" is the host 127.0.0.1 to it).
    if not PLAIN_HOST.fullmatch(host) or parts.netloc.lower() not in (host, f"{host}:443"):
        return NOT_A_PUSH_SERVICE
    known = any(
        host.endswith(allowed) if allowed.startswith(".") else host == allowed
        for allowed in settings.PUSH_SERVICE_HOSTS
    )
    return "" if known else NOT_A_PUSH_SERVICE


def _pool(origin: str) -> urllib3.PoolManager:
    """This thread's connection pool for one push service, through the environment's proxy if it names
    one for that host (read once, when the pool is made)."""
    pools: dict[str, urllib3.PoolManager] | None = getattr(_local, "pools", None)
    if pools is None:
        pools = _local.pools = {}
    pool = pools.get(origin)
    if pool is None:
        parts = urlsplit(origin)
        proxy = None if proxy_bypass(parts.hostname or "") else getproxies().get(parts.scheme)
        timeout = urllib3.Timeout(total=PUSH_TIMEOUT_SECONDS)
        if proxy:
            pool = urllib3.ProxyManager(
                proxy, maxsize=1, retries=False, timeout=timeout, ca_certs=certifi.where()
            )
        else:
            pool = urllib3.PoolManager(maxsize=1, retries=False, timeout=timeout, ca_certs=certifi.where())
        pools[origin] = pool
    return pool


def _vapid_headers(origin: str) -> dict[str, str]:
    tokens: dict[str, tuple[float, dict[str, str]]] | None = getattr(_local, "vapid_tokens", None)
    if tokens is None:
        tokens = _local.vapid_tokens = {}
    now = time.time()
    cached = tokens.get(origin)
    if cached is not None and now < cached[0]:
        return cached[1]
    claims = {"sub": settings.VAPID_SUBJECT, "aud": origin, "exp": int(now) + VAPID_TOKEN_SECONDS}
    headers: dict[str, str] = vapid().sign(claims)
    tokens[origin] = (now + VAPID_REUSE_SECONDS, headers)
    return headers


def forget_connections() -> None:
    """Closes this thread's connections and forgets its VAPID tokens."""
    for pool in getattr(_local, "pools", {}).values():
        pool.clear()
    _local.pools = {}
    _local.vapid_tokens = {}


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
    refusal = endpoint_refusal(endpoint)
    if refusal:  # stored before the rule, or the rule changed since: never sent, and given up
        return PushResult(False, None, gone=True, error=refusal)
    parts = urlsplit(endpoint)
    origin = f"{parts.scheme}://{parts.netloc}"
    try:
        pusher = WebPusher({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}})
        body = pusher.encode(json.dumps(payload, separators=(",", ":")).encode(), "aes128gcm")["body"]
    except (WebPushException, ValueError) as error:  # keys the browser never made
        return PushResult(False, None, error=f"invalid subscription keys: {error}"[:200])
    headers = {
        **_vapid_headers(origin),
        "Content-Encoding": "aes128gcm",
        "TTL": str(PUSH_TTL_SECONDS),
        "Urgency": urgency,
    }
    try:
        response = _pool(origin).request("POST", endpoint, body=body, headers=headers)
    except urllib3.exceptions.HTTPError as error:  # refused, reset, timed out
        return PushResult(False, None, transient=True, error=type(error).__name__)
    status = response.status
    if status <= 202:
        return PushResult(True, status)
    if status in (404, 410):
        return PushResult(False, status, gone=True, error=f"subscription gone ({status})")
    if status == 401:
        # The push service refused the VAPID token (a clock out of step?): the retry signs a new one.
        getattr(_local, "vapid_tokens", {}).pop(origin, None)
    transient = status in (401, 429) or status >= 500
    return PushResult(False, status, transient=transient, error=f"push service answered {status}")
