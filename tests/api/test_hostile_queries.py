"""The list's cursor and the ticket addresses, tampered with: the first page or a 404,
never a server error."""

import pytest
from django.test import Client

from tests.api.conftest import MakeKey
from tests.conftest import Cast, OpenTicket
from tickets.queues import encode_cursor

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(make_key: MakeKey, cast: Cast) -> str:
    return make_key("Admin", agent=cast.admin)


def get(client: Client, key: str, path: str, query: dict[str, str] | None = None) -> object:
    return client.get(path, query or {}, HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.mark.parametrize(
    "query",
    [
        {"cursor": encode_cursor("x", 1)},
        {"sort": "priority", "cursor": encode_cursor("abc", 5)},
        {"sort": "number", "cursor": encode_cursor("1\x002", 5)},
    ],
)
def test_a_tampered_cursor_starts_again_at_the_first_page(
    client: Client, key: str, open_ticket: OpenTicket, query: dict[str, str]
) -> None:
    ticket = open_ticket()

    response = get(client, key, "/api/v1/tickets/", query)

    assert response.status_code == 200
    assert [row["number"] for row in response.json()["results"]] == [ticket.number]


@pytest.mark.parametrize("suffix", ["", "reply/", "notes/", "status/"])
def test_a_number_that_is_not_digits_is_404(
    client: Client, key: str, open_ticket: OpenTicket, suffix: str
) -> None:
    number = open_ticket().number

    assert get(client, key, f"/api/v1/tickets/{number}/{suffix}").status_code != 404
    assert get(client, key, f"/api/v1/tickets/{number}x/{suffix}").status_code == 404
