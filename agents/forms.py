"""The agent panel's forms: they validate what was typed; `tickets.operations` decide."""

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from agents.access import NOT_AN_AGENT
from agents.choices import CachedModelChoiceField, FilterChoiceField
from helpdesk.uploads import MultipleFileField
from sla.models import SLAPlan
from tickets.models import (
    Agent,
    CannedResponse,
    Department,
    HelpTopic,
    Priority,
    Team,
    Ticket,
    TimeEntry,
    phone_validator,
)
from tickets.operations import CALLER_SOURCES, Handoff
from tickets.queues import QUEUE_VIEWS, SORTS

Status = Ticket.Status


# ---------------------------------------------------------------------------------------------
# Signing in


class AgentAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, for agents only, saying plainly why anyone else is refused."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "inactive": "This account has been deactivated. Ask a help desk administrator.",
        "not_an_agent": NOT_AN_AGENT,
    }

    def clean(self) -> dict[str, Any]:
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username and password:
            # Django's backend treats a deactivated account like a wrong password; with the
            # right password, say what is really wrong instead.
            user = get_user_model().objects.filter(username=username).first()
            if user is not None and not user.is_active and user.check_password(password):
                raise ValidationError(self.error_messages["inactive"], code="inactive")
        return super().clean()

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not Agent.objects.filter(user=user).exists():
            raise ValidationError(self.error_messages["not_an_agent"], code="not_an_agent")


# ---------------------------------------------------------------------------------------------
# Shared pieces


def active_agents() -> QuerySet[Agent]:
    return Agent.objects.active().select_related("user")


# The parents come along: a topic is shown by its full "Parent / Child" name.
TOPIC_PARENTS = ["parent__parent__parent"]


def topics() -> QuerySet[HelpTopic]:
    return HelpTopic.objects.filter(is_active=True).select_related(*TOPIC_PARENTS)


def compact(form: forms.Form) -> None:
    """Bootstrap's small controls, for the queue's dense bars; labelled for screen readers."""
    for field in form.fields.values():
        widget = field.widget
        small = isinstance(widget, forms.Select) and "form-select form-select-sm"
        widget.attrs.update(
            {"class": small or "form-control form-control-sm", "aria-label": field.label or ""}
        )


class TicketForm(forms.Form):
    """A form about one ticket, drawn from its `version` so a stale submit is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, ticket: Ticket, agent: Agent, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})["version"] = ticket.version
        super().__init__(*args, **kwargs)
        self.ticket, self.agent = ticket, agent

    def refresh_version(self, version: int) -> None:
        """After a stale submit: keep what was typed, but draw it from the current ticket."""
        if self.is_bound:
            self.data = self.data.copy()
            self.data[self.add_prefix("version")] = str(version)
        self.initial["version"] = version


class ResolutionFields(TicketForm):
    """What a resolution records; all required (the checklist's steps 14 and 16)."""

    root_cause = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    resolution = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For the next technician: the system, the setting, the command, the KB article.",
    )
    category = forms.ChoiceField(choices=[("", "—"), *Ticket.Category.choices])
    minutes = forms.IntegerField(
        label="Time spent (minutes)", min_value=1, max_value=TimeEntry.MAX_MINUTES
    )

    RESOLUTION_FIELDS = ("root_cause", "resolution", "category", "minutes")


# ---------------------------------------------------------------------------------------------
# Ticket actions


class ReplyForm(ResolutionFields):
    """A reply to the requester, and the status the ticket is left in."""

    body = forms.CharField(label="Reply", widget=forms.Textarea(attrs={"rows": 6}))
    attachments = MultipleFileField()
    status = forms.ChoiceField(
        label="Then",
        choices=[
            (Status.OPEN, "Leave it open"),
            (Status.AWAITING_CUSTOMER, "Wait for the customer"),
            (Status.RESOLVED, "Resolve it"),
        ],
        initial=Status.AWAITING_CUSTOMER,
    )

    field_order = ["version", "body", "attachments", "status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The resolution is needed only when the reply resolves the ticket (see clean()).
        for name in self.RESOLUTION_FIELDS:
            self.fields[name].required = False
        if not self.ticket.is_active:
            # Replying to a resolved ticket leaves its status alone; reopen has its own form.
            for name in ("status", *self.RESOLUTION_FIELDS):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("status") == Status.RESOLVED:
            for name in self.RESOLUTION_FIELDS:
                if data.get(name) in (None, ""):
                    self.add_error(name, "Required to resolve the ticket.")
        return data


class NoteForm(TicketForm):
    body = forms.CharField(label="Internal note", widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField()


class TriageForm(TicketForm):
    priority = CachedModelChoiceField(Priority.objects.all(), empty_label=None)
    sla_plan = CachedModelChoiceField(SLAPlan.objects.none(), label="SLA plan", empty_label=None)
    topic = CachedModelChoiceField(HelpTopic.objects.none(), label="Help topic", empty_label=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ticket = self.ticket
        self.initial.update(
            priority=ticket.priority_id, sla_plan=ticket.sla_plan_id, topic=ticket.topic_id
        )
        # Inactive plans and topics stay choosable only if the ticket already has them.
        self.fields["sla_plan"].queryset = SLAPlan.objects.filter(
            Q(is_active=True) | Q(pk=ticket.sla_plan_id)
        )
        self.fields["topic"].queryset = HelpTopic.objects.filter(
            Q(is_active=True) | Q(pk=ticket.topic_id)
        ).select_related(*TOPIC_PARENTS)


class AssignForm(TicketForm):
    agent = CachedModelChoiceField(
        active_agents(), required=False, empty_label="— nobody (release) —"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["agent"] = self.ticket.assignee_id


class TeamForm(TicketForm):
    team = CachedModelChoiceField(
        Team.objects.filter(is_active=True), required=False, empty_label="— no team —"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["team"] = self.ticket.team_id


class ClaimForm(TicketForm):
    """Just the version: claiming takes nothing else."""


class TransferForm(TicketForm):
    department = CachedModelChoiceField(Department.objects.filter(is_active=True))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


HANDOFF_FIELDS = (
    "steps_to_reproduce",
    "error_text",
    "tried",
    "affected_asset",
    "user_impact",
    "users_affected",
)


class EscalateForm(TicketForm):
    """The Tier 2 hand-off: who takes it over, and everything they need to start."""

    department = CachedModelChoiceField(
        Department.objects.filter(is_active=True),
        required=False,
        label="Transfer to department",
        empty_label="— keep the department —",
    )
    agent = CachedModelChoiceField(
        active_agents(), required=False, label="Assign to", empty_label="— no one —"
    )
    team = CachedModelChoiceField(
        Team.objects.filter(is_active=True), required=False, label="Team", empty_label="— none —"
    )
    steps_to_reproduce = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    error_text = forms.CharField(label="Exact error text", widget=forms.Textarea(attrs={"rows": 2}))
    tried = forms.CharField(label="Already tried", widget=forms.Textarea(attrs={"rows": 3}))
    affected_asset = forms.CharField(
        required=False, max_length=200, help_text="Host, service or asset tag, if any."
    )
    user_impact = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    users_affected = forms.IntegerField(
        label="Number of users affected", min_value=1, max_value=Handoff.MAX_USERS
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("department") or data.get("agent") or data.get("team")):
            raise ValidationError("Choose who takes it over: a department, an agent or a team.")
        return data


class ResolveForm(ResolutionFields):
    field_order = ["version", "root_cause", "resolution", "category", "minutes"]


class CloseForm(TicketForm):
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why it is closed: fix confirmed, duplicate, no answer…",
    )


class ReopenForm(TicketForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class TimeForm(TicketForm):
    minutes = forms.IntegerField(min_value=1, max_value=TimeEntry.MAX_MINUTES)
    note = forms.CharField(required=False, max_length=255)
    worked_on = forms.DateField(
        label="Day", widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )

    def clean_worked_on(self) -> date:
        day = self.cleaned_data["worked_on"]
        if day > timezone.localdate():
            raise ValidationError("That day has not come yet.")
        return day


class CollaboratorForm(TicketForm):
    email = forms.EmailField(help_text="They get the replies and may answer by email.")
    name = forms.CharField(required=False, max_length=120)


class UncopyForm(TicketForm):
    email = forms.EmailField(widget=forms.HiddenInput)


class CannedChoiceForm(forms.Form):
    """Picks a canned response to start the reply with (works without JavaScript)."""

    canned = CachedModelChoiceField(CannedResponse.objects.none(), label="Canned response")

    def __init__(self, *args: Any, department: Department, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["canned"].queryset = CannedResponse.objects.for_department(department)


# ---------------------------------------------------------------------------------------------
# Opening a ticket for a caller


class CallerTicketForm(forms.Form):
    """A ticket taken on the phone or at the desk, on the caller's behalf."""

    source = forms.ChoiceField(
        choices=[(source.value, source.label) for source in CALLER_SOURCES],
        widget=forms.RadioSelect,
        initial=Ticket.Source.PHONE,
    )
    identity_verified = forms.BooleanField(
        required=False,
        label="I verified the caller's identity",
        help_text="Against the directory, by a callback to the number on file or a second "
        "channel, before discussing any account detail.",
    )
    email = forms.EmailField(label="Caller's email")
    name = forms.CharField(label="Caller's name", max_length=120)
    phone = forms.CharField(required=False, max_length=32, validators=[phone_validator])
    topic = CachedModelChoiceField(HelpTopic.objects.none(), label="Help topic")
    priority = CachedModelChoiceField(
        Priority.objects.all(), required=False, empty_label="— the topic's default —"
    )
    subject = forms.CharField(max_length=255)
    body = forms.CharField(
        label="The issue in the caller's words",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="The exact error text, what they were doing, how many users are affected.",
    )
    attachments = MultipleFileField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics().filter(department__is_active=True)


# ---------------------------------------------------------------------------------------------
# The queue


class QueueForm(forms.Form):
    """The queue's view, filters, sort and search, all from the URL (so it can be bookmarked).

    An invalid value (a forged id, a bad date) is reported and that filter alone ignored.
    """

    view = forms.ChoiceField(
        choices=[(key, view.label) for key, view in QUEUE_VIEWS.items()], required=False
    )
    q = forms.CharField(required=False, max_length=200, label="Search")
    department = FilterChoiceField(Department.objects.all(), required=False)
    topic = FilterChoiceField(HelpTopic.objects.none(), required=False, label="Help topic")
    priority = FilterChoiceField(Priority.objects.all(), required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *Status.choices], required=False)
    assignee = FilterChoiceField(active_agents(), required=False)
    team = FilterChoiceField(Team.objects.all(), required=False)
    sla_plan = FilterChoiceField(SLAPlan.objects.all(), required=False, label="SLA plan")
    source = forms.ChoiceField(choices=[("", "Any source"), *Ticket.Source.choices], required=False)
    created_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    updated_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    updated_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(
        choices=[(key, sort.label) for key, sort in SORTS.items()], required=False
    )

    EXACT = ("department", "topic", "priority", "status", "assignee", "team", "sla_plan", "source")
    RANGES = {
        "created_from": "created_at__gte",
        "created_to": "created_at__lt",
        "updated_from": "updated_at__gte",
        "updated_to": "updated_at__lt",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = HelpTopic.objects.select_related(*TOPIC_PARENTS)
        compact(self)
        self.is_valid()  # fills cleaned_data with the valid fields, errors with the rest

    def lookups(self) -> dict[str, Any]:
        """The ORM filters of the valid, non-empty fields."""
        data = self.cleaned_data
        found = {name: data[name] for name in self.EXACT if data.get(name)}
        for name, lookup in self.RANGES.items():
            day = data.get(name)
            if name.endswith("_to") and day:
                # "to" includes its whole day: compare with the next midnight, if any.
                day = day + timedelta(days=1) if day < date.max else None
            if day:
                found[lookup] = timezone.make_aware(datetime.combine(day, time.min))
        return found


TICKET_SELECTION = re.compile(r"^\d{1,18}:\d{1,9}$")


class BulkForm(forms.Form):
    """One action on the selected rows; each carries the version it was listed at."""

    ACTIONS = [
        ("assign", "Assign to"),
        ("transfer", "Transfer to"),
        ("priority", "Change priority to"),
        ("status", "Change status to"),
    ]
    action = forms.ChoiceField(choices=[("", "— bulk action —"), *ACTIONS])
    tickets = forms.MultipleChoiceField(required=True)
    agent = CachedModelChoiceField(active_agents(), required=False, empty_label="— agent —")
    department = CachedModelChoiceField(
        Department.objects.filter(is_active=True), required=False, empty_label="— department —"
    )
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Transfer reason",
        widget=forms.TextInput(attrs={"placeholder": "Transfer reason"}),
    )
    priority = CachedModelChoiceField(
        Priority.objects.all(), required=False, empty_label="— priority —"
    )
    status = forms.ChoiceField(
        choices=[
            ("", "— status —"),
            (Status.OPEN, Status.OPEN.label),
            (Status.AWAITING_CUSTOMER, Status.AWAITING_CUSTOMER.label),
        ],
        required=False,
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    NEEDS = {
        "assign": ("agent",),
        "transfer": ("department", "reason"),
        "priority": ("priority",),
        "status": ("status",),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any well-formed "id:version" is accepted here; the view checks each id is visible.
        self.fields["tickets"].valid_value = lambda value: bool(  # type: ignore[method-assign]
            TICKET_SELECTION.match(str(value))
        )
        self.fields["tickets"].error_messages["required"] = "Select at least one ticket."
        compact(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in self.NEEDS.get(data.get("action", ""), ()):
            if not data.get(name):
                self.add_error(name, "Required for this action.")
        return data

    def selected_ids(self) -> set[int]:
        """The ids ticked when the form was sent, valid or not, to tick them again."""
        values = self.data.getlist("tickets") if self.is_bound else []
        return {int(value.split(":")[0]) for value in values if TICKET_SELECTION.match(value)}

    def selection(self) -> dict[int, int]:
        """Ticket id → the version it was listed at."""
        pairs = (value.split(":") for value in self.cleaned_data["tickets"])
        return {int(pk): int(version) for pk, version in pairs}


class AlertPreferencesForm(forms.Form):
    """The alert emails an agent does not want (profile page)."""

    muted_alerts = Agent._meta.get_field("muted_alerts").formfield()
