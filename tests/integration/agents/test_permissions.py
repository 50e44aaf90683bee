"""The permission matrix: every agent URL × every role → the expected answer.

Admins see everything; the Service Desk's manager and Tier 1 agent see the Service Desk's
ticket; an agent of another department gets a 404 for it, exactly as for a ticket that does
not exist; a signed-in customer gets the staff-only page; anonymous visitors are sent to sign in.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from agents.views_ticket import ACTIONS
from tests.conftest import Cast, OpenTicket
from tests.integration.agents.conftest import ROLES, SignIn, upload
from tickets import operations as ops
from tickets.models import Ticket

# What a page any agent may open answers, per role.
ANY_AGENT = {
    "admin": 200,
    "manager": 200,
    "tier1": 200,
    "other_department": 200,
    "customer": 403,
    "anonymous": 302,
}
# What a page about the Service Desk's ticket answers.
DESK_TICKET = {**ANY_AGENT, "other_department": 404}
# An action posted empty: the form is refused (400) only after the access checks passed.
DESK_ACTION = {**DESK_TICKET, "admin": 400, "manager": 400, "tier1": 400}


@dataclass(frozen=True)
class Fixtures:
    ticket: Ticket
    attachment_id: int


@pytest.fixture
def world(cast: Cast, open_ticket: OpenTicket) -> Fixtures:
    ticket = open_ticket()
    note = ops.add_note(ticket, by=cast.tier1, body="Log attached.", attachments=[upload()])
    return Fixtures(ticket=ticket, attachment_id=note.attachments.get().pk)


PAGES = [
    ("agents:login", {}, dict.fromkeys(ROLES, 200)),
    ("agents:queue", {}, ANY_AGENT),
    ("agents:profile", {}, ANY_AGENT),
    ("agents:password", {}, ANY_AGENT),
    ("agents:new_ticket", {}, ANY_AGENT),
    ("agents:ticket", {"number": None}, DESK_TICKET),
    ("agents:ticket_sla", {"number": None}, DESK_TICKET),
    ("agents:attachment", {"attachment_id": None}, DESK_TICKET),
]


def _url(name: str, kwargs: dict[str, object], world: Fixtures) -> str:
    values = {"number": world.ticket.number, "attachment_id": world.attachment_id}
    return reverse(name, kwargs={key: values[key] for key in kwargs})


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "kwargs", "expected"), PAGES, ids=[page[0] for page in PAGES])
def test_pages_answer_each_role_as_expected(
    sign_in: SignIn,
    world: Fixtures,
    role: str,
    name: str,
    kwargs: dict[str, object],
    expected: dict[str, int],
) -> None:
    response = sign_in(role).get(_url(name, kwargs, world))

    assert response.status_code == expected[role]
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("agents:login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_checks_access_before_reading_the_form(
    sign_in: SignIn, world: Fixtures, role: str, action: str
) -> None:
    url = reverse("agents:act", args=[world.ticket.number, action])
    before = Ticket.objects.get(pk=world.ticket.pk).version

    response = sign_in(role).post(url, {})

    assert response.status_code == DESK_ACTION[role]
    assert Ticket.objects.get(pk=world.ticket.pk).version == before


@pytest.mark.parametrize("role", ROLES)
def test_bulk_actions_answer_404_for_a_ticket_the_agent_may_not_see(
    cast: Cast, sign_in: SignIn, world: Fixtures, role: str
) -> None:
    ticket = Ticket.objects.get(pk=world.ticket.pk)
    expected = {**DESK_TICKET, "admin": 302, "manager": 302, "tier1": 302}

    response = sign_in(role).post(
        reverse("agents:bulk"),
        {"action": "priority", "priority": cast.p1.pk, "tickets": f"{ticket.pk}:{ticket.version}"},
    )

    assert response.status_code == expected[role]
    changed = Ticket.objects.get(pk=ticket.pk).priority == cast.p1
    assert changed == (role in ("admin", "manager", "tier1"))


def test_an_unknown_ticket_number_is_a_404_like_a_forbidden_one(sign_in: SignIn) -> None:
    client = sign_in("admin")

    assert client.get(reverse("agents:ticket", args=["99999999"])).status_code == 404
    assert client.post(reverse("agents:act", args=["99999999", "note"]), {}).status_code == 404
    assert client.get(reverse("agents:attachment", args=[999999])).status_code == 404


@pytest.mark.parametrize("path", ["{}/", "{}/sla/", "{}/note/"])
def test_a_ticket_number_that_is_not_digits_is_a_404(
    sign_in: SignIn, world: Fixtures, path: str
) -> None:
    client = sign_in("admin")
    tickets = reverse("agents:queue") + "tickets/"

    assert client.get(tickets + path.format(world.ticket.number)).status_code != 404
    assert client.get(tickets + path.format(f"{world.ticket.number}x")).status_code == 404


def test_an_unknown_action_is_a_404(sign_in: SignIn, world: Fixtures) -> None:
    url = reverse("agents:act", args=[world.ticket.number, "delete"])

    assert sign_in("admin").post(url, {}).status_code == 404


@pytest.mark.parametrize("action", list(ACTIONS))
def test_actions_never_change_anything_on_get(
    sign_in: SignIn, world: Fixtures, action: str
) -> None:
    url = reverse("agents:act", args=[world.ticket.number, action])

    assert sign_in("admin").get(url).status_code == 405


def test_bulk_and_sign_out_refuse_get(sign_in: SignIn) -> None:
    client = sign_in("tier1")

    assert client.get(reverse("agents:bulk")).status_code == 405
    assert client.get(reverse("agents:logout")).status_code == 405


def test_the_staff_only_page_tells_a_customer_where_to_go(sign_in: SignIn) -> None:
    response = sign_in("customer").get(reverse("agents:queue"))

    assert "This area is for help desk staff" in response.content.decode()
