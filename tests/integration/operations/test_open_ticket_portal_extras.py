"""open_ticket's topic answers and idempotency key; revoking access links."""

import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django import Settings

from tests.conftest import Cast, OpenTicket, race
from tickets import fields
from tickets import operations as ops
from tickets.errors import TicketError
from tickets.models import AuditEvent, HelpTopicField, Ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def asset_tag(cast: Cast) -> HelpTopicField:
    return HelpTopicField.objects.create(
        topic=cast.general, label="Asset tag", kind=HelpTopicField.Kind.TEXT, required=True
    )


def test_checked_answers_are_stored_in_the_same_transaction(
    cast: Cast, open_ticket: OpenTicket, asset_tag: HelpTopicField
) -> None:
    values = fields.check_answers([asset_tag], {asset_tag.key: "  WS-2231 "})

    ticket = open_ticket(field_values=values)

    (stored,) = ticket.field_values.all()
    assert (stored.field, stored.label, stored.value) == (asset_tag, "Asset tag", "WS-2231")


def test_a_file_answer_becomes_an_attachment_of_the_first_message(
    cast: Cast, open_ticket: OpenTicket, settings: Settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    photo = HelpTopicField.objects.create(
        topic=cast.general, label="Photo", kind=HelpTopicField.Kind.FILE
    )
    upload = SimpleUploadedFile("C:\\photos\\label.png", PNG)
    values = fields.check_answers([photo], {photo.key: upload})

    ticket = open_ticket(field_values=values)

    stored = ticket.field_values.get()
    assert stored.value == "label.png"
    assert stored.attachment.entry == ticket.entries.get()


def test_an_answer_to_another_topics_question_is_refused(
    cast: Cast, open_ticket: OpenTicket, asset_tag: HelpTopicField
) -> None:
    values = fields.check_answers([asset_tag], {asset_tag.key: "WS-1"})

    with pytest.raises(TicketError, match="another help topic"):
        open_ticket(topic=cast.outage, field_values=values)

    assert not Ticket.objects.exists()


def test_the_same_key_returns_the_ticket_opened_first(open_ticket: OpenTicket) -> None:
    first = open_ticket(idempotency_key="retry-1")

    second = open_ticket(idempotency_key="retry-1", subject="Changed my mind")

    assert second.pk == first.pk
    assert Ticket.objects.count() == 1
    assert second.events.filter(kind=AuditEvent.Kind.CREATED).count() == 1


def test_another_requesters_key_does_not_reveal_their_ticket(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    open_ticket(idempotency_key="retry-2")

    with pytest.raises(TicketError, match="already used"):
        open_ticket(idempotency_key="retry-2", requester=cast.outsider, by=cast.outsider)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_with_one_key_open_one_ticket(
    cast: Cast, open_ticket: OpenTicket, monkeypatch: pytest.MonkeyPatch
) -> None:
    insert = ops._insert_with_new_number

    def slow_insert(ticket: Ticket) -> bool:
        # Both requests pass the "already opened?" look-up before either has committed.
        time.sleep(0.2)
        inserted = insert(ticket)
        time.sleep(0.3)  # hold the transaction open while the twin arrives at the index
        return inserted

    monkeypatch.setattr(ops, "_insert_with_new_number", slow_insert)
    errors: list[BaseException] = []

    def submit() -> int | None:
        try:
            return open_ticket(idempotency_key="double-click").pk
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
            return None

    opened = race(submit, submit, timeout=30)

    assert errors == []
    assert Ticket.objects.count() == 1
    assert opened == [Ticket.objects.get().pk] * 2


def test_revoking_access_links_bumps_the_generation_and_is_audited(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket()

    revoked = ops.revoke_access_links(ticket, by=cast.tier1, reason="Forwarded by mistake.")

    assert revoked.access_generation == ticket.access_generation + 1
    assert revoked.version == ticket.version + 1
    event = revoked.events.get(kind=AuditEvent.Kind.ACCESS_REVOKED)
    assert (event.actor_agent, event.note, event.is_public) == (
        cast.tier1,
        "Forwarded by mistake.",
        False,
    )
