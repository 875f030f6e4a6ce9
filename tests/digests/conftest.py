"""Fixtures for the digest tests: a real SMTP server on loopback (aiosmtpd) and a small timeline.

The SMTP server is aiosmtpd's Controller on a free 127.0.0.1 port, started and stopped per test; the
settings point Django's SMTP backend at it, so every test sends through real SMTP over a socket.
"""

from __future__ import annotations

import email
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import connections
from django.db.models.signals import post_migrate

from digests import sending, services
from digests.models import Subscription
from events.guards import drop_guard, install_guard
from timeline import services as timeline
from timeline.models import Development

SITE = "https://timeline.example"


@pytest.fixture(autouse=True)
def forget_cached_windows() -> Iterator[None]:
    """Each test's database starts over at position 1, so a window cached by another test must not be reused
    (in production log positions are never reused, which is what makes the cache sound)."""
    sending._WINDOW_CACHE.clear()
    yield
    sending._WINDOW_CACHE.clear()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return str(body.get_content())


@dataclass
class KeepingHandler:
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SMTPServer:
    """A loopback SMTP server that can be stopped (an outage) and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = KeepingHandler()
        self.controller: Controller | None = None

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp(settings: Any) -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 3
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "digest@timeline.example"
    settings.DIGEST_UNSUBSCRIBE_MAILTO = "unsubscribe@timeline.example"
    settings.DIGEST_SEND_WHEN_EMPTY = False
    settings.DIGEST_MAX_ATTEMPTS = 3
    settings.DIGEST_RETRY_BACKOFF_SECONDS = 0.2
    yield server
    server.stop()


CITATION_FT = {
    "title": "China's SMIC yields",
    "url": "https://www.ft.com/content/smic",
    "publisher": "Financial Times",
    "published": "2024-06-10",
    "reliability": "B",
    "credibility": "2",
}
CITATION_BLOG = {
    "title": "Rumours about GPUs",
    "url": "https://blog.example/gpus",
    "publisher": "Some blog",
    "reliability": "E",
    "credibility": "4",
}


@dataclass
class Timeline:
    """Developments recorded before the subscribers joined (`old_*`) and the ones of the week."""

    developments: dict[str, Development]

    def __getitem__(self, key: str) -> Development:
        return self.developments[key]


def register_entities() -> None:
    timeline.entity_register(
        entity_id="deepseek", name="DeepSeek", entity_type="company", aliases=[{"name": "深度求索", "lang": "zh"}]
    )
    timeline.entity_register(entity_id="nvidia", name="Nvidia", entity_type="company")
    timeline.entity_register(
        entity_id="huawei", name="Huawei", entity_type="company", aliases=[{"name": "华为", "lang": "zh"}]
    )
    timeline.entity_register(entity_id="bis", name="Bureau of Industry and Security", entity_type="agency")


def record_old() -> dict[str, Development]:
    return {
        "old_rule": timeline.development_record(
            title="BIS publishes the October 7 export controls",
            date="2022-10-07",
            category="government",
            kind="rule_release",
            entities=["bis", "nvidia"],
            citations=[{**CITATION_FT, "title": "The October 7 rule", "reliability": "A", "credibility": "1"}],
        ),
        "old_model": timeline.development_record(
            title="DeepSeek releases V2",
            date="2024-05",
            category="technology",
            kind="model_launch",
            entities=["deepseek"],
            citations=[CITATION_BLOG],
        ),
        "old_fab": timeline.development_record(
            title="Huawei fab milestone",
            date="2024-36",
            category="corporate",
            kind="fab_milestone",
            entities=["huawei"],
            citations=[CITATION_FT],
        ),
    }


def record_week(old: dict[str, Development]) -> dict[str, Development]:
    """The week: two recorded, one revised (date and title), one retracted."""
    new = {
        "new_model": timeline.development_record(
            title="DeepSeek releases R1",
            date="2025-01-20",
            category="technology",
            kind="model_launch",
            summary="An open-weight reasoning model.",
            entities=["deepseek"],
            citations=[{**CITATION_FT, "title": "DeepSeek R1 shakes markets"}],
        ),
        "new_huawei": timeline.development_record(
            title="Huawei ships Ascend 910C",
            date="2025-02",
            category="corporate",
            kind="chip_launch",
            entities=["huawei"],
            citations=[CITATION_BLOG],
        ),
    }
    revised = timeline.development_revise(
        development_id=old["old_model"].pk,
        changes={"date": "2024-05-07", "title": "DeepSeek releases DeepSeek-V2"},
        expected_version=old["old_model"].version,
        reason="exact day from the paper",
    )
    timeline.citation_add(
        development_id=revised.pk,
        citation={**CITATION_FT, "title": "DeepSeek-V2 paper coverage", "reliability": "A", "credibility": "2"},
    )
    retracted = timeline.development_retract(
        development_id=old["old_fab"].pk,
        reason="the source withdrew the claim",
        expected_version=old["old_fab"].version,
    )
    return {**new, "revised": revised, "retracted": retracted}


@pytest.fixture
def old_timeline(db: None) -> dict[str, Development]:
    register_entities()
    return record_old()


def send_queued_confirmations() -> list[str]:
    """What the email worker does with the confirmation outbox: run its task (eagerly, as the other digest tests
    call tasks) for every queued mail. A web request only queues; its commit hook enqueues the task, which a test
    inside a transaction never reaches."""
    from digests.models import ConfirmationMail, ConfirmationState
    from workers import digests as tasks

    queued = ConfirmationMail.objects.filter(state=ConfirmationState.QUEUED).order_by("pk")
    return [tasks.confirmation_send.apply(args=[pk]).get() for pk in queued.values_list("pk", flat=True)]


def subscribe(**kwargs: Any) -> Subscription:
    """An active subscription (confirmed by a trusted caller) whose digests cover what happens from now on."""
    return services.subscription_request(confirmed=True, **{"email": "reader@example.org", **kwargs})


@pytest.fixture
def make_subscription(old_timeline: dict[str, Development]) -> Callable[..., Subscription]:
    return subscribe


_REINSTALL_UID = "tests.digests.reinstall_append_only_guard"


def _reinstall_guard_once(sender: Any, using: str = "default", **kwargs: Any) -> None:
    post_migrate.disconnect(dispatch_uid=_REINSTALL_UID)
    install_guard(connections[using])


@pytest.fixture
def guard_lifted_for_flush(transactional_db: None) -> Iterator[None]:
    """For `transaction=True` tests: Django's closing flush empties the log, which the append-only guard
    refuses; drop the guard at teardown and put it back right after the flush (as tests/events does)."""
    yield
    drop_guard(connections["default"])
    post_migrate.connect(_reinstall_guard_once, weak=False, dispatch_uid=_REINSTALL_UID)
