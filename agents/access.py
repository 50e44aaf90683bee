"""Who may use the agent panel and which tickets they may see: one decorator, one helper.

Every view goes through `agent_required`; every view about one ticket (or its files) goes
through `ticket_for_agent_or_404`, which answers 404 for a ticket the agent may not see,
exactly as for one that does not exist, so ticket numbers cannot be probed.
"""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from tickets.models import Agent, Attachment, Ticket

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]

NOT_AN_AGENT = (
    "This area is for help desk staff. Customers can follow their requests in the portal."
)


def agent_of(request: HttpRequest) -> Agent | None:
    """The signed-in user's active agent record, if they have one."""
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return None
    # Read with the user by the sign-in backend (agents.backends); a missing one is None.
    return getattr(user, "agent", None)


def agent_required(view: View[P]) -> View[P]:
    """Let only active agents in: anonymous visitors go to the agents' sign-in page,
    signed-in non-agents get a 403 page that says where they belong. Sets `request.agent`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("agents:login"))
        agent = agent_of(request)
        if agent is None:
            context = {"message": NOT_AN_AGENT}
            return render(request, "agents/not_an_agent.html", context, status=403)
        request.agent = agent  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def ticket_for_agent_or_404(agent: Agent, number: str) -> Ticket:
    """The ticket with this number if `agent` may see it; 404 otherwise."""
    found = Ticket.objects.visible_to(agent).filter(number=number).fetch()
    if not found:
        raise Http404("No such ticket.")
    return found[0]


def attachment_for_agent_or_404(agent: Agent, attachment_id: int) -> Attachment:
    """A file of a ticket `agent` may see; 404 otherwise."""
    visible = Ticket.objects.visible_to(agent).values("pk")
    attachment = (
        Attachment.objects.filter(pk=attachment_id, entry__ticket__in=visible)
        .select_related("entry__ticket")
        .first()
    )
    if attachment is None:
        raise Http404("No such file.")
    return attachment
