"""Hand-off tickets: conversations passed to a human channel, and their delivery state."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from lockgate.store.db import Store
from lockgate.store.tables import Handoff


@dataclass(frozen=True, slots=True)
class Ticket:
    """What a hand-off records: a reference to the conversation, never its content."""

    id: str
    created_at: dt.datetime
    service: str
    version: str | None
    trigger: str
    conversation: str
    request_id: str
    key_id: str | None
    status: str
    delivery: str
    delivery_detail: str

    def as_dict(self) -> dict[str, object]:
        """JSON body posted to the hand-off webhook and shown by the CLI."""
        return {
            "ticket": self.id,
            "created_at": self.created_at.isoformat(),
            "service": self.service,
            "version": self.version,
            "trigger": self.trigger,
            "conversation": self.conversation,
            "request_id": self.request_id,
            "status": self.status,
        }


def _ticket(row: Handoff) -> Ticket:
    return Ticket(
        id=row.id,
        created_at=row.created_at,
        service=row.service,
        version=row.version,
        trigger=row.trigger,
        conversation=row.conversation,
        request_id=row.request_id,
        key_id=row.key_id,
        status=row.status,
        delivery=row.delivery,
        delivery_detail=row.delivery_detail,
    )


def open_ticket(
    store: Store,
    *,
    service: str,
    version: str | None,
    trigger: str,
    conversation: str,
    request_id: str,
    key_id: str | None,
) -> Ticket:
    """Record a new open ticket."""
    row = Handoff(
        id="HO-" + secrets.token_hex(4).upper(),
        created_at=dt.datetime.now(dt.UTC),
        service=service,
        version=version,
        trigger=trigger,
        conversation=conversation[:200],
        request_id=request_id,
        key_id=key_id,
        status="open",
        delivery="pending",
        delivery_detail="",
    )
    with store.transaction() as session:
        session.add(row)
    return _ticket(row)


def mark_delivery(store: Store, ticket_id: str, *, delivered: bool, detail: str) -> None:
    """Record whether the webhook accepted the ticket."""
    with store.transaction() as session:
        row = session.get(Handoff, ticket_id)
        if row is not None:
            row.delivery = "delivered" if delivered else "failed"
            row.delivery_detail = detail[:500]


def list_tickets(store: Store, *, limit: int = 50, service: str | None = None) -> list[Ticket]:
    """Newest tickets first."""
    query = select(Handoff).order_by(Handoff.created_at.desc()).limit(limit)
    if service:
        query = query.where(Handoff.service == service)
    with store.transaction() as session:
        return [_ticket(row) for row in session.scalars(query)]
