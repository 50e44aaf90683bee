"""A NUL character in the address is a 400 everywhere: PostgreSQL refuses text holding one,
so a filter or look-up passing it along was a server error."""

import pytest
from django.test import Client

from tests.conftest import Cast, OpenTicket


@pytest.mark.parametrize(
    ("address", "nul"),
    [
        ("/admin/tickets/ticket/?status=open", "%00"),  # Django admin's own list filters
        ("/admin/mail/inboundmessage/?reason_code__exact=a", "%00"),
        ("/agents/?q=printer", "%00"),
        ("/tickets/new/?topic=1", "%00"),
        ("/agents/tickets/{number}/", "%00/"),
        ("/tickets/{number}/reply/", "%00/"),
    ],
)
def test_a_nul_character_in_the_address_is_a_bad_request(
    cast: Cast, open_ticket: OpenTicket, address: str, nul: str
) -> None:
    cast.admin.user.is_staff = True
    cast.admin.user.save()
    client = Client()
    client.force_login(cast.admin.user)
    address = address.format(number=open_ticket().number)

    assert client.get(address).status_code in (200, 405)
    response = client.get(address.removesuffix("/") + nul)

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
