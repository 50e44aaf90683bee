"""Signing in and out, and the agent's own profile."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST, require_safe

from agents.access import agent_required
from agents.forms import AgentAuthenticationForm, AlertPreferencesForm
from tickets import operations
from tickets.errors import TicketError
from tickets.models import Ticket
from tickets.queues import capped_count


class LoginView(auth_views.LoginView):
    """The agents' own sign-in page: customers and deactivated accounts are told why not."""

    template_name = "agents/login.html"
    authentication_form = AgentAuthenticationForm
    next_page = "agents:queue"


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only) and land on the agents' sign-in page."""

    next_page = "agents:login"


@method_decorator(agent_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "agents/password_change.html"
    success_url = reverse_lazy("agents:profile")

    def form_valid(self, form: object) -> HttpResponse:
        messages.success(self.request, "Your password was changed.")
        return super().form_valid(form)  # type: ignore[arg-type]


@require_safe
@agent_required
def profile(request: HttpRequest) -> HttpResponse:
    """Who I am here: departments, teams, how much is on my plate, which alerts I get."""
    return render_profile(request)


def render_profile(
    request: HttpRequest, *, alerts_form: AlertPreferencesForm | None = None, status: int = 200
) -> HttpResponse:
    """The profile page, with the alerts form as submitted when it was refused."""
    agent = request.agent  # type: ignore[attr-defined]
    mine = Ticket.objects.filter(assignee=agent, status__in=Ticket.ACTIVE_STATUSES)
    return render(
        request,
        "agents/profile.html",
        {
            "agent": agent,
            "departments": agent.departments.all(),
            "teams": agent.teams.all(),
            "open_count": capped_count(mine),
            "overdue_count": capped_count(mine.filter(is_overdue=True)),
            "alerts_form": alerts_form
            or AlertPreferencesForm(initial={"muted_alerts": agent.muted_alerts}),
        },
        status=status,
    )


@require_POST
@agent_required
def alert_preferences(request: HttpRequest) -> HttpResponse:
    """Save which alert emails this agent does not want."""
    form = AlertPreferencesForm(request.POST)
    if not form.is_valid():
        return render_profile(request, alerts_form=form, status=400)
    try:
        operations.set_muted_alerts(
            request.agent,  # type: ignore[attr-defined]
            alerts=form.cleaned_data["muted_alerts"],
        )
    except TicketError as refused:
        form.add_error(None, str(refused))
        return render_profile(request, alerts_form=form, status=400)
    messages.success(request, "Your email alerts are saved.")
    return redirect("agents:profile")
