"""How a message leaves: `console` (logged; for `make run` and tests) or `http` (the gateway)."""

import logging
import re
from dataclasses import dataclass
from enum import StrEnum

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger("notifications.sms")


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # transient: the gateway may take it later
    FAILED = "failed"  # permanent: retrying cannot help


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    error: str = ""


class ConsoleBackend:
    """Logs each message; `/dev/sms/` lists the outbox so a person can read their code."""

    timeout = 0.0
    keeps_sent_text = True  # `/dev/sms/` shows sent sign-in codes until they are forgotten

    def send(self, *, message_id: int, to: str, text: str) -> SendResult:
        logger.info("SMS %s to %s: %s", message_id, to, text)
        return SendResult(Outcome.SENT)

    def close(self) -> None:
        pass


class HttpBackend:
    """The production client: one keep-alive session, JSON, a bearer token, a timeout."""

    keeps_sent_text = False  # once the gateway has a sign-in code, the outbox forgets it

    def __init__(self, *, url: str, token: str, timeout: float) -> None:
        if not url or not token:
            raise ImproperlyConfigured(
                "SMS_BACKEND=http needs SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN"
            )
        self.url = url
        self.timeout = timeout
        self.session = requests.Session()
        # The gateway is reached directly: no proxy or .netrc look-ups from the environment on
        # every request (they cost as much as the request itself at thousands per second).
        self.session.trust_env = False
        self.session.headers["Authorization"] = f"Bearer {token}"

    def send(self, *, message_id: int, to: str, text: str) -> SendResult:
        body = {"id": str(message_id), "to": to, "text": text}
        try:
            response = self.session.post(self.url, json=body, timeout=self.timeout)
        except requests.Timeout:
            return SendResult(Outcome.RETRY, "timeout")
        except requests.ConnectionError as error:
            return SendResult(Outcome.RETRY, f"connection failed: {type(error).__name__}")
        except requests.RequestException as error:
            return SendResult(Outcome.RETRY, f"request failed: {type(error).__name__}")
        status = response.status_code
        if 200 <= status < 300:
            return SendResult(Outcome.SENT)
        # Digits in the gateway's answer may echo a phone number or a code: keep them out.
        error = f"HTTP {status}: " + re.sub(r"\d{4,}", "…", response.text[:200])
        if status in (408, 429) or status >= 500:
            return SendResult(Outcome.RETRY, error)
        return SendResult(Outcome.FAILED, error)

    def close(self) -> None:
        self.session.close()


def backend_get() -> ConsoleBackend | HttpBackend:
    name = settings.SMS_BACKEND
    if name == "console":
        return ConsoleBackend()
    if name == "http":
        return HttpBackend(
            url=settings.SMS_GATEWAY_URL,
            token=settings.SMS_GATEWAY_TOKEN,
            timeout=settings.SMS_GATEWAY_TIMEOUT,
        )
    raise ImproperlyConfigured(f"SMS_BACKEND must be 'console' or 'http', not {name!r}")
