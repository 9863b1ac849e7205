"""Email notifications through an SMTP relay (the standard library's smtplib, in a thread)."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage

from lockgate.monitor.alerts.notification import Delivery, Notification

DEFAULT_SENDER = "lockgate@localhost"


def message(notification: Notification, sender: str, to: Sequence[str]) -> EmailMessage:
    """A plain-text email: the title as subject, the numbers and runbook in the body."""
    n = notification
    mail = EmailMessage()
    mail["Subject"] = n.title
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    lines = [
        n.summary,
        "",
        f"service:  {n.service}",
        f"version:  {n.version or 'all'}",
        f"severity: {n.severity.value}",
        f"value:    {'no data' if n.value is None else f'{n.value:.4g}'}",
        f"at:       {n.at.isoformat()}",
        f"key:      {n.dedup_key}",
    ]
    if n.runbook:
        lines.append(f"runbook:  {n.runbook}")
    lines.extend(f"{key}: {value}" for key, value in sorted(n.details.items()))
    mail.set_content("\n".join(lines) + "\n")
    return mail


class EmailNotifier:
    """Sends each notification as one email to every recipient."""

    def __init__(
        self,
        name: str,
        *,
        host: str,
        port: int,
        to: Sequence[str],
        sender: str = DEFAULT_SENDER,
        timeout: float = 10.0,
        attempts: int = 3,
        backoff: float = 0.2,
    ) -> None:
        self._name = name
        self.host, self.port, self.to, self.sender = host, port, tuple(to), sender
        self._timeout, self._attempts, self._backoff = timeout, attempts, backoff

    @property
    def name(self) -> str:
        """The notifier's name."""
        return self._name

    def _result(self, *, delivered: bool, detail: str, attempts: int) -> Delivery:
        return Delivery(self._name, delivered, detail, attempts)

    def _send(self, mail: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self._timeout) as client:
            client.send_message(mail)

    async def send(self, notification: Notification) -> Delivery:
        """Hand the message to the relay; transient failures (4xx, connection) are retried."""
        mail = message(notification, self.sender, self.to)
        detail = ""
        for attempt in range(1, self._attempts + 1):
            try:
                await asyncio.to_thread(self._send, mail)
            except smtplib.SMTPResponseException as exc:
                detail = f"SMTP {exc.smtp_code}"
                if exc.smtp_code >= 500:
                    return self._result(delivered=False, detail=detail, attempts=attempt)
            except smtplib.SMTPRecipientsRefused as exc:
                return self._result(
                    delivered=False,
                    detail=f"recipients refused: {len(exc.recipients)}",
                    attempts=attempt,
                )
            except (OSError, smtplib.SMTPException) as exc:
                detail = f"{type(exc).__name__}: {exc}"
            else:
                return self._result(delivered=True, detail="SMTP accepted", attempts=attempt)
            if attempt < self._attempts:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
        return self._result(delivered=False, detail=detail, attempts=self._attempts)
