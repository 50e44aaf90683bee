import pytest

from tests.conftest import Cast
from tickets import operations as ops
from tickets.errors import TicketError
from tickets.models import AuditEvent, Contact, Ticket


def call(cast: Cast, **overrides: object) -> Ticket:
    arguments: dict[str, object] = {
        "by": cast.tier1,
        "email": "Lee.Wong@Northbank.test",
        "name": "Lee Wong",
        "phone": "+1 555 0199",
        "subject": "Locked out after replacing my phone",
        "body": "Cannot approve sign-in requests on the new phone.",
        "topic": cast.password,
        "source": Ticket.Source.PHONE,
        "identity_verified": True,
    }
    arguments.update(overrides)
    return ops.open_ticket_for_caller(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(("verified", "word"), [(True, "verified"), (False, "not verified")])
def test_the_identity_check_is_recorded_in_the_audit_trail(
    cast: Cast, verified: bool, word: str
) -> None:
    ticket = call(cast, identity_verified=verified)

    event = ticket.events.get(kind=AuditEvent.Kind.CALLER_IDENTITY)
    assert (event.actor_agent, event.new_value, event.is_public) == (cast.tier1, word, False)
    assert event.note == f"Phone contact; the caller's identity was {word}."


def test_the_caller_becomes_the_requester_and_the_agent_opened_it(cast: Cast) -> None:
    ticket = call(cast, source=Ticket.Source.WALK_IN)

    assert ticket.requester == Contact.objects.get(email="lee.wong@northbank.test")
    assert ticket.source == Ticket.Source.WALK_IN
    assert ticket.events.get(kind=AuditEvent.Kind.CREATED).actor_agent == cast.tier1
    # Routed by its topic like every other channel: auto-assigned to Alex.
    assert ticket.assignee == cast.tier1


def test_an_existing_caller_keeps_their_contact(cast: Cast) -> None:
    ticket = call(cast, email="JORDAN.BLAKE@northbank.test", name="J. Blake")

    assert ticket.requester == cast.requester
    assert ticket.requester.name == "Jordan Blake"


def test_only_phone_and_walk_in_are_caller_sources(cast: Cast) -> None:
    with pytest.raises(TicketError, match="by phone or as a walk-in"):
        call(cast, source=Ticket.Source.WEB)

    assert not Ticket.objects.exists()
