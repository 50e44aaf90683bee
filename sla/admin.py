"""SLA configuration in Django admin: plans with their per-priority targets and escalation rules,
business-hours schedules with windows and holidays, on-call webhooks, and the SLA simulator.

Every form refuses what the deadline arithmetic could not use, with a message saying why.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from sla import deadlines
from sla.models import (
    BusinessSchedule,
    BusinessWindow,
    EscalationRule,
    Holiday,
    OnCallWebhook,
    PendingEscalation,
    PriorityTarget,
    SLAPlan,
)
from tickets.admin import ReadOnlyAdminMixin
from tickets.models import Priority

as_duration = deadlines.duration_text


class WindowFormSet(BaseInlineFormSet):
    """Checks the windows together: no overlap, and some business hours unless 24×7."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return  # each window's own problem is shown beside it first
        windows = [
            form.instance.as_window()
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if self.instance.is_24x7:
            if windows:
                raise ValidationError("A 24×7 schedule has no windows: delete them or untick 24×7.")
            return
        if not windows:
            raise ValidationError(
                "This schedule has no business hours at all: add at least one window, or tick 24×7."
            )
        if overlap := deadlines.first_overlap(windows):
            first, second = overlap
            raise ValidationError(f"The windows {first.label()} and {second.label()} overlap.")


class HolidayFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if self.instance.is_24x7 and kept:
            raise ValidationError("A 24×7 schedule never closes: it has no holidays.")


class WindowInline(admin.TabularInline):
    model = BusinessWindow
    formset = WindowFormSet
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    formset = HolidayFormSet
    extra = 0


@admin.register(BusinessSchedule)
class BusinessScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "is_24x7", "hours_per_week"]
    search_fields = ["name", "time_zone"]
    inlines = [WindowInline, HolidayInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BusinessSchedule]:
        return super().get_queryset(request).prefetch_related("windows")

    @admin.display(description="hours a week")
    def hours_per_week(self, schedule: BusinessSchedule) -> str:
        if schedule.is_24x7:
            return "168 h (24×7)"
        minutes = sum(window.as_window().minutes for window in schedule.windows.all())
        return as_duration(timedelta(minutes=minutes))


class PriorityTargetInline(admin.TabularInline):
    model = PriorityTarget
    extra = 0
    autocomplete_fields = ["priority"]


class EscalationRuleInline(admin.TabularInline):
    model = EscalationRule
    extra = 0
    autocomplete_fields = ["team", "department"]


@admin.register(SLAPlan)
class SLAPlanAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "first_response",
        "resolution",
        "schedule",
        "warning_percent",
        "pause_while_awaiting_customer",
        "alerts_enabled",
        "is_active",
    ]
    list_filter = ["is_active", "alerts_enabled", "schedule"]
    search_fields = ["name", "description"]
    list_select_related = ["schedule"]
    inlines = [PriorityTargetInline, EscalationRuleInline]
    change_list_template = "admin/sla/slaplan/change_list.html"

    @admin.display(description="first response", ordering="first_response_minutes")
    def first_response(self, plan: SLAPlan) -> str:
        return as_duration(timedelta(minutes=plan.first_response_minutes))

    @admin.display(description="resolution", ordering="resolution_minutes")
    def resolution(self, plan: SLAPlan) -> str:
        return as_duration(timedelta(minutes=plan.resolution_minutes))

    def get_urls(self) -> list[URLPattern]:
        simulate = path(
            "simulate/",
            self.admin_site.admin_view(self.simulate_view),
            name="sla_slaplan_simulate",
        )
        return [simulate, *super().get_urls()]

    def simulate_view(self, request: HttpRequest) -> HttpResponse:
        """Due times and their calendar reasoning for a plan, a priority and a start time."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = SimulatorForm(request.GET or None)
        context = {
            **self.admin_site.each_context(request),
            "title": "SLA simulator",
            "opts": self.model._meta,
            "form": form,
            "results": simulated(form),
            "time_zone": timezone.get_current_timezone_name(),
            "changelist_url": reverse("admin:sla_slaplan_changelist"),
        }
        return TemplateResponse(request, "admin/sla/simulate.html", context)


def simulated(form: "SimulatorForm") -> list["SimulatedClock"]:
    """The simulation the form asks for; a start the clocks cannot run from is the form's
    error (due times past the year 9999, or a calendar without business hours left)."""
    if not form.is_valid():
        return []
    try:
        return simulate(**form.cleaned_data)
    except OverflowError:
        form.add_error("start", "The due times would fall after the year 9999: choose earlier.")
    except ValueError as error:
        form.add_error("start", str(error))
    return []


class SimulatorForm(forms.Form):
    """Read-only: a GET form, nothing is saved."""

    plan = forms.ModelChoiceField(SLAPlan.objects.select_related("schedule"))
    priority = forms.ModelChoiceField(Priority.objects.all())
    start = forms.DateTimeField(
        label="opened at",
        help_text="e.g. 2026-03-06 17:00, in the site's time zone.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


@dataclass(frozen=True)
class SimulatedClock:
    name: str
    target: str
    warning: datetime
    due: datetime
    lines: tuple[str, ...]


def simulate(*, plan: SLAPlan, priority: Priority, start: datetime) -> list[SimulatedClock]:
    """What a ticket opened at `start` would be held to: the same `clock_times` the ticket
    clocks use, and the same walk told as `deadlines.explain`."""
    calendar = plan.calendar()
    results = []
    for name, minutes in zip(
        ("First response", "Resolution"), plan.targets(priority.pk), strict=True
    ):
        warning, due = plan.clock_times(start, minutes, calendar=calendar)
        walk = deadlines.explain(calendar, start, timedelta(minutes=minutes))
        target = as_duration(timedelta(minutes=minutes))
        results.append(SimulatedClock(name, target, warning, due, walk.lines))
    return results


class OnCallWebhookForm(forms.ModelForm):
    """The routing key is write-only: never shown again once saved; blank keeps it."""

    url = forms.URLField(
        label="events URL",
        max_length=300,
        assume_scheme="https",
        help_text="e.g. https://events.pagerduty.com/v2/enqueue",
    )
    routing_key = forms.CharField(
        required=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False),
        help_text="The integration's routing key. It is never shown again; leave blank to keep it.",
    )

    class Meta:
        model = OnCallWebhook
        fields = ["name", "url", "routing_key", "plan", "department", "is_active"]

    def clean_routing_key(self) -> str:
        key = self.cleaned_data["routing_key"].strip()
        if key:
            return key
        if self.instance.pk and self.instance.routing_key:
            return self.instance.routing_key
        raise ValidationError("Enter the routing key of the on-call integration.")


@admin.register(OnCallWebhook)
class OnCallWebhookAdmin(admin.ModelAdmin):
    form = OnCallWebhookForm
    list_display = ["name", "url", "plan", "department", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    list_select_related = ["plan", "department"]
    autocomplete_fields = ["department"]


@admin.register(PendingEscalation)
class PendingEscalationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Escalation actions a sweep decided on that no worker has carried out yet. Rows that stay
    here mean the workers are down or an action keeps failing (see `attempts` and the log)."""

    list_display = ["ticket", "rule", "created_at", "attempts"]
    list_select_related = ["ticket", "rule"]
    search_fields = ["=ticket__number"]
