"""The ticket page and every action on it: form → operation → message → redirect."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agents import forms
from agents.access import agent_required, attachment_for_agent_or_404, ticket_for_agent_or_404
from helpdesk.uploads import download
from tickets import clocks
from tickets import operations as ops
from tickets.errors import StaleTicket, TicketError
from tickets.models import Agent, AuditEvent, CannedResponse, ClockEvent, ThreadEntry, Ticket
from tickets.queues import time_spent

Kind = AuditEvent.Kind
# These events are the thread entries themselves; the timeline shows the entry instead.
THREAD_KINDS = [Kind.MESSAGE_ADDED, Kind.REPLIED, Kind.NOTE_ADDED]
OTHER_TICKETS = 5


# ---------------------------------------------------------------------------------------------
# Actions: each is a form and the operation it calls.


Perform = Callable[[Ticket, dict[str, Any], Agent], object]


def _call(operation: Callable[..., object], *fields: str, versioned: bool = True) -> Perform:
    """Call `operation` with the form's fields of the same names, as the signed-in agent,
    from the version the form was drawn at (appending actions need none: they overwrite
    nothing)."""

    def perform(ticket: Ticket, data: dict[str, Any], agent: Agent) -> object:
        arguments = {name: data[name] for name in fields}
        if versioned:
            arguments["expected_version"] = data["version"]
        return operation(ticket, by=agent, **arguments)

    return perform


def _escalate(ticket: Ticket, data: dict[str, Any], agent: Agent) -> object:
    handoff = ops.Handoff(**{name: data[name] for name in forms.HANDOFF_FIELDS})
    escalate = _call(ops.escalate, "handoff", "department", "agent", "team")
    return escalate(ticket, {**data, "handoff": handoff}, agent)


def _reply(ticket: Ticket, data: dict[str, Any], agent: Agent) -> None:
    """Answer the requester; "Resolve it" resolves in the same transaction."""
    resolving = data.get("status") == Ticket.Status.RESOLVED
    with transaction.atomic():
        ops.reply(
            ticket,
            by=agent,
            body=data["body"],
            attachments=data["attachments"],
            status=None if resolving else data.get("status"),
            expected_version=data["version"],
        )
        if resolving:
            # The reply holds the row lock until commit: nobody can slip in between.
            _call(
                ops.resolve_with_time, *forms.ResolutionFields.RESOLUTION_FIELDS, versioned=False
            )(ticket, data, agent)


@dataclass(frozen=True)
class Action:
    form: type[forms.TicketForm]
    perform: Perform
    done: str


ACTIONS: dict[str, Action] = {
    "reply": Action(forms.ReplyForm, _reply, "Reply sent."),
    "note": Action(
        forms.NoteForm,
        _call(ops.add_note, "body", "attachments", versioned=False),
        "Internal note added.",
    ),
    "triage": Action(
        forms.TriageForm,
        _call(ops.triage, "priority", "sla_plan", "topic"),
        "Triage saved; due times follow the priority and SLA plan.",
    ),
    "assign": Action(forms.AssignForm, _call(ops.assign, "agent"), "Assignment saved."),
    "team": Action(forms.TeamForm, _call(ops.assign_team, "team"), "Team saved."),
    "claim": Action(forms.ClaimForm, _call(ops.claim), "The ticket is yours."),
    "transfer": Action(
        forms.TransferForm, _call(ops.transfer, "department", "reason"), "Ticket transferred."
    ),
    "escalate": Action(forms.EscalateForm, _escalate, "Escalated with the hand-off note."),
    "resolve": Action(
        forms.ResolveForm,
        _call(ops.resolve_with_time, *forms.ResolutionFields.RESOLUTION_FIELDS),
        "Ticket resolved.",
    ),
    "close": Action(forms.CloseForm, _call(ops.close, "reason"), "Ticket closed."),
    "reopen": Action(forms.ReopenForm, _call(ops.reopen, "reason"), "Ticket reopened."),
    "copy": Action(
        forms.CollaboratorForm,
        _call(ops.add_collaborator, "email", "name", versioned=False),
        "Collaborator added: they will be copied on replies.",
    ),
    "uncopy": Action(
        forms.UncopyForm,
        _call(ops.remove_collaborator, "email", versioned=False),
        "Collaborator removed.",
    ),
    "time": Action(
        forms.TimeForm,
        _call(ops.log_time, "minutes", "note", "worked_on", versioned=False),
        "Time logged.",
    ),
}


@require_POST
@agent_required
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Run one action; on a refusal show the page again with the form as typed and why."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    agent: Agent = request.agent  # type: ignore[attr-defined]
    ticket = ticket_for_agent_or_404(agent, number)
    spec = ACTIONS[action]
    form = spec.form(request.POST, request.FILES, ticket=ticket, agent=agent, prefix=action)
    if not form.is_valid():
        return render_ticket(request, ticket, bound={action: form}, status=400)
    try:
        spec.perform(ticket, form.cleaned_data, agent)
    except TicketError as error:
        form.add_error(None, str(error))
        if isinstance(error, StaleTicket):
            form.refresh_version(error.current)
        if request.FILES:
            form.add_error(None, "Attach your files again: browsers do not keep them.")
        ticket = ticket_for_agent_or_404(agent, number)  # show what changed meanwhile
        return render_ticket(request, ticket, bound={action: form}, refusal=str(error), status=409)
    messages.success(request, spec.done)
    return after_change(request, agent, ticket)


def after_change(request: HttpRequest, agent: Agent, ticket: Ticket) -> HttpResponse:
    """Back to the ticket, or to the queue if the change took it out of the agent's sight."""
    if Ticket.objects.visible_to(agent).filter(pk=ticket.pk).exists():
        return redirect("agents:ticket", number=ticket.number)
    messages.info(
        request,
        f"Ticket #{ticket.number} has moved out of your departments; it is no longer in your "
        "queues.",
    )
    return redirect("agents:queue")


# ---------------------------------------------------------------------------------------------
# The page


@require_safe
@agent_required
def ticket_page(request: HttpRequest, number: str) -> HttpResponse:
    """Header, requester card, timeline and the action forms of one ticket."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    return render_ticket(request, ticket_for_agent_or_404(agent, number))


def render_ticket(
    request: HttpRequest,
    ticket: Ticket,
    *,
    bound: dict[str, Form] | None = None,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    bound = bound or {}
    canned = forms.CannedChoiceForm(request.GET or None, department=ticket.department)
    action_forms = {
        name: bound.get(name) or _fresh_form(name, ticket, agent, canned) for name in ACTIONS
    }
    context = {
        "ticket": ticket,
        "agent": agent,
        "timeline": timeline(ticket),
        "clock_events": clocks.timeline(ticket),
        # Listed by number, subject and status only: none of the rows a queue row joins.
        "other_tickets": Ticket.objects.visible_to(agent)
        .filter(requester=ticket.requester_id)
        .exclude(pk=ticket.pk)
        .select_related(None)
        .only("number", "subject", "status")
        .order_by("-created_at")[:OTHER_TICKETS],
        "time_entries": ticket.time_entries.select_related("agent__user"),
        "collaborators": ticket.collaborators.all(),
        "time_total": time_spent(ticket),
        "canned_form": canned,
        "canned_responses": [
            (response, response.render(ticket, agent))
            for response in CannedResponse.objects.for_department(ticket.department)
        ],
        "forms": action_forms,
        "open_action": next(iter(bound), ""),
        "refusal": refusal,
    }
    return render(request, "agents/ticket.html", context, status=status)


@require_safe
@agent_required
def sla_explained(request: HttpRequest, number: str) -> HttpResponse:
    """Explain this due time: the calendar reasoning behind each clock, and the SLA timeline."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    ticket = ticket_for_agent_or_404(agent, number)
    explanations = [
        {"label": label, **vars(explanation)}
        for clock, label in ClockEvent.Clock.choices
        if (explanation := clocks.explain_due(ticket, clock)) is not None
    ]
    context = {
        "ticket": ticket,
        "explanations": explanations,
        "clock_events": clocks.timeline(ticket),
    }
    return render(request, "agents/ticket_sla.html", context)


def _fresh_form(
    name: str, ticket: Ticket, agent: Agent, canned: forms.CannedChoiceForm
) -> forms.TicketForm:
    # Prefixed by the action: one page holds several forms with the same field names.
    form = ACTIONS[name].form(ticket=ticket, agent=agent, prefix=name)
    if name == "reply" and canned.is_bound and canned.is_valid():
        form.initial["body"] = canned.cleaned_data["canned"].render(ticket, agent)
    return form


@dataclass(frozen=True)
class TimelineItem:
    """A thread entry or an audit event, in the one order they happened."""

    entry: ThreadEntry | None = None
    event: AuditEvent | None = None

    @property
    def created_at(self) -> Any:
        return (self.entry or self.event).created_at  # type: ignore[union-attr]


def timeline(ticket: Ticket) -> list[TimelineItem]:
    """Messages, replies, notes and audit events interleaved; three queries however long."""
    entries = [TimelineItem(entry=e) for e in ticket.entries.prefetch_related("attachments")]
    events = [TimelineItem(event=e) for e in ticket.events.exclude(kind__in=THREAD_KINDS)]
    # An entry and the events of the same operation share a moment; the entry comes first.
    return sorted([*entries, *events], key=lambda item: (item.created_at, item.entry is None))


# ---------------------------------------------------------------------------------------------
# Files and new tickets


@require_safe
@agent_required
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A file of a ticket the agent may see, always as a download of its stored type."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    stored = attachment_for_agent_or_404(agent, attachment_id)
    return download(stored)


@require_http_methods(["GET", "HEAD", "POST"])
@agent_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    """Open a ticket for someone on the phone or at the desk."""
    agent: Agent = request.agent  # type: ignore[attr-defined]
    form = forms.CallerTicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = ops.open_ticket_for_caller(by=agent, **form.cleaned_data)
        except TicketError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Ticket #{ticket.number} opened for {ticket.requester}.")
            return after_change(request, agent, ticket)
    status = 400 if form.is_bound else 200
    return render(request, "agents/new_ticket.html", {"form": form}, status=status)
