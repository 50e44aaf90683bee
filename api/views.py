"""The JSON API for integrations, under /api/v1/: tickets read and changed as the key's agent.

Every ticket is read through `Ticket.objects.visible_to(agent)` (404 for one the agent may
not see, exactly as for one that does not exist) and changed through `tickets.operations`
with the version the client read (409 if the ticket moved on since). The thread includes
internal notes, marked `internal`: the key acts as an agent, and every agent who may see a
ticket sees its notes in the agent panel too.
"""

from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers as drf
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers
from tickets import operations as ops
from tickets.errors import StaleTicket, TicketError
from tickets.models import Agent, ThreadEntry, Ticket, TicketQuerySet
from tickets.queues import SORTS, keyset_page, search

Status = Ticket.Status


def agent_of(request: Request) -> Agent:
    """The key's agent (the permission class has made sure there is one)."""
    return request.auth.agent


def visible_ticket(request: Request, number: str) -> Ticket:
    ticket = Ticket.objects.visible_to(agent_of(request)).filter(number=number).first()
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


class ListQuery(drf.Serializer):
    """The list's filters, search, order and page."""

    status = drf.ChoiceField(choices=Status.choices, required=False)
    priority = drf.CharField(required=False, help_text='A priority code, e.g. "P1".')
    department = drf.IntegerField(required=False, help_text="A department's id.")
    assignee = drf.RegexField(
        r"^(\d+|me|none)$", required=False, help_text='An agent\'s id, "me" or "none".'
    )
    q = drf.CharField(required=False, help_text="Words or a ticket number (as the queue's search).")
    sort = drf.ChoiceField(choices=list(SORTS), default="updated")
    cursor = drf.CharField(
        required=False, allow_blank=True, default="", help_text="From the previous page's next."
    )
    page_size = drf.IntegerField(min_value=1, max_value=100, default=25)


def _filtered(request: Request, query: dict[str, Any]) -> TicketQuerySet:
    """The agent's visible tickets narrowed by the checked `ListQuery`'s filters (the search
    is the caller's: it decides how the page is read)."""
    agent = agent_of(request)
    rows = Ticket.objects.visible_to(agent)
    if "status" in query:
        rows = rows.filter(status=query["status"])
    if "priority" in query:
        rows = rows.filter(priority__code__iexact=query["priority"])
    if "department" in query:
        rows = rows.filter(department_id=query["department"])
    assignee = query.get("assignee")
    if assignee == "me":
        rows = rows.filter(assignee=agent)
    elif assignee == "none":
        rows = rows.filter(assignee=None)
    elif assignee:
        rows = rows.filter(assignee_id=int(assignee))
    return rows


class TicketList(APIView):
    @extend_schema(
        operation_id="tickets_list",
        parameters=[ListQuery],
        responses={200: serializers.TicketPageSerializer},
        description="The tickets the key's agent may see, newest activity first by default; "
        "keyset pages (follow `next`).",
    )
    def get(self, request: Request) -> Response:
        query_serializer = ListQuery(data=request.query_params)
        query_serializer.is_valid(raise_exception=True)
        query = query_serializer.validated_data
        tickets = _filtered(request, query)
        text = query.get("q", "").strip()
        if text:
            tickets = search(tickets, text)
        # A search's matches are few: see keyset_heads.
        page = keyset_page(
            tickets, SORTS[query["sort"]], query["cursor"], query["page_size"], few=bool(text)
        )
        next_url = None
        if page.next_cursor:
            params = {**request.query_params.dict(), "cursor": page.next_cursor}
            next_url = request.build_absolute_uri(f"{request.path}?{urlencode(params)}")
        rows = serializers.TicketSerializer(page.rows, many=True).data
        return Response({"results": rows, "next": next_url})


class TicketDetail(APIView):
    @extend_schema(
        operation_id="tickets_retrieve",
        responses={
            200: serializers.TicketDetailSerializer,
            404: OpenApiResponse(description="Not visible"),
        },
    )
    def get(self, request: Request, number: str) -> Response:
        entries = ThreadEntry.objects.order_by("created_at", "pk").prefetch_related("attachments")
        ticket = (
            Ticket.objects.visible_to(agent_of(request))
            .prefetch_related(Prefetch("entries", queryset=entries))
            .filter(number=number)
            .first()
        )
        if ticket is None:
            raise Http404("No such ticket.")
        return Response(serializers.TicketDetailSerializer(ticket).data)


ERRORS = {
    400: OpenApiResponse(description="Invalid input, or the operation refused it"),
    404: OpenApiResponse(description="No such ticket, or not visible to the key's agent"),
    409: OpenApiResponse(description="The ticket changed since `version`; nothing was saved"),
}


class TicketAction(APIView):
    """POST one action on one ticket: check the input, call the operation, return the ticket."""

    input_serializer: ClassVar[type[drf.Serializer]]

    def perform(self, ticket: Ticket, data: dict[str, Any], agent: Agent) -> object:
        raise NotImplementedError

    def post(self, request: Request, number: str) -> Response:
        ticket = visible_ticket(request, number)
        given = self.input_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            self.perform(ticket, given.validated_data, agent_of(request))
        except StaleTicket as stale:
            body = {"detail": str(stale), "version": stale.current, "changes": stale.changes}
            return Response(body, status=http.HTTP_409_CONFLICT)
        except TicketError as refused:
            return Response({"detail": str(refused)}, status=http.HTTP_400_BAD_REQUEST)
        fresh = Ticket.objects.visible_to(agent_of(request)).filter(number=number).first()
        if fresh is None:  # e.g. assigned away from the key's department: out of its sight now
            return Response(status=http.HTTP_204_NO_CONTENT)
        return Response(serializers.TicketSerializer(fresh).data)


def documented(
    summary: str, more_responses: dict[int, OpenApiResponse] | None = None
) -> Callable[[type], type]:
    """Describe a `TicketAction`'s POST in the schema: its input, the ticket back, errors."""

    def describe(view: type[TicketAction]) -> type[TicketAction]:
        schema = extend_schema(
            request=view.input_serializer,
            responses={200: serializers.TicketSerializer, **ERRORS, **(more_responses or {})},
            summary=summary,
        )
        return extend_schema_view(post=schema)(view)

    return describe


@documented("Reply to the requester")
class Reply(TicketAction):
    input_serializer = serializers.ReplySerializer

    def perform(self, ticket: Ticket, data: dict[str, Any], agent: Agent) -> object:
        return ops.reply(
            ticket,
            by=agent,
            body=data["body"],
            body_format=data["body_format"],
            status=data.get("status"),
            expected_version=data["version"],
        )


@documented("Add an internal note")
class Note(TicketAction):
    input_serializer = serializers.NoteSerializer

    def perform(self, ticket: Ticket, data: dict[str, Any], agent: Agent) -> object:
        # A note appends and overwrites nothing, so like the agent panel it needs no version.
        return ops.add_note(ticket, by=agent, body=data["body"], body_format=data["body_format"])


@documented("Change the status")
class ChangeStatus(TicketAction):
    input_serializer = serializers.StatusSerializer

    def perform(self, ticket: Ticket, data: dict[str, Any], agent: Agent) -> object:
        status, version = data["status"], data["version"]
        if status == Status.RESOLVED:
            fields = serializers.StatusSerializer.RESOLUTION_FIELDS
            return ops.resolve_with_time(
                ticket, by=agent, expected_version=version, **{name: data[name] for name in fields}
            )
        if status == Status.CLOSED:
            return ops.close(
                ticket, by=agent, reason=data.get("reason", ""), expected_version=version
            )
        if status == Status.OPEN and not ticket.is_active:
            return ops.reopen(
                ticket, by=agent, reason=data.get("reason", ""), expected_version=version
            )
        return ops.set_status(ticket, by=agent, status=status, expected_version=version)


@documented("Change the priority")
class ChangePriority(TicketAction):
    input_serializer = serializers.PrioritySerializer

    def perform(self, ticket: Ticket, data: dict[str, Any], agent: Agent) -> object:
        return ops.triage(
            ticket, by=agent, priority=data["priority"], expected_version=data["version"]
        )


@documented(
    "Assign to an agent, or release",
    {204: OpenApiResponse(description="Assigned away: the key's agent no longer sees it")},
)
class ChangeAssignee(TicketAction):
    input_serializer = serializers.AssigneeSerializer

    def perform(self, ticket: Ticket, data: dict[str, Any], agent: Agent) -> object:
        return ops.assign(
            ticket, by=agent, agent=data["assignee"], expected_version=data["version"]
        )
