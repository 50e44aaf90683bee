import pytest

from tickets.errors import InvalidTransition
from tickets.models import Ticket

S = Ticket.Status


@pytest.mark.parametrize(
    ("current", "allowed"),
    [
        (S.OPEN, {S.AWAITING_CUSTOMER, S.RESOLVED, S.CLOSED}),
        (S.AWAITING_CUSTOMER, {S.OPEN, S.RESOLVED, S.CLOSED}),
        (S.RESOLVED, {S.OPEN, S.CLOSED}),
        (S.CLOSED, {S.OPEN}),
    ],
)
def test_which_status_may_follow_which(current: str, allowed: set[str]) -> None:
    ticket = Ticket(number="12345678", status=current)

    assert {status for status in S.values if ticket.can_become(status)} == allowed


def test_a_refused_transition_says_what_and_why() -> None:
    ticket = Ticket(number="12345678", status=S.CLOSED)

    with pytest.raises(InvalidTransition) as refused:
        ticket.require_transition(S.RESOLVED)

    assert str(refused.value) == "Ticket #12345678 is closed; it cannot become resolved."
