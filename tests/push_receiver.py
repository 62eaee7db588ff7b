"""A push service on 127.0.0.1 for the tests and the benchmark: it plays both the push service (it
accepts, or refuses with a chosen status) and the browser (it holds each subscription's private key and
decrypts what arrived).

    with PushReceiver() as receiver:
        info = receiver.new_subscription()  # {"endpoint": "http://127.0.0.1:PORT/push/<id>", "keys": {...}}
        ...
        [message] = receiver.wait_for(1, timeout=30)
        message.payload  # the decrypted JSON

Each POST is recorded as it arrives (before any slow-down, so a sender killed while waiting for the answer
still counts as delivered, as it would with a real push service). Decryption (aes128gcm, RFC 8291) happens
on first read, so a burst of sends costs the receiver only the HTTP exchange.
"""

import base64
import contextlib
import itertools
import json
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

try:  # the tests travel in time in this process; arrival times stay on the real clock
    from time_machine import escape_hatch

    def real_time() -> float:
        return escape_hatch.time.time() if escape_hatch.is_travelling() else time.time()

except ImportError:  # pragma: no cover - time-machine is a dev dependency
    real_time = time.time


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Subscriber:
    """A browser's side of one subscription: the key pair and the auth secret."""

    id: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)


@dataclass
class Message:
    """One POST as the receiver saw it."""

    subscriber: Subscriber | None
    path: str
    arrived_at: float  # real time.time(), even while the test process travels in time
    headers: dict[str, str]  # lower-case names
    body: bytes
    status: int  # what the receiver answered
    _payload: Any = field(default=None, repr=False)

    @property
    def accepted(self) -> bool:
        return self.status == 201

    @property
    def ttl(self) -> int | None:
        value = self.headers.get("ttl")
        return int(value) if value is not None else None

    @property
    def urgency(self) -> str | None:
        return self.headers.get("urgency")

    @cached_property
    def plaintext(self) -> bytes:
        if self.subscriber is None:
            raise LookupError(f"No subscription at {self.path}")
        if self.headers.get("content-encoding") != "aes128gcm":
            raise ValueError(f"Content-Encoding is {self.headers.get('content-encoding')!r}, not aes128gcm")
        return bytes(
            http_ece.decrypt(
                self.body,
                private_key=self.subscriber.private_key,
                auth_secret=self.subscriber.auth_secret,
                version="aes128gcm",
            )
        )

    @property
    def payload(self) -> Any:
        """The decrypted JSON."""
        return json.loads(self.plaintext)

    @property
    def vapid(self) -> "VapidToken":
        return VapidToken.parse(self.headers.get("authorization", ""))


@dataclass(frozen=True)
class VapidToken:
    """`Authorization: vapid t=<JWT>,k=<public key>` (RFC 8292)."""

    header: dict[str, Any]
    claims: dict[str, Any]
    public_key: str  # base64url, uncompressed P-256 point
    signing_input: bytes
    signature: bytes

    @classmethod
    def parse(cls, authorization: str) -> "VapidToken":
        scheme, _, rest = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError(f"Authorization scheme is {scheme!r}, not vapid")
        parts = dict(item.strip().split("=", 1) for item in rest.split(","))
        token = parts["t"]
        head, body, signature = token.split(".")
        return cls(
            header=json.loads(b64url_decode(head)),
            claims=json.loads(b64url_decode(body)),
            public_key=parts["k"],
            signing_input=f"{head}.{body}".encode(),
            signature=b64url_decode(signature),
        )

    def signature_is_valid(self) -> bool:
        """ES256 over the JWT's first two parts, with the key the header names."""
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(self.public_key))
        r = int.from_bytes(self.signature[:32], "big")
        s = int.from_bytes(self.signature[32:], "big")
        try:
            key.verify(encode_dss_signature(r, s), self.signing_input, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: senders reuse their connection, as with a real service
    server: "_Server"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, delay = self.server.receiver._arrived(self.path, self.headers, body)
        if delay:
            time.sleep(delay)
        self.send_response(status)
        if status == 201:
            self.send_header("Location", f"{self.path}/messages/{time.monotonic_ns()}")
        if status == 429:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, receiver: "PushReceiver", address: tuple[str, int]) -> None:
        self.receiver = receiver
        self.connections: set[socket.socket] = set()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.receiver._lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.receiver._lock:
            self.connections.discard(request)
        super().shutdown_request(request)


class PushReceiver:
    """A push service on 127.0.0.1 (port 0: the system picks a free one)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._lock = threading.Lock()
        self._arrival = threading.Condition(self._lock)
        self._subscribers: dict[str, Subscriber] = {}
        self._messages: list[Message] = []
        self._by_endpoint: dict[str, int] = {}  # subscriber id -> status to answer every time
        self._next: list[int] = []  # statuses for the next requests, whoever they are for
        self._delay = 0.0
        self._ids = itertools.count(1)
        self._prefix = os.urandom(4).hex()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # Life cycle

    def start(self) -> Self:
        self._server = _Server(self, (self.host, 0))
        self._thread = threading.Thread(target=self._server.serve_forever, name="push-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        with self._lock:
            connections = list(self._server.connections)
        for connection in connections:  # keep-alive connections would otherwise wait for their next request
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start the receiver first"
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    # Subscriptions

    def new_subscription(self) -> dict[str, Any]:
        """What a browser's PushSubscription.toJSON() gives: the endpoint and the public keys."""
        subscriber = Subscriber(
            id=f"{self._prefix}-{next(self._ids)}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=os.urandom(16),
        )
        with self._lock:
            self._subscribers[subscriber.id] = subscriber
        return {
            "endpoint": self.endpoint_for(subscriber.id),
            "keys": {"p256dh": subscriber.p256dh, "auth": b64url(subscriber.auth_secret)},
        }

    def subscriber(self, subscriber_id: str) -> Subscriber:
        with self._lock:
            return self._subscribers[subscriber_id]

    def endpoint_for(self, subscriber_id: str) -> str:
        return f"{self.origin}/push/{subscriber_id}"

    @staticmethod
    def subscriber_id(endpoint: str) -> str:
        return endpoint.rsplit("/", 1)[-1]

    # What it answers

    def answer(self, status: int, *, endpoint: str | None = None, times: int | None = None) -> None:
        """Answers `status` to every request for `endpoint` (201 puts it back to normal), or to the next
        `times` requests whoever they are for."""
        with self._lock:
            if endpoint is not None:
                if status == 201:
                    self._by_endpoint.pop(self.subscriber_id(endpoint), None)
                else:
                    self._by_endpoint[self.subscriber_id(endpoint)] = status
            else:
                self._next.extend([status] * (times or 1))

    def slow_down(self, seconds: float) -> None:
        """Waits this long before answering each request (0: answer at once)."""
        with self._lock:
            self._delay = seconds

    def reset(self) -> None:
        with self._lock:
            self._messages.clear()
            self._by_endpoint.clear()
            self._next.clear()
            self._delay = 0.0

    def _arrived(self, path: str, headers: Any, body: bytes) -> tuple[int, float]:
        arrived_at = real_time()
        subscriber_id = path.rsplit("/", 1)[-1] if path.startswith("/push/") else ""
        with self._lock:
            subscriber = self._subscribers.get(subscriber_id)
            if subscriber is None:
                status = 404
            elif subscriber_id in self._by_endpoint:
                status = self._by_endpoint[subscriber_id]
            elif self._next:
                status = self._next.pop(0)
            else:
                status = 201
            self._messages.append(
                Message(
                    subscriber=subscriber,
                    path=path,
                    arrived_at=arrived_at,
                    headers={name.lower(): value for name, value in headers.items()},
                    body=body,
                    status=status,
                )
            )
            self._arrival.notify_all()
            return status, self._delay

    # What arrived

    @property
    def messages(self) -> list[Message]:
        """Every request so far, accepted or not, in order of arrival."""
        with self._lock:
            return list(self._messages)

    @property
    def accepted(self) -> list[Message]:
        return [message for message in self.messages if message.accepted]

    def for_endpoint(self, endpoint: str) -> list[Message]:
        wanted = f"/push/{self.subscriber_id(endpoint)}"
        return [message for message in self.messages if message.path == wanted]

    def wait_for(self, count: int, timeout: float, *, accepted: bool = True) -> list[Message]:
        """Waits until at least `count` requests (accepted ones by default) arrived; returns them all.
        Raises TimeoutError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                got = [m for m in self._messages if m.accepted or not accepted]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(got)} of {count} pushes arrived within {timeout} s")
                self._arrival.wait(min(left, 0.5))

    def tag_counts(self) -> Counter[str]:
        """How many times each notification tag was accepted (decrypts every accepted message)."""
        return Counter(str(message.payload.get("tag")) for message in self.accepted)

    def __iter__(self) -> Iterator[Message]:
        return iter(self.messages)
