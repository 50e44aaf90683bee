"""What the benchmark measures on: the same search in every run on one desk."""

from bench import data
from tests.conftest import Cast, OpenTicket
from tickets.models import Contact


def test_the_search_comes_from_generated_tickets_not_the_portal_loads_own(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    generated = Contact.objects.create(name="Kim Lee", email="kim@acme.generated.example")
    open_ticket(subject="Second monitor flickers", requester=generated, by=generated)
    open_ticket(subject="VPN drops every few minutes b1")  # as the portal's load opens them

    assert data.search_text(cast.tier1) == "Second monitor"


def test_without_generated_tickets_the_search_comes_from_the_newest(
    cast: Cast, open_ticket: OpenTicket
) -> None:
    open_ticket(subject="Printer jams on floor 2")

    assert data.search_text(cast.tier1) == "Printer jams"
