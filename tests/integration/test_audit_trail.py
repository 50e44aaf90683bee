"""The audit trail is append-only: in the ORM, and in the database below it."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.deletion import ProtectedError

from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.errors import AuditTrailIsAppendOnly
from tickets.models import AuditEvent, ClockEvent


def test_an_event_cannot_be_changed_through_the_orm(open_ticket: OpenTicket) -> None:
    event = open_ticket().events.get()
    event.note = "rewritten history"

    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(note="rewritten history")

    event.refresh_from_db()
    assert event.note == ""


def test_an_event_cannot_be_deleted_through_the_orm(open_ticket: OpenTicket) -> None:
    event = open_ticket().events.get()

    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("table", ["tickets_auditevent", "tickets_clockevent"])
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {table} SET reason = 'rewritten' WHERE ticket_id = %s",
        "DELETE FROM {table} WHERE ticket_id = %s",
    ],
)
def test_the_database_refuses_raw_sql_that_changes_history(
    open_ticket: OpenTicket, table: str, statement: str
) -> None:
    ticket = open_ticket()  # its plan starts two clocks: clock events exist too
    if table == "tickets_auditevent":
        statement = statement.replace("reason", "note")
    before = AuditEvent.objects.count(), ClockEvent.objects.count()

    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.format(table=table), [ticket.pk])

    assert (AuditEvent.objects.count(), ClockEvent.objects.count()) == before
    assert not AuditEvent.objects.filter(note="rewritten").exists()
    assert not ClockEvent.objects.filter(reason="rewritten").exists()


def test_a_ticket_with_a_trail_cannot_be_deleted(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = open_ticket()

    with pytest.raises(ProtectedError):
        ticket.delete()


def test_new_events_can_still_be_written(cast: Cast, open_ticket: OpenTicket) -> None:
    ticket = ops.claim(open_ticket(), by=cast.tier1)

    assert ticket.events.count() == 2
