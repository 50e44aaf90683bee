"""The JSON API under /api/v1/: the permission matrix (every role × every endpoint), what
lists and details show, lost-update safety, throttling, and list query counts."""

import json
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import MakeKey
from tests.conftest import Cast, OpenTicket
from tickets import operations as ops
from tickets.models import AuditEvent, ThreadEntry, Ticket

pytestmark = pytest.mark.django_db

ROLES = ["admin", "tier1", "tier1_read_only", "other_department", "create_only", "no_key",
         "inactive"]  # fmt: skip


@pytest.fixture
def key_for(make_key: MakeKey, cast: Cast) -> Callable[[str], str | None]:
    def key_for_(role: str) -> str | None:
        return {
            "admin": lambda: make_key("Admin", agent=cast.admin),
            "tier1": lambda: make_key("Tier 1", agent=cast.tier1),
            "tier1_read_only": lambda: make_key("RO", agent=cast.tier1, can_write=False),
            "other_department": lambda: make_key("Networking", agent=cast.outsider_agent),
            "create_only": lambda: make_key("Monitoring"),
            "no_key": lambda: None,
            "inactive": lambda: make_key("Old", agent=cast.admin, is_active=False),
        }[role]()

    return key_for_


def call(client: Client, key: str | None, method: str, path: str, data: object = None) -> object:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    if method == "get":
        return client.get(path, data or {}, **headers)
    return client.post(path, json.dumps(data), content_type="application/json", **headers)


@pytest.fixture
def desk_ticket(open_ticket: OpenTicket) -> Ticket:
    """A Service Desk ticket: Alex's department, not Nico's."""
    return open_ticket()


def endpoints(ticket: Ticket, cast: Cast) -> dict[str, tuple[str, str, dict | None]]:
    base = f"/api/v1/tickets/{ticket.number}/"
    version = ticket.version
    return {
        "list": ("get", "/api/v1/tickets/", None),
        "detail": ("get", base, None),
        "reply": ("post", base + "reply/", {"body": "We are on it.", "version": version}),
        "note": ("post", base + "notes/", {"body": "Checked the load balancer."}),
        "status": ("post", base + "status/", {"status": "awaiting_customer", "version": version}),
        "priority": ("post", base + "priority/", {"priority": "P1", "version": version}),
        "assignee": ("post", base + "assignee/", {"assignee": cast.tier1.pk, "version": version}),
    }


ENDPOINTS = ["list", "detail", "reply", "note", "status", "priority", "assignee"]
ACTIONS = ENDPOINTS[2:]
EXPECTED = {
    "admin": dict.fromkeys(ENDPOINTS, 200),
    "tier1": dict.fromkeys(ENDPOINTS, 200),
    "tier1_read_only": {"list": 200, "detail": 200} | dict.fromkeys(ACTIONS, 403),
    "other_department": {"list": 200} | dict.fromkeys(["detail", *ACTIONS], 404),
    "create_only": dict.fromkeys(ENDPOINTS, 403),
    "no_key": dict.fromkeys(ENDPOINTS, 401),
    "inactive": dict.fromkeys(ENDPOINTS, 401),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_permission_matrix(
    client: Client,
    key_for: Callable[[str], str | None],
    desk_ticket: Ticket,
    cast: Cast,
    role: str,
    endpoint: str,
) -> None:
    key = key_for(role)
    version_before = Ticket.objects.get(pk=desk_ticket.pk).version
    method, path, data = endpoints(desk_ticket, cast)[endpoint]

    response = call(client, key, method, path, data)

    expected = EXPECTED[role][endpoint]
    assert response.status_code == expected, response.content
    changed = Ticket.objects.get(pk=desk_ticket.pk).version != version_before
    assert changed is (method == "post" and expected == 200)
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("role", "visible"),
    [("admin", {"desk", "outage"}), ("tier1", {"desk"}), ("other_department", set())],
)
def test_the_list_shows_exactly_the_tickets_the_agent_may_see(
    client: Client,
    key_for: Callable[[str], str | None],
    open_ticket: OpenTicket,
    cast: Cast,
    role: str,
    visible: set[str],
) -> None:
    numbers = {"desk": open_ticket().number, "outage": open_ticket(topic=cast.outage).number}
    response = call(client, key_for(role), "get", "/api/v1/tickets/")
    listed = {row["number"] for row in response.json()["results"]}
    assert listed == {numbers[name] for name in visible}


def test_filters_and_search(
    client: Client, key_for: Callable[[str], str | None], open_ticket: OpenTicket, cast: Cast
) -> None:
    key = key_for("admin")
    outage = open_ticket(subject="Mobile banking app unavailable", topic=cast.outage)
    printer = open_ticket(subject="Printer jams on floor 3")
    ops.assign(printer, by=cast.admin, agent=cast.admin)

    def listed(**query: str) -> list[str]:
        response = call(client, key, "get", "/api/v1/tickets/", query)
        assert response.status_code == 200, response.content
        return [row["number"] for row in response.json()["results"]]

    assert listed(priority="P1") == [outage.number]
    assert listed(department=str(cast.service_desk.pk)) == [printer.number]
    assert listed(assignee="me") == [printer.number]
    assert listed(assignee="none") == [outage.number]
    assert listed(assignee=str(cast.admin.pk)) == [printer.number]
    assert listed(q="printer") == [printer.number]
    assert listed(q=outage.number) == [outage.number]
    assert listed(status="closed") == []


@pytest.mark.parametrize(
    "query", [{"status": "lost"}, {"assignee": "someone"}, {"page_size": "0"}, {"sort": "random"}]
)
def test_a_bad_filter_is_400_naming_it(
    client: Client, key_for: Callable[[str], str | None], query: dict[str, str]
) -> None:
    response = call(client, key_for("admin"), "get", "/api/v1/tickets/", query)
    assert response.status_code == 400
    assert set(response.json()) == set(query)


# A search's pages are cut in Python, the others' by the database (`keyset_heads`).
@pytest.mark.parametrize("search", ["", "&q=ticket"])
def test_pages_follow_each_other_without_gaps_or_repeats(
    client: Client, key_for: Callable[[str], str | None], open_ticket: OpenTicket, search: str
) -> None:
    key = key_for("admin")
    numbers = {open_ticket(subject=f"Ticket {n}").number for n in range(5)}
    other = open_ticket(subject="Something else").number
    if not search:
        numbers.add(other)
    seen: list[str] = []
    url = "/api/v1/tickets/?page_size=2" + search
    while url:
        page = call(client, key, "get", url).json()
        seen += [row["number"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(numbers)


def test_the_list_query_count_does_not_grow_with_rows(
    client: Client,
    key_for: Callable[[str], str | None],
    open_ticket: OpenTicket,
    django_assert_num_queries: Callable,
    cast: Cast,
) -> None:
    key = key_for("tier1")
    call(client, key, "get", "/api/v1/tickets/")  # records the key's first use
    counts = []
    for batch in (2, 20):
        for n in range(batch):
            ticket = open_ticket(subject=f"Ticket {n}")
            ops.assign(ticket, by=cast.tier1, agent=cast.tier1)
        # the key, the page's ids, its rows (joined in written order: one SET LOCAL)
        with django_assert_num_queries(4) as captured:
            response = call(client, key, "get", "/api/v1/tickets/?page_size=100")
        counts.append(len(captured))
        assert len(response.json()["results"]) >= batch
    assert counts[0] == counts[1]


def test_the_detail_shows_the_thread_with_notes_marked_internal(
    client: Client, key_for: Callable[[str], str | None], desk_ticket: Ticket, cast: Cast
) -> None:
    ops.add_note(desk_ticket, by=cast.tier1, body="Looks like the load balancer.")
    ops.reply(desk_ticket, by=cast.tier1, body="We are looking into it.")

    detail = call(client, key_for("tier1"), "get", f"/api/v1/tickets/{desk_ticket.number}/")

    thread = detail.json()["thread"]
    assert [(entry["kind"], entry["internal"]) for entry in thread] == [
        ("message", False),
        ("note", True),
        ("reply", False),
    ]
    assert detail.json()["version"] == Ticket.objects.get(pk=desk_ticket.pk).version


def test_the_detail_query_count_does_not_grow_with_the_thread(
    client: Client,
    key_for: Callable[[str], str | None],
    desk_ticket: Ticket,
    cast: Cast,
) -> None:
    key = key_for("tier1")
    url = f"/api/v1/tickets/{desk_ticket.number}/"
    call(client, key, "get", url)  # records the key's first use
    counts = []
    for replies in (1, 15):
        for n in range(replies):
            ops.reply(desk_ticket, by=cast.tier1, body=f"Update {n}")
            ops.add_customer_message(desk_ticket, by=cast.requester, body="Still down.")
        with CaptureQueriesContext(connection) as captured:
            assert call(client, key, "get", url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_stale_version_is_409_and_changes_nothing(
    client: Client, key_for: Callable[[str], str | None], desk_ticket: Ticket, cast: Cast
) -> None:
    read_version = desk_ticket.version
    ops.triage(desk_ticket, by=cast.manager, priority=cast.p2)  # someone else, meanwhile

    response = call(
        client,
        key_for("tier1"),
        "post",
        f"/api/v1/tickets/{desk_ticket.number}/priority/",
        {"priority": "P1", "version": read_version},
    )

    assert response.status_code == 409
    body = response.json()
    assert "changed while you were working on it" in body["detail"]
    assert body["version"] == read_version + 1
    assert Ticket.objects.get(pk=desk_ticket.pk).priority == cast.p2


def test_changes_are_audited_as_the_keys_agent(
    client: Client, key_for: Callable[[str], str | None], desk_ticket: Ticket, cast: Cast
) -> None:
    call(
        client,
        key_for("tier1"),
        "post",
        f"/api/v1/tickets/{desk_ticket.number}/priority/",
        {"priority": "P1", "version": desk_ticket.version},
    )
    event = AuditEvent.objects.get(ticket=desk_ticket, kind=AuditEvent.Kind.PRIORITY_CHANGED)
    assert (event.actor_agent, event.old_value, event.new_value) == (
        cast.tier1,
        "P3 Normal",
        "P1 Emergency",
    )


def test_resolving_needs_the_resolution_and_reopening_follows(
    client: Client, key_for: Callable[[str], str | None], desk_ticket: Ticket
) -> None:
    key = key_for("tier1")
    path = f"/api/v1/tickets/{desk_ticket.number}/status/"
    incomplete = call(client, key, "post", path, {"status": "resolved", "version": 1})
    assert incomplete.status_code == 400
    assert set(incomplete.json()) == {"root_cause", "resolution", "category", "minutes"}

    resolution = {"root_cause": "Expired TLS certificate", "resolution": "Renewed it",
                  "category": "incident", "minutes": 45}  # fmt: skip
    resolved = call(
        client,
        key,
        "post",
        path,
        {"status": "resolved", "version": desk_ticket.version, **resolution},
    )
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["status"] == "resolved"

    reopened = call(
        client, key, "post", path, {"status": "open", "version": resolved.json()["version"]}
    )
    assert reopened.json()["status"] == "open"
    kinds = list(AuditEvent.objects.filter(ticket=desk_ticket).values_list("kind", flat=True))
    assert kinds[-3:] == [
        AuditEvent.Kind.RESOLVED,
        AuditEvent.Kind.TIME_LOGGED,
        AuditEvent.Kind.REOPENED,
    ]


def test_an_action_the_operation_refuses_is_400_with_its_reason(
    client: Client, key_for: Callable[[str], str | None], desk_ticket: Ticket, cast: Cast
) -> None:
    closed = ops.close(desk_ticket, by=cast.tier1, reason="Duplicate")
    response = call(
        client,
        key_for("tier1"),
        "post",
        f"/api/v1/tickets/{desk_ticket.number}/reply/",
        {"body": "Hello?", "version": closed.version},
    )
    assert response.status_code == 400
    assert "is closed; reopen it before replying" in response.json()["detail"]
    assert not ThreadEntry.objects.filter(ticket=desk_ticket, kind="reply").exists()


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "X-API-Key"])
def test_the_key_is_accepted_in_each_header(
    client: Client, make_key: MakeKey, cast: Cast, scheme: str
) -> None:
    key = make_key("Tier 1", agent=cast.tier1)
    header = (
        {"HTTP_X_API_KEY": key}
        if scheme == "X-API-Key"
        else {"HTTP_AUTHORIZATION": f"{scheme} {key}"}
    )
    assert client.get("/api/v1/tickets/", **header).status_code == 200


def test_a_key_from_outside_its_networks_is_401_saying_so(
    client: Client, make_key: MakeKey, cast: Cast
) -> None:
    key = make_key("Office", agent=cast.tier1, allowed_networks="192.0.2.0/24")
    response = call(client, key, "get", "/api/v1/tickets/")
    assert response.status_code == 401
    assert response.json()["detail"] == "This API key may not be used from 127.0.0.1."


def test_past_the_keys_rate_it_is_429_with_retry_after(
    client: Client, make_key: MakeKey, cast: Cast, settings: object
) -> None:
    settings.HELPDESK_API_RATE = "3/m"  # type: ignore[attr-defined]
    key = make_key("Tier 1", agent=cast.tier1)
    statuses = [call(client, key, "get", "/api/v1/tickets/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = call(client, key, "get", "/api/v1/tickets/")
    assert 0 < int(response["Retry-After"]) <= 60


def test_a_body_over_the_limit_is_413_and_changes_nothing(
    client: Client, key_for: Callable[[str], str | None], desk_ticket: Ticket, settings: object
) -> None:
    settings.HELPDESK_API_MAX_BODY_BYTES = 1024  # type: ignore[attr-defined]
    response = call(
        client,
        key_for("tier1"),
        "post",
        f"/api/v1/tickets/{desk_ticket.number}/notes/",
        {"body": "x" * 2000},
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    assert not ThreadEntry.objects.filter(ticket=desk_ticket, kind="note").exists()


def test_malformed_json_is_400(
    client: Client, key_for: Callable[[str], str | None], desk_ticket: Ticket
) -> None:
    response = client.post(
        f"/api/v1/tickets/{desk_ticket.number}/notes/",
        '{"body": ',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key_for('tier1')}",
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
